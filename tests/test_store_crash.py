"""Crash safety of the results store: a sweep killed at any point (between an events part
and its deals part, between a part and the manifest, halfway through a rename) and resumed,
or two sweeps racing on one folder, leaves every run stored exactly once, the same as an
uninterrupted sweep, and never a damaged part a reader would accept."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from experiment_support import cli_killed_in_child, write_experiment
from pandas.testing import assert_frame_equal

import sim.store
from sim.store import ResultsStore

MODES = ("before", "after_temporary", "after_rename")


def stored(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deals and the event logs of a results folder, in a fixed order."""
    store = ResultsStore.open(folder)
    deals = store.deals()
    events = store.query("SELECT * FROM events ORDER BY ALL")
    return deals, events


def crash_at(write_number: int, mode: str, args: list[str]) -> int:
    """Run `b2bsim ARGS` in a forked child that dies like `kill -9` (no cleanup, no flush of
    anything but the kernel's) at its `write_number`-th atomic write; the child's status."""

    def sabotage() -> None:
        writes = [0]
        original = sim.store.write_atomically

        def dying_write(path: Any, writer: Callable[[Path], Any]) -> Path:
            writes[0] += 1
            if writes[0] != write_number:
                return original(path, writer)
            if mode == "before":
                os._exit(137)
            if mode == "after_temporary":

                def half(temporary: Path) -> None:
                    writer(temporary)
                    os._exit(137)

                return original(path, half)
            original(path, writer)
            os._exit(137)

        sim.store.write_atomically = dying_write

    return cli_killed_in_child(args, sabotage)


def test_sweep_killed_at_random_writes_loses_and_repeats_nothing(
    tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    experiment = write_experiment(
        tmp_path / "experiments", replications=4, outputs={"event_log_fraction": 0.5}
    )
    reference = tmp_path / "reference"
    assert run_cli("sweep", str(experiment), "--output", str(reference), "--workers", "1").code == 0
    out = tmp_path / "out"
    args = ["sweep", str(experiment), "--output", str(out), "--workers", "1", "--batch-size", "2"]
    rng = random.Random(20261202)
    kills = 0
    for _ in range(60):
        code = crash_at(rng.randint(1, 4), rng.choice(MODES), args)
        if code == 0:
            break
        assert code == 137, f"the sweep failed on its own (exit {code})"
        kills += 1
        if (out / "manifest.json").exists():
            # a reader after any crash sees only whole, verified parts and no repeated run
            store = ResultsStore.open(out)
            completed = store.completed()
            assert len(store.deals()) == len(completed)
    assert kills >= 10, "too few crashes to mean anything"
    assert not list(out.rglob("*.tmp"))
    assert not (out / "damaged").exists()
    for got, want in zip(stored(out), stored(reference), strict=True):
        assert_frame_equal(got, want)


def test_a_part_lost_between_crashes_is_named_and_recomputed(
    tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    experiment = write_experiment(tmp_path / "experiments", outputs={"event_log_fraction": 1.0})
    reference, out = tmp_path / "reference", tmp_path / "out"
    for folder in (reference, out):
        args = ("sweep", str(experiment), "--output", str(folder), "--workers", "1")
        assert run_cli(*args, "--batch-size", "3").code == 0
    manifest = ResultsStore.open(out).manifest
    events_part = out / "events" / manifest["parts"][1]["events"]
    events_part.unlink()  # an event log lost: its deals must not count as stored
    status = run_cli("status", str(out))
    assert status.code == 2 and str(events_part) in status.err and "missing" in status.err
    resumed = run_cli("sweep", str(experiment), "--output", str(out), "--workers", "1")
    assert resumed.code == 0, resumed.err
    assert str(events_part) in resumed.out + resumed.err
    for got, want in zip(stored(out), stored(reference), strict=True):
        assert_frame_equal(got, want)


# ---- real processes: kill -9 of a pool, and two sweeps racing ------------------------------


def b2bsim(*args: str, output: int = subprocess.PIPE) -> subprocess.Popen[str]:
    """`b2bsim ARGS` in its own process (`output`: where its stdout and stderr go)."""
    script = Path(sys.executable).parent / "b2bsim"
    return subprocess.Popen([str(script), *args], stdout=output, stderr=output, text=True)


def sweep_to(experiment: Path, out: Path, *options: str) -> None:
    """A whole sweep in its own process: the same code as the sweeps under test, even while
    the model's files change on disk."""
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "b2bsim"),
            "sweep",
            str(experiment),
            "--output",
            str(out),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found.update(int(p) for p in text.split())
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.slow
def test_killed_pool_sweep_leaves_no_workers_and_resumes_exactly(
    tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    experiment = write_experiment(tmp_path / "experiments", replications=12)
    reference, out = tmp_path / "reference", tmp_path / "out"
    sweep_to(experiment, reference, "--workers", "1")
    rng = random.Random(7)
    watched = 0
    for _ in range(3):
        sweep = b2bsim(
            "sweep",
            str(experiment),
            "--output",
            str(out),
            "--workers",
            "2",
            "--batch-size",
            "1",
            output=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2 and sweep.poll() is None:
            workers |= children(sweep.pid)
            time.sleep(0.05)
        time.sleep(rng.uniform(0.2, 1.5))
        workers |= children(sweep.pid)
        sweep.send_signal(signal.SIGKILL)
        sweep.wait()
        end = time.monotonic() + 10
        while time.monotonic() < end and any(alive(p) for p in workers):
            time.sleep(0.1)
        assert not any(alive(p) for p in workers), "pool workers outlived their sweep"
        watched += len(workers)
    assert watched >= 2, "no pool worker was ever seen: the test killed nothing"
    sweep_to(experiment, out, "--workers", "2")
    for got, want in zip(stored(out), stored(reference), strict=True):
        assert_frame_equal(got, want)


@pytest.mark.slow
def test_two_sweeps_racing_on_one_folder(tmp_path: Path, run_cli: Callable[..., Any]) -> None:
    experiment = write_experiment(tmp_path / "experiments", replications=10)
    reference, out = tmp_path / "reference", tmp_path / "out"
    sweep_to(experiment, reference, "--workers", "1")
    for round_ in range(2):
        racers = [
            b2bsim(
                "sweep",
                str(experiment),
                "--output",
                str(out),
                "--workers",
                "1",
                "--batch-size",
                "2",
                *(["--fresh"] if round_ else []),
            )
            for _ in range(2)
        ]
        results = [(r.wait(timeout=300), *r.communicate()) for r in racers]
        codes = sorted(code for code, _, _ in results)
        assert codes in ([0, 0], [0, 2]), results
        for code, _, error in results:
            if code == 2:
                assert "another sweep is writing here" in error and str(out) in error
                assert "Traceback" not in error
        store = ResultsStore.open(out)
        assert len(store.completed()) == len(store.deals())
    sweep_to(experiment, out, "--workers", "1")
    for got, want in zip(stored(out), stored(reference), strict=True):
        assert_frame_equal(got, want)
