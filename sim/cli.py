"""The `b2bsim` command: one thin verb per job. Commands parse their arguments, call the
workflow (`sim.workflow`) or the store, and present the result (`sim.terminal`).

Every user-facing error is one line `error: <file or option>: <field>: <message>`, exit
status 2, no traceback; `--debug` anywhere on the command line shows the traceback instead.
Ctrl-C stops with exit status 130.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text
from typer import rich_utils

# Typer ships its own copy of click; its usage errors are caught to print them in our style.
from typer._click.exceptions import NoArgsIsHelpError
from typer._click.exceptions import UsageError as CommandLineError

# Only light modules are imported here: every command imports the model, the workflow, the
# store, the statistics and the reports it needs when it runs, so that `b2bsim run` or
# `--version` do not pay for pandas, DuckDB, Dask, SciPy or Plotly they never use.
from sim.arguments import MAX_PROCESSES, strategy_list
from sim.config import ConfigError, Scenario, load_scenario
from sim.config.catalogue import named_scenarios
from sim.config.experiment import MAX_REPLICATIONS, MAX_SEED, load_experiment
from sim.config.scenario import Territory as TerritorySettings
from sim.files import EXPORT_FORMATS, OutputError, is_standard_output, write_atomically
from sim.safe_text import safe_text
from sim.terminal import (
    assumptions_table,
    comparison_table,
    effects_table,
    err,
    f11_curve_table,
    facts_table,
    metrics_table,
    out,
    progress,
    territory_summary_table,
    territory_table,
)

if TYPE_CHECKING:
    from sim.model import DealResult

HELP_WIDTH = 100
"""Help is laid out at least this wide, so option names and defaults are never cut."""

app = typer.Typer(
    name="b2bsim",
    help="Agent-based simulation of B2B buying committees: the maze, not the funnel.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class UsageError(Exception):
    """Bad input from the command line itself (not from a file)."""


def version_callback(value: bool) -> None:
    if value:
        out.print(f"b2bsim {package_version()}")
        raise typer.Exit()


def package_version() -> str:
    try:
        return metadata.version("b2bsim")
    except metadata.PackageNotFoundError:
        return "(not installed)"


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Agent-based simulation of B2B buying committees: the maze, not the funnel.

    Scenarios and experiments are files or names (`b2bsim scenarios` lists them). Add
    --debug anywhere to see a traceback instead of a one-line error."""


SCENARIO_HELP = "Scenario file, or a name from `b2bsim scenarios`."
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
HtmlFile = Annotated[
    Path | None, typer.Option("--html", help="Also write an interactive HTML report here.")
]
Workers = Annotated[
    int | None, typer.Option(min=1, max=MAX_PROCESSES, help="Processes (default: all cores).")
]
MAX_EXPLORE_SECONDS = 30 * 24 * 3600
"""Longest `explore --max-seconds` (a month); beyond, leave it out and stop with Ctrl-C."""
RootSeed = Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Replication r uses seed S + r.")]


def parse_strategies(text: str, option: str) -> list[str]:
    """Comma-separated strategy names, checked as the Python API checks a list of them."""
    try:
        return strategy_list([s.strip() for s in text.split(",") if s.strip()], option)
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None


def strategy_scenarios(settings: Scenario, strategies: list[str], option: str) -> list[Scenario]:
    """`settings` with each strategy, checked (a social seller needs a network) up front."""
    from sim.workflow.study import strategy_policies

    return [policy.apply(settings, option) for policy in strategy_policies(strategies)]


def title_line(settings: Scenario, seed: int) -> str:
    title = f"[bold]{safe_text(settings.name)}[/bold] (seed {seed})"
    return title + (f": {safe_text(settings.description)}" if settings.description else "")


@app.command()
def run(
    scenario: Annotated[
        str | None, typer.Argument(help=f"{SCENARIO_HELP} Not with --from.")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Replication seed.")] = 1,
    seller: Annotated[
        str | None, typer.Option(help="Override our seller's strategy for this run.")
    ] = None,
    vs: Annotated[
        str | None,
        typer.Option(
            help="Two strategies, e.g. funnel_pusher,maze_guide: the same committee twice."
        ),
    ] = None,
    from_results: Annotated[
        Path | None,
        typer.Option("--from", help="Replay a run stored in this results folder (a sweep's)."),
    ] = None,
    point: Annotated[
        int | None, typer.Option(min=0, help="With --from: the design point index.")
    ] = None,
    replication: Annotated[
        int | None, typer.Option(min=0, help="With --from: the replication.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    html: HtmlFile = None,
    brief: Annotated[
        bool, typer.Option("--brief", help="Only why the deal ended and its turning points.")
    ] = False,
) -> None:
    """Simulate one deal and tell its story week by week (or replay a stored one)."""
    from sim.model import simulate

    telling = Telling(as_json, html, brief)
    if from_results is not None:
        replay(from_results, scenario, point, replication, seller or vs, telling)
        return
    if scenario is None:
        raise UsageError("give a scenario (file or name), or --from RESULTS")
    settings = load_scenario(scenario)
    if vs is not None:
        strategies = parse_strategies(vs, "--vs")
        if len(strategies) != 2:
            raise UsageError("--vs: give exactly two strategies, e.g. funnel_pusher,maze_guide")
        deals = [simulate(s, seed) for s in strategy_scenarios(settings, strategies, "--vs")]
        tell_versus(settings, seed, strategies, deals, telling)
        return
    if seller is not None:
        settings = strategy_scenarios(settings, parse_strategies(seller, "--seller"), "--seller")[0]
    tell_deal(settings, seed, simulate(settings, seed), telling)


@dataclass(frozen=True)
class Telling:
    """How `run` presents a deal."""

    as_json: bool = False
    html: Path | None = None
    brief: bool = False


def replay(
    results: Path,
    scenario: str | None,
    point: int | None,
    replication: int | None,
    override: str | None,
    telling: Telling,
) -> None:
    """`run --from`: the stored run's scenario and seed, simulated again."""
    from sim.workflow.results import open_results

    if scenario is not None or override is not None:
        raise UsageError("--from: replays the stored run as it was; give no scenario or seller")
    if point is None or replication is None:
        raise UsageError("--from: give --point and --replication (see `b2bsim query`)")
    results_folder = open_results(results)
    stored = results_folder.run(point, replication)
    deal = results_folder.replay(point, replication)
    same = results_folder.matches(point, replication, deal)
    if same is not None and not telling.as_json:
        err.print(
            "replayed: identical to the stored row"
            if same
            else "replayed: differs from the stored row (the model changed since the sweep)",
            markup=False,
        )
    tell_deal(stored.scenario, stored.seed, deal, telling)


def tell_deal(settings: Scenario, seed: int, deal: DealResult, telling: Telling) -> None:
    from sim.story import brief_story, tell_story, verdict, verdict_in_brief

    written = None
    if telling.html is not None:
        from sim.report.reports import deal_report  # Plotly: only for --html

        written = deal_report(deal, settings).write(telling.html)
    if telling.as_json:
        sys.stdout.write(json.dumps(deal.to_dict(), default=str) + "\n")
        return
    out.print(title_line(settings, seed))
    for line in [*verdict_in_brief(deal, settings.decision), ""]:
        out.print(line, markup=False)
    if telling.brief:
        for line in brief_story(deal, settings.decision):
            out.print(line, markup=False)
    else:
        out.print(verdict(deal, settings.decision), markup=False)
        out.print(metrics_table(deal))
        out.print("\n[bold]The story[/bold]")
        for line in tell_story(deal):
            out.print(line, markup=False)
    if written is not None:
        out.print(f"\nreport: {safe_text(written)}")


def tell_versus(
    settings: Scenario, seed: int, strategies: list[str], deals: list[DealResult], telling: Telling
) -> None:
    from sim.story import divergence_week

    written = None
    if telling.html is not None:
        from sim.report.reports import versus_report  # Plotly: only for --html

        pairs = dict(zip(strategies, deals, strict=True))
        written = versus_report(pairs, settings, divergence_week(*deals)).write(telling.html)
    if telling.as_json:
        payload = {s: d.to_dict() for s, d in zip(strategies, deals, strict=True)}
        sys.stdout.write(json.dumps(payload, default=str) + "\n")
        return
    out.print(title_line(settings, seed))
    print_side_by_side(strategies, deals, settings)
    if written is not None:
        out.print(f"report: {safe_text(written)}")


def print_side_by_side(strategies: list[str], deals: list[DealResult], settings: Scenario) -> None:
    """Two deals of the same committee: why each ended, where they diverged, and only the
    weeks in which the committee stood differently (sim.story.versus_rows)."""
    from sim.story import divergence_week, verdict, versus_rows

    diverged = divergence_week(*deals)
    for strategy, deal in zip(strategies, deals, strict=True):
        told = safe_text(verdict(deal, settings.decision), markup=False)
        out.print(Text(f"{strategy}: ", style="bold") + Text(told))
    if diverged is None:
        out.print("The committee's views never differed between the two deals.")
    else:
        out.print(f"The stories diverge in week {diverged}: a stakeholder's favourite differs.")
    table = Table("week", *strategies, box=None, show_lines=False)
    for row in versus_rows(*deals):
        table.add_row(*(Text(safe_text(cell, markup=False)) for cell in row))
    out.print(table)


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files; print what is wrong with each, naming the field."""
    failures = []
    for name in files:
        try:
            settings = load_scenario(name)
        except ConfigError as error:
            failures.append(str(error))
            continue
        except Exception as error:  # one broken file must not hide the others' reports
            failures.append(f"{name}: internal error ({type(error).__name__}: {error})")
            continue
        out.print(
            f"{safe_text(name)}: ok ({safe_text(settings.name)}: "
            f"{settings.committee.effective_size} stakeholders)"
        )
    if failures:
        for failure in failures:
            err.print(f"error: {safe_text(failure, markup=False)}", markup=False)
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the scenario JSON Schema (for editor completion and validation)."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")


@app.command()
def scenarios() -> None:
    """List the named scenarios with their descriptions."""
    table = Table("name", "description", box=None)
    for name, path in named_scenarios().items():
        try:
            description = load_scenario(path).description
        except ConfigError as error:
            description = f"(invalid: {error})"
        table.add_row(safe_text(name), safe_text(description))
    out.print(table)


@app.command()
def compare(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)],
    sellers: Annotated[
        str, typer.Option(help="Our seller's strategies to compare; the first is the reference.")
    ] = "none,funnel_pusher,maze_guide",
    replications: Annotated[
        int, typer.Option(min=1, max=MAX_REPLICATIONS, help="Committees per strategy.")
    ] = 200,
    seed: RootSeed = 1,
    workers: Workers = None,
    as_json: AsJson = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the summary as CSV.")] = False,
    html: HtmlFile = None,
    effort: Annotated[
        str,
        typer.Option(
            help="equal: every seller works its week (default); unequal: funnel-pushers work "
            "only their main contact and leave spare hours idle, to show what that does."
        ),
    ] = "equal",
) -> None:
    """Run every strategy on the same committees and compare outcomes, speed and quality."""
    from sim.report.reports import compare_report
    from sim.runner import Executors
    from sim.workflow.compare import EFFORTS, with_effort
    from sim.workflow.compare import compare as compare_strategies

    if effort not in EFFORTS:
        raise UsageError(f"--effort: expected one of {', '.join(EFFORTS)}, got {effort!r}")
    settings = with_effort(load_scenario(scenario), effort)
    strategies = parse_strategies(sellers, "--sellers")
    strategy_scenarios(settings, strategies, "--sellers")
    with progress("simulating deals") as advance:
        result = compare_strategies(
            settings, strategies, replications, seed, Executors(workers), advance
        )
    summary, effects = result.summary, result.effects
    written = None
    if html is not None:
        report = compare_report(
            settings, strategies, replications, seed, result.deals, summary, effects
        )
        written = report.write(html)
    if as_json:
        payload = {
            "scenario": settings.name,
            "strategies": strategies,
            "replications": replications,
            "seed": seed,
            "summary": json.loads(summary.to_json(orient="records")),
            "paired": json.loads(effects.to_json(orient="records")),
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    if as_csv:
        sys.stdout.write(summary.to_csv(index=False))
        return
    out.print(title_line(settings, seed).replace(f"(seed {seed})", f"({replications} committees)"))
    out.print(comparison_table(summary))
    if not effects.empty:
        from sim.report.reports import pair_lines

        out.print(effects_table(effects))
        for line in pair_lines(strategies, effects):
            out.print(line, markup=False)
    if written is not None:
        out.print(f"report: {safe_text(written)}")


@app.command()
def report(
    results: Annotated[Path, typer.Argument(help="A results folder made by `b2bsim sweep`.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path(
        "report.html"
    ),
    metric: Annotated[
        str, typer.Option(help="Outcome for sensitivity indices: won, lost, no_decision, ...")
    ] = "won",
) -> None:
    """Write an interactive HTML report of a sweep."""
    from sim.analysis.compare import OUTCOME_RATES
    from sim.report.reports import sweep_report
    from sim.store import ResultsStore

    if metric not in OUTCOME_RATES:
        raise UsageError(
            f"--metric: unknown outcome {metric!r} (known: {', '.join(OUTCOME_RATES)})"
        )
    written = sweep_report(ResultsStore.open(results), metric).write(output)
    out.print(f"report: {safe_text(written)}")


@app.command()
def sensitivity(
    results: Annotated[Path, typer.Argument(help="A results folder of a Morris or Sobol sweep.")],
    metric: Annotated[
        str, typer.Option(help="Outcome rate (won, no_decision, ...) or a numeric deals column.")
    ] = "won",
    policy: Annotated[
        str | None, typer.Option(help="In a sweep with policies: the policy whose rate to use.")
    ] = None,
    versus: Annotated[
        str | None,
        typer.Option(help="With --policy: indices of the paired difference policy minus this."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Morris or Sobol indices of a finished sweep, with 95% intervals (a rate, or the paired
    difference between two policies on the same committees)."""
    from sim.analysis.sensitivity import (
        IncompleteSweep,
        SensitivityRequest,
        index_warnings,
        indices_of_metric,
        outcome_words,
    )
    from sim.config.experiment import Experiment
    from sim.store import ResultsStore

    if versus is not None and policy is None:
        raise UsageError("--versus needs --policy (the difference is policy minus versus)")
    store = ResultsStore.open(results)
    experiment = Experiment.model_validate(store.manifest["experiment"])
    try:
        indices = indices_of_metric(experiment, store.deals(), metric, policy, versus)
    except (SensitivityRequest, IncompleteSweep) as error:
        raise UsageError(f"{results}: {error}") from error
    warnings = index_warnings(indices)
    if as_json:
        payload = {
            "experiment": experiment.name,
            "design": experiment.design.kind,
            "metric": metric,
            "policy": policy,
            "versus": versus,
            "indices": json.loads(indices.to_json(orient="records")),
            "warnings": warnings,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    what = outcome_words(metric, policy, versus)
    table = Table("parameter", "index", "value [95% interval]", title=f"Sensitivity of {what}")
    for row in indices.to_dict("records"):
        low, high = row["value"] - row["conf"], row["value"] + row["conf"]
        shown = f"{row['value']:.3f} [{low:.3f}, {high:.3f}]"
        table.add_row(safe_text(row["parameter"]), row["index"], shown)
    out.print(table)
    for warning in warnings:
        err.print(f"warning: {safe_text(warning, markup=False)}", markup=False)


@app.command()
def sweep(
    experiment: Annotated[
        str, typer.Argument(help="Experiment file, or a name from experiments/.")
    ],
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_PROCESSES, help="Local processes (default: all cores)."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")
    ] = None,
    dask_local: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_PROCESSES, help="Start a local Dask cluster of N workers."),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Replications per design point instead of the file's; more than are stored "
            "extends a finished sweep, computing only the new runs.",
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume/--fresh", help="Reuse stored runs, or start over.")
    ] = True,
    retry_failed: Annotated[bool, typer.Option(help="Run again the runs that failed.")] = False,
    output: Annotated[
        Path | None, typer.Option(help="Results folder (default: results/<experiment name>).")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Runs per task (default: about a second's worth).")
    ] = None,
) -> None:
    """Run an experiment's design points x replications into a resumable results folder."""
    from sim.runner import check_scheduler
    from sim.store import ResultsStore
    from sim.workflow.sweep import open_store, run_sweep, with_replications

    if scheduler is not None and dask_local is not None:
        raise UsageError("give --scheduler or --dask-local, not both")
    loaded = load_experiment(experiment)
    if replications is not None:
        loaded = with_replications(loaded, replications)
    root = output or Path("results") / loaded.experiment.name
    if scheduler is not None:
        check_scheduler(scheduler)  # fail fast, before the results folder exists
    store = open_store(loaded, root, fresh=not resume)
    for repaired in store.repaired:
        err.print(f"warning: {safe_text(repaired, markup=False)}", markup=False)
    try:
        with progress("sweeping") as advance:
            summary = run_sweep(
                loaded,
                store,
                workers=workers,
                scheduler=scheduler,
                dask_local=dask_local,
                retry_failed=retry_failed,
                batch_size=batch_size,
                on_progress=advance,
            )
    except KeyboardInterrupt:
        done = ResultsStore.open(root).status()  # what is on disk, not in this process
        again = f"b2bsim sweep {experiment}" + (f" --output {root}" if output else "")
        if replications is not None:
            again += f" --replications {replications}"
        err.print(
            f"interrupted: {done['completed']} of {done['planned']} runs are stored in {root}/; "
            f"resume with: {again}",
            markup=False,
        )
        raise typer.Exit(130) from None
    finally:
        store.close()
    out.print(f"{loaded.experiment.name}: {summary.line()} in {summary.seconds:.1f} s")
    shown = safe_text(root)
    out.print(f'results in {shown}/ (query with: b2bsim query {shown} "SELECT ...")')
    if summary.failed:
        out.print(f"{summary.failed} runs failed; their tracebacks are in {shown}/failures.jsonl")


@app.command()
def status(
    results: Annotated[Path, typer.Argument(help="A results folder, e.g. results/funnel_vs_maze.")],
) -> None:
    """How far a sweep has got: planned, completed, failed and remaining runs."""
    from sim.store import ResultsStore

    info = ResultsStore.open(results).status()
    table = Table(show_header=False, box=None)
    for key, value in info.items():
        table.add_row(key.replace("_", " "), safe_text(value))
    out.print(table)


@app.command()
def query(
    results: Annotated[Path, typer.Argument(help="A results folder.")],
    sql: Annotated[
        str,
        typer.Argument(
            help="SQL over views deals, events, design, failures; quote dotted column names: "
            '"committee.size".'
        ),
    ],
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON records.")] = False,
) -> None:
    """Query stored results with SQL (DuckDB)."""
    from sim.store import ResultsStore, StoreError

    store = ResultsStore.open(results)
    try:
        frame = store.query(sql)
    except StoreError as error:
        raise StoreError(f"{error}{quoting_hint(sql, store.parameter_names)}") from error
    if as_csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif as_json:
        sys.stdout.write(frame.to_json(orient="records") + "\n")
    elif frame.empty:
        out.print(f"(no rows; columns: {safe_text(', '.join(map(str, frame.columns)))})")
    else:
        text = frame.to_string(index=False, max_rows=200)
        out.print(
            "\n".join(safe_text(line, markup=False) for line in text.splitlines()), markup=False
        )


def quoting_hint(sql: str, columns: list[str]) -> str:
    """A hint when the SQL names a dotted column without the double quotes SQL needs."""
    unquoted = [c for c in columns if "." in c and c in sql and f'"{c}"' not in sql]
    if not unquoted:
        return ""
    return f' (hint: a column name with dots needs double quotes in SQL: "{unquoted[0]}")'


@app.command()
def export(
    results: Annotated[Path, typer.Argument(help="A results folder.")],
    to: Annotated[str, typer.Option("--to", help=f"File format: {' or '.join(EXPORT_FORMATS)}.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (default: <folder name>-<table>.<to>)."),
    ] = None,
    table: Annotated[
        str, typer.Option(help="What to export: deals (one row per deal) or events.")
    ] = "deals",
) -> None:
    """Write stored results as one Parquet or CSV file, for pandas, R or a spreadsheet."""
    from sim.workflow.export import FORMATS, export_results
    from sim.workflow.results import open_results

    if to not in FORMATS:
        raise UsageError(f"--to: unknown format {to!r} (known: {', '.join(FORMATS)})")
    if table not in ("deals", "events"):
        raise UsageError(f"--table: unknown table {table!r} (known: deals, events)")
    stored = open_results(results)
    target = output or Path(f"{stored.root.name}-{table}.{to}")
    rows = export_results(stored, target, to, table)
    summary = err if is_standard_output(target) else out  # the table went to stdout
    summary.print(f"{rows} {table} rows: {safe_text(target)}")


@app.command()
def facts(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)] = "baseline",
    replications: Annotated[
        int,
        typer.Option(
            min=10,
            max=MAX_REPLICATIONS,
            help="Committees per seller (1,000: intervals narrower than the facts' bands).",
        ),
    ] = 1000,
    seed: RootSeed = 1,
    workers: Workers = None,
    as_json: AsJson = False,
    html: HtmlFile = None,
) -> None:
    """Compare the model with published figures of B2B buying (the stylized facts)."""
    from sim.analysis.facts import GUIDE, REFERENCE_SELLER
    from sim.api import facts as facts_battery
    from sim.report.reports import facts_report

    settings = load_scenario(scenario)
    with progress("simulating deals") as advance:
        found = facts_battery(settings, replications, seed, workers, advance)
    table = found.table
    written = (
        facts_report(settings, replications, seed, table, found.f11_curve).write(html)
        if html
        else None
    )
    if as_json:
        sys.stdout.write(found.to_json() + "\n")
        return
    out.print(
        f"[bold]{safe_text(settings.name)}[/bold]: stylized facts, {replications} committees, "
        f"our seller a {REFERENCE_SELLER} (F9 and F11 also as a {GUIDE}); 95% bootstrap "
        "intervals"
    )
    out.print(facts_table(table))
    out.print(f11_curve_table(found.f11_curve))
    fitted = table[table["fitted"]]["inside"].dropna()
    checks = table[~table["fitted"]].dropna(subset=["inside"])
    out.print(
        f"Fitted facts: {int(fitted.sum())} of {len(fitted)} inside their tolerance. Validation "
        "checks (never fitted): "
        + ", ".join(f"{r.id} {'inside' if r.inside else 'outside'}" for r in checks.itertuples())
        + "."
    )
    if written is not None:
        out.print(f"report: {safe_text(written)}")


@app.command()
def calibrate(
    experiment: Annotated[
        str, typer.Argument(help="Calibration experiment (default: experiments/calibration.yaml).")
    ] = "calibration",
    workers: Workers = None,
    output: Annotated[
        Path | None,
        typer.Option(help="CSV of every candidate, best first (default: results/<name>.csv)."),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Candidates to print.")] = 5,
) -> None:
    """Search the free parameters for the values that best reproduce the stylized facts."""
    from sim.runner import Executors
    from sim.workflow.calibration import calibrate as calibrate_candidates
    from sim.workflow.sweep import sweep_plan

    loaded = load_experiment(experiment)
    sweep_plan(loaded)  # every candidate is a valid scenario before any run starts
    with progress("calibrating") as advance:
        ranked = calibrate_candidates(loaded, Executors(workers), advance)
    output = output or Path("results") / f"{loaded.experiment.name}.csv"
    write_atomically(output, lambda path: ranked.to_csv(path, index=False))
    out.print(ranked.head(top).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    out.print(f"all {len(ranked)} candidates: {safe_text(output)}")


@app.command()
def robustness(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)] = "baseline",
    replications: Annotated[
        int,
        typer.Option(min=10, max=MAX_REPLICATIONS, help="Committees per change and strategy."),
    ] = 100,
    seed: RootSeed = 1,
    sellers: Annotated[
        str | None,
        typer.Option(help="Strategies of our seller (default: every one the scenario allows)."),
    ] = None,
    workers: Workers = None,
    assumption_replications: Annotated[
        int,
        typer.Option(
            min=0,
            max=MAX_REPLICATIONS,
            help="Committees per neutral assumption and strategy (0: skip that section).",
        ),
    ] = 1000,
    as_json: AsJson = False,
    html: HtmlFile = None,
) -> None:
    """Move every parameter by -25%/+25% (role hours by -1/+1 h), one at a time, then set each
    strategy-specific assumption to its neutral value: what changes for each strategy, and
    where guide vs pusher flips."""
    from sim.analysis.robustness import OUTCOMES
    from sim.api import robustness as robustness_map
    from sim.report.robustness_report import flip_lines, robustness_report

    settings = load_scenario(scenario)
    strategies = (
        parse_strategies(sellers, "--sellers") if sellers else settings.available_strategies()
    )
    with progress("simulating changes") as advance:
        found = robustness_map(
            settings, strategies, replications, assumption_replications, seed, workers, advance
        )
    changes, rates, contrast = found.changes, found.rates, found.contrasts
    written = (
        robustness_report(
            settings, replications, seed, rates, found.effects, contrast,
            found.assumption_rates, found.assumption_contrasts, assumption_replications,
        ).write(html)
        if html
        else None
    )  # fmt: skip
    if as_json:
        sys.stdout.write(found.to_json() + "\n")
        return
    out.print(
        f"[bold]{safe_text(settings.name)}[/bold]: {len(changes)} one-at-a-time changes x "
        f"{len(strategies)} strategies x {replications} committees (paired with the base)"
    )
    for policy in rates.index:
        values = ", ".join(f"{OUTCOMES[o]} {rates.loc[policy, o]:.0%}" for o in OUTCOMES)
        out.print(f"  base, {policy}: {values}")
    flipped = contrast[contrast["flip"]] if not contrast.empty else contrast
    clear = flipped[flipped["clear"]] if not flipped.empty else flipped
    out.print(
        f"sign flips of maze_guide - funnel_pusher: {len(flipped)}, of which {len(clear)} "
        "clear (the new difference's 95% interval excludes zero); the others are within noise"
    )
    for line in flip_lines(clear) if not clear.empty else []:
        out.print(f"  {line}", markup=False)
    if not found.assumption_rates.empty:
        out.print(
            assumptions_table(
                found.assumption_rates, found.assumption_contrasts, assumption_replications
            )
        )
    if written is not None:
        out.print(f"report: {safe_text(written)}")


@app.command()
def parameters(as_json: AsJson = False) -> None:
    """The declared uncertainties (settings of the world a user cannot pin down, with
    plausible ranges and where they come from) and our seller's levers."""
    from sim.config.uncertainties import BASIS_WORDS, LEVERS, UNCERTAINTIES, label

    groups = (("uncertainties", UNCERTAINTIES), ("levers", LEVERS))
    if as_json:
        document = {
            kind: [
                {
                    "path": s.path,
                    "label": label(s.path),
                    "range": s.parameter(),
                    "basis": s.basis,
                    "reason": s.reason,
                }
                for s in settings
            ]
            for kind, settings in groups
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    for kind, settings in groups:
        table = Table("path", "in plain words", "plausible range", "from", "why", title=kind)
        for s in settings:
            table.add_row(s.path, label(s.path), s.range_text(), BASIS_WORDS[s.basis], s.reason)
        out.print(table)
    out.print("<ours> is the scenario's own vendor (our_vendor), <rival> its first competitor.")


@app.command()
def discover(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)] = "baseline",
    policies: Annotated[
        str, typer.Option(help="Our seller's strategies to compare on the same committees.")
    ] = "funnel_pusher,maze_guide",
    samples: Annotated[
        int, typer.Option(min=20, max=20_000, help="Plausible worlds sampled (Latin hypercube).")
    ] = 300,
    replications: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATIONS, help="Committees per world and strategy.")
    ] = 30,
    threshold: Annotated[
        float,
        typer.Option(min=0.001, max=0.999, help="Lead in deals won that counts (0.05: 5 points)."),
    ] = 0.05,
    seed: RootSeed = 1,
    workers: Workers = None,
    as_json: AsJson = False,
    html: HtmlFile = None,
) -> None:
    """When does each strategy win? Sample the plausible worlds, run every strategy on the
    same committees, and find (PRIM) where each leads and where neither does."""
    from sim.report.discover_report import discover_report, summary_lines
    from sim.runner import Executors
    from sim.workflow.discover import discover as discover_worlds

    settings = load_scenario(scenario)
    strategies = parse_strategies(policies, "--policies")
    if len(strategies) < 2:
        raise UsageError("--policies: give at least two strategies to compare")
    strategy_scenarios(settings, strategies, "--policies")
    with progress("simulating worlds") as advance:
        found = discover_worlds(
            settings,
            strategies,
            samples,
            replications,
            threshold,
            seed,
            Executors(workers),
            advance,
        )
    written = discover_report(found).write(html) if html is not None else None
    if as_json:
        sys.stdout.write(json.dumps(found.to_dict(), indent=2) + "\n")
        return
    out.print(f"[bold]{safe_text(settings.name)}[/bold]: when does each strategy win?")
    for line in summary_lines(found):
        out.print(safe_text(line, markup=False), markup=False)
    scores = found.findings.scores
    out.print("What drives the difference (feature scores, extra trees):")
    for path, score in scores.iloc[:8, 0].items():
        out.print(f"  {score:.3f}  {safe_text(str(path))}", markup=False)
    out.print(f"{found.runs:,} deals in {found.seconds:.0f} s")
    if written is not None:
        out.print(f"report: {safe_text(written)}")


@app.command("calibrate-to")
def calibrate_to(
    pipeline: Annotated[
        Path,
        typer.Argument(
            help="Your pipeline CSV: opportunity_id, created, closed, outcome (won, lost, "
            "no_decision, open); optional contacts and our_strategy."
        ),
    ],
    scenario: Annotated[str, typer.Option(help=SCENARIO_HELP)] = "baseline",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the calibrated scenario (YAML) here."),
    ] = None,
    fit: Annotated[
        str | None,
        typer.Option(
            help="Settings to fit, comma-separated (e.g. account.pain,committee.size; "
            "`b2bsim parameters` lists them); default: every world and buyer setting."
        ),
    ] = None,
    particles: Annotated[
        int,
        typer.Option(
            min=20, max=100_000, help="Worlds kept: those whose pipelines come nearest yours."
        ),
    ] = 400,
    budget: Annotated[
        int,
        typer.Option(min=20, max=1_000_000, help="Candidate worlds simulated (one pipeline each)."),
    ] = 2000,
    deals_per_world: Annotated[
        int,
        typer.Option(min=10, max=2000, help="Most deals in one simulated pipeline."),
    ] = 200,
    draws: Annotated[
        int, typer.Option(min=5, max=1000, help="Posterior worlds for the check and answer.")
    ] = 40,
    seed: Annotated[
        int,
        typer.Option(
            min=0,
            max=MAX_SEED,
            help="Seeds the fit and the answer's committees (with --workers 1, the same "
            "seed gives the same result).",
        ),
    ] = 1,
    workers: Workers = None,
    as_json: AsJson = False,
    html: HtmlFile = None,
) -> None:
    """Calibrate to your own pipeline: fit the world and buyer settings to your CRM figures,
    check the fit, and answer what each strategy does in your market."""
    from sim.analysis.pipeline import read_pipeline
    from sim.api import calibrate_to as calibrate
    from sim.report.pipeline_report import (
        check_table,
        difference_table,
        parameter_table,
        pipeline_report,
        strategy_table,
        summary_lines,
    )
    from sim.workflow.pipeline_fit import fitted_settings

    settings = load_scenario(scenario)
    if budget < particles:
        raise UsageError(f"--budget: give at least --particles ({particles}) pipelines")
    fitted = None if fit is None else [p.strip() for p in fit.split(",") if p.strip()]
    if fitted is not None:
        try:
            fitted_settings(settings, fitted)
        except ValueError as error:
            raise UsageError(f"--{error}") from None
    opportunities = read_pipeline(pipeline)
    if not as_json:
        err.print(
            f"fitting the world and buyer settings to {safe_text(pipeline)} ({budget} simulated "
            "pipelines, the nearest regression-adjusted); this takes minutes",
            markup=False,
        )
    with progress("fitting, checking and answering") as advance:
        found = calibrate(
            opportunities,
            settings,
            fit=fitted,
            particles=particles,
            budget=budget,
            deals_per_world=deals_per_world,
            draws=draws,
            seed=seed,
            workers=workers,
            progress=advance,
        )
    written_scenario = found.write_scenario(output) if output is not None else None
    written = pipeline_report(found).write(html) if html is not None else None
    if as_json:
        sys.stdout.write(json.dumps(found.to_dict(), indent=2) + "\n")
        return
    out.print(f"[bold]{safe_text(pipeline.name)}[/bold] against {safe_text(settings.name)}")
    for line in summary_lines(found):
        out.print(safe_text(line, markup=False), markup=False)
    out.print(parameter_table(found))
    out.print(check_table(found))
    out.print(strategy_table(found))
    out.print(difference_table(found))
    if written_scenario is not None:
        out.print(f"calibrated scenario: {safe_text(written_scenario)}")
    if written is not None:
        out.print(f"report: {safe_text(written)}")


@app.command()
def territory(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)] = "territory",
    sellers: Annotated[
        str, typer.Option(help="Strategies of our seller to compare on the same accounts.")
    ] = "funnel_pusher,maze_guide",
    accounts: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Accounts (default: the scenario's).")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Territory seed.")] = 1,
    replications: Annotated[
        int,
        typer.Option(
            min=1, max=1000, help="Territories (seed, seed+1, ...) for means and 95% intervals."
        ),
    ] = 10,
    as_json: AsJson = False,
) -> None:
    """One seller, many accounts, one weekly capacity: deals won, revenue and waste, over
    several territories with 95% intervals and paired verdicts."""
    from sim.report.reports import pair_lines
    from sim.workflow.territory import compare_territories, territory_scenario

    settings = territory_scenario(load_scenario(scenario), accounts)
    strategies = parse_strategies(sellers, "--sellers")
    result = compare_territories(settings, strategies, replications, seed, "--sellers")
    first = result.runs[result.runs["replication"] == 0].to_dict("records")
    if as_json:
        payload = {
            "scenario": settings.name,
            "seed": seed,
            "replications": replications,
            "sellers": first,
            "summary": json.loads(result.summary.to_json(orient="records")),
            "paired": json.loads(result.effects.to_json(orient="records")),
        }
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
        return
    setup = settings.territory or TerritorySettings()
    out.print(
        f"[bold]{safe_text(settings.name)}[/bold]: a territory of {setup.accounts} accounts, "
        f"our seller {setup.capacity_hours:.0f} h a week across them (seed {seed})"
    )
    out.print(territory_table(strategies, first))
    if replications > 1:
        out.print(territory_summary_table(result.summary, replications))
        for line in pair_lines(strategies, result.effects):
            out.print(line, markup=False)


@app.command()
def explore(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8050,
    host: Annotated[
        str,
        typer.Option(
            help="Address to bind: 127.0.0.1 is this machine only; another address (e.g. "
            "0.0.0.0) serves a workshop network and prints a URL with an access token."
        ),
    ] = "127.0.0.1",
    max_seconds: Annotated[
        float | None,
        typer.Option(
            min=1, max=MAX_EXPLORE_SECONDS, help="Stop by itself after this many seconds."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=MAX_PROCESSES, help="Processes for comparisons (default: all cores)."
        ),
    ] = None,
) -> None:
    """Serve the interactive scenario explorer for trainers (and a workshop with --host)."""
    from sim.app.access import Access
    from sim.app.server import free_port, port_problem, serve

    if max_seconds is not None and not math.isfinite(max_seconds):  # nan passes the range
        raise UsageError(f"--max-seconds: {max_seconds} is not a number of seconds")
    try:
        chosen = port or free_port(host)
    except OSError as error:
        raise UsageError(f"--host {host}: cannot listen there ({error})") from error
    problem = port_problem(host, chosen)
    if problem is not None:
        raise UsageError(f"--port {chosen}: {problem}; is another explorer running?")
    access = Access.for_host(host)
    out.print(f"b2bsim explorer: open {access.url(chosen)} in a browser (Ctrl+C to stop)")
    sys.stdout.flush()
    serve(access, port=chosen, max_seconds=max_seconds, workers=workers)


def main(argv: list[str] | None = None) -> None:
    """Entry point: strip `--debug`, run the command, and end every path in one exit status:
    0 done, 1 internal error, 2 bad input (`error: ...` on one line), 130 interrupted."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    rich_utils.MAX_WIDTH = max(rich_utils.MAX_WIDTH or err.width, HELP_WIDTH)
    try:
        code = app(args=args, prog_name="b2bsim", standalone_mode=False)
    except BrokenPipeError:
        # The reader went away (`b2bsim run ... | head`): stop quietly, like other tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except NoArgsIsHelpError as error:
        out.print(error.format_message(), markup=False)
        sys.exit(2)
    except CommandLineError as error:
        command = error.ctx.command_path if error.ctx else "b2bsim"
        fail(f"{error.format_message()} (see: {command} --help)", error, debug)
    except bad_input_errors() as error:
        fail(str(error), error, debug)
    except OSError as error:  # the disk, a permission, a path: the user's environment
        where = f"{error.filename}: " if error.filename else ""
        fail(f"{where}{error.strerror or error}", error, debug)
    except RecursionError as error:
        fail("input nested too deeply to process", error, debug)
    except (OverflowError, MemoryError) as error:
        fail(f"a value too large to compute with ({type(error).__name__})", error, debug)
    except (KeyboardInterrupt, typer.Abort):
        err.print("interrupted", markup=False)
        sys.exit(130)
    except Exception as error:
        if debug:
            raise
        err.print(
            f"internal error: {type(error).__name__}: {safe_text(error, markup=False, limit=500)} "
            "(run with --debug for the traceback)",
            markup=False,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


LAZY_BAD_INPUT = (("sim.store", "StoreError"), ("sim.runner", "SchedulerUnreachable"))
"""Bad-input errors of modules that only some commands import (module, class name)."""


def bad_input_errors() -> tuple[type[Exception], ...]:
    """The errors that mean bad input, not a bug. An error class whose module was never
    imported cannot have been raised, so it is looked up only if loaded: a light command
    does not import the store (pandas, pyarrow) just to name its error."""
    loaded = (getattr(sys.modules.get(module), name, None) for module, name in LAZY_BAD_INPUT)
    return (ConfigError, UsageError, OutputError, *(error for error in loaded if error))


def fail(message: str, error: Exception, debug: bool) -> None:
    """Bad input: one line on stderr, exit status 2 (the traceback only with --debug)."""
    if debug:
        raise error
    lines = (safe_text(line, markup=False) for line in message.splitlines())
    err.print("error: " + "\n".join(lines), markup=False)
    sys.exit(2)
