"""The `b2bsim` command: one thin verb per job, no logic of its own.

Every user-facing error is one message naming the file and field, exit status 2, no
traceback; `--debug` anywhere on the command line shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sim.config import ConfigError, Scenario, load_scenario
from sim.model import DealResult, simulate
from sim.story import tell_story

app = typer.Typer(
    name="b2bsim",
    help="Agent-based simulation of B2B buying committees: the maze, not the funnel.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
"""Named scenarios shipped with the repository."""


class UsageError(Exception):
    """Bad input from the command line itself (not from a file)."""


def named_scenarios() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.yaml"))}


def resolve_scenario(name_or_path: str) -> Path:
    """A scenario file path, or the name of one in scenarios/ ('baseline')."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in name_or_path:
        return path
    named = named_scenarios()
    if name_or_path in named:
        return named[name_or_path]
    raise ConfigError(
        name_or_path,
        [f"no such file, and no named scenario of that name (named: {', '.join(named)})"],
    )


def read_scenario(name_or_path: str) -> Scenario:
    return load_scenario(resolve_scenario(name_or_path))


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def outcome_sentence(deal: DealResult) -> str:
    labels = deal.option_labels
    if deal.outcome.value == "open":
        return f"open: no decision within the {deal.horizon_weeks}-week horizon (censored)"
    if deal.outcome.value == "no_decision":
        if deal.no_decision_cause and deal.no_decision_cause.value == "stalled":
            reason = (deal.stall_reason or "").replace("_", " ")
            return f"no decision: the purchase stalled ({reason}) in week {deal.cycle_weeks}"
        return f"no decision: the committee chose to do nothing in week {deal.cycle_weeks}"
    chosen = labels.get(deal.chosen_option or "", deal.chosen_option)
    return f"{deal.outcome.value}: the committee bought {chosen} in week {deal.cycle_weeks}"


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


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a name from scenarios/.")],
    seed: Annotated[int, typer.Option(min=0, help="Replication seed.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Simulate one deal and tell its story week by week."""
    settings = read_scenario(scenario)
    deal = simulate(settings, seed)
    if as_json:
        sys.stdout.write(json.dumps(deal.to_dict(), default=str) + "\n")
        return
    title = f"[bold]{settings.name}[/bold] (seed {seed})"
    if settings.description:
        title += f": {settings.description}"
    out.print(title)
    out.print(f"[bold]Outcome:[/bold] {outcome_sentence(deal)}")
    out.print(metrics_table(deal))
    out.print("\n[bold]The story[/bold]")
    for line in tell_story(deal):
        out.print(line, markup=False)


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


def main(argv: list[str] | None = None) -> Any:
    """Entry point: strip `--debug`, run the command, turn bad input into exit status 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        return app(args=args, prog_name="b2bsim", standalone_mode=False)
    except (ConfigError, UsageError) as error:
        if debug:
            raise
        err.print(f"error: {error}", markup=False)
        sys.exit(2)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last line of defence for users
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        if debug:
            raise
        err.print(
            f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback)",
            markup=False,
        )
        sys.exit(1)
