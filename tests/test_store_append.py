"""The results store's ledger: a batch is committed by appending one fsynced line to
`ledger.jsonl`, never by rewriting the manifest, and the ledger is folded into the manifest
when a sweep opens, repairs or ends. A writer killed mid-append loses at most that batch and
the next sweep says so; a damaged line is refused naming it; folders whose manifest lists
every part (format 2) still open and resume."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from experiment_support import cli_killed_in_child, write_experiment
from pandas.testing import assert_frame_equal

import sim.store
from sim.config.experiment import load_experiment
from sim.store import FORMAT_VERSION, LEDGER, MANIFEST, ResultsStore
from sim.store_ledger import part_number
from sim.workflow.sweep import SweepSummary, open_store, run_sweep

BATCH = 2


def sweep(
    experiment: Path,
    out: Path,
    progress: Callable[[int, int, int], None] | None = None,
    **options: Any,
) -> SweepSummary:
    """A whole sweep in this process (batches of BATCH runs), its store closed after."""
    loaded = load_experiment(experiment)
    store = open_store(loaded, out, False)
    try:
        return run_sweep(loaded, store, workers=1, batch_size=BATCH, on_progress=progress)
    finally:
        store.close()


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    return write_experiment(tmp_path / "experiments", outputs={"event_log_fraction": 0.5})


@pytest.fixture
def reference(experiment: Path, tmp_path: Path) -> ResultsStore:
    """The experiment swept once without interruption."""
    sweep(experiment, tmp_path / "reference")
    return ResultsStore.open(tmp_path / "reference")


def same_results(out: Path, reference: ResultsStore) -> None:
    store = ResultsStore.open(out)
    assert_frame_equal(store.deals(), reference.deals())
    events = "SELECT * FROM events ORDER BY ALL"
    assert_frame_equal(store.query(events), reference.query(events))


def test_a_batch_appends_one_line_and_leaves_the_manifest_alone(
    experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    manifest_writes: list[Path] = []
    original = sim.store.write_atomically

    def counted(path: Any, writer: Callable[[Path], Any]) -> Path:
        if Path(path).name == MANIFEST:
            manifest_writes.append(Path(path))
        return original(path, writer)

    monkeypatch.setattr(sim.store, "write_atomically", counted)
    seen: list[tuple[int, int, bytes]] = []

    def look(done: int, total: int, failed: int) -> None:
        if done:
            lines = (out / LEDGER).read_bytes().splitlines()
            seen.append((done, len(lines), (out / MANIFEST).read_bytes()))

    summary = sweep(experiment, out, look)
    assert summary.computed == 12
    assert [(done, lines) for done, lines, _ in seen] == [(2 * n, n) for n in range(1, 7)]
    assert len({manifest for _, _, manifest in seen}) == 1, "the manifest changed mid-sweep"
    assert len(manifest_writes) == 2, "written when created and when the sweep ended, only"
    manifest = json.loads((out / MANIFEST).read_text())
    assert not (out / LEDGER).exists()
    assert manifest["format_version"] == FORMAT_VERSION
    assert [part_number(e) for e in manifest["parts"]] == [1, 2, 3, 4, 5, 6]
    assert manifest["ledger_through"] == 6


def test_a_reader_mid_sweep_sees_every_committed_batch(experiment: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    counts: list[tuple[int, int]] = []

    def look(done: int, total: int, failed: int) -> None:
        if done:
            store = ResultsStore.open(out)
            counts.append((done, len(store.completed())))
            assert len(store.deals()) == done

    sweep(experiment, out, look)
    assert counts == [(n, n) for n in range(2, 13, 2)]


def crash_in_append(append_number: int, args: list[str]) -> int:
    """Run `b2bsim ARGS` in a forked child that dies like `kill -9` halfway through writing
    its `append_number`-th ledger line (half the line is on disk, no newline); its status."""

    def sabotage() -> None:
        appends = [0]
        original = sim.store.append_record

        def dying_append(path: Path, entry: dict[str, Any]) -> None:
            appends[0] += 1
            if appends[0] != append_number:
                return original(path, entry)
            line = json.dumps(entry).encode()
            with open(path, "ab") as ledger:
                ledger.write(line[: len(line) // 2])
                ledger.flush()
                os.fsync(ledger.fileno())
            os._exit(137)

        sim.store.append_record = dying_append

    return cli_killed_in_child(args, sabotage)


def test_a_sweep_killed_mid_append_loses_that_batch_only_and_resumes(
    experiment: Path, tmp_path: Path, reference: ResultsStore, run_cli: Callable[..., Any]
) -> None:
    out = tmp_path / "out"
    args = ["sweep", str(experiment), "--output", str(out), "--workers", "1"]
    assert crash_in_append(3, [*args, "--batch-size", str(BATCH)]) == 137
    ledger = out / LEDGER
    assert not ledger.read_bytes().endswith(b"\n"), "the test must leave a torn last line"
    # a reader takes the two whole lines and ignores the torn one, changing nothing
    before = digests(out)
    store = ResultsStore.open(out)
    assert len(store.completed()) == 2 * BATCH == len(store.deals())
    assert run_cli("status", str(out)).code == 0
    assert digests(out) == before
    # the third batch's parts are on disk, unlisted: the resume removes and recomputes them
    assert len(list((out / "parts").glob("deals-*.parquet"))) == 3
    resumed = run_cli(*args)
    assert resumed.code == 0, resumed.err
    assert f"warning: {ledger}: its last line was cut off" in resumed.err
    assert "computed 8, reused 4" in resumed.out + resumed.err
    assert not ledger.exists()
    assert not list(out.rglob("*.tmp")) and not (out / "damaged").exists()
    same_results(out, reference)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"deals": "deals-000002.parq', "is unreadable"),
        (b'{"deals": "../../elsewhere.parquet", "deals_sha256": "0"}', "is not a part record"),
    ],
)
def test_a_damaged_ledger_line_is_refused_naming_it_and_nothing_is_removed(
    line: bytes, reason: str, experiment: Path, tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    out = tmp_path / "out"
    args = ["sweep", str(experiment), "--output", str(out), "--workers", "1"]
    assert crash_in_append(4, [*args, "--batch-size", str(BATCH)]) == 137
    ledger = out / LEDGER
    lines = ledger.read_bytes().split(b"\n")
    lines[1] = line
    ledger.write_bytes(b"\n".join(lines))
    before = digests(out)
    for command in (("status", str(out)), ("query", str(out), "SELECT 1"), tuple(args)):
        result = run_cli(*command)
        assert result.code == 2, result
        assert f"{ledger}: line 2 {reason}" in result.err
        assert "Traceback" not in result.err
    assert digests(out) == before, "a refused folder is left exactly as it was"


def test_a_compaction_killed_before_removing_the_ledger_repeats_nothing(
    experiment: Path, tmp_path: Path, reference: ResultsStore
) -> None:
    out = tmp_path / "out"
    kept: list[bytes] = []

    def keep_ledger(done: int, total: int, failed: int) -> None:
        if done == total:
            kept.append((out / LEDGER).read_bytes())

    sweep(experiment, out, keep_ledger)
    (out / LEDGER).write_bytes(kept[0])  # as if killed between the manifest and the unlink
    store = ResultsStore.open(out)
    assert len(store.part_files()) == 6
    assert len(store.completed()) == 12
    assert sweep(experiment, out).reused == 12
    same_results(out, reference)


def test_an_interrupted_sweep_is_compacted_on_close_and_resumes(
    experiment: Path, tmp_path: Path, reference: ResultsStore
) -> None:
    out = tmp_path / "out"

    def interrupt(done: int, total: int, failed: int) -> None:
        if done == 3 * BATCH:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(experiment, out, interrupt)
    assert not (out / LEDGER).exists()
    manifest = json.loads((out / MANIFEST).read_text())
    assert len(manifest["parts"]) == 3
    summary = sweep(experiment, out)
    assert (summary.computed, summary.reused) == (6, 6)
    same_results(out, reference)


def test_an_interrupt_just_after_a_batch_is_appended_keeps_that_batch(
    experiment: Path, tmp_path: Path, reference: ResultsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between the ledger's append and the writer's own record of it: readers already
    count the batch, so closing the store must not compact it away (CI caught the sweep saying
    '3 of 160 runs are stored' and the folder then holding 2)."""
    out = tmp_path / "out"
    appended: list[int] = []
    real_append = sim.store.append_record

    def append_then_interrupt(path: Path, entry: dict[str, Any]) -> None:
        real_append(path, entry)
        appended.append(entry["rows"])
        if len(appended) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(sim.store, "append_record", append_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        sweep(experiment, out)
    monkeypatch.undo()
    assert not (out / LEDGER).exists(), "closing compacted the ledger"
    assert len(ResultsStore.open(out).completed()) == sum(appended) == 3 * BATCH
    summary = sweep(experiment, out)
    assert (summary.computed, summary.reused) == (12 - 3 * BATCH, 3 * BATCH)
    same_results(out, reference)


def test_a_recomputed_part_is_numbered_above_every_compacted_one(
    experiment: Path, tmp_path: Path, reference: ResultsStore
) -> None:
    out = tmp_path / "out"
    sweep(experiment, out)
    last = out / "parts" / "deals-000006.parquet"
    data = bytearray(last.read_bytes())
    data[len(data) // 2] ^= 0xFF
    last.write_bytes(bytes(data))
    seen: list[int] = []

    def look(done: int, total: int, failed: int) -> None:
        if done:  # mid-sweep, the new part is only in the ledger
            seen.append(len(ResultsStore.open(out).completed()))

    summary = sweep(experiment, out, look)
    assert (summary.computed, summary.reused) == (BATCH, 12 - BATCH)
    assert seen == [12]
    names = [p.name for p in ResultsStore.open(out).part_files()]
    assert names[-1] == "deals-000007.parquet" and "deals-000006.parquet" not in names
    same_results(out, reference)


def listed_format(out: Path) -> None:
    """Turn a finished folder into what b2bsim wrote before the ledger (format 2)."""
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["format_version"] = 2
    del manifest["ledger_through"]
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))


def test_a_folder_of_the_listed_format_is_read_and_resumed(
    experiment: Path, tmp_path: Path, reference: ResultsStore, run_cli: Callable[..., Any]
) -> None:
    out = tmp_path / "out"
    partial = experiment.with_name("partial.yaml")  # the same experiment, 2 replications
    partial.write_text(experiment.read_text().replace("replications: 3", "replications: 2"))
    assert load_experiment(partial).experiment.replications == 2
    sweep(partial, out)
    listed_format(out)
    before = digests(out)
    old = ResultsStore.open(out)
    assert len(old.deals()) == 8
    assert run_cli("status", str(out)).code == 0
    assert digests(out) == before, "reading changes nothing"
    resumed = run_cli(
        "sweep", str(partial), "--output", str(out), "--workers", "1", "--replications", "3"
    )
    assert resumed.code == 0, resumed.err
    assert "computed 4, reused 8" in resumed.out + resumed.err
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["ledger_through"] == max(part_number(e) for e in manifest["parts"])
    same_results(out, reference)
