"""Scenario discovery for a room: each box as a plain sentence, the sampled worlds coloured
by who leads, and what drives the difference. One offline HTML page (`sim.report.page`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from sim.analysis.discovery import NEITHER, Box, Interval, Limit
from sim.config.labels import display_number
from sim.config.uncertainties import BASIS_WORDS, label
from sim.report.page import Page, Section
from sim.report.palette import SPARE_COLOURS, STATUS_QUO_COLOUR, strategy_colour, strategy_words

if TYPE_CHECKING:
    from sim.workflow.discover import Discovery

PARALLEL_AXES = 6
"""Uncertainties on the parallel-coordinates view: the highest feature scores."""


def points(value: float) -> str:
    """A difference in win rate as percentage points: 0.087 -> '9 points'."""
    shown = round(value * 100)
    return f"{shown} point{'s' if abs(shown) != 1 else ''}"


def interval_words(interval: Interval) -> str:
    if math.isnan(interval.low):
        return "no interval"
    return f"95 % interval {round(interval.low * 100):+d} to {round(interval.high * 100):+d}"


def limit_words(path: str, limit: Limit) -> str:
    """'our product's functional fit is at least 0.61'."""
    name = label(path)
    if limit.values is not None:
        shown = " or ".join(strategy_words(str(v)) for v in limit.values)
        return f"{name} is {shown}"
    if limit.low is not None and limit.high is not None:
        return f"{name} is between {display_number(limit.low)} and {display_number(limit.high)}"
    if limit.low is not None:
        return f"{name} is at least {display_number(limit.low)}"
    return f"{name} is no more than {display_number(limit.high or 0.0)}"


def conditions(box: Box) -> str:
    parts = [limit_words(path, limit) for path, limit in box.limits.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def box_sentence(box: Box, discovery: Discovery) -> str:
    """The box in words, with how many plausible worlds it covers and the hold-out check."""
    found = box.found
    share = f"{found.mass:.0%} of plausible worlds"
    if box.policy == NEITHER:
        first = discovery.policies[0]
        text = (
            f"Neither strategy leads by {points(discovery.threshold)} when {conditions(box)}: "
            f"{share} (there the {strategy_words(first)} is {_signed(found.lead.mean)} on "
            f"average, {interval_words(found.lead)})"
        )
    else:
        text = (
            f"The {strategy_words(box.policy)} leads by about {points(found.lead.mean)} "
            f"({interval_words(found.lead)}) when {conditions(box)}: {share}"
        )
    return text + "; " + hold_out_words(box) + "."


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else '-'}{points(abs(value))}"


def hold_out_words(box: Box) -> str:
    check = box.hold_out
    if check is None or box.holds is None:
        return "too few fresh worlds fell in this box to check it"
    verdict = "it holds" if box.holds else "it does not hold"
    lead = (
        f", a lead of {_signed(check.lead.mean)} ({interval_words(check.lead)})"
        if box.policy != NEITHER
        else ""
    )
    return (
        f"on fresh worlds and committees {check.worlds} fell in it, {check.density:.0%} of them "
        f"{'without a leader' if box.policy == NEITHER else 'led by it'} (against "
        f"{check.share:.0%} overall){lead}: {verdict}"
    )


def summary_lines(discovery: Discovery) -> list[str]:
    """What a trainer reads first: the overall lead, who leads how often, each box."""
    policies = discovery.policies
    overall = discovery.findings.overall
    winners = discovery.findings.leads.winner.value_counts(normalize=True)
    lines = [
        f"{discovery.samples} plausible worlds (a Latin hypercube over "
        f"{len(discovery.uncertainties)} uncertain settings of buyers, products and the "
        f"market), each with the {' and the '.join(strategy_words(p) for p in policies)} on "
        f"the same {discovery.replications} committees; a strategy leads a world when it wins "
        f"at least {points(discovery.threshold)} more of our deals there."
    ]
    if len(policies) == 2:
        second = policies[1]
        lines.append(
            f"Averaged over all of them, the {strategy_words(second)} wins "
            f"{_signed(overall[second].mean)} against the {strategy_words(policies[0])} "
            f"({interval_words(overall[second])})."
        )
    shares = ", ".join(f"the {strategy_words(p)} in {winners.get(p, 0.0):.0%}" for p in policies)
    lines.append(f"Who leads: {shares}; neither in {winners.get(NEITHER, 0.0):.0%}.")
    if discovery.boxes:
        lines += [box_sentence(box, discovery) for box in discovery.boxes]
    else:
        lines.append("No box stands out: no region of the plausible worlds is clearly denser.")
    if discovery.warning:
        lines.append("Note: " + discovery.warning)
    return lines


def winner_colours(discovery: Discovery) -> dict[str, str]:
    colours = {p: strategy_colour(p, i) for i, p in enumerate(discovery.policies)}
    return {**colours, NEITHER: STATUS_QUO_COLOUR}


def top_uncertainties(discovery: Discovery, count: int) -> list[str]:
    scores = discovery.findings.scores
    return [str(name) for name in scores.index[:count]]


def parallel_view(discovery: Discovery) -> go.Figure:
    """Every sampled world as a line across the most important uncertainties, coloured by
    who leads there."""
    worlds = discovery.worlds
    classes = [*discovery.policies, NEITHER]
    colours = winner_colours(discovery)
    code = discovery.findings.leads.winner.map({c: i for i, c in enumerate(classes)})
    steps = len(classes)
    scale = []
    for i, c in enumerate(classes):
        scale += [(i / steps, colours[c]), ((i + 1) / steps, colours[c])]
    dimensions = []
    for path in top_uncertainties(discovery, PARALLEL_AXES):
        column = worlds[path]
        if column.dtype == object:
            levels = list(dict.fromkeys(column))
            dimensions.append(
                {
                    "label": label(path),
                    "values": column.map({v: i for i, v in enumerate(levels)}).to_numpy(),
                    "tickvals": list(range(len(levels))),
                    "ticktext": [strategy_words(str(v)) for v in levels],
                }
            )
        else:
            dimensions.append({"label": label(path), "values": column.to_numpy(dtype=float)})
    figure = go.Figure(
        go.Parcoords(
            line={
                "color": code.to_numpy(dtype=float),
                "colorscale": scale,
                "cmin": 0,
                "cmax": steps,
            },
            dimensions=dimensions,
        )
    )
    legend = ", ".join(f"{colours[c]}: {_class_words(c)}" for c in classes)
    figure.update_layout(height=480, margin={"l": 80, "r": 80, "t": 60, "b": 40}, title=legend)
    return figure


def _class_words(cls: str) -> str:
    return "neither leads" if cls == NEITHER else f"{strategy_words(cls)} leads"


def scatter_view(discovery: Discovery) -> go.Figure:
    """The worlds over the two most important uncertainties, one colour per leader, with
    each box's limits on those two drawn as a rectangle."""
    x_path, y_path = [*top_uncertainties(discovery, 2), None, None][:2]
    worlds = discovery.worlds
    winner = discovery.findings.leads.winner
    figure = go.Figure()
    colours = winner_colours(discovery)
    for cls in [*discovery.policies, NEITHER]:
        chosen = (winner == cls).to_numpy()
        figure.add_scatter(
            x=worlds[x_path][chosen],
            y=worlds[y_path][chosen] if y_path else np.zeros(int(chosen.sum())),
            mode="markers",
            name=_class_words(cls),
            marker={"color": colours[cls], "size": 7, "opacity": 0.8},
        )
    for number, box in enumerate(discovery.boxes):
        edges = {}
        for axis, path in (("x", x_path), ("y", y_path)):
            limit = box.limits.get(path) if path else None
            if limit is not None and limit.values is None:
                edges[axis] = (limit.low, limit.high)
        if not edges:
            continue
        x0, x1 = edges.get("x", (None, None))
        y0, y1 = edges.get("y", (None, None))
        figure.add_shape(
            type="rect",
            xref="x",
            yref="y",
            x0=x0 if x0 is not None else worlds[x_path].min(),
            x1=x1 if x1 is not None else worlds[x_path].max(),
            y0=y0 if y0 is not None else (worlds[y_path].min() if y_path else -1),
            y1=y1 if y1 is not None else (worlds[y_path].max() if y_path else 1),
            line={"color": colours[box.policy], "width": 2, "dash": "dash"},
            name=f"box {number + 1}",
        )
    figure.update_layout(
        height=480,
        xaxis_title=label(x_path) if x_path else "",
        yaxis_title=label(y_path) if y_path else "",
        legend_title="in this world",
    )
    return figure


def scores_view(discovery: Discovery) -> go.Figure:
    scores = discovery.findings.scores
    figure = go.Figure()
    for i, column in enumerate(scores.columns):
        ordered = scores[column].sort_values()
        figure.add_bar(
            y=[label(str(p)) for p in ordered.index],
            x=ordered.to_numpy(),
            orientation="h",
            name=f"{strategy_words(str(column))}'s lead",
            marker_color=SPARE_COLOURS[i % len(SPARE_COLOURS)] if i else "#486581",
        )
    figure.update_layout(
        height=max(360, 22 * len(scores)),
        xaxis_title="feature score (extra trees; sums to 1)",
        margin={"l": 300},
    )
    return figure


def discover_report(discovery: Discovery) -> Page:
    """The whole page: summary sentences, the boxes, both views, scores, the uncertainties."""
    page = Page(
        f"{discovery.scenario.name}: when does each strategy win?", summary_lines(discovery)
    )
    page.add(
        Section(
            "Where each strategy leads",
            "Boxes found by PRIM (EMA Workbench) over the uncertain settings: where one "
            "strategy leads our deals won by the threshold, or neither does. Coverage: share "
            "of such worlds inside the box; density: share of the box's worlds that are such; "
            "mass: share of all plausible worlds in the box. Each box is checked again on "
            "fresh worlds and fresh committees.",
            table=[(f"box {i + 1}", _box_row(box)) for i, box in enumerate(discovery.boxes)]
            or [("no box", "no region stands out")],
        )
    )
    page.add(
        Section(
            "The sampled worlds, by who leads",
            "Each line is one plausible world across the uncertainties that matter most; its "
            "colour says who leads there. Drag along an axis to pick a range.",
            figure=parallel_view(discovery),
        )
    )
    page.add(
        Section(
            "The two settings that matter most",
            "Each dot is a world; dashed rectangles are the boxes' limits on these two "
            "settings (a box may restrict others too).",
            figure=scatter_view(discovery),
        )
    )
    page.add(
        Section(
            "What drives the difference",
            "Feature scores (extra trees, EMA Workbench): how much each setting explains of "
            "the difference in deals won between the strategies, across all worlds.",
            figure=scores_view(discovery),
        )
    )
    page.add(
        Section(
            "The uncertain settings and their plausible ranges",
            "Sampled uniformly (Latin hypercube) over these ranges; where each range comes "
            "from is said beside it. Everything else is the scenario's.",
            table=[
                (
                    label(s.path),
                    f"{s.path}: {s.range_text()} ({BASIS_WORDS[s.basis]}: {s.reason})",
                )
                for s in discovery.uncertainties
            ],
        )
    )
    page.footer = (
        f"Made with b2bsim discover: {discovery.samples} worlds x {discovery.replications} "
        f"committees x {len(discovery.policies)} strategies, seed {discovery.seed}, "
        f"{discovery.runs:,} deals. Figures are interactive."
    )
    return page


def _box_row(box: Box) -> str:
    found = box.found
    lead = f"{_signed(found.lead.mean)} ({interval_words(found.lead)})"
    limits = "; ".join(limit_words(p, v) for p, v in box.limits.items())
    checked = hold_out_words(box)
    return (
        f"{_class_words(box.policy)} when {limits}. Coverage {found.coverage:.0%}, density "
        f"{found.density:.0%}, mass {found.mass:.0%}, lead {lead}; {checked}."
    )
