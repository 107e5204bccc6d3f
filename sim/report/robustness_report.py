"""The robustness report: a tornado chart per outcome of how each one-at-a-time change moves
the guide-minus-pusher difference, the sign flips, and each strategy's largest changes."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from sim.analysis.robustness import OUTCOMES
from sim.config.labels import display_number, plain_label
from sim.config.scenario import Scenario
from sim.report.page import Page, Section
from sim.report.palette import STRATEGY_COLOURS, THRESHOLD_COLOUR

TORNADO_ROWS = 25


def tornado(contrast: pd.DataFrame, outcome: str) -> go.Figure:
    """Per parameter, the guide-minus-pusher difference at -25% and +25% (bars from the
    base's value), the widest swings on top; flips are drawn in the pusher's colour."""
    rows = contrast[contrast["outcome"] == outcome]
    base = float(rows["base"].iloc[0])
    wide = rows.pivot_table(index="parameter", columns="direction", values="difference")
    wide = wide.reindex(columns=["-", "+"])
    swing = (wide - base).abs().max(axis=1).sort_values(ascending=False)
    top = list(swing.index[:TORNADO_ROWS])[::-1]
    figure = go.Figure()
    for direction, name in (("-", "parameter lowered"), ("+", "parameter raised")):
        values = wide.loc[top, direction]
        flipped = [not math.isnan(v) and (v - 0.0) * base < 0 for v in values.to_numpy(dtype=float)]
        colours = [
            STRATEGY_COLOURS["funnel_pusher"] if f else STRATEGY_COLOURS["maze_guide"]
            for f in flipped
        ]
        figure.add_bar(
            y=[plain_label(p) for p in top],
            x=(values - base).to_numpy(),
            base=base,
            orientation="h",
            name=name,
            marker={"color": colours, "opacity": 0.55 if direction == "-" else 0.9},
            hovertemplate="%{y}: difference %{x:+.1%} from the base<extra>" + name + "</extra>",
        )
    figure.add_vline(x=base, line={"color": THRESHOLD_COLOUR, "dash": "dot"})
    figure.add_vline(x=0.0, line={"color": "#1f2933", "width": 1})
    figure.update_layout(
        barmode="overlay",
        height=max(360, 22 * len(top) + 120),
        xaxis={
            "title": f"maze guide minus funnel pusher: {OUTCOMES[outcome]}",
            "tickformat": "+.0%",
        },
        yaxis={"automargin": True},
        margin={"l": 10, "r": 10, "t": 30, "b": 50},
        legend={"orientation": "h", "y": -0.15},
    )
    return figure


def flip_lines(contrast: pd.DataFrame) -> list[str]:
    """One sentence per sign flip of the guide-minus-pusher difference."""
    lines = []
    for row in contrast[contrast["flip"]].itertuples():
        how = "clearly" if row.clear else "within noise"
        lines.append(
            f"{OUTCOMES[row.outcome]}: {plain_label(row.parameter)} "
            f"{display_number(row.base_value)} -> {display_number(row.value)} turns "
            f"the guide-minus-pusher difference from {row.base:+.1%} to {row.difference:+.1%} "
            f"[{row.low:+.1%}, {row.high:+.1%}] ({how})"
        )
    return lines


def robustness_report(
    scenario: Scenario,
    replications: int,
    seed: int,
    rates: pd.DataFrame,
    effects: pd.DataFrame,
    contrast: pd.DataFrame,
    assumption_rates: pd.DataFrame | None = None,
    assumption_contrasts: pd.DataFrame | None = None,
    assumption_replications: int = 0,
) -> Page:
    flips = flip_lines(contrast) if not contrast.empty else []
    summary = [
        f"Scenario {scenario.name}: every numeric parameter moved by -25% and +25% one at a "
        f"time, every role's weekly hours by -1 h and +1 h; {replications} committees per "
        f"change and strategy (seeds {seed}-{seed + replications - 1}), the same committees "
        "as the base, so each change is a paired difference with a 95% interval.",
        "Base rates: "
        + "; ".join(
            f"{policy}: " + ", ".join(f"{OUTCOMES[o]} {rates.loc[policy, o]:.0%}" for o in OUTCOMES)
            for policy in rates.index
        )
        + ".",
        f"{len(flips)} change(s) flip the sign of the guide-minus-pusher difference"
        + (": see the list below." if flips else "."),
    ]
    page = Page(f"Robustness: {scenario.name}", summary)
    if not contrast.empty:
        for outcome in OUTCOMES:
            page.add(
                Section(
                    f"What moves the guide-minus-pusher {OUTCOMES[outcome]}",
                    "Each bar starts at the base difference (dotted line) and ends at the "
                    "difference after the change; red bars cross zero (the answer flips). The "
                    f"{TORNADO_ROWS} widest swings are shown.",
                    figure=tornado(contrast, outcome),
                )
            )
        page.add(
            Section(
                "Sign flips",
                "Changes after which the other strategy comes out ahead; 'clearly' when the "
                "95% interval of the new difference excludes zero.",
                table=[(str(i + 1), line) for i, line in enumerate(flips)] or [("-", "none")],
            )
        )
    largest = effects.reindex(effects["change"].abs().sort_values(ascending=False).index)
    page.add(
        Section(
            "Largest changes per strategy",
            "The twenty largest changes of any strategy's rate, with their paired 95% intervals.",
            table=[
                (
                    f"{row.policy}: {OUTCOMES[row.outcome]}",
                    f"{plain_label(row.parameter)} {display_number(row.base_value)} -> "
                    f"{display_number(row.value)}: {row.change:+.1%} "
                    f"[{row.low:+.1%}, {row.high:+.1%}]",
                )
                for row in largest.head(20).itertuples()
            ],
        )
    )
    if assumption_rates is not None and not assumption_rates.empty:
        page.add(
            Section(
                "Neutral assumptions, one at a time",
                f"Each strategy-specific magnitude set to its neutral value for every seller, "
                f"one at a time, on {assumption_replications} committees (the same for every "
                "row and strategy): each strategy's rates, and guide minus pusher with its "
                "paired 95% interval.",
                table=assumption_lines(assumption_rates, assumption_contrasts),
            )
        )
    return page


def assumption_lines(rates: pd.DataFrame, contrasts: pd.DataFrame | None) -> list[tuple[str, str]]:
    """One table row per assumption (the scenario as written first): why it is neutral,
    each strategy's rates and the guide-minus-pusher differences."""
    lines = []
    for point, mine in rates.groupby("point", sort=True):
        first = mine.iloc[0]
        parts = [first["neutral"]] if first["neutral"] else []
        for policy, own in mine.groupby("policy", sort=False):
            values = own.set_index("outcome")["rate"]
            parts.append(
                f"{policy}: " + ", ".join(f"{OUTCOMES[o]} {values[o]:.0%}" for o in OUTCOMES)
            )
        if contrasts is not None and not contrasts.empty:
            for g in contrasts[contrasts["point"] == point].itertuples():
                parts.append(
                    f"guide - pusher, {OUTCOMES[g.outcome]}: {g.difference:+.1%} "
                    f"[{g.low:+.1%}, {g.high:+.1%}]"
                )
        lines.append((first["assumption"], "; ".join(parts)))
    return lines
