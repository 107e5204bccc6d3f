"""Sweep benchmark: throughput serial vs a process pool vs Dask, cold sweeps of 2,000 and
20,000 runs (`b2bsim sweep` in a fresh process each: do time and memory grow linearly and stay
flat?), the store's cost per committed batch as a folder fills, the same runs through
`mesa.batch_run`, and peak memory against sweep size. Prints figures against issues
12's and 19's targets, asserts nothing (see `make bench`; never a timed test).

Every sweep goes through the public API (`sim.sweep`) and streams its rows into a results
folder on disk, as `b2bsim sweep` does; nothing here holds a sweep's rows in memory. Memory is
measured in a fresh process per sweep size (its peak RSS and its workers').

Usage: python benchmarks/bench_sweep.py [--runs 2000] [--memory-runs 10000 1000000] [--quick]
--quick (or BENCH_QUICK=1) measures memory at 10,000 and 100,000 runs instead.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import psutil

import sim
from sim.config.experiment import MAX_REPLICATIONS
from sim.model.model import BuyingCommitteeModel

ROOT = Path(__file__).resolve().parent.parent
MEMORY_RUNS = [10_000, 1_000_000]
QUICK_MEMORY_RUNS = [10_000, 100_000]
CHECKPOINTS = (0.1, 0.5, 1.0)
"""Fractions of a memory sweep at which the RSS of the sweep process and its workers is read."""


def row(label: str, figure: str, target: str = "") -> None:
    """One printed figure: what was measured, the figure, and its issue's target if any."""
    line = f"  {label:<44} {figure:<56}"
    print(f"{line} target {target}" if target else line.rstrip(), flush=True)


def experiment_file(folder: Path, name: str, scenario: str, runs: int) -> Path:
    """An experiment of `runs` runs: our pusher and our guide (against the scenario's rival)
    on the same committees; past MAX_REPLICATIONS per point, also our seller's discount at a
    few levels (0, 1%, 2%...), so that a million runs stay within the experiment's limits."""
    levels = math.ceil(runs / (2 * MAX_REPLICATIONS))
    discounts = ", ".join(f"{level / 100:g}" for level in range(levels))
    spread = f"\n  sellers.ours.discount: {{values: [{discounts}]}}" if levels > 1 else ""
    path = folder / f"{name}.yaml"
    path.write_text(
        f"name: {name}\n"
        f"scenario: {ROOT / 'scenarios' / f'{scenario}.yaml'}\n"
        "parameters:\n"
        f"  sellers.ours.strategy: {{values: [funnel_pusher, maze_guide]}}{spread}\n"
        f"replications: {math.ceil(runs / (2 * levels))}\n"
        "seed: 1\n"
    )
    return path


def timed_sweep(path: Path, output: Path, **executor: int) -> float:
    start = time.perf_counter()
    sim.sweep(path, output, fresh=True, **executor)
    return time.perf_counter() - start


def throughput(runs: int, workers: int, folder: Path) -> None:
    print(f"\nSweep of {runs} baseline runs (our pusher and our guide), results streamed to disk")
    sim.simulate(sim.load_scenario("baseline"), 1)  # compile (or load numba's cache) first
    path = experiment_file(folder, "throughput", "baseline", runs)
    serial = timed_sweep(path, folder / "serial", workers=1)
    pool = timed_sweep(path, folder / "pool", workers=workers)
    dask = timed_sweep(path, folder / "dask", dask_local=workers)
    row("serial (this process)", f"{serial:7.2f} s  {runs / serial:7.0f} runs/s")
    row(
        f"process pool x{workers}",
        f"{pool:7.2f} s  {runs / pool:7.0f} runs/s  speed-up {serial / pool:4.2f}x",
        ">= 1.8x on 2 workers",
    )
    row(
        f"Dask local x{workers} (fresh worker processes)",
        f"{dask:7.2f} s  {runs / dask:7.0f} runs/s  {dask - pool:+.1f} s vs the pool",
    )


COLD_RUNS = (2_000, 20_000)
COLD_SWEEP = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": done.returncode, "seconds": seconds, "peak": peak}))
"""
"""Runs a command and prints its time and the peak RSS of its largest process (the sweep or
one of its workers: Linux folds reaped descendants' peaks into RUSAGE_CHILDREN)."""


def cold_sweeps(sizes: tuple[int, ...], workers: int, folder: Path) -> None:
    """Each size swept by `b2bsim sweep` in a fresh process (its start-up, the compiled
    model's loading, the batch sizing and the store included): the time per run and the
    peak memory should not grow with the sweep."""
    print(f"\nCold sweeps (`b2bsim sweep`, a fresh process each, baseline, {workers} workers)")
    script = Path(sys.executable).parent / "b2bsim"
    per_run, peak = {}, {}
    for runs in sizes:
        path = experiment_file(folder, f"cold{runs}", "baseline", runs)
        command = [str(script), "sweep", str(path), "--output", str(folder / f"cold{runs}")]
        done = subprocess.run(
            [sys.executable, "-c", COLD_SWEEP, *command, "--fresh", f"--workers={workers}"],
            capture_output=True,
            text=True,
            env={**os.environ, "B2BSIM_PROGRESS": "0"},
            check=True,
        )
        f = json.loads(done.stdout.strip().splitlines()[-1])
        if f["code"] != 0:
            row(f"cold sweep of {runs:,} runs", f"failed (exit {f['code']})")
            continue
        per_run[runs], peak[runs] = f["seconds"] / runs, f["peak"]
        row(
            f"cold sweep of {runs:,} runs",
            f"{f['seconds']:7.1f} s  {runs / f['seconds']:7.0f} runs/s  "
            f"peak RSS {f['peak']:4.0f} MB",
        )
        shutil.rmtree(folder / f"cold{runs}")
    if len(per_run) > 1:
        small, large = min(per_run), max(per_run)
        row(
            f"time per run, {large:,} v {small:,} runs",
            f"{per_run[large] / per_run[small]:4.2f}x",
            "<= 1x (linear)",
        )
        row(
            f"peak RSS, {large:,} v {small:,} runs",
            f"{peak[large] / peak[small]:4.2f}x",
            "1x (flat)",
        )


STORE_PARTS = 2_000
"""Batches committed one after another to time the store's commit as the folder fills."""


def store_commits(parts: int, folder: Path) -> None:
    """The cost of committing one batch (one deal each here: the store's own cost) at the
    start of a sweep and after `parts` parts: a commit appends one line to the ledger, so
    it should not grow with the number of parts (rewriting a manifest that listed them all
    made a sweep's time grow with its square)."""
    from sim.config.experiment import load_experiment
    from sim.store import ResultsStore
    from sim.workflow.sweep import sweep_plan

    print(f"\nCommitting {parts:,} batches to one results folder (parts written and fsynced)")
    loaded = load_experiment(experiment_file(folder, "commits", "baseline", 2 * parts))
    points = list(sweep_plan(loaded).points)
    out = folder / "commits"
    store = ResultsStore.for_experiment(
        out, loaded.experiment, loaded.base_scenario, points, fresh=True
    )
    metrics = sim.simulate(sim.load_scenario("baseline"), 1).metrics()
    seconds = []
    try:
        for replication in range(parts):
            rows = [{"point": points[0].key, "replication": replication, **metrics}]
            start = time.perf_counter()
            store.write(rows, [])
            seconds.append(time.perf_counter() - start)
    finally:
        store.close()
    window = min(100, parts)
    first, last = sum(seconds[:window]) / window, sum(seconds[-window:]) / window
    row(
        f"commit, first {window} v last {window} batches",
        f"{first * 1e3:5.2f} ms v {last * 1e3:5.2f} ms  {last / first:4.2f}x",
        "~1x (a commit's cost flat in the number of parts)",
    )
    shutil.rmtree(out)


def versus_batch_run(runs: int, workers: int) -> None:
    """The same runs (baseline, seeds 0..runs-1) through mesa.batch_run and through our
    runner, both on `workers` processes."""
    scenario = sim.load_scenario("baseline")
    print(f"\nThe same {runs} baseline runs (seeds 0..{runs - 1}) on {workers} processes")
    start = time.perf_counter()
    mesa.batch_run(
        BatchRunModel,
        parameters={"scenario": [scenario]},
        rng=list(range(runs)),
        number_processes=workers,
        max_steps=scenario.horizon_weeks,
        display_progress=False,
    )
    theirs = time.perf_counter() - start
    start = time.perf_counter()
    sim.evaluate(scenario, replications=runs, seed=0, executors=sim.Executors(workers=workers))
    ours = time.perf_counter() - start
    row("mesa.batch_run", f"{theirs:7.2f} s  {runs / theirs:7.0f} runs/s")
    row(
        "b2bsim runner (sim.evaluate)",
        f"{ours:7.2f} s  {runs / ours:7.0f} runs/s  {theirs / ours:4.2f}x batch_run",
        ">= 3x batch_run",
    )


class BatchRunModel(BuyingCommitteeModel):
    """The model with the DataCollector that mesa.batch_run expects."""

    def __init__(self, scenario: sim.Scenario, seed: int = 0) -> None:
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


def memory(sizes: list[int], scenario: str, workers: int, folder: Path) -> None:
    print(
        f"\nPeak memory against sweep size ({scenario}, our pusher and our guide, "
        f"{workers} workers, a fresh process per size)"
    )
    for runs in sizes:
        path = experiment_file(folder, f"memory{runs}", scenario, runs)
        output = folder / f"memory{runs}"
        done = subprocess.run(
            [sys.executable, __file__, "--probe", str(path), str(output), f"--workers={workers}"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            row(f"sweep of {runs:,} runs", f"failed: {last}")
            continue
        f = json.loads(done.stdout.strip().splitlines()[-1])
        size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file())
        row(
            f"sweep of {f['runs']:,} runs",
            f"{f['seconds']:7.1f} s  {f['runs'] / f['seconds']:6.0f} runs/s  "
            f"{size / 1e6:6.1f} MB on disk",
        )
        row(
            "  peak RSS: sweep process, largest worker",
            f"{f['parent_peak']:6.0f} MB, {f['worker_peak']:6.0f} MB  "
            f"(before the sweep: {f['warm_up_peak']:.0f} MB)",
            "flat from 10,000 to 1,000,000 runs",
        )
        row(
            "  RSS at 10% / 50% / 100% of the runs",
            "sweep " + " / ".join(f"{mb:.0f}" for mb in f["parent_rss"]) + " MB; "
            "workers " + " / ".join(f"{mb:.0f}" for mb in f["worker_rss"]) + " MB",
        )
        shutil.rmtree(output)  # measured: a million runs' folder need not wait for the next


def probe(experiment: Path, output: Path, workers: int) -> None:
    """Run one sweep in this (fresh) process and print its figures as JSON: time, peak RSS of
    this process during the sweep and of its largest worker, and the RSS of both at the
    CHECKPOINTS. A deal per strategy is simulated first so that numba's cache is loaded (or
    the kernel compiled, which peaks higher) before the peak is reset and the sweep measured."""
    me = psutil.Process()
    parent_rss: list[float] = []
    worker_rss: list[float] = []
    checkpoints = list(CHECKPOINTS)
    finished = [0]
    worker_peak = [0.0]
    last_look = [0.0]

    def progress(done: int, total: int, failed: int) -> None:
        finished[0] = done - failed
        crossed = bool(checkpoints) and total > 0 and done >= checkpoints[0] * total
        if not crossed and time.perf_counter() - last_look[0] < 1.0:
            return  # workers' peaks only grow: a look a second (and at each checkpoint) will do
        last_look[0] = time.perf_counter()
        children = me.children(recursive=True)
        worker_peak[0] = max([worker_peak[0], *(peak_rss_mb(c.pid) for c in children)])
        while checkpoints and total and done >= checkpoints[0] * total:
            checkpoints.pop(0)
            parent_rss.append(me.memory_info().rss / 2**20)
            worker_rss.append(max((_rss(c) for c in children), default=0.0))

    baseline = sim.load_scenario("baseline")
    for strategy in ("funnel_pusher", "maze_guide"):
        sim.simulate(baseline.with_strategy(strategy), 1)
    warm_up_peak = peak_rss_mb()
    reset_peak_rss()
    start = time.perf_counter()
    sim.sweep(experiment, output, workers=workers, fresh=True, progress=progress)
    seconds = time.perf_counter() - start
    figures = {
        "runs": finished[0],
        "seconds": seconds,
        "warm_up_peak": warm_up_peak,
        "parent_peak": peak_rss_mb(),
        "worker_peak": worker_peak[0],
        "parent_rss": parent_rss,
        "worker_rss": worker_rss,
    }
    print(json.dumps(figures))


def reset_peak_rss() -> None:
    """Linux: restart this process's peak RSS (VmHWM) from its current RSS."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak RSS (VmHWM, since the last reset where Linux allows one). Read from
    /proc rather than getrusage: a forked worker's RUSAGE_CHILDREN figure starts at its
    parent's peak, and a worker's own peak is only readable while it runs."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else 0.0


def _rss(process: psutil.Process) -> float:
    try:
        return process.memory_info().rss / 2**20
    except psutil.Error:
        return 0.0


def quick_mode(flag: bool) -> bool:
    return flag or os.environ.get("BENCH_QUICK", "") not in ("", "0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2000, help="runs of the throughput rows")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-runs", type=int, nargs="*", help="sweep sizes for memory")
    parser.add_argument(
        "--memory-scenario",
        default="one_person",
        help="scenario of the memory sweeps (the cheapest deal by default: a sweep's memory "
        "depends on its number of runs, not on what one run costs)",
    )
    parser.add_argument("--quick", action="store_true", help="memory at 10k and 100k runs")
    parser.add_argument("--probe", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(*args.probe, args.workers)
        return
    sizes = args.memory_runs or (QUICK_MEMORY_RUNS if quick_mode(args.quick) else MEMORY_RUNS)
    with tempfile.TemporaryDirectory(prefix="b2bsim-bench-") as tmp:
        folder = Path(tmp)
        throughput(args.runs, args.workers, folder)
        cold_sweeps(COLD_RUNS, args.workers, folder)
        store_commits(STORE_PARTS, folder)
        versus_batch_run(args.runs, args.workers)
        memory(sizes, args.memory_scenario, args.workers, folder)


if __name__ == "__main__":
    main()
