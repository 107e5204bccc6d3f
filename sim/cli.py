"""The `b2bsim` command: one thin verb per job, no logic of its own.

Every user-facing error is one message naming the file and field, exit status 2, no
traceback; `--debug` anywhere on the command line shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.analysis.compare import (
    OUTCOME_RATES,
    attach_replications,
    comparison_tasks,
    paired_effects,
    summarize,
)
from sim.analysis.facts import GUIDE, REFERENCE_SELLER, fact_table, format_value
from sim.calibration import calibrate as calibrate_candidates
from sim.calibration import run_battery
from sim.config import SELLER_STRATEGIES, ConfigError, Scenario, load_scenario
from sim.config.catalogue import named_scenarios, resolve
from sim.config.experiment import load_experiment
from sim.config.loading import describe_validation_error
from sim.config.scenario import Territory as TerritorySettings
from sim.model import DealResult, simulate
from sim.model.territory import simulate_territory
from sim.report.reports import (
    compare_report,
    deal_report,
    facts_report,
    sweep_report,
    versus_report,
)
from sim.runner import run_deals
from sim.store import ResultsStore, StoreError
from sim.story import brief_story, divergence_week, tell_story, verdict, versus_rows
from sim.sweep import open_store, run_sweep, sweep_plan

app = typer.Typer(
    name="b2bsim",
    help="Agent-based simulation of B2B buying committees: the maze, not the funnel.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UsageError(Exception):
    """Bad input from the command line itself (not from a file)."""


def resolve_scenario(name_or_path: str) -> Path:
    return resolve(name_or_path, "scenario")


def read_scenario(name_or_path: str) -> Scenario:
    return load_scenario(resolve_scenario(name_or_path))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def metrics_table(deal: DealResult) -> Table:
    m = deal.metrics()
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    rows: list[tuple[str, str]] = [
        ("cycle time", f"{m['cycle_weeks']} weeks" if m["cycle_weeks"] else "censored"),
        ("regret", "-" if m["regret"] is None else "yes" if m["regret"] else "no"),
        ("agreement at decision", _percent(m["agreement"])),
        ("high-quality deal", "yes" if m["high_quality"] else "no"),
        ("purchase ease", f"{m['purchase_ease']:.2f}"),
        ("loop-backs per stakeholder", f"{m['loopbacks_per_stakeholder']:.1f}"),
        (
            "buying time: seek / validate / align",
            f"{_percent(m['share_seek'])} / {_percent(m['share_validate'])} / "
            f"{_percent(m['share_align'])}",
        ),
        ("buying time with sellers", _percent(m["share_with_sellers"])),
        ("claims discredited", str(m["claims_discredited"])),
        ("clashes", str(m["conflicts"])),
    ]
    for label, value in rows:
        table.add_row(label, value)
    return table


def parse_strategies(text: str, option: str) -> list[str]:
    strategies = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in strategies if s not in SELLER_STRATEGIES]
    if not strategies or unknown:
        raise UsageError(
            f"{option}: unknown strategy {unknown[0]!r} (available: {', '.join(SELLER_STRATEGIES)})"
            if unknown
            else f"{option}: give at least one strategy"
        )
    if len(set(strategies)) != len(strategies):
        raise UsageError(f"{option}: a strategy is listed twice")
    return strategies


def with_strategy(settings: Scenario, strategy: str, option: str = "--seller") -> Scenario:
    try:
        return settings.with_strategy(strategy)
    except ValidationError as error:
        raise ConfigError(option, describe_validation_error(error)) from error


def title_line(settings: Scenario, seed: int) -> str:
    title = f"[bold]{settings.name}[/bold] (seed {seed})"
    return title + (f": {settings.description}" if settings.description else "")


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a name from scenarios/.")],
    seed: Annotated[int, typer.Option(min=0, help="Replication seed.")] = 1,
    seller: Annotated[
        str | None, typer.Option(help="Override our seller's strategy for this run.")
    ] = None,
    vs: Annotated[
        str | None,
        typer.Option(
            help="Two strategies, e.g. funnel_pusher,maze_guide: the same committee twice."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write an interactive HTML report here.")
    ] = None,
    brief: Annotated[
        bool, typer.Option("--brief", help="Only why the deal ended and its turning points.")
    ] = False,
) -> None:
    """Simulate one deal and tell its story week by week."""
    settings = read_scenario(scenario)
    if vs is not None:
        strategies = parse_strategies(vs, "--vs")
        if len(strategies) != 2:
            raise UsageError("--vs: give exactly two strategies, e.g. funnel_pusher,maze_guide")
        deals = [simulate(with_strategy(settings, s), seed) for s in strategies]
        if html is not None:
            report = versus_report(
                dict(zip(strategies, deals, strict=True)), settings, divergence_week(*deals)
            )
            written = report.write(html)
        if as_json:
            payload = {s: d.to_dict() for s, d in zip(strategies, deals, strict=True)}
            sys.stdout.write(json.dumps(payload, default=str) + "\n")
            return
        out.print(title_line(settings, seed))
        print_side_by_side(strategies, deals, settings)
        if html is not None:
            out.print(f"report: {written}")
        return
    if seller is not None:
        parse_strategies(seller, "--seller")
        settings = with_strategy(settings, seller)
    deal = simulate(settings, seed)
    if html is not None:
        written = deal_report(deal, settings).write(html)
    if as_json:
        sys.stdout.write(json.dumps(deal.to_dict(), default=str) + "\n")
        return
    out.print(title_line(settings, seed))
    if brief:
        for line in brief_story(deal, settings.decision):
            out.print(line, markup=False)
    else:
        out.print(verdict(deal, settings.decision), markup=False)
        out.print(metrics_table(deal))
        out.print("\n[bold]The story[/bold]")
        for line in tell_story(deal):
            out.print(line, markup=False)
    if html is not None:
        out.print(f"\nreport: {written}")


def print_side_by_side(strategies: list[str], deals: list[DealResult], settings: Scenario) -> None:
    """Two deals of the same committee: why each ended, where they diverged, and only the
    weeks in which the committee stood differently (sim.story.versus_rows)."""
    diverged = divergence_week(*deals)
    for strategy, deal in zip(strategies, deals, strict=True):
        out.print(Text(f"{strategy}: ", style="bold") + Text(verdict(deal, settings.decision)))
    if diverged is None:
        out.print("The committee's views never differed between the two deals.")
    else:
        out.print(f"The stories diverge in week {diverged}: a stakeholder's favourite differs.")
    table = Table("week", *strategies, box=None, show_lines=False)
    for row in versus_rows(*deals):
        table.add_row(*(Text(cell) for cell in row))
    out.print(table)


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files; print what is wrong with each, naming the field."""
    failures = []
    for name in files:
        try:
            settings = read_scenario(name)
        except ConfigError as error:
            failures.append(str(error))
            continue
        out.print(f"{name}: ok ({settings.name}: {settings.committee.effective_size} stakeholders)")
    if failures:
        for failure in failures:
            err.print(f"error: {failure}", markup=False)
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
        table.add_row(name, description)
    out.print(table)


@app.command()
def compare(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a name from scenarios/.")],
    sellers: Annotated[
        str, typer.Option(help="Our seller's strategies to compare; the first is the reference.")
    ] = "none,funnel_pusher,maze_guide",
    replications: Annotated[int, typer.Option(min=1, help="Committees per strategy.")] = 200,
    seed: Annotated[int, typer.Option(min=0, help="Replication r uses seed S + r.")] = 1,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes (default: all cores).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the summary as CSV.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write an interactive HTML report here.")
    ] = None,
) -> None:
    """Run every strategy on the same committees and compare outcomes, speed and quality."""
    settings = read_scenario(scenario)
    strategies = parse_strategies(sellers, "--sellers")
    treatments = {s: with_strategy(settings, s, "--sellers") for s in strategies}
    tasks = comparison_tasks(strategies, replications, seed)
    with progress_bar(len(tasks), "simulating deals") as advance:
        rows = run_deals(treatments, tasks, workers=workers, on_progress=advance)
    frame = attach_replications(rows, seed)
    summary = summarize(frame, strategies)
    effects = paired_effects(frame, strategies)
    written = None
    if html is not None:
        report = compare_report(settings, strategies, replications, seed, frame, summary, effects)
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
        out.print(effects_table(effects))
    if written is not None:
        out.print(f"report: {written}")


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
    if metric not in OUTCOME_RATES:
        raise UsageError(
            f"--metric: unknown outcome {metric!r} (known: {', '.join(OUTCOME_RATES)})"
        )
    written = sweep_report(ResultsStore.open(results), metric).write(output)
    out.print(f"report: {written}")


def progress_bar(total: int, label: str) -> Any:
    """A rich progress bar on a terminal; nothing when output is piped."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    @contextmanager
    def bar():  # type: ignore[no-untyped-def]
        if not err.is_terminal:
            yield lambda n: None
            return
        with Progress(
            label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err
        ) as progress:
            task = progress.add_task(label, total=total)
            yield lambda n: progress.advance(task, n)

    return bar()


def _interval(row: Any, name: str, percent: bool = True) -> str:
    value, low, high = row[name], row[f"{name}_low"], row[f"{name}_high"]
    if value != value:  # NaN
        return "-"
    if percent:
        return f"{value:.0%} [{low:.0%}, {high:.0%}]"
    if value == float("inf"):
        return "not reached (most deals still open)"
    high_text = "not reached" if high == float("inf") else f"{high:.0f}"
    return f"{value:.0f} [{low:.0f}, {high_text}]"


def comparison_table(summary: Any) -> Table:
    table = Table(title="Outcomes per strategy (95% intervals)", show_lines=False)
    table.add_column("metric", style="bold")
    for strategy in summary["strategy"]:
        table.add_column(strategy)
    rows: list[tuple[str, Any]] = [
        ("won", lambda r: _interval(r, "won")),
        ("lost", lambda r: _interval(r, "lost")),
        ("no decision", lambda r: _interval(r, "no_decision")),
        ("  chose the status quo", lambda r: _interval(r, "no_decision_status_quo")),
        ("  stalled", lambda r: _interval(r, "no_decision_stalled")),
        ("open at horizon (censored)", lambda r: _interval(r, "open")),
        (
            "median weeks to a decision (KM)",
            lambda r: _interval(r, "median_weeks_to_decision", False),
        ),
        ("high-quality deals", lambda r: _interval(r, "high_quality")),
        ("regret (of purchases)", lambda r: _interval(r, "regret")),
        (
            "loop-backs per stakeholder",
            lambda r: f"{r['loopbacks']:.1f} [{r['loopbacks_low']:.1f}, {r['loopbacks_high']:.1f}]",
        ),
        ("buying time with sellers", lambda r: _interval(r, "share_with_sellers")),
        (
            "our seller hours per won deal",
            lambda r: (
                "-"
                if r["seller_hours_per_won"] != r["seller_hours_per_won"]
                else f"{r['seller_hours_per_won']:.0f} h"
            ),
        ),
        (
            "  share on deals not won (waste)",
            lambda r: (
                "-"
                if r["seller_hours_wasted_share"] != r["seller_hours_wasted_share"]
                else f"{r['seller_hours_wasted_share']:.0%}"
            ),
        ),
    ]
    records = summary.to_dict("records")
    for label, render in rows:
        table.add_row(label, *(render(r) for r in records))
    return table


def effects_table(effects: Any) -> Table:
    table = Table(title="Paired differences on the same committees (95% intervals)")
    for column in ("strategy", "vs", "metric", "difference", "relative"):
        table.add_column(column)
    for r in effects.to_dict("records"):
        percent = r["metric"] != "loopbacks_per_stakeholder"
        fmt = (lambda v: f"{v:+.1%}") if percent else (lambda v: f"{v:+.2f}")
        relative = "-" if r["relative"] != r["relative"] else f"x{r['relative']:.2f}"
        table.add_row(
            r["strategy"],
            r["versus"],
            r["metric"].replace("_", " "),
            f"{fmt(r['difference'])} [{fmt(r['difference_low'])}, {fmt(r['difference_high'])}]",
            relative,
        )
    return table


def experiment_path(name_or_path: str) -> Path:
    return resolve(name_or_path, "experiment")


@app.command()
def sweep(
    experiment: Annotated[
        str, typer.Argument(help="Experiment file, or a name from experiments/.")
    ],
    workers: Annotated[
        int | None, typer.Option(min=1, help="Local processes (default: all cores).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")
    ] = None,
    dask_local: Annotated[
        int | None, typer.Option(min=1, help="Start a local Dask cluster of N workers.")
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
    if scheduler is not None and dask_local is not None:
        raise UsageError("give --scheduler or --dask-local, not both")
    loaded = load_experiment(experiment_path(experiment))
    root = output or Path("results") / loaded.experiment.name
    store = open_store(loaded, str(root), fresh=not resume)
    with sweep_progress() as advance:
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
    out.print(f"{loaded.experiment.name}: {summary.line()} in {summary.seconds:.1f} s")
    out.print(f'results in {root}/ (query with: b2bsim query {root} "SELECT ...")')
    if summary.failed:
        out.print(f"{summary.failed} runs failed; their tracebacks are in {root}/failures.jsonl")


def sweep_progress() -> Any:
    """A progress bar with ETA on a terminal; a log line every 10 s otherwise."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    @contextmanager
    def bar():  # type: ignore[no-untyped-def]
        if err.is_terminal:
            with Progress(
                "sweeping", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err
            ) as progress:
                task = progress.add_task("sweep", total=None)

                def advance(done: int, total: int, failed: int) -> None:
                    progress.update(task, completed=done, total=total)

                yield advance
            return
        import time

        started = last = time.monotonic()

        def log(done: int, total: int, failed: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < 10 and done < total:
                return
            last = now
            rate = done / max(now - started, 1e-9)
            eta = (total - done) / rate if rate > 0 else float("inf")
            err.print(
                f"[sweep] {done}/{total} runs ({done / total:.0%}), {failed} failed, "
                f"{rate:.1f} runs/s, ETA {eta:.0f} s",
                markup=False,
            )

        yield log

    return bar()


@app.command()
def status(
    results: Annotated[Path, typer.Argument(help="A results folder, e.g. results/funnel_vs_maze.")],
) -> None:
    """How far a sweep has got: planned, completed, failed and remaining runs."""
    info = ResultsStore.open(results).status()
    table = Table(show_header=False, box=None)
    for key, value in info.items():
        table.add_row(key.replace("_", " "), str(value))
    out.print(table)


@app.command()
def query(
    results: Annotated[Path, typer.Argument(help="A results folder.")],
    sql: Annotated[str, typer.Argument(help="SQL over views deals, events, design, failures.")],
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON records.")] = False,
) -> None:
    """Query stored results with SQL (DuckDB)."""
    frame = ResultsStore.open(results).query(sql)
    if as_csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif as_json:
        sys.stdout.write(frame.to_json(orient="records") + "\n")
    elif frame.empty:
        out.print(f"(no rows; columns: {', '.join(map(str, frame.columns))})")
    else:
        out.print(frame.to_string(index=False, max_rows=200))


@app.command()
def facts(
    scenario: Annotated[
        str, typer.Argument(help="Scenario file or name (default: the baseline).")
    ] = "baseline",
    replications: Annotated[int, typer.Option(min=10, help="Committees per seller.")] = 300,
    seed: Annotated[int, typer.Option(min=0, help="Replication r uses seed S + r.")] = 1,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write an HTML report here.")
    ] = None,
) -> None:
    """Compare the model with published figures of B2B buying (the stylized facts)."""
    settings = read_scenario(scenario)
    with progress_bar(2 * replications, "simulating deals") as advance:
        data = run_battery(settings, replications, seed, workers, on_progress=advance)
    table = fact_table(data)
    written = facts_report(settings, replications, seed, table).write(html) if html else None
    if as_json:
        sys.stdout.write(table.to_json(orient="records", indent=2) + "\n")
        return
    out.print(
        f"[bold]{settings.name}[/bold]: stylized facts, {replications} committees, our seller a "
        f"{REFERENCE_SELLER} (F11 also as a {GUIDE}); 95% bootstrap intervals"
    )
    grid = Table(show_lines=False)
    for column in ("", "pattern", "published", "model [95% interval]", "tolerance", "inside"):
        grid.add_column(column)
    for r in table.itertuples():
        unit = r.unit
        model = (
            f"{format_value(r.value, unit)} [{format_value(r.low, unit)}, "
            f"{format_value(r.high, unit)}]"
        )
        tolerance = (
            "-"
            if r.inside is None and r.tolerance_low != r.tolerance_low
            else f"{format_value(r.tolerance_low, unit)}-{format_value(r.tolerance_high, unit)}"
        )
        verdict = "-" if r.inside is None else "[green]yes[/green]" if r.inside else "[red]no[/red]"
        grid.add_row(r.id, r.pattern, f"{r.published} ({r.source})", model, tolerance, verdict)
    out.print(grid)
    inside = table["inside"].dropna()
    out.print(f"{int(inside.sum())} of {len(inside)} facts with a tolerance are inside it.")
    if written is not None:
        out.print(f"report: {written}")


@app.command()
def calibrate(
    experiment: Annotated[
        str, typer.Argument(help="Calibration experiment (default: experiments/calibration.yaml).")
    ] = "calibration",
    workers: Annotated[int | None, typer.Option(min=1, help="Processes.")] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="CSV of every candidate, best first (default: results/<name>.csv)."),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Candidates to print.")] = 5,
) -> None:
    """Search the free parameters for the values that best reproduce the stylized facts."""
    loaded = load_experiment(experiment_path(experiment))
    total = len(sweep_plan(loaded)[0]) * loaded.experiment.replications * 2
    with progress_bar(total, "calibrating") as advance:
        ranked = calibrate_candidates(loaded, workers=workers, on_progress=advance)
    output = output or Path("results") / f"{loaded.experiment.name}.csv"
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp")
    ranked.to_csv(temporary, index=False)
    os.replace(temporary, output)
    out.print(ranked.head(top).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    out.print(f"all {len(ranked)} candidates: {output}")


@app.command()
def territory(
    scenario: Annotated[str, typer.Argument(help="Scenario file or name.")] = "territory",
    sellers: Annotated[
        str, typer.Option(help="Strategies of our seller to compare on the same accounts.")
    ] = "funnel_pusher,maze_guide",
    accounts: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Accounts (default: the scenario's).")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Territory seed.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One seller, many accounts, one weekly capacity: deals won, revenue and waste."""
    settings = read_scenario(scenario)
    strategies = parse_strategies(sellers, "--sellers")
    if accounts is not None:
        territory_settings = (settings.territory or TerritorySettings()).model_copy(
            update={"accounts": accounts}
        )
        settings = settings.model_copy(update={"territory": territory_settings})
    results = []
    for strategy in strategies:
        with_strategy(settings, strategy, "--sellers")  # a strategy this scenario cannot run
        results.append(simulate_territory(settings, seed, strategy))
    summaries = [r.summary() for r in results]
    if as_json:
        payload = {"scenario": settings.name, "seed": seed, "sellers": summaries}
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
        return
    setup = settings.territory or TerritorySettings()
    out.print(
        f"[bold]{settings.name}[/bold]: a territory of {setup.accounts} accounts, our seller "
        f"{setup.capacity_hours:.0f} h a week across them (seed {seed})"
    )
    table = Table("", *strategies)
    rows = [
        ("accounts worked", lambda x: f"{x['accounts_worked']} of {x['accounts']}"),
        ("deals won", lambda x: str(x["won"])),
        ("lost / no decision / open", lambda x: f"{x['lost']} / {x['no_decision']} / {x['open']}"),
        ("revenue", lambda x: f"{x['revenue']:,.0f}"),
        ("seller hours", lambda x: f"{x['seller_hours']:,.0f}"),
        (
            "hours per won deal",
            lambda x: "-" if x["won"] == 0 else f"{x['hours_per_won_deal']:,.0f}",
        ),
        (
            "hours on deals not won (waste)",
            lambda x: (
                f"{x['hours_on_deals_not_won']:,.0f} ({x['share_wasted']:.0%})"
                if x["seller_hours"]
                else "-"
            ),
        ),
    ]
    for label, render in rows:
        table.add_row(label, *(render(x) for x in summaries))
    out.print(table)


@app.command()
def explore(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8050,
    host: Annotated[str, typer.Option(help="Address to bind (default: this machine only).")] = (
        "127.0.0.1"
    ),
    max_seconds: Annotated[
        float | None, typer.Option(min=1, help="Stop by itself after this many seconds.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes for comparisons (default: all cores).")
    ] = None,
) -> None:
    """Serve the interactive scenario explorer for trainers on this machine."""
    from sim.app.server import free_port, serve

    chosen = port or free_port(host)
    out.print(f"b2bsim explorer: open http://{host}:{chosen}/ in a browser (Ctrl+C to stop)")
    sys.stdout.flush()
    serve(host=host, port=chosen, max_seconds=max_seconds, workers=workers)


def main(argv: list[str] | None = None) -> None:
    """Entry point: strip `--debug`, run the command, turn bad input into exit status 2.

    Usage errors (unknown option, bad number) are reported by Typer itself, also with exit
    status 2; `standalone_mode` makes every path end in SystemExit."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        app(args=args, prog_name="b2bsim", standalone_mode=True)
    except BrokenPipeError:
        # The reader went away (`b2bsim run ... | head`): stop quietly, like other tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except (ConfigError, UsageError, StoreError) as error:
        if debug:
            raise
        err.print(f"error: {error}", markup=False)
        sys.exit(2)
    except Exception as error:
        if debug:
            raise
        err.print(
            f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback)",
            markup=False,
        )
        sys.exit(1)
