"""Running many deals: one code path over interchangeable `concurrent.futures` executors.

Work travels in batches: a batch carries the scenarios it needs and a list of runs, each a
(policy, design point, replication, seed), and returns one flat metrics row per deal (plus
the event logs asked for, and any failures). A run is a pure function of (scenario, seed),
so the results are the same whichever executor ran them and however they were batched.
Which runs exist and which seed each gets is decided by the caller (`sim.workflow`).

Executors: `SerialExecutor` (this process), a local process pool (fork, or forkserver with
the model preloaded when threads are running), or Dask distributed (an existing cluster by
address, or a local one).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sim.config.scenario import Scenario
from sim.model import simulate
from sim.model.batch import run_deal
from sim.model.compilation import announce_if_uncompiled
from sim.model.kernel import run_weeks
from sim.model.template import DealTemplate

Row = dict[str, Any]
ScenarioKey = tuple[str, int]
"""(policy name, design point index): which scenario a run simulates."""


@dataclass(frozen=True, slots=True)
class Run:
    """One deal to simulate: replication `replication` of `policy` at design point `point`."""

    policy: str
    point: int
    replication: int
    seed: int

    @property
    def scenario_key(self) -> ScenarioKey:
        return (self.policy, self.point)

    def labels(self) -> Row:
        return {"policy": self.policy, "point": self.point, "replication": self.replication}


@dataclass(frozen=True, slots=True)
class Batch:
    scenarios: dict[ScenarioKey, Scenario]
    runs: list[Run]
    keep_events: frozenset[Run] = frozenset()


@dataclass(slots=True)
class BatchResult:
    rows: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    failures: list[Row] = field(default_factory=list)


TEMPLATES_KEPT = 32
"""Scenarios whose `DealTemplate` a worker keeps between batches (a sweep's design points
each have their own; a comparison's few are reused by every batch)."""
_templates: dict[str, DealTemplate] = {}


def deal_template(scenario: Scenario) -> DealTemplate:
    """The scenario's template, made once per process and kept for later batches: a batch
    arrives with its scenarios unpickled, new objects, so they are matched by content. A
    template is read-only once made (`sim.model.template`), so sharing it changes nothing."""
    key = scenario.model_dump_json()
    template = _templates.pop(key, None) or DealTemplate(scenario)
    _templates[key] = template  # the most recently used last
    while len(_templates) > TEMPLATES_KEPT:  # the least recently used first
        _templates.pop(next(iter(_templates), None), None)
    return template


def run_batch(batch: Batch) -> BatchResult:
    """Simulate a batch; a run that raises is recorded with its traceback, not re-raised.
    Runs whose event log is not kept take the batch path (`sim.model.batch`: each scenario
    set up once, no agents, no logs), which gives the same rows as `simulate`."""
    result = BatchResult()
    templates: dict[ScenarioKey, DealTemplate] = {}
    for run in batch.runs:
        try:
            scenario = batch.scenarios[run.scenario_key]
            if run in batch.keep_events:
                deal = simulate(scenario, run.seed)
            else:
                template = templates.get(run.scenario_key)
                if template is None:
                    template = templates[run.scenario_key] = deal_template(scenario)
                deal = run_deal(template, run.seed)
        except Exception as error:
            result.failures.append(
                {
                    **run.labels(),
                    "seed": run.seed,
                    "error": f"{type(error).__name__}: {error}",
                    "traceback": traceback.format_exc(),
                }
            )
            continue
        result.rows.append({**run.labels(), **deal.metrics()})
        if run in batch.keep_events:
            labels = run.labels()
            result.events.extend({**labels, **event._asdict()} for event in deal.events)
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


def _exit_with(parent: int) -> None:
    """Pool worker initializer: end this worker when the process that started the pool dies
    (a `kill -9` of a sweep must not leave its workers computing, ~150 MB each). A worker
    whose own parent (the sweep, or the forkserver) has gone is adopted by another process;
    a parent that has exited but not been reaped still answers `kill(pid, 0)`."""
    adopted_from = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != adopted_from:
                os._exit(1)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class SchedulerUnreachable(Exception):
    """A Dask scheduler address where nothing answers."""


SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss")
"""The Dask protocols a scheduler address may name (all over TCP, so checkable here)."""


def check_scheduler(address: str, timeout: float = 5.0, option: str = "--scheduler") -> None:
    """Fail fast, before anything is written, when a Dask address is malformed or nothing
    listens there; `option` names the argument in the message."""
    import socket
    from urllib.parse import urlsplit

    shown = address[:200]
    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise SchedulerUnreachable(f"{option} {shown}: not an address ({error})") from None
    if parts.scheme not in SCHEDULER_PROTOCOLS:
        raise SchedulerUnreachable(
            f"{option} {shown}: unknown protocol {parts.scheme[:20]!r} (give "
            f"{' or '.join(p + '://host:port' for p in SCHEDULER_PROTOCOLS)})"
        )
    if not host or port is None:
        raise SchedulerUnreachable(f"{option} {shown}: give host and port, e.g. tcp://h:8786")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise SchedulerUnreachable(f"{option} {shown}: no scheduler answers ({reason})") from None


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Executors:
    """Where runs are computed: a ready `concurrent.futures` executor (with `workers` slots),
    a Dask cluster (`scheduler` address, or `dask_local` workers started here), or local
    processes (`workers`, default all cores; 1 runs in this process)."""

    workers: int | None = None
    scheduler: str | None = None
    dask_local: int | None = None
    executor: Executor | None = None


@contextmanager
def open_executor(choice: Executors) -> Iterator[tuple[Executor, int]]:
    """The executor to use and how many batches it runs at once."""
    if choice.executor is not None:
        yield choice.executor, choice.workers or default_workers()
        return
    if choice.scheduler is not None or choice.dask_local is not None:
        yield from _dask(choice.scheduler, choice.dask_local)
        return
    workers = choice.workers or default_workers()
    if workers == 1:
        yield SerialExecutor(), 1
        return
    announce_if_uncompiled(run_weeks)
    context = _start_method()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_exit_with,
        initargs=(os.getpid(),),
    )
    # Forked workers share this process's memory until they write to it, and their garbage
    # collector writes to every object it visits: frozen, this process's objects are left
    # alone, so a worker copies no pages for them (a comparison run after other work started
    # its workers a third slower). Not if something else froze objects: unfreezing after the
    # pool would undo its freeze too.
    freezes = context.get_start_method() == "fork" and gc.get_freeze_count() == 0
    if freezes:
        gc.freeze()
    try:
        yield pool, workers
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: do not wait for the queue
        raise
    finally:
        if freezes:
            gc.unfreeze()
    pool.shutdown()


def _dask(scheduler: str | None, dask_local: int | None) -> Iterator[tuple[Executor, int]]:
    from distributed import Client, LocalCluster

    if scheduler is not None:
        check_scheduler(scheduler)
        client = Client(scheduler, timeout="10s")
        cluster = None
    else:
        announce_if_uncompiled(run_weeks)
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


def execute(
    executor: Executor,
    slots: int,
    batches: Iterable[Batch],
    on_result: Callable[[Batch, BatchResult], None],
) -> None:
    """Run every batch, at most 2 x slots in flight and the rest not yet made (memory stays
    flat whatever the number of runs), handing each result to `on_result` as it arrives. On
    an interrupt the batches not started are cancelled."""
    pending: dict[Future, Batch] = {}
    upcoming = iter(batches)
    limit = 2 * slots
    exhausted = False
    try:
        while not exhausted or pending:
            while not exhausted and len(pending) < limit:
                batch = next(upcoming, None)
                if batch is None:
                    exhausted = True
                    break
                pending[executor.submit(run_batch, batch)] = batch
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                on_result(pending.pop(future), future.result())
    except BaseException:
        for future in pending:
            future.cancel()
        raise


def make_batches(
    scenarios: dict[ScenarioKey, Scenario],
    runs: Iterable[Run],
    size: int,
    keep_events: Callable[[Run], bool] | None = None,
) -> Iterator[Batch]:
    """Consecutive runs in batches of `size`, each carrying only the scenarios it needs and
    the runs whose event logs are kept; made one at a time, as the executor takes them."""
    chunk: list[Run] = []
    for run in runs:
        chunk.append(run)
        if len(chunk) == size:
            yield _batch(scenarios, chunk, keep_events)
            chunk = []
    if chunk:
        yield _batch(scenarios, chunk, keep_events)


def _batch(
    scenarios: dict[ScenarioKey, Scenario],
    chunk: list[Run],
    keep_events: Callable[[Run], bool] | None,
) -> Batch:
    keys = {run.scenario_key for run in chunk}
    kept = frozenset(run for run in chunk if keep_events(run)) if keep_events else frozenset()
    return Batch({k: scenarios[k] for k in keys}, chunk, kept)
