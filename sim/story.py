"""The deal's story: the event log and weekly states told week by week in the domain's words.

Routine work is summarised per week (claims gathered, meetings held); what changes the course
of the deal is told one line each: a stakeholder going back to a job it had left, a claim
that did not hold up, a clash, a change of mind, an exogenous event, a veto, the decision.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sim.model.result import DealResult, Event, WeekState

JOB_VERBS = {"seek": "seeking information", "validate": "validating", "align": "aligning"}


def source_words(source: str, labels: dict[str, str]) -> str:
    kind, _, vendor = source.partition(":")
    if kind == "vendor_content":
        return f"{labels.get(vendor, vendor)}'s marketing content"
    if kind == "seller":
        return f"the seller of {labels.get(vendor, vendor)}"
    return {
        "independent_research": "independent research",
        "peers": "peers at other companies",
        "colleagues": "a colleague",
    }.get(kind, kind.replace("_", " "))


def cell_words(cell: str, labels: dict[str, str]) -> str:
    """'ours.business_value' -> 'the business value of our product'."""
    option, _, criterion = cell.partition(".")
    return f"the {criterion.replace('_', ' ')} of {labels.get(option, option)}"


def _event_line(event: Event, labels: dict[str, str]) -> str | None:
    actor = event.actor
    if event.action == "validate":
        verdict, _, source = event.effect.partition(":")
        about = cell_words(event.target, labels)
        claim = f"the claim about {about} from {source_words(source, labels)}"
        if verdict == "discredited":
            return f"{actor} checked {claim}: it did not hold up; trust in that source down"
        return None  # confirmations are summarised
    if event.action == "event":
        return f"{event.target}: urgency {event.value:+.2f}"
    if event.action == "veto":
        return f"{actor} vetoed buying {labels.get(event.target, event.target)}"
    if event.action == "decide":
        return (
            f"the committee decided on {labels.get(event.target, event.target)} "
            f"({event.value:.0%} of influence behind it): {event.effect.replace('_', ' ')}"
        )
    if event.action == "stall":
        reason = {
            "lost_urgency": "urgency faded",
            "fatigue": "people are worn out",
            "conflict": "conflict wore the committee down",
        }.get(event.effect, event.effect)
        return f"the purchase stalled ({reason}): no decision"
    if event.action == "seller":
        if event.target == "committee":
            return f"{actor} {event.effect}"
        return f"{actor} {event.effect} with {event.target}"
    return None


def _summary(events: list[Event], labels: dict[str, str]) -> list[str]:
    """A line for the week's clashes, and one for its routine work."""
    claims = sum(int(e.value) for e in events if e.action == "seek")
    sources = Counter(e.effect for e in events if e.action == "seek")
    confirmed = sum(
        1 for e in events if e.action == "validate" and e.effect.startswith("confirmed")
    )
    discredited = sum(
        1 for e in events if e.action == "validate" and e.effect.startswith("discredited")
    )
    converged = sum(1 for e in events if e.action == "align" and e.effect == "converged")
    clashes = sorted(
        {" and ".join(sorted((e.actor, e.target))) for e in events if e.effect == "clashed"}
    )
    lines = [f"clashes over priorities between {'; '.join(clashes)}"] if clashes else []
    parts = []
    if claims:
        top = ", ".join(f"{n} of {source_words(s, labels)}" for s, n in sources.most_common(2))
        searches = sum(sources.values())
        plural = "search" if searches == 1 else "searches"
        parts.append(f"{claims} claims from {searches} {plural} ({top}...)")
    if confirmed or discredited:
        parts.append(f"{confirmed + discredited} checked, {discredited} discredited")
    if converged:
        parts.append(f"{converged} alignment meeting{'s' * (converged != 1)} brought views closer")
    if parts:
        lines.append("; ".join(parts))
    return lines


def _state_lines(
    week: int,
    states: list[WeekState],
    previous: dict[str, WeekState],
    seen_jobs: dict[str, set[str]],
    labels: dict[str, str],
) -> list[str]:
    lines = []
    loops = []
    for state in states:
        before = previous.get(state.stakeholder)
        jobs = seen_jobs[state.stakeholder]
        last_job = before.job if before else None
        if state.job != "idle" and state.job != last_job and last_job is not None:
            verb = JOB_VERBS[state.job]
            if state.job in jobs:
                loops.append(f"{state.stakeholder} to {verb}")
            else:
                lines.append(f"{state.stakeholder} moved on to {verb}")
        if before is not None and state.preferred != before.preferred:
            lines.append(
                f"{state.stakeholder} now favours {labels.get(state.preferred, state.preferred)} "
                f"(confidence {state.confidence:.0%})"
            )
        if state.job != "idle":
            jobs.add(state.job)
            previous[state.stakeholder] = state
        elif before is None:
            previous[state.stakeholder] = state
    if loops:
        lines.insert(0, "back to a job they had left (the maze): " + ", ".join(loops))
    return lines


def tell_story(deal: DealResult) -> list[str]:
    """The deal week by week, one string per line."""
    labels = deal.option_labels
    events_by_week: dict[int, list[Event]] = defaultdict(list)
    for event in deal.events:
        events_by_week[event.week].append(event)
    states_by_week: dict[int, list[WeekState]] = defaultdict(list)
    for state in deal.weekly:
        states_by_week[state.week].append(state)
    previous: dict[str, WeekState] = {}
    seen_jobs: dict[str, set[str]] = defaultdict(set)
    lines = []
    for week in range(1, deal.weeks_simulated + 1):
        events = events_by_week.get(week, [])
        states = states_by_week.get(week, [])
        if week == 1:
            starts = Counter(s.job for s in states if s.job != "idle")
            opening = ", ".join(f"{n} {JOB_VERBS[j]}" for j, n in starts.most_common())
            lines.append(f"week 1: the committee of {deal.n_stakeholders} starts: {opening}")
            for s in states:
                if s.job != "idle":
                    seen_jobs[s.stakeholder].add(s.job)
                previous[s.stakeholder] = s
            told = []
        else:
            told = _state_lines(week, states, previous, seen_jobs, labels)
        told += [line for e in events if (line := _event_line(e, labels))]
        told += _summary(events, labels)
        lines.extend(f"week {week}: {line}" for line in told)
    if deal.outcome.value == "open" and deal.weeks_simulated >= deal.horizon_weeks:
        lines.append(f"week {deal.weeks_simulated}: the horizon is reached with no decision (open)")
    return lines


def divergence_week(a: DealResult, b: DealResult) -> int | None:
    """The first week in which the same committee's views differ between two deals: some
    stakeholder favours another option, or one deal has ended and the other has not."""
    favourites_a = {(s.week, s.stakeholder): s.preferred for s in a.weekly}
    favourites_b = {(s.week, s.stakeholder): s.preferred for s in b.weekly}
    for week in range(1, max(a.weeks_simulated, b.weeks_simulated) + 1):
        if (week > a.weeks_simulated) != (week > b.weeks_simulated):
            return week
        names = {name for (w, name) in favourites_a if w == week}
        if any(favourites_a.get((week, n)) != favourites_b.get((week, n)) for n in names):
            return week
    return None


def week_digest(deal: DealResult) -> dict[int, str]:
    """Per week, one line: who the committee leans to, and what sellers and committee did."""
    digest: dict[int, list[str]] = {}
    labels = deal.option_labels
    for state in deal.committee_weekly:
        leaning = labels.get(state.leading_option, state.leading_option)
        digest.setdefault(state.week, []).append(f"leans to {leaning} ({state.support:.0%})")
    for event in deal.events:
        if event.action == "seller":
            digest.setdefault(event.week, []).append(f"{event.actor}: {event.effect}")
        elif event.action in ("decide", "stall", "veto"):
            digest.setdefault(event.week, []).append(f"{event.action}: {event.effect}")
    return {week: "; ".join(_counted(parts)) for week, parts in digest.items()}


def _counted(parts: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for part in parts:
        counts[part] = counts.get(part, 0) + 1
    return [p if n == 1 else f"{p} x{n}" for p, n in counts.items()]


def outcome_sentence(deal: DealResult) -> str:
    """How the deal ended, in one line: 'won: the committee bought our product in week 12'."""
    if deal.outcome.value == "open":
        return f"open: no decision within the {deal.horizon_weeks}-week horizon (censored)"
    if deal.outcome.value == "no_decision":
        if deal.no_decision_cause and deal.no_decision_cause.value == "stalled":
            reason = (deal.stall_reason or "").replace("_", " ")
            return f"no decision: the purchase stalled ({reason}) in week {deal.cycle_weeks}"
        return f"no decision: the committee chose to do nothing in week {deal.cycle_weeks}"
    chosen = deal.option_labels.get(deal.chosen_option or "", deal.chosen_option)
    return f"{deal.outcome.value}: the committee bought {chosen} in week {deal.cycle_weeks}"
