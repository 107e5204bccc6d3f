"""How a calibration to a team's pipeline is shown: the terminal's tables and the offline
HTML report (the pipeline, the fit against the prior ranges, the posterior-predictive
check, the answer per strategy, the calibrated scenario)."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from rich.table import Table

from sim.report.page import Page, Section
from sim.workflow.pipeline_fit import SHARES, PipelineCalibration

SHARE_WORDS = {
    "won": "won",
    "no_decision": "no decision",
    "our_high_quality": "won, high-quality decision",
}


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _number(value: float) -> str:
    return f"{value:.3g}"


def _statistic(name: str, value: float) -> str:
    return _percent(value) if name.startswith("share_") else f"{value:.1f}"


def summary_lines(found: PipelineCalibration) -> list[str]:
    """The pipeline and the fit in a few sentences."""
    summary = found.summary
    counts = summary.counts
    closed = counts["won"] + counts["lost"] + counts["no_decision"]
    lines = [
        f"{summary.opportunities} opportunities as of {summary.as_of}: {closed} closed "
        f"({counts['won']} won, {counts['lost']} lost, {counts['no_decision']} no decision), "
        f"{counts['open']} open.",
        f"Win rate {_percent(summary.win_rate.value)} of closed "
        f"(95 %: {_percent(summary.win_rate.low)}–{_percent(summary.win_rate.high)}); "
        f"no decision {_percent(summary.no_decision_share.value)}; "
        f"half decided by week {summary.median_weeks.value:.0f} (Kaplan-Meier, open censored).",
    ]
    if summary.committee:
        lines.append(
            f"Buying contacts: mean {summary.committee['mean']:.1f} "
            f"({summary.committee['recorded']} opportunities record them)."
        )
    inside = int(found.check["inside"].sum())
    lines.append(
        f"Fitted {len(found.parameters)} world and buyer settings ({found.simulations} "
        f"simulated pipelines, the {found.fit.kept_worlds} nearest regression-adjusted, "
        f"{found.seconds:.0f} s; the posterior "
        f"rests on {found.effective_worlds:.0f} effectively independent worlds); "
        f"{inside} of {len(found.check)} summaries inside the posterior's 90 % range."
    )
    if found.degenerate:
        lines.append(
            f"Warning: the posterior rests on {found.effective_worlds:.1f} effective worlds of "
            f"{found.settings['particles']}: its intervals are too narrow to trust; give more "
            "--particles and --budget, or fit fewer settings."
        )
    identified = found.parameters[found.parameters["identified"]]
    lines.append(
        f"Identified by this pipeline: {', '.join(identified['label']) or 'none'}; "
        f"{len(found.parameters) - len(identified)} settings are not (their posterior stays "
        "near the plausible range, and the answer carries that)."
    )
    return lines


def parameter_table(found: PipelineCalibration) -> Table:
    table = Table(title="Fitted settings: posterior median and 90 % interval")
    columns = ("setting", "plausible range", "median", "90 % interval", "narrowed", "identified")
    for column in columns:
        table.add_column(column)
    for r in found.parameters.itertuples():
        table.add_row(
            r.label,
            f"{_number(r.prior_low)}–{_number(r.prior_high)}",
            _number(r.median),
            f"{_number(r.low)}–{_number(r.high)}",
            f"{r.narrowed:.0%}",
            "yes" if r.identified else "not by this pipeline",
        )
    table.caption = (
        "narrowed: how much narrower than the plausible range's own 90 % interval; "
        "identified: narrowed by a quarter or more"
    )
    return table


def check_table(found: PipelineCalibration) -> Table:
    table = Table(title="Posterior-predictive check: the pipeline against simulated ones")
    for column in ("summary", "your pipeline", "simulated median", "90 % range", "inside"):
        table.add_column(column)
    for r in found.check.itertuples():
        table.add_row(
            r.label,
            _statistic(r.statistic, r.observed),
            _statistic(r.statistic, r.median),
            f"{_statistic(r.statistic, r.low)}–{_statistic(r.statistic, r.high)}",
            "yes" if r.inside else "NO",
        )
    return table


def strategy_table(found: PipelineCalibration) -> Table:
    table = Table(title="The answer for this market: shares of deals (median, 90 % interval)")
    table.add_column("our seller")
    for share in SHARES:
        table.add_column(SHARE_WORDS[share])
    for r in found.strategies.to_dict(orient="records"):
        table.add_row(
            r["strategy"],
            *(
                f"{_percent(r[f'{s}_median'])} ({_percent(r[f'{s}_low'])}–"
                f"{_percent(r[f'{s}_high'])})"
                for s in SHARES
            ),
        )
    return table


def _gap(value: float) -> str:
    return f"{value * 100:+.0f} pts"


def difference_table(found: PipelineCalibration) -> Table:
    table = Table(
        title="Strategy against strategy on the same committees: difference in percentage "
        "points (median, 90 % interval across the posterior's worlds)"
    )
    table.add_column("difference")
    for share in SHARES:
        table.add_column(SHARE_WORDS[share])
    for r in found.differences.to_dict(orient="records"):
        table.add_row(
            r["pair"].replace(" - ", " − "),
            *(
                f"{_gap(r[f'{s}_median'])} ({_gap(r[f'{s}_low'])} to {_gap(r[f'{s}_high'])})"
                + ("" if r[f"{s}_excludes_zero"] else ", not told apart")
                for s in SHARES
            ),
        )
    return table


def _fit_figure(found: PipelineCalibration) -> go.Figure:
    """Each setting's 90 % interval and median on its plausible range (0 = low end)."""
    rows = found.parameters.iloc[::-1]
    span = rows["prior_high"] - rows["prior_low"]
    low = (rows["low"] - rows["prior_low"]) / span
    high = (rows["high"] - rows["prior_low"]) / span
    median = (rows["median"] - rows["prior_low"]) / span
    figure = go.Figure()
    figure.add_bar(
        y=rows["label"],
        x=high - low,
        base=low,
        orientation="h",
        name="90 % interval",
        marker_color="#9fb3c8",
        customdata=rows[["low", "high"]].to_numpy(),
        hovertemplate="%{y}: %{customdata[0]:.3g}–%{customdata[1]:.3g}<extra></extra>",
    )
    figure.add_scatter(
        y=rows["label"],
        x=median,
        mode="markers",
        name="median",
        marker={"color": "#243b53", "size": 9},
        customdata=rows["median"],
        hovertemplate="%{y}: median %{customdata:.3g}<extra></extra>",
    )
    figure.update_layout(
        xaxis={
            "title": "position in the plausible range (0 = its low end, 1 = its high end)",
            "range": [0, 1],
        },
        height=120 + 28 * len(rows),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        template="plotly_white",
    )
    return figure


def _answer_figure(found: PipelineCalibration) -> go.Figure:
    figure = go.Figure()
    rows = found.strategies
    for share in SHARES:
        figure.add_bar(
            x=rows["strategy"],
            y=rows[f"{share}_median"],
            name=SHARE_WORDS[share],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": rows[f"{share}_high"] - rows[f"{share}_median"],
                "arrayminus": rows[f"{share}_median"] - rows[f"{share}_low"],
            },
        )
    figure.update_layout(
        barmode="group",
        yaxis={"title": "share of deals", "tickformat": ".0%"},
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
    )
    return figure


def pipeline_report(found: PipelineCalibration) -> Page:
    """The offline HTML report of a calibration."""
    page = Page(
        title=f"Calibrated to {Path(found.source).name}: what this market answers",
        summary=summary_lines(found),
    )
    page.add(
        Section(
            "The fit",
            "Each fitted world and buyer setting: its plausible range (the whole width) and "
            "the posterior 90 % interval (bar) and median (dot). A bar as wide as the range "
            "means the pipeline says little about that setting.",
            figure=_fit_figure(found),
            table=[
                (
                    r.label,
                    f"{_number(r.low)}–{_number(r.high)}, narrowed {r.narrowed:.0%}: "
                    + ("identified" if r.identified else "not identified by this pipeline"),
                )
                for r in found.parameters.itertuples()
            ],
        )
    )
    page.add(
        Section(
            "Posterior-predictive check",
            "Worlds drawn from the posterior simulate the pipeline again (same size, same "
            "ages, same strategies); each summary of your pipeline against their 90 % range.",
            table=[
                (
                    r.label,
                    f"yours {_statistic(r.statistic, r.observed)}; simulated "
                    f"{_statistic(r.statistic, r.low)}–{_statistic(r.statistic, r.high)} "
                    f"({'inside' if r.inside else 'OUTSIDE'})",
                )
                for r in found.check.itertuples()
            ],
        )
    )
    page.add(
        Section(
            "The answer for this market",
            "Each strategy of our seller on the same committees in the posterior's worlds: "
            "median share and 90 % interval across those worlds (the parameter uncertainty "
            "and the committees' chance together).",
            figure=_answer_figure(found),
            table=[
                (
                    r["pair"].replace(" - ", " − "),
                    "; ".join(
                        f"{SHARE_WORDS[s]} {_gap(r[f'{s}_median'])} ({_gap(r[f'{s}_low'])} to "
                        f"{_gap(r[f'{s}_high'])})"
                        + ("" if r[f"{s}_excludes_zero"] else ", not told apart")
                        for s in SHARES
                    ),
                )
                for r in found.differences.to_dict(orient="records")
            ],
        )
    )
    page.add(
        Section(
            "The calibrated scenario",
            "The scenario at the posterior medians (what `-o` writes).",
            code=found.scenario_yaml(),
        )
    )
    return page
