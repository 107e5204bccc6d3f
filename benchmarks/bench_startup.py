"""Start-up benchmark: wall time (and peak memory) of `b2bsim run baseline --seed 1` as a new
process, the first time after numba's cache is cleared and warm, and the same for the release
before the compiled kernel. Prints figures, asserts nothing (see `make bench`).

numba caches the compiled kernel beside its source (`__pycache__/*.nbi, *.nbc` inside the
installed package, or under NUMBA_CACHE_DIR when that is set). The first run here gets an
empty NUMBA_CACHE_DIR of its own, so it compiles the whole committee week again, as the first
run after `make demo` does, without touching the package's cache (other b2bsim processes
keep theirs).

Usage: python benchmarks/bench_startup.py [--warm-runs 3] [--no-previous]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import heading, row

ROOT = Path(__file__).resolve().parent.parent
RUN = ["run", "baseline", "--seed", "1"]
BREAKDOWN = """
import json, time
t0 = time.perf_counter()
import numba
t1 = time.perf_counter()
import sim.model
t2 = time.perf_counter()
import sim
scenario = sim.load_scenario("baseline")
t3 = time.perf_counter()
sim.simulate(scenario, 1)
t4 = time.perf_counter()
sim.simulate(scenario, 2)
t5 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t4 - t3, t5 - t4]))
"""
"""Where a warm start goes: importing numba, the model, the first deal (numba loads the
compiled functions from its cache) and a second deal."""
KERNEL = "sim/model/kernel.py"
"""The compiled kernel's source: the release before its first commit is 'the previous one'."""


def package_folder() -> Path:
    spec = importlib.util.find_spec("sim")
    if spec is None or spec.origin is None:
        raise SystemExit("b2bsim is not installed in this Python")
    return Path(spec.origin).parent


def timed_process(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process; raises if it fails."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=errors, env=env, cwd=cwd
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace").strip().splitlines()[-1:]
            raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {tail}")
    return elapsed, usage.ru_maxrss / 1024


def figure(seconds: float, peak_mb: float) -> str:
    return f"{seconds:6.2f} s  peak RSS {peak_mb:5.0f} MB"


def warm(command: list[str], runs: int, **kwargs: object) -> tuple[float, float]:
    """Median wall time and largest peak RSS of `runs` runs."""
    timings = [timed_process(command, **kwargs) for _ in range(runs)]  # type: ignore[arg-type]
    return statistics.median(t for t, _ in timings), max(m for _, m in timings)


def current(warm_runs: int) -> float:
    """This checkout's start-up; returns the warm run's median seconds."""
    b2bsim = str(Path(sys.executable).with_name("b2bsim"))
    package = package_folder()
    heading(f"Start-up: `b2bsim {' '.join(RUN)}` as a new process ({package})")
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        cold = {**os.environ, "NUMBA_CACHE_DIR": cache}
        first = timed_process([b2bsim, *RUN], env=cold)
    row("first run, empty numba cache (compiles)", figure(*first))
    timed_process([b2bsim, *RUN])  # the package's own cache is current before timing
    seconds, peak = warm([b2bsim, *RUN], warm_runs)
    row(f"warm run (median of {warm_runs})", figure(seconds, peak), "no slower than before")
    row("`b2bsim --version` (the CLI's own start-up)", figure(*warm([b2bsim, "--version"], 1)))
    done = subprocess.run([sys.executable, "-c", BREAKDOWN], capture_output=True, text=True)
    if done.returncode == 0:
        numba, model, first, second = json.loads(done.stdout.strip().splitlines()[-1])
        row(
            "  warm, in process: import numba; then sim.model",
            f"{numba:5.2f} s; {model:5.2f} s",
        )
        row(
            "  warm, in process: first deal, second deal",
            f"{first:5.2f} s (loads numba's cache), {second * 1e3:5.1f} ms",
        )
    return seconds


def previous_release() -> str | None:
    """The commit before the compiled kernel was added, if this is a git checkout."""
    try:
        added = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", KERNEL],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{added[-1]}^" if added else None


def previous(warm_runs: int, now: float) -> None:
    """The same command from a copy of the release before the kernel (`git archive`, no
    checkout touched), run with this Python and its installed libraries."""
    revision = previous_release()
    if revision is None:
        row("previous release", "skipped (not a git checkout with the kernel's history)")
        return
    with tempfile.TemporaryDirectory(prefix="b2bsim-previous-") as tmp:
        folder = Path(tmp)
        archive = subprocess.run(
            ["git", "archive", "--format=tar", revision, "sim", "scenarios", "experiments"],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            row("previous release", f"skipped (git archive {revision} failed)")
            return
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
        env = {**os.environ, "PYTHONPATH": str(folder)}
        where = subprocess.run(
            [sys.executable, "-c", "import sim; print(sim.__file__)"],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not where.startswith(str(folder)):
            row(
                "previous release", f"skipped (the copy does not shadow the installed one: {where})"
            )
            return
        command = [sys.executable, "-m", "sim", *RUN]
        short = subprocess.run(
            ["git", "rev-parse", "--short", revision], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        row(
            f"previous release ({short}), first run (fresh copy)",
            figure(*timed_process(command, env=env, cwd=folder)),
        )
        seconds, peak = warm(command, warm_runs, env=env, cwd=folder)
        row(f"previous release, warm (median of {warm_runs})", figure(seconds, peak))
        row("warm start-up, this checkout vs previous release", f"{now - seconds:+6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--no-previous", action="store_true", help="skip the previous release")
    args = parser.parse_args()
    now = current(args.warm_runs)
    if not args.no_previous:
        previous(args.warm_runs, now)


if __name__ == "__main__":
    main()
