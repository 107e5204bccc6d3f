"""Figures of one deal: stakeholder swimlanes by job, who favours what, committee consensus."""

from __future__ import annotations

import math
from collections import defaultdict

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.config.labels import display_number
from sim.config.scenario import DecisionRule
from sim.model.result import DealResult
from sim.report import palette
from sim.story import event_words

JOB_COLOURS = palette.JOB_COLOURS
JOB_LABELS = {
    "seek": "seeking information",
    "validate": "validating",
    "align": "aligning",
    "idle": "idle",
}
TOP_LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "xanchor": "left"}


def option_colours(deal: DealResult) -> dict[str, str]:
    return palette.option_colours(list(deal.option_labels), deal.our_vendor)


def week_axis(last_week: int) -> dict:
    """A week axis fitted to the deal: whole weeks only, a tick every week for short deals."""
    step = next(n for n in (1, 2, 4, 5, 10, 20, 50) if last_week / n <= 20)
    return {
        "range": [0.5, last_week + 1.0],
        "tick0": 1 if step == 1 else 0,
        "dtick": step,
        "tickformat": "d",
        "title_text": "week",
    }


def hover_texts(deal: DealResult) -> dict[tuple[int, str], list[str]]:
    """(week, stakeholder) -> what the event log says they did and met."""
    texts: dict[tuple[int, str], list[str]] = defaultdict(list)
    labels = deal.option_labels
    for event in deal.events:
        if event.action == "seller":
            for name in event.target.split(", "):
                texts[event.week, name].append(f"{event.actor}: {event.effect}")
        else:
            texts[event.week, event.actor].append(event_words(event, labels))
    return texts


def _hover(lines: list[str]) -> str:
    shown = lines[:6] + ([f"... and {len(lines) - 6} more"] if len(lines) > 6 else [])
    return "<br>".join(shown)


def _swimlane_traces(deal: DealResult, legend: bool = True) -> list[go.Scatter]:
    names = [s["name"] for s in deal.stakeholders]
    texts = hover_texts(deal)
    traces = []
    for job, colour in JOB_COLOURS.items():
        states = [s for s in deal.weekly if s.job == job]
        if not states:
            continue
        traces.append(
            go.Scatter(
                x=[s.week for s in states],
                y=[s.stakeholder for s in states],
                mode="markers",
                name=JOB_LABELS[job],
                legendgroup=job,
                showlegend=legend,
                marker={"symbol": "square", "size": 11, "color": colour},
                hovertemplate="%{y}, week %{x}<br>%{customdata}<extra>"
                + JOB_LABELS[job]
                + "</extra>",
                customdata=[
                    f"{s.hours_seek:.0f} h seeking, {s.hours_validate:.0f} h validating, "
                    f"{s.hours_align:.0f} h aligning ({s.hours_with_sellers:.0f} h with sellers)"
                    "<br>" + _hover(texts.get((s.week, s.stakeholder), []))
                    for s in states
                ],
            )
        )
    touches = [
        (e.week, name, e.actor, e.effect)
        for e in deal.events
        if e.action == "seller"
        for name in e.target.split(", ")
        if name in names
    ]
    if touches:
        traces.append(
            go.Scatter(
                x=[t[0] for t in touches],
                y=[t[1] for t in touches],
                mode="markers",
                name="seller meeting",
                legendgroup="seller",
                showlegend=legend,
                marker={
                    "symbol": "diamond-open",
                    "size": 7,
                    "color": "#1f2933",
                    "line": {"width": 1},
                },
                customdata=[f"{t[2]}: {t[3]}" for t in touches],
                hovertemplate="%{y}, week %{x}<br>%{customdata}<extra>seller</extra>",
            )
        )
    return traces


def _end_label(deal: DealResult, ongoing: bool) -> tuple[int, str]:
    end = deal.cycle_weeks or deal.weeks_simulated
    if ongoing:
        return end, f"week {end}"
    return end, deal.outcome.value.replace("_", " ") if deal.cycle_weeks else "horizon (open)"


def timeline(
    deal: DealResult, title: str = "", ongoing: bool = False, last_week: int | None = None
) -> go.Figure:
    """Swimlanes: one row per stakeholder, one cell per week coloured by its main job;
    seller meetings marked; the decision (or the horizon, or for a deal being played back
    the current week) as a vertical line. `last_week` fixes the week axis (to share it)."""
    names = [s["name"] for s in deal.stakeholders]
    figure = go.Figure(_swimlane_traces(deal))
    end, label = _end_label(deal, ongoing)
    figure.add_vline(x=end + 0.5, line_dash="dash", line_color="#1f2933")
    figure.add_annotation(
        x=end + 0.5,
        y=1.0,
        yref="paper",
        text=label,
        showarrow=False,
        xanchor="right",
        yanchor="top",
        bgcolor="white",
    )
    figure.update_layout(
        title=title or "Who worked on which buying job, week by week",
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(reversed(names)),
            "title_text": "stakeholder",
        },
        height=150 + 30 * len(names),
        legend=TOP_LEGEND,
        margin={"l": 10, "r": 10, "t": 80, "b": 40},
    )
    figure.update_xaxes(**week_axis(last_week or deal.weeks_simulated))
    return figure


def _committee_traces(deal: DealResult, legend: bool) -> list[go.Scatter]:
    committee = deal.committee_weekly
    weeks = [c.week for c in committee]
    leaders = [deal.option_labels.get(c.leading_option, c.leading_option) for c in committee]
    lines = (
        (
            [c.support for c in committee],
            "support for the leading option",
            "#235789",
            "solid",
            ".0%",
        ),
        ([c.confidence for c in committee], "supporters' confidence", "#f0a202", "dot", ".0%"),
        ([c.urgency for c in committee], "urgency (0-1)", "#c1292e", "dash", ".2f"),
    )
    return [
        go.Scatter(
            x=weeks,
            y=values,
            name=name,
            mode="lines",
            legendgroup=name,
            showlegend=legend,
            line={"color": colour, "dash": dash},
            customdata=leaders,
            hovertemplate=f"week %{{x}}: {name} %{{y:{shown}}} (leading: %{{customdata}})"
            "<extra></extra>",
        )
        for values, name, colour, dash, shown in lines
    ]


def _rule_levels(figure: go.Figure, rule: DecisionRule, row: int, col: int, axis: str) -> None:
    """The decision rule's levels as thin dashed lines, labelled in words."""
    levels = (
        (rule.support_threshold, f"support needed: {rule.support_threshold:.0%}", "#235789", 0),
        (
            rule.confidence_threshold,
            f"confidence needed: {rule.confidence_threshold:.0%}",
            "#f0a202",
            1,
        ),
        (rule.stall_urgency, f"shelved below urgency {rule.stall_urgency:.2f}", "#c1292e", 1),
    )
    for level, text, colour, side in levels:
        figure.add_hline(
            y=level, line_dash="longdash", line_width=1, line_color=colour, row=row, col=col
        )
        figure.add_annotation(
            x=side,
            xref=f"x{axis} domain",
            y=level,
            yref=f"y{axis}",
            text=text,
            showarrow=False,
            xanchor="right" if side else "left",
            yanchor="bottom",
            font={"size": 10, "color": colour},
            bgcolor="rgba(255,255,255,0.7)",
        )


MET_COLOUR = "#2a9d8f"
UNMET_COLOUR = "#e4e7eb"
BLOCKED_COLOUR = "#c1292e"


def rule_conditions(deal: DealResult, rule: DecisionRule) -> list[tuple[str, dict[int, str]]]:
    """The decision rule's conditions (sim.model.decision.is_decided, then the vetoes), each
    with its state every week: 'met', 'not met' or 'blocked' (a veto), and the last lane
    'decide' met in a week when all of them are. Lane names carry the thresholds, rounded."""
    vetoed = {e.week for e in deal.events if e.action == "veto"}
    support = f"support >= {rule.support_threshold:.0%}"
    confidence = f"confidence >= {rule.confidence_threshold:.0%}"
    uncertainty = f"uncertainty <= {display_number(rule.max_uncertainty)}"
    veto = "no veto" if rule.vetoes else "no veto (vetoes off)"
    lanes: dict[str, dict[int, str]] = {
        support: {},
        confidence: {},
        uncertainty: {},
        veto: {},
        "all met: decide": {},
    }
    for c in deal.committee_weekly:
        checks = (
            c.support >= rule.support_threshold,
            c.confidence >= rule.confidence_threshold,
            not math.isnan(c.uncertainty) and c.uncertainty <= rule.max_uncertainty,
        )
        for name, ok in zip((support, confidence, uncertainty), checks, strict=True):
            lanes[name][c.week] = "met" if ok else "not met"
        lanes[veto][c.week] = "blocked" if c.week in vetoed else "met"
        decided = all(checks) and c.week not in vetoed
        lanes["all met: decide"][c.week] = "met" if decided else "not met"
    return list(lanes.items())


def _condition_hover(deal: DealResult, rule: DecisionRule) -> dict[int, str]:
    """Week -> the committee's values against the rule, for the strip's hover."""
    texts = {}
    for c in deal.committee_weekly:
        unsure = "not recorded" if math.isnan(c.uncertainty) else f"{c.uncertainty:.3f}"
        texts[c.week] = (
            f"support {c.support:.0%} (needs {rule.support_threshold:.0%}), confidence "
            f"{c.confidence:.0%} (needs {rule.confidence_threshold:.0%}), supporters' "
            f"remaining uncertainty {unsure} (at most {display_number(rule.max_uncertainty)})"
        )
    return texts


def _rule_traces(deal: DealResult, rule: DecisionRule, legend: bool) -> list[go.Scatter]:
    """The decision rule drawn whole: one lane per condition, a square per week where it is
    met (red where a veto blocked), a star at the first week it is met."""
    hover = _condition_hover(deal, rule)
    traces = []
    styles = (("met", MET_COLOUR, "condition met"), ("blocked", BLOCKED_COLOUR, "vetoed"))
    for state, colour, name in styles:
        points = [
            (week, lane) for lane, weeks in rule_conditions(deal, rule)
            for week, seen in weeks.items() if seen == state
        ]  # fmt: skip
        traces.append(
            go.Scatter(
                x=[w for w, _ in points],
                y=[lane for _, lane in points],
                mode="markers",
                name=name,
                legendgroup=name,
                showlegend=legend and bool(points),
                marker={"symbol": "square", "size": 9, "color": colour},
                customdata=[hover.get(w, "") for w, _ in points],
                hovertemplate="week %{x}: %{y} " + state + "<br>%{customdata}<extra></extra>",
            )
        )
    firsts = [
        (min(w for w, seen in weeks.items() if seen == "met"), lane)
        for lane, weeks in rule_conditions(deal, rule)
        if any(seen == "met" for seen in weeks.values())
    ]
    traces.append(
        go.Scatter(
            x=[w for w, _ in firsts],
            y=[lane for _, lane in firsts],
            mode="markers+text",
            text=[f"week {w}" for w, _ in firsts],
            textposition="middle left",
            textfont={"size": 10, "color": "#1f2933"},
            name="first week met",
            legendgroup="first",
            showlegend=legend and bool(firsts),
            marker={"symbol": "star", "size": 12, "color": "#1f2933"},
            hovertemplate="%{y}: first met in week %{x}<extra></extra>",
        )
    )
    return traces


def _rule_lanes(rule: DecisionRule, deal: DealResult) -> list[str]:
    return list(reversed([lane for lane, _ in rule_conditions(deal, rule)]))


def side_by_side(
    deals: list[DealResult],
    titles: list[str],
    divergence: int | None,
    ongoing: tuple[bool, bool] = (False, False),
    last_week: int | None = None,
    rule: DecisionRule | None = None,
) -> go.Figure:
    """Two deals of the same committee in two columns on one week axis: swimlanes above,
    the committee against the decision rule below, the week their stories diverge shaded."""
    names = [s["name"] for s in deals[0].stakeholders]
    last = last_week or max(d.weeks_simulated for d in deals)
    lanes = 30 * len(names)
    strip = 120 if rule is not None else 0
    figure = make_subplots(
        rows=3 if rule is not None else 2,
        cols=2,
        shared_yaxes=True,
        shared_xaxes=True,
        subplot_titles=titles,
        horizontal_spacing=0.03,
        vertical_spacing=0.05,
        row_heights=[lanes, 170, strip] if rule is not None else [lanes, 170],
    )
    for col, deal in enumerate(deals, start=1):
        for trace in _swimlane_traces(deal, legend=col == 1):
            figure.add_trace(trace, row=1, col=col)
        for trace in _committee_traces(deal, legend=col == 1):
            figure.add_trace(trace, row=2, col=col)
        end, label = _end_label(deal, ongoing[col - 1])
        figure.add_vline(x=end + 0.5, line_dash="dash", line_color="#1f2933", row=1, col=col)
        figure.add_annotation(
            x=end + 0.5,
            y=names[-1],
            text=label,
            showarrow=False,
            row=1,
            col=col,
            bgcolor="white",
            xanchor="right",
            yanchor="top",
            yshift=-8,
        )
        if rule is not None:
            _rule_levels(figure, rule, 2, col, str(2 + col))
            for trace in _rule_traces(deal, rule, legend=col == 1):
                figure.add_trace(trace, row=3, col=col)
        if divergence:
            for row in range(1, 4 if rule is not None else 3):
                figure.add_vrect(
                    x0=divergence - 0.5,
                    x1=divergence + 0.5,
                    fillcolor="#c1292e",
                    opacity=0.15,
                    line_width=0,
                    row=row,
                    col=col,
                )
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=list(reversed(names)),
        range=[-0.6, len(names) - 0.4],
        row=1,
    )
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05], row=2)
    if rule is not None:
        figure.update_yaxes(categoryorder="array", categoryarray=_rule_lanes(rule, deals[0]), row=3)
        figure.update_yaxes(title_text="rule", row=3, col=1)
        figure.update_xaxes(title_text="", row=2)
    figure.update_yaxes(title_text="stakeholder", row=1, col=1)
    figure.update_yaxes(title_text="share", row=2, col=1)
    figure.update_xaxes(**week_axis(last))
    figure.update_xaxes(title_text="", row=1)
    figure.update_layout(
        title={
            "text": f"Shaded: week {divergence}, where the two stories diverge"
            if divergence
            else "The same committee, two sellers",
            "font": {"size": 14, "color": "#c1292e" if divergence else "#1f2933"},
        },
        height=190 + lanes + 170 + strip,
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0, "xanchor": "left"},
        margin={"l": 10, "r": 10, "t": 70, "b": 90},
    )
    return figure


def preferences(
    deal: DealResult, rule: DecisionRule | None = None, last_week: int | None = None
) -> go.Figure:
    """Each stakeholder's favourite option over weeks (marker size: confidence), and the
    committee's support for its leading option, confidence and urgency, with the decision
    rule's levels drawn beside them: where support and confidence must reach to decide, and
    where urgency falls so low that the purchase is shelved."""
    labels = deal.option_labels
    colours = option_colours(deal)
    names = [s["name"] for s in deal.stakeholders]
    lanes = 30 * len(names)
    strip = 130 if rule is not None else 0
    figure = make_subplots(
        rows=3 if rule is not None else 2,
        cols=1,
        shared_xaxes=True,
        row_heights=[lanes, 200, strip] if rule is not None else [lanes, 200],
        vertical_spacing=0.08,
        subplot_titles=(
            "favourite option of each stakeholder",
            "the committee",
            "the decision rule, week by week: a purchase needs every condition in one week",
        ),
    )
    for option, label in labels.items():
        states = [s for s in deal.weekly if s.preferred == option]
        if not states:
            continue
        figure.add_trace(
            go.Scatter(
                x=[s.week for s in states],
                y=[s.stakeholder for s in states],
                mode="markers",
                name=label,
                legendgroup="options",
                marker={
                    "color": colours[option],
                    "size": [5 + 10 * s.confidence for s in states],
                    "symbol": "circle",
                },
                customdata=[[s.confidence, s.fatigue] for s in states],
                hovertemplate=f"%{{y}}, week %{{x}}: favours {label}<br>"
                "confidence %{customdata[0]:.0%}, fatigue %{customdata[1]:.2f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for trace in _committee_traces(deal, legend=True):
        figure.add_trace(trace, row=2, col=1)
    if rule is not None:
        _rule_levels(figure, rule, 2, 1, "2")
        for trace in _rule_traces(deal, rule, legend=True):
            figure.add_trace(trace, row=3, col=1)
        figure.update_yaxes(
            categoryorder="array",
            categoryarray=_rule_lanes(rule, deal),
            title_text="rule",
            row=3,
            col=1,
        )
        figure.update_xaxes(title_text="", row=2, col=1)
    figure.update_yaxes(
        title_text="stakeholder",
        categoryorder="array",
        categoryarray=list(reversed(names)),
        row=1,
        col=1,
    )
    figure.update_yaxes(title_text="share", tickformat=".0%", range=[0, 1.05], row=2, col=1)
    figure.update_xaxes(**week_axis(last_week or deal.weeks_simulated))
    figure.update_xaxes(title_text="", row=1, col=1)
    figure.update_layout(
        height=220 + lanes + 200 + strip,
        legend=TOP_LEGEND,
        margin={"l": 10, "r": 10, "t": 80, "b": 40},
    )
    return figure
