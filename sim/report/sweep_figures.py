"""Figures of a sweep: outcomes over each varied parameter, two-parameter heatmaps,
sensitivity indices and the design."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.analysis.compare import indicators
from sim.analysis.statistics import rate
from sim.config.labels import plain_label
from sim.report.palette import fill, strategy_colour

SWEEP_METRICS = (
    ("won", "won"),
    ("no_decision", "no decision"),
    ("our_high_quality", "our high-quality wins"),
)
MAX_LEVELS = 12


def levels(values: pd.Series) -> pd.Series:
    """The x position of each deal: its parameter value, or the middle of one of 8 equal
    bins when a sampler gave too many distinct values to plot one by one."""
    if values.nunique() <= MAX_LEVELS or not pd.api.types.is_numeric_dtype(values):
        return values
    bins = pd.cut(values, 8)
    return bins.map(lambda interval: interval.mid).astype(float)


def strategy_column(parameters: list[str]) -> str | None:
    return next((p for p in parameters if p.endswith(".strategy")), None)


def metric_over_parameter(deals: pd.DataFrame, parameter: str, group: str | None) -> go.Figure:
    """Outcome rates (95% bootstrap bands) against one parameter, one line per strategy."""
    data = indicators(deals)
    data["_x"] = levels(data[parameter])
    figure = make_subplots(
        rows=1, cols=len(SWEEP_METRICS), subplot_titles=[t for _, t in SWEEP_METRICS]
    )
    groups = sorted(data[group].unique()) if group else ["all deals"]
    numeric = pd.api.types.is_numeric_dtype(data["_x"])
    for i, name in enumerate(groups):
        subset = data[data[group] == name] if group else data
        xs = sorted(subset["_x"].unique())
        for col, (metric, title) in enumerate(SWEEP_METRICS, start=1):
            estimates = [rate(subset.loc[subset["_x"] == x, metric].to_numpy()) for x in xs]
            if numeric:
                figure.add_trace(
                    go.Scatter(
                        x=xs + xs[::-1],
                        y=[e.high for e in estimates] + [e.low for e in estimates][::-1],
                        mode="lines",  # a band: no markers at its corners
                        fill="toself",
                        fillcolor=fill(strategy_colour(str(name), i), 0.15),
                        line={"width": 0},
                        hoverinfo="skip",
                        showlegend=False,
                        legendgroup=str(name),
                    ),
                    row=1,
                    col=col,
                )
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=[e.value for e in estimates],
                    mode="lines+markers",
                    name=str(name),
                    legendgroup=str(name),
                    showlegend=col == 1,
                    line={"color": strategy_colour(str(name), i)},
                    error_y=None
                    if numeric
                    else {
                        "type": "data",
                        "symmetric": False,
                        "array": [e.high - e.value for e in estimates],
                        "arrayminus": [e.value - e.low for e in estimates],
                    },
                    hovertemplate=f"{plain_label(parameter)} = %{{x}}: %{{y:.1%}} {title}"
                    f"<extra>{name}</extra>",
                ),
                row=1,
                col=col,
            )
    figure.update_xaxes(title_text=plain_label(parameter))
    figure.update_yaxes(title_text="share of deals", tickformat=".0%", col=1)
    figure.update_yaxes(tickformat=".0%")
    figure.update_layout(
        title=f"Outcomes against {plain_label(parameter)}", legend_title_text=group or ""
    )
    return figure


def heatmaps(deals: pd.DataFrame, first: str, second: str, group: str | None) -> go.Figure:
    """Win rate over two parameters, one panel per strategy."""
    data = indicators(deals)
    data["_a"], data["_b"] = levels(data[first]), levels(data[second])
    groups = sorted(data[group].unique()) if group else ["all deals"]
    figure = make_subplots(rows=1, cols=len(groups), subplot_titles=[str(g) for g in groups])
    for col, name in enumerate(groups, start=1):
        subset = data[data[group] == name] if group else data
        table = subset.pivot_table(index="_b", columns="_a", values="won", aggfunc="mean")
        figure.add_trace(
            go.Heatmap(
                z=table.to_numpy(),
                x=[str(v) for v in table.columns],
                y=[str(v) for v in table.index],
                zmin=0,
                zmax=1,
                colorscale="Viridis",
                colorbar={"title": "won", "tickformat": ".0%"},
                showscale=col == len(groups),
                hovertemplate=f"{plain_label(first)} %{{x}}, {plain_label(second)} %{{y}}: "
                "%{z:.1%} won"
                f"<extra>{name}</extra>",
            ),
            row=1,
            col=col,
        )
    figure.update_xaxes(title_text=plain_label(first))
    figure.update_yaxes(title_text=plain_label(second), col=1)
    figure.update_layout(title=f"Win rate over {plain_label(first)} and {plain_label(second)}")
    return figure


def sensitivity_bars(indices: pd.DataFrame, what: str) -> go.Figure:
    """Sensitivity indices with their 95% intervals, largest first; `what` says what they are
    of ('the won rate', 'the won rate of maze_guide minus funnel_pusher's')."""
    figure = go.Figure()
    for index_name, part in indices.groupby("index", sort=False):
        part = part.sort_values("value")
        figure.add_trace(
            go.Bar(
                x=part["value"],
                y=[plain_label(p) for p in part["parameter"]],
                orientation="h",
                name=str(index_name),
                error_x={"type": "data", "array": part["conf"]},
                hovertemplate="%{y}: %{x:.3f}<extra>" + str(index_name) + "</extra>",
            )
        )
    figure.update_layout(
        title=f"Sensitivity of {what}",
        xaxis_title="index (Morris mu*: change in the rate per step; Sobol: share of variance)",
        yaxis_title="parameter",
        barmode="group",
        height=200 + 45 * indices["parameter"].nunique(),
    )
    return figure


def design_table(design: pd.DataFrame, stored: pd.Series) -> go.Figure:
    """The design points with the number of deals stored for each (first 500 points)."""
    shown = design.head(500).copy()
    shown["deals stored"] = shown["point_index"].map(stored).fillna(0).astype(int)
    columns = [c for c in shown.columns if c != "point"]
    figure = go.Figure(
        go.Table(
            header={"values": columns, "align": "left"},
            cells={"values": [shown[c].tolist() for c in columns], "align": "left"},
        )
    )
    figure.update_layout(title="The design", height=min(900, 120 + 24 * len(shown)))
    return figure
