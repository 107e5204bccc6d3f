"""Running many deals: one code path over a serial loop or a local process pool.

Tasks are (scenario key, seed) pairs; each worker receives the scenarios once (pool
initializer) and returns one flat metrics row per deal, so results cross process boundaries
cheaply. Results are returned in task order, whatever the executor and batch size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sim.config.scenario import Scenario
from sim.model import simulate

Task = tuple[str, int]
Row = dict[str, Any]

_SCENARIOS: dict[str, Scenario] = {}


def _install(scenarios: dict[str, Scenario]) -> None:
    _SCENARIOS.clear()
    _SCENARIOS.update(scenarios)


def _run_batch(batch: Sequence[Task]) -> list[Row]:
    rows = []
    for key, seed in batch:
        row = simulate(_SCENARIOS[key], seed).metrics()
        row["treatment"] = key
        rows.append(row)
    return rows


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def batches(tasks: Sequence[Task], size: int) -> list[Sequence[Task]]:
    return [tasks[i : i + size] for i in range(0, len(tasks), size)]


def run_deals(
    scenarios: dict[str, Scenario],
    tasks: Sequence[Task],
    workers: int | None = None,
    batch_size: int = 25,
    on_progress: Callable[[int], None] | None = None,
) -> list[Row]:
    """Simulate every task and return its metrics row (with a `treatment` column), in task
    order. `workers=1` runs in this process; more use a process pool (forkserver start, so
    no threads are forked)."""
    workers = workers or default_workers()
    chunks = batches(list(tasks), batch_size)
    results: list[list[Row]] = []
    if workers == 1 or len(chunks) == 1:
        _install(scenarios)
        for chunk in chunks:
            results.append(_run_batch(chunk))
            if on_progress:
                on_progress(len(chunk))
        return [row for chunk in results for row in chunk]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.runner"])  # workers start with the model imported
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_install, initargs=(scenarios,)
    ) as pool:
        for chunk, rows in zip(chunks, pool.map(_run_batch, chunks), strict=True):
            results.append(rows)
            if on_progress:
                on_progress(len(chunk))
    return [row for chunk in results for row in chunk]
