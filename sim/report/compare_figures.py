"""Figures comparing seller strategies on the same committees."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.analysis.survival import ENDINGS, cumulative_incidence
from sim.model.metrics import JOB_MOVES, JOB_NAMES
from sim.report.palette import (
    JOB_COLOURS,
    fill,
    strategy_colour,
    strategy_label,
    strategy_words,
)

ENDING_WORDS = {"won": "won", "lost": "lost to a competitor", "no_decision": "no decision"}
SHORT_JOB_WORDS = {"seek": "seeking", "validate": "validating", "align": "aligning"}
OUTCOME_WORDS = {
    "won": "won",
    "lost": "lost to a competitor",
    "no_decision": "no decision",
    "no_decision_status_quo": "no decision: status quo",
    "no_decision_stalled": "no decision: stalled",
    "open": "still open",
    "high_quality": "high-quality purchase (committee, any vendor)",
    "our_high_quality": "our high-quality wins",
}
OUTCOME_BARS = [
    ("won", "won"),
    ("lost", "lost to a competitor"),
    ("no_decision_status_quo", "no decision: status quo"),
    ("no_decision_stalled", "no decision: stalled"),
    ("open", "open at the horizon"),
]


def outcome_mix(summary: pd.DataFrame) -> go.Figure:
    """Share of deals ending each way, per strategy, with 95% intervals."""
    figure = go.Figure()
    for i, row in enumerate(summary.to_dict("records")):
        values = [row[key] for key, _ in OUTCOME_BARS]
        figure.add_trace(
            go.Bar(
                name=strategy_label(row["strategy"]),
                x=[label for _, label in OUTCOME_BARS],
                y=values,
                marker_color=strategy_colour(row["strategy"], i),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [row[f"{k}_high"] - row[k] for k, _ in OUTCOME_BARS],
                    "arrayminus": [row[k] - row[f"{k}_low"] for k, _ in OUTCOME_BARS],
                },
                hovertemplate="%{x}: %{y:.1%}<extra>" + row["strategy"] + "</extra>",
            )
        )
    figure.update_layout(
        barmode="group",
        title="How the deals ended",
        xaxis_title="outcome",
        yaxis_title="share of deals",
        yaxis_tickformat=".0%",
        legend_title_text="our seller",
        height=450,
    )
    return figure


def incidence_curves(rows: pd.DataFrame, strategies: list[str]) -> go.Figure:
    """Cumulative incidence (Aalen-Johansen) of each ending over weeks, per strategy."""
    endings = list(ENDINGS)
    figure = make_subplots(
        rows=1,
        cols=len(endings),
        shared_yaxes=True,
        subplot_titles=[ENDING_WORDS.get(e, e) for e in endings],
    )
    for i, strategy in enumerate(strategies):
        table = cumulative_incidence(rows[rows["policy"] == strategy])
        for j, ending in enumerate(endings, start=1):
            curve = table[table["ending"] == ending]
            figure.add_trace(
                go.Scatter(
                    x=list(curve["week"]) + list(curve["week"])[::-1],
                    y=list(curve["high"]) + list(curve["low"])[::-1],
                    mode="lines",  # a band: no markers at its corners
                    fill="toself",
                    fillcolor=fill(strategy_colour(strategy, i), 0.15),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=strategy,
                ),
                row=1,
                col=j,
            )
            figure.add_trace(
                go.Scatter(
                    x=curve["week"],
                    y=curve["incidence"],
                    mode="lines",
                    line={"color": strategy_colour(strategy, i), "shape": "hv"},
                    name=strategy_label(strategy),
                    legendgroup=strategy,
                    showlegend=j == 1,
                    hovertemplate=f"by week %{{x:.0f}}: %{{y:.1%}} of deals "
                    f"{ENDING_WORDS.get(ending, ending)}"
                    f"<extra>{strategy}</extra>",
                ),
                row=1,
                col=j,
            )
    figure.update_xaxes(title_text="weeks since the purchase started")
    figure.update_yaxes(title_text="share of deals ended so far", tickformat=".0%", col=1)
    figure.update_yaxes(tickformat=".0%")
    figure.update_layout(
        title="When deals end: share ended by each week (cumulative incidence, Aalen-Johansen; "
        "deals still open at the horizon count until then: censored)",
        title_font_size=14,
        legend_title_text="our seller",
        height=420,
    )
    return figure


def forest(effects: pd.DataFrame) -> go.Figure:
    """Paired differences of every pair of strategies, with 95% intervals."""
    rates = effects[effects["metric"] != "loopbacks_per_stakeholder"]
    labels = [
        f"{strategy_words(r.strategy)} vs {strategy_words(r.versus)}: "
        f"{OUTCOME_WORDS.get(r.metric, r.metric.replace('_', ' '))}"
        for r in rates.itertuples()
    ]
    figure = go.Figure(
        go.Scatter(
            x=rates["difference"],
            y=labels,
            mode="markers",
            marker={"size": 10, "color": "#235789"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rates["difference_high"] - rates["difference"],
                "arrayminus": rates["difference"] - rates["difference_low"],
            },
            customdata=[
                "-" if math.isnan(r) else f"x{r:.2f}" for r in rates["relative"].astype(float)
            ],
            hovertemplate="%{y}: %{x:+.1%} of deals (risk difference; relative risk "
            "%{customdata})<extra></extra>",
        )
    )
    figure.add_vline(x=0, line_color="#7b8794")
    figure.update_layout(
        title="Change in the share of deals, one strategy against another, same committees",
        xaxis_title="difference in share of deals (risk difference), with 95% interval",
        xaxis_tickformat="+.0%",
        yaxis_title="our seller: outcome",
        height=160 + 40 * len(labels),
    )
    return figure


def job_flows(rows: pd.DataFrame, strategies: list[str]) -> go.Figure:
    """Sankey of changes of main job per deal (from -> to), one panel per strategy: a
    funnel would flow one way; the maze loops back. Every panel has the same node order
    and the same scale (an invisible filler brings each panel to the largest total), so
    the panels' flows can be compared by size."""
    figure = go.Figure()
    width = 1.0 / len(strategies)
    index = {job: k for k, job in enumerate(JOB_NAMES)}
    per_deal = {}
    for strategy in strategies:
        deals = rows[rows["policy"] == strategy]
        n = max(len(deals), 1)
        per_deal[strategy] = [float(deals[f"moves_{a}_{b}"].sum()) / n for a, b in JOB_MOVES]
    largest = max((sum(v) for v in per_deal.values()), default=0.0) or 1.0
    jobs = len(JOB_NAMES)
    ys = [0.15 + 0.6 * k / max(jobs - 1, 1) for k in range(jobs)]
    for i, strategy in enumerate(strategies):
        values = per_deal[strategy]
        filler = largest - sum(values)
        loop = [index[b] < index[a] for a, b in JOB_MOVES]
        colours = [fill("#c1292e" if back else "#7b8794", 0.45) for back in loop]
        figure.add_trace(
            go.Sankey(
                arrangement="fixed",
                domain={"x": [i * width + 0.03, (i + 1) * width - 0.03], "y": [0, 1]},
                node={
                    "label": [SHORT_JOB_WORDS[j] for j in JOB_NAMES] * 2 + ["", ""],
                    "color": [JOB_COLOURS[j] for j in JOB_NAMES] * 2
                    + ["rgba(0,0,0,0)", "rgba(0,0,0,0)"],
                    "x": [0.01] * jobs + [0.99] * jobs + [0.01, 0.99],
                    "y": ys + ys + [0.99, 0.99],
                    "pad": 14,
                    "line": {"width": 0},
                    "hovertemplate": "%{label}<extra></extra>",
                },
                link={
                    "source": [index[a] for a, _ in JOB_MOVES] + [2 * jobs],
                    "target": [jobs + index[b] for _, b in JOB_MOVES] + [2 * jobs + 1],
                    "value": [*values, max(filler, 0.0)],
                    "color": [*colours, "rgba(0,0,0,0)"],
                    "customdata": ["back to an earlier job" if back else "onwards" for back in loop]
                    + [""],
                    "hovertemplate": "from %{source.label} to %{target.label}: %{value:.1f} "
                    "per deal "
                    "(%{customdata})<extra></extra>",
                },
                name=strategy,
            )
        )
        figure.add_annotation(
            x=(i + 0.5) * width,
            y=1.08,
            xref="paper",
            yref="paper",
            text=strategy_label(strategy),
            font={"color": strategy_colour(strategy, i)},
            showarrow=False,
        )
    figure.update_layout(
        title="The maze: changes of main job per deal (red: back to an earlier job); "
        "one scale for all panels",
        title_font_size=14,
        height=440,
    )
    return figure


def distributions(rows: pd.DataFrame, strategies: list[str]) -> go.Figure:
    """Loop-backs per stakeholder and share of buying time with sellers, per strategy."""
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("loop-backs per stakeholder", "share of buying time with sellers"),
    )
    for i, strategy in enumerate(strategies):
        deals = rows[rows["policy"] == strategy]
        for col, metric in ((1, "loopbacks_per_stakeholder"), (2, "share_with_sellers")):
            figure.add_trace(
                go.Box(
                    y=deals[metric],
                    name=strategy_label(strategy),
                    marker_color=strategy_colour(strategy, i),
                    boxmean=True,
                    showlegend=col == 1,
                    legendgroup=strategy,
                ),
                row=1,
                col=col,
            )
    figure.update_yaxes(title_text="loop-backs (count)", row=1, col=1)
    figure.update_yaxes(title_text="share of hours", tickformat=".0%", row=1, col=2)
    figure.update_xaxes(title_text="our seller's strategy")
    figure.update_layout(title="Distributions over deals", height=450)
    return figure
