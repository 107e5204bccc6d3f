"""Figures of one deal: stakeholder swimlanes by job, who favours what, committee consensus."""

from __future__ import annotations

from collections import defaultdict

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.model.result import DealResult, Event
from sim.story import cell_words, source_words

JOB_COLOURS = {"seek": "#3e7cb1", "validate": "#f0a202", "align": "#2a9d8f", "idle": "#d9e2ec"}
JOB_LABELS = {"seek": "seek", "validate": "validate", "align": "align", "idle": "idle"}
OPTION_PALETTE = ["#7b8794", "#c1292e", "#235789", "#6a4c93", "#8ac926", "#ff9f1c"]


def option_colours(deal: DealResult) -> dict[str, str]:
    return {
        option: OPTION_PALETTE[i % len(OPTION_PALETTE)]
        for i, option in enumerate(deal.option_labels)
    }


def _event_text(event: Event, labels: dict[str, str]) -> str:
    if event.action == "seek":
        return f"sought {cell_words(event.target, labels)} via {source_words(event.effect, labels)}"
    if event.action == "validate":
        verdict, _, source = event.effect.partition(":")
        about, where = cell_words(event.target, labels), source_words(source, labels)
        return f"{verdict} a claim on {about} from {where}"
    if event.action == "align":
        return f"{event.effect} with {event.target}"
    if event.action == "forward":
        return f"passed the seller's claim on to {event.target}"
    return f"{event.action}: {event.effect}"


def hover_texts(deal: DealResult) -> dict[tuple[int, str], list[str]]:
    """(week, stakeholder) -> what the event log says they did and met."""
    texts: dict[tuple[int, str], list[str]] = defaultdict(list)
    labels = deal.option_labels
    for event in deal.events:
        if event.action == "seller":
            for name in event.target.split(", "):
                texts[event.week, name].append(f"{event.actor}: {event.effect}")
        else:
            texts[event.week, event.actor].append(_event_text(event, labels))
    return texts


def _hover(lines: list[str]) -> str:
    shown = lines[:6] + ([f"... and {len(lines) - 6} more"] if len(lines) > 6 else [])
    return "<br>".join(shown)


def timeline(deal: DealResult, title: str = "", ongoing: bool = False) -> go.Figure:
    """Swimlanes: one row per stakeholder, one cell per week coloured by its main job;
    seller meetings marked; the decision (or the horizon, or for a deal being played back
    the current week) as a vertical line."""
    names = [s["name"] for s in deal.stakeholders]
    texts = hover_texts(deal)
    figure = go.Figure()
    for job, colour in JOB_COLOURS.items():
        states = [s for s in deal.weekly if s.job == job]
        if not states:
            continue
        figure.add_trace(
            go.Scatter(
                x=[s.week for s in states],
                y=[s.stakeholder for s in states],
                mode="markers",
                name=JOB_LABELS[job],
                marker={"symbol": "square", "size": 11, "color": colour},
                hovertemplate="%{y}, week %{x}<br>%{customdata}<extra>" + job + "</extra>",
                customdata=[
                    f"{s.hours_seek:.0f} h seek, {s.hours_validate:.0f} h validate, "
                    f"{s.hours_align:.0f} h align ({s.hours_with_sellers:.0f} h with sellers)<br>"
                    + _hover(texts.get((s.week, s.stakeholder), []))
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
        figure.add_trace(
            go.Scatter(
                x=[t[0] for t in touches],
                y=[t[1] for t in touches],
                mode="markers",
                name="seller touch",
                marker={
                    "symbol": "diamond-open",
                    "size": 9,
                    "color": "#1f2933",
                    "line": {"width": 1.5},
                },
                customdata=[f"{t[2]}: {t[3]}" for t in touches],
                hovertemplate="%{y}, week %{x}<br>%{customdata}<extra>seller</extra>",
            )
        )
    end = deal.cycle_weeks or deal.weeks_simulated
    if ongoing:
        label = f"week {end}"
    else:
        label = deal.outcome.value.replace("_", " ") if deal.cycle_weeks else "horizon (open)"
    figure.add_vline(x=end + 0.5, line_dash="dash", line_color="#c1292e")
    figure.add_annotation(x=end + 0.5, y=1.02, yref="paper", text=label, showarrow=False)
    figure.update_layout(
        title=title or "Who worked on which buying job, week by week",
        xaxis_title="week",
        yaxis_title="stakeholder",
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(names))},
        height=140 + 34 * len(names),
        legend_title_text="main job of the week",
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
    )
    return figure


def preferences(deal: DealResult) -> go.Figure:
    """Each stakeholder's favourite option over weeks (marker size: confidence), and the
    committee's support for its leading option, confidence and urgency."""
    labels = deal.option_labels
    colours = option_colours(deal)
    names = [s["name"] for s in deal.stakeholders]
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.62, 0.38],
        vertical_spacing=0.08,
        subplot_titles=("favourite option of each stakeholder", "the committee"),
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
    committee = deal.committee_weekly
    weeks = [c.week for c in committee]
    figure.add_trace(
        go.Scatter(
            x=weeks,
            y=[c.support for c in deal.committee_weekly],
            name="support for the leading option",
            mode="lines+markers",
            line={"color": "#235789"},
            customdata=[
                labels.get(c.leading_option, c.leading_option) for c in deal.committee_weekly
            ],
            hovertemplate="week %{x}: %{y:.0%} behind %{customdata}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    for values, name, colour, dash, shown in (
        ([c.confidence for c in committee], "supporters' confidence", "#f0a202", "dot", ".0%"),
        ([c.urgency for c in committee], "urgency", "#c1292e", "dash", ".2f"),
    ):
        figure.add_trace(
            go.Scatter(
                x=weeks,
                y=values,
                name=name,
                mode="lines",
                line={"color": colour, "dash": dash},
                hovertemplate=f"week %{{x}}: {name} %{{y:{shown}}}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    figure.update_yaxes(
        title_text="stakeholder",
        categoryorder="array",
        categoryarray=list(reversed(names)),
        row=1,
        col=1,
    )
    figure.update_yaxes(title_text="share (0-1)", range=[0, 1.05], row=2, col=1)
    figure.update_xaxes(title_text="week", row=2, col=1)
    figure.update_layout(
        height=260 + 34 * len(names) + 220, margin={"l": 10, "r": 10, "t": 60, "b": 40}
    )
    return figure
