"""The deal's story (sim/story.py tell_story)."""

from __future__ import annotations

import re

import pytest

from sim.model import DealResult, Event, NoDecisionCause, Outcome, WeekState, simulate
from sim.story import tell_story

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
    assert deal.outcome.value in decided[0]
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
