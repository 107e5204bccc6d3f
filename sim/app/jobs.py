"""Comparisons that take a while run in a background thread; the page polls their progress,
so the app never blocks."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.analysis.compare import attach_replications, comparison_tasks, paired_effects, summarize
from sim.config.scenario import Scenario
from sim.runner import run_deals


@dataclass
class ComparisonJob:
    scenario: Scenario
    strategies: list[str]
    replications: int
    seed: int
    total: int = 0
    done: int = 0
    error: str | None = None
    rows: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    effects: pd.DataFrame | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def progress(self) -> float:
        return self.done / self.total if self.total else 0.0

    def run(self, workers: int | None) -> None:
        try:
            treatments = {s: self.scenario.with_strategy(s) for s in self.strategies}
            tasks = comparison_tasks(self.strategies, self.replications, self.seed)
            self.total = len(tasks)

            def advance(n: int) -> None:
                self.done += n

            rows = run_deals(treatments, tasks, workers=workers, on_progress=advance)
            frame = attach_replications(rows, self.seed)
            self.summary = summarize(frame, self.strategies)
            self.effects = paired_effects(frame, self.strategies)
            self.rows = frame
        except Exception as error:  # shown in the page, not as a server traceback
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.finished.set()


class JobBoard:
    """The comparisons of this app, by id (a local, single-user app keeps the last few)."""

    def __init__(self, workers: int | None = None, keep: int = 8) -> None:
        self.workers = workers
        self.keep = keep
        self.jobs: dict[str, ComparisonJob] = {}
        self.lock = threading.Lock()

    def start(self, job: ComparisonJob) -> str:
        job_id = uuid.uuid4().hex[:12]
        with self.lock:
            self.jobs[job_id] = job
            while len(self.jobs) > self.keep:
                self.jobs.pop(next(iter(self.jobs)))
        threading.Thread(target=job.run, args=(self.workers,), daemon=True).start()
        return job_id

    def get(self, job_id: str | None) -> ComparisonJob | None:
        with self.lock:
            return self.jobs.get(job_id or "")

    def status(self, job_id: str | None) -> dict[str, Any]:
        job = self.get(job_id)
        if job is None:
            return {"state": "none"}
        if not job.finished.is_set():
            return {"state": "running", "progress": job.progress}
        return {"state": "failed" if job.error else "done", "error": job.error}
