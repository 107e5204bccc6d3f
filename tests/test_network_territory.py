"""Flip the funnel: the peer network, the social seller and a seller's territory."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from member_support import seek
from model_support import record_job
from pydantic import ValidationError

from sim.cli import main
from sim.config import Scenario
from sim.config.scenario import Network, Territory
from sim.model.model import BuyingCommitteeModel
from sim.model.network import REGRETFUL_SPIN, SATISFIED_SPIN, PeerNetwork
from sim.model.sellers import SocialSeller
from sim.model.territory import GoDeep, SpreadThin, account_seed, simulate_territory

NETWORK = {"size": 40, "reach": 0.2, "installed_base": {"ours": 6, "rival": 6}}


def scenario(strategy: str = "social_seller", **extra: object) -> Scenario:
    data: dict = {"network": NETWORK, "sellers": {"ours": {"strategy": strategy}}}
    data.update(extra)
    return Scenario.model_validate(data)


def edges(network: PeerNetwork) -> set[tuple[int, int]]:
    return {tuple(sorted(e)) for e in network.graph.edges}


# ---- the network ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_strategy_meets_the_same_network(seed: int) -> None:
    networks = [
        BuyingCommitteeModel(scenario(s), seed).network
        for s in ("none", "funnel_pusher", "maze_guide", "social_seller")
    ]
    first = networks[0]
    assert first is not None
    for other in networks[1:]:
        assert edges(other) == edges(first)
        assert other.contacts == first.contacts
        assert other.customers == first.customers
    different = BuyingCommitteeModel(scenario("none"), seed + 100).network
    assert edges(different) != edges(first) or different.contacts != first.contacts


def test_installed_base_and_reach_follow_the_settings() -> None:
    settings = Network(
        size=200,
        reach=0.25,
        installed_base={"ours": 30, "rival": 10},
        satisfaction={"ours": 1.0, "rival": 0.0},
    )
    network = PeerNetwork.build(settings, 7, {"ours": 1, "rival": 2}, np.random.default_rng(4))
    ours = [c for c in network.customers.values() if c[0] == 1]
    rival = [c for c in network.customers.values() if c[0] == 2]
    assert len(ours) == 30 and all(happy for _, happy in ours)
    assert len(rival) == 10 and not any(happy for _, happy in rival)
    known = np.mean([len(c) for c in network.contacts]) / 200
    assert 0.15 < known < 0.35


def one_peer_network(customer: tuple[int, bool] | None) -> PeerNetwork:
    settings = Network(size=3, reach=1.0, neighbours=2)
    network = PeerNetwork.build(settings, 1, {"ours": 1}, np.random.default_rng(0))
    network.contacts = [[0]]
    network.customers = {0: customer} if customer else {}
    return network


def mean_claim(network: PeerNetwork, truth: float, draws: int = 400) -> tuple[float, set[str]]:
    rng = np.random.default_rng(5)
    told = [network.ask(0, 1, 0, truth, 0.16, rng) for _ in range(draws)]
    return float(np.mean([v for v, _ in told])), {k for _, k in told}


def test_customers_tell_their_true_experience_warmly_or_coldly() -> None:
    happy, kinds = mean_claim(one_peer_network((1, True)), 0.5)
    assert kinds == {"experience"}
    assert happy == pytest.approx(0.5 + SATISFIED_SPIN, abs=0.01)
    unhappy, _ = mean_claim(one_peer_network((1, False)), 0.5)
    assert unhappy == pytest.approx(0.5 + REGRETFUL_SPIN, abs=0.01)


def test_peers_pass_on_a_social_sellers_content() -> None:
    network = one_peer_network(None)
    _, kinds = mean_claim(network, 0.5, draws=20)
    assert "content" not in kinds
    added = network.spread_content(1, 3, random.Random(1))
    assert added == 3 and network.carriers[1] == {0, 1, 2}
    _, kinds = mean_claim(network, 0.5, draws=20)
    assert kinds == {"content"}


def test_a_stakeholder_who_knows_nobody_cannot_ask_peers() -> None:
    def sources_asked(network: dict | None) -> set[str]:
        model = BuyingCommitteeModel(scenario("none", network=network), 1)
        member = model.stakeholders[0]
        member.trust["peers"] = 0.99  # it would ask peers whenever it could
        for _ in range(60):
            seek(member)
        return {e.effect for e in model.events if e.action == "seek"}

    assert "peers" not in sources_asked({"size": 10, "reach": 0.0})
    assert "peers" in sources_asked(None)


def test_network_claims_are_counted_per_deal() -> None:
    deal = BuyingCommitteeModel(scenario("social_seller"), 3).run()
    counts = deal.metrics()
    assert sum(counts[f"peer_{k}"] for k in ("experience", "content", "hearsay", "opinion")) > 0
    assert counts["peer_content"] > 0, "the social seller's content reached the committee"


# ---- the social seller ------------------------------------------------------------------


def test_social_seller_builds_reach_before_and_during_the_deal() -> None:
    model = BuyingCommitteeModel(scenario("social_seller"), 2)
    seller = next(s for s in model.sellers if s.vendor == model.our_index)
    assert isinstance(seller, SocialSeller)
    before = len(model.network.carriers[seller.vendor])
    spec = seller.spec
    expected = round(
        spec.prior_weeks * spec.capacity_hours * spec.network_share * spec.content_reach
    )
    assert before == min(expected, NETWORK["size"])
    model.step()
    spent = [
        e for e in model.events if e.actor == seller.name and e.effect.startswith("built reach")
    ]
    assert spent, "network work is logged"
    # the peers the log says were reached are exactly the new carriers, no more, no fewer
    after = len(model.network.carriers[seller.vendor])
    added = sum(e.value for e in spent)
    assert after == min(before + added, NETWORK["size"])
    assert spent[-1].effect.endswith(f", {after} peers)")
    assert added <= spec.capacity_hours * spec.network_share * spec.content_reach + 1


def test_social_seller_connects_validators_with_reference_customers() -> None:
    model = BuyingCommitteeModel(scenario("social_seller"), 4)
    seller = next(s for s in model.sellers if s.vendor == model.our_index)
    member = model.stakeholders[0]
    record_job(member, "validate")
    member.hours_left = member.seller_time_left = 10
    seller.start_week()
    seller.connect_references()
    assert member.week_hours_with_sellers == 0.0, "it has not seen anyone validating yet"
    seller.view.meet(member.seat, 1.0, "validate", 10.0)  # the member says it is validating
    with_sellers = member.week_hours_with_sellers
    recent = list(member.recent_claims)
    seller.connect_references()
    assert member.week_hours_with_sellers == with_sellers + seller.spec.meeting_hours
    added = list(member.recent_claims)[len(recent) :]
    assert [(c.origin, c.validated) for c in added] == [("peers", False)], (
        "a reference call's experience joins what the member may check"
    )
    assert any(e.effect == "connected a reference customer" for e in model.events)


def test_social_seller_needs_a_network() -> None:
    with pytest.raises(ValidationError, match="social_seller works through the peer network"):
        Scenario.model_validate({"sellers": {"ours": {"strategy": "social_seller"}}})
    with pytest.raises(ValidationError, match=r"network\.installed_base\.acme"):
        Scenario.model_validate({"network": {"installed_base": {"acme": 3}}})
    assert "social_seller" not in Scenario().available_strategies()
    assert "social_seller" in scenario().available_strategies()


# ---- the territory ----------------------------------------------------------------------


def territory_models(count: int, strategy: str) -> tuple[list, list]:
    base = scenario(strategy, territory={"accounts": count})
    models = [BuyingCommitteeModel(base, account_seed(1, a)) for a in range(count)]
    sellers = [next((s for s in m.sellers if s.vendor == m.our_index), None) for m in models]
    return models, sellers


def test_a_pusher_spreads_thin_and_takes_turns_when_too_thin() -> None:
    models, sellers = territory_models(10, "funnel_pusher")
    roomy = SpreadThin(Territory(accounts=10, capacity_hours=100), meeting_hours=2.5)
    shares = roomy.share(models, sellers)
    assert sorted(shares) == list(range(10)) and set(shares.values()) == {10.0}
    thin = SpreadThin(Territory(accounts=10, capacity_hours=14), meeting_hours=2.5)
    first, second = thin.share(models, sellers), thin.share(models, sellers)
    assert len(first) == 4 and sum(first.values()) == pytest.approx(14)
    assert not set(first) & set(second), "the next leads get their turn"
    sellers[0].qualified_out = True
    assert 0 not in roomy.share(models, sellers)


def test_a_guide_goes_deep_on_few_accounts_and_keeps_them() -> None:
    models, sellers = territory_models(10, "maze_guide")
    deep = GoDeep(Territory(accounts=10, capacity_hours=24, focus_hours=8), meeting_hours=2.5)
    first = deep.share(models, sellers)
    assert len(first) == 3 and set(first.values()) == {8.0}
    assert deep.share(models, sellers) == first
    models[next(iter(first))].running = False
    refilled = deep.share(models, sellers)
    assert len(refilled) == 3 and set(first) - set(refilled) == {next(iter(first))}


@pytest.mark.parametrize("strategy", ["funnel_pusher", "maze_guide", "social_seller"])
def test_territory_respects_capacity_and_sums_up(strategy: str) -> None:
    base = scenario(
        strategy,
        territory={"accounts": 6, "capacity_hours": 20, "focus_hours": 8},
        horizon_weeks=30,
    )
    result = simulate_territory(base, 7)
    rows = result.accounts
    summary = result.summary()
    assert summary["seller_hours"] <= 20 * result.weeks + 1e-6
    won = rows["outcome"] == "won"
    assert summary["won"] == int(won.sum())
    assert summary["revenue"] == pytest.approx(won.sum() * base.options.vendors["ours"].price)
    assert summary["hours_on_deals_not_won"] == pytest.approx(
        rows.loc[~won, "our_seller_hours"].sum()
    )
    committees = [BuyingCommitteeModel(base, account_seed(7, a)).profiles for a in range(6)]
    other = scenario("funnel_pusher", territory={"accounts": 6}, horizon_weeks=30)
    assert committees == [
        BuyingCommitteeModel(other, account_seed(7, a)).profiles for a in range(6)
    ]


def test_territory_command(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(
            [
                "territory",
                "territory",
                "--accounts",
                "4",
                "--sellers",
                "funnel_pusher,social_seller",
                "--json",
            ]
        )
    assert done.value.code in (0, None)
    payload = json.loads(capsys.readouterr().out)
    assert [s["strategy"] for s in payload["sellers"]] == ["funnel_pusher", "social_seller"]
    assert all(s["accounts"] == 4 for s in payload["sellers"])
    with pytest.raises(SystemExit) as done:
        main(["territory", "baseline", "--sellers", "social_seller"])
    assert done.value.code == 2
    assert "network" in capsys.readouterr().err


def test_network_settings_are_checked(tmp_path, capsys) -> None:
    with pytest.raises(ValidationError, match="installed_base"):
        Scenario.model_validate({"network": {"installed_base": {"ours": -1}}})
    bad = tmp_path / "bad.yaml"
    bad.write_text("sellers: {ours: {strategy: social_seller}}\n")
    with pytest.raises(SystemExit) as done:
        main(["validate", str(bad)])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "problems" not in err, "one problem, told in one piece"
    assert "sellers.ours.strategy: social_seller works through the peer network" in err


def test_an_unserved_pusher_only_waits() -> None:
    model = BuyingCommitteeModel(scenario("funnel_pusher"), 5)
    seller = next(s for s in model.sellers if s.vendor == model.our_index)
    seller.capacity = 0.0
    for _ in range(seller.spec.stage_weeks + 1):
        seller.start_week()
        seller.act()
    assert seller.stage == 0 and seller.hours_spent == 0
    assert not any(e.actor == seller.name for e in model.events)
