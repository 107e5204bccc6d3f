"""The Python API refuses what the command line refuses, in the same words (issue 25), and the
last paths outside exit status 2 are closed: a malformed scheduler address, Ctrl-C during a
query, `explore --max-seconds inf` and an unbounded `explore --workers`."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from experiment_support import write_experiment

import sim
from sim.runner import SchedulerUnreachable


def test_replications_beyond_the_cli_bound_are_refused_in_its_words(run_cli) -> None:
    with pytest.raises(ValueError, match="replications: Input should be less than or equal to"):
        sim.compare("baseline", replications=10**12)
    cli = run_cli("compare", "baseline", "--replications", str(10**12))
    assert cli.code == 2
    assert "Input should be less than or equal to 100000" in cli.err
    with pytest.raises(ValueError, match="replications: Input should be greater than or equal"):
        sim.compare("baseline", replications=0)


@pytest.mark.parametrize(
    ("call", "kind", "named"),
    [
        (lambda: sim.compare("baseline", "maze_guide"), TypeError, "strategies"),
        (lambda: sim.compare("baseline", ["maze_guide", "maze"]), ValueError, "strategies"),
        (lambda: sim.compare("baseline", ["none", "none"]), ValueError, "listed twice"),
        (lambda: sim.compare("baseline", seed="7"), TypeError, "seed"),
        (lambda: sim.compare("baseline", seed=-1), ValueError, "seed"),
        (lambda: sim.compare("baseline", replications=2.5), TypeError, "replications"),
        (lambda: sim.compare("baseline", workers=10**6), ValueError, "workers"),
        (lambda: sim.simulate("baseline", seed="7"), TypeError, "seed"),
        (lambda: sim.simulate("baseline", seed=True), TypeError, "seed"),
        (lambda: sim.sweep("funnel_vs_maze", replications=10**9), ValueError, "replications"),
    ],
)
def test_bad_arguments_name_themselves_before_anything_runs(call, kind, named: str) -> None:
    started = time.monotonic()
    with pytest.raises(kind, match=named):
        call()
    assert time.monotonic() - started < 10, "refused up front, not after computing"


def test_the_cli_and_the_api_name_an_unknown_strategy_alike(run_cli) -> None:
    with pytest.raises(ValueError) as refused:
        sim.compare("baseline", ["maze"])
    cli = run_cli("compare", "baseline", "--sellers", "maze")
    assert cli.code == 2
    assert str(refused.value).replace("strategies:", "--sellers:") in cli.err


@pytest.mark.parametrize("address", ["udp://[::1", "udp://127.0.0.1:8786", "tcp://nohost"])
def test_a_malformed_scheduler_leaves_no_results_folder(
    run_cli, tmp_path: Path, address: str
) -> None:
    experiment = write_experiment(tmp_path / "experiments")
    out = tmp_path / "out"
    with pytest.raises(SchedulerUnreachable, match="scheduler"):
        sim.sweep(experiment, output=out, scheduler=address)
    assert not out.exists()
    cli = run_cli("sweep", str(experiment), "--scheduler", address, "--output", str(out))
    assert cli.code == 2
    assert cli.err.startswith(f"error: --scheduler {address}:")
    assert not out.exists()


@pytest.mark.parametrize(
    "options",
    [
        ["--max-seconds", "inf"],
        ["--max-seconds", "nan"],
        ["--max-seconds", "1e12"],
        ["--workers", "100000"],
    ],
)
def test_explore_refuses_unbounded_options(run_cli, options: list[str]) -> None:
    result = run_cli("explore", "--port", "0", *options)
    assert result.code == 2
    assert options[0] in result.err


def test_ctrl_c_during_a_long_query_exits_130(tmp_path: Path) -> None:
    experiment = write_experiment(tmp_path / "experiments")
    out = tmp_path / "out"
    sim.sweep(experiment, output=out, workers=1)
    endless = "SELECT sum(hash(range) % 7) FROM range(1000000000000)"
    query = subprocess.Popen(
        [sys.executable, "-m", "sim", "query", str(out), endless],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a test runner started in the background ignores SIGINT; the user's shell does not
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(4)  # started, imported, and inside the query
    assert query.poll() is None, query.communicate()
    query.send_signal(signal.SIGINT)
    try:
        _, err = query.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        query.kill()
        query.communicate()
        pytest.fail("the query went on after Ctrl-C")
    assert query.returncode == 130, err
    assert "Traceback" not in err and "internal error" not in err
