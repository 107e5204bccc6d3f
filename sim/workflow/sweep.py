"""A sweep: an experiment's design points x replications as a study, stored as the runs
arrive, minus the runs already stored (resume), on any executor."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config.experiment import Experiment, LoadedExperiment
from sim.config.loading import validate_mapping
from sim.runner import BatchResult, Executors, Row, Run, check_scheduler
from sim.store import ResultsStore
from sim.workflow.design import DesignPoint, design_points, policy_points
from sim.workflow.results import Results
from sim.workflow.study import Progress, Study, Tally, execute_study


@dataclass
class SweepSummary(Tally):
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


def sweep_plan(loaded: LoadedExperiment) -> Study:
    """The experiment as a study; every design point's scenario is checked (by building
    them all once) before any folder is created or any run is started. With `policies`,
    each (design point, policy) is a stored point of its own (`policy_points`); replication
    r of every one uses seed + r, so the policies meet the same committees."""
    cached = getattr(loaded, "_sweep_plan", None)
    if cached is None:
        experiment = loaded.experiment
        points = tuple(design_points(experiment))
        if experiment.policies:
            points = tuple(policy_points(loaded, list(points)))
        cached = Study(
            loaded, points=points, replications=experiment.replications, seed=experiment.seed
        )
        _ = cached.scenarios
        loaded._sweep_plan = cached  # type: ignore[attr-defined]
    return cached


def with_replications(loaded: LoadedExperiment, replications: int) -> LoadedExperiment:
    """The experiment with another replication count (validated like the file's)."""
    data = {**loaded.experiment.model_dump(), "replications": replications}
    experiment = validate_mapping(Experiment, data, loaded.source)
    return LoadedExperiment(experiment, loaded.base_scenario, loaded.source)


def open_store(loaded: LoadedExperiment, root: str | Path, fresh: bool) -> ResultsStore:
    points = list(sweep_plan(loaded).points)
    return ResultsStore.for_experiment(root, loaded.experiment, loaded.base_scenario, points, fresh)


def run_sweep(
    loaded: LoadedExperiment,
    store: ResultsStore,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    retry_failed: bool = False,
    batch_size: int | None = None,
    on_progress: Progress | None = None,
) -> SweepSummary:
    """Compute every planned run not stored yet into `store`, then fold its ledger into
    the manifest."""
    study = sweep_plan(loaded)
    by_key = {p.key: p for p in study.points}
    stored = {(by_key[key].index, r) for key, r in store.completed()}
    failed = set() if retry_failed else {(by_key[k].index, r) for k, r in store.failed()} - stored
    fraction = loaded.experiment.outputs.event_log_fraction
    keys = [p.key for p in study.points]

    def keep_events(run: Run) -> bool:
        return keeps_events(keys[run.point], run.replication, fraction)

    tally = execute_study(
        study,
        StoreSink(store, list(study.points)),
        Executors(workers, scheduler, dask_local),
        on_progress,
        stored,
        failed,
        batch_size,
        keep_events,
    )
    store.compact()  # one manifest listing every part, once, rather than once per batch
    return SweepSummary(**vars(tally))


def sweep_experiment(
    loaded: LoadedExperiment,
    output: str | Path | None = None,
    replications: int | None = None,
    executors: Executors | None = None,
    fresh: bool = False,
    progress: Progress | None = None,
) -> Results:
    """Run `loaded` into its results folder (default results/<name>) and open the results."""
    if replications is not None:
        loaded = with_replications(loaded, replications)
    root = Path(output) if output is not None else Path("results") / loaded.experiment.name
    choice = executors or Executors()
    if choice.scheduler is not None:
        check_scheduler(choice.scheduler, option="scheduler")  # before the folder exists
    store = open_store(loaded, root, fresh)
    try:
        run_sweep(
            loaded,
            store,
            choice.workers,
            choice.scheduler,
            choice.dask_local,
            on_progress=progress,
        )
    finally:
        store.close()
    return Results(root)


class StoreSink:
    """Writes a study's batches into a results store, where a run is (point key,
    replication): sweeps have one policy, the scenario's own seller."""

    def __init__(self, store: ResultsStore, points: list[DesignPoint]) -> None:
        self.store = store
        self.keys = [p.key for p in points]

    def _stored(self, row: Row) -> dict[str, Any]:
        labelled = {k: v for k, v in row.items() if k != "policy"}
        labelled["point"] = self.keys[row["point"]]
        return labelled

    def __call__(self, result: BatchResult) -> None:
        self.store.write(
            [self._stored(r) for r in result.rows], [self._stored(e) for e in result.events]
        )
        self.store.record_failures([self._stored(f) for f in result.failures])
