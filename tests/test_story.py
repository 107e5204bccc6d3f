"""The deal's story (sim/story.py tell_story)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.scenario import DecisionRule
from sim.model import DealResult, Event, NoDecisionCause, Outcome, WeekState, simulate
from sim.model.result import CommitteeWeek
from sim.story import (
    ENDING_WORDS,
    brief_story,
    committee_digest,
    event_words,
    tell_story,
    turning_points,
    verdict,
    versus_rows,
)

LINE = re.compile(r"^week (\d+): \S")


def weeks_of(lines: list[str]) -> list[int]:
    weeks = []
    for line in lines:
        match = LINE.match(line)
        assert match, f"not a story line: {line!r}"
        weeks.append(int(match.group(1)))
    return weeks


def find_deal(scenario, wanted, seeds=range(60)) -> DealResult:
    for seed in seeds:
        deal = simulate(scenario, seed)
        if wanted(deal):
            return deal
    pytest.fail("no seed gave the deal this test needs")


@pytest.mark.parametrize("name", ["baseline", "one_person", "skeptical_finance_veto"])
def test_lines_are_in_week_order(named_scenario, name: str) -> None:
    for seed in range(3):
        deal = simulate(named_scenario(name), seed)
        lines = tell_story(deal)
        weeks = weeks_of(lines)
        assert weeks[0] == 1
        assert weeks == sorted(weeks)
        assert weeks[-1] == deal.weeks_simulated
        assert tell_story(deal) == lines  # a pure function of the record


def test_story_tells_a_purchase(named_scenario) -> None:
    deal = find_deal(
        named_scenario("one_person"), lambda d: d.outcome in (Outcome.WON, Outcome.LOST)
    )
    lines = tell_story(deal)
    decided = [line for line in lines if "decided on" in line]
    assert len(decided) == 1
    assert decided[0].startswith(f"week {deal.cycle_weeks}:")
    assert deal.option_labels[deal.chosen_option] in decided[0]
    assert ENDING_WORDS[deal.outcome.value] in decided[0]
    assert not any("open" in line and "horizon" in line for line in lines)


def test_story_tells_doing_nothing(named_scenario) -> None:
    deal = find_deal(
        named_scenario("low_urgency"),
        lambda d: d.no_decision_cause is NoDecisionCause.STATUS_QUO,
    )
    decided = [line for line in tell_story(deal) if "decided on" in line]
    assert len(decided) == 1
    assert decided[0].startswith(f"week {deal.cycle_weeks}:")
    assert deal.option_labels["status_quo"] in decided[0]


def test_story_tells_a_stall(make_scenario) -> None:
    scenario = make_scenario(
        account={"urgency": 0.3, "urgency_decay": 0.5, "shock_rate": 0.0},
        decision={"support_threshold": 1.0, "confidence_threshold": 1.0},
    )
    deal = simulate(scenario, 0)
    assert deal.no_decision_cause is NoDecisionCause.STALLED
    stalled = [line for line in tell_story(deal) if "stalled" in line]
    assert len(stalled) == 1
    assert stalled[0].startswith(f"week {deal.cycle_weeks}:") and "urgency" in stalled[0]


def test_story_tells_a_censored_deal_is_open(make_scenario) -> None:
    scenario = make_scenario(
        horizon_weeks=3, decision={"support_threshold": 1.0, "confidence_threshold": 1.0}
    )
    deal = simulate(scenario, 5)
    assert deal.outcome is Outcome.OPEN
    lines = tell_story(deal)
    assert lines[-1].startswith("week 3:")
    assert "open" in lines[-1]
    assert not any("decided on" in line for line in lines)


def test_story_tells_every_discredited_claim(named_scenario) -> None:
    deal = find_deal(named_scenario("baseline"), lambda d: d.claims_discredited > 0)
    lines = tell_story(deal)
    told = [line for line in lines if "did not hold up" in line]
    logged = [e for e in deal.events if e.effect.startswith("discredited")]
    assert len(told) == len(logged) == deal.claims_discredited


# ---- a hand-made deal --------------------------------------------------------------------


def state(week: int, who: str, job: str, preferred: str = "ours") -> WeekState:
    hours = {"seek": 0.0, "validate": 0.0, "align": 0.0}
    if job != "idle":
        hours[job] = 2.0
    return WeekState(
        week, who, job, hours["seek"], hours["validate"], hours["align"], 0.0, preferred,
        0.6, 0.1, 0.5,
    )  # fmt: skip


def hand_made_deal() -> DealResult:
    jobs = {
        "Ann": ["seek", "validate", "seek", "seek"],
        "Bob": ["seek", "idle", "seek", "align"],
    }
    weekly = [
        state(week, who, job, preferred="rival" if (who, week) == ("Bob", 4) else "ours")
        for week in range(1, 5)
        for who, job in ((w, jobs[w][week - 1]) for w in jobs)
    ]
    events = [
        Event(1, "Ann", "seek", "ours.cost", "independent_research", 2),
        Event(2, "world", "event", "budget freeze", "urgency", -0.4),
        Event(3, "Bob", "validate", "ours.cost", "discredited:vendor_content:ours", 0.3),
        Event(4, "Ann", "veto", "rival", "blocked", 0.7),
    ]
    return DealResult(
        scenario="hand-made", seed=0, horizon_weeks=4, outcome=Outcome.OPEN,
        no_decision_cause=None, stall_reason=None, chosen_option=None, cycle_weeks=None,
        weeks_simulated=4, regret=None, agreement=None, consensus=None, high_quality=False,
        purchase_ease=0.9, n_stakeholders=2, loopbacks={"Ann": 1, "Bob": 0},
        hours_by_job={"seek": 10.0, "validate": 2.0, "align": 2.0}, hours_with_sellers=0.0,
        hours_seeking_alone=10.0,
        seller_hours={}, stakeholders_reached={}, claims_discredited=1, conflicts=0, vetoes=1,
        option_labels={"status_quo": "doing nothing", "ours": "our product",
                       "rival": "the rival's product"},
        events=events, weekly=weekly,
    )  # fmt: skip


def test_hand_made_story() -> None:
    lines = tell_story(hand_made_deal())
    by_week: dict[int, list[str]] = {}
    for week, line in zip(weeks_of(lines), lines, strict=True):
        by_week.setdefault(week, []).append(line)
    assert any("2 seeking" in line for line in by_week[1])
    assert any("Ann moved on to validating" in line for line in by_week[2])
    assert any("budget freeze" in line for line in by_week[2])
    # Ann returns to seeking in week 3: a loop of the maze. Bob was idle, not away.
    loops = [line for line in by_week[3] if "back to a job they had left" in line]
    assert loops and "Ann to seeking" in loops[0] and "Bob" not in loops[0]
    assert any("did not hold up" in line and "our product" in line for line in by_week[3])
    assert any("Bob moved on to aligning" in line for line in by_week[4])
    assert any("Bob now favours the rival's product" in line for line in by_week[4])
    assert any("Ann vetoed buying the rival's product" in line for line in by_week[4])
    assert "open" in lines[-1]


# ---- the verdict: why a deal ended -----------------------------------------------------------

RULE = DecisionRule(support_threshold=0.6, confidence_threshold=0.64, stall_urgency=0.12)


def with_committee(deal: DealResult, support: float, confidence: float, urgency: float):
    deal.committee_weekly = [
        CommitteeWeek(week, 0.9 if week < 4 else urgency, "ours", 0.5, 0.5) for week in (1, 2, 3)
    ] + [CommitteeWeek(4, urgency, "rival", support, confidence)]
    return deal


def test_verdict_names_each_camp_and_the_rule_levels() -> None:
    deal = with_committee(hand_made_deal(), support=0.55, confidence=0.7, urgency=0.3)
    text = verdict(deal, RULE)
    assert text.startswith("Open: no decision within the 4-week horizon")
    assert "Ann backed our product" in text and "Bob backed the rival's product" in text
    assert "55% of the committee's influence stood behind the rival's product" in text
    assert "short of the 60% a decision needs" in text
    assert "70% confidence (reached the 64% needed)" in text
    assert "urgency was 0.30, above the stall level of 0.12" in text
    assert "Ann vetoed buying the rival's product (week 4)" in text
    assert "No seller worked this deal." in text


def test_verdict_tells_urgency_below_the_stall_level_apart_from_it() -> None:
    deal = with_committee(hand_made_deal(), support=0.7, confidence=0.5, urgency=0.1185)
    text = verdict(deal, RULE)
    assert "reached the 60%" in text and "short of the 64%" in text
    assert "below the stall level" in text
    shown = text.split("urgency was ")[1].split(",")[0]
    assert shown != "0.12", "the urgency must not print as the level it fell below"


def test_verdict_tells_the_supporters_remaining_uncertainty_against_the_rule() -> None:
    deal = with_committee(hand_made_deal(), support=0.7, confidence=0.7, urgency=0.3)
    assert "remaining uncertainty" not in verdict(deal, RULE)  # not recorded: no claim
    last = deal.committee_weekly[-1]
    deal.committee_weekly[-1] = last._replace(uncertainty=0.2)
    text = verdict(deal, RULE)
    assert f"remaining uncertainty was 0.2 (above the {RULE.max_uncertainty:.2g} allowed)" in text
    deal.committee_weekly[-1] = last._replace(uncertainty=RULE.max_uncertainty / 2)
    assert "(within the" in verdict(deal, RULE)


def test_verdict_says_what_the_sellers_hours_went_into() -> None:
    deal = hand_made_deal()
    deal.our_vendor, deal.strategies = "ours", {"ours": "maze_guide", "rival": "none"}
    deal.seller_hours = {"rival": 0.0, "ours": 42.0}
    deal.events = [
        *deal.events,
        Event(1, "our seller", "seller", "Ann", "ran a pilot", 0),
        Event(2, "our seller", "seller", "Bob", "ran a pilot", 0),
        Event(2, "our seller", "seller", "Ann", "pitched (demo)", 0),
    ]
    text = verdict(deal, RULE)
    assert "Our seller (maze guide) spent 42 hours: ran a pilot twice, pitched once" in text
    assert "the rival's product had no seller" in text
    assert text.index("Our seller") < text.index("the rival's product had no seller")


def test_every_simulated_deal_gets_a_verdict(named_scenario) -> None:
    for name in ("baseline", "skeptical_finance_veto", "low_urgency", "one_person"):
        scenario = named_scenario(name)
        for seed in range(3):
            deal = simulate(scenario, seed)
            text = verdict(deal, scenario.decision)
            first = text.split(".")[0].lower()
            assert first.startswith(deal.outcome.value.replace("_", " ")), text
            assert "nan" not in text and "_" not in text.replace(deal.scenario, "")
            assert f"{scenario.decision.support_threshold:.0%}" in text


# ---- brief stories and turning points --------------------------------------------------------


def test_turning_points_merge_a_repeated_veto_into_one_line() -> None:
    deal = hand_made_deal()
    deal.events = [Event(w, "Ann", "veto", "rival", "blocked", 0.7) for w in (5, 6, 7)]
    deal.weeks_simulated = deal.horizon_weeks = 7
    points = turning_points(deal)
    vetoes = [p for p in points if "vetoed" in p]
    assert vetoes == ["weeks 5-7: Ann vetoed buying the rival's product"]


def test_turning_points_follow_the_committees_lean() -> None:
    deal = with_committee(hand_made_deal(), support=0.55, confidence=0.7, urgency=0.3)
    points = turning_points(deal)
    assert points[0] == "week 1: the committee leans to our product (50%)"
    assert "week 4: the committee now leans to the rival's product (55%)" in points
    assert "week 2: outside event: budget freeze (urgency down by 0.40)" in points


def test_brief_story_is_the_verdict_then_turning_points_only(named_scenario) -> None:
    scenario = named_scenario("baseline")
    deal = simulate(scenario, 1)
    brief = brief_story(deal, scenario.decision)
    assert brief[0] == verdict(deal, scenario.decision)
    assert brief[2] == "Turning points:"
    assert brief[3:] == turning_points(deal)
    assert len(brief) < len(tell_story(deal))


# ---- human words for every event code ---------------------------------------------------------

CODES = re.compile(r"\b[a-z]+_[a-z_]+\b")


def test_no_event_code_reaches_a_story_or_digest(named_scenario) -> None:
    for name in ("baseline", "skeptical_finance_veto", "low_urgency", "flip_the_funnel"):
        scenario = named_scenario(name)
        deal = simulate(scenario, 2)
        labels = deal.option_labels
        texts = [
            *tell_story(deal),
            *committee_digest(deal).values(),
            *turning_points(deal),
            *(event_words(e, labels) for e in deal.events),
        ]
        leaks = {m for text in texts for m in CODES.findall(text)}
        assert not leaks, f"codes in {name}: {sorted(leaks)[:5]}"


VOCABULARY = {  # what the model logs: action -> (targets, effects)
    "seek": (["ours.cost", "rival.business_value"], ["independent_research", "peers",
             "vendor_content:ours", "seller:rival", "colleagues"]),
    "validate": (["ours.functional_fit"], ["confirmed:peers", "discredited:vendor_content:rival",
                 "discredited:seller:ours"]),
    "align": (["Bob"], ["clashed", "converged"]),
    "forward": (["Bob"], ["ours.cost", "rival.risk_security"]),
    "event": (["budget freeze", "incident makes the problem worse"], ["urgency"]),
    "veto": (["rival", "ours"], ["blocked"]),
    "decide": (["ours", "rival", "status_quo"], ["won", "lost", "no_decision"]),
    "stall": (["committee"], ["lost_urgency", "fatigue", "conflict"]),
    "seller": (["Ann", "committee"], ["pitched (qualify)", "ran a pilot"]),
}  # fmt: skip


@st.composite
def logged_events(draw: st.DrawFn) -> Event:
    action = draw(st.sampled_from(sorted(VOCABULARY)))
    targets, effects = VOCABULARY[action]
    value = draw(st.floats(-1, 1, allow_nan=False))
    return Event(3, "Ann", action, draw(st.sampled_from(targets)), draw(st.sampled_from(effects)),
                 value)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(event=logged_events())
def test_event_words_never_print_a_raw_code(event: Event) -> None:
    labels = {"ours": "our product", "rival": "the rival's product", "status_quo": "doing nothing"}
    words = event_words(event, labels)
    assert words and "_" not in words and ":" not in words.split(": ", 1)[-1][:1]


# ---- two deals side by side ---------------------------------------------------------------------


def test_versus_rows_leave_out_weeks_where_both_committees_stand_alike() -> None:
    a, b = hand_made_deal(), hand_made_deal()
    with_committee(a, support=0.55, confidence=0.7, urgency=0.3)
    with_committee(b, support=0.65, confidence=0.7, urgency=0.3)
    assert versus_rows(a, a) == []
    rows = versus_rows(a, b)
    assert rows == [], "the same lean with another share is not a difference"
    b.committee_weekly[-1] = b.committee_weekly[-1]._replace(leading_option="ours")
    veto = "; Ann vetoed buying the rival's product"
    assert versus_rows(a, b) == [
        ("4", f"leans to the rival's product{veto}", f"leans to our product{veto}")
    ]


def test_versus_rows_fold_a_run_of_identical_weeks_into_one_row() -> None:
    a, b = hand_made_deal(), hand_made_deal()
    b.weeks_simulated = 1
    b.committee_weekly = [CommitteeWeek(1, 0.5, "ours", 0.5, 0.5)]
    a.committee_weekly = [CommitteeWeek(w, 0.5, "ours", 0.5, 0.5) for w in (1,)] + [
        CommitteeWeek(w, 0.5, "rival", 0.7, 0.5) for w in (2, 3, 4)
    ]
    a.events = b.events = []
    rows = versus_rows(a, b)
    assert rows == [("2-4", "leans to the rival's product", "(ended)")]


def test_versus_rows_of_real_deals_are_fewer_than_their_weeks(named_scenario) -> None:
    scenario = named_scenario("baseline")
    a = simulate(scenario.with_strategy("funnel_pusher"), 7)
    b = simulate(scenario.with_strategy("maze_guide"), 7)
    rows = versus_rows(a, b)
    assert len(rows) <= max(a.weeks_simulated, b.weeks_simulated)
    assert all(left != right for _, left, right in rows)


def test_verdict_in_brief_is_three_lines_of_the_rule_met_or_short() -> None:
    from sim.story import verdict_in_brief

    deal = with_committee(hand_made_deal(), support=0.7, confidence=0.3, urgency=0.3)
    last = deal.committee_weekly[-1]
    deal.committee_weekly[-1] = last._replace(uncertainty=RULE.max_uncertainty * 2)
    lines = verdict_in_brief(deal, RULE)
    assert len(lines) == 3
    assert "support met" in lines[1] and "confidence short" in lines[1]
    assert "uncertainty short" in lines[1] and f"{RULE.max_uncertainty:.2g} allowed" in lines[1]
    assert "_" not in " ".join(lines)
