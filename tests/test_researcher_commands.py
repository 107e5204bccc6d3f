"""The researcher's commands: replay a stored run (`run --from`), extend a finished sweep
(`sweep --replications`), `export`, Ctrl-C with the resume hint, the query quoting hint,
`--version`, `-h` and help that is never cut."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from experiment_support import write_experiment

import sim.runner
from sim.store import ResultsStore
from sim.workflow.results import open_results


@pytest.fixture
def swept(run_cli, tmp_path: Path) -> tuple[Path, Path]:
    path = write_experiment(tmp_path / "experiments")
    out = tmp_path / "out"
    result = run_cli("sweep", str(path), "--workers", "1", "--output", str(out))
    assert result.code == 0, result.err
    return path, out


def test_run_from_replays_every_stored_row_to_the_identical_outcome(run_cli, swept) -> None:
    _, out = swept
    deals = ResultsStore.open(out).deals()
    for row in deals.sample(4, random_state=1).to_dict("records"):
        args = ("--point", str(row["point_index"]), "--replication", str(row["replication"]))
        result = run_cli("run", "--from", str(out), *args, "--json")
        assert result.code == 0, result.err
        replayed = json.loads(result.out)
        assert replayed["outcome"] == row["outcome"]
        assert replayed["seed"] == row["seed"]
        metrics = replayed["metrics"]
        for name in ("weeks_simulated", "loopbacks_per_stakeholder", "our_seller_hours"):
            assert metrics[name] == pytest.approx(row[name]), name
        assert replayed["strategies"]["ours"] == row["sellers.ours.strategy"]


def test_run_from_tells_the_story_and_checks_the_stored_row(run_cli, swept) -> None:
    _, out = swept
    result = run_cli("run", "--from", str(out), "--point", "3", "--replication", "2")
    assert result.code == 0, result.err
    assert "identical to the stored row" in result.err
    title = result.out.splitlines()[0]
    assert "design point 3" in title and "replication 2" in title
    assert "committee.size=4" in title and "maze_guide" in title
    assert re.search(r"^week 1: ", result.out, re.MULTILINE)


def test_run_from_writes_the_deal_report(run_cli, swept, tmp_path: Path) -> None:
    _, out = swept
    page = tmp_path / "replayed.html"
    args = ("--point", "0", "--replication", "1", "--html", str(page), "--brief")
    result = run_cli("run", "--from", str(out), *args)
    assert result.code == 0, result.err
    assert page.exists() and "design point 0" in page.read_text(encoding="utf-8")


def test_results_replay_from_python_matches_the_stored_metrics(swept) -> None:
    _, out = swept
    results = open_results(out)
    deal = results.replay(1, 0)
    assert results.matches(1, 0, deal) is True
    other = results.replay(1, 1)
    assert results.matches(1, 0, other) is False, "another committee is not the stored one"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--point", "9", "--replication", "0"), "--point: "),
        (("--point", "0", "--replication", "3"), "--replication: "),
        (("--point", "0"), "give --point and --replication"),
    ],
)
def test_run_from_refuses_runs_that_do_not_exist(run_cli, swept, args, words) -> None:
    _, out = swept
    result = run_cli("run", "--from", str(out), *args)
    assert result.code == 2
    assert words in result.err and "Traceback" not in result.err


def test_extending_replications_computes_only_the_new_runs(
    run_cli, swept, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, out = swept
    before = ResultsStore.open(out).deals()
    seeds = []
    original = sim.runner.run_deal  # the batch path: runs whose events are not kept

    def counting(template, seed):
        seeds.append(seed)
        return original(template, seed)

    monkeypatch.setattr(sim.runner, "run_deal", counting)
    args = ("--workers", "1", "--batch-size", "2", "--output", str(out))
    extended = run_cli("sweep", str(path), "--replications", "5", *args)
    assert extended.code == 0, extended.err
    assert "computed 8, reused 12, failed 0" in extended.out
    assert sorted(seeds) == [8] * 4 + [9] * 4  # replications 3 and 4 only (seed 5 + r)
    store = ResultsStore.open(out)
    assert store.status()["planned"] == 20 and store.status()["remaining"] == 0
    after = store.deals()
    kept = after[after["replication"] < 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before)
    again = run_cli("sweep", str(path), *args)  # the file's 3 replications: all stored
    assert "computed 0, reused 12, failed 0" in again.out


def test_export_parquet_and_csv(run_cli, swept, tmp_path: Path) -> None:
    _, out = swept
    deals = ResultsStore.open(out).deals()
    target = tmp_path / "deals.parquet"
    result = run_cli("export", str(out), "--to", "parquet", "-o", str(target))
    assert result.code == 0, result.err
    pd.testing.assert_frame_equal(pd.read_parquet(target), deals)
    os.chdir(tmp_path)
    result = run_cli("export", str(out), "--to", "csv")
    assert result.code == 0, result.err
    exported = pd.read_csv(tmp_path / "out-deals.csv")
    assert len(exported) == len(deals) and list(exported.columns) == list(deals.columns)
    bad = run_cli("export", str(out), "--to", "xlsx")
    assert bad.code == 2 and "--to: unknown format 'xlsx'" in bad.err


def test_export_events_with_their_runs(run_cli, tmp_path: Path) -> None:
    path = write_experiment(tmp_path, outputs={"event_log_fraction": 1.0}, replications=1)
    out = tmp_path / "out"
    assert run_cli("sweep", str(path), "--workers", "1", "--output", str(out)).code == 0
    target = tmp_path / "events.csv"
    result = run_cli("export", str(out), "--to", "csv", "--table", "events", "-o", str(target))
    assert result.code == 0, result.err
    events = pd.read_csv(target)
    assert list(events.columns[:3]) == ["point_index", "point", "replication"]
    assert sorted(events["point_index"].unique()) == [0, 1, 2, 3]
    deals = ResultsStore.open(out).deals()
    weeks = events.groupby("point_index")["week"].max()
    assert list(weeks) == list(deals.sort_values("point_index")["weeks_simulated"])


def test_query_error_hints_at_quoting_dotted_names(run_cli, swept) -> None:
    _, out = swept
    result = run_cli("query", str(out), "SELECT committee.size FROM deals")
    assert result.code == 2
    assert 'needs double quotes in SQL: "committee.size"' in result.err


def test_ctrl_c_says_what_is_stored_and_how_to_resume(b2bsim_script: Path, tmp_path: Path) -> None:
    path = write_experiment(tmp_path, name="stopped", base={}, replications=40)
    out = tmp_path / "stopped"
    process = subprocess.Popen(
        [str(b2bsim_script), "sweep", str(path), "--workers", "1", "--batch-size", "1",
         "--output", str(out)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "parts").glob("deals-*.parquet"))) < 3:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    stored = ResultsStore.open(out).status()
    assert f"{stored['completed']} of {stored['planned']} runs are stored" in err
    assert f"resume with: b2bsim sweep {path} --output {out}" in err
    assert "Traceback" not in err


def test_version_and_short_help(run_cli) -> None:
    version = run_cli("--version")
    assert version.code == 0 and re.fullmatch(r"b2bsim \S+\n", version.out)
    short = run_cli("sweep", "-h")
    assert short.code == 0 and "--replications" in short.out


def test_help_is_never_cut_on_a_narrow_terminal(b2bsim_script: Path) -> None:
    environment = {**os.environ, "COLUMNS": "40", "TERM": "dumb"}
    done = subprocess.run(
        [str(b2bsim_script), "sweep", "--help"], capture_output=True, text=True, env=environment,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    for option in ("--replications", "--retry-failed", "--batch-size", "--dask-local"):
        assert option in done.stdout
    assert "…" not in done.stdout


def test_module_runs_as_a_program() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--version"], capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("b2bsim ")
