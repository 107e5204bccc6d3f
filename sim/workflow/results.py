"""A results folder as researchers use it from Python: tidy pandas tables, SQL, and any
stored run replayed to its full deal (story, event log, figures)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.model import DealResult, simulate
from sim.store import ResultsStore
from sim.workflow.replay import StoredRun, stored_row, stored_run


class Results:
    """The results of a sweep, e.g. `sim.open_results("results/funnel_vs_maze")`."""

    def __init__(self, root: str | Path) -> None:
        self.store = ResultsStore.open(root)
        self.root = self.store.root

    def deals(self) -> pd.DataFrame:
        """One row per stored deal: point (key), point_index, replication, the parameter
        values, then every metric; ordered by design point and replication."""
        return self.store.deals()

    def events(self) -> pd.DataFrame:
        """The stored event logs (the experiment's `event_log_fraction` of runs), one row
        per event, with the run's point_index and replication."""
        return self.store.query(
            "SELECT design.point_index, events.* FROM events JOIN design USING (point) "
            "ORDER BY design.point_index, events.replication, events.week"
        )

    def design(self) -> pd.DataFrame:
        """One row per design point: point (key), point_index and the parameter values."""
        return self.store.query("SELECT * FROM design ORDER BY point_index")

    def query(self, sql: str) -> pd.DataFrame:
        """SQL (DuckDB) over the views deals, events, design and failures."""
        return self.store.query(sql)

    def status(self) -> dict[str, Any]:
        return self.store.status()

    def run(self, point: int, replication: int) -> StoredRun:
        """Where a stored run came from: its scenario and seed."""
        return stored_run(self.store, point, replication)

    def replay(self, point: int, replication: int) -> DealResult:
        """Simulate a stored run again: the identical deal, with its full event log."""
        run = self.run(point, replication)
        return simulate(run.scenario, run.seed)

    def matches(self, point: int, replication: int, deal: DealResult) -> bool | None:
        """Whether `deal` has the stored row's metrics (None while the run is not stored)."""
        row = stored_row(self.store, point, replication)
        if row is None:
            return None
        return all(_same(row[k], v) for k, v in deal.metrics().items() if k in row)


def _same(stored: Any, value: Any) -> bool:
    """Equal, where a missing value may be stored as None or NaN."""
    missing = (None,)
    if stored in missing or (isinstance(stored, float) and math.isnan(stored)):
        return value is None or (isinstance(value, float) and math.isnan(value))
    if isinstance(value, float) or isinstance(stored, float):
        return value is not None and math.isclose(float(stored), float(value), rel_tol=1e-12)
    return bool(stored == value)


def open_results(root: str | Path) -> Results:
    """Open a results folder made by `b2bsim sweep` or `sim.sweep`."""
    return Results(root)
