"""Nothing outside a results folder is touched (issue 25): outputs that are devices, FIFOs or
links are written through, never renamed over; a store file that is a link is refused, not
followed; `--fresh` and a resume delete only what the store made; an edited design is
refused; a failure record of an unknown point ends a resume with a clear message."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from experiment_support import write_experiment

from sim.config.experiment import load_experiment
from sim.files import OutputError, write_atomically
from sim.store import MANIFEST, ResultsStore, StoreError
from sim.workflow.sweep import open_store, run_sweep


def sweep(experiment: Path, out: Path, fresh: bool = False) -> ResultsStore:
    loaded = load_experiment(experiment)
    store = open_store(loaded, out, fresh)
    try:
        run_sweep(loaded, store, workers=1, batch_size=6)
    finally:
        store.close()
    return store


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, Path]:
    """A finished tiny sweep: (experiment file, results folder)."""
    experiment = write_experiment(tmp_path / "experiments")
    out = tmp_path / "out"
    sweep(experiment, out)
    return experiment, out


# ---- outputs that are not regular files ----------------------------------------------------


def test_a_fifo_receives_the_bytes_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomically(fifo, lambda p: p.write_text("a report", encoding="utf-8"))
    reader.join(timeout=10)
    assert received == [b"a report"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"], "no temporary left beside it"


def test_a_link_keeps_being_a_link_and_its_target_gets_the_bytes(tmp_path: Path) -> None:
    target = tmp_path / "target.html"
    target.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    write_atomically(link, lambda p: p.write_text("new", encoding="utf-8"))
    assert link.is_symlink()
    assert target.read_text() == "new"


def test_no_rename_ever_lands_on_a_non_regular_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed: list[str] = []
    real_replace = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        renamed.append(str(target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    os.mkfifo(tmp_path / "pipe")
    threading.Thread(target=(tmp_path / "pipe").read_bytes, daemon=True).start()
    for path in [tmp_path / "pipe", Path(os.devnull)]:
        write_atomically(path, lambda p: p.write_text("x", encoding="utf-8"))
    assert renamed == []
    write_atomically(tmp_path / "plain.txt", lambda p: p.write_text("x", encoding="utf-8"))
    assert renamed == [str(tmp_path / "plain.txt")], "a regular file is still written atomically"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_device_is_a_clear_error_and_stays_a_device(run_cli, stored) -> None:
    _, out = stored
    before = os.stat("/dev/full")
    result = run_cli("export", str(out), "--to", "csv", "-o", "/dev/full")
    assert result.code == 2
    assert "error: /dev/full: cannot write (No space left on device)" in result.err
    after = os.stat("/dev/full")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_run_html_to_a_full_device_is_a_clear_error(run_cli) -> None:
    result = run_cli("run", "baseline", "--brief", "--html", "/dev/full")
    assert result.code == 2
    assert "/dev/full: cannot write (No space left on device)" in result.err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_export_to_dev_null_leaves_the_device(run_cli, stored) -> None:
    _, out = stored
    result = run_cli("export", str(out), "--to", "parquet", "-o", os.devnull)
    assert result.code == 0, result.err
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_export_to_stdout_writes_the_table_there(stored, capfd: pytest.CaptureFixture) -> None:
    from sim.workflow.export import export_results
    from sim.workflow.results import open_results

    _, out = stored
    capfd.readouterr()
    rows = export_results(open_results(out), "/dev/stdout", "csv")
    written = capfd.readouterr().out
    assert written.startswith("point,") and len(written.splitlines()) == rows + 1
    assert Path("/dev/stdout").is_symlink() or not Path("/dev/stdout").is_file()


def test_export_to_dev_stdout_streams_only_the_table(stored) -> None:
    _, out = stored
    done = subprocess.run(
        [sys.executable, "-m", "sim", "export", str(out), "--to", "csv", "-o", "/dev/stdout"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("point,") and len(lines) == 13, "the header and 12 deals only"
    assert "12 deals rows: /dev/stdout" in done.stderr


def test_a_folder_as_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        write_atomically(tmp_path, lambda p: p.write_text("x"))


# ---- links inside a results folder ---------------------------------------------------------


@pytest.mark.parametrize("name", [".lock", "failures.jsonl", MANIFEST])
def test_a_linked_store_file_is_refused_and_its_target_untouched(
    stored, tmp_path: Path, name: str
) -> None:
    experiment, out = stored
    outside = tmp_path / "precious.txt"
    outside.write_text("line one\nline two without end")
    (out / name).unlink(missing_ok=True)
    (out / name).symlink_to(outside)
    with pytest.raises(StoreError, match=f"{name}: a link"):
        sweep(experiment, out)
    with pytest.raises(StoreError, match=f"{name}: a link"):
        ResultsStore.open(out)
    assert outside.read_text() == "line one\nline two without end"


def test_a_linked_part_is_refused_naming_it(stored, tmp_path: Path) -> None:
    experiment, out = stored
    part = sorted((out / "parts").iterdir())[0]
    moved = tmp_path / "moved.parquet"
    part.rename(moved)
    part.symlink_to(moved)
    before = moved.read_bytes()
    for fresh in (False, True):
        with pytest.raises(StoreError, match=f"{part.name}: a link"):
            sweep(experiment, out, fresh=fresh)
    assert moved.read_bytes() == before


def test_the_lock_never_follows_a_link(tmp_path: Path) -> None:
    from sim.folder_lock import FolderLock

    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / ".lock").symlink_to(outside)
    with pytest.raises(OSError):
        FolderLock(folder).acquire()
    assert outside.read_text() == "keep me"


def test_a_failure_of_an_unknown_point_is_a_clear_error(stored, run_cli) -> None:
    experiment, out = stored
    record = {"point": "no-such-point", "replication": 0, "error": "x", "traceback": ""}
    (out / "failures.jsonl").write_text(json.dumps(record) + "\n")
    with pytest.raises(StoreError, match="line 1 names design point 'no-such-point'"):
        sweep(experiment, out)
    result = run_cli("sweep", str(experiment), "--output", str(out), "--workers", "1")
    assert result.code == 2
    assert "failures.jsonl: line 1 names design point" in result.err


# ---- deleting only what the store made -----------------------------------------------------


def test_fresh_and_resume_keep_files_that_only_look_like_the_stores(stored) -> None:
    experiment, out = stored
    lookalikes = [
        out / "parts" / "deals-backup.parquet",
        out / "events" / "events-mine.parquet",
        out / "damaged" / "my-notes.parquet",
        out / ".draft.tmp",
        out / "parts" / ".deals-000001.parquet.mine.tmp",
    ]
    for path in lookalikes:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"the user's")
    sweep(experiment, out)
    sweep(experiment, out, fresh=True)
    assert all(p.read_bytes() == b"the user's" for p in lookalikes)
    assert len(ResultsStore.open(out).deals()) == 12


def test_fresh_removes_the_parts_it_moved_to_damaged(stored) -> None:
    experiment, out = stored
    part = sorted((out / "parts").iterdir())[0]
    part.write_bytes(part.read_bytes()[:-10])
    store = sweep(experiment, out)
    moved = json.loads((out / MANIFEST).read_text())["damaged"]
    assert (
        [p.name for p in (out / "damaged").iterdir()]
        == moved
        == [name for name in moved if name.endswith(part.name)]
    )
    assert store.repaired
    (out / "damaged" / "mine.parquet").write_bytes(b"the user's")
    sweep(experiment, out, fresh=True)
    assert [p.name for p in (out / "damaged").iterdir()] == ["mine.parquet"]


# ---- an edited manifest --------------------------------------------------------------------


def edit_manifest(out: Path, change) -> None:
    manifest = json.loads((out / MANIFEST).read_text())
    change(manifest)
    (out / MANIFEST).write_text(json.dumps(manifest))


def test_an_edited_design_value_is_refused(stored, run_cli) -> None:
    experiment, out = stored

    def change(manifest: dict) -> None:
        manifest["design"][0]["values"]["committee.size"] = 9

    edit_manifest(out, change)
    with pytest.raises(StoreError, match=f"{MANIFEST}: design point 0 was edited"):
        ResultsStore.open(out)
    result = run_cli("sweep", str(experiment), "--output", str(out), "--workers", "1")
    assert result.code == 2 and "was edited" in result.err


def test_a_removed_design_point_is_refused_by_the_checksum(stored) -> None:
    _, out = stored
    edit_manifest(out, lambda manifest: manifest["design"].pop())
    with pytest.raises(StoreError, match="the design was edited"):
        ResultsStore.open(out)


def test_a_huge_number_in_the_manifest_is_a_clear_error(stored, run_cli) -> None:
    _, out = stored
    text = (out / MANIFEST).read_text()
    (out / MANIFEST).write_text(text.replace('"replications": 3', '"replications": ' + "9" * 5000))
    result = run_cli("status", str(out))
    assert result.code == 2
    assert f"{MANIFEST}: unreadable manifest" in result.err
