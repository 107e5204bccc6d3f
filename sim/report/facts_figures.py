"""The facts against their tolerance bands."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from sim.analysis.facts import format_value


def tolerance_chart(table: pd.DataFrame) -> go.Figure:
    """Each fact's value and interval scaled so its tolerance band is [0, 1]."""
    rows = table[table["tolerance_low"].notna()].iloc[::-1]
    width = rows["tolerance_high"] - rows["tolerance_low"]

    def scaled(column: str) -> pd.Series:
        return (rows[column] - rows["tolerance_low"]) / width

    labels = [f"{r.id} {r.pattern}" for r in rows.itertuples()]
    value, low, high = scaled("value"), scaled("low"), scaled("high")
    colours = ["#2a9d8f" if r.inside else "#c1292e" for r in rows.itertuples()]
    figure = go.Figure()
    figure.add_vrect(x0=0, x1=1, fillcolor="#2a9d8f", opacity=0.12, line_width=0)
    figure.add_trace(
        go.Scatter(
            x=value.clip(-1.5, 2.5),
            y=labels,
            mode="markers",
            marker={"size": 11, "color": colours},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (high - value).clip(lower=0).fillna(0),
                "arrayminus": (value - low).clip(lower=0).fillna(0),
            },
            customdata=[
                f"{format_value(r.value, r.unit)} (tolerance "
                f"{format_value(r.tolerance_low, r.unit)}-{format_value(r.tolerance_high, r.unit)})"
                for r in rows.itertuples()
            ],
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    figure.update_layout(
        title="The model's value within each fact's tolerance band (shaded)",
        xaxis_title="position in the tolerance band (0 = lower end, 1 = upper end)",
        yaxis_title="fact",
        height=160 + 42 * len(labels),
        xaxis={"range": [-1.6, 2.6] if not math.isnan(value.max()) else None},
    )
    return figure


def f11_curve_chart(curve: pd.DataFrame) -> go.Figure:
    """F11 (guide / pusher, our high-quality wins) against the regret margin, with its 95%
    intervals, the published band shaded and the scenario's own margin marked."""
    figure = go.Figure()
    figure.add_hrect(y0=1.05, y1=2.0, fillcolor="#2a9d8f", opacity=0.12, line_width=0)
    figure.add_hline(y=1.0, line={"color": "#1f2933", "width": 1, "dash": "dot"})
    figure.add_trace(
        go.Scatter(
            x=curve["margin"],
            y=curve["value"],
            mode="lines+markers",
            name="F11",
            marker={"size": 9, "color": "#264653"},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (curve["high"] - curve["value"]).clip(lower=0).fillna(0),
                "arrayminus": (curve["value"] - curve["low"]).clip(lower=0).fillna(0),
            },
            hovertemplate="margin %{x:.2f}: %{y:.2f}x<extra></extra>",
        )
    )
    own = curve[curve["scenario_margin"]]
    if not own.empty:
        figure.add_vline(x=float(own["margin"].iloc[0]), line={"color": "#c1292e", "dash": "dash"})
    figure.update_layout(
        title="F11 over the regret margin (shaded: the published band 1.05-2.0x; dashed: the "
        "scenario's margin)",
        xaxis_title="regret margin (shortfall that counts as regret)",
        yaxis_title="our high-quality wins, guide / pusher",
        height=380,
    )
    return figure
