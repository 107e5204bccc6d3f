"""The deal's story: the event log and weekly states told week by week in the domain's words.

Routine work is summarised per week (claims gathered, meetings held); what changes the course
of the deal is told one line each: a stakeholder going back to a job it had left, a claim
that did not hold up, a clash, a change of mind, an exogenous event, a veto, the decision.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from sim.config.scenario import DecisionRule
from sim.model.result import CommitteeWeek, DealResult, Event, WeekState
from sim.safe_text import safe_text

JOB_VERBS = {"seek": "seeking information", "validate": "validating", "align": "aligning"}


def option_words(option: str, labels: dict[str, str]) -> str:
    """An option in the scenario's words ('our product'), never its id."""
    return labels.get(option, option.replace("_", " "))


def source_words(source: str, labels: dict[str, str]) -> str:
    kind, _, vendor = source.partition(":")
    if kind == "vendor_content":
        return f"{option_words(vendor, labels)}'s marketing content"
    if kind == "seller":
        return f"the seller of {option_words(vendor, labels)}"
    return {
        "independent_research": "independent research",
        "peers": "peers at other companies",
        "colleagues": "a colleague",
    }.get(kind, kind.replace("_", " "))


def cell_words(cell: str, labels: dict[str, str]) -> str:
    """'ours.business_value' -> 'the business value of our product'."""
    option, _, criterion = cell.partition(".")
    return f"the {criterion.replace('_', ' ')} of {option_words(option, labels)}"


STALL_WORDS = {
    "lost_urgency": "urgency faded",
    "fatigue": "people are worn out",
    "conflict": "conflict wore the committee down",
}
ENDING_WORDS = {
    "won": "our product won",
    "lost": "a competitor won",
    "no_decision": "no purchase",
}


def event_words(event: Event, labels: dict[str, str]) -> str:
    """Any event of the log in plain words (no codes): the hover texts and digests use it."""
    if event.action == "seek":
        return f"sought {cell_words(event.target, labels)} via {source_words(event.effect, labels)}"
    if event.action == "validate":
        verdict, _, source = event.effect.partition(":")
        about, where = cell_words(event.target, labels), source_words(source, labels)
        return f"{verdict} a claim on {about} from {where}"
    if event.action == "align":
        if event.effect == "clashed":
            return f"clashed with {event.target} over priorities"
        return f"{event.effect} with {event.target}"
    if event.action == "forward":
        return f"passed a claim on {cell_words(event.effect, labels)} on to {event.target}"
    return _event_line(event, labels) or f"{event.actor} {event.effect.replace('_', ' ')}"


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
        direction = "up" if event.value >= 0 else "down"
        return f"outside event: {event.target} (urgency {direction} by {abs(event.value):.2f})"
    if event.action == "veto":
        return f"{actor} vetoed buying {option_words(event.target, labels)}"
    if event.action == "decide":
        ending = ENDING_WORDS.get(event.effect, event.effect.replace("_", " "))
        return (
            f"the committee decided on {option_words(event.target, labels)} "
            f"({event.value:.0%} of influence behind it): {ending}"
        )
    if event.action == "stall":
        reason = STALL_WORDS.get(event.effect, event.effect.replace("_", " "))
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
                f"{state.stakeholder} now favours {option_words(state.preferred, labels)} "
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
        lines.extend(f"week {week}: {safe_text(line, markup=False)}" for line in told)
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


def committee_digest(deal: DealResult, shares: bool = True) -> dict[int, str]:
    """Per week, where the committee stood (its lean, and with `shares` the support behind
    it) and what turned it (outside events, vetoes, the ending): the sellers' own moves
    differ by design between two strategies, so a side-by-side compares the committee only."""
    labels = deal.option_labels
    digest: dict[int, list[str]] = {}
    for state in deal.committee_weekly:
        leaning = option_words(state.leading_option, labels)
        share = f" ({state.support:.0%})" if shares else ""
        digest.setdefault(state.week, []).append(f"leans to {leaning}{share}")
    for event in deal.events:
        if event.action in ("decide", "stall", "veto", "event"):
            digest.setdefault(event.week, []).append(_event_line(event, labels) or "")
    return {w: safe_text("; ".join(_counted(parts)), markup=False) for w, parts in digest.items()}


def versus_rows(a: DealResult, b: DealResult) -> list[tuple[str, str, str]]:
    """The weeks in which two deals of the same committee lean to different options or meet
    different events, as (weeks, a, b): weeks where both lean the same way are left out, and
    a run of weeks repeating the same pair of lines is one row ('20-41')."""
    digests = committee_digest(a, shares=False), committee_digest(b, shares=False)
    rows: list[tuple[int, int, str, str]] = []
    for week in range(1, max(a.weeks_simulated, b.weeks_simulated) + 1):
        left = digests[0].get(week, "(ended)" if week > a.weeks_simulated else "")
        right = digests[1].get(week, "(ended)" if week > b.weeks_simulated else "")
        if left == right:
            continue
        if rows and rows[-1][1] == week - 1 and rows[-1][2:] == (left, right):
            rows[-1] = (rows[-1][0], week, left, right)
        else:
            rows.append((week, week, left, right))
    return [
        (str(first) if first == last else f"{first}-{last}", left, right)
        for first, last, left, right in rows
    ]


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
            reason = STALL_WORDS.get(deal.stall_reason or "", "")
            return f"no decision: the purchase stalled ({reason}) in week {deal.cycle_weeks}"
        return f"no decision: the committee chose to do nothing in week {deal.cycle_weeks}"
    chosen = safe_text(option_words(deal.chosen_option or "", deal.option_labels), markup=False)
    return f"{deal.outcome.value}: the committee bought {chosen} in week {deal.cycle_weeks}"


def _names(names: list[str], most: int = 3) -> str:
    """'a', 'a and b', 'a, b and 2 others'."""
    if len(names) > most:
        names = [*names[: most - 1], f"{len(names) - most + 1} others"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def final_states(deal: DealResult) -> dict[str, WeekState]:
    """Each stakeholder's state in the last week simulated."""
    last: dict[str, WeekState] = {}
    for state in deal.weekly:
        last[state.stakeholder] = state
    return last


def _camps(deal: DealResult) -> str:
    labels = deal.option_labels
    camps: dict[str, list[str]] = defaultdict(list)
    for state in final_states(deal).values():
        camps[state.preferred].append(state.stakeholder)
    ordered = sorted(camps.items(), key=lambda item: -len(item[1]))
    parts = [f"{_names(names)} backed {option_words(option, labels)}" for option, names in ordered]
    return "At the end " + "; ".join(parts) + "." if parts else ""


def _remaining_uncertainty(week: CommitteeWeek, rule: DecisionRule) -> str:
    """The decision rule's third condition: the supporters must understand what they buy."""
    if math.isnan(week.uncertainty):
        return ""
    within = "within" if week.uncertainty <= rule.max_uncertainty else "above"
    return (
        f", and its supporters' remaining uncertainty was {week.uncertainty:.2g} ({within} the "
        f"{rule.max_uncertainty:.2g} allowed)"
    )


def _against_rules(deal: DealResult, rule: DecisionRule) -> str:
    if not deal.committee_weekly:
        return ""
    last = deal.committee_weekly[-1]
    leader = option_words(last.leading_option, deal.option_labels)
    support = "reached" if last.support >= rule.support_threshold else "short of"
    confidence = "reached" if last.confidence >= rule.confidence_threshold else "short of"
    urgency = "below" if last.urgency < rule.stall_urgency else "above"
    digits = next(
        (d for d in (2, 3, 4) if f"{last.urgency:.{d}f}" != f"{rule.stall_urgency:.{d}f}"), 4
    )
    text = (
        f"{last.support:.0%} of the committee's influence stood behind {leader} "
        f"({support} the {rule.support_threshold:.0%} a decision needs), with "
        f"{last.confidence:.0%} confidence ({confidence} the {rule.confidence_threshold:.0%} "
        f"needed)"
        + _remaining_uncertainty(last, rule)
        + f"; urgency was {last.urgency:.{digits}f}, {urgency} the stall level of "
        f"{rule.stall_urgency:.{digits}f}."
    )
    states = final_states(deal).values()
    if deal.stall_reason in ("fatigue", "conflict") and states:
        fatigue = sum(s.fatigue for s in states) / len(states)
        text += (
            f" Mean fatigue reached {fatigue:.2f} (the committee gives up at "
            f"{rule.stall_fatigue:.2f})."
        )
    return text


def _blockers(deal: DealResult, status_quo: str = "status_quo") -> str:
    """Vetoes; for a deal that bought nothing, who preferred doing nothing; who went idle."""
    labels = deal.option_labels
    vetoes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for event in deal.events:
        if event.action == "veto":
            vetoes[event.actor, event.target].append(event.week)
    sentences = [
        f"{actor} vetoed buying {option_words(option, labels)} "
        f"(week{'s' * (len(weeks) > 1)} {', '.join(map(str, weeks[:4]))}"
        f"{', ...' if len(weeks) > 4 else ''})."
        for (actor, option), weeks in vetoes.items()
    ]
    if deal.outcome.value in ("no_decision", "open"):
        nothing = [s.stakeholder for s in final_states(deal).values() if s.preferred == status_quo]
        if nothing:
            sentences.append(f"Holding out for doing nothing: {_names(nothing)}.")
    recent = defaultdict(list)
    for state in deal.weekly:
        if state.week > deal.weeks_simulated - 3:
            recent[state.stakeholder].append(state.job)
    idle = [name for name, jobs in recent.items() if len(jobs) >= 3 and set(jobs) == {"idle"}]
    if idle:
        sentences.append(f"Gone idle (no buying work in the last 3 weeks): {_names(idle)}.")
    return " ".join(sentences)


TIMES = {1: "once", 2: "twice"}


def _activity(effect: str) -> str:
    """'pitched (qualify)' -> 'pitched': the kind of work, without its detail."""
    return effect.split(" (")[0]


def _seller_effort(deal: DealResult) -> str:
    labels = deal.option_labels
    work: dict[str, Counter[str]] = defaultdict(Counter)
    for event in deal.events:
        if event.action == "seller":
            work[event.actor][_activity(event.effect)] += 1
    parts = []
    if not deal.seller_hours:
        return "No seller worked this deal."
    vendors = sorted({*deal.seller_hours, deal.our_vendor}, key=lambda v: v != deal.our_vendor)
    for vendor in vendors:
        hours = deal.seller_hours.get(vendor, 0.0)
        strategy = deal.strategies.get(vendor, "none")
        name = (
            "our seller"
            if vendor == deal.our_vendor
            else f"the seller of {option_words(vendor, labels)}"
        )
        if strategy == "none":
            parts.append(f"{'we' if vendor == deal.our_vendor else option_words(vendor, labels)}"
                         " had no seller")  # fmt: skip
            continue
        if not hours:
            parts.append(f"{name} ({strategy.replace('_', ' ')}) never got a meeting")
            continue
        acts = work.get(name, Counter())
        done = ", ".join(f"{kind} {TIMES.get(n, f'{n} times')}" for kind, n in acts.most_common(4))
        parts.append(
            f"{name} ({strategy.replace('_', ' ')}) spent {hours:.0f} hours"
            + (f": {done}" if done else " without meeting anyone")
        )
    if not parts:
        return "No seller worked this deal."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def verdict(deal: DealResult, rule: DecisionRule) -> str:
    """Why the deal ended as it did, in one paragraph: how it ended, who backed what at the
    end, support and confidence against the decision rule, urgency against the stall level,
    who blocked or went idle, and what the sellers' hours went into."""
    ending = outcome_sentence(deal)
    sentences = [
        ending[0].upper() + ending[1:] + ".",
        _camps(deal),
        _against_rules(deal, rule),
        _blockers(deal),
        _seller_effort(deal),
    ]
    return safe_text(" ".join(s for s in sentences if s), markup=False)


def verdict_in_brief(deal: DealResult, rule: DecisionRule) -> list[str]:
    """The verdict in three lines, for a room: how it ended; each condition of the decision
    rule at the end, met or short, and urgency against the stall level; our seller's hours
    against the rival's."""
    ending = outcome_sentence(deal)
    lines = [ending[0].upper() + ending[1:] + "."]
    if deal.committee_weekly:
        last = deal.committee_weekly[-1]
        unsure = last.uncertainty
        checks = [
            ("support", last.support >= rule.support_threshold,
             f"{last.support:.0%} of {rule.support_threshold:.0%} needed"),
            ("confidence", last.confidence >= rule.confidence_threshold,
             f"{last.confidence:.0%} of {rule.confidence_threshold:.0%} needed"),
        ]  # fmt: skip
        if not math.isnan(unsure):
            checks.append(
                ("uncertainty", unsure <= rule.max_uncertainty,
                 f"{unsure:.2g}, at most {rule.max_uncertainty:.2g} allowed")
            )  # fmt: skip
        said = ", ".join(f"{name} {'met' if ok else 'short'} ({why})" for name, ok, why in checks)
        urgency = "below" if last.urgency < rule.stall_urgency else "above"
        lines.append(
            f"The rule at the end: {said}; urgency {last.urgency:.2f}, {urgency} the stall "
            f"level {rule.stall_urgency:.2f}."
        )
    ours = deal.seller_hours.get(deal.our_vendor, 0.0)
    others = sum(h for v, h in deal.seller_hours.items() if v != deal.our_vendor)
    strategy = deal.strategies.get(deal.our_vendor, "none")
    seller = (
        "We had no seller"
        if strategy == "none"
        else f"Our seller ({strategy.replace('_', ' ')}) spent {ours:.0f} hours"
    )
    lines.append(f"{seller}; the other sellers {others:.0f} hours.")
    return [safe_text(line, markup=False) for line in lines]


def turning_points(deal: DealResult) -> list[str]:
    """The weeks that changed the course of the deal: the committee's lean changing, outside
    events, vetoes, and the ending."""
    labels = deal.option_labels
    leaning = None
    told = {"event", "veto", "decide", "stall"}
    events_by_week: dict[int, list[Event]] = defaultdict(list)
    for event in deal.events:
        if event.action in told:
            events_by_week[event.week].append(event)
    leads = {c.week: c for c in deal.committee_weekly}
    points: list[tuple[int, int, str]] = []  # first week, last week, what happened
    for week in range(1, deal.weeks_simulated + 1):
        state = leads.get(week)
        if state is not None and state.leading_option != leaning:
            option = option_words(state.leading_option, labels)
            verb = "leans to" if leaning is None else "now leans to"
            points.append((week, week, f"the committee {verb} {option} ({state.support:.0%})"))
            leaning = state.leading_option
        for event in events_by_week.get(week, []):
            line = _event_line(event, labels)
            repeated = [p for p in points[-3:] if p[2] == line and p[1] == week - 1]
            if repeated:
                points[points.index(repeated[0])] = (repeated[0][0], week, repeated[0][2])
            elif line:
                points.append((week, week, line))
    lines = [
        f"week {first}: {safe_text(line, markup=False)}"
        if first == last
        else f"weeks {first}-{last}: {safe_text(line, markup=False)}"
        for first, last, line in points
    ]
    if deal.outcome.value == "open" and deal.weeks_simulated >= deal.horizon_weeks:
        lines.append(f"week {deal.weeks_simulated}: the horizon is reached with no decision (open)")
    return lines


def brief_story(deal: DealResult, rule: DecisionRule) -> list[str]:
    """The short form of a deal: its verdict, then its turning points only."""
    return [verdict(deal, rule), "", "Turning points:", *turning_points(deal)]
