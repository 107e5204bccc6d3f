"""Running many deals: one code path over interchangeable `concurrent.futures` executors.

Work travels in batches: a batch carries the scenarios it needs and a list of (key,
replication, seed) tasks, and returns one flat metrics row per deal (plus optional event
logs and any failures). A run is a pure function of (scenario, seed), so the results are the
same whichever executor ran them and however they were batched; callers order them by key.

Executors: `SerialExecutor` (this process), a local process pool (fork, or forkserver with
the model preloaded when threads are running), or Dask distributed (an existing cluster by
address, or a local one).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sim.config.scenario import Scenario
from sim.model import simulate

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Batch:
    scenarios: dict[str, Scenario]
    tasks: list[tuple[str, int, int]]  # (key, replication, seed)
    keep_events: frozenset[tuple[str, int]] = frozenset()


@dataclass(slots=True)
class BatchResult:
    rows: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    failures: list[Row] = field(default_factory=list)


def run_batch(batch: Batch) -> BatchResult:
    """Simulate a batch; a run that raises is recorded with its traceback, not re-raised."""
    result = BatchResult()
    for key, replication, seed in batch.tasks:
        try:
            deal = simulate(batch.scenarios[key], seed)
        except Exception as error:
            result.failures.append(
                {
                    "point": key,
                    "replication": replication,
                    "seed": seed,
                    "error": f"{type(error).__name__}: {error}",
                    "traceback": traceback.format_exc(),
                }
            )
            continue
        row = deal.metrics()
        row["point"] = key
        row["replication"] = replication
        result.rows.append(row)
        if (key, replication) in batch.keep_events:
            result.events.extend(
                {"point": key, "replication": replication, **event._asdict()}
                for event in deal.events
            )
    return result


class SerialExecutor(Executor):
    """Runs each submitted call at once in this process (the reference executor)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


def _start_method() -> multiprocessing.context.BaseContext:
    """Fork when this process has a single thread (workers start at once, with the model
    already imported); otherwise forkserver, since forking a multi-threaded process can
    deadlock (the explorer runs comparisons from a thread)."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.runner"])
    return context


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def open_executor(
    workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> Iterator[tuple[Executor, int]]:
    """The executor to use and how many batches it runs at once."""
    if scheduler is not None or dask_local is not None:
        from distributed import Client, LocalCluster

        if scheduler is not None:
            client = Client(scheduler)
            cluster = None
        else:
            cluster = LocalCluster(
                n_workers=dask_local,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
        try:
            slots = max(1, sum(client.nthreads().values()))
            yield client.get_executor(pure=False), slots
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    workers = workers or default_workers()
    if workers == 1:
        yield SerialExecutor(), 1
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=_start_method()) as pool:
        yield pool, workers


def execute(
    executor: Executor,
    slots: int,
    batches: Sequence[Batch],
    on_result: Callable[[int, Batch, BatchResult], None],
) -> None:
    """Run every batch, at most 2 x slots in flight (memory stays flat), handing each result
    to `on_result` as it arrives."""
    pending: dict[Future, int] = {}
    next_batch = 0
    limit = 2 * slots
    while next_batch < len(batches) or pending:
        while next_batch < len(batches) and len(pending) < limit:
            pending[executor.submit(run_batch, batches[next_batch])] = next_batch
            next_batch += 1
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            index = pending.pop(future)
            on_result(index, batches[index], future.result())


def make_batches(
    scenarios: dict[str, Scenario],
    tasks: Sequence[tuple[str, int, int]],
    size: int,
    keep_events: frozenset[tuple[str, int]] = frozenset(),
) -> list[Batch]:
    batches = []
    for start in range(0, len(tasks), size):
        chunk = list(tasks[start : start + size])
        keys = {key for key, _, _ in chunk}
        kept = frozenset(k for k in keep_events if k[0] in keys)
        batches.append(Batch({k: scenarios[k] for k in keys}, chunk, kept))
    return batches


def run_deals(
    scenarios: dict[str, Scenario],
    tasks: Sequence[tuple[str, int]],
    workers: int | None = None,
    batch_size: int = 25,
    on_progress: Callable[[int], None] | None = None,
) -> list[Row]:
    """Simulate (key, seed) tasks in memory and return their rows in task order, each with a
    `treatment` column naming its key (used by `b2bsim compare`)."""
    indexed = [(key, i, seed) for i, (key, seed) in enumerate(tasks)]
    batches = make_batches(scenarios, indexed, batch_size)
    collected: dict[int, list[Row]] = {}

    def keep(index: int, batch: Batch, result: BatchResult) -> None:
        if result.failures:
            raise RuntimeError(result.failures[0]["traceback"])
        collected[index] = result.rows
        if on_progress:
            on_progress(len(batch.tasks))

    with open_executor(workers) as (executor, slots):
        execute(executor, slots, batches, keep)
    rows = [row for index in sorted(collected) for row in collected[index]]
    for row in rows:
        row["treatment"] = row.pop("point")
        row.pop("replication")
    return rows
