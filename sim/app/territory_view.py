"""The explorer's territory view: which strategies it offers, the request checked as
`b2bsim territory` checks it, and the finished territories in words and a table.

The explorer computes nothing here: the territories are worked by
`sim.workflow.territory` through the job queue; this module only turns the page's inputs
into a scenario and the result into what the page shows, with the same rows as the terminal
table and the paired verdict sentences of the reports (`sim.analysis.verdict`)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from dash import dcc, html

from sim.app.layout import MAX_ACCOUNTS, MAX_TERRITORIES, strategy_options
from sim.config.scenario import Scenario, Territory
from sim.report.palette import strategy_words
from sim.report.reports import pair_lines
from sim.terminal import TERRITORY_SUMMARY_ROWS
from sim.workflow.territory import TerritoryComparison, territory_scenario

PREFERRED = ("funnel_pusher", "maze_guide")
"""Ticked when a scenario is loaded, as `b2bsim territory` compares by default."""

CELL = {"padding": ".05rem 1.2rem .05rem 0", "textAlign": "left", "whiteSpace": "nowrap"}
"""Table cells: left-aligned, apart enough that intervals of neighbouring columns never run
together (the explorer's stylesheet has no table rules)."""

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "trainers.md"
GUIDE_SECTION = "**Why territory mode can disagree with `compare`.**"
"""The trainers' guide and the start of its section on why territory mode can disagree with
a comparison of single deals. The explorer serves no documentation, so the page shows that
section itself (from a checkout; an installed package has no docs folder)."""


@functools.cache
def guide_section() -> str | None:
    """The guide's section, from its bold title to the next heading (None without the
    guide, or if the section was renamed)."""
    try:
        lines = GUIDE.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    start = next((i for i, line in enumerate(lines) if line.startswith(GUIDE_SECTION)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return "\n".join(lines[start:end]).strip()


def territory_choices(scenario: Scenario) -> tuple[list[dict[str, str]], list[str], int]:
    """The strategies `scenario` can run (for the checklist), those ticked at first, and its
    number of accounts."""
    offered = scenario.available_strategies()
    selling = [s for s in offered if s != "none"]
    ticked = [s for s in PREFERRED if s in offered] or selling[:2] or offered[:1]
    accounts = (scenario.territory or Territory()).accounts
    return strategy_options(offered, words_only=True), ticked, accounts


def _whole(value: Any, label: str, low: int, high: int) -> int:
    """A whole number from `low` to `high` from a number box (which sends None when empty)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not float(value).is_integer()
        or not low <= value <= high
    ):
        raise ValueError(f"{label} must be a whole number from {low} to {high}")
    return int(value)


def territory_request(
    scenario: Scenario, strategies: Any, accounts: Any, territories: Any
) -> tuple[Scenario, list[str]]:
    """`scenario` with `accounts` accounts and the ticked strategies, checked: at least one,
    each one the scenario can run; bounds as `b2bsim territory` has them."""
    count = _whole(accounts, "accounts", 1, MAX_ACCOUNTS)
    _whole(territories, "territories", 1, MAX_TERRITORIES)
    chosen = [s for s in strategies or [] if isinstance(s, str)]
    if not chosen:
        raise ValueError("tick at least one strategy for the territory (two to compare them)")
    offered = scenario.available_strategies()
    unknown = [s for s in chosen if s not in offered]
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)} cannot sell in this scenario (available: {', '.join(offered)})"
        )
    in_order = [s for s in offered if s in chosen]
    return territory_scenario(scenario, count), in_order


def territory_results(scenario: Scenario, result: TerritoryComparison) -> list[Any]:
    """What the page shows when the territories are done: what was run, per strategy the
    means with 95% intervals, one verdict sentence per pair, and why it can differ from a
    comparison of single deals."""
    setup = scenario.territory or Territory()
    last = result.seed + result.replications - 1
    what = (
        f"Each strategy worked the same {result.replications} territories (seeds "
        f"{result.seed} to {last}) of {setup.accounts} accounts, our seller "
        f"{setup.capacity_hours:g} h a week across them. Means per territory with 95% "
        "intervals:"
    )
    records = result.summary.to_dict("records")
    header = html.Tr(
        [
            html.Th("", style=CELL),
            *(html.Th(strategy_words(r["strategy"]).capitalize(), style=CELL) for r in records),
        ]
    )
    rows = [
        html.Tr(
            [
                html.Th(label, scope="row", style=CELL),
                *(html.Td(render(r), style=CELL) for r in records),
            ]
        )
        for label, render in TERRITORY_SUMMARY_ROWS
    ]
    verdicts = pair_lines(result.strategies, result.effects)
    if not verdicts:
        verdicts = ["Tick two or more strategies to compare them on the same territories."]
    note = html.Div(
        [
            "Why this can differ from the quick comparison: here one seller shares one week's "
            "hours across all accounts, and a maze guide or social seller chooses which "
            "accounts to work, while the comparison gives every deal its own seller. ",
            _guide_link(),
        ],
        className="hint",
        id="territory-note",
    )
    return [
        html.P(what),
        html.Table(
            [html.Thead(header), html.Tbody(rows)],
            className="territory-table",
            style={"borderCollapse": "collapse", "margin": ".2rem 0 .5rem"},
        ),
        *(html.P(line, className="territory-verdict") for line in verdicts),
        note,
    ]


def _guide_link() -> html.Details | html.Span:
    """The trainers' guide's section, opened in place; its name where the guide is absent."""
    title = "Trainers' guide (docs/trainers.md): why territory mode can disagree with compare"
    section = guide_section()
    if section is None:
        return html.Span(f"See the {title}.")
    return html.Details(
        [
            html.Summary(title, style={"cursor": "pointer", "color": "#235789"}),
            dcc.Markdown(section, className="territory-guide"),
        ]
    )
