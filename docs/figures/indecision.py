"""Regenerate the indecision figures of docs/ODD.md (4.12):
`.venv/bin/python docs/figures/indecision.py [--committees 400]`.

The committee on its own (no sellers) under the scenario defaults, one setting changed at a
time, the same seeds for every setting (common random numbers):

1. `indecision-sources.svg`: how deals end as each of JOLT's three sources of indecision grows:
   the valuation problem (how many equally good vendors there are to choose from, and how
   much better our product truly is than the rival's), lack of
   information (the prior uncertainty about every vendor criterion) and outcome uncertainty
   (the committee's risk aversion);
2. `indecision-conflict.svg`: weeks to a purchase and to any ending, clashes a week and how
   deals end, by the spread of priorities (`committee.divergence`);
3. `indecision-size.svg`: purchases within six months by committee size (1-10), beside CEB's
   published 81 % (one decision maker) and 31 % (six).

It writes the numbers, and the default settings they were measured under, to
`docs/figures/indecision.json`, and prints them as Markdown tables.
SVG comes from Plotly's own `toImage` run in headless Debian Chromium (Playwright, as
docs/screenshot.py), so no image-export package is needed. About two minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io
from plotly.subplots import make_subplots

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sim.config import Scenario  # noqa: E402
from sim.model import DealResult, simulate  # noqa: E402
from sim.model.committee import draw_committee  # noqa: E402

IMAGES = REPO / "docs" / "img"
NUMBERS = Path(__file__).with_suffix(".json")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

SIX_MONTHS = 26
"""Weeks in six months: CEB's purchase rates by committee size are within about that."""
CEB_PURCHASE = {1: 0.81, 6: 0.31}
"""CEB (Schmidt, Adamson & Bird, HBR 2015): likelihood of purchase, one decision maker against
six. Shown beside the model's figure, never fitted."""

OUR_QUALITY = {
    "business_value": 0.65,
    "functional_fit": 0.62,
    "risk_security": 0.58,
    "implementation_effort": 0.55,
    "cost": 0.5,
}
OUTCOMES = {
    "bought": ("a purchase", "#2a9d8f"),
    "status_quo": ("no decision: status quo", "#e9c46a"),
    "stalled": ("no decision: stalled", "#e76f51"),
    "open": ("open at the horizon", "#adb5bd"),
}


@dataclass(frozen=True, slots=True)
class Point:
    """What `committees` deals did under one setting."""

    label: str
    value: float
    committees: int
    bought: float
    status_quo: float
    stalled: float
    stalled_by_conflict: float
    open: float
    bought_in_six_months: float
    bought_in_six_months_low: float
    bought_in_six_months_high: float
    purchase_weeks_median: float
    purchase_weeks_q1: float
    purchase_weeks_q3: float
    ending_weeks_median: float
    clashes_per_week: float
    confidence_week_4: float
    weeks_blocked_by_uncertainty: float
    regret_degree: float
    priority_spread: float


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's 95 % interval of a proportion (stays inside [0, 1] near the ends)."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def priority_spread(scenario: Scenario, committees: int) -> float:
    """Mean half-L1 distance between two members' starting priorities (0 identical, 1
    disjoint): what `committee.divergence` does to the room, measured."""
    distances = []
    for seed in range(committees):
        members = draw_committee(scenario, np.random.default_rng(seed))
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                distances.append(
                    0.5 * sum(abs(x - y) for x, y in zip(a.priorities, b.priorities, strict=True))
                )
    return statistics.fmean(distances) if distances else 0.0


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def _quantile(values: list[float], q: float) -> float:
    return float(np.quantile(values, q)) if values else math.nan


def measure(label: str, value: float, sections: dict[str, Any], committees: int) -> Point:
    scenario = Scenario.model_validate({"name": "indecision", **sections})
    limit = scenario.decision.max_uncertainty
    deals: list[DealResult] = [simulate(scenario, seed) for seed in range(committees)]
    bought = [d for d in deals if d.outcome.value in ("won", "lost")]
    ended = [d for d in deals if d.outcome.value != "open"]
    in_six = sum(d.cycle_weeks <= SIX_MONTHS for d in bought)
    low, high = wilson(in_six, committees)
    purchase_weeks = [float(d.cycle_weeks) for d in bought]
    week_4 = [d.committee_weekly[min(4, len(d.committee_weekly)) - 1] for d in deals]
    return Point(
        label=label,
        value=value,
        committees=committees,
        bought=len(bought) / committees,
        status_quo=sum(d.no_decision_cause == "status_quo" for d in deals) / committees,
        stalled=sum(d.no_decision_cause == "stalled" for d in deals) / committees,
        stalled_by_conflict=sum(d.stall_reason == "conflict" for d in deals) / committees,
        open=sum(d.outcome.value == "open" for d in deals) / committees,
        bought_in_six_months=in_six / committees,
        bought_in_six_months_low=low,
        bought_in_six_months_high=high,
        purchase_weeks_median=_quantile(purchase_weeks, 0.5),
        purchase_weeks_q1=_quantile(purchase_weeks, 0.25),
        purchase_weeks_q3=_quantile(purchase_weeks, 0.75),
        ending_weeks_median=_quantile([float(d.cycle_weeks) for d in ended], 0.5),
        clashes_per_week=_mean([d.conflicts / d.weeks_simulated for d in deals]),
        confidence_week_4=_mean([w.confidence for w in week_4]),
        weeks_blocked_by_uncertainty=_mean(
            [_mean([w.uncertainty > limit for w in d.committee_weekly]) for d in deals]
        ),
        regret_degree=_mean([d.regret_degree for d in bought if d.regret_degree is not None]),
        priority_spread=priority_spread(scenario, min(committees, 200)),
    )


def rival_below_ours_by(gap: float) -> dict[str, Any]:
    rival = {criterion: quality - gap for criterion, quality in OUR_QUALITY.items()}
    return {"options": {"vendors": {"ours": {"quality": OUR_QUALITY}, "rival": {"quality": rival}}}}


def equally_good_vendors(count: float) -> dict[str, Any]:
    names = ["ours", *(f"rival_{i}" for i in range(1, int(count)))]
    return {"options": {"vendors": {name: {"quality": OUR_QUALITY} for name in names}}}


SOURCES: dict[str, tuple[str, list[float], Callable[[float], dict[str, Any]]]] = {
    "options": (
        "valuation problem: equally good vendors",
        [1, 2, 3, 4, 5],
        equally_good_vendors,
    ),
    "valuation": (
        "valuation problem: rival's true quality below ours",
        [0.2, 0.15, 0.1, 0.05, 0.0],
        rival_below_ours_by,
    ),
    "information": (
        "lack of information: prior sd of every vendor criterion",
        [0.1, 0.175, 0.25, 0.325, 0.4],
        lambda sd: {"behaviour": {"prior_sd": sd}},
    ),
    "outcome": (
        "outcome uncertainty: risk aversion scale",
        [0.25, 0.75, 1.25, 2.0, 3.0],
        lambda scale: {"committee": {"risk_aversion_scale": scale}},
    ),
}
"""Each source from least to most indecision."""
AXES = {
    "options": "vendors",
    "valuation": "rival's quality below ours",
    "information": "prior sd",
    "outcome": "risk aversion scale",
}
"""The x-axis of each source's panel."""
SPREADS = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0]
SIZES = list(range(1, 11))


def run_all(committees: int) -> dict[str, list[Point]]:
    results: dict[str, list[Point]] = {}
    for key, (title, values, sections) in SOURCES.items():
        results[key] = [measure(title, v, sections(v), committees) for v in values]
        print(f"  {key} done", file=sys.stderr)
    results["spread"] = [
        measure("divergence", v, {"committee": {"divergence": v}}, committees) for v in SPREADS
    ]
    print("  spread done", file=sys.stderr)
    results["size"] = [
        measure("committee size", n, {"committee": {"size": n}}, committees) for n in SIZES
    ]
    print("  size done", file=sys.stderr)
    return results


# ---- figures --------------------------------------------------------------------------------

LAYOUT = {
    "template": "plotly_white",
    "font": {"family": "DejaVu Sans, Arial, sans-serif", "size": 13},
    "margin": {"l": 70, "r": 30, "t": 80, "b": 70},
}


def sources_figure(results: dict[str, list[Point]]) -> go.Figure:
    keys = list(SOURCES)
    figure = make_subplots(
        rows=1,
        cols=len(keys),
        shared_yaxes=True,
        subplot_titles=[SOURCES[k][0].replace(": ", ":<br>") for k in keys],
        horizontal_spacing=0.05,
    )
    for column, key in enumerate(keys, start=1):
        points = results[key]
        ticks = [f"{p.value:g}" for p in points]
        for field, (name, colour) in OUTCOMES.items():
            figure.add_bar(
                x=ticks,
                y=[getattr(p, field) for p in points],
                name=name,
                marker_color=colour,
                legendgroup=field,
                showlegend=column == 1,
                row=1,
                col=column,
            )
        figure.update_xaxes(title_text=AXES[key], row=1, col=column)
    figure.update_layout(
        barmode="stack",
        title="How deals end as each source of indecision grows (left to right in each panel)",
        legend={"orientation": "h", "y": -0.25},
        **LAYOUT,
    )
    figure.update_layout(margin={"t": 120})
    figure.update_yaxes(title_text="share of committees", tickformat=".0%", row=1, col=1)
    return figure


def conflict_figure(results: dict[str, list[Point]]) -> go.Figure:
    points = results["spread"]
    ticks = [f"{p.value:g} ({p.priority_spread:.2f})" for p in points]
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["weeks to the end of the deal", "clashes a week and how deals end"],
        specs=[[{}, {"secondary_y": True}]],
        horizontal_spacing=0.12,
    )
    figure.add_scatter(
        x=ticks,
        y=[p.purchase_weeks_median for p in points],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [p.purchase_weeks_q3 - p.purchase_weeks_median for p in points],
            "arrayminus": [p.purchase_weeks_median - p.purchase_weeks_q1 for p in points],
        },
        name="purchases: median week (quartiles)",
        mode="lines+markers",
        row=1,
        col=1,
    )
    figure.add_scatter(
        x=ticks,
        y=[p.ending_weeks_median for p in points],
        name="every ended deal: median week",
        mode="lines+markers",
        row=1,
        col=1,
    )
    for field in ("bought", "stalled"):
        name, colour = OUTCOMES[field]
        figure.add_bar(
            x=ticks,
            y=[getattr(p, field) for p in points],
            name=name,
            marker_color=colour,
            row=1,
            col=2,
        )
    figure.add_scatter(
        x=ticks,
        y=[p.clashes_per_week for p in points],
        name="clashes a week",
        mode="lines+markers",
        line={"color": "#264653"},
        row=1,
        col=2,
        secondary_y=True,
    )
    xtitle = "divergence (mean distance between two members' priorities)"
    figure.update_xaxes(title_text=xtitle)
    figure.update_yaxes(title_text="week", rangemode="tozero", row=1, col=1)
    figure.update_yaxes(
        title_text="share of committees", tickformat=".0%", row=1, col=2, secondary_y=False
    )
    figure.update_yaxes(
        title_text="clashes a week", tickformat=".1f", rangemode="tozero", secondary_y=True
    )
    figure.update_layout(
        title="Conflicting priorities: the spread of members' priorities",
        barmode="group",
        legend={"orientation": "h", "y": -0.3},
        **LAYOUT,
    )
    return figure


def size_figure(results: dict[str, list[Point]]) -> go.Figure:
    points = results["size"]
    figure = go.Figure()
    figure.add_scatter(
        x=[p.value for p in points],
        y=[p.bought_in_six_months for p in points],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [p.bought_in_six_months_high - p.bought_in_six_months for p in points],
            "arrayminus": [p.bought_in_six_months - p.bought_in_six_months_low for p in points],
        },
        mode="lines+markers",
        name="model: purchase within 26 weeks (95 % interval)",
    )
    figure.add_scatter(
        x=list(CEB_PURCHASE),
        y=list(CEB_PURCHASE.values()),
        mode="markers",
        marker={"symbol": "diamond", "size": 13, "color": "#e76f51"},
        name="CEB (HBR 2015): likelihood of purchase",
    )
    figure.update_layout(
        title="Purchases within six months by committee size (no seller)",
        xaxis={"title": "stakeholders in the committee", "dtick": 1},
        yaxis={"title": "share of committees", "tickformat": ".0%", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
        **LAYOUT,
    )
    return figure


def write_svgs(figures: dict[str, go.Figure]) -> None:
    """Each figure as SVG through Plotly.toImage in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page()
            for name, figure in figures.items():
                page.set_content(plotly.io.to_html(figure, include_plotlyjs=True, full_html=True))
                url = page.evaluate(
                    "() => Plotly.toImage(document.querySelector('.plotly-graph-div'),"
                    " {format: 'svg', width: 1200, height: 560})"
                )
                svg = urllib.parse.unquote(url.split(",", 1)[1])
                (IMAGES / f"{name}.svg").write_text(svg, encoding="utf-8")
                print(f"wrote docs/img/{name}.svg", file=sys.stderr)
        finally:
            browser.close()


# ---- tables ---------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.0f} %"


def _num(x: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(x) else f"{x:.{digits}f}"


def tables(results: dict[str, list[Point]]) -> str:
    lines = []
    for key in SOURCES:
        lines += [
            f"\n{SOURCES[key][0]}\n",
            "| setting | purchase | status quo | stalled | open | confidence wk 4 "
            "| weeks blocked by uncertainty | median weeks to a purchase |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {p.value:g} | {_pct(p.bought)} | {_pct(p.status_quo)} | {_pct(p.stalled)} "
            f"| {_pct(p.open)} | {_num(p.confidence_week_4, 3)} "
            f"| {_pct(p.weeks_blocked_by_uncertainty)} | {_num(p.purchase_weeks_median)} |"
            for p in results[key]
        ]
    lines += [
        "\nspread of priorities (committee.divergence)\n",
        "| divergence | priority distance | clashes/week | purchase | stalled (by conflict) "
        "| median weeks to a purchase [q1, q3] | median weeks to any end | regret degree |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {p.value:g} | {p.priority_spread:.3f} | {p.clashes_per_week:.2f} | {_pct(p.bought)} "
        f"| {_pct(p.stalled)} ({_pct(p.stalled_by_conflict)}) | {_num(p.purchase_weeks_median)} "
        f"[{_num(p.purchase_weeks_q1)}, {_num(p.purchase_weeks_q3)}] "
        f"| {_num(p.ending_weeks_median)} | {_num(p.regret_degree, 3)} |"
        for p in results["spread"]
    ]
    lines += [
        "\ncommittee size\n",
        "| size | purchase within 26 weeks [95 %] | any purchase | status quo | stalled "
        "| clashes/week |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {p.value:g} | {_pct(p.bought_in_six_months)} [{_pct(p.bought_in_six_months_low)}, "
        f"{_pct(p.bought_in_six_months_high)}] | {_pct(p.bought)} | {_pct(p.status_quo)} "
        f"| {_pct(p.stalled)} | {p.clashes_per_week:.2f} |"
        for p in results["size"]
    ]
    return "\n".join(lines)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """NaN (no purchase to measure) as null: JSON has no NaN."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--committees", type=int, default=400, help="committees per setting")
    parser.add_argument("--no-images", action="store_true", help="numbers only, no SVG")
    arguments = parser.parse_args()
    results = run_all(arguments.committees)
    world = Scenario().model_dump(
        mode="json", include={"account", "decision", "behaviour", "committee", "information"}
    )
    world["committee"] = {k: world["committee"][k] for k in ("divergence", "risk_aversion_scale")}
    numbers: dict[str, Any] = {"committees": arguments.committees, "defaults": world}
    numbers |= {key: [_plain(asdict(p)) for p in points] for key, points in results.items()}
    NUMBERS.write_text(json.dumps(numbers, indent=1) + "\n", encoding="utf-8")
    print(tables(results))
    if not arguments.no_images:
        write_svgs(
            {
                "indecision-sources": sources_figure(results),
                "indecision-conflict": conflict_figure(results),
                "indecision-size": size_figure(results),
            }
        )


if __name__ == "__main__":
    main()
