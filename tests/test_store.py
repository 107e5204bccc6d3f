"""The results store of an experiment: what a sweep writes, failed runs, resuming, and the
folders it refuses (another experiment, a changed experiment, corrupt parts, non-results)."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from experiment_support import SIZES, STRATEGIES, write_experiment
from pandas.testing import assert_frame_equal

import sim.runner
from sim.config.experiment import LoadedExperiment, load_experiment
from sim.files import temporary_name
from sim.model import simulate
from sim.model.metrics import METRIC_TYPES
from sim.store import KEY_COLUMNS, ResultsStore, StoreError
from sim.workflow.design import design_points
from sim.workflow.sweep import SweepSummary, keeps_events, open_store, run_sweep

REPO = Path(__file__).resolve().parent.parent
SCENARIO_DIR = REPO / "scenarios"


def sweep(
    path: Path, output: Path, fresh: bool = False, **options: Any
) -> tuple[SweepSummary, ResultsStore]:
    loaded = load_experiment(path)
    store = open_store(loaded, str(output), fresh=fresh)
    options.setdefault("workers", 1)
    return run_sweep(loaded, store, **options), store


def planned(path: Path) -> int:
    exp = load_experiment(path).experiment
    return len(design_points(exp)) * exp.replications


def digests(folder: Path) -> dict[str, str]:
    """Content hash of every file under `folder` (but the lock file, whose text names its
    last holder)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def expected_deals(loaded: LoadedExperiment, store: ResultsStore) -> pd.DataFrame:
    """The deals of the experiment simulated directly, one by one, as a frame shaped like
    the store's."""
    exp = loaded.experiment
    rows = []
    for point in design_points(exp):
        scenario = loaded.scenario_for(point.values)
        for replication in range(exp.replications):
            metrics = simulate(scenario, exp.seed + replication).metrics()
            rows.append(
                {
                    "point": point.key,
                    "point_index": point.index,
                    "replication": replication,
                    **point.values,
                    **metrics,
                }
            )
    return pa.Table.from_pylist(rows, schema=store.schema).to_pandas()


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_experiment(tmp_path / "experiments")


# ---- what a sweep stores -------------------------------------------------------------------


def test_sweep_stores_one_row_per_planned_run(tiny: Path, tmp_path: Path) -> None:
    summary, store = sweep(tiny, tmp_path / "out", batch_size=5)
    n = planned(tiny)
    assert n == len(STRATEGIES) * len(SIZES) * 3
    assert (summary.planned, summary.computed, summary.reused, summary.failed) == (n, n, 0, 0)
    deals = ResultsStore.open(tmp_path / "out").deals()
    assert len(deals) == n
    assert not deals.duplicated(["point", "replication"]).any()
    assert len(store.part_files()) == 3  # 12 runs in batches of 5


def test_deals_have_parameter_and_metric_columns(tiny: Path, tmp_path: Path) -> None:
    sweep(tiny, tmp_path / "out", batch_size=4)
    deals = ResultsStore.open(tmp_path / "out").deals()
    assert isinstance(deals, pd.DataFrame)
    for column in [*KEY_COLUMNS, "sellers.ours.strategy", "committee.size", *METRIC_TYPES]:
        assert column in deals.columns, column
    assert pd.api.types.is_integer_dtype(deals["committee.size"])
    assert pd.api.types.is_integer_dtype(deals["replication"])
    assert set(deals["sellers.ours.strategy"]) == set(STRATEGIES)
    assert set(deals["committee.size"]) == set(SIZES)
    assert (deals["n_stakeholders"] == deals["committee.size"]).all()
    assert (deals["our_strategy"] == deals["sellers.ours.strategy"]).all()
    # ordered by design point, then replication
    assert list(deals["point_index"]) == sorted(deals["point_index"])
    assert (
        deals.groupby("point_index")["replication"].apply(list).map(lambda r: r == [0, 1, 2]).all()
    )


def test_stored_deals_equal_direct_simulation_with_common_random_numbers(
    tiny: Path, tmp_path: Path
) -> None:
    loaded = load_experiment(tiny)
    _, store = sweep(tiny, tmp_path / "out", batch_size=3)
    deals = store.deals()
    assert (deals["seed"] == loaded.experiment.seed + deals["replication"]).all()
    assert_frame_equal(deals, expected_deals(loaded, store))


def test_manifest_records_the_experiment(tiny: Path, tmp_path: Path) -> None:
    loaded = load_experiment(tiny)
    sweep(tiny, tmp_path / "out", batch_size=12)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["experiment"]["name"] == "tiny"
    assert manifest["fingerprint"] == loaded.experiment.fingerprint()
    assert manifest["root_seed"] == loaded.experiment.seed
    points = design_points(loaded.experiment)
    assert [(d["index"], d["key"], d["values"]) for d in manifest["design"]] == [
        (p.index, p.key, p.values) for p in points
    ]
    assert manifest["packages"]["pyarrow"]
    assert ResultsStore.open(tmp_path / "out").manifest == manifest


def test_empty_store_is_queryable(tiny: Path, tmp_path: Path) -> None:
    store = open_store(load_experiment(tiny), str(tmp_path / "out"), fresh=False)
    deals = store.deals()
    assert deals.empty and "committee.size" in deals.columns
    assert store.query("SELECT count(*) AS n FROM deals")["n"][0] == 0
    assert store.status()["remaining"] == planned(tiny)


# ---- failed runs ---------------------------------------------------------------------------


def test_a_run_that_raises_is_recorded_and_the_sweep_finishes(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_experiment(tiny)
    exp = loaded.experiment
    points = design_points(exp)
    bad_seed = exp.seed + 1  # replication 1 of every point
    original = sim.runner.run_deal  # the batch path: runs whose events are not kept

    def flaky(template, seed):
        if seed == bad_seed:
            raise RuntimeError(f"boom for seed {seed}")
        return original(template, seed)

    monkeypatch.setattr(sim.runner, "run_deal", flaky)
    n = planned(tiny)
    out = tmp_path / "out"
    summary, store = sweep(tiny, out, batch_size=2)
    assert summary.failed == len(points)
    assert summary.computed == n - len(points)
    lines = (out / "failures.jsonl").read_text().splitlines()
    assert len(lines) == len(points)
    failed = store.failed()
    assert set(failed) == {(p.key, 1) for p in points}
    for record in failed.values():
        assert record["seed"] == bad_seed
        assert record["error"] == f"RuntimeError: boom for seed {bad_seed}"
        assert record["traceback"].startswith("Traceback")
        assert "in flaky" in record["traceback"]
        assert f"boom for seed {bad_seed}" in record["traceback"]
    deals = store.deals()
    assert len(deals) == n - len(points)
    assert set(deals["replication"]) == {0, 2}
    status = store.status()
    assert (status["completed"], status["failed"], status["remaining"]) == (
        n - len(points),
        len(points),
        len(points),
    )
    failures = store.query("SELECT * FROM failures ORDER BY point")
    assert len(failures) == len(points)
    assert set(failures["seed"]) == {bad_seed}

    # resuming without --retry-failed leaves them alone
    again, _ = sweep(tiny, out, batch_size=2)
    assert (again.computed, again.failed, again.reused, again.skipped_failed) == (
        0,
        0,
        n - len(points),
        len(points),
    )
    assert "retry" in again.line()

    # retrying (with a working model) computes exactly them
    monkeypatch.setattr(sim.runner, "run_deal", original)
    retried, store = sweep(tiny, out, batch_size=2, retry_failed=True)
    assert (retried.computed, retried.failed, retried.reused, retried.skipped_failed) == (
        len(points),
        0,
        n - len(points),
        0,
    )
    status = store.status()
    assert (status["completed"], status["failed"], status["remaining"]) == (n, 0, 0)
    _, reference = sweep(tiny, tmp_path / "reference", batch_size=5)
    assert_frame_equal(store.deals(), reference.deals())


# ---- resuming ------------------------------------------------------------------------------


def test_resume_recomputes_exactly_the_missing_runs(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, store = sweep(tiny, out, batch_size=2)
    complete = store.deals()
    n = len(complete)
    parts = store.part_files()
    assert len(parts) == 6
    lost = pq.read_table(parts[2], columns=["point", "replication"]).to_pylist()
    lost_keys = {(r["point"], r["replication"]) for r in lost}
    parts[2].unlink()

    with pytest.raises(StoreError, match="missing") as info:  # readers see the loss
        ResultsStore.open(out).status()
    assert str(parts[2]) in str(info.value)

    summary, store = sweep(tiny, out, batch_size=2)
    assert [str(parts[2]) in line for line in store.repaired] == [True]
    assert (summary.computed, summary.reused, summary.failed) == (
        len(lost_keys),
        n - len(lost_keys),
        0,
    )
    new_parts = sorted(set(store.part_files()) - set(parts))
    assert len(new_parts) == 1
    recomputed = pq.read_table(new_parts[0], columns=["point", "replication"]).to_pylist()
    assert {(r["point"], r["replication"]) for r in recomputed} == lost_keys
    assert_frame_equal(store.deals(), complete)
    assert store.status()["remaining"] == 0


def test_finished_sweep_reuses_everything(tiny: Path, tmp_path: Path) -> None:
    sweep(tiny, tmp_path / "out", batch_size=3)
    before = digests(tmp_path / "out")
    summary, _ = sweep(tiny, tmp_path / "out", batch_size=3)
    n = planned(tiny)
    assert (summary.computed, summary.reused) == (0, n)
    assert digests(tmp_path / "out") == before


def test_leftover_temporary_files_are_removed_on_resume(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep(tiny, out, batch_size=6)
    temporary_name(out / "parts" / "deals-000099.parquet").write_bytes(b"half a part")
    temporary_name(out / "events" / "events-000007.parquet").write_bytes(b"half a log")
    (out / "parts" / ".someone-else.tmp").write_bytes(b"not the store's")
    summary, store = sweep(tiny, out, batch_size=6)
    assert summary.reused == planned(tiny)
    assert [p.name for p in out.rglob("*.tmp")] == [".someone-else.tmp"]
    assert len(store.deals()) == planned(tiny)


# ---- refused folders -----------------------------------------------------------------------


def test_folder_of_another_experiment_is_refused(tmp_path: Path) -> None:
    first = write_experiment(tmp_path / "experiments", name="first")
    second = write_experiment(tmp_path / "experiments", name="second")
    out = tmp_path / "out"
    sweep(first, out, batch_size=6)
    before = digests(out)
    with pytest.raises(StoreError) as info:
        open_store(load_experiment(second), str(out), fresh=False)
    assert "'first'" in str(info.value) and str(out) in str(info.value)
    assert digests(out) == before


def test_changed_experiment_is_refused_until_fresh(tmp_path: Path) -> None:
    folder = tmp_path / "experiments"
    path = write_experiment(folder, replications=3)
    out = tmp_path / "out"
    sweep(path, out, batch_size=6)
    before = digests(out)
    path = write_experiment(folder, replications=2, seed=6)
    with pytest.raises(StoreError) as info:
        open_store(load_experiment(path), str(out), fresh=False)
    assert "changed" in str(info.value) and "--fresh" in str(info.value)
    assert digests(out) == before

    summary, store = sweep(path, out, fresh=True, batch_size=6)
    assert (summary.computed, summary.reused) == (planned(path), 0)
    assert len(store.deals()) == planned(path) == 8
    assert store.manifest["experiment"]["replications"] == 2
    assert (
        ResultsStore.open(out).manifest["fingerprint"]
        == load_experiment(path).experiment.fingerprint()
    )


def test_changed_base_scenario_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "experiments"
    scenario = folder / "base.yaml"
    folder.mkdir()
    shutil.copy(SCENARIO_DIR / "baseline.yaml", scenario)
    path = write_experiment(folder, scenario="base.yaml")
    out = tmp_path / "out"
    sweep(path, out, batch_size=6)
    data = yaml.safe_load(scenario.read_text())
    data.setdefault("committee", {})["divergence"] = 0.3
    scenario.write_text(yaml.safe_dump(data))
    with pytest.raises(StoreError, match="--fresh"):
        open_store(load_experiment(path), str(out), fresh=False)


def test_non_results_folder_is_refused_even_with_fresh(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.txt").write_text("precious")
    loaded = load_experiment(tiny)
    for fresh in (False, True):
        with pytest.raises(StoreError, match="not a results folder") as info:
            open_store(loaded, str(out), fresh=fresh)
        assert str(out) in str(info.value)
    assert (out / "thesis.txt").read_text() == "precious"
    assert sorted(p.name for p in out.iterdir()) == ["thesis.txt"]
    with pytest.raises(StoreError, match="not a results folder"):
        ResultsStore.open(out)
    with pytest.raises(StoreError, match="no such results folder"):
        ResultsStore.open(tmp_path / "missing")


def test_empty_existing_folder_is_used(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    summary, store = sweep(tiny, out, batch_size=6)
    assert summary.computed == planned(tiny)
    assert (out / "manifest.json").exists()
    assert len(store.deals()) == planned(tiny)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [("{not json", "unreadable manifest"), ('{"experiment": {}}', "damaged manifest")],
)
def test_damaged_manifest_is_refused(tmp_path: Path, manifest: str, message: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(manifest)
    with pytest.raises(StoreError, match=message) as info:
        ResultsStore.open(out)
    assert str(out / "manifest.json") in str(info.value)


def corrupt(path: Path, how: str) -> None:
    if how == "garbage":
        path.write_bytes(b"\x00\xffnot a parquet file at all\x13\x37" * 20)
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["garbage", "truncated", "empty", "bit_flip", "events"])
def test_damaged_part_is_refused_by_readers_and_recomputed_by_a_sweep(
    tmp_path: Path, how: str
) -> None:
    tiny = write_experiment(tmp_path / "experiments", outputs={"event_log_fraction": 1.0})
    out = tmp_path / "out"
    _, store = sweep(tiny, out, batch_size=3)
    complete = store.deals()
    bad = store.part_files()[1]
    if how == "bit_flip":
        data = bytearray(bad.read_bytes())
        data[len(data) // 3] ^= 0x10
        bad.write_bytes(bytes(data))
    elif how == "events":
        bad = store.event_files()[1]
        corrupt(bad, "truncated")
    else:
        corrupt(bad, how)
    before = digests(out)
    store = ResultsStore.open(out)
    for action in (
        store.completed,
        store.deals,
        store.status,
        lambda: store.query("SELECT count(*) FROM deals"),
    ):
        with pytest.raises(StoreError, match="damaged") as info:
            action()
        assert str(bad) in str(info.value)
    assert digests(out) == before

    summary, store = sweep(tiny, out, batch_size=3)
    assert summary.computed == 3 and summary.reused == planned(tiny) - 3
    assert len(store.repaired) == 1 and str(bad) in store.repaired[0]
    assert_frame_equal(store.deals(), complete)
    assert len(list((out / "damaged").iterdir())) == 2  # the part and its sibling, kept


def test_every_single_bit_flip_is_detected(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, store = sweep(tiny, out, batch_size=6)
    part = store.part_files()[0]
    original = part.read_bytes()
    rng = random.Random(15)
    for bit in rng.sample(range(len(original) * 8), 60):
        flipped = bytearray(original)
        flipped[bit // 8] ^= 1 << (bit % 8)
        part.write_bytes(bytes(flipped))
        with pytest.raises(StoreError, match="damaged"):
            ResultsStore.open(out).deals()
    part.write_bytes(original)
    assert len(ResultsStore.open(out).deals()) == planned(tiny)


def test_unlisted_part_is_ignored_by_readers_and_removed_by_a_sweep(
    tiny: Path, tmp_path: Path
) -> None:
    """A part the manifest does not list was written by a sweep killed before committing it."""
    out = tmp_path / "out"
    _, store = sweep(tiny, out, batch_size=4)
    stray = out / "parts" / "deals-000042.parquet"
    shutil.copy(store.part_files()[0], stray)
    assert len(ResultsStore.open(out).deals()) == planned(tiny)
    summary, _ = sweep(tiny, out, batch_size=4)
    assert summary.reused == planned(tiny)
    assert not stray.exists()


def test_duplicate_runs_are_refused(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep(tiny, out, batch_size=4)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["parts"].append(dict(manifest["parts"][0]))  # one part listed twice
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match="repeats runs") as info:
        ResultsStore.open(out).completed()
    assert manifest["parts"][0]["deals"] in str(info.value)


# ---- one writer, its own files ---------------------------------------------------------------


def test_second_writer_is_refused_naming_the_holder_until_it_ends(
    tiny: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    sweep(tiny, out, batch_size=6)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="another sweep is writing here") as info:
            open_store(load_experiment(tiny), str(out), fresh=False)
        assert f"process {holder.pid}" in str(info.value)
    finally:
        holder.kill()
        holder.wait()
    summary, _ = sweep(tiny, out, batch_size=6)  # the dead holder's lock is taken over
    assert summary.reused == planned(tiny)


HOLD_LOCK = """
import sys, time
from pathlib import Path
from sim.folder_lock import FolderLock
lock = FolderLock(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_fresh_removes_only_its_own_files(tmp_path: Path) -> None:
    first = write_experiment(tmp_path / "experiments", name="first")
    out = tmp_path / "out"
    sweep(first, out, batch_size=6)
    (out / "notes.txt").write_text("mine")
    (out / "parts" / "keep.csv").write_text("mine too")
    summary, _ = sweep(first, out, fresh=True, batch_size=6)
    assert summary.computed == planned(first)
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "parts" / "keep.csv").read_text() == "mine too"
    second = write_experiment(tmp_path / "experiments", name="second")
    before = digests(out)
    with pytest.raises(StoreError, match="'first'"):
        open_store(load_experiment(second), str(out), fresh=True)
    assert digests(out) == before


def test_reordered_parameters_are_refused_clearly(tmp_path: Path) -> None:
    folder = tmp_path / "experiments"
    path = write_experiment(folder)
    out = tmp_path / "out"
    sweep(path, out, batch_size=6)
    data = yaml.safe_load(path.read_text())
    data["parameters"] = dict(reversed(list(data["parameters"].items())))
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    before = digests(out)
    try:
        summary, store = sweep(path, out, batch_size=6)
    except StoreError as error:  # a different design order: refused, never mixed in
        assert "--fresh" in str(error)
    else:  # the same design points: everything reused
        assert summary.reused == planned(path)
        assert len(store.deals()) == planned(path)
    assert digests(out) == before


# ---- queries and event logs ----------------------------------------------------------------


def test_query_views(tiny: Path, tmp_path: Path) -> None:
    _, store = sweep(tiny, tmp_path / "out", batch_size=5)
    n = planned(tiny)
    assert store.query("SELECT count(*) AS n FROM deals")["n"][0] == n
    design = store.query("SELECT * FROM design ORDER BY point_index")
    points = design_points(load_experiment(tiny).experiment)
    assert list(design["point"]) == [p.key for p in points]
    assert list(design["committee.size"]) == [p.values["committee.size"] for p in points]
    joined = store.query(
        'SELECT d."committee.size" AS size, count(*) AS n FROM deals JOIN design d '
        "USING (point) GROUP BY size ORDER BY size"
    )
    assert list(joined["size"]) == SIZES
    assert list(joined["n"]) == [n // len(SIZES)] * len(SIZES)
    assert store.query("SELECT count(*) AS n FROM failures")["n"][0] == 0
    assert store.query("SELECT count(*) AS n FROM events")["n"][0] == 0
    with pytest.raises(StoreError, match="query failed"):
        store.query("SELEKT nothing")
    with pytest.raises(StoreError, match="query failed"):
        store.query("SELECT no_such_column FROM deals")


def test_event_logs_of_every_run_with_fraction_one(tiny: Path, tmp_path: Path) -> None:
    path = write_experiment(tmp_path / "experiments", outputs={"event_log_fraction": 1.0})
    loaded = load_experiment(path)
    _, store = sweep(path, tmp_path / "out", batch_size=5)
    counts = store.query(
        "SELECT point, replication, count(*) AS n FROM events GROUP BY point, replication"
    )
    stored = {(r.point, r.replication): r.n for r in counts.itertuples()}
    expected = {}
    for point in design_points(loaded.experiment):
        scenario = loaded.scenario_for(point.values)
        for r in range(loaded.experiment.replications):
            expected[point.key, r] = len(simulate(scenario, loaded.experiment.seed + r).events)
    assert all(n > 0 for n in expected.values())
    assert stored == expected


def test_event_log_sample_is_deterministic() -> None:
    keys = [(f"p{i}", r) for i in range(50) for r in range(20)]
    assert not any(keeps_events(p, r, 0.0) for p, r in keys)
    assert all(keeps_events(p, r, 1.0) for p, r in keys)
    half = [keeps_events(p, r, 0.5) for p, r in keys]
    assert half == [keeps_events(p, r, 0.5) for p, r in keys]
    assert 0.4 < sum(half) / len(half) < 0.6
    # a run kept at a small fraction is kept at every larger one
    assert all(keeps_events(p, r, 0.5) for p, r in keys if keeps_events(p, r, 0.1))


def test_folder_of_the_previous_format_is_read_but_not_resumed(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, store = sweep(tiny, out, batch_size=4)
    complete = store.deals()
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["parts"]
    manifest["format_version"] = 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    old = ResultsStore.open(out)
    assert_frame_equal(old.deals(), complete)
    assert old.status()["completed"] == planned(tiny)
    before = digests(out)
    with pytest.raises(StoreError, match="older b2bsim"):
        open_store(load_experiment(tiny), str(out), fresh=False)
    assert digests(out) == before
    summary, store = sweep(tiny, out, fresh=True, batch_size=4)
    assert summary.computed == planned(tiny)
    assert_frame_equal(store.deals(), complete)


def test_fresh_never_follows_a_linked_parts_folder(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep(tiny, out, batch_size=6)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(out / "parts", elsewhere)
    (out / "parts").symlink_to(elsewhere)
    before = digests(elsewhere)
    with pytest.raises(StoreError, match="a link"):
        open_store(load_experiment(tiny), str(out), fresh=True)
    assert digests(elsewhere) == before
