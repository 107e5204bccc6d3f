"""Continuous attention (sim/model/stakeholder.py `grant_meeting`, `seller_time_left`,
`seek`; sim/model/observation.py `SellerView.meet`).

A member gives sellers, all of them together, at most `behaviour.seller_time_share` of its
week; a meeting gets whatever part of its length that allowance still holds, so a meeting's
length changes its cost and what it conveys (`attended`), never whether it happens.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from member_support import grant_meeting, seek, start_week, weekly_budget

from sim.config import Scenario
from sim.model.model import BuyingCommitteeModel
from sim.model.stakeholder import MIN_TRUST_TO_MEET, BuyingJob

NETWORK = {"size": 30, "reach": 0.2, "installed_base": {"ours": 5, "rival": 5}}
hours = st.floats(0.0, 12.0, allow_nan=False)


def one_member(weekly_hours: float, share: float, ours: dict | None = None) -> BuyingCommitteeModel:
    scenario = Scenario.model_validate(
        {
            "committee": {
                "stakeholders": [{"role": "economic_buyer", "weekly_hours": weekly_hours}]
            },
            "behaviour": {"seller_time_share": share},
            "sellers": {"ours": ours or {"strategy": "maze_guide"}},
        }
    )
    model = BuyingCommitteeModel(scenario, 3)
    start_week(model.stakeholders[0])
    return model


@given(allowance=hours, first=hours, second=hours)
def test_granted_hours_are_continuous_and_monotone_in_the_request(allowance, first, second) -> None:
    model = one_member(8.0, 1.0)
    member = model.stakeholders[0]
    member.seller_time_left = allowance
    short, long = sorted((first, second))
    granted_short = grant_meeting(member, "seller:ours", short)
    granted_long = grant_meeting(member, "seller:ours", long)
    assert 0.0 <= granted_short <= granted_long <= allowance + 1e-12
    assert granted_long - granted_short <= long - short + 1e-12, "no jump in the granted time"
    assert granted_short <= short


@given(allowance=st.floats(0.05, 6.0), length=st.floats(0.05, 8.0))
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
def test_a_meetings_length_never_decides_whether_a_member_with_time_is_met(
    allowance, length
) -> None:
    model = one_member(8.0, 1.0)
    member = model.stakeholders[0]
    member.seller_time_left = allowance
    view = model.seller_of(model.our_index).view
    meeting, spent = view.meet(member.seat, length, BuyingJob.SEEK, 100.0)
    assert meeting is not None
    assert spent == pytest.approx(min(length, allowance))
    assert meeting.attended == pytest.approx(min(length, allowance)), "hours of contact"
    assert member.seller_time_left == pytest.approx(allowance - spent)


def test_a_two_hour_member_hears_a_two_and_a_half_hour_pitch_for_two_hours() -> None:
    """The old knife-edge: a member with 2 h for sellers and a 2.5 h pitch was never met."""
    model = one_member(2.0, 1.0, {"strategy": "funnel_pusher", "meeting_hours": 2.5})
    seller = model.seller_of(model.our_index)
    model.step()
    pitches = [e for e in model.events if e.actor == seller.name and "pitched" in e.effect]
    assert len(pitches) == 1 and pitches[0].value == pytest.approx(2.0)
    assert seller.hours_spent == pytest.approx(2.0), "the seller pays what the member gave"
    assert model.stakeholders[0].last_week_hours["with_sellers"] == pytest.approx(2.0)


def test_a_distrusted_seller_is_not_met_however_short_the_meeting() -> None:
    model = one_member(8.0, 1.0)
    member = model.stakeholders[0]
    member.trust["seller:ours"] = MIN_TRUST_TO_MEET * 0.9
    assert grant_meeting(member, "seller:ours", 0.1) == 0.0
    member.trust["seller:ours"] = MIN_TRUST_TO_MEET
    assert grant_meeting(member, "seller:ours", 0.1) == pytest.approx(0.1)


@pytest.mark.parametrize("allowance", [0.25, 0.5, 1.0])
def test_what_a_shortened_meeting_conveys_scales_with_the_share_attended(allowance) -> None:
    def told_weight(allowance: float) -> tuple[float, float]:
        model = one_member(8.0, 1.0, {"strategy": "maze_guide", "meeting_hours": 1.0})
        member = model.stakeholders[0]
        member.seller_time_left, member.load = allowance, 0.0
        view = model.seller_of(model.our_index).view
        meeting, _ = view.meet(member.seat, 1.0, BuyingJob.SEEK, 10.0)
        meeting.tell(0)
        return member.recent_claims[-1].weight, member.load

    full_weight, full_load = told_weight(1.0)
    weight, load = told_weight(allowance)
    assert weight == pytest.approx(allowance * full_weight)
    assert load == pytest.approx(allowance * full_load)


def test_seeking_from_a_seller_counts_as_time_with_sellers_within_the_allowance() -> None:
    model = one_member(40.0, 0.5)
    member = model.stakeholders[0]
    seller = model.seller_of(model.our_index)
    seller.start_week()
    member.trust["seller:ours"] = 0.99  # it asks the seller whenever it may
    allowance, with_sellers = member.seller_time_left, member.week_hours_with_sellers
    shares = [seek(member) for _ in range(40)]
    assert all(0.0 <= share <= 1.0 for share in shares)
    assert sum(shares) > 0, "it asked the seller"
    assert sum(shares) == pytest.approx(member.week_hours_with_sellers - with_sellers)
    assert sum(shares) == pytest.approx(seller.hours_spent)
    assert sum(shares) <= allowance + 1e-9
    assert member.seller_time_left >= -1e-9


scenario_knobs = st.fixed_dictionaries(
    {
        "share": st.floats(0.0, 1.0),
        "meeting": st.floats(0.25, 4.0),
        "capacity": st.floats(1.0, 30.0),
        "ours": st.sampled_from(["funnel_pusher", "maze_guide", "social_seller"]),
        "rival": st.sampled_from(["none", "funnel_pusher", "maze_guide"]),
        "size": st.integers(1, 8),
    }
)


@given(knobs=scenario_knobs, seed=st.integers(0, 10_000))
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=12, deadline=None)
def test_a_members_seller_hours_never_exceed_its_share_of_the_week(knobs, seed) -> None:
    def spec(strategy: str) -> dict:
        return {
            "strategy": strategy,
            "meeting_hours": knobs["meeting"],
            "capacity_hours": knobs["capacity"],
        }

    scenario = Scenario.model_validate(
        {
            "horizon_weeks": 12,
            "network": NETWORK,
            "committee": {"size": knobs["size"]},
            "behaviour": {"seller_time_share": knobs["share"]},
            "sellers": {"ours": spec(knobs["ours"]), "rival": spec(knobs["rival"])},
        }
    )
    model = BuyingCommitteeModel(scenario, seed)
    while model.running:
        budgets = [weekly_budget(member) for member in model.stakeholders]
        model.step()
        for member, budget in zip(model.stakeholders, budgets, strict=True):
            with_sellers = member.last_week_hours["with_sellers"]
            assert with_sellers <= knobs["share"] * budget + 1e-9
        for seller in model.sellers:
            assert seller.hours_left >= -1e-9


def test_content_follows_contact_hours_whatever_the_meeting_length() -> None:
    """Two half-hour meetings convey what one hour does: a meeting's length only splits the
    time (a calendar step cannot decide how much a member hears)."""

    def weight_heard(lengths: list[float]) -> float:
        model = one_member(8.0, 1.0, {"strategy": "maze_guide"})
        member = model.stakeholders[0]
        member.seller_time_left = 1.0
        view = model.seller_of(model.our_index).view
        before = member.beliefs.claim_weight[model.our_index][0]
        for length in lengths:
            meeting, _ = view.meet(member.seat, length, BuyingJob.SEEK, 10.0)
            meeting.tell(0)
        return member.beliefs.claim_weight[model.our_index][0] - before

    assert weight_heard([0.5, 0.5]) == pytest.approx(weight_heard([1.0]))
    assert weight_heard([0.25] * 4) == pytest.approx(weight_heard([1.0]))
