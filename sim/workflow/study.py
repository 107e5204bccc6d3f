"""The one experiment path: policies x design points x replications.

As EMA Workbench separates levers from uncertainties, a study crosses *policies* (what our
seller does: its strategy and settings) with *design points* (what the world is like:
scenario parameters) and *replications* (which committee). Compare, the facts battery,
calibration, robustness and sweeps are all studies; this module alone decides which runs
exist and which seed each one gets:

    replication r of every policy at every point uses seed `seed + r`

so replication r of every policy meets the same committee and the same exogenous events
(common random numbers), and replication r of a comparison with seed S is the deal
`b2bsim run --seed S+r`. The replication index travels with each run to its row; it is
never recovered from a seed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from pydantic import ValidationError

from sim.config.experiment import Experiment, LoadedExperiment
from sim.config.loading import ConfigError, describe_validation_error
from sim.config.scenario import Scenario, SellerSpec
from sim.model.batch import run_deal
from sim.model.template import DealTemplate
from sim.runner import (
    Batch,
    BatchResult,
    Executors,
    Row,
    Run,
    ScenarioKey,
    execute,
    make_batches,
    open_executor,
)
from sim.workflow.design import DesignPoint, base_point

TARGET_BATCH_SECONDS = 1.0
LABELS = ("policy", "point", "replication", "seed")
"""The columns that identify a run, first in every table of runs."""

Progress = Callable[[int, int, int], None]
"""`progress(done, total, failed)`: called once with done=0 before any run, then per batch."""


def replication_seed(root_seed: int, replication: int) -> int:
    """The seed of replication `replication` in a study with root seed `root_seed`."""
    return root_seed + replication


@dataclass(frozen=True, slots=True)
class Policy:
    """A lever: settings of our seller (`sellers.<our vendor>` fields, e.g. `strategy`,
    `capacity_hours`), under a name that labels its runs."""

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def strategy(cls, name: str, **settings: Any) -> Policy:
        """Our seller following strategy `name` (the policy's name), other settings kept."""
        return cls(name, {"strategy": name, **settings})

    def apply(self, scenario: Scenario, source: str | None = None) -> Scenario:
        """`scenario` with our seller's settings changed; a ConfigError names `source`."""
        if not self.settings:
            return scenario
        data = scenario.model_dump()
        seller = data["sellers"].setdefault(scenario.our_vendor, SellerSpec().model_dump())
        seller.update(self.settings)
        try:
            return Scenario.model_validate(data)
        except ValidationError as error:
            raise ConfigError(
                source or f"policy {self.name}", describe_validation_error(error)
            ) from error


AS_WRITTEN = Policy("as_written")
"""The scenario's own seller, unchanged (sweeps vary the seller, if at all, as a parameter)."""


def strategy_policies(strategies: Sequence[str]) -> list[Policy]:
    return [Policy.strategy(s) for s in strategies]


PolicySpec = Policy | str
"""A policy, or a strategy name (`"maze_guide"`: our seller following it)."""


def as_policies(
    policies: Sequence[PolicySpec] | Mapping[str, Mapping[str, Any]],
) -> tuple[Policy, ...]:
    """Policies from what a user writes: `Policy` objects, strategy names, or a mapping of
    policy name -> our seller's settings (an experiment file's `policies:` section)."""
    if isinstance(policies, Mapping):
        return tuple(Policy(name, dict(settings)) for name, settings in policies.items())
    if isinstance(policies, str):
        raise TypeError("policies: give a list of strategies or policies, not one string")
    return tuple(p if isinstance(p, Policy) else Policy.strategy(p) for p in policies)


def default_policies(base: Scenario | LoadedExperiment) -> tuple[Policy, ...]:
    """An experiment's own `policies:`, else the scenario's seller as written."""
    if isinstance(base, LoadedExperiment) and base.experiment.policies:
        return as_policies(base.experiment.policies)
    return (AS_WRITTEN,)


@dataclass(frozen=True)
class Study:
    """Which runs exist: `policies` x `points` x `replications`, on `base` (a scenario, or
    an experiment that builds each design point's scenario)."""

    base: Scenario | LoadedExperiment
    policies: tuple[Policy, ...] = (AS_WRITTEN,)
    points: tuple[DesignPoint, ...] = (base_point(),)
    replications: int = 1
    seed: int = 1

    def __post_init__(self) -> None:
        names = [p.name for p in self.policies]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"policies need distinct names, got {names}")
        if self.replications < 1 or self.seed < 0:
            raise ValueError("replications must be >= 1 and the seed >= 0")

    @cached_property
    def design_base(self) -> LoadedExperiment:
        """The base as an experiment, which sets a design point's values by scenario path."""
        if isinstance(self.base, LoadedExperiment):
            return self.base
        return as_experiment(self.base)

    def point_scenario(self, point: DesignPoint) -> Scenario:
        if isinstance(self.base, Scenario) and not point.values:
            return self.base  # the scenario as given, not a copy rebuilt from its fields
        return self.design_base.scenario_for(point.values)

    @cached_property
    def scenarios(self) -> dict[ScenarioKey, Scenario]:
        """Every (policy, point) scenario, validated (once) before any run starts."""
        scenarios = {}
        for point in self.points:
            at_point = self.point_scenario(point)
            for policy in self.policies:
                scenarios[policy.name, point.index] = policy.apply(at_point)
        return scenarios

    def runs(self) -> list[Run]:
        """Every run, point by point, then replication by replication."""
        return list(self.each_run())

    def each_run(self) -> Iterator[Run]:
        """`runs()` one at a time: a sweep of a million runs never holds them all."""
        for point in self.points:
            for r in range(self.replications):
                seed = replication_seed(self.seed, r)
                for policy in self.policies:
                    yield Run(policy.name, point.index, r, seed)

    @property
    def size(self) -> int:
        """How many runs the study has."""
        return len(self.points) * self.replications * len(self.policies)


def as_experiment(scenario: Scenario) -> LoadedExperiment:
    """A scenario as the base of design points (values set by scenario path), under a
    fixed experiment name, since a scenario's name need not be a folder name."""
    return LoadedExperiment(
        Experiment(name="study"), scenario.model_dump(mode="json"), scenario.name
    )


@dataclass
class Tally:
    """What executing a study did."""

    planned: int
    computed: int = 0
    reused: int = 0
    failed: int = 0
    skipped_failed: int = 0
    seconds: float = 0.0


Sink = Callable[[BatchResult], None]


def execute_study(
    study: Study,
    sink: Sink,
    executors: Executors | None = None,
    progress: Progress | None = None,
    stored: Collection[tuple[int, int]] = (),
    failed_before: Collection[tuple[int, int]] = (),
    batch_size: int | None = None,
    keep_events: Callable[[Run], bool] | None = None,
) -> Tally:
    """Compute every run of `study` except those `stored` (and those that `failed_before`),
    as (point index, replication): a results store holds one policy's runs. Each batch's
    rows go to `sink` as they arrive."""
    started = time.perf_counter()
    tally = Tally(planned=study.size)

    def todo() -> Iterator[Run]:
        """The runs still to compute, generated (a sweep's plan is never held whole)."""
        for run in study.each_run():
            done = (run.point, run.replication)
            if done not in stored and done not in failed_before:
                yield run

    for run in study.each_run():
        done = (run.point, run.replication)
        if done in stored:
            tally.reused += 1
        elif done in failed_before:
            tally.skipped_failed += 1
    remaining = tally.planned - tally.reused - tally.skipped_failed
    if progress:
        progress(0, remaining, 0)
    scenarios = study.scenarios
    if remaining:
        first = next(todo())
        size = batch_size or _batch_size(scenarios, first)

        def collect(batch: Batch, result: BatchResult) -> None:
            sink(result)
            tally.computed += len(result.rows)
            tally.failed += len(result.failures)
            if progress:
                progress(tally.computed + tally.failed, remaining, tally.failed)

        with open_executor(executors or Executors()) as (executor, slots):
            if batch_size is None:  # four batches a worker or more: none waits on the last
                size = min(size, max(1, math.ceil(remaining / (4 * slots))))
            execute(executor, slots, make_batches(scenarios, todo(), size, keep_events), collect)
    tally.seconds = time.perf_counter() - started
    return tally


PILOT_RUNS = 5
"""Runs timed to size the batches, after one untimed warm-up run."""


def _batch_size(scenarios: dict[ScenarioKey, Scenario], first: Run) -> int:
    """Runs per batch for about a second of work, timed on pilot runs after a warm-up run:
    a fresh process's first run loads the compiled model and would make batches of a few
    runs, whose overhead then dominates a long sweep."""
    template = DealTemplate(scenarios[first.scenario_key])  # timed as batches run them
    run_deal(template, first.seed)
    pilot = time.perf_counter()
    for replication in range(PILOT_RUNS):
        run_deal(template, first.seed + replication).metrics()
    per_run = max((time.perf_counter() - pilot) / PILOT_RUNS, 1e-4)
    return max(1, min(1000, round(TARGET_BATCH_SECONDS / per_run)))


class RunFailed(RuntimeError):
    """A run raised inside the model; the message carries its traceback."""


def evaluate(
    base: Scenario | LoadedExperiment,
    policies: Sequence[PolicySpec] | Mapping[str, Mapping[str, Any]] | None = None,
    points: Sequence[DesignPoint] = (base_point(),),
    replications: int = 1,
    *,
    seed: int = 1,
    executors: Executors | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Simulate policies x design points x replications in memory: one tidy row per deal,
    columns policy, point (design point index), replication, seed, the point's parameter
    values, then every metric; ordered by policy (as given), point and replication.
    `policies` are `Policy` objects, strategy names or a name -> settings mapping (default:
    an experiment's own `policies:`, else the scenario's seller as written); every policy
    meets the same committees at each point. Results do not depend on the executor. A run
    that raises raises `RunFailed`."""
    chosen = default_policies(base) if policies is None else as_policies(policies)
    study = Study(base, chosen, tuple(points), replications, seed)
    rows: list[Row] = []

    def keep(result: BatchResult) -> None:
        if result.failures:
            raise RunFailed(result.failures[0]["traceback"])
        rows.extend(result.rows)

    execute_study(study, keep, executors, progress, batch_size=batch_size)
    return tidy(rows, study)


def tidy(rows: list[Row], study: Study) -> pd.DataFrame:
    """Rows in the study's order, labels and parameter values first."""
    frame = pd.DataFrame.from_records(rows)
    values = pd.DataFrame.from_records(
        [{"point": p.index, **p.values} for p in study.points]
    ).set_index("point")
    parameters = [c for c in values.columns if c not in frame.columns]
    if parameters:
        frame = frame.join(values[parameters], on="point")
    order = {p.name: i for i, p in enumerate(study.policies)}
    frame = frame.sort_values(
        ["policy", "point", "replication"], key=lambda c: c.map(order) if c.name == "policy" else c
    )
    metrics = [c for c in frame.columns if c not in LABELS and c not in parameters]
    return frame[[*LABELS, *parameters, *metrics]].reset_index(drop=True)
