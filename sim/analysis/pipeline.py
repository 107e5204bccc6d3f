"""A team's own pipeline (a CRM export): read it, check it, summarise it.

A pipeline is a CSV with one opportunity a row: `opportunity_id, created, closed, outcome`
(`won`, `lost`, `no_decision`, `open`), dates ISO (`2025-03-14`), and optionally `contacts`
(the buying contacts the team met: the committee size) and `our_strategy` (how our seller
worked the deal). Other columns are ignored, so a CRM export can be used as it is; lines
starting with `#` before the header are notes (a generated sample says so there).

The pipeline is observed on one day, `as_of` (its latest date): an open opportunity has
been followed for `as_of - created` and is right-censored there, never counted as closed.
The same observation is applied to simulated deals (`observe`), so that the data and the
model are summarised alike (`pipeline_statistics`): outcome shares at `as_of`, Kaplan-Meier
quantiles of the time to any decision, the median time to each kind of ending, and the mean
committee size.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.statistics import Estimate, median_time_to_decision, proportion
from sim.config.loading import ConfigError
from sim.config.registry import STRATEGY_NAMES

REQUIRED = ("opportunity_id", "created", "closed", "outcome")
OPTIONAL = ("contacts", "our_strategy")
OUTCOMES = ("won", "lost", "no_decision", "open")
ENDINGS = ("won", "lost", "no_decision")
MIN_OPPORTUNITIES = 20
"""Fewer opportunities say next to nothing about a market (docs/researchers.md)."""
MAX_OPPORTUNITIES = 100_000
MAX_CONTACTS = 200
MAX_FILE_BYTES = 50_000_000
DAYS_PER_WEEK = 7.0
QUANTILES = (0.25, 0.5, 0.75)
"""The quantiles of the time to any decision that summarise the cycle."""


@dataclass(frozen=True)
class Pipeline:
    """A checked pipeline: one row per opportunity with `opportunity_id`, `created`,
    `closed` (None while open), `outcome`, `weeks` (to the close, or followed so far for an
    open one), and `contacts` / `our_strategy` when the file has them."""

    source: str
    deals: pd.DataFrame
    as_of: date
    has_contacts: bool
    has_strategy: bool

    @property
    def size(self) -> int:
        return len(self.deals)

    @property
    def ages(self) -> np.ndarray:
        """Weeks from each opportunity's creation to `as_of`: how long it could be seen."""
        created = pd.to_datetime(self.deals["created"])
        return ((pd.Timestamp(self.as_of) - created).dt.days / DAYS_PER_WEEK).to_numpy(float)

    def strategy_mix(self) -> dict[str, float] | None:
        """Share of opportunities per `our_strategy`, None without the column."""
        if not self.has_strategy:
            return None
        shares = self.deals["our_strategy"].value_counts(normalize=True, sort=False)
        return {str(k): float(v) for k, v in shares.sort_index().items()}

    def statistics(self) -> dict[str, float]:
        """The summary statistics the fit compares with simulated pipelines."""
        contacts = self.deals["contacts"].to_numpy(float) if self.has_contacts else None
        return pipeline_statistics(
            self.deals["outcome"].to_numpy(str), self.deals["weeks"].to_numpy(float), contacts
        )


def _cell_problem(line: int, column: str, text: str) -> str:
    return f"line {line}, column {column}: {text}"


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def read_pipeline(path: str | Path) -> Pipeline:
    """Read and check a pipeline CSV; every problem (missing file, bad header, bad cell:
    named by line and column) is collected into one `ConfigError` naming the file."""
    path = Path(path)
    source = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(source, [f"larger than {MAX_FILE_BYTES // 1_000_000} MB"])
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(source, ["no such file"]) from None
    except IsADirectoryError:
        raise ConfigError(source, ["is a folder, not a CSV file"]) from None
    except UnicodeDecodeError:
        raise ConfigError(source, ["not a text file in UTF-8"]) from None
    except OSError as error:
        raise ConfigError(source, [f"cannot read ({error.strerror or error})"]) from None
    lines = text.splitlines()
    notes = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    try:
        rows = list(csv.reader(lines[notes:]))
    except csv.Error as error:
        raise ConfigError(source, [f"not a readable CSV file ({error})"]) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ConfigError(
            source, [f"empty: the first line names the columns {', '.join(REQUIRED)}"]
        )
    header = [cell.strip().lower() for cell in rows[0]]
    problems = _header_problems(header)
    if problems:
        raise ConfigError(source, problems)
    column = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    records, problems = _records(rows[1:], column, len(header), first_line=notes + 2)
    if not problems and len(records) < MIN_OPPORTUNITIES:
        problems.append(
            f"{len(records)} opportunities: give at least {MIN_OPPORTUNITIES} to calibrate to"
        )
    if not problems and len(records) > MAX_OPPORTUNITIES:
        problems.append(f"{len(records)} opportunities: at most {MAX_OPPORTUNITIES:,} are read")
    if not problems and all(r["outcome"] == "open" for r in records):
        problems.append("every opportunity is open: at least one must have closed")
    if problems:
        raise ConfigError(source, problems)
    deals = pd.DataFrame.from_records(records)
    as_of = max(max(deals["created"]), max(d for d in deals["closed"] if d is not None))
    ended = [c if c is not None else as_of for c in deals["closed"]]
    deals["weeks"] = [
        (e - c).days / DAYS_PER_WEEK for e, c in zip(ended, deals["created"], strict=True)
    ]
    return Pipeline(source, deals, as_of, "contacts" in column, "our_strategy" in column)


def _header_problems(header: list[str]) -> list[str]:
    problems = [
        f"column {name}: missing from the first line" for name in REQUIRED if name not in header
    ]
    repeated = sorted(name for name, count in Counter(header).items() if count > 1 and name)
    problems += [f"column {name}: named more than once" for name in repeated]
    return problems


def _records(
    rows: list[list[str]], column: dict[str, int], width: int, first_line: int
) -> tuple[list[dict], list[str]]:
    records: list[dict] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows):
        line = offset + first_line
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != width:
            problems.append(f"line {line}: {len(row)} cells, the first line names {width}")
            continue
        cells = {name: row[i].strip() for name, i in column.items()}
        record, row_problems = _record(line, cells)
        identifier = cells["opportunity_id"]
        if identifier and identifier in seen:
            row_problems.append(
                _cell_problem(
                    line,
                    "opportunity_id",
                    f"{_shown(identifier)} already on line {seen[identifier]}",
                )
            )
        seen.setdefault(identifier, line)
        problems += row_problems
        if not row_problems:
            records.append(record)
    return records, problems


def _record(line: int, cells: dict[str, str]) -> tuple[dict, list[str]]:
    problems: list[str] = []
    if not cells["opportunity_id"]:
        problems.append(_cell_problem(line, "opportunity_id", "empty"))
    outcome = cells["outcome"].lower()
    if outcome not in OUTCOMES:
        problems.append(
            _cell_problem(
                line, "outcome", f"{_shown(cells['outcome'])} is not one of {', '.join(OUTCOMES)}"
            )
        )
    created = _parse_date(cells["created"])
    if created is None:
        problems.append(
            _cell_problem(
                line, "created", f"{_shown(cells['created'])} is not an ISO date (YYYY-MM-DD)"
            )
        )
    closed = None
    if cells["closed"]:
        closed = _parse_date(cells["closed"])
        if closed is None:
            problems.append(
                _cell_problem(
                    line, "closed", f"{_shown(cells['closed'])} is not an ISO date (YYYY-MM-DD)"
                )
            )
        elif outcome == "open":
            problems.append(_cell_problem(line, "closed", "an open opportunity has no close date"))
        elif created is not None and closed < created:
            problems.append(_cell_problem(line, "closed", f"{closed} is before created {created}"))
    elif outcome in ENDINGS:
        problems.append(_cell_problem(line, "closed", f"empty, but the outcome is {outcome}"))
    record = {
        "opportunity_id": cells["opportunity_id"],
        "created": created,
        "closed": closed,
        "outcome": outcome,
    }
    if "contacts" in cells:
        record["contacts"], problem = _contacts(cells["contacts"])
        if problem:
            problems.append(_cell_problem(line, "contacts", problem))
    if "our_strategy" in cells:
        strategy = cells["our_strategy"]
        record["our_strategy"] = strategy
        if strategy not in STRATEGY_NAMES:
            problems.append(
                _cell_problem(
                    line,
                    "our_strategy",
                    f"{_shown(strategy)} is not one of {', '.join(STRATEGY_NAMES)}",
                )
            )
    return record, problems


def _contacts(text: str) -> tuple[float, str | None]:
    """A committee size (NaN when the cell is empty: not every opportunity records it)."""
    if not text:
        return math.nan, None
    try:
        value = int(text)
    except ValueError:
        return math.nan, f"{_shown(text)} is not a whole number"
    if not 1 <= value <= MAX_CONTACTS:
        return math.nan, f"{value} is not between 1 and {MAX_CONTACTS}"
    return float(value), None


def observe(
    outcomes: np.ndarray, cycle_weeks: np.ndarray, ages: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Simulated deals as the pipeline would show them on `as_of`: a deal that ended after
    its age (or never) is open, followed for its age. Returns (outcomes, weeks)."""
    outcomes = np.asarray(outcomes, dtype=object)
    cycle_weeks = np.asarray(cycle_weeks, dtype=float)
    ages = np.asarray(ages, dtype=float)
    seen = (outcomes != "open") & (cycle_weeks <= ages)
    return np.where(seen, outcomes, "open"), np.where(
        seen, cycle_weeks, np.minimum(ages, cycle_weeks)
    )


def cycle_quantiles(weeks: np.ndarray, decided: np.ndarray) -> dict[str, float]:
    """Kaplan-Meier weeks by which 25 %, 50 % and 75 % of opportunities reach a decision,
    open ones censored. A quantile never reached is set to the longest follow-up (a finite
    value the fit can compare, meaning 'later than anything seen')."""
    from lifelines import KaplanMeierFitter

    weeks = np.asarray(weeks, dtype=float)
    fitter = KaplanMeierFitter()
    longest = float(weeks.max(initial=0.0))
    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' notes on ties and its step-curve lookup
        fitter.fit(weeks, event_observed=np.asarray(decided, dtype=bool))
        for q in QUANTILES:
            value = float(fitter.percentile(1.0 - q))
            found[f"cycle_q{round(q * 100)}"] = value if math.isfinite(value) else longest
    return found


def ending_weeks(outcomes: np.ndarray, weeks: np.ndarray) -> dict[str, float]:
    """Median weeks to a vendor decision (won or lost) and to no decision, among the
    opportunities closed that way by `as_of`. The two are different mechanisms (a committee
    choosing versus a committee stalling: they answer to different settings, e.g. how sure
    members must be against how fast urgency fades), which the cycle quantiles of all
    decisions mix. Closed-by-`as_of` is a censored view, but simulated pipelines are seen
    the same way, so the fit compares like with like. With no such ending the value is the
    longest follow-up ('later than anything seen'), as for `cycle_quantiles`."""
    weeks = np.asarray(weeks, dtype=float)
    longest = float(weeks.max(initial=0.0))
    found = {}
    for name, endings in (("vendor", ("won", "lost")), ("no_decision", ("no_decision",))):
        closed = weeks[np.isin(outcomes, endings)]
        found[f"weeks_to_{name}"] = float(np.median(closed)) if len(closed) else longest
    return found


def pipeline_statistics(
    outcomes: np.ndarray, weeks: np.ndarray, contacts: np.ndarray | None = None
) -> dict[str, float]:
    """Outcome shares of all opportunities, censoring-aware cycle quantiles, the median
    weeks to each kind of ending, and the mean committee size (only when `contacts` is
    given)."""
    outcomes = np.asarray(outcomes, dtype=object)
    found = {f"share_{e}": float(np.mean(outcomes == e)) for e in ENDINGS}
    found |= cycle_quantiles(weeks, outcomes != "open")
    found |= ending_weeks(outcomes, weeks)
    if contacts is not None:
        known = np.asarray(contacts, dtype=float)
        known = known[np.isfinite(known)]
        found["committee_mean"] = float(known.mean()) if len(known) else math.nan
    return found


STATISTIC_WORDS = {
    "share_won": "share won (of all opportunities)",
    "share_lost": "share lost to a competitor",
    "share_no_decision": "share ended without a decision",
    "cycle_q25": "weeks until a quarter have decided",
    "cycle_q50": "weeks until half have decided",
    "cycle_q75": "weeks until three quarters have decided",
    "weeks_to_vendor": "median weeks to a vendor decision (won or lost)",
    "weeks_to_no_decision": "median weeks to no decision",
    "committee_mean": "mean buying contacts",
}
"""Plain words for each summary statistic."""


@dataclass(frozen=True)
class PipelineSummary:
    """What a sales leader reads first: counts, win rate among closed opportunities, the
    ending shares, the time to a decision with open ones censored, the committee size."""

    opportunities: int
    counts: dict[str, int]
    win_rate: Estimate
    loss_share: Estimate
    no_decision_share: Estimate
    median_weeks: Estimate
    cycle: dict[str, float]
    committee: dict[str, float] | None
    as_of: date

    def to_dict(self) -> dict:
        return {
            "opportunities": self.opportunities,
            "as_of": self.as_of.isoformat(),
            "counts": self.counts,
            "win_rate": _estimate(self.win_rate),
            "loss_share": _estimate(self.loss_share),
            "no_decision_share": _estimate(self.no_decision_share),
            "median_weeks_to_decision": _estimate(self.median_weeks),
            "cycle_quantiles": self.cycle,
            "committee": self.committee,
        }


def _estimate(value: Estimate) -> dict[str, float | None]:
    def plain(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    return {"value": plain(value.value), "low": plain(value.low), "high": plain(value.high)}


def summarise(pipeline: Pipeline) -> PipelineSummary:
    """The pipeline's summary: shares of closed opportunities with Wilson 95 % intervals,
    Kaplan-Meier median time to any decision (95 %), censoring-aware cycle quantiles."""
    deals = pipeline.deals
    counts = {o: int((deals["outcome"] == o).sum()) for o in OUTCOMES}
    closed = sum(counts[e] for e in ENDINGS)
    decided = (deals["outcome"] != "open").to_numpy()
    weeks = deals["weeks"].to_numpy(float)
    committee = None
    if pipeline.has_contacts:
        known = deals["contacts"].dropna()
        if len(known):
            committee = {
                "recorded": len(known),
                "mean": float(known.mean()),
                "median": float(known.median()),
                "low": float(known.min()),
                "high": float(known.max()),
            }
    return PipelineSummary(
        opportunities=pipeline.size,
        counts=counts,
        win_rate=proportion(counts["won"], closed),
        loss_share=proportion(counts["lost"], closed),
        no_decision_share=proportion(counts["no_decision"], closed),
        median_weeks=median_time_to_decision(weeks, decided),
        cycle=cycle_quantiles(weeks, decided),
        committee=committee,
        as_of=pipeline.as_of,
    )
