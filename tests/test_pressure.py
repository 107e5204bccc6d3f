"""Closing pressure acts through people (sim/model/stakeholder.py `feel_pressure`).

A member's sureness `2 * confidence - 1` decides its reaction to a seller's deadline: one who
favours the pressing vendor feels the deadline in proportion to its sureness; every member
pushes back in proportion to its unsureness: its reactance (a 0-1 state that saturates)
rises, taking the same share of its trust in the seller and scaling its risk aversion by
1 + reactance when it appraises. The account's urgency is exogenous: no seller writes it.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from member_support import appraise, feel_pressure

from sim.config import Scenario, load_scenario
from sim.model.model import BuyingCommitteeModel, simulate
from sim.model.sellers import FunnelPusher
from sim.model.stakeholder import TRUST_FLOOR

SELLER = "seller:ours"
PRESSURE, REACTANCE = 0.2, 0.1

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def member(preferred_ours: bool, confidence: float, risk_aversion: float = 1.0):
    model = BuyingCommitteeModel(
        Scenario.model_validate({"committee": {"size": 1}, "options": {"vendors": {"ours": {}}}}),
        1,
    )
    m = model.stakeholders[0]
    m.preferred = model.our_index if preferred_ours else model.status_quo_index
    m.confidence = confidence
    m.risk_aversion = risk_aversion
    m.felt_deadline = 0.0
    m.trust[SELLER] = 0.5
    return model, m


def reaction(preferred_ours: bool, confidence: float) -> tuple[float, float, float]:
    """(deadline felt, trust lost in the seller, reactance gained) from one message."""
    model, m = member(preferred_ours, confidence)
    feel_pressure(m, SELLER, model.our_index, PRESSURE, REACTANCE)
    return m.felt_deadline, 0.5 - m.trust[SELLER], m.reactance


def test_only_a_sure_supporter_of_the_pressing_vendor_feels_the_deadline() -> None:
    felt = {c: reaction(True, c)[0] for c in (0.5, 0.75, 1.0)}
    assert felt[0.5] == 0.0, "a torn supporter is not sped up"
    assert felt[0.75] > 0.0
    assert felt[1.0] == pytest.approx(2.0 * felt[0.75]), "in proportion to sureness"
    for confidence in (0.5, 0.75, 1.0):
        assert reaction(False, confidence)[0] == 0.0, "a member favouring another option"


def test_reactance_grows_with_unsureness_whoever_the_member_favours() -> None:
    for favours_us in (True, False):
        lost = {c: reaction(favours_us, c)[1] for c in (0.5, 0.75, 1.0)}
        gained = {c: reaction(favours_us, c)[2] for c in (0.5, 0.75, 1.0)}
        assert lost[1.0] == 0.0 and gained[1.0] == 0.0, "a certain member does not push back"
        assert lost[0.5] == pytest.approx(2.0 * lost[0.75]) and lost[0.75] > 0.0
        assert gained[0.5] == pytest.approx(2.0 * gained[0.75]) and gained[0.75] > 0.0


def test_reactance_costs_only_the_pressing_sellers_trust() -> None:
    model, m = member(True, 0.6)
    before = dict(m.trust)
    feel_pressure(m, SELLER, model.our_index, PRESSURE, REACTANCE)
    assert m.trust[SELLER] < before[SELLER]
    assert {k: v for k, v in m.trust.items() if k != SELLER} == {
        k: v for k, v in before.items() if k != SELLER
    }


@given(
    favours_us=st.booleans(),
    confidence=st.floats(0.0, 1.0),
    risk_aversion=st.floats(0.0, 8.0),
    felt=st.floats(0.0, 1.0),
    trust=st.floats(0.0, 1.0),
    pressure=st.floats(0.0, 1.0),
    reactance=st.floats(0.0, 1.0),
    messages=st.integers(1, 20),
)
def test_pressure_never_calms_a_member(
    favours_us, confidence, risk_aversion, felt, trust, pressure, reactance, messages
) -> None:
    """Reactance never falls and saturates below 1 (so pressure at most doubles a member's
    risk aversion, whatever the number of messages), its drawn risk aversion is untouched,
    the felt deadline never falls nor passes 1, trust never rises and stays at or above its
    floor."""
    model, m = member(favours_us, confidence, risk_aversion)
    m.felt_deadline, m.trust[SELLER] = felt, max(TRUST_FLOOR, trust)
    for _ in range(messages):
        before, deadline, trusted = m.reactance, m.felt_deadline, m.trust[SELLER]
        feel_pressure(m, SELLER, model.our_index, pressure, reactance)
        assert before <= m.reactance <= 1.0
        assert deadline <= m.felt_deadline <= 1.0
        assert TRUST_FLOOR <= m.trust[SELLER] <= trusted
    assert m.risk_aversion == risk_aversion


def test_reactance_saturates_over_a_long_pushed_deal() -> None:
    """Fifty deadlines on a torn member: reactance approaches 1 but each message adds less
    than the one before (what is left below 1 shrinks)."""
    model, m = member(False, 0.5)
    gains = []
    for _ in range(50):
        before = m.reactance
        feel_pressure(m, SELLER, model.our_index, PRESSURE, REACTANCE)
        gains.append(m.reactance - before)
    assert all(later < earlier for earlier, later in itertools.pairwise(gains))
    assert 0.99 < m.reactance < 1.0
    assert gains[0] == pytest.approx(REACTANCE)


def test_reactance_scales_the_members_risk_aversion_in_its_appraisal() -> None:
    """An option's value is penalised by risk aversion x (1 + reactance) per sd: at reactance
    1 as if the member were twice as risk-averse."""
    model, m = member(True, 0.5, risk_aversion=1.0)
    appraise(m)
    calm = list(m.utilities)
    m.reactance = 1.0
    appraise(m)
    reacting = list(m.utilities)
    m.reactance, m.risk_aversion = 0.0, 2.0
    appraise(m)
    assert reacting == pytest.approx(list(m.utilities))
    assert reacting[model.our_index] < calm[model.our_index]


def test_a_felt_deadline_makes_doing_nothing_look_costlier_to_that_member_only() -> None:
    model, m = member(True, 1.0)
    appraise(m)
    before = m.utilities[model.status_quo_index]
    m.felt_deadline = 0.25
    appraise(m)
    assert m.utilities[model.status_quo_index] == pytest.approx(before - model.pain * 0.25)


def test_a_deadline_message_reaches_each_member_through_its_own_state() -> None:
    model = BuyingCommitteeModel(
        load_scenario(SCENARIOS / "baseline.yaml").with_strategy("funnel_pusher"), 5
    )
    seller = model.seller_of(model.our_index)
    assert isinstance(seller, FunnelPusher)
    ours = model.our_index
    for k, m in enumerate(model.stakeholders):
        m.preferred = ours if k % 2 == 0 else model.status_quo_index
        m.confidence = (0.5, 0.8, 1.0)[k % 3]
    before = {
        m.name: (m.felt_deadline, m.risk_aversion, m.trust[seller.source])
        for m in model.stakeholders
    }
    urgency = model.urgency
    seller.start_week()
    seller.press_to_close()
    assert model.urgency == urgency
    for m in model.stakeholders:
        felt, rho, trust = before[m.name]
        sure = m.confidence > 0.5
        assert (m.felt_deadline > felt) == (m.preferred == ours and sure), m.name
        assert m.risk_aversion == rho, "the drawn trait stays; reactance scales it"
        assert (m.reactance > 0.0) == (m.confidence < 1.0), m.name
        assert (m.trust[seller.source] < trust) == (m.confidence < 1.0), m.name


@pytest.mark.parametrize("strategy", ["funnel_pusher", "maze_guide"])
def test_the_accounts_urgency_path_is_the_same_with_or_without_sellers(strategy) -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    hard = {"closing_pressure": 1.0, "reactance": 1.0, "stage_weeks": 1}
    data = base.model_dump()
    for vendor in ("ours", "rival"):
        data["sellers"][vendor] = {**data["sellers"][vendor], "strategy": strategy, **hard}
    pressed = Scenario.model_validate(data)
    silent = pressed.with_strategy("none").with_strategy("none", vendor="rival")
    compared_weeks = presses = 0
    for seed in range(6):
        deal = simulate(pressed, seed)
        presses += sum(e.effect == "pressed for a close" for e in deal.events)
        with_sellers = deal.committee_weekly
        without = simulate(silent, seed).committee_weekly
        common = min(len(with_sellers), len(without))
        assert [w.urgency for w in with_sellers[:common]] == [w.urgency for w in without[:common]]
        compared_weeks += common
    assert compared_weeks >= 30, "enough weeks were compared"
    assert (presses > 0) == (strategy == "funnel_pusher"), "the pusher did press"
