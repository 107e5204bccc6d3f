"""Comparisons that take a while run in a background thread; the page polls their progress,
so the app never blocks.

Several participants share one server in a workshop, so comparisons queue: one runs at a
time (it already uses every worker process), the next comes from the waiting session served
longest ago (a newcomer first), then within it from its tab served longest ago, so one busy
participant cannot starve the others. The session is the server's own (a signed cookie, see
`sim.app.access`), not the tab id the page sends: posing as many tabs gains nothing, since a
session has at most `per_session` comparisons waiting. Each tab has at most one waiting (a
newer request replaces it), and a running comparison is never dropped, so every comparison
started finishes.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.config.scenario import Scenario
from sim.runner import Executors
from sim.workflow.compare import compare
from sim.workflow.territory import TerritoryComparison, compare_territories


class Busy(Exception):
    """Too many comparisons are waiting already."""


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
    client: tuple[str, str] = ("", "")  # (server-side session, the page's tab id)
    started: bool = False
    seconds: float | None = None  # how long it ran, once finished

    @property
    def progress(self) -> float:
        return self.done / self.total if self.total else 0.0

    def run(self, workers: int | None) -> None:
        try:

            def advance(done: int, total: int, failed: int) -> None:
                self.done, self.total = done, total

            result = compare(
                self.scenario,
                self.strategies,
                self.replications,
                self.seed,
                Executors(workers),
                advance,
            )
            self.summary, self.effects, self.rows = result.summary, result.effects, result.deals
        except Exception as error:  # shown in the page, not as a server traceback
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.finished.set()


@dataclass
class TerritoryJob:
    """Territory mode (`sim.workflow.territory`) queued like a comparison: every strategy
    works the same `replications` territories of `scenario`. It runs in one process and
    reports no progress until it ends (`compare_territories` has no progress hook)."""

    scenario: Scenario
    strategies: list[str]
    replications: int
    seed: int
    error: str | None = None
    result: TerritoryComparison | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    client: tuple[str, str] = ("", "")  # (server-side session, the page's tab id)
    started: bool = False
    seconds: float | None = None  # how long it ran, once finished

    @property
    def progress(self) -> float:
        return 1.0 if self.finished.is_set() and not self.error else 0.0

    def run(self, workers: int | None) -> None:
        try:
            self.result = compare_territories(
                self.scenario, self.strategies, self.replications, self.seed, "strategies"
            )
        except Exception as error:  # shown in the page, not as a server traceback
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.finished.set()


Job = ComparisonJob | TerritoryJob
"""Anything the board queues: one runs at a time, whatever its kind."""


class JobBoard:
    """The comparisons of this app by id, queued fairly between sessions, then tabs."""

    def __init__(
        self,
        workers: int | None = None,
        keep: int = 32,
        max_waiting: int = 24,
        per_session: int = 4,
    ) -> None:
        self.workers = workers
        self.keep = keep
        self.max_waiting = max_waiting
        self.per_session = per_session
        self.jobs: dict[str, Job] = {}
        # (session, tab) -> its one waiting job id, oldest first
        self.waiting: dict[tuple[str, str], str] = {}
        # a session, or a (session, tab), -> when it was last served (a counter)
        self.served: dict[str | tuple[str, str], int] = {}
        self.turn = 0
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.runner: threading.Thread | None = None

    def start(self, job: Job, client: str = "", session: str = "") -> str:
        """Queue `job` for the tab `client` of `session`; the tab's waiting job (if any) is
        replaced and marked so. Beyond `max_waiting` comparisons waiting at once, or
        `per_session` of one session, a new one is refused (Busy)."""
        job_id = uuid.uuid4().hex[:12]
        key = job.client = (session, client)
        with self.lock:
            if key not in self.waiting:
                if len(self.waiting) >= self.max_waiting:
                    raise Busy(
                        f"the explorer is busy: {len(self.waiting)} comparisons are waiting; "
                        "try again in a minute"
                    )
                if sum(s == session for s, _ in self.waiting) >= self.per_session:
                    raise Busy(
                        f"this browser has {self.per_session} comparisons waiting already; "
                        "wait for one to finish"
                    )
            replaced = self.waiting.pop(key, None)
            if replaced is not None:
                old = self.jobs[replaced]
                old.error = "replaced by a newer comparison from the same page"
                old.finished.set()
            self.jobs[job_id] = job
            self.waiting[key] = job_id
            self._forget_old()
            if self.runner is None or not self.runner.is_alive():
                self.runner = threading.Thread(target=self._serve, daemon=True)
                self.runner.start()
            self.wake.notify()
        return job_id

    def _forget_old(self) -> None:
        """Keep at most `keep` jobs, dropping only finished ones, oldest first."""
        for job_id in [j for j, job in self.jobs.items() if job.finished.is_set()]:
            if len(self.jobs) <= self.keep:
                break
            del self.jobs[job_id]

    def _queue(self) -> list[tuple[str, str]]:
        """Waiting tabs in the order they will be served: the session served longest ago
        first, then its tab served longest ago (called with the lock held)."""
        arrival = {key: i for i, key in enumerate(self.waiting)}
        return sorted(
            self.waiting,
            key=lambda k: (self.served.get(k[0], -1), self.served.get(k, -1), arrival[k]),
        )

    def _next(self) -> Job | None:
        """The next client's waiting job (called with the lock held)."""
        queue = self._queue()
        if not queue:
            return None
        client = queue[0]
        self.turn += 1
        self.served[client] = self.served[client[0]] = self.turn
        job = self.jobs[self.waiting.pop(client)]
        job.started = True
        return job

    def _serve(self) -> None:
        while True:
            with self.lock:
                job = self._next()
                while job is None:
                    self.wake.wait()
                    job = self._next()
            began = time.monotonic()
            job.run(self.workers)
            job.seconds = time.monotonic() - began

    def get(self, job_id: str | None) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id or "")

    def ahead(self, job_id: str) -> int:
        """How many comparisons run before this waiting one (the running one included)."""
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job.started or job.client not in self.waiting:
                return 0
            running = any(j.started and not j.finished.is_set() for j in self.jobs.values())
            return int(running) + self._queue().index(job.client)

    def status(self, job_id: str | None) -> dict[str, Any]:
        job = self.get(job_id)
        if job is None:
            return {"state": "none"}
        if not job.finished.is_set():
            if not job.started:
                return {"state": "waiting", "ahead": self.ahead(job_id or "")}
            return {"state": "running", "progress": job.progress}
        return {"state": "failed" if job.error else "done", "error": job.error}
