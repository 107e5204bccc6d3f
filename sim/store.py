"""The results store of one experiment: results/<name>/.

    manifest.json            the experiment as run, its fingerprint, the design, the root
                             seed, package versions, git commit, format version, and the
                             committed parts compacted into it, with the sha256 of each
    ledger.jsonl             the parts committed since the last compaction, one line each
    parts/deals-NNNNNN.parquet   one row per deal
    events/events-NNNNNN.parquet full event logs of the sampled runs of the same batch
    failures.jsonl           runs that raised, with their traceback
    damaged/                 parts a resume found altered, moved aside (listed in the manifest)
    .lock                    held by the one sweep writing here (sim.folder_lock)

A batch is committed in one step: its events part, then its deals part, are written under
temporary names and renamed, and only then one line appended to the ledger (fsynced) lists
both with their checksums; a commit costs the same whatever the number of parts. The manifest
is rewritten (atomically) only when a sweep opens, repairs or ends, folding the ledger into its
part list (sim.store_ledger). A part neither lists is the leftover of a killed writer and is
removed on the next resume, as is a half-written last line of the ledger (its batch is
computed again); a listed part that is missing, truncated or altered is named, and a
resuming sweep moves it (and its sibling) to `damaged/` and computes its runs again. A run is
identified by (point, replication); a folder made by another experiment or by a changed
experiment file is refused with an explanation, never mixed in.

Nothing outside the store is touched: a store file or folder that is a link (or not a regular
file) is refused, naming it, and files are opened without following links; `--fresh` and a
resume delete only what the manifest lists, the store's own uncommitted parts
(`deals-NNNNNN.parquet` not yet listed) and its own temporary files, never another file that
merely looks alike. The design is checksummed (each point's key, and the whole list), so an
edited manifest is refused rather than labelling new rows with the wrong values.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import platform
import re
import shutil
import stat
import subprocess
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config.experiment import Experiment
from sim.files import TEMPORARY_SUFFIX, TEMPORARY_TAG, OutputError, write_atomically
from sim.folder_lock import LOCK_NAME, FolderBusy, FolderLock
from sim.model.metrics import METRIC_TYPES
from sim.store_ledger import (
    DEALS_PART,
    EVENTS_PART,
    LEDGER,
    LedgerRead,
    append_record,
    is_part_record,
    part_number,
    read_ledger,
    sync_folder,
)

FORMAT_VERSION = 3
LISTED_FORMAT = 2
"""Folders whose manifest lists every part (no ledger): read, and resumed into FORMAT_VERSION."""
LEGACY_FORMAT = 1
"""Folders of b2bsim before checksums: read (status, query, report), never resumed."""
MANIFEST = "manifest.json"
FAILURES = "failures.jsonl"
DAMAGED = "damaged"
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
READ_ATTEMPTS = 5
"""Times a reader reads manifest and ledger again when a writer compacted them meanwhile."""
DAMAGED_PART = re.compile(r"\d{14}-(deals|events)-\d{6,9}\.parquet")
OWN_TEMPORARY = re.compile(
    rf"\.(manifest\.json|deals-\d{{6,9}}\.parquet|events-\d{{6,9}}\.parquet)\.{TEMPORARY_TAG}"
    + re.escape(TEMPORARY_SUFFIX)
)
"""A temporary file this store's own writes leave when killed (sim.files.temporary_name)."""
NO_FOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
KEY_COLUMNS = ("point", "point_index", "replication")
_ARROW = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
EVENT_SCHEMA = pa.schema(
    [
        ("point", pa.string()),
        ("replication", pa.int64()),
        ("week", pa.int64()),
        ("actor", pa.string()),
        ("action", pa.string()),
        ("target", pa.string()),
        ("effect", pa.string()),
        ("value", pa.float64()),
    ]
)


class StoreError(Exception):
    """A results folder that cannot be used as asked, with the reason and the way out."""


MAX_QUERY_ROWS = 1_000_000
"""Most rows a query may return (streamed; a larger answer is refused, not built)."""
QUERY_MEMORY = "2GB"
"""DuckDB's working memory for one query."""


def _bounded_frame(reader: pa.RecordBatchReader) -> pd.DataFrame:
    batches, rows = [], 0
    for batch in reader:
        rows += batch.num_rows
        if rows > MAX_QUERY_ROWS:
            raise StoreError(
                f"query: more than {MAX_QUERY_ROWS:,} rows; add a LIMIT or aggregate, or use "
                "`b2bsim export` for whole tables"
            )
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=reader.schema).to_pandas()


def _interruptible(task: Callable[[], pd.DataFrame], interrupt: Callable[[], None]) -> pd.DataFrame:
    """Run `task` (a query inside DuckDB, where Python cannot see Ctrl-C) in a thread, so
    that Ctrl-C reaches this one: it interrupts the query and stops with exit 130. (An event,
    not `Thread.join`: a join cut short by Ctrl-C takes the thread for ended.)"""
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def work() -> None:
        try:
            outcome["frame"] = task()
        except BaseException as error:  # handed to the caller's thread
            traceback.clear_frames(error.__traceback__)  # let go of the query's result
            outcome["error"] = error
        finally:
            finished.set()

    threading.Thread(target=work, name="query", daemon=True).start()
    try:
        while not finished.wait(0.1):
            pass
    except KeyboardInterrupt:
        interrupt()
        finished.wait(5)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["frame"]


class _Point(Protocol):
    index: int
    key: str
    values: dict[str, Any]


def _value_type(values: Iterable[Any]) -> pa.DataType:
    kinds = {type(v) for v in values}
    if kinds <= {bool}:
        return pa.bool_()
    if kinds <= {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    return pa.string()


def _package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("b2bsim", "mesa", "numpy", "pandas", "pydantic", "pyarrow", "SALib"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


MODEL_SOURCES = ("config", "model", "workflow/design.py")
"""What decides a run's result: scenario defaults, the model's code, design sampling."""


def model_fingerprint() -> str:
    """Hash of the model's source files, so a sweep never mixes runs of two model versions."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in MODEL_SOURCES:
        path = package / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(package)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | NO_FOLLOW), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _reason(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "a link; a results folder holds its own files only"
    return error.strerror or type(error).__name__


STORE_FILES = (MANIFEST, LEDGER, FAILURES, LOCK_NAME)
STORE_FOLDERS = ("parts", "events", DAMAGED)


def _refuse_if_not_regular(path: Path, folder: bool = False) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise StoreError(f"{path}: cannot be read ({_reason(error)})") from error
    if stat.S_ISLNK(mode):
        raise StoreError(
            f"{path}: a link, not a file of this results folder; not touching it (remove the "
            "link, or choose another folder)"
        )
    if not (stat.S_ISDIR(mode) if folder else stat.S_ISREG(mode)):
        kind = "folder" if folder else "regular file"
        raise StoreError(
            f"{path}: not a {kind}; not touching it (remove it, or choose another folder)"
        )


def refuse_links(root: Path) -> None:
    """Refuse a results folder whose own files or folders (manifest, failures log, lock,
    parts/, events/, damaged/) are links or special files: following one would read, cut or
    overwrite a file outside the folder."""
    for name in STORE_FILES:
        _refuse_if_not_regular(root / name)
    for name in STORE_FOLDERS:
        _refuse_if_not_regular(root / name, folder=True)


def _entries(folder: Path) -> list[Path]:
    """The names in `folder` (none if it is absent), without following anything."""
    try:
        return [folder / entry.name for entry in os.scandir(folder)]
    except (FileNotFoundError, NotADirectoryError):
        return []


def read_own_file(path: Path) -> bytes:
    """A store file's bytes, opened without following a link (a link is refused)."""
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | NO_FOLLOW | os.O_NONBLOCK), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise StoreError(f"{path}: not a regular file; not touching it")
            return handle.read()
    except OSError as error:
        raise StoreError(f"{path}: cannot be read ({_reason(error)})") from error


def design_sha256(design: list[dict[str, Any]]) -> str:
    """The checksum of a stored design (canonical JSON), recorded in the manifest."""
    text = json.dumps(design, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _check_design(manifest: dict[str, Any], where: Path) -> None:
    """Refuse a manifest whose design was edited: each point's key is a checksum of its index
    and values, and `design_sha256` one of the whole list (points added, removed, moved)."""
    from sim.workflow.design import point_key

    for point in manifest["design"]:
        if point_key(point["index"], point["values"]) != point["key"]:
            raise StoreError(
                f"{where}: design point {point['index']} was edited (its values no longer match "
                "its key); the manifest must not be changed by hand: restore it, or run the "
                "sweep again with --fresh"
            )
    recorded = manifest.get("design_sha256")
    if recorded is not None and recorded != design_sha256(manifest["design"]):
        raise StoreError(
            f"{where}: the design was edited (its checksum differs from design_sha256); the "
            "manifest must not be changed by hand: restore it, or run the sweep again with "
            "--fresh"
        )


def _json_safe(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def _check_manifest(manifest: Any, where: Path) -> None:
    """Refuse a manifest whose shape this reader cannot trust (hand-edited, damaged)."""

    def damaged(what: str) -> StoreError:
        return StoreError(f"{where}: damaged manifest ({what})")

    if not isinstance(manifest, dict):
        raise damaged("not a JSON object")
    required = ("format_version", "experiment", "fingerprint", "design", "base_scenario")
    missing = [k for k in required if k not in manifest]
    if missing:
        raise damaged(f"missing {', '.join(missing)}")
    if manifest["format_version"] not in (FORMAT_VERSION, LISTED_FORMAT, LEGACY_FORMAT):
        raise StoreError(
            f"{where}: format version {str(manifest['format_version'])[:20]}, this b2bsim reads "
            f"version {FORMAT_VERSION}; run the sweep again into a new --output"
        )
    experiment = manifest["experiment"]
    if not (
        isinstance(experiment, dict)
        and isinstance(experiment.get("name"), str)
        and isinstance(experiment.get("parameters"), dict)
        and type(experiment.get("replications")) is int
    ):
        raise damaged("experiment: not a stored experiment")
    design = manifest["design"]
    if not isinstance(design, list) or not all(
        isinstance(p, dict)
        and type(p.get("index")) is int
        and isinstance(p.get("key"), str)
        and isinstance(p.get("values"), dict)
        for p in design
    ):
        raise damaged("design: not a list of design points")
    moved = manifest.get("damaged", [])
    if not isinstance(moved, list) or not all(
        isinstance(name, str) and DAMAGED_PART.fullmatch(name) for name in moved
    ):
        raise damaged("damaged: not a list of damaged part names")
    recorded = manifest.get("design_sha256")
    if recorded is not None and not isinstance(recorded, str):
        raise damaged("design_sha256: not a checksum")
    through = manifest.get("ledger_through", 0)
    if type(through) is not int or through < 0:
        raise damaged("ledger_through: not a part number")
    parts = manifest.get("parts", [])
    if not isinstance(parts, list):
        raise damaged("parts: not a list")
    for number, entry in enumerate(parts):
        if not is_part_record(entry):
            raise damaged(f"parts[{number}]: not a part record")


def _identity(path: Path) -> tuple[int, int, int]:
    """What changes when a writer renames a new file over `path`."""
    try:
        found = os.lstat(path)
    except OSError:
        return (0, 0, 0)
    return (found.st_ino, found.st_mtime_ns, found.st_size)


def _read_manifest(path: Path) -> dict[str, Any]:
    """A manifest, parsed and checked (its shape, its design's checksums)."""
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise StoreError(f"{path}: too large to be a manifest")
        manifest = json.loads(read_own_file(path).decode("utf-8"))
    except (ValueError, RecursionError) as error:  # JSON, UTF-8, a 5,000-digit number
        reason = str(error)[:200]
        raise StoreError(f"{path}: unreadable manifest ({reason})") from error
    except OSError as error:
        raise StoreError(f"{path}: cannot be read ({error.strerror})") from error
    _check_manifest(manifest, path)
    _check_design(manifest, path)
    return manifest


def _read_ledger(path: Path, manifest: dict[str, Any]) -> LedgerRead:
    """The ledger's records not yet compacted into `manifest` (none for the oldest format,
    which had no ledger, or when there is no ledger file)."""
    if manifest["format_version"] == LEGACY_FORMAT or not os.path.lexists(path):
        return LedgerRead()
    _refuse_if_not_regular(path)
    try:
        if os.lstat(path).st_size > MAX_MANIFEST_BYTES:
            raise StoreError(f"{path}: too large to be a ledger")
    except FileNotFoundError:  # compacted away by a writer since it was seen
        return LedgerRead()
    try:
        data = read_own_file(path)
    except StoreError:
        if not os.path.lexists(path):
            return LedgerRead()
        raise

    def damaged(reason: str) -> StoreError:
        return StoreError(
            f"{reason}; the ledger must not be changed by hand: restore it, or remove that "
            "line and run the sweep again (the runs of its part are computed again)"
        )

    return read_ledger(data, path, manifest.get("ledger_through", 0), damaged)


class ResultsStore:
    """A results folder, opened for one experiment."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
        self.manifest = manifest
        self.manifest.setdefault("parts", [])
        self.parts = root / "parts"
        self.events = root / "events"
        self.legacy = manifest["format_version"] == LEGACY_FORMAT
        if self.legacy:  # no ledger: the parts on disk, unchecked
            self.manifest["parts"] = [
                {"deals": p.name, "deals_sha256": None, "events": None}
                for p in sorted(self.parts.glob("deals-*.parquet"))
                if DEALS_PART.fullmatch(p.name)
            ]
        self._legacy_events = (
            sorted(p for p in self.events.glob("events-*.parquet") if EVENTS_PART.fullmatch(p.name))
            if self.legacy
            else []
        )
        self.failures_log = root / FAILURES
        self.points = {p["key"]: p for p in manifest["design"]}
        # The varied parameters, then any other value of a design point (a sweep with
        # policies labels each point with its `policy`, `world` and our seller's settings).
        named = [*manifest["experiment"]["parameters"]]
        named += [k for p in manifest["design"] for k in p["values"]]
        self.parameter_names = list(dict.fromkeys(named))
        self.schema = self._deal_schema()
        self.lock = FolderLock(root)
        self.repaired: list[str] = []
        self._verified = False
        self.ledger = root / LEDGER
        self._torn_at: int | None = None
        """Where the ledger's half-written last line begins (a writer killed mid-append)."""
        listed = [] if self.legacy else [part_number(e) for e in self.manifest["parts"]]
        self._highest = max([manifest.get("ledger_through", 0), *listed])
        """The highest part number ever listed: a new part is numbered above it."""
        self._next: int | None = None

    def _take_ledger(self, read: LedgerRead) -> None:
        """Add the ledger's records (past the manifest's) to the parts, in commit order."""
        self.manifest["parts"].extend(read.entries)
        self._torn_at = read.torn_at
        self._highest = max(self._highest, read.highest)

    # ---- opening ----------------------------------------------------------------------

    @classmethod
    def open(cls, root: str | Path) -> ResultsStore:
        """Open an existing results folder (status, query, report); reading needs no lock,
        since a writer only adds parts, appends whole lines to the ledger and renames a
        complete manifest into place (manifest and ledger are read again if a writer
        compacted them in between)."""
        root = Path(root)
        manifest_path = root / MANIFEST
        if not root.is_dir():
            raise StoreError(f"{root}: no such results folder")
        if not manifest_path.is_file():
            raise StoreError(f"{root}: not a results folder (no {MANIFEST})")
        refuse_links(root)
        for _ in range(READ_ATTEMPTS):
            seen = _identity(manifest_path)
            manifest = _read_manifest(manifest_path)
            ledger = _read_ledger(root / LEDGER, manifest)
            if _identity(manifest_path) == seen:
                break
        try:
            store = cls(root, manifest)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise StoreError(f"{manifest_path}: damaged manifest ({error})") from error
        store._take_ledger(ledger)
        store.refuse_linked_parts()
        return store

    @classmethod
    def for_experiment(
        cls,
        root: str | Path,
        experiment: Experiment,
        base_scenario: dict[str, Any],
        points: Sequence[_Point],
        fresh: bool = False,
    ) -> ResultsStore:
        """Open `root` to store `experiment`, creating it if needed, and hold its lock. An
        existing folder must hold this very experiment; `fresh` removes its results first
        (only this store's own files, and only a store of the same experiment)."""
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root}: exists and is not a folder; choose another --output")
        if root.is_dir():
            refuse_links(root)
        cls._refuse_foreign(root, experiment)  # before touching anything in the folder
        created = not root.exists()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror
            raise StoreError(f"{root}: cannot create the results folder ({reason})") from error
        lock = FolderLock(root)
        try:
            lock.acquire()
        except FolderBusy as busy:
            raise StoreError(
                f"{root}: another sweep is writing here ({busy}); wait for it to finish, or "
                "choose another --output"
            ) from None
        except OSError as error:
            raise StoreError(f"{root}: cannot lock the folder ({error.strerror})") from error
        try:
            store = cls._open_locked(root, experiment, base_scenario, points, fresh)
        except BaseException:
            if created:
                shutil.rmtree(root, ignore_errors=True)
            lock.release()
            raise
        store.lock = lock
        return store

    @staticmethod
    def _holds_anything(root: Path) -> bool:
        return root.is_dir() and any(p.name != LOCK_NAME for p in root.iterdir())

    @classmethod
    def _refuse_foreign(cls, root: Path, experiment: Experiment) -> None:
        """A non-empty folder must be a readable store of the same experiment."""
        if not cls._holds_anything(root):
            return
        if not (root / MANIFEST).exists():
            raise StoreError(
                f"{root}: exists and is not a results folder; not touching it, choose another "
                "--output"
            )
        stored = cls.open(root).manifest["experiment"]["name"]
        if stored != experiment.name:
            raise StoreError(
                f"{root}: holds results of experiment {stored[:64]!r}, not "
                f"{experiment.name!r}; choose another --output"
            )

    @classmethod
    def _open_locked(
        cls,
        root: Path,
        experiment: Experiment,
        base_scenario: dict[str, Any],
        points: Sequence[_Point],
        fresh: bool,
    ) -> ResultsStore:
        cls._refuse_foreign(root, experiment)  # again: it may have changed before the lock
        if fresh and (root / MANIFEST).exists():
            cls.open(root).remove_results()
        if (root / MANIFEST).exists():
            store = cls.open(root)
            if store.legacy:
                raise StoreError(
                    f"{root}: made by an older b2bsim (results format {LEGACY_FORMAT}); it can "
                    "still be read (status, query, report) but not resumed: use --fresh to start "
                    "over, or --output for a new folder"
                )
            store._check_same_experiment(experiment, base_scenario, points)
            store.prepare()
            store._extend_replications(experiment)
            if store.manifest["format_version"] != FORMAT_VERSION:
                store.compact()  # a manifest listing every part: from now on, a ledger
            return store
        design = [{"index": p.index, "key": p.key, "values": p.values} for p in points]
        manifest = {
            "format_version": FORMAT_VERSION,
            "experiment": experiment.model_dump(mode="json"),
            "fingerprint": experiment.fingerprint(),
            "model_fingerprint": model_fingerprint(),
            "base_scenario": _json_safe(base_scenario),
            "root_seed": experiment.seed,
            "design": design,
            "design_sha256": design_sha256(_json_safe(design)),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "packages": _package_versions(),
            "git_commit": _git_commit(),
            "parts": [],
        }
        store = cls(root, manifest)
        store.prepare()
        store._save_manifest()
        return store

    def _check_same_experiment(
        self, experiment: Experiment, base_scenario: dict[str, Any], points: Sequence[_Point]
    ) -> None:
        """Refuse to add runs of a different experiment, design or model to this folder."""
        stored = self.manifest
        # The replication count may grow (extending a sweep); anything else is a new study.
        as_stored = experiment.model_copy(
            update={"replications": stored["experiment"]["replications"]}
        )
        if stored["fingerprint"] != as_stored.fingerprint() or stored[
            "base_scenario"
        ] != _json_safe(base_scenario):
            raise StoreError(
                f"{self.root}: the experiment changed since these results were stored "
                f"(fingerprint {str(stored['fingerprint'])[:16]} -> {experiment.fingerprint()}); "
                "use --fresh to start over, or --output for a new folder"
            )
        as_planned = [(p.key, p.index, _json_safe(p.values)) for p in points]
        if [(p["key"], p["index"], p["values"]) for p in stored["design"]] != as_planned:
            raise StoreError(
                f"{self.root}: the design points differ from the stored ones (a parameter's "
                "order or values changed); use --fresh to start over, or --output for a new "
                "folder"
            )
        if stored.get("model_fingerprint") != model_fingerprint():
            raise StoreError(
                f"{self.root}: the model's code or defaults changed since these results were "
                f"stored (model {str(stored.get('model_fingerprint'))[:16]} -> "
                f"{model_fingerprint()}); use --fresh to start over, or --output for a new folder"
            )

    def _extend_replications(self, experiment: Experiment) -> None:
        """Record a larger replication count: the planned runs grow, stored ones stay."""
        if experiment.replications > self.manifest["experiment"]["replications"]:
            self.manifest["experiment"] = experiment.model_dump(mode="json")
            self.manifest["fingerprint"] = experiment.fingerprint()
            self.compact()

    def close(self) -> None:
        """Fold the ledger into the manifest (a sweep that was interrupted), then release the
        folder's lock (also released when the process ends). A compaction that fails leaves
        the ledger, which is as good: the next reader reads it."""
        if self.lock.held and os.path.lexists(self.ledger):
            with contextlib.suppress(StoreError, OutputError, OSError):
                self.compact()
        self.lock.release()

    # ---- keeping the folder sound (writer, under the lock) -------------------------------

    def _own_files(self) -> list[Path]:
        """Every file this store made: the manifest, the failures log, the parts and damaged
        parts the manifest lists, uncommitted parts and temporaries of its own writes."""
        files = [self.root / MANIFEST, self.ledger, self.failures_log]
        for entry in self.manifest["parts"]:
            files.append(self.parts / entry["deals"])
            if entry.get("events"):
                files.append(self.events / entry["events"])
        files += [self.root / DAMAGED / name for name in self.manifest.get("damaged", [])]
        return files + self._uncommitted()

    def _uncommitted(self) -> list[Path]:
        """Parts a killed writer renamed into place before the manifest listed them, and the
        temporary files of its writes: store names only, so a user's `deals-backup.parquet`
        or another program's `.x.tmp` is never taken for one."""
        listed = {p.name for p in self.part_files()} | {p.name for p in self.event_files()}
        found = []
        for folder, pattern in ((self.parts, DEALS_PART), (self.events, EVENTS_PART)):
            for path in _entries(folder):
                if pattern.fullmatch(path.name) and path.name not in listed:
                    found.append(path)
        for folder in (self.root, self.parts, self.events):
            found += [p for p in _entries(folder) if OWN_TEMPORARY.fullmatch(p.name)]
        return found

    def refuse_linked_parts(self) -> None:
        """Refuse a part or damaged part of this store that is a link or not a regular file:
        reading, moving or removing it would act on a file outside the folder."""
        named = [*self.part_files(), *self.event_files(), *self._uncommitted()]
        named += [self.root / DAMAGED / name for name in self.manifest.get("damaged", [])]
        for path in named:
            _refuse_if_not_regular(path)

    def _refuse_linked_folders(self) -> None:
        """Parts live in this folder only: a linked `parts/` would make removing or
        replacing them act on someone else's files."""
        refuse_links(self.root)

    def remove_results(self) -> None:
        """Delete this store's own files and its emptied folders (the caller holds the lock);
        the manifest goes last, so an interrupted removal leaves a store that resumes."""
        self._refuse_linked_folders()
        self.refuse_linked_parts()
        own = self._own_files()
        manifest = self.root / MANIFEST
        for path in [p for p in own if p != manifest] + [manifest]:
            path.unlink(missing_ok=True)
        for folder in (self.parts, self.events, self.root / DAMAGED):
            # not empty (someone else's file) or absent: leave it
            with contextlib.suppress(OSError):
                folder.rmdir()

    def prepare(self) -> None:
        """Make the folder match its manifest (the caller holds the lock): leftovers of a
        killed writer go, damaged parts move to damaged/ with their runs to be computed
        again, and a half-written last line of the failures log is cut off."""
        self._refuse_linked_folders()
        self.refuse_linked_parts()
        for folder in (self.parts, self.events):
            folder.mkdir(exist_ok=True)
        for leftover in self._uncommitted():
            leftover.unlink(missing_ok=True)  # written, never committed: computed again
        kept = []
        for entry in self.manifest["parts"]:
            problem = self._entry_problem(entry)
            if problem is None:
                kept.append(entry)
                continue
            self._quarantine(entry)
            self.repaired.append(
                f"{problem}; moved to {self.root / DAMAGED}/, its runs are computed again"
            )
        if self._torn_at is not None:
            self.repaired.append(
                f"{self.ledger}: its last line was cut off (a sweep killed while committing a "
                "batch); that batch's runs are computed again"
            )
        if len(kept) != len(self.manifest["parts"]) or self._torn_at is not None:
            self.manifest["parts"] = kept
            self.compact()
        self._trim_failures_log()
        self._verified = True

    def _quarantine(self, entry: dict[str, Any]) -> None:
        """Move a damaged part (and its sibling) aside, recorded in the manifest so that only
        `--fresh` removes it, and never over a file already there."""
        damaged = self.root / DAMAGED
        damaged.mkdir(exist_ok=True)
        moved = self.manifest.setdefault("damaged", [])
        for folder, name in ((self.parts, entry["deals"]), (self.events, entry.get("events"))):
            if not name or not (folder / name).exists():
                continue
            stamp = time.strftime("%Y%m%d%H%M%S")
            target = damaged / f"{stamp}-{name}"
            while target.exists() or target.is_symlink():
                stamp = str(int(stamp) + 1)
                target = damaged / f"{stamp}-{name}"
            os.replace(folder / name, target)
            moved.append(target.name)

    def _trim_failures_log(self) -> None:
        try:
            descriptor = os.open(self.failures_log, os.O_RDWR | NO_FOLLOW)
        except FileNotFoundError:
            return
        except OSError as error:
            raise StoreError(f"{self.failures_log}: cannot be opened ({_reason(error)})") from error
        with os.fdopen(descriptor, "r+b") as log:
            data = log.read()
            if data and not data.endswith(b"\n"):
                log.truncate(data.rfind(b"\n") + 1)

    def _entry_problem(self, entry: dict[str, Any]) -> str | None:
        """Why a committed part can no longer be trusted, or None."""
        pairs = [(self.parts / entry["deals"], entry["deals_sha256"])]
        if entry.get("events"):
            pairs.append((self.events / entry["events"], entry["events_sha256"]))
        for path, expected in pairs:
            if not path.is_file():
                return f"{path}: missing"
            if expected is not None and file_sha256(path) != expected:
                return f"{path}: damaged (its content differs from the checksum in the manifest)"
        return None

    def verify(self) -> None:
        """Refuse a folder with a missing, truncated or altered part (before reading it)."""
        if self._verified:
            return
        for entry in self.manifest["parts"]:
            problem = self._entry_problem(entry)
            if problem is not None:
                raise StoreError(
                    f"{problem}; run the sweep again (it moves the part aside and recomputes "
                    "its runs)"
                )
        self._verified = True

    def compact(self) -> None:
        """Rewrite the manifest with every part committed so far, then remove the ledger
        (the caller holds the lock). A kill in between repeats nothing: the manifest's
        `ledger_through` marks the ledger's lines it already holds. Costs one manifest
        write: done when a sweep opens, repairs or ends, never per batch."""
        self._take_unrecorded_lines()
        self._save_manifest()
        if os.path.lexists(self.ledger):
            _refuse_if_not_regular(self.ledger)
            self.ledger.unlink()
            sync_folder(self.root)
        self._torn_at = None

    def _take_unrecorded_lines(self) -> None:
        """Take the ledger's lines above every part this process accounts for: a batch whose
        line was appended just before an interrupt stopped `write` from recording it is
        committed (readers count it), so compacting without it would lose a stored batch."""
        accounted = {
            "format_version": self.manifest["format_version"],
            "ledger_through": self._highest,
        }
        read = _read_ledger(self.ledger, accounted)
        self.manifest["parts"].extend(read.entries)
        self._highest = max(self._highest, read.highest)

    def _save_manifest(self) -> None:
        """Write the manifest atomically, as this format, accounting for every part so far."""
        self.manifest["format_version"] = FORMAT_VERSION
        self.manifest["ledger_through"] = self._highest
        text = json.dumps(self.manifest, indent=1)
        write_atomically(self.root / MANIFEST, lambda p: p.write_text(text, encoding="utf-8"))

    # ---- writing ----------------------------------------------------------------------

    def _deal_schema(self) -> pa.Schema:
        fields = [
            pa.field("point", pa.string()),
            pa.field("point_index", pa.int64()),
            pa.field("replication", pa.int64()),
        ]
        for name in self.parameter_names:
            values = [p["values"].get(name) for p in self.manifest["design"]]
            fields.append(pa.field(name, _value_type(values)))
        fields += [pa.field(name, _ARROW[kind]) for name, kind in METRIC_TYPES.items()]
        return pa.schema(fields)

    def _next_number(self) -> int:
        """The next part's number: above every part on disk and every number ever listed
        (looked up once, then counted: a commit never scans the folder)."""
        if self._next is None:
            numbers = [
                int(p.stem.rsplit("-", 1)[1])
                for folder, pattern in ((self.parts, DEALS_PART), (self.events, EVENTS_PART))
                for p in _entries(folder)
                if pattern.fullmatch(p.name)
            ]
            self._next = max([*numbers, self._highest]) + 1
        number = self._next
        self._next += 1
        return number

    def write(self, rows: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        """Commit one batch: its events part, its deals part, then one ledger line listing
        both with their checksums. A kill at any point leaves the batch either whole or
        absent; the cost does not grow with the number of parts."""
        if not rows:
            return
        if not self.lock.held:
            raise StoreError(f"{self.root}: writing needs the folder's lock (for_experiment)")
        number = self._next_number()
        entry: dict[str, Any] = {"deals": f"deals-{number:06d}.parquet", "rows": len(rows)}
        entry["events"] = None
        if events:
            table = pa.Table.from_pylist(events, schema=EVENT_SCHEMA)
            entry["events"] = f"events-{number:06d}.parquet"
            target = write_atomically(
                self.events / entry["events"], lambda p: pq.write_table(table, p)
            )
            entry["events_sha256"] = file_sha256(target)
        for row in rows:
            point = self.points[row["point"]]
            row["point_index"] = point["index"]
            row.update(point["values"])
        table = pa.Table.from_pylist(rows, schema=self.schema)
        target = write_atomically(self.parts / entry["deals"], lambda p: pq.write_table(table, p))
        entry["deals_sha256"] = file_sha256(target)
        try:
            append_record(self.ledger, entry)
        except OSError as error:
            raise OutputError(self.ledger, error) from error
        self._highest = max(self._highest, number)
        self.manifest["parts"].append(entry)

    def record_failures(self, failures: list[dict[str, Any]]) -> None:
        if not failures:
            return
        try:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | NO_FOLLOW
            descriptor = os.open(self.failures_log, flags, 0o644)
        except OSError as error:
            raise StoreError(
                f"{self.failures_log}: cannot be written ({_reason(error)})"
            ) from error
        with os.fdopen(descriptor, "a", encoding="utf-8") as log:
            for failure in failures:
                log.write(json.dumps(failure) + "\n")
            log.flush()
            os.fsync(log.fileno())

    # ---- reading ----------------------------------------------------------------------

    def part_files(self) -> list[Path]:
        """The committed deals parts, in the order they were written."""
        return [self.parts / entry["deals"] for entry in self.manifest["parts"]]

    def event_files(self) -> list[Path]:
        if self.legacy:
            return list(self._legacy_events)
        return [self.events / e["events"] for e in self.manifest["parts"] if e.get("events")]

    def _read_part(self, path: Path, columns: list[str] | None = None) -> pa.Table:
        try:
            return pq.read_table(path, columns=columns)
        except (pa.ArrowInvalid, OSError) as error:
            raise StoreError(
                f"{path}: corrupt part file ({error}); run the sweep again to recompute its runs"
            ) from error

    def completed(self) -> set[tuple[str, int]]:
        """(point, replication) of every stored deal; a duplicate means a damaged folder."""
        self.verify()
        done: set[tuple[str, int]] = set()
        for path in self.part_files():
            table = self._read_part(path, ["point", "replication"])
            keys = list(
                zip(table["point"].to_pylist(), table["replication"].to_pylist(), strict=True)
            )
            unknown = [k for k in keys if k[0] not in self.points]
            if unknown:
                raise StoreError(f"{path}: holds runs of design points this experiment lacks")
            if done.intersection(keys) or len(set(keys)) != len(keys):
                raise StoreError(f"{path}: repeats runs stored in another part")
            done.update(keys)
        return done

    def failed(self) -> dict[tuple[str, int], dict[str, Any]]:
        """Runs recorded as failed (the latest record per run); a half-written last line (a
        writer killed mid-record) is ignored."""
        if not self.failures_log.exists():
            return {}
        text = read_own_file(self.failures_log).decode("utf-8", errors="replace")
        lines = text.split("\n")
        if not text.endswith("\n"):
            lines = lines[:-1]
        failures = {}
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                point, replication = record["point"], record["replication"]
                if not isinstance(point, str) or type(replication) is not int:
                    raise TypeError("point or replication of the wrong type")
            except (ValueError, KeyError, TypeError, RecursionError) as error:
                raise StoreError(
                    f"{self.failures_log}: line {number} is unreadable ({type(error).__name__});"
                    " remove that line and run the sweep again"
                ) from error
            if point not in self.points:
                raise StoreError(
                    f"{self.failures_log}: line {number} names design point {point[:32]!r}, "
                    "which this experiment lacks; remove that line and run the sweep again"
                )
            failures[point, replication] = record
        return failures

    def deals(self) -> pd.DataFrame:
        """Every stored deal, ordered by design point and replication."""
        self.verify()
        files = self.part_files()
        if not files:
            return self.schema.empty_table().to_pandas()
        table = pa.concat_tables([self._read_part(p) for p in files])
        frame = table.to_pandas()
        return frame.sort_values(["point_index", "replication"], ignore_index=True)

    def query(self, sql: str) -> pd.DataFrame:
        """Run SQL (DuckDB) over views `deals`, `events`, `design` and `failures`, read-only:
        the connection reads the verified parts through Arrow and has no file system access
        (no COPY TO, read_csv of other files, ATTACH or INSTALL)."""
        import duckdb
        import pyarrow.dataset as ds

        if not sql.strip():
            raise StoreError('query: give an SQL statement, e.g. "SELECT count(*) FROM deals"')
        self.completed()  # refuse damaged or foreign parts before querying them
        design = pd.DataFrame(
            [
                {"point": p["key"], "point_index": p["index"], **p["values"]}
                for p in self.manifest["design"]
            ]
        )
        failures = pd.DataFrame(list(self.failed().values()))
        if failures.empty:
            failures = pd.DataFrame(columns=["point", "replication", "seed", "error", "traceback"])
        deals = self.part_files()
        events = self.event_files()
        sources = {
            "deals": ds.dataset(deals, schema=self.schema) if deals else self.schema.empty_table(),
            "events": ds.dataset(events, schema=EVENT_SCHEMA)
            if events
            else EVENT_SCHEMA.empty_table(),
            "design": design,
            "failures": failures,
        }
        connection = duckdb.connect(
            config={
                "enable_external_access": False,
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "memory_limit": QUERY_MEMORY,
            }
        )
        try:
            # Inside Jupyter DuckDB wants ipywidgets to change the bar; it is cosmetic.
            with contextlib.suppress(duckdb.Error):
                connection.execute("SET enable_progress_bar = false")
            connection.execute("SET lock_configuration = true")
            for name, source in sources.items():
                connection.register(f"_stored_{name}", source)
                connection.execute(f"CREATE VIEW {name} AS SELECT * FROM _stored_{name}")

            def answer() -> pd.DataFrame:
                relation = connection.sql(sql)
                if relation is None:
                    raise StoreError("query: the statement returns no rows (queries are read-only)")
                return _bounded_frame(relation.to_arrow_reader(10_000))

            return _interruptible(answer, connection.interrupt)
        except duckdb.InterruptException:
            raise KeyboardInterrupt from None
        except duckdb.PermissionException as error:
            raise StoreError(
                "query: refused, queries are read-only and cannot reach files, databases or "
                "extensions (use `b2bsim export` to write tables out)"
            ) from error
        except duckdb.Error as error:
            raise StoreError(f"query failed: {str(error)[:500]}") from error
        finally:
            connection.close()

    def status(self) -> dict[str, Any]:
        replications = self.manifest["experiment"]["replications"]
        planned = len(self.manifest["design"]) * replications
        completed_runs = self.completed()
        completed = len(completed_runs)
        failed_open = len(set(self.failed()) - completed_runs)
        return {
            "experiment": self.manifest["experiment"]["name"],
            "folder": str(self.root),
            "design_points": len(self.manifest["design"]),
            "replications": replications,
            "planned": planned,
            "completed": completed,
            "failed": failed_open,
            "remaining": planned - completed,
            "parts": len(self.part_files()),
            "created": self.manifest.get("created"),
            "git_commit": self.manifest.get("git_commit"),
        }
