"""How the `b2bsim` command presents things on a terminal: the consoles, the tables of a
deal, a comparison and a territory, and progress with a steady ETA. No computing here."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # imported by the commands that simulate, not by every `b2bsim` start
    from sim.model import DealResult

out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ProgressCallback = Callable[[int, int, int], None]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _missing(value: float) -> bool:
    return value != value  # NaN


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


def _interval(row: Any, name: str, percent: bool = True) -> str:
    value, low, high = row[name], row[f"{name}_low"], row[f"{name}_high"]
    if _missing(value):
        return "-"
    if percent:
        return f"{value:.0%} [{low:.0%}, {high:.0%}]"
    if value == float("inf"):
        return "not reached (most deals still open)"
    high_text = "not reached" if high == float("inf") else f"{high:.0f}"
    return f"{value:.0f} [{low:.0f}, {high_text}]"


COMPARISON_ROWS: list[tuple[str, Callable[[Any], str]]] = [
    ("won", lambda r: _interval(r, "won")),
    ("lost", lambda r: _interval(r, "lost")),
    ("no decision", lambda r: _interval(r, "no_decision")),
    ("  chose the status quo", lambda r: _interval(r, "no_decision_status_quo")),
    ("  stalled", lambda r: _interval(r, "no_decision_stalled")),
    ("open at horizon (censored)", lambda r: _interval(r, "open")),
    ("median weeks to a decision (KM)", lambda r: _interval(r, "median_weeks_to_decision", False)),
    ("our high-quality wins", lambda r: _interval(r, "our_high_quality")),
    ("  committee: high-quality purchases, any vendor", lambda r: _interval(r, "high_quality")),
    ("regret (of purchases)", lambda r: _interval(r, "regret")),
    (
        "loop-backs per stakeholder",
        lambda r: f"{r['loopbacks']:.1f} [{r['loopbacks_low']:.1f}, {r['loopbacks_high']:.1f}]",
    ),
    ("buying time with sellers", lambda r: _interval(r, "share_with_sellers")),
    (
        "our seller hours per won deal",
        lambda r: (
            "-" if _missing(r["seller_hours_per_won"]) else f"{r['seller_hours_per_won']:.0f} h"
        ),
    ),
    (
        "  share on deals not won (waste)",
        lambda r: (
            "-"
            if _missing(r["seller_hours_wasted_share"])
            else f"{r['seller_hours_wasted_share']:.0%}"
        ),
    ),
]


def comparison_table(summary: Any) -> Table:
    table = Table(title="Outcomes per strategy (95% intervals)", show_lines=False)
    table.add_column("metric", style="bold")
    for strategy in summary["strategy"]:
        table.add_column(strategy)
    records = summary.to_dict("records")
    for label, render in COMPARISON_ROWS:
        table.add_row(label, *(render(r) for r in records))
    return table


def effects_table(effects: Any) -> Table:
    """Every pair of strategies on the same committees, with the verdict its interval allows
    (sim.analysis.verdict: ahead, behind or cannot tell)."""
    from sim.analysis.verdict import METRIC_WORDS, verdict_of

    table = Table(title="Paired differences on the same committees (95% intervals)")
    for column in ("strategy", "vs", "metric", "difference", "relative", "verdict"):
        table.add_column(column)
    for r in effects.to_dict("records"):
        percent = r["metric"] != "loopbacks_per_stakeholder"
        fmt = (lambda v: f"{v:+.1%}") if percent else (lambda v: f"{v:+.2f}")
        relative = "-" if _missing(r["relative"]) else f"x{r['relative']:.2f}"
        table.add_row(
            r["strategy"],
            r["versus"],
            METRIC_WORDS.get(r["metric"], (r["metric"].replace("_", " "),))[0],
            f"{fmt(r['difference'])} [{fmt(r['difference_low'])}, {fmt(r['difference_high'])}]",
            relative,
            verdict_of(r).tell(),
        )
    return table


TERRITORY_ROWS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("accounts worked", lambda x: f"{x['accounts_worked']} of {x['accounts']}"),
    ("deals won", lambda x: str(x["won"])),
    ("lost / no decision / open", lambda x: f"{x['lost']} / {x['no_decision']} / {x['open']}"),
    ("revenue", lambda x: f"{x['revenue']:,.0f}"),
    ("seller hours", lambda x: f"{x['seller_hours']:,.0f}"),
    ("hours per won deal", lambda x: "-" if x["won"] == 0 else f"{x['hours_per_won_deal']:,.0f}"),
    (
        "hours on deals not won (waste)",
        lambda x: (
            f"{x['hours_on_deals_not_won']:,.0f} ({x['share_wasted']:.0%})"
            if x["seller_hours"]
            else "-"
        ),
    ),
]


def territory_table(strategies: list[str], summaries: list[dict[str, Any]]) -> Table:
    table = Table("", *strategies)
    for label, render in TERRITORY_ROWS:
        table.add_row(label, *(render(x) for x in summaries))
    return table


def _mean_cell(row: dict[str, Any], name: str, fmt: str = ",.1f") -> str:
    value, low, high = row[name], row[f"{name}_low"], row[f"{name}_high"]
    if _missing(value):
        return "-"
    return f"{value:{fmt}} [{low:{fmt}}, {high:{fmt}}]"


TERRITORY_SUMMARY_ROWS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("deals won per territory", lambda x: _mean_cell(x, "won")),
    ("revenue per territory", lambda x: _mean_cell(x, "revenue", ",.0f")),
    ("seller hours per territory", lambda x: _mean_cell(x, "seller_hours", ",.0f")),
    (
        "hours per won deal (all territories)",
        lambda x: "-" if _missing(x["hours_per_won_deal"]) else f"{x['hours_per_won_deal']:,.0f}",
    ),
    (
        "share of hours on deals not won",
        lambda x: "-" if _missing(x["share_wasted"]) else f"{x['share_wasted']:.0%}",
    ),
]


def territory_summary_table(summary: Any, territories: int) -> Table:
    """Territory mode over replications: means per territory with 95% t intervals."""
    table = Table(
        "", *summary["strategy"], title=f"Means over {territories} territories (95% intervals)"
    )
    records = summary.to_dict("records")
    for label, render in TERRITORY_SUMMARY_ROWS:
        table.add_row(label, *(render(r) for r in records))
    return table


def facts_table(facts: Any) -> Table:
    """The stylized facts: published figure, the model's value with its interval, verdict."""
    from sim.analysis.facts import format_value  # pandas and scipy: only for `facts`

    grid = Table(show_lines=False)
    for column in (
        "",
        "pattern",
        "published",
        "model [95% interval]",
        "tolerance",
        "inside",
        "role",
    ):
        grid.add_column(column)
    for r in facts.itertuples():
        unit = r.unit
        model = (
            f"{format_value(r.value, unit)} [{format_value(r.low, unit)}, "
            f"{format_value(r.high, unit)}]"
        )
        tolerance = (
            "-"
            if r.inside is None and _missing(r.tolerance_low)
            else f"{format_value(r.tolerance_low, unit)}-{format_value(r.tolerance_high, unit)}"
        )
        inside = "-" if r.inside is None else "[green]yes[/green]" if r.inside else "[red]no[/red]"
        role = "fitted" if getattr(r, "fitted", True) else "validation"
        grid.add_row(r.id, r.pattern, f"{r.published} ({r.source})", model, tolerance, inside, role)
    return grid


def assumptions_table(rates: Any, contrasts: Any, replications: int) -> Table:
    """The robustness map's assumptions section: per row (the scenario as written first),
    each strategy's won / no-decision / our high-quality rates, and guide minus pusher with
    its 95% interval per outcome (when both strategies ran)."""
    from sim.analysis.robustness import OUTCOMES

    policies = list(dict.fromkeys(rates["policy"]))
    grid = Table(title=f"Neutral assumptions, one at a time, on the same {replications} committees")
    grid.add_column("assumption")
    for policy in policies:
        grid.add_column(f"{policy}\nwon / no dec. / our HQ")
    if not contrasts.empty:
        for words in ("won", "no decision", "our high-quality wins"):
            grid.add_column(f"guide - pusher\n{words} [95%]")
    for point, row_rates in rates.groupby("point", sort=True):
        first = row_rates.iloc[0]
        label = first["assumption"] + ("" if first["changes_scenario"] or point == 0 else
                                       " (already so in this scenario)")  # fmt: skip
        cells = [label]
        for policy in policies:
            mine = row_rates[row_rates["policy"] == policy].set_index("outcome")["rate"]
            cells.append(" / ".join(_percent(mine.get(o)) for o in OUTCOMES))
        if not contrasts.empty:
            gaps = contrasts[contrasts["point"] == point].set_index("outcome")
            for outcome in OUTCOMES:
                g = gaps.loc[outcome]
                cells.append(f"{g['difference']:+.1%} [{g['low']:+.1%}, {g['high']:+.1%}]")
        grid.add_row(*cells)
    return grid


def f11_curve_table(curve: Any) -> Table:
    """F11 at each regret margin: our high-quality wins with a guide and with a pusher, and
    their ratio [95% interval]; the scenario's own margin (the table's F11) marked."""
    from sim.analysis.facts import format_value

    grid = Table(title="F11 over the regret margin (the same deals, not re-run)")
    for column in ("regret margin", "guide", "pusher", "F11 guide / pusher [95% interval]"):
        grid.add_column(column)
    for r in curve.itertuples():
        mark = " (this scenario's)" if r.scenario_margin else ""
        grid.add_row(
            f"{r.margin:.2f}{mark}",
            _percent(None if _missing(r.guide) else r.guide),
            _percent(None if _missing(r.pusher) else r.pusher),
            f"{format_value(r.value, 'ratio')} [{format_value(r.low, 'ratio')}, "
            f"{format_value(r.high, 'ratio')}]",
        )
    if curve["guide"].isna().all():
        grid.caption = "(the deals carry no regret shortfall to recompute it from)"
    return grid


class SteadyRemaining(ProgressColumn):
    """Time left at the average pace since the start (rich's own estimate follows the last
    few updates, which jump when batches finish together)."""

    def render(self, task: Task) -> Text:
        if not task.completed or task.total is None or task.elapsed is None:
            return Text("ETA -:--", style="progress.remaining")
        left = task.elapsed * (task.total - task.completed) / task.completed
        minutes, seconds = divmod(round(left), 60)
        return Text(f"ETA {minutes}:{seconds:02d}", style="progress.remaining")


@contextmanager
def progress(label: str, console: Console = err) -> Iterator[ProgressCallback]:
    """Progress of runs, `callback(done, total, failed)`: a bar on a terminal (shown with its
    total from the start), a log line every 10 s otherwise, nothing with B2BSIM_PROGRESS=0
    (for logs that must not depend on the machine's speed, like the documented examples)."""
    if os.environ.get("B2BSIM_PROGRESS", "").strip() == "0":
        yield lambda done, total, failed: None
        return
    if console.is_terminal:
        columns = (label, BarColumn(), MofNCompleteColumn(), SteadyRemaining())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(label, total=None)
            yield lambda done, total, failed: bar.update(task, completed=done, total=total)
        return
    started = last = time.monotonic()
    logged = False

    def log(done: int, total: int, failed: int) -> None:
        nonlocal last, logged
        now = time.monotonic()
        finished_after_a_log = done >= total and logged
        if done == 0 or (now - last < 10 and not finished_after_a_log):
            return
        last, logged = now, True
        rate = done / max(now - started, 1e-9)
        console.print(
            f"[{label}] {done}/{total} runs ({done / total:.0%}), {failed} failed, "
            f"{rate:.1f} runs/s, ETA {(total - done) / rate:.0f} s",
            markup=False,
        )

    yield log
