"""Property tests: over generated valid scenarios the model never crashes and every deal
record satisfies the invariants of MODEL.md section 4."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from member_support import weekly_budget

from sim.config import DEFAULT_CRITERIA, SELLER_STRATEGIES, Scenario
from sim.model import BuyingCommitteeModel, NoDecisionCause, Outcome
from sim.model.decision import opposing_vetoes
from sim.model.metrics import job_shares, share_with_sellers
from sim.model.sellers import SELLER_CLASSES

RUNNABLE_STRATEGIES = sorted(s for s in SELLER_STRATEGIES if s in SELLER_CLASSES)
unit = st.floats(0.0, 1.0)


@st.composite
def scenario_data(draw) -> dict:
    criteria = draw(
        st.lists(st.sampled_from(DEFAULT_CRITERIA), min_size=1, max_size=5, unique=True)
    )
    vendors = [f"vendor{i}" for i in range(draw(st.integers(1, 3)))]
    sellers = {}
    for vendor in draw(st.lists(st.sampled_from(vendors), unique=True)):
        sellers[vendor] = {
            "strategy": draw(st.sampled_from(RUNNABLE_STRATEGIES)),
            "capacity_hours": draw(st.floats(0.5, 40.0)),
            "meeting_hours": draw(st.floats(0.1, 8.0)),
            "discount": draw(unit),
        }
    network = None
    social = any(spec["strategy"] == "social_seller" for spec in sellers.values())
    if social or draw(st.booleans()):
        network = {
            "size": draw(st.integers(1, 40)),
            "reach": draw(unit),
            "neighbours": draw(st.integers(0, 6)),
            "rewiring": draw(unit),
            "installed_base": {v: draw(st.integers(0, 10)) for v in vendors},
            "satisfaction": {v: draw(unit) for v in vendors},
        }
    return {
        "name": "generated",
        "network": network,
        "horizon_weeks": draw(st.integers(1, 60)),
        "criteria": criteria,
        "committee": {
            "size": draw(st.integers(1, 12)),
            "divergence": draw(st.floats(0.0, 3.0)),
            "risk_aversion_scale": draw(st.floats(0.0, 3.0)),
        },
        "account": {
            "urgency": draw(unit),
            "pain": draw(unit),
            "urgency_decay": draw(st.floats(0.0, 0.2)),
            "shock_rate": draw(st.floats(0.0, 0.3)),
        },
        "options": {
            "status_quo": {"quality": {c: draw(unit) for c in criteria}},
            "vendors": {
                v: {"quality": {c: draw(unit) for c in criteria}, "label": f"product {v}"}
                for v in vendors
            },
        },
        "our_vendor": draw(st.sampled_from(vendors)),
        "information": {"overload": draw(st.floats(0.1, 10.0))},
        "behaviour": {"seller_time_share": draw(unit)},
        "decision": {
            "support_threshold": draw(st.floats(0.05, 1.0)),
            "confidence_threshold": draw(unit),
            "vetoes": draw(st.booleans()),
            "stall_fatigue": draw(st.floats(0.05, 1.0)),
            "regret_margin": draw(st.floats(0.0, 0.2)),
        },
        "sellers": sellers,
    }


def on_simplex(vector) -> bool:
    return all(x >= -1e-12 for x in vector) and math.isclose(sum(vector), 1.0, abs_tol=1e-9)


@given(data=scenario_data(), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_scenarios_run_and_keep_the_invariants(data: dict, seed: int) -> None:
    scenario = Scenario.model_validate(data)
    model = BuyingCommitteeModel(scenario, seed)
    share = scenario.behaviour.seller_time_share
    while model.running:
        budgets = [weekly_budget(s) for s in model.stakeholders]
        urgency = model.urgency
        model.step()
        # Attention: sellers together get at most their share of each member's week.
        for s, budget in zip(model.stakeholders, budgets, strict=True):
            assert s.last_week_hours["with_sellers"] <= share * budget + 1e-9
        # Urgency only fades or moves with exogenous events, never with sellers.
        if model.week not in model.exogenous_events:
            decay = scenario.account.urgency_decay
            assert model.urgency == pytest.approx(urgency * (1.0 - decay))
        for seller in model.sellers:
            assert seller.hours_left >= -1e-9
    deal = model.result()
    horizon = scenario.horizon_weeks
    n = scenario.committee.effective_size

    # Outcome and its cause.
    assert deal.outcome in set(Outcome)
    assert (deal.no_decision_cause is not None) == (deal.outcome is Outcome.NO_DECISION)
    assert (deal.stall_reason is not None) == (deal.no_decision_cause is NoDecisionCause.STALLED)
    if deal.stall_reason is not None:
        assert deal.stall_reason in ("lost_urgency", "fatigue", "conflict")
    if deal.outcome is Outcome.WON:
        assert deal.chosen_option == scenario.our_vendor
    elif deal.outcome is Outcome.LOST:
        assert deal.chosen_option in scenario.options.vendors
        assert deal.chosen_option != scenario.our_vendor
    elif deal.no_decision_cause is NoDecisionCause.STATUS_QUO:
        assert deal.chosen_option == "status_quo"
    else:
        assert deal.chosen_option is None

    # Time: the horizon bounds everything; open deals are censored, never given a cycle time.
    assert 1 <= deal.weeks_simulated <= horizon
    assert (deal.cycle_weeks is None) == (deal.outcome is Outcome.OPEN) == deal.censored
    if deal.cycle_weeks is not None:
        assert deal.cycle_weeks == deal.weeks_simulated <= horizon
    else:
        assert deal.weeks_simulated == horizon
    assert len(deal.committee_weekly) == deal.weeks_simulated
    assert len(deal.weekly) == deal.weeks_simulated * n
    assert all(1 <= e.week <= deal.weeks_simulated for e in deal.events)
    closing = [e for e in deal.events if e.action in ("decide", "stall")]
    if deal.outcome is Outcome.OPEN:
        assert closing == []
    else:
        assert len(closing) == 1 and closing[0].week == deal.cycle_weeks

    # Quality of the deal.
    purchase = deal.outcome in (Outcome.WON, Outcome.LOST)
    assert (deal.regret is not None) == purchase
    assert deal.high_quality == (purchase and not deal.regret)
    assert 0.0 <= deal.purchase_ease <= 1.0
    decided = deal.chosen_option is not None
    assert (deal.agreement is not None) == decided
    if decided:
        rule = scenario.decision
        last = deal.committee_weekly[-1]
        assert last.leading_option == deal.chosen_option
        assert deal.agreement >= rule.support_threshold - 1e-12
        assert last.confidence >= rule.confidence_threshold - 1e-12
        assert deal.consensus == (deal.agreement >= rule.consensus_level)
        if purchase and rule.vetoes:
            chosen = model.option_names.index(deal.chosen_option)
            assert opposing_vetoes(model.stakeholders, chosen) == []

    # Time use.
    total = sum(deal.hours_by_job.values())
    shares = job_shares(deal.hours_by_job)
    if total > 0:
        assert sum(shares.values()) == pytest.approx(1.0)
    assert 0.0 <= share_with_sellers(deal.hours_by_job, deal.hours_with_sellers) <= 1.0
    assert all(h >= 0 for h in deal.hours_by_job.values())
    assert all(0 <= loops < deal.weeks_simulated for loops in deal.loopbacks.values())
    if n == 1:
        assert deal.hours_by_job["align"] == 0

    # Every member's state stays in its domain.
    assert len(deal.stakeholders) == n == deal.n_stakeholders
    for profile in deal.stakeholders:
        assert on_simplex(profile["priorities"].values())
    for s in model.stakeholders:
        assert on_simplex(s.priorities), s.priorities
        assert 0.0 <= s.fatigue <= 1.0
        assert 0.0 <= s.confidence <= 1.0
        assert all(0.0 <= t <= 1.0 for t in s.trust.values())
        assert all(sd > 0 for row in s.beliefs.sd for sd in row)
    for state in deal.weekly:
        assert 0.0 <= state.fatigue <= 1.0 and state.overload >= 0.0
        assert 0.0 <= state.confidence <= 1.0

    # The record serialises and its metrics survive the round trip.
    as_json = json.loads(json.dumps(deal.to_dict(), default=str))
    assert as_json["metrics"]["outcome"] == deal.outcome.value


@given(data=scenario_data())
@settings(max_examples=25, deadline=None)
def test_generated_scenarios_survive_a_dump_and_reload(data: dict) -> None:
    scenario = Scenario.model_validate(data)
    again = Scenario.model_validate(scenario.model_dump())
    assert again == scenario
