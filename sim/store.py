"""The results store of one experiment: results/<name>/.

    manifest.json            the experiment as run, its fingerprint, the design, the root
                             seed, package versions, git commit, format version
    parts/deals-NNNNNN.parquet   one row per deal (written atomically: temp file, rename)
    events/events-NNNNNN.parquet full event logs of the sampled runs
    failures.jsonl           runs that raised, with their traceback

A run is identified by (point, replication); resuming computes exactly the planned runs
that no part holds. A folder made by another experiment, by a changed experiment file, or
holding a corrupt part is refused with an explanation, never mixed in.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config.experiment import Experiment
from sim.experiment import DesignPoint
from sim.files import write_atomically
from sim.model.metrics import METRIC_TYPES

FORMAT_VERSION = 1
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


MODEL_SOURCES = ("config", "model", "experiment.py")
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


class ResultsStore:
    """A results folder, opened for one experiment."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
        self.manifest = manifest
        self.parts = root / "parts"
        self.events = root / "events"
        self.failures_log = root / "failures.jsonl"
        self.points = {p["key"]: p for p in manifest["design"]}
        self.parameter_names = list(manifest["experiment"]["parameters"])
        self.schema = self._deal_schema()

    # ---- opening ----------------------------------------------------------------------

    @classmethod
    def open(cls, root: str | Path) -> ResultsStore:
        """Open an existing results folder (status, query, report)."""
        root = Path(root)
        manifest_path = root / "manifest.json"
        if not root.is_dir():
            raise StoreError(f"{root}: no such results folder")
        if not manifest_path.exists():
            raise StoreError(f"{root}: not a results folder (no manifest.json)")
        try:
            manifest = json.loads(manifest_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise StoreError(f"{manifest_path}: unreadable manifest ({error})") from error
        required = ("format_version", "experiment", "fingerprint", "design", "base_scenario")
        missing = [k for k in required if not isinstance(manifest, dict) or k not in manifest]
        if missing:
            raise StoreError(f"{manifest_path}: damaged manifest (missing {', '.join(missing)})")
        if manifest["format_version"] != FORMAT_VERSION:
            raise StoreError(
                f"{manifest_path}: format version {manifest['format_version']}, this b2bsim "
                f"reads version {FORMAT_VERSION}"
            )
        return cls(root, manifest)

    @classmethod
    def for_experiment(
        cls,
        root: str | Path,
        experiment: Experiment,
        base_scenario: dict[str, Any],
        points: list[DesignPoint],
        fresh: bool = False,
    ) -> ResultsStore:
        """Open `root` to store `experiment`, creating it if needed. An existing folder must
        hold this very experiment; `fresh` empties it first (asked for explicitly)."""
        root = Path(root)
        if fresh and root.exists():
            if (root / "manifest.json").exists() or not any(root.iterdir()):
                shutil.rmtree(root)
            else:
                raise StoreError(f"{root}: exists and is not a results folder; not removing it")
        if root.exists() and any(root.iterdir()):
            store = cls.open(root)
            stored = store.manifest
            if stored["experiment"]["name"] != experiment.name:
                raise StoreError(
                    f"{root}: holds results of experiment {stored['experiment']['name']!r}, "
                    f"not {experiment.name!r}; choose another --output"
                )
            if stored["fingerprint"] != experiment.fingerprint() or stored["base_scenario"] != (
                json.loads(json.dumps(base_scenario, default=str))
            ):
                raise StoreError(
                    f"{root}: the experiment changed since these results were stored "
                    f"(fingerprint {stored['fingerprint']} -> {experiment.fingerprint()}); "
                    "use --fresh to start over, or --output for a new folder"
                )
            if stored.get("model_fingerprint") != model_fingerprint():
                raise StoreError(
                    f"{root}: the model's code or defaults changed since these results were "
                    f"stored (model {stored.get('model_fingerprint')} -> {model_fingerprint()}); "
                    "use --fresh to start over, or --output for a new folder"
                )
            store.prepare()
            return store
        manifest = {
            "format_version": FORMAT_VERSION,
            "experiment": experiment.model_dump(mode="json"),
            "fingerprint": experiment.fingerprint(),
            "model_fingerprint": model_fingerprint(),
            "base_scenario": json.loads(json.dumps(base_scenario, default=str)),
            "root_seed": experiment.seed,
            "design": [{"index": p.index, "key": p.key, "values": p.values} for p in points],
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "packages": _package_versions(),
            "git_commit": _git_commit(),
        }
        root.mkdir(parents=True, exist_ok=True)
        write_atomically(
            root / "manifest.json", lambda p: p.write_text(json.dumps(manifest, indent=2))
        )
        store = cls(root, manifest)
        store.prepare()
        return store

    def prepare(self) -> None:
        """Folders exist; leftovers of a killed writer (temporary files) are removed."""
        for folder in (self.parts, self.events):
            folder.mkdir(exist_ok=True)
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink()

    # ---- writing ----------------------------------------------------------------------

    def _deal_schema(self) -> pa.Schema:
        fields = [
            pa.field("point", pa.string()),
            pa.field("point_index", pa.int64()),
            pa.field("replication", pa.int64()),
        ]
        for name in self.parameter_names:
            values = [p["values"][name] for p in self.manifest["design"]]
            fields.append(pa.field(name, _value_type(values)))
        fields += [pa.field(name, _ARROW[kind]) for name, kind in METRIC_TYPES.items()]
        return pa.schema(fields)

    def _next_part(self, folder: Path, prefix: str) -> Path:
        numbers = [int(p.stem.rsplit("-", 1)[1]) for p in folder.glob(f"{prefix}-*.parquet")]
        return folder / f"{prefix}-{max(numbers, default=0) + 1:06d}.parquet"

    def write(self, rows: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        """Store one batch's deal rows (and sampled events) as new part files."""
        if rows:
            for row in rows:
                point = self.points[row["point"]]
                row["point_index"] = point["index"]
                row.update(point["values"])
            table = pa.Table.from_pylist(rows, schema=self.schema)
            target = self._next_part(self.parts, "deals")
            write_atomically(target, lambda p: pq.write_table(table, p))
        if events:
            table = pa.Table.from_pylist(events, schema=EVENT_SCHEMA)
            target = self._next_part(self.events, "events")
            write_atomically(target, lambda p: pq.write_table(table, p))

    def record_failures(self, failures: list[dict[str, Any]]) -> None:
        if not failures:
            return
        with open(self.failures_log, "a", encoding="utf-8") as log:
            for failure in failures:
                log.write(json.dumps(failure) + "\n")
            log.flush()
            os.fsync(log.fileno())

    # ---- reading ----------------------------------------------------------------------

    def part_files(self) -> list[Path]:
        return sorted(self.parts.glob("deals-*.parquet"))

    def _read_part(self, path: Path, columns: list[str] | None = None) -> pa.Table:
        try:
            return pq.read_table(path, columns=columns)
        except (pa.ArrowInvalid, OSError) as error:
            raise StoreError(
                f"{path}: corrupt part file ({error}); move it out of the folder and "
                "resume to recompute its runs"
            ) from error

    def completed(self) -> set[tuple[str, int]]:
        """(point, replication) of every stored deal; a duplicate means a damaged folder."""
        done: set[tuple[str, int]] = set()
        for path in self.part_files():
            table = self._read_part(path, ["point", "replication"])
            keys = list(
                zip(table["point"].to_pylist(), table["replication"].to_pylist(), strict=True)
            )
            unknown = [k for k in keys if k[0] not in self.points]
            if unknown:
                raise StoreError(f"{path}: holds runs of design points this experiment lacks")
            if done.intersection(keys):
                raise StoreError(f"{path}: repeats runs stored in another part")
            done.update(keys)
        return done

    def failed(self) -> dict[tuple[str, int], dict[str, Any]]:
        """Runs recorded as failed (the latest record per run)."""
        if not self.failures_log.exists():
            return {}
        failures = {}
        for number, line in enumerate(self.failures_log.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                failures[record["point"], int(record["replication"])] = record
            except (json.JSONDecodeError, KeyError, ValueError) as error:
                raise StoreError(f"{self.failures_log}: line {number} is unreadable") from error
        return failures

    def deals(self) -> pd.DataFrame:
        """Every stored deal, ordered by design point and replication."""
        files = self.part_files()
        if not files:
            return self.schema.empty_table().to_pandas()
        table = pa.concat_tables([self._read_part(p) for p in files])
        frame = table.to_pandas()
        return frame.sort_values(["point_index", "replication"], ignore_index=True)

    def query(self, sql: str) -> pd.DataFrame:
        """Run SQL (DuckDB) over views `deals`, `events`, `design` and `failures`."""
        import duckdb

        self.completed()  # refuse corrupt or foreign parts before querying them
        connection = duckdb.connect()
        try:
            deals = [str(p) for p in self.part_files()]
            if deals:
                connection.execute(f"CREATE VIEW deals AS SELECT * FROM read_parquet({deals!r})")
            else:
                connection.register("deals_empty", self.schema.empty_table())
                connection.execute("CREATE VIEW deals AS SELECT * FROM deals_empty")
            events = [str(p) for p in sorted(self.events.glob("events-*.parquet"))]
            if events:
                connection.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet({events!r})")
            else:
                connection.register("events_empty", EVENT_SCHEMA.empty_table())
                connection.execute("CREATE VIEW events AS SELECT * FROM events_empty")
            design = pd.DataFrame(
                [
                    {"point": p["key"], "point_index": p["index"], **p["values"]}
                    for p in self.manifest["design"]
                ]
            )
            connection.register("design", design)
            failures = pd.DataFrame(list(self.failed().values()))
            if failures.empty:
                failures = pd.DataFrame(
                    columns=["point", "replication", "seed", "error", "traceback"]
                )
            connection.register("failures", failures)
            return connection.execute(sql).fetchdf()
        except duckdb.Error as error:
            raise StoreError(f"query failed: {error}") from error
        finally:
            connection.close()

    def status(self) -> dict[str, Any]:
        replications = self.manifest["experiment"]["replications"]
        planned = len(self.manifest["design"]) * replications
        completed = len(self.completed())
        failed = {k for k in self.failed() if k}
        failed_open = len(failed - self.completed())
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
            "created": self.manifest["created"],
            "git_commit": self.manifest["git_commit"],
        }
