"""The decision rule (sim/model/decision.py) on hand-made committees, and in the model:
vetoes, stalls and right-censoring."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.config.scenario import DecisionRule
from sim.model import BuyingCommitteeModel, Outcome, simulate
from sim.model.decision import (
    committee_view,
    deal_quality,
    is_decided,
    opposing_vetoes,
    regret_degree,
    regret_degrees,
    stall_reason,
)
from sim.story import tell_story

SQ, OURS, RIVAL = 0, 1, 2


def member(
    preferred: int = OURS,
    influence: float = 1.0,
    confidence: float = 0.9,
    uncertainty: float = 0.01,
    veto: bool = False,
    utilities: tuple[float, ...] = (0.3, 0.5, 0.4),
    fatigue: float = 0.0,
    fatigue_from_conflict: float = 0.0,
    fatigue_from_overload: float = 0.0,
    priorities: tuple[float, ...] = (0.5, 0.5),
    mean: tuple[tuple[float, ...], ...] = ((0.5, 0.5), (0.7, 0.6), (0.6, 0.6)),
) -> SimpleNamespace:
    return SimpleNamespace(
        preferred=preferred,
        influence=influence,
        confidence=confidence,
        uncertainty=uncertainty,
        veto=veto,
        utilities=list(utilities),
        fatigue=fatigue,
        fatigue_from_conflict=fatigue_from_conflict,
        fatigue_from_overload=fatigue_from_overload,
        priorities=list(priorities),
        beliefs=SimpleNamespace(mean=[list(row) for row in mean]),
    )


# ---- committee_view and is_decided ---------------------------------------------------------


def test_committee_view_weighs_support_and_confidence_by_influence() -> None:
    members = [
        member(OURS, influence=2.0, confidence=0.8),
        member(OURS, influence=1.0, confidence=0.5),
        member(SQ, influence=1.0, confidence=0.99),
    ]
    view = committee_view(members, 3)
    assert view.leading_option == OURS
    assert view.support == pytest.approx(3 / 4)
    assert view.confidence == pytest.approx((2 * 0.8 + 1 * 0.5) / 3)


def test_committee_view_follows_influence_not_head_count() -> None:
    members = [member(RIVAL, influence=5.0), member(OURS), member(OURS)]
    view = committee_view(members, 3)
    assert view.leading_option == RIVAL
    assert view.support == pytest.approx(5 / 7)


def test_committee_view_support_is_a_share(make_scenario) -> None:
    members = [member(p, influence=i) for p, i in [(0, 0.3), (1, 2.0), (2, 1.1), (1, 0.7)]]
    view = committee_view(members, 3)
    assert 0 < view.support <= 1
    assert 0 <= view.confidence <= 1


@pytest.mark.parametrize(
    ("support_share", "confidence", "decided"),
    [(0.75, 0.9, True), (0.5, 0.9, False), (0.75, 0.4, False), (0.6, 0.65, True)],
)
def test_is_decided_needs_support_and_confidence(support_share, confidence, decided) -> None:
    # Support share = influence behind OURS / total influence.
    members = [
        member(OURS, influence=support_share, confidence=confidence),
        member(SQ, influence=1 - support_share, confidence=0.99),
    ]
    view = committee_view(members, 3)
    rule = DecisionRule(support_threshold=0.6, confidence_threshold=0.65)
    assert view.support == pytest.approx(support_share)
    assert is_decided(view, rule) is decided


def test_unanimous_confident_committee_is_decided_and_unsure_one_is_not() -> None:
    rule = DecisionRule()
    sure = committee_view([member(OURS, confidence=0.99, uncertainty=0.0)] * 3, 3)
    unsure = committee_view([member(OURS, confidence=0.5, uncertainty=0.0)] * 3, 3)
    assert is_decided(sure, rule)
    assert not is_decided(unsure, rule)


# ---- vetoes -----------------------------------------------------------------------------------


def test_opposing_vetoes() -> None:
    blocker = member(SQ, veto=True, utilities=(0.5, 0.2, 0.3))
    supporter_with_veto = member(OURS, veto=True, utilities=(0.1, 0.6, 0.3))
    rival_fan_who_can_live_with_ours = member(RIVAL, veto=True, utilities=(0.1, 0.3, 0.6))
    opponent_without_veto = member(SQ, veto=False, utilities=(0.9, 0.1, 0.1))
    members = [blocker, supporter_with_veto, rival_fan_who_can_live_with_ours,
               opponent_without_veto]  # fmt: skip
    assert opposing_vetoes(members, OURS) == [blocker]
    # Buying the rival: the blocker still prefers doing nothing; the supporter of ours values
    # the rival above doing nothing, so it does not block.
    assert opposing_vetoes(members, RIVAL) == [blocker]
    assert opposing_vetoes([supporter_with_veto, opponent_without_veto], OURS) == []


VETO_SCENARIO = {
    "horizon_weeks": 40,
    "account": {"pain": 0.6, "shock_rate": 0.0},
    "options": {
        "vendors": {
            "ours": {
                "quality": {
                    "business_value": 0.9,
                    "functional_fit": 0.9,
                    "risk_security": 0.3,
                    "implementation_effort": 0.2,
                    "cost": 0.15,
                }
            }
        }
    },
    "decision": {"confidence_threshold": 0.5},
    "committee": {
        "stakeholders": [
            {
                "role": "finance",
                "name": "Vera",
                "veto": True,
                "influence": 1.0,
                "priorities": {"cost": 0.5, "implementation_effort": 0.3, "risk_security": 0.2},
                "risk_aversion": 5.0,
                "stubbornness": 1.0,
            },
            *[
                {
                    "role": role,
                    "veto": False,
                    "influence": 2.0,
                    "priorities": {"business_value": 0.5, "functional_fit": 0.5},
                    "risk_aversion": 0.0,
                }
                for role in ("champion", "end_user", "technical_evaluator")
            ],
        ]
    },
}


def test_veto_holder_blocks_a_purchase_the_rest_want(make_scenario) -> None:
    scenario = make_scenario(VETO_SCENARIO)
    model = BuyingCommitteeModel(scenario, 0)
    vera, *others = model.stakeholders
    assert vera.veto and not any(s.veto for s in others)
    assert vera.preferred == model.status_quo_index
    assert all(s.preferred == model.our_index for s in others)
    assert opposing_vetoes(model.stakeholders, model.our_index) == [vera]

    for seed in range(5):
        result = simulate(scenario, seed)
        vetoes = [e for e in result.events if e.action == "veto"]
        assert result.vetoes > 0
        assert vetoes and all(e.actor == vera.name and e.target == "ours" for e in vetoes)
        assert result.outcome not in (Outcome.WON, Outcome.LOST)
        assert not [e for e in result.events if e.action == "decide" and e.target == "ours"]
        story = "\n".join(tell_story(result))
        assert "vetoed" in story


def test_without_vetoes_the_same_purchase_goes_through(make_scenario) -> None:
    scenario = make_scenario(VETO_SCENARIO, decision={"vetoes": False})
    outcomes = []
    for seed in range(5):
        result = simulate(scenario, seed)
        assert result.vetoes == 0
        assert not [e for e in result.events if e.action == "veto"]
        outcomes.append(result.outcome)
    assert Outcome.WON in outcomes


def test_vetoes_do_not_block_doing_nothing(make_scenario) -> None:
    """Roles reversed: the veto holder wants the vendor, the majority wants no change. A veto
    blocks purchases only, so the committee settles on the status quo without vetoes."""
    vera, *rest = VETO_SCENARIO["committee"]["stakeholders"]
    reversed_roles = [
        {**vera, "veto": False, "influence": 2.0},
        {**rest[0], "veto": True, "influence": 1.0},
        {**vera, "role": "procurement", "veto": False, "influence": 2.0},
    ]
    scenario = make_scenario(VETO_SCENARIO, committee={"stakeholders": reversed_roles})
    for seed in range(4):
        result = simulate(scenario, seed)
        assert result.vetoes == 0
        assert result.outcome is Outcome.NO_DECISION
        assert result.chosen_option == "status_quo"


# ---- stalls ----------------------------------------------------------------------------------


def test_stall_reason() -> None:
    rule = DecisionRule(stall_fatigue=0.7, stall_urgency=0.1)
    rested = [member(fatigue=0.2), member(fatigue=0.3)]
    assert stall_reason(rested, urgency=0.5, rule=rule) is None
    assert stall_reason(rested, urgency=0.05, rule=rule) == "lost_urgency"
    by_conflict = [
        member(fatigue=0.8, fatigue_from_conflict=0.6, fatigue_from_overload=0.1),
        member(fatigue=0.7, fatigue_from_conflict=0.5, fatigue_from_overload=0.2),
    ]
    by_overload = [
        member(fatigue=0.8, fatigue_from_conflict=0.1, fatigue_from_overload=0.6),
        member(fatigue=0.75, fatigue_from_conflict=0.1, fatigue_from_overload=0.6),
    ]
    assert stall_reason(by_conflict, urgency=0.5, rule=rule) == "conflict"
    assert stall_reason(by_overload, urgency=0.5, rule=rule) == "fatigue"
    # Mean fatigue, not the most tired member, decides.
    one_tired = [member(fatigue=1.0), member(fatigue=0.1), member(fatigue=0.1)]
    assert stall_reason(one_tired, urgency=0.5, rule=rule) is None


def test_lost_urgency_stalls_the_deal(make_scenario) -> None:
    scenario = make_scenario(
        account={"urgency": 0.3, "urgency_decay": 0.5, "shock_rate": 0.0},
        decision={"support_threshold": 1.0, "confidence_threshold": 1.0, "stall_urgency": 0.1},
    )
    result = simulate(scenario, 0)
    assert result.outcome is Outcome.NO_DECISION
    assert result.no_decision_cause is not None and result.no_decision_cause.value == "stalled"
    assert result.stall_reason == "lost_urgency"
    assert result.cycle_weeks == result.weeks_simulated == 2  # 0.3 -> 0.15 -> 0.075
    assert result.chosen_option is None


# ---- deal quality ------------------------------------------------------------------------------


TRUTH = [[0.5, 0.5], [0.7, 0.6], [0.6, 0.6]]


def test_deal_quality_no_regret_when_beliefs_are_true_and_choice_is_best() -> None:
    members = [member(mean=TRUTH, priorities=(0.5, 0.5)), member(mean=TRUTH, priorities=(1, 0))]
    quality = deal_quality(members, OURS, TRUTH, [OURS, RIVAL], 0.03)
    weights = [0.75, 0.25]
    assert quality.true_value == pytest.approx(weights[0] * 0.7 + weights[1] * 0.6)
    assert quality.expected_value == pytest.approx(quality.true_value)
    assert quality.best_true_value == pytest.approx(quality.true_value)
    assert quality.regret is False


def test_deal_quality_regret_when_oversold() -> None:
    oversold = ((0.5, 0.5), (0.95, 0.9), (0.6, 0.6))
    quality = deal_quality([member(mean=oversold)], OURS, TRUTH, [OURS, RIVAL], 0.03)
    assert quality.expected_value > quality.true_value + 0.03
    assert quality.regret is True


def test_deal_quality_regret_when_a_better_vendor_was_passed_over() -> None:
    quality = deal_quality([member(mean=TRUTH)], RIVAL, TRUTH, [OURS, RIVAL], 0.03)
    assert quality.best_true_value > quality.true_value + 0.03
    assert quality.regret is True
    # A wider margin forgives the same shortfall.
    assert deal_quality([member(mean=TRUTH)], RIVAL, TRUTH, [OURS, RIVAL], 0.2).regret is False


def test_deal_quality_weighs_members_by_influence() -> None:
    loud = member(influence=9.0, priorities=(1.0, 0.0), mean=TRUTH)
    quiet = member(influence=1.0, priorities=(0.0, 1.0), mean=TRUTH)
    quality = deal_quality([loud, quiet], OURS, TRUTH, [OURS, RIVAL], 0.03)
    assert quality.true_value == pytest.approx(0.9 * 0.7 + 0.1 * 0.6)


def test_the_shortfall_is_the_larger_gap_floored_at_zero() -> None:
    oversold = ((0.5, 0.5), (0.95, 0.9), (0.6, 0.6))
    quality = deal_quality([member(mean=oversold)], OURS, TRUTH, [OURS, RIVAL], 0.03)
    assert quality.shortfall == pytest.approx(quality.expected_value - quality.true_value)
    passed_over = deal_quality([member(mean=TRUTH)], RIVAL, TRUTH, [OURS, RIVAL], 0.03)
    assert passed_over.shortfall == pytest.approx(
        passed_over.best_true_value - passed_over.true_value
    )
    undersold = ((0.5, 0.5), (0.4, 0.4), (0.6, 0.6))  # true 0.65, believed 0.4, the best
    pleased = deal_quality([member(mean=undersold)], OURS, TRUTH, [OURS, RIVAL], 0.03)
    assert pleased.shortfall == 0.0 and pleased.degree == 0.0 and pleased.regret is False


def test_the_regret_degree_ramps_from_none_to_full_over_twice_the_margin() -> None:
    assert regret_degree(0.0, 0.03) == 0.0
    assert regret_degree(0.015, 0.03) == pytest.approx(0.25)
    assert regret_degree(0.03, 0.03) == 0.5
    assert regret_degree(0.06, 0.03) == 1.0
    assert regret_degree(0.5, 0.03) == 1.0
    # A margin of 0: any shortfall is full regret, none is none.
    assert (regret_degree(0.0, 0.0), regret_degree(1e-9, 0.0)) == (0.0, 1.0)
    assert np.isnan(regret_degrees(np.array([np.nan]), 0.03)).all()


shortfalls = st.floats(0.0, 1.0, allow_nan=False)
margins = st.floats(0.0, 1.0, allow_nan=False)


@given(
    st.one_of(st.floats(), st.sampled_from([-0.0, 0.0, math.nan, math.inf])),
    st.one_of(st.floats(-1.0, 1.0), st.sampled_from([0.0, 5e-324, 1e-300])),
)
def test_one_purchases_degree_is_the_vectorised_formulas_to_the_bit(
    shortfall: float, margin: float
) -> None:
    """`regret_degree` computes one value in plain Python; it must give `regret_degrees`'s
    number exactly (NaN for NaN, the sign of a zero, 1 for an overflowing ratio)."""
    one = regret_degree(shortfall, margin)
    many = float(regret_degrees(np.array([shortfall]), margin)[0])
    assert (math.isnan(one) and math.isnan(many)) or (
        one == many and math.copysign(1.0, one) == math.copysign(1.0, many)
    )


@given(shortfalls, shortfalls, margins)
def test_the_regret_degree_is_monotone_and_bounded(a: float, b: float, margin: float) -> None:
    low, high = sorted((a, b))
    assert 0.0 <= regret_degree(low, margin) <= regret_degree(high, margin) <= 1.0
    assert regret_degrees(np.array([low, high]), margin).tolist() == [
        regret_degree(low, margin),
        regret_degree(high, margin),
    ]


@given(
    st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
    st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
    st.floats(0.0, 0.2),
)
def test_boolean_regret_is_a_degree_of_at_least_one_half(
    believed: tuple[float, float], rival: tuple[float, float], margin: float
) -> None:
    truth = [[0.5, 0.5], [0.6, 0.6], list(rival)]
    beliefs = ((0.5, 0.5), believed, (0.5, 0.5))
    quality = deal_quality([member(mean=beliefs)], OURS, truth, [OURS, RIVAL], margin)
    assert quality.regret == (quality.degree >= 0.5)
    assert quality.degree == regret_degree(quality.shortfall, margin)
    # The old step, away from its edge: a shortfall beyond the margin is regret, within it not.
    if abs(quality.shortfall - margin) > 1e-12:
        assert quality.regret == (quality.shortfall > margin)


# ---- right-censoring ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_open_deal_at_the_horizon_is_censored(make_scenario, seed: int) -> None:
    scenario = make_scenario(
        horizon_weeks=2,
        decision={"support_threshold": 1.0, "confidence_threshold": 1.0},
        account={"shock_rate": 0.0},
    )
    result = simulate(scenario, seed)
    assert result.outcome is Outcome.OPEN
    assert result.censored is True
    assert result.cycle_weeks is None
    assert result.weeks_simulated == scenario.horizon_weeks == 2
    assert result.no_decision_cause is None
    assert result.regret is None
    assert result.chosen_option is None
    metrics = result.metrics()
    assert metrics["censored"] is True
    assert metrics["cycle_weeks"] is None
    assert not [e for e in result.events if e.action in ("decide", "stall")]


def test_decided_deals_are_not_censored(named_scenario) -> None:
    for seed in range(5):
        result = simulate(named_scenario("one_person"), seed)
        assert result.censored == (result.outcome is Outcome.OPEN)
        if not result.censored:
            assert result.cycle_weeks == result.weeks_simulated <= result.horizon_weeks


def test_a_dissenter_carries_its_regret_into_the_deal() -> None:
    """Each member judges the choice by its own priorities: a member who weighs what the
    rival does better regrets choosing ours, though the committee's weighted view does not."""
    truth = [[0.5, 0.5], [0.9, 0.5], [0.5, 0.7]]
    agreed = member(influence=1.0, priorities=(1.0, 0.0), mean=truth)
    dissenter = member(influence=1.0, priorities=(0.0, 1.0), mean=truth)
    alone = deal_quality([agreed], OURS, truth, [OURS, RIVAL], 0.03)
    together = deal_quality([agreed, dissenter], OURS, truth, [OURS, RIVAL], 0.03)
    assert alone.shortfall == 0.0
    # The dissenter's shortfall: the rival is 0.2 better by its priorities; half the influence.
    assert together.shortfall == pytest.approx(0.5 * 0.2)
    assert together.regret is True
    # Under the committee's averaged priorities (0.5, 0.5) ours (0.7) beats the rival (0.6):
    # no shortfall at all, so the regret comes from the dissent alone.
    averaged = member(influence=2.0, priorities=(0.5, 0.5), mean=truth)
    assert deal_quality([averaged], OURS, truth, [OURS, RIVAL], 0.03).shortfall == 0.0


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.1, 10.0), st.floats(0.1, 10.0))
def test_the_deal_shortfall_is_at_least_the_averaged_view(
    a: float, b: float, influence_a: float, influence_b: float
) -> None:
    """A mean of each member's shortfall (a max of gaps) is never below the shortfall of the
    members' averaged view (Jensen): dissent can only add regret."""
    truth = [[0.5, 0.5], [0.7, 0.4], [0.45, 0.65]]
    believed = ((0.5, 0.5), (0.75, 0.5), (0.5, 0.5))
    first = member(influence=influence_a, priorities=(a, 1 - a), mean=believed)
    second = member(influence=influence_b, priorities=(b, 1 - b), mean=believed)
    both = deal_quality([first, second], OURS, truth, [OURS, RIVAL], 0.03)
    share = influence_a / (influence_a + influence_b)
    w = share * a + (1 - share) * b
    averaged = member(influence=1.0, priorities=(w, 1 - w), mean=believed)
    single = deal_quality([averaged], OURS, truth, [OURS, RIVAL], 0.03)
    assert both.shortfall >= single.shortfall - 1e-12
