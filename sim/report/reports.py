"""The four reports: a deal, the same committee under two sellers, a comparison, a sweep.
Each opens with a plain-language summary naming the scenario or experiment it came from."""

from __future__ import annotations

import math

import pandas as pd

from sim.analysis.compare import OUTCOME_RATES, indicators
from sim.analysis.sensitivity import IncompleteSweep, sensitivity_indices
from sim.config.experiment import Experiment
from sim.config.scenario import Scenario
from sim.model.result import DealResult
from sim.report import compare_figures, deal_figures, sweep_figures
from sim.report.page import Page, Section
from sim.store import ResultsStore
from sim.story import outcome_sentence, tell_story


def _scenario_line(scenario: Scenario) -> str:
    line = f"Scenario '{scenario.name}'"
    return line + (f": {scenario.description}" if scenario.description else ".")


def deal_report(deal: DealResult, scenario: Scenario) -> Page:
    metrics = deal.metrics()
    page = Page(
        title=f"One deal: {scenario.name}, seed {deal.seed}",
        summary=[
            _scenario_line(scenario),
            f"This report follows one simulated purchase by a committee of "
            f"{deal.n_stakeholders}, week by week. Outcome: {outcome_sentence(deal)}. Our seller: "
            f"{deal.strategies.get(deal.our_vendor, 'none')}.",
            f"Stakeholders looped back to a job they had left {metrics['loopbacks']} times "
            f"({metrics['loopbacks_per_stakeholder']:.1f} each); "
            f"{metrics['share_with_sellers']:.0%} of their buying time was spent with sellers.",
        ],
    )
    page.add(
        Section(
            "The maze, week by week",
            "Each row is a stakeholder and each square a week, coloured by the buying job it "
            "spent most hours on; diamonds mark seller meetings; the dashed line is the "
            "decision. Hover for what the event log says happened. The story is on the right.",
            deal_figures.timeline(deal),
            story=tell_story(deal),
        )
    )
    page.add(
        Section(
            "Who favours what",
            "Top: each stakeholder's favourite option each week (bigger: more confident). "
            "Bottom: the share of influence behind the leading option, its supporters' "
            "confidence and the account's urgency (all on a 0-1 scale).",
            deal_figures.preferences(deal),
        )
    )
    return page


def versus_report(deals: dict[str, DealResult], scenario: Scenario, divergence: int | None) -> Page:
    strategies = list(deals)
    ends = "; ".join(f"with {s}, {outcome_sentence(d)}" for s, d in deals.items())
    seed = next(iter(deals.values())).seed
    page = Page(
        title=f"Same committee, two sellers: {scenario.name}, seed {seed}",
        summary=[
            _scenario_line(scenario),
            f"The same committee (seed {seed}) meets our seller acting as {strategies[0]} and "
            f"as {strategies[1]}; everything else is identical. {ends[:1].upper() + ends[1:]}.",
            f"The stories diverge in week {divergence}."
            if divergence
            else "The two deals went exactly the same way.",
        ],
    )
    horizon = max(d.weeks_simulated for d in deals.values())
    for strategy, deal in deals.items():
        figure = deal_figures.timeline(deal, title=f"With a {strategy} as our seller")
        figure.update_xaxes(range=[0.5, horizon + 1.5])
        page.add(
            Section(
                f"With {strategy}",
                "Swimlanes by main buying job per week (same week axis for both); diamonds "
                "mark seller meetings. The story is on the right.",
                figure,
                story=tell_story(deal),
            )
        )
    return page


def compare_report(
    scenario: Scenario,
    strategies: list[str],
    replications: int,
    seed: int,
    rows: pd.DataFrame,
    summary: pd.DataFrame,
    effects: pd.DataFrame,
) -> Page:
    lines = [_scenario_line(scenario)]
    lines.append(
        f"Each of {', '.join(strategies)} sold to the same {replications} committees "
        f"(seeds {seed} to {seed + replications - 1}), so differences come from the seller, "
        "not from who was in the room. Intervals are 95% bootstrap intervals."
    )
    best = summary.sort_values("won", ascending=False).iloc[0]
    lines.append(
        f"Highest win rate: {best['strategy']} ({best['won']:.0%}, interval "
        f"{best['won_low']:.0%}-{best['won_high']:.0%}). Deals still open at the horizon are "
        "censored in the timing figures, never counted as closed."
    )
    page = Page(title=f"Seller strategies compared: {scenario.name}", summary=lines)
    page.add(
        Section(
            "Outcome mix",
            "Share of deals ending each way, per strategy of our seller, with 95% intervals.",
            compare_figures.outcome_mix(summary),
        )
    )
    page.add(
        Section(
            "When deals end",
            "Cumulative incidence (Aalen-Johansen) of winning, losing to a competitor and no "
            "decision, over weeks since the purchase started, with 95% bands.",
            compare_figures.incidence_curves(rows, strategies),
        )
    )
    if not effects.empty:
        page.add(
            Section(
                "Paired effects",
                f"Risk differences against {strategies[0]} on the same committees, with 95% "
                "paired bootstrap intervals; hover for the relative risk.",
                compare_figures.forest(effects),
            )
        )
    page.add(
        Section(
            "The funnel and the maze",
            "How often stakeholders' main job changed from one buying job to another, per "
            "deal: flows back to earlier jobs are the loops of the maze.",
            compare_figures.job_flows(rows, strategies),
        )
    )
    page.add(
        Section(
            "Loop-backs and time with sellers",
            "Distribution over deals of loop-backs per stakeholder and of the share of "
            "buying time spent with sellers.",
            compare_figures.distributions(rows, strategies),
        )
    )
    effort = [
        (
            str(r["strategy"]),
            "-"
            if math.isnan(r["seller_hours_per_won"])
            else f"{r['seller_hours_per_won']:.0f} seller hours per won deal; "
            f"{r['seller_hours_wasted_share']:.0%} of hours spent on deals not won",
        )
        for r in summary.to_dict("records")
    ]
    page.add(Section("Seller effort", "Our seller's hours against what they won.", table=effort))
    return page


def sweep_report(store: ResultsStore, metric: str = "won") -> Page:
    manifest = store.manifest
    experiment = Experiment.model_validate(manifest["experiment"])
    deals = store.deals()
    status = store.status()
    parameters = list(experiment.parameters)
    group = sweep_figures.strategy_column(parameters)
    page = Page(
        title=f"Sweep: {experiment.name}",
        summary=[
            f"Experiment '{experiment.name}'"
            + (f": {experiment.description}" if experiment.description else "."),
            f"{status['completed']} of {status['planned']} planned deals stored "
            f"({status['design_points']} design points x {status['replications']} replications, "
            f"{experiment.design.kind} design, seed {experiment.seed}); replication r of every "
            "point met the same committee. Bands are 95% bootstrap intervals.",
        ],
    )
    if deals.empty:
        page.summary.append("No deals are stored yet: run the sweep first.")
        return page
    for parameter in parameters:
        if parameter == group:
            continue
        page.add(
            Section(
                f"Outcomes against {parameter}",
                f"Share of deals won, ending without a decision, and ending as a high-quality "
                f"purchase, against {parameter}"
                + (f", one line per value of {group}." if group else "."),
                sweep_figures.metric_over_parameter(deals, parameter, group),
            )
        )
    if group and len(parameters) == 1:
        page.add(
            Section(
                f"Outcomes per {group}",
                "Share of deals by outcome per strategy.",
                sweep_figures.metric_over_parameter(deals, group, None),
            )
        )
    numeric = [p for p in parameters if p != group and pd.api.types.is_numeric_dtype(deals[p])]
    if len(numeric) >= 2:
        page.add(
            Section(
                "Two parameters at once",
                f"Win rate over {numeric[0]} and {numeric[1]}"
                + (f", one panel per value of {group}." if group else "."),
                sweep_figures.heatmaps(deals, numeric[0], numeric[1], group),
            )
        )
    if experiment.design.kind in ("morris", "sobol"):
        data = indicators(deals) if metric in OUTCOME_RATES else deals
        try:
            indices = sensitivity_indices(experiment, data, metric)
            page.add(
                Section(
                    "Sensitivity",
                    f"{experiment.design.kind.capitalize()} indices of the {metric} rate with 95% "
                    "intervals: which settings move it most.",
                    sweep_figures.sensitivity_bars(indices, metric),
                )
            )
        except IncompleteSweep as error:
            page.summary.append(f"Sensitivity indices are not shown: {error}.")
    design = pd.DataFrame([{"point_index": p["index"], **p["values"]} for p in manifest["design"]])
    stored = deals.groupby("point_index").size()
    page.add(
        Section(
            "The design",
            "Every design point and the deals stored for it.",
            sweep_figures.design_table(design, stored),
        )
    )
    return page


def facts_report(scenario: Scenario, replications: int, seed: int, table: pd.DataFrame) -> Page:
    from sim.analysis.facts import format_value
    from sim.report.facts_figures import tolerance_chart

    inside = table["inside"].dropna()
    page = Page(
        title=f"Stylized facts: {scenario.name}",
        summary=[
            _scenario_line(scenario),
            f"The model against published figures of B2B buying, over {replications} "
            f"committees (seeds {seed} to {seed + replications - 1}), our seller a "
            "funnel-pusher (and, for F11, a maze-guide on the same committees). "
            f"{int(inside.sum())} of {len(inside)} facts with a tolerance are inside it.",
        ],
    )
    page.add(
        Section(
            "Each fact against its tolerance",
            "Where the model's value (with its 95% bootstrap interval) falls in each fact's "
            "tolerance band, scaled so the band runs from 0 to 1.",
            tolerance_chart(table),
        )
    )
    page.add(
        Section(
            "The table",
            "Published figure and source; the model's value [95% interval]; the tolerance.",
            table=[
                (
                    f"{r.id} {r.pattern}",
                    f"published: {r.published} ({r.source}); model: "
                    f"{format_value(r.value, r.unit)} [{format_value(r.low, r.unit)}, "
                    f"{format_value(r.high, r.unit)}]; tolerance: "
                    + (
                        "none"
                        if r.inside is None
                        else f"{format_value(r.tolerance_low, r.unit)}-"
                        f"{format_value(r.tolerance_high, r.unit)} "
                        f"({'inside' if r.inside else 'outside'})"
                    )
                    + f"; measured as the {r.definition}",
                )
                for r in table.itertuples()
            ],
        )
    )
    return page
