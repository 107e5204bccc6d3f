"""Figures comparing seller strategies on the same committees."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.analysis.survival import ENDINGS, cumulative_incidence
from sim.model.metrics import JOB_MOVES, JOB_NAMES

STRATEGY_COLOURS = ["#235789", "#c1292e", "#2a9d8f", "#f0a202", "#6a4c93", "#7b8794"]
OUTCOME_BARS = [
    ("won", "won"),
    ("lost", "lost to a competitor"),
    ("no_decision_status_quo", "no decision: status quo"),
    ("no_decision_stalled", "no decision: stalled"),
    ("open", "open at the horizon"),
]


def colour(index: int) -> str:
    return STRATEGY_COLOURS[index % len(STRATEGY_COLOURS)]


def _fill(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def outcome_mix(summary: pd.DataFrame) -> go.Figure:
    """Share of deals ending each way, per strategy, with 95% intervals."""
    figure = go.Figure()
    for i, row in enumerate(summary.to_dict("records")):
        values = [row[key] for key, _ in OUTCOME_BARS]
        figure.add_trace(
            go.Bar(
                name=row["strategy"],
                x=[label for _, label in OUTCOME_BARS],
                y=values,
                marker_color=colour(i),
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
        subplot_titles=[e.replace("_", " ") for e in endings],
    )
    for i, strategy in enumerate(strategies):
        table = cumulative_incidence(rows[rows["treatment"] == strategy])
        for j, ending in enumerate(endings, start=1):
            curve = table[table["ending"] == ending]
            figure.add_trace(
                go.Scatter(
                    x=list(curve["week"]) + list(curve["week"])[::-1],
                    y=list(curve["high"]) + list(curve["low"])[::-1],
                    fill="toself",
                    fillcolor=_fill(colour(i), 0.15),
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
                    line={"color": colour(i), "shape": "hv"},
                    name=strategy,
                    legendgroup=strategy,
                    showlegend=j == 1,
                    hovertemplate=f"week %{{x:.0f}}: %{{y:.1%}} {ending.replace('_', ' ')}"
                    f"<extra>{strategy}</extra>",
                ),
                row=1,
                col=j,
            )
    figure.update_xaxes(title_text="weeks since the purchase started")
    figure.update_yaxes(title_text="cumulative share of deals", tickformat=".0%", col=1)
    figure.update_layout(title="When deals end (open deals censored at the horizon)", height=420)
    return figure


def forest(effects: pd.DataFrame) -> go.Figure:
    """Paired differences against the reference strategy, with 95% intervals."""
    rates = effects[effects["metric"] != "loopbacks_per_stakeholder"]
    labels = [f"{r.strategy}: {r.metric.replace('_', ' ')}" for r in rates.itertuples()]
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
            hovertemplate="%{y}: %{x:+.1%} (relative risk %{customdata})<extra></extra>",
        )
    )
    figure.add_vline(x=0, line_color="#7b8794")
    reference = effects["versus"].iloc[0] if len(effects) else ""
    figure.update_layout(
        title=f"Paired effects against {reference} on the same committees",
        xaxis_title="risk difference (share of deals)",
        xaxis_tickformat="+.0%",
        yaxis_title="strategy: outcome",
        height=160 + 40 * len(labels),
    )
    return figure


def job_flows(rows: pd.DataFrame, strategies: list[str]) -> go.Figure:
    """Sankey of changes of main job per deal (from -> to), one panel per strategy: a
    funnel would flow one way; the maze loops back."""
    figure = go.Figure()
    width = 1.0 / len(strategies)
    node_colours = ["#3e7cb1", "#f0a202", "#2a9d8f"] * 2
    for i, strategy in enumerate(strategies):
        deals = rows[rows["treatment"] == strategy]
        n = max(len(deals), 1)
        index = {job: k for k, job in enumerate(JOB_NAMES)}
        figure.add_trace(
            go.Sankey(
                domain={"x": [i * width + 0.02, (i + 1) * width - 0.02], "y": [0, 1]},
                node={
                    "label": [f"from {j}" for j in JOB_NAMES] + [f"to {j}" for j in JOB_NAMES],
                    "color": node_colours,
                    "pad": 18,
                },
                link={
                    "source": [index[a] for a, _ in JOB_MOVES],
                    "target": [3 + index[b] for _, b in JOB_MOVES],
                    "value": [float(deals[f"moves_{a}_{b}"].sum()) / n for a, b in JOB_MOVES],
                    "hovertemplate": "%{source.label} %{target.label}: %{value:.1f} per deal"
                    "<extra></extra>",
                },
                name=strategy,
            )
        )
        figure.add_annotation(
            x=(i + 0.5) * width, y=1.08, xref="paper", yref="paper", text=strategy, showarrow=False
        )
    figure.update_layout(
        title="The maze: changes of main job per deal (all stakeholders)", height=420
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
        deals = rows[rows["treatment"] == strategy]
        for col, metric in ((1, "loopbacks_per_stakeholder"), (2, "share_with_sellers")):
            figure.add_trace(
                go.Box(
                    y=deals[metric],
                    name=strategy,
                    marker_color=colour(i),
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
