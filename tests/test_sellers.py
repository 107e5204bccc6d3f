"""Seller strategies, each mechanism in isolation, plus CRN and capacity over whole runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from member_support import align_with, hear, validate
from model_support import record_job

from sim.config import Scenario, load_scenario
from sim.model import kernel as k
from sim.model import simulate
from sim.model.model import BuyingCommitteeModel
from sim.model.observation import DEADLINE_MESSAGE_HOURS, MEETING_LINES, MemberCard
from sim.model.sellers import FunnelPusher, MazeGuide
from sim.model.stakeholder import JOBS, BuyingJob, Stakeholder, priority_distance

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def scenario_with(ours: dict, rival: dict | None = None, **extra) -> Scenario:
    sellers = {"ours": ours}
    if rival is not None:
        sellers["rival"] = rival
    return Scenario.model_validate({"sellers": sellers, **extra})


def our_seller(model: BuyingCommitteeModel):
    return next(s for s in model.sellers if s.vendor == model.our_index)


def member_of(model: BuyingCommitteeModel, card: MemberCard) -> Stakeholder:
    return model.stakeholders[card.id]


def give_time(model: BuyingCommitteeModel, hours: float = 100.0) -> None:
    """Every member has a long week and all of it free for sellers."""
    for member in model.stakeholders:
        member.hours_left = hours
        member.seller_time_left = hours


def make_contact_respond(model, seller, well: bool) -> None:
    utilities = member_of(model, seller.contact).utilities
    utilities[seller.vendor] = 1.0 if well else -1.0
    utilities[model.status_quo_index] = 0.0


def one_on_one_meetings(model: BuyingCommitteeModel, seller) -> Callable[[], list[int]]:
    """The members (seats) a seller meets one on one from now on, in order: its meeting
    lines in the event log (group meetings and messages log no member)."""
    start = len(model.events)
    seats = {card.name: card.id for card in seller.view.members}
    kinds = set(MEETING_LINES.values())

    def met() -> list[int]:
        return [
            seats[e.target]
            for e in model.events[start:]
            if e.actor == seller.name and e.effect.split(" (")[0] in kinds
        ]

    return met


# ---- funnel-pusher ------------------------------------------------------------------


def test_pusher_advances_by_the_calendar_when_the_contact_responds_well():
    model = BuyingCommitteeModel(scenario_with({"strategy": "funnel_pusher", "stage_weeks": 3}), 1)
    seller = our_seller(model)
    assert isinstance(seller, FunnelPusher) and seller.stage_name == "qualify"
    for week in range(1, 7):
        give_time(model)
        seller.start_week()
        make_contact_respond(model, seller, well=True)
        seller.act()
        expected = week // 3
        assert seller.stage == expected, f"week {week}"
    assert seller.stage_name == "demo"


def test_pusher_advances_on_what_the_contact_said_not_on_what_it_thinks_now():
    """The stage gate reads the seller's observation from the last meeting: a contact who
    turns cold after the meeting still counts as responding well until it is met again."""
    model = BuyingCommitteeModel(scenario_with({"strategy": "funnel_pusher", "stage_weeks": 1}), 1)
    seller = our_seller(model)
    give_time(model)
    seller.start_week()
    make_contact_respond(model, seller, well=True)
    seller.pitch()
    make_contact_respond(model, seller, well=False)
    assert seller.responds_well(), "it goes by what it heard in the meeting"
    give_time(model)
    seller.start_week()
    seller.pitch()
    assert not seller.responds_well(), "a new meeting brings the new answer"


def test_pusher_waits_on_a_cold_contact_then_qualifies_out():
    spec = {"strategy": "funnel_pusher", "stage_weeks": 2, "qualify_out_weeks": 5}
    model = BuyingCommitteeModel(scenario_with(spec), 2)
    seller = our_seller(model)
    for _ in range(5):
        give_time(model)
        seller.start_week()
        make_contact_respond(model, seller, well=False)
        seller.act()
    assert seller.stage == 0
    assert seller.qualified_out
    spent = seller.hours_spent
    give_time(model)
    seller.start_week()
    seller.act()
    assert seller.hours_spent == spent, "a qualified-out seller does no more work"
    assert any(e.effect == "qualified the deal out" for e in model.events)


def test_single_threaded_pusher_meets_only_its_main_contact():
    """`single_threaded: true` (the unequal-effort case): its only one-on-one meetings are
    with the main contact (the champion); anyone else hears it only in the committee
    presentations of the demo and proposal stages."""
    model = BuyingCommitteeModel(
        scenario_with({"strategy": "funnel_pusher", "single_threaded": True}), 3
    )
    seller = our_seller(model)
    assert seller.contact.role == "champion"
    met = one_on_one_meetings(model, seller)
    model.run()
    asked = met()
    assert asked and set(asked) == {seller.contact.id}
    targets = {e.target for e in model.events if e.actor == seller.name}
    assert targets <= {seller.contact.name, "committee", "the committee"}
    presented = [e for e in model.events if e.actor == seller.name and "presented" in e.effect]
    assert all(
        any(f"({stage})" in e.effect for stage in FunnelPusher.PRESENTATION_STAGES)
        for e in presented
    )


def test_pusher_follows_up_with_the_committee_only_once_its_contact_has_no_time():
    """Its spare hours go to follow-ups, most influential first, and only after the main
    contact gave all the time it would: the contact still comes first each week."""
    model = BuyingCommitteeModel(scenario_with({"strategy": "funnel_pusher"}), 3)
    seller = our_seller(model)
    contact = member_of(model, seller.contact)
    for member in model.stakeholders:
        member.hours_left = member.seller_time_left = 1.5
    met = one_on_one_meetings(model, seller)
    seller.start_week()
    seller.act()
    asked = met()
    assert asked[0] == seller.contact.id
    assert contact.seller_time_left == pytest.approx(0.0), "the contact gave all it would"
    others = [m for m in asked if m != seller.contact.id]
    assert others, "spare hours went to the rest of the committee"
    assert asked.index(others[0]) > max(i for i, m in enumerate(asked) if m == seller.contact.id)
    first = next(card for card in seller.view.members if card.id == others[0])
    assert first.influence == max(c.influence for c in seller.view.members if c.id != contact.seat)
    followed = [e for e in model.events if e.actor == seller.name and "followed up" in e.effect]
    assert followed


def test_a_pusher_working_the_committee_uses_more_of_its_week_than_a_single_threaded_one():
    """Follow-ups turn idle hours into contact time, bounded by what members give sellers:
    per week of a deal (deals end at different weeks), on the same committees."""
    per_week = {}
    for single in (True, False):
        spec = {"strategy": "funnel_pusher", "single_threaded": single}
        deals = [simulate(scenario_with(spec), seed) for seed in range(8)]
        weeks = sum(d.weeks_simulated for d in deals)
        per_week[single] = (
            sum(d.seller_hours["ours"] for d in deals) / weeks,
            sum(d.buyer_hours["ours"] for d in deals) / weeks,
        )
    assert per_week[False][0] > 1.5 * per_week[True][0]
    assert per_week[False][1] > 1.5 * per_week[True][1]


@pytest.mark.parametrize("strategy", ["funnel_pusher", "maze_guide"])
def test_buyer_hours_are_the_hours_members_gave_the_seller(strategy: str):
    """A seller's buyer hours equal the hours members booked with it (one seller, so every
    member-hour with sellers is with ours)."""
    model = BuyingCommitteeModel(scenario_with({"strategy": strategy}), 6)
    deal = model.run()
    total_with_sellers = sum(m.total_hours_with_sellers for m in model.stakeholders)
    assert deal.buyer_hours["ours"] == pytest.approx(total_with_sellers)
    assert deal.buyer_hours["ours"] > 0


def test_preparation_is_paid_only_when_the_meeting_happens():
    """A reference's preparation hours are held back from the meeting's budget and paid
    only if the member gives the meeting time; with too few hours left, no reference."""
    spec = {"strategy": "maze_guide", "preparation_hours": 2.0}
    model = BuyingCommitteeModel(scenario_with(spec), 2)
    seller = our_seller(model)
    card = seller.view.members[0]
    give_time(model, 5.0)
    seller.start_week()
    assert seller.proof(card)
    assert seller.hours_spent == pytest.approx(spec["preparation_hours"] + 1.0)
    member_of(model, card).seller_time_left = 0.0
    before = seller.hours_spent
    assert not seller.proof(card), "no time given: no meeting"
    assert seller.hours_spent == before, "and no preparation paid for it"
    seller.hours_left = 1.5
    met = one_on_one_meetings(model, seller)
    seller.proof(seller.view.members[1])
    references = [e for e in model.events if e.actor == seller.name and "reference" in e.effect]
    assert len(references) == 1, "too few hours left to prepare a second reference"
    assert met() == [seller.view.members[1].id], "it helped make sense instead"


def test_pusher_message_is_carried_inside_by_the_contact():
    model = BuyingCommitteeModel(scenario_with({"strategy": "funnel_pusher"}), 4)
    seller = our_seller(model)
    give_time(model)
    seller.start_week()
    seller.act()
    forwards = [e for e in model.events if e.action == "forward"]
    pitches = [e for e in model.events if e.action == "seller" and "pitched" in e.effect]
    assert pitches, "the contact gave the pusher time"
    # one forward per pitch, always by the main contact
    assert len(forwards) == len(pitches)
    assert {e.actor for e in forwards} == {seller.contact.name}
    listener = next(s for s in model.stakeholders if s.name == forwards[0].target)
    relayed = listener.recent_claims[-1]
    assert relayed.channel == "colleagues", "a colleague delivered it"
    assert relayed.origin == seller.source, "but it is still the seller's claim"
    assert relayed.relayed


def test_closing_pressure_never_touches_the_account_and_reaches_every_member():
    """The deadline message goes to every member through `feel_pressure`; the account's
    urgency is not the seller's to set."""
    model = BuyingCommitteeModel(scenario_with({"strategy": "funnel_pusher"}), 5)
    seller = our_seller(model)
    seller.stage = FunnelPusher.STAGES.index("negotiation")
    model.urgency = 0.5

    def states() -> list[tuple[float, float, float]]:
        return [
            (m.felt_deadline, m.risk_aversion, m.trust[seller.source]) for m in model.stakeholders
        ]

    before = states()
    seller.start_week()
    seller.press_to_close()
    assert model.urgency == 0.5
    after = states()
    reached = [m.name for m, b, a in zip(model.stakeholders, before, after, strict=True) if a != b]
    assert sorted(reached) == sorted(s.name for s in model.stakeholders), "every member felt it"
    assert seller.hours_left == pytest.approx(seller.capacity - DEADLINE_MESSAGE_HOURS)


def test_pusher_overclaims_and_once_validated_they_cost_the_vendor_trust():
    weak = {
        "options": {
            "vendors": {
                "ours": {"quality": {"business_value": 0.2, "functional_fit": 0.2}},
                "rival": {},
            }
        },
        # A blatant overclaimer, so the check (independent research, sd 0.12) cannot miss it.
        "information": {"sources": {"seller": {"bias": 0.9}}},
    }
    model = BuyingCommitteeModel(scenario_with({"strategy": "funnel_pusher"}, **weak), 6)
    seller = our_seller(model)
    member = member_of(model, seller.contact)
    member.recent_claims.clear()
    criterion = model.settings.criteria.index("business_value")
    stated = model.information.state(seller.source, seller.vendor, criterion, 0.0)
    assert stated == pytest.approx(0.2 + 0.9 * 0.8), "overclaims most where the product is weak"
    sd = model.information.noise(seller.source)
    hear(member, seller.vendor, criterion, stated, seller.source, sd=sd)
    content = f"vendor_content:{seller.vendor_name}"
    trust_before = dict(member.trust)
    validate(member)
    assert member.claims_discredited == 1
    assert member.trust[seller.source] < trust_before[seller.source]
    assert member.trust[content] < trust_before[content], "the vendor's other voice pays too"
    rival = f"seller:{model.option_names[2]}"
    assert member.trust[rival] == trust_before[rival]
    assert member.trust["colleagues"] == trust_before["colleagues"]


# ---- maze-guide ---------------------------------------------------------------------


def test_guide_is_honest_and_the_pusher_is_not():
    weak_fit = {"options": {"vendors": {"ours": {"quality": {"functional_fit": 0.3}}, "rival": {}}}}
    fit = 1
    honest = BuyingCommitteeModel(scenario_with({"strategy": "maze_guide"}, **weak_fit), 7)
    pushy = BuyingCommitteeModel(scenario_with({"strategy": "funnel_pusher"}, **weak_fit), 7)

    def mean_claim(model):
        seller = our_seller(model)
        values = [model.information.state(seller.source, seller.vendor, fit, 0.0) for _ in range(3)]
        return sum(values) / len(values)

    assert mean_claim(honest) == pytest.approx(0.3)
    assert mean_claim(pushy) > 0.3 + 0.1


def test_guide_diagnosis_is_right_without_error_and_random_with_full_error():
    exact = BuyingCommitteeModel(scenario_with({"strategy": "maze_guide", "diagnosis_error": 0}), 8)
    guide = our_seller(exact)
    assert all(guide.diagnose(m) is BuyingJob.SEEK for m in guide.view.members), "never met"
    for member in exact.stakeholders:
        record_job(member, "validate")
    assert all(guide.diagnose(m) is BuyingJob.SEEK for m in guide.view.members), "not seen yet"
    give_time(exact)
    for card in guide.view.members:
        meeting, _ = guide.view.meet(card.id, 1.0, BuyingJob.SEEK, 10.0)
        assert meeting is not None
    assert all(guide.diagnose(m) is BuyingJob.VALIDATE for m in guide.view.members)

    noisy = BuyingCommitteeModel(scenario_with({"strategy": "maze_guide", "diagnosis_error": 1}), 8)
    guide = our_seller(noisy)
    member = noisy.stakeholders[0]
    member.jobs_by_week.append("validate")
    give_time(noisy)
    guide.view.meet(member.seat, 1.0, BuyingJob.SEEK, 10.0)
    seen = [guide.diagnose(guide.view.members[0]) for _ in range(600)]
    shares = [seen.count(job) / len(seen) for job in JOBS]
    assert all(0.25 < share < 0.42 for share in shares), shares


def test_guide_is_multithreaded():
    def met_alone(strategy: str, seed: int) -> int:
        model = BuyingCommitteeModel(scenario_with({"strategy": strategy}), seed)
        met = one_on_one_meetings(model, our_seller(model))
        model.run()
        return len(set(met()))

    assert min(met_alone("maze_guide", seed) for seed in range(5)) >= 3
    single = {"strategy": "funnel_pusher", "single_threaded": True}

    def single_threaded_met(seed: int) -> int:
        model = BuyingCommitteeModel(scenario_with(single), seed)
        met = one_on_one_meetings(model, our_seller(model))
        model.run()
        return len(set(met()))

    assert max(single_threaded_met(seed) for seed in range(5)) == 1


def test_consensus_meeting_lets_members_converge_who_would_otherwise_clash():
    far_but_not_too_far = {
        "committee": {
            "stakeholders": [
                {
                    "role": "champion",
                    "stubbornness": 0.0,
                    "open_mindedness": 0.1,
                    "priorities": {"business_value": 0.6, "functional_fit": 0.4},
                },
                {
                    "role": "finance",
                    "stubbornness": 0.0,
                    "open_mindedness": 0.1,
                    "priorities": {"business_value": 0.4, "cost": 0.6},
                },
            ]
        }
    }
    spec = {"strategy": "maze_guide", "consensus_widening": 0.6}

    def distance_after(with_help: bool) -> tuple[float, int]:
        model = BuyingCommitteeModel(scenario_with(spec, **far_but_not_too_far), 9)
        a, b = model.stakeholders
        give_time(model)
        guide = our_seller(model)
        guide.start_week()
        if with_help:
            guide.consensus_meeting(list(guide.view.members))
            assert guide.hours_left == pytest.approx(guide.capacity - guide.spec.meeting_hours)
        else:
            align_with(a, b)
        return priority_distance(a.priorities, b.priorities), a.conflicts + b.conflicts

    helped, helped_clashes = distance_after(True)
    alone, alone_clashes = distance_after(False)
    assert alone_clashes == 1 and alone == pytest.approx(0.6)
    assert helped_clashes == 0 and helped < alone


def test_guide_proof_and_pilots_are_true_information_the_member_may_check():
    model = BuyingCommitteeModel(scenario_with({"strategy": "maze_guide"}), 10)
    guide = our_seller(model)
    assert isinstance(guide, MazeGuide)
    card = guide.view.members[0]
    member = member_of(model, card)
    give_time(model)
    guide.start_week()
    recent_before, load_before = list(member.recent_claims), member.load
    guide.proof(card)
    guide.pilot(card)
    assert member.load == load_before + 3, "one reference and two pilot results"
    added = list(member.recent_claims)[len(recent_before) :]
    assert len(added) == 3, "they join the claims the member may check, like any claim"
    assert {(c.origin, c.channel, c.validated) for c in added} == {
        ("references", guide.source, False)
    }
    assert member.week_hours_with_sellers == 2 * guide.spec.meeting_hours
    for criterion, truth in enumerate(model.truth[guide.vendor]):
        stated = model.information.state("references", guide.vendor, criterion, 0.0)
        assert stated == pytest.approx(truth)


# ---- over whole runs ----------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["funnel_pusher", "maze_guide"])
def test_capacity_is_respected_every_week(strategy):
    model = BuyingCommitteeModel(
        scenario_with({"strategy": strategy, "capacity_hours": 6}, {"strategy": "maze_guide"}), 11
    )
    while model.running:
        model.step()
        for seller in model.sellers:
            assert seller.hours_left >= -1e-9
            assert seller.capacity - seller.hours_left <= seller.capacity + 1e-9
        for member in model.stakeholders:
            assert (
                member.last_week_hours["with_sellers"]
                <= sum(member.last_week_hours[j] for j in ("seek", "validate", "align")) + 1e-9
            )
    spent = sum(s.hours_spent for s in model.sellers if s.vendor == model.our_index)
    assert spent <= 6 * model.week + 1e-9


def test_same_committee_and_events_whatever_the_strategy():
    base = load_scenario(SCENARIOS / "baseline.yaml")
    models = [
        BuyingCommitteeModel(base.with_strategy(s), 21)
        for s in ("none", "funnel_pusher", "maze_guide")
    ]
    assert models[0].profiles == models[1].profiles == models[2].profiles
    assert models[0].exogenous_events == models[1].exogenous_events == models[2].exogenous_events


def test_a_guide_with_a_weak_product_does_not_beat_a_pusher_with_a_strong_one():
    weak = load_scenario(SCENARIOS / "weak_product.yaml")
    scenario = weak.with_strategy("maze_guide").with_strategy("funnel_pusher", vendor="rival")
    results = [simulate(scenario, seed) for seed in range(60)]
    won = sum(r.outcome.value == "won" for r in results)
    lost = sum(r.outcome.value == "lost" for r in results)
    assert won <= lost


def test_alignment_in_a_consensus_meeting_costs_the_hours_spent_together():
    """An alignment's pull is convergence x min(1, hours) (`kernel.align_with`): a pair that
    sat together half an hour moves half as far as a member's own hour of aligning, and
    nothing is free beyond the meeting's hours."""
    moved = {}
    for hours in (0.5, 1.0):
        model = BuyingCommitteeModel(scenario_with({"strategy": "maze_guide"}), 4)
        a, b = model.stakeholders[0], model.stakeholders[1]
        c = model.committee
        c.member[[0, 1], k.MemberColumn.STUBBORNNESS] = 0.0
        c.member[[0, 1], k.MemberColumn.OPEN_MINDEDNESS] = 1.0
        before = c.priorities[0].copy()
        assert align_with(a, b, hours)
        moved[hours] = float(np.abs(c.priorities[0] - before).sum())
    assert moved[1.0] > 0
    assert moved[0.5] == pytest.approx(0.5 * moved[1.0])


def test_a_consensus_meeting_widens_nothing_by_default():
    model = BuyingCommitteeModel(scenario_with({"strategy": "maze_guide"}), 4)
    seller = our_seller(model)
    assert seller.spec.consensus_widening == 0.0
    give_time(model)
    seller.start_week()
    seller.consensus_meeting(list(seller.view.members[:3]))
    assert all(m.consensus_help == 0.0 for m in model.stakeholders)
