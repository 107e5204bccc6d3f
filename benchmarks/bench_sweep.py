"""Sweep benchmark: throughput per executor, speed-up, Dask overhead, peak memory against
sweep size, and the same runs through `mesa.batch_run`. Prints figures, asserts nothing.

Usage: python benchmarks/bench_sweep.py [--runs 600] [--memory-runs 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import mesa

from sim.config import Scenario
from sim.model.model import BuyingCommitteeModel

ROOT = Path(__file__).resolve().parent.parent


def experiment_file(
    folder: Path, name: str, scenario: str, replications: int, extra: str = ""
) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            name: {name}
            scenario: {ROOT / "scenarios" / scenario}
            parameters:
              sellers.ours.strategy: {{values: [funnel_pusher, maze_guide]}}
            replications: {replications}
            seed: 1
            {extra}
            """
        )
    )
    return path


def timed_sweep(path: Path, output: Path, **executor: object) -> float:
    from sim.config.experiment import load_experiment
    from sim.workflow.sweep import open_store, run_sweep

    loaded = load_experiment(path)
    store = open_store(loaded, str(output), fresh=True)
    start = time.perf_counter()
    summary = run_sweep(loaded, store, **executor)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    assert summary.computed == summary.planned, summary
    return elapsed


def throughput(runs: int, folder: Path) -> None:
    path = experiment_file(folder, "throughput", "baseline.yaml", runs // 2)
    serial = timed_sweep(path, folder / "serial", workers=1)
    pool = timed_sweep(path, folder / "pool", workers=2)
    dask = timed_sweep(path, folder / "dask", dask_local=2)
    print(f"sweep of {runs} baseline runs (2 strategies):")
    print(f"  serial            {serial:7.1f} s  {runs / serial:7.1f} runs/s")
    print(
        f"  process pool x2   {pool:7.1f} s  {runs / pool:7.1f} runs/s  "
        f"speed-up {serial / pool:4.2f}x"
    )
    print(
        f"  Dask local x2     {dask:7.1f} s  {runs / dask:7.1f} runs/s  "
        f"overhead vs pool {dask - pool:+.1f} s ({dask / pool - 1:+.0%})"
    )


MEMORY_PROBE = """
import json, resource, sys, time
from sim.config.experiment import load_experiment
from sim.workflow.sweep import open_store, run_sweep
loaded = load_experiment(sys.argv[1])
store = open_store(loaded, sys.argv[2], fresh=True)
start = time.perf_counter()
summary = run_sweep(loaded, store, workers=2)
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"runs": summary.computed, "seconds": time.perf_counter() - start,
                  "parent_mb": self_kb / 1024, "worker_mb": child_kb / 1024}))
"""


def memory(sizes: list[int], folder: Path) -> None:
    print("peak memory against sweep size (one_person, 20-week horizon, 2 workers):")
    for runs in sizes:
        path = experiment_file(
            folder, f"memory{runs}", "one_person.yaml", runs // 2, extra="base: {horizon_weeks: 20}"
        )
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, str(path), str(folder / f"memory{runs}")],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"  {figures['runs']:>7} runs  {figures['seconds']:7.1f} s  "
            f"peak RSS: sweep process {figures['parent_mb']:6.0f} MB, "
            f"largest worker {figures['worker_mb']:6.0f} MB"
        )


def versus_batch_run(runs: int) -> None:
    """The same runs through mesa.batch_run (2 processes) and through our runner."""
    from sim.config import load_scenario
    from sim.runner import Executors
    from sim.workflow.study import evaluate

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    start = time.perf_counter()
    mesa.batch_run(
        BatchRunModel,
        parameters={"scenario": [scenario]},
        rng=list(range(runs)),
        number_processes=2,
        max_steps=scenario.horizon_weeks,
        display_progress=False,
    )
    theirs = time.perf_counter() - start
    start = time.perf_counter()
    evaluate(scenario, replications=runs, seed=0, executors=Executors(workers=2))
    ours = time.perf_counter() - start
    print(f"{runs} baseline runs on 2 processes:")
    print(f"  mesa.batch_run    {theirs:7.1f} s  {runs / theirs:7.1f} runs/s")
    print(
        f"  b2bsim runner     {ours:7.1f} s  {runs / ours:7.1f} runs/s  ratio {theirs / ours:4.2f}x"
    )


class BatchRunModel(BuyingCommitteeModel):
    """The model with the DataCollector that mesa.batch_run expects."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(scenario, seed)
        self.datacollector = mesa.DataCollector(
            model_reporters={"outcome": _outcome, "week": _week}
        )

    def step(self) -> None:
        super().step()
        if not self.running:
            self.datacollector.collect(self)


def _outcome(model: BuyingCommitteeModel) -> str:
    return model.outcome.value if model.outcome else "open"


def _week(model: BuyingCommitteeModel) -> int:
    return model.week


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=600)
    parser.add_argument("--memory-runs", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        throughput(args.runs, folder)
        versus_batch_run(args.runs)
        memory(args.memory_runs, folder)


if __name__ == "__main__":
    main()
