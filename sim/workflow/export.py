"""Stored results as one file (Parquet or CSV), for pandas, R, DuckDB or a spreadsheet."""

from __future__ import annotations

from pathlib import Path

from sim.files import EXPORT_FORMATS as FORMATS
from sim.files import write_atomically
from sim.workflow.results import Results


def export_results(results: Results, path: str | Path, fmt: str, table: str = "deals") -> int:
    """Write the results' `deals` (one row per deal, by design point and replication) or
    `events` (the sampled event logs) to `path` as `fmt`; the number of rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    frame = results.deals() if table == "deals" else results.events()
    if fmt == "parquet":
        write_atomically(path, lambda p: frame.to_parquet(p, index=False))
    else:
        write_atomically(path, lambda p: frame.to_csv(p, index=False))
    return len(frame)
