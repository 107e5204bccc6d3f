"""Equal effort and equal price: strategies differ in behaviour only. Every strategy gets the
same default hours, meeting length and discount, and the discount is a lever of its own that
changes the vendor's true offer whatever its seller does (sim/model/model.py)."""

from __future__ import annotations

import pytest

from sim.config import SELLER_STRATEGIES, Scenario
from sim.config.scenario import SellerSpec
from sim.model.model import BuyingCommitteeModel

NETWORK = {"size": 30, "reach": 0.2, "installed_base": {"ours": 5, "rival": 5}}
EQUAL_EFFORT = ("capacity_hours", "meeting_hours", "discount")


def scenario(strategy: str, **ours: object) -> Scenario:
    return Scenario.model_validate(
        {
            "network": NETWORK,
            "sellers": {
                "ours": {"strategy": strategy, **ours},
                "rival": {"strategy": "maze_guide"},
            },
        }
    )


def test_every_strategy_gets_the_same_default_hours_meeting_length_and_price() -> None:
    specs = [SellerSpec(strategy=s) for s in SELLER_STRATEGIES]
    for field in EQUAL_EFFORT:
        assert len({getattr(spec, field) for spec in specs}) == 1, field
    models = [BuyingCommitteeModel(scenario(s), 3) for s in SELLER_STRATEGIES if s != "none"]
    for field in ("capacity", "spec"):
        values = [getattr(m.seller_of(m.our_index), field) for m in models]
        if field == "spec":
            values = [tuple(getattr(v, f) for f in EQUAL_EFFORT) for v in values]
        assert len(set(values)) == 1, field


def test_a_strategy_change_leaves_the_world_unchanged() -> None:
    """The truth, the committee and the events are the same whoever sells."""
    models = [BuyingCommitteeModel(scenario(s), 5) for s in SELLER_STRATEGIES]
    first = models[0]
    for other in models[1:]:
        assert other.truth == first.truth
        assert other.profiles == first.profiles
        assert other.exogenous_events == first.exogenous_events
        assert other.urgency == first.urgency


@pytest.mark.parametrize("strategy", SELLER_STRATEGIES)
def test_a_discount_raises_the_true_cost_score_alike_for_every_strategy(strategy: str) -> None:
    cost = Scenario().criteria.index("cost")
    plain = BuyingCommitteeModel(scenario(strategy), 7)
    discounted = BuyingCommitteeModel(scenario(strategy, discount=0.15), 7)
    ours, rival = plain.our_index, 2
    assert discounted.truth[ours][cost] == pytest.approx(min(1.0, plain.truth[ours][cost] + 0.15))
    assert discounted.truth[ours][cost] > plain.truth[ours][cost]
    for option, row in enumerate(plain.truth):
        for criterion, value in enumerate(row):
            if (option, criterion) != (ours, cost):
                assert discounted.truth[option][criterion] == value
    assert discounted.truth[rival] == plain.truth[rival], "only the discounting vendor moves"


def test_the_discount_is_capped_at_a_perfect_cost_score() -> None:
    data = {"options": {"vendors": {"ours": {"quality": {"cost": 0.95}}, "rival": {}}}}
    cost = Scenario().criteria.index("cost")
    model = BuyingCommitteeModel(
        Scenario.model_validate({**data, "sellers": {"ours": {"discount": 0.3}}}), 1
    )
    assert model.truth[model.our_index][cost] == 1.0


def test_a_sellers_claims_are_biased_only_if_its_strategy_overclaims() -> None:
    """Honesty is a strategy's property, read by the world, not set by the seller."""
    criterion = 0
    for strategy in SELLER_STRATEGIES:
        data = scenario(strategy).model_dump()
        data["information"]["sources"]["seller"]["bias"] = 0.3
        model = BuyingCommitteeModel(Scenario.model_validate(data), 2)
        seller = model.seller_of(model.our_index)
        source = f"seller:{model.option_names[model.our_index]}"
        truth = model.truth[model.our_index][criterion]
        stated = model.information.state(source, model.our_index, criterion, 0.0)
        overclaims = seller is not None and seller.overclaims
        assert (stated > truth) == overclaims, strategy
