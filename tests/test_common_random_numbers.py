"""Common random numbers (MODEL.md section 5): replication r of two treatments meets the same
committee and the same exogenous events; each purpose draws from its own stream."""

from __future__ import annotations

import pytest

from sim.config import SELLER_STRATEGIES
from sim.model import BuyingCommitteeModel, simulate
from sim.model.exogenous import draw_exogenous_events
from sim.model.sellers import SELLER_CLASSES
from sim.model.streams import Purpose, RandomStreams

SEEDS = [0, 1, 2, 17]

RUNNABLE_STRATEGIES = [s for s in SELLER_STRATEGIES if s in SELLER_CLASSES]

BASE = {"committee": {"size": 8}, "horizon_weeks": 40, "account": {"shock_rate": 0.2}}
"""A drawn committee (so the role draw matters) and frequent exogenous events."""

# Treatments that change what happens in the deal but not who is in the room nor the world.
TREATMENTS: dict[str, dict] = {
    "seller capacity changed": {"sellers": {"ours": {"strategy": "none", "capacity_hours": 3}}},
    "seller entry added for rival": {
        "sellers": {
            "ours": {"strategy": "none", "capacity_hours": 10},
            "rival": {"strategy": "none", "capacity_hours": 40},
        }
    },
    "behaviour parameters": {
        "behaviour": {"choice_noise": 2.0, "convergence": 0.7, "trust_loss": 0.5, "claim_sd": 0.6}
    },
    "information environment": {
        "information": {"overload": 4.0, "claims_per_hour": 5.0, "attention": 3.0}
    },
    "decision rule": {
        "decision": {"support_threshold": 0.9, "confidence_threshold": 0.95, "vetoes": False}
    },
    "account pain and decay": {"account": {"pain": 0.9, "urgency": 0.4, "urgency_decay": 0.1}},
    "vendor qualities": {
        "options": {
            "vendors": {
                "ours": {"quality": {"business_value": 0.1, "cost": 0.9}},
                "rival": {"quality": {"business_value": 0.95}},
            }
        }
    },
}


def _world(make_scenario, changes: dict, seed: int):
    scenario = make_scenario(BASE, **changes)
    model = BuyingCommitteeModel(scenario, seed)
    return model.profiles, dict(model.exogenous_events)


@pytest.mark.parametrize("treatment", sorted(TREATMENTS))
def test_committee_and_events_do_not_depend_on_treatment(make_scenario, treatment: str) -> None:
    for seed in SEEDS:
        control = _world(make_scenario, {}, seed)
        treated = _world(make_scenario, TREATMENTS[treatment], seed)
        assert treated[0] == control[0], f"committee changed by {treatment} (seed {seed})"
        assert treated[1] == control[1], f"exogenous events changed by {treatment} (seed {seed})"


@pytest.mark.parametrize("strategy", RUNNABLE_STRATEGIES)
def test_committee_and_events_do_not_depend_on_seller_strategy(make_scenario, strategy) -> None:
    for seed in SEEDS:
        control = _world(make_scenario, {}, seed)
        changes: dict = {"sellers": {"ours": {"strategy": strategy, "capacity_hours": 20}}}
        if strategy == "social_seller":  # it works through a peer network
            changes["network"] = {"size": 30, "installed_base": {"ours": 3}}
        treated = _world(make_scenario, changes, seed)
        assert treated == control


def test_result_stakeholders_do_not_depend_on_sellers_section(make_scenario) -> None:
    treatments = ["seller capacity changed", "seller entry added for rival", "behaviour parameters"]
    for seed in SEEDS[:2]:
        control = simulate(make_scenario(BASE), seed)
        for name in treatments:
            treated = simulate(make_scenario(BASE, **TREATMENTS[name]), seed)
            assert treated.stakeholders == control.stakeholders, name


def test_every_strategy_that_validates_can_run(make_scenario) -> None:
    """A scenario naming any strategy in SELLER_STRATEGIES passes validation, so the model
    must be able to build and run it (sellers.py: the registry and the list must agree)."""
    network = {"size": 20, "installed_base": {"ours": 2}}
    for strategy in SELLER_STRATEGIES:
        scenario = make_scenario(
            horizon_weeks=6,
            sellers={"ours": {"strategy": strategy, "capacity_hours": 10}},
            network=network,  # a social seller needs one; the others ignore it
        )
        assert strategy in scenario.available_strategies()
        result = BuyingCommitteeModel(scenario, 1).run()
        assert result.weeks_simulated >= 1


# ---- positive controls: the equality tests above are not vacuous ----------------------


def test_committee_depends_on_seed_and_on_committee_make_up(make_scenario) -> None:
    profiles = [_world(make_scenario, {}, seed)[0] for seed in SEEDS]
    assert len({repr(p) for p in profiles}) == len(SEEDS)
    assert _world(make_scenario, {"committee": {"divergence": 2.5}}, 0)[0] != profiles[0]
    assert len(_world(make_scenario, {"committee": {"size": 3}}, 0)[0]) == 3


def test_exogenous_events_depend_on_seed_and_rate() -> None:
    streams = [RandomStreams(seed).generator(Purpose.EXOGENOUS) for seed in range(4)]
    drawn = [draw_exogenous_events(rng, 100, 0.2) for rng in streams]
    assert len({tuple(sorted(d)) for d in drawn}) == 4
    assert all(0 < len(d) < 100 for d in drawn)
    assert draw_exogenous_events(RandomStreams(0).generator(Purpose.EXOGENOUS), 50, 0.0) == {}
    every_week = draw_exogenous_events(RandomStreams(0).generator(Purpose.EXOGENOUS), 50, 1.0)
    assert sorted(every_week) == list(range(1, 51))


# ---- the streams themselves ------------------------------------------------------------


def _draws(rng, n: int = 25) -> list[float]:
    return [rng.random() for _ in range(n)]


@pytest.mark.parametrize("seed", [0, 5, 2**31 + 3])
def test_member_stream_does_not_depend_on_committee_size(seed: int) -> None:
    streams = RandomStreams(seed)
    small = [_draws(r) for r in streams.python_randoms(Purpose.BEHAVIOUR, 3)]
    large = [_draws(r) for r in streams.python_randoms(Purpose.BEHAVIOUR, 12)]
    assert large[:3] == small
    assert len({tuple(d) for d in large}) == 12, "members must have distinct streams"


def test_streams_differ_by_purpose_and_seed() -> None:
    a, b = RandomStreams(1), RandomStreams(2)
    by_purpose = {tuple(_draws(a.python_randoms(purpose, 1)[0])) for purpose in Purpose} | {
        tuple(_draws(b.python_randoms(Purpose.BEHAVIOUR, 1)[0]))
    }
    assert len(by_purpose) == len(Purpose) + 1
    g1 = a.generator(Purpose.COMMITTEE).random(5).tolist()
    assert g1 == RandomStreams(1).generator(Purpose.COMMITTEE).random(5).tolist()
    assert g1 != a.generator(Purpose.EXOGENOUS).random(5).tolist()
