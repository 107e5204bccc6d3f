"""A sweep: the planned runs of an experiment, minus those already stored, computed in
batches of about a second on any executor and stored as they arrive."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from sim.config.experiment import LoadedExperiment
from sim.config.scenario import Scenario
from sim.experiment import DesignPoint, design_points, planned_runs
from sim.model import simulate
from sim.runner import Batch, BatchResult, execute, make_batches, open_executor
from sim.store import ResultsStore

TARGET_BATCH_SECONDS = 1.0


@dataclass
class SweepSummary:
    planned: int
    computed: int = 0
    reused: int = 0
    failed: int = 0
    skipped_failed: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        text = f"computed {self.computed}, reused {self.reused}, failed {self.failed}"
        if self.skipped_failed:
            text += f" ({self.skipped_failed} earlier failures not retried: --retry-failed)"
        return text


def keeps_events(point: str, replication: int, fraction: float) -> bool:
    """Deterministic sample of runs whose event logs are stored."""
    if fraction <= 0:
        return False
    digest = hashlib.sha256(f"{point}:{replication}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def sweep_plan(loaded: LoadedExperiment) -> tuple[list[DesignPoint], dict[str, Scenario]]:
    """The design points and the validated scenario of each (computed once per experiment):
    every point is checked before any folder is created or any run is started."""
    cached = getattr(loaded, "_sweep_plan", None)
    if cached is None:
        points = design_points(loaded.experiment)
        cached = (points, {p.key: loaded.scenario_for(p.values) for p in points})
        loaded._sweep_plan = cached  # type: ignore[attr-defined]
    return cached


def open_store(loaded: LoadedExperiment, root: str, fresh: bool) -> ResultsStore:
    points, _ = sweep_plan(loaded)
    return ResultsStore.for_experiment(root, loaded.experiment, loaded.base_scenario, points, fresh)


def run_sweep(
    loaded: LoadedExperiment,
    store: ResultsStore,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    retry_failed: bool = False,
    batch_size: int | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> SweepSummary:
    """Compute every planned run not stored yet; `on_progress(done, total, failed)`."""
    started = time.perf_counter()
    experiment = loaded.experiment
    points, scenarios = sweep_plan(loaded)
    plan = planned_runs(experiment, points)
    stored = store.completed()
    failed_before = set(store.failed()) - stored
    todo = []
    summary = SweepSummary(planned=len(plan))
    for task in plan:
        key = (task.point, task.replication)
        if key in stored:
            summary.reused += 1
        elif key in failed_before and not retry_failed:
            summary.skipped_failed += 1
        else:
            todo.append((task.point, task.replication, task.seed))
    if not todo:
        summary.seconds = time.perf_counter() - started
        return summary
    if batch_size is None:
        point, _, seed = todo[0]
        pilot = time.perf_counter()
        simulate(scenarios[point], seed)
        per_run = max(time.perf_counter() - pilot, 1e-4)
        batch_size = max(1, min(1000, round(TARGET_BATCH_SECONDS / per_run)))
    fraction = experiment.outputs.event_log_fraction
    kept = frozenset((p, r) for p, r, _ in todo if keeps_events(p, r, fraction))
    batches = make_batches(scenarios, todo, batch_size, kept)

    def store_result(_: int, batch: Batch, result: BatchResult) -> None:
        store.write(result.rows, result.events)
        store.record_failures(result.failures)
        summary.computed += len(result.rows)
        summary.failed += len(result.failures)
        if on_progress:
            on_progress(summary.computed + summary.failed, len(todo), summary.failed)

    with open_executor(workers, scheduler, dask_local) as (executor, slots):
        execute(executor, slots, batches, store_result)
    summary.seconds = time.perf_counter() - started
    return summary
