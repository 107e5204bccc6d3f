"""The four reports: a deal, the same committee under two sellers, a comparison, a sweep.
Each opens with a plain-language summary naming the scenario or experiment it came from."""

from __future__ import annotations

import math

import pandas as pd
import yaml

from sim.analysis.sensitivity import (
    IncompleteSweep,
    SensitivityRequest,
    index_warnings,
    indices_of_metric,
    outcome_words,
)
from sim.analysis.verdict import headline_pairs, pair_sentence, pair_verdicts
from sim.config.experiment import Experiment
from sim.config.labels import plain_label
from sim.config.scenario import Scenario
from sim.model.result import DealResult
from sim.report import compare_figures, deal_figures, sweep_figures
from sim.report.page import Page, Section
from sim.report.palette import strategy_label, strategy_words
from sim.store import ResultsStore
from sim.story import tell_story, verdict, verdict_in_brief

Changes = list[tuple[str, str]]  # (setting, value) changed from the scenario as loaded

GLOSSARY = [
    (
        "funnel_pusher, maze_guide, social_seller, none",
        "strategy ids of our seller: a funnel "
        "pusher pitches and presses for a close; a maze guide helps the committee make sense, "
        "validate and align; a social seller builds trusted reach in the buyers' peer network "
        "first; none: no seller",
    ),
    (
        "censored",
        "a deal still open at the end of the simulated horizon: counted as open "
        "until then, never as won or lost",
    ),
    (
        "cumulative incidence (Aalen-Johansen)",
        "the share of deals that have ended a given way "
        "by each week, counting the other endings as competing, not as missing",
    ),
    (
        "Kaplan-Meier",
        "the estimate of the share of deals still undecided by each week, with "
        "open deals censored; its median is the median time to decision",
    ),
    (
        "risk difference",
        "the change in the share of deals ending a given way, against the "
        "reference strategy on the same committees (+5% = five more deals in a hundred)",
    ),
    ("relative risk", "the same change as a ratio (x1.20 = a fifth more often)"),
    (
        "95% interval",
        "bootstrap interval: the range the share would likely fall in with "
        "other committees of the same kind",
    ),
]


def _scenario_line(scenario: Scenario) -> str:
    line = f"Scenario '{scenario.name}'"
    return line + (f": {scenario.description}" if scenario.description else ".")


def _changes_line(changes: Changes | None) -> list[str]:
    if changes is None:
        return []
    if not changes:
        return ["Settings: as in the scenario file (nothing changed)."]
    return ["Changed settings: " + "; ".join(f"{k} = {v}" for k, v in changes) + "."]


def _scenario_section(scenario: Scenario, changes: Changes | None) -> Section:
    """The full scenario as run, so a report can be re-run from itself."""
    text = yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    return Section(
        "The scenario as run",
        "Every setting of this run as YAML (save it as a .yaml file to run it again with "
        "b2bsim or load it in the explorer)" + (", changed settings included." if changes else "."),
        table=changes or None,
        code=text,
    )


def seller_words(deal: DealResult) -> str:
    """'a funnel pusher' or 'no seller' - never 'a none'."""
    strategy = deal.strategies.get(deal.our_vendor, "none")
    if strategy == "none":
        return "no seller of ours"
    return f"our seller as {strategy_words(strategy)}"


def deal_report(deal: DealResult, scenario: Scenario, changes: Changes | None = None) -> Page:
    metrics = deal.metrics()
    page = Page(
        title=f"One deal: {scenario.name}, seed {deal.seed}",
        summary=[
            _scenario_line(scenario),
            *_changes_line(changes),
            f"This report follows one simulated purchase by a committee of "
            f"{deal.n_stakeholders}, week by week, with {seller_words(deal)}.",
            *verdict_in_brief(deal, scenario.decision),
            "Why it ended this way, in full: " + verdict(deal, scenario.decision),
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
            "confidence and the account's urgency, with the decision rule's levels as thin "
            "dashed lines: support and confidence must both reach theirs to decide; below the "
            "urgency level the purchase is shelved.",
            deal_figures.preferences(deal, scenario.decision),
        )
    )
    page.add(_scenario_section(scenario, changes))
    return page


def versus_report(
    deals: dict[str, DealResult],
    scenario: Scenario,
    divergence: int | None,
    changes: Changes | None = None,
) -> Page:
    strategies = list(deals)
    seed = next(iter(deals.values())).seed
    page = Page(
        title=f"Same committee, two sellers: {scenario.name}, seed {seed}",
        summary=[
            _scenario_line(scenario),
            *_changes_line(changes),
            f"The same committee (seed {seed}) meets our seller acting as "
            f"{strategy_words(strategies[0])} and as {strategy_words(strategies[1])}; "
            "everything else is identical.",
            *(
                f"With {strategy_words(s)}: " + " ".join(verdict_in_brief(d, scenario.decision))
                for s, d in deals.items()
            ),
            *(
                f"With {strategy_words(s)}, in full: {verdict(d, scenario.decision)}"
                for s, d in deals.items()
            ),
            f"The stories diverge in week {divergence}."
            if divergence
            else "The two deals went exactly the same way.",
        ],
    )
    page.add(
        Section(
            "Side by side",
            "Swimlanes by main buying job per week on one week axis; diamonds mark seller "
            "meetings; the shaded week is where the committee's views first differ.",
            deal_figures.side_by_side(
                list(deals.values()),
                [f"with {strategy_label(s)}" for s in strategies],
                divergence,
                rule=scenario.decision,
            ),
        )
    )
    last = max(d.weeks_simulated for d in deals.values())
    for strategy, deal in deals.items():
        page.add(
            Section(
                f"With {strategy_label(strategy)}",
                "Favourites and the committee against the decision rule (same week axis for "
                "both deals). The story is on the right.",
                deal_figures.preferences(deal, scenario.decision, last_week=last),
                story=tell_story(deal),
            )
        )
    page.add(_scenario_section(scenario, changes))
    return page


def tradeoffs(summary: pd.DataFrame, effects: pd.DataFrame | None = None) -> list[str]:
    """The comparison in plain sentences: what each strategy did (win rate, our high-quality
    wins, no-decision rate, hours per win, time to decision), then, for every pair a room
    argues about, whether one is ahead, behind or cannot be told apart, from the paired
    interval (sim.analysis.verdict) - never from which point estimate is highest."""
    lines = []
    for r in summary.to_dict("records"):
        if not r["seller_hours"]:
            hours = "no seller hours"
        elif math.isnan(float(r["seller_hours_per_won"])):
            hours = "no deal won for its hours"
        else:
            hours = f"{r['seller_hours_per_won']:,.0f} seller hours per deal won"
        weeks = float(r["median_weeks_to_decision"])
        timing = (
            f"half decided within {weeks:.0f} weeks"
            if not math.isnan(weeks)
            else ("fewer than half decided within the horizon")
        )
        quality = ""
        if "our_high_quality" in r:
            quality = f", our high-quality wins {r['our_high_quality']:.0%}"
        lines.append(
            f"With {strategy_words(r['strategy'])}: won {r['won']:.0%}{quality}, no decision "
            f"{r['no_decision']:.0%}, {hours}, {timing}."
        )
    lines.extend(pair_lines(list(summary["strategy"]), effects))
    return lines


def pair_lines(strategies: list[str], effects: pd.DataFrame | None) -> list[str]:
    """One verdict sentence per pair that matters (sim.analysis.verdict.headline_pairs)."""
    if effects is None or effects.empty:
        return []
    rows = effects.to_dict("records")
    said = [pair_sentence(pair_verdicts(rows, a, b)) for a, b in headline_pairs(strategies)]
    return [line for line in said if line]


def compare_report(
    scenario: Scenario,
    strategies: list[str],
    replications: int,
    seed: int,
    rows: pd.DataFrame,
    summary: pd.DataFrame,
    effects: pd.DataFrame,
    changes: Changes | None = None,
) -> Page:
    lines = [_scenario_line(scenario), *_changes_line(changes)]
    lines.append(
        f"Each of {', '.join(strategy_words(s) for s in strategies)} sold to the same "
        f"{replications} committees "
        f"(seeds {seed} to {seed + replications - 1}), so differences come from the seller, "
        "not from who was in the room. Intervals are 95% bootstrap intervals."
    )
    lines.extend(tradeoffs(summary, effects))
    lines.append(
        "Deals still open at the horizon are censored in the timing figures: counted as open "
        "until then, never as closed. The words used are explained at the end."
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
            "The share of deals won, lost to a competitor and ended without a decision by "
            "each week since the purchase started (cumulative incidence, Aalen-Johansen), "
            "with 95% bands.",
            compare_figures.incidence_curves(rows, strategies),
        )
    )
    if not effects.empty:
        page.add(
            Section(
                "Paired effects",
                "How much more or less often each ending happens with one strategy than with "
                "another on the same committees (risk difference), every pair, with 95% paired "
                "bootstrap intervals; hover for the ratio (relative risk). An interval that "
                "crosses zero cannot tell the two apart on this many committees.",
                compare_figures.forest(effects),
            )
        )
    page.add(
        Section(
            "The funnel and the maze",
            "How often stakeholders' main job changed from one buying job to another, per "
            "deal: flows back to earlier jobs (red) are the loops of the maze. All panels "
            "share one node order and one scale.",
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
    effort = [(strategy_label(str(r["strategy"])), _effort(r)) for r in summary.to_dict("records")]
    page.add(Section("Seller effort", "Our seller's hours against what they won.", table=effort))
    page.add(Section("Words used", "Plain words for the technical terms.", table=GLOSSARY))
    page.add(_scenario_section(scenario, changes))
    return page


def _effort(record: dict) -> str:
    """Hours per win in words; 'no seller' or 'no deal won' instead of nan."""
    if not record["seller_hours"]:
        return "no seller hours (no seller of ours)"
    if math.isnan(float(record["seller_hours_per_won"])):
        return f"{record['seller_hours']:,.0f} seller hours, no deal won"
    return (
        f"{record['seller_hours_per_won']:.0f} seller hours per won deal; "
        f"{record['seller_hours_wasted_share']:.0%} of hours spent on deals not won"
    )


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
                f"Outcomes against {plain_label(parameter)}",
                "Share of deals won, ending without a decision, and won by us as a high-quality "
                f"purchase, against {plain_label(parameter)} (`{parameter}`)"
                + (f", one line per value of {group}." if group else "."),
                sweep_figures.metric_over_parameter(deals, parameter, group),
            )
        )
    if group and len(parameters) == 1:
        page.add(
            Section(
                f"Outcomes per {plain_label(group)}",
                "Share of deals by outcome per strategy.",
                sweep_figures.metric_over_parameter(deals, group, None),
            )
        )
    numeric = [p for p in parameters if p != group and pd.api.types.is_numeric_dtype(deals[p])]
    if len(numeric) >= 2:
        page.add(
            Section(
                "Two parameters at once",
                f"Win rate over {plain_label(numeric[0])} and {plain_label(numeric[1])}"
                + (f", one panel per value of {group}." if group else "."),
                sweep_figures.heatmaps(deals, numeric[0], numeric[1], group),
            )
        )
    if experiment.design.kind in ("morris", "sobol"):
        _sensitivity(page, experiment, deals, metric)
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


def _sensitivity(page: Page, experiment: Experiment, deals: pd.DataFrame, metric: str) -> None:
    """Morris or Sobol indices: of the metric's rate, or, in a sweep with two or more
    policies, of the paired difference of the last policy minus the first."""
    names = list(experiment.policies)
    policy = names[-1] if names else None
    versus = names[0] if len(names) >= 2 else None
    what = outcome_words(metric, policy, versus)
    try:
        indices = indices_of_metric(experiment, deals, metric, policy, versus)
    except (IncompleteSweep, SensitivityRequest) as error:
        page.summary.append(f"Sensitivity indices are not shown: {error}.")
        return
    warnings = index_warnings(indices)
    page.add(
        Section(
            "Sensitivity",
            f"{experiment.design.kind.capitalize()} indices of {what} with 95% intervals: "
            "which settings move it most."
            + (" Warning: " + "; ".join(warnings) + "." if warnings else ""),
            sweep_figures.sensitivity_bars(indices, what),
        )
    )


def facts_report(
    scenario: Scenario,
    replications: int,
    seed: int,
    table: pd.DataFrame,
    f11_curve: pd.DataFrame | None = None,
) -> Page:
    from sim.analysis.facts import format_value
    from sim.report.facts_figures import f11_curve_chart, tolerance_chart

    inside = table[table["fitted"]]["inside"].dropna()
    checks = table[~table["fitted"]].dropna(subset=["inside"])
    page = Page(
        title=f"Stylized facts: {scenario.name}",
        summary=[
            _scenario_line(scenario),
            f"The model against published figures of B2B buying, over {replications} "
            f"committees (seeds {seed} to {seed + replications - 1}), our seller a "
            "funnel-pusher (and, for F9 and F11, a maze-guide on the same committees). "
            f"Fitted facts: {int(inside.sum())} of {len(inside)} inside their tolerance. "
            "Validation checks (measured, never fitted): "
            + ", ".join(
                f"{r.id} {'inside' if r.inside else 'outside'}" for r in checks.itertuples()
            )
            + ".",
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
    if f11_curve is not None:
        page.add(
            Section(
                "F11 over the regret margin",
                "F11 recomputed from the same deals' stored shortfalls at each margin: how much "
                "of the guide's lead in high-quality wins rests on where the margin sits.",
                f11_curve_chart(f11_curve),
            )
        )
    return page
