"""Sweeps end to end: the same results on every executor and batch size, a sweep killed
with SIGKILL and resumed, and the `sweep`, `status` and `query` commands."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from experiment_support import write_experiment
from pandas.testing import assert_frame_equal

import sim.runner
from sim.config.experiment import load_experiment
from sim.store import ResultsStore
from sim.workflow.design import design_points
from sim.workflow.sweep import open_store, run_sweep


def planned(path: Path) -> int:
    exp = load_experiment(path).experiment
    return len(design_points(exp)) * exp.replications


def api_sweep(path: Path, output: Path, **options: Any) -> ResultsStore:
    loaded = load_experiment(path)
    store = open_store(loaded, str(output), fresh=False)
    summary = run_sweep(loaded, store, **options)
    assert summary.failed == 0
    assert summary.computed == summary.planned
    return store


def summary_counts(text: str) -> dict[str, int]:
    found = re.search(r"computed (\d+), reused (\d+), failed (\d+)", text)
    assert found, f"no summary line in {text!r}"
    return dict(zip(("computed", "reused", "failed"), map(int, found.groups()), strict=True))


def status_counts(text: str) -> dict[str, int]:
    counts = {}
    for key in ("planned", "completed", "failed", "remaining", "parts"):
        found = re.search(rf"^\s*{key}\s+(\d+)\s*$", text, re.MULTILINE)
        assert found, f"no {key!r} in status output {text!r}"
        counts[key] = int(found.group(1))
    return counts


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


# ---- the same results on every executor ----------------------------------------------------


@pytest.fixture(scope="module")
def executor_experiment(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A tiny experiment and its deals from the serial executor (the reference)."""
    folder = tmp_path_factory.mktemp("executors")
    path = write_experiment(folder, name="executors")
    store = api_sweep(path, folder / "serial", workers=1, batch_size=3)
    deals = store.deals()
    assert len(deals) == planned(path) == 12
    return path, deals


@pytest.mark.parametrize("batch_size", [1, 7, None], ids=["batch1", "batch7", "auto"])
def test_serial_batch_size_does_not_change_results(
    executor_experiment: tuple[Path, pd.DataFrame], tmp_path: Path, batch_size: int | None
) -> None:
    path, reference = executor_experiment
    store = api_sweep(path, tmp_path / "out", workers=1, batch_size=batch_size)
    if batch_size == 1:
        assert len(store.part_files()) == len(reference)
    assert_frame_equal(store.deals(), reference)


@pytest.mark.parametrize("batch_size", [1, 7])
def test_process_pool_gives_the_serial_results(
    executor_experiment: tuple[Path, pd.DataFrame], tmp_path: Path, batch_size: int
) -> None:
    path, reference = executor_experiment
    store = api_sweep(path, tmp_path / "pool", workers=2, batch_size=batch_size)
    assert_frame_equal(store.deals(), reference)


def test_dask_local_cluster_gives_the_serial_results(
    executor_experiment: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    path, reference = executor_experiment
    store = api_sweep(path, tmp_path / "dask", dask_local=2, batch_size=2)
    assert_frame_equal(store.deals(), reference)


def test_scheduler_and_dask_local_together_are_refused(run_cli, tmp_path: Path) -> None:
    path = write_experiment(tmp_path)
    result = run_cli(
        "sweep", str(path), "--scheduler", "tcp://127.0.0.1:1", "--dask-local", "2",
        "--output", str(tmp_path / "out"),
    )  # fmt: skip
    assert result.code == 2
    assert "--scheduler" in result.err and "--dask-local" in result.err
    assert not (tmp_path / "out").exists()


# ---- SIGKILL and resume --------------------------------------------------------------------


def test_sweep_killed_with_sigkill_resumes_to_the_same_results(
    run_cli, b2bsim_script: Path, tmp_path: Path
) -> None:
    path = write_experiment(
        tmp_path / "experiments",
        name="killed",
        base={},  # the full horizon: about 30 ms a run
        parameters={"sellers.ours.strategy": {"values": ["funnel_pusher", "maze_guide"]}},
        replications=30,
    )
    n = planned(path)
    out = tmp_path / "killed"
    process = subprocess.Popen(
        [str(b2bsim_script), "sweep", str(path), "--workers", "1", "--batch-size", "1",
         "--output", str(out)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "parts").glob("deals-*.parquet"))) < 4:
            assert process.poll() is None, "the sweep ended before it could be killed: " + (
                process.communicate()[1].decode()
            )
            assert time.monotonic() < deadline, "no parts written within 120 s"
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL

    partial = ResultsStore.open(out).status()
    assert partial["planned"] == n
    # a part on disk counts once the manifest lists it: the newest may not be listed yet
    assert 3 <= partial["completed"] < n, "the sweep must be killed part-way"
    assert partial["remaining"] == n - partial["completed"]

    resumed = run_cli("sweep", str(path), "--workers", "1", "--output", str(out))
    assert resumed.code == 0, resumed.err
    counts = summary_counts(resumed.out)
    assert counts["reused"] > 0
    assert counts["reused"] == partial["completed"]
    assert counts["computed"] == n - partial["completed"]
    assert counts["failed"] == 0

    reference = tmp_path / "uninterrupted"
    done = run_cli("sweep", str(path), "--workers", "1", "--output", str(reference))
    assert done.code == 0, done.err
    deals = ResultsStore.open(out).deals()
    assert len(deals) == n
    assert not deals.duplicated(["point", "replication"]).any()
    assert_frame_equal(deals, ResultsStore.open(reference).deals())
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert status_counts(run_cli("status", str(out)).out)["remaining"] == 0


# ---- sweep and status ----------------------------------------------------------------------


def test_sweep_prints_a_summary_and_resumes(run_cli, tmp_path: Path) -> None:
    path = write_experiment(tmp_path)
    out = tmp_path / "out"
    first = run_cli("sweep", str(path), "--workers", "1", "--output", str(out))
    assert first.code == 0, first.err
    assert summary_counts(first.out) == {"computed": 12, "reused": 0, "failed": 0}
    assert str(out) in first.out
    second = run_cli("sweep", str(path), "--workers", "1", "--output", str(out))
    assert second.code == 0, second.err
    assert summary_counts(second.out) == {"computed": 0, "reused": 12, "failed": 0}


def test_sweep_defaults_to_results_named_after_the_experiment(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_experiment(tmp_path / "experiments", name="defaulted")
    monkeypatch.chdir(tmp_path)
    result = run_cli("sweep", str(path), "--workers", "1")
    assert result.code == 0, result.err
    assert len(ResultsStore.open(tmp_path / "results" / "defaulted").deals()) == 12


def test_status_reports_progress_and_a_missing_part(run_cli, tmp_path: Path) -> None:
    path = write_experiment(tmp_path)
    out = tmp_path / "out"
    assert run_cli("sweep", str(path), "--workers", "1", "--batch-size", "5", "--output",
                   str(out)).code == 0  # fmt: skip
    complete = run_cli("status", str(out))
    assert "tiny" in complete.out
    counts = status_counts(complete.out)
    assert counts == {"planned": 12, "completed": 12, "failed": 0, "remaining": 0, "parts": 3}
    parts = sorted((out / "parts").glob("deals-*.parquet"))
    parts[0].unlink()  # 5 runs
    result = run_cli("status", str(out))
    assert result.code == 2 and str(parts[0]) in result.err
    resumed = run_cli("sweep", str(path), "--workers", "1", "--output", str(out))
    assert summary_counts(resumed.out) == {"computed": 5, "reused": 7, "failed": 0}
    assert status_counts(run_cli("status", str(out)).out)["remaining"] == 0


def test_failed_runs_via_the_cli(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_experiment(tmp_path)
    out = tmp_path / "out"
    original = sim.runner.run_deal  # the batch path: runs whose events are not kept

    def flaky(template, seed):
        if seed == 5:
            raise ValueError("no committee today")
        return original(template, seed)

    monkeypatch.setattr(sim.runner, "run_deal", flaky)
    first = run_cli("sweep", str(path), "--workers", "1", "--batch-size", "2", "--output",
                    str(out))  # fmt: skip
    assert first.code == 0, first.err
    assert summary_counts(first.out) == {"computed": 8, "reused": 0, "failed": 4}
    assert "failures.jsonl" in first.out
    assert status_counts(run_cli("status", str(out)).out)["failed"] == 4
    query = run_cli("query", str(out), "SELECT error FROM failures", "--json")
    assert [r["error"] for r in json.loads(query.out)] == ["ValueError: no committee today"] * 4
    skipped = run_cli("sweep", str(path), "--workers", "1", "--output", str(out))
    assert summary_counts(skipped.out) == {"computed": 0, "reused": 8, "failed": 0}
    assert "4 earlier failures not retried" in skipped.out
    monkeypatch.setattr(sim.runner, "run_deal", original)
    retried = run_cli("sweep", str(path), "--workers", "1", "--retry-failed", "--output",
                      str(out))  # fmt: skip
    assert summary_counts(retried.out) == {"computed": 4, "reused": 8, "failed": 0}
    assert status_counts(run_cli("status", str(out)).out)["failed"] == 0


# ---- refused folders -----------------------------------------------------------------------


def test_folder_of_another_experiment_is_refused(run_cli, tmp_path: Path) -> None:
    first = write_experiment(tmp_path / "experiments", name="first")
    second = write_experiment(tmp_path / "experiments", name="second")
    out = tmp_path / "out"
    assert run_cli("sweep", str(first), "--workers", "1", "--output", str(out)).code == 0
    before = digests(out)
    result = run_cli("sweep", str(second), "--workers", "1", "--output", str(out))
    assert result.code == 2
    assert "'first'" in result.err and str(out) in result.err
    assert "Traceback" not in result.err
    assert digests(out) == before


def test_changed_experiment_needs_fresh(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "experiments"
    path = write_experiment(folder)
    out = tmp_path / "out"
    assert run_cli("sweep", str(path), "--workers", "1", "--output", str(out)).code == 0
    before = digests(out)
    path = write_experiment(folder, seed=6)
    refused = run_cli("sweep", str(path), "--workers", "1", "--output", str(out))
    assert refused.code == 2
    assert "changed" in refused.err and "--fresh" in refused.err
    assert digests(out) == before
    fresh = run_cli("sweep", str(path), "--workers", "1", "--fresh", "--output", str(out))
    assert fresh.code == 0, fresh.err
    assert summary_counts(fresh.out) == {"computed": 12, "reused": 0, "failed": 0}
    assert status_counts(run_cli("status", str(out)).out)["planned"] == 12
    assert set(ResultsStore.open(out).deals()["seed"]) == {6, 7, 8}


@pytest.mark.parametrize("command", ["sweep", "status", "query"])
def test_corrupt_part_exits_2_naming_the_part(run_cli, tmp_path: Path, command: str) -> None:
    path = write_experiment(tmp_path)
    out = tmp_path / "out"
    assert run_cli("sweep", str(path), "--workers", "1", "--batch-size", "4", "--output",
                   str(out)).code == 0  # fmt: skip
    bad = sorted((out / "parts").glob("deals-*.parquet"))[1]
    bad.write_bytes(os.urandom(300))
    before = digests(out)
    args = {
        "sweep": ("sweep", str(path), "--workers", "1", "--output", str(out)),
        "status": ("status", str(out)),
        "query": ("query", str(out), "SELECT count(*) AS n FROM deals"),
    }[command]
    result = run_cli(*args)
    assert "Traceback" not in result.err + result.out
    if command == "sweep":  # a resuming sweep moves the damaged part aside and recomputes it
        assert result.code == 0, result.err
        assert summary_counts(result.out) == {"computed": 4, "reused": 8, "failed": 0}
        assert len(ResultsStore.open(out).deals()) == 12
        return
    assert result.code == 2, result.out + result.err
    assert str(bad) in result.err
    assert digests(out) == before


@pytest.mark.parametrize("command", ["sweep", "status", "query"])
def test_non_results_folder_is_refused(run_cli, tmp_path: Path, command: str) -> None:
    path = write_experiment(tmp_path / "experiments")
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"\xff\xd8")
    args = {
        "sweep": ("sweep", str(path), "--fresh", "--output", str(out)),
        "status": ("status", str(out)),
        "query": ("query", str(out), "SELECT 1"),
    }[command]
    result = run_cli(*args)
    assert result.code == 2
    assert str(out) in result.err and "not a results folder" in result.err
    assert [p.name for p in out.iterdir()] == ["holiday.jpg"]


@pytest.mark.parametrize("command", ["status", "query"])
def test_missing_results_folder(run_cli, tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nothing_here"
    args = ("status", str(missing)) if command == "status" else ("query", str(missing), "SELECT 1")
    result = run_cli(*args)
    assert result.code == 2
    assert str(missing) in result.err
    assert "Traceback" not in result.err


# ---- query ---------------------------------------------------------------------------------


@pytest.fixture
def swept(run_cli, tmp_path: Path) -> Path:
    path = write_experiment(tmp_path / "experiments")
    out = tmp_path / "out"
    result = run_cli("sweep", str(path), "--workers", "1", "--output", str(out))
    assert result.code == 0, result.err
    return out


def test_query_prints_the_row_count(run_cli, swept: Path) -> None:
    result = run_cli("query", str(swept), "SELECT count(*) AS n FROM deals")
    assert result.code == 0, result.err
    lines = [line.strip() for line in result.out.strip().splitlines()]
    assert lines == ["n", "12"]


def test_query_csv_and_json(run_cli, swept: Path) -> None:
    sql = (
        'SELECT "sellers.ours.strategy" AS strategy, "committee.size" AS size, count(*) AS n, '
        "avg(purchase_ease) AS ease FROM deals GROUP BY ALL ORDER BY strategy, size"
    )
    as_csv = run_cli("query", str(swept), sql, "--csv")
    assert as_csv.code == 0, as_csv.err
    frame = pd.read_csv(io.StringIO(as_csv.out))
    assert list(frame.columns) == ["strategy", "size", "n", "ease"]
    assert list(frame["n"]) == [3, 3, 3, 3]
    assert list(frame["size"]) == [2, 4, 2, 4]
    as_json = run_cli("query", str(swept), sql, "--json")
    assert as_json.code == 0, as_json.err
    records = json.loads(as_json.out)
    assert [(r["strategy"], r["size"], r["n"]) for r in records] == [
        (s, z, n) for s, z, n in frame[["strategy", "size", "n"]].itertuples(index=False)
    ]
    assert [r["ease"] for r in records] == pytest.approx(list(frame["ease"]))
    deals = ResultsStore.open(swept).deals()
    expected = deals.groupby(["sellers.ours.strategy", "committee.size"])["purchase_ease"].mean()
    assert list(frame["ease"]) == pytest.approx(list(expected))


def test_query_design_failures_and_empty_events_views(run_cli, swept: Path) -> None:
    design = run_cli("query", str(swept), "SELECT * FROM design ORDER BY point_index", "--json")
    assert design.code == 0, design.err
    rows = json.loads(design.out)
    assert [r["point_index"] for r in rows] == [0, 1, 2, 3]
    assert {r["committee.size"] for r in rows} == {2, 4}
    failures = run_cli("query", str(swept), "SELECT count(*) AS n FROM failures", "--json")
    assert json.loads(failures.out) == [{"n": 0}]
    events = run_cli(
        "query", str(swept), "SELECT count(*) AS n, count(DISTINCT actor) AS a FROM events",
        "--json",
    )  # fmt: skip
    assert events.code == 0, events.err
    assert json.loads(events.out) == [{"n": 0, "a": 0}]


def test_query_events_of_every_run(run_cli, tmp_path: Path) -> None:
    path = write_experiment(tmp_path, outputs={"event_log_fraction": 1.0})
    out = tmp_path / "out"
    assert run_cli("sweep", str(path), "--workers", "1", "--output", str(out)).code == 0
    sql = (
        "SELECT count(*) AS runs FROM (SELECT DISTINCT e.point, e.replication FROM events e "
        "JOIN deals d ON d.point = e.point AND d.replication = e.replication)"
    )
    result = run_cli("query", str(out), sql, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == [{"runs": 12}]


@pytest.mark.parametrize(
    "sql", ["SELEKT 1", "SELECT nothing FROM deals", "SELECT * FROM no_such_view"]
)
def test_bad_sql_exits_2(run_cli, swept: Path, sql: str) -> None:
    result = run_cli("query", str(swept), sql)
    assert result.code == 2
    assert "query failed" in result.err
    assert "Traceback" not in result.err + result.out
