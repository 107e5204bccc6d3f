"""The ledger of a results folder: one JSON line per committed batch, appended and fsynced.

A sweep commits a batch by appending its part record (`deals`, `rows`, `events` and the
sha256 of each part) to `ledger.jsonl`, so committing costs the same at the first batch and
at the ten-thousandth; rewriting a manifest that lists every part would make a sweep's time
grow with the square of its length. The manifest keeps the parts compacted into it and
`ledger_through`, the highest part number it accounts for: a ledger line of a part at or below
that number is already in the manifest (or was moved to `damaged/`), so a compaction killed
between renaming the new manifest into place and removing the ledger repeats nothing.

A line is written with one `write` on a descriptor opened for appending: a writer killed
mid-append leaves at most a last line without its newline, which readers ignore and the next
sweep cuts off (its batch is computed again). Any other unreadable line is damage, named with
its line number.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LEDGER = "ledger.jsonl"
DEALS_PART = re.compile(r"deals-(\d{6,9})\.parquet")
EVENTS_PART = re.compile(r"events-(\d{6,9})\.parquet")
NO_FOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


def is_part_record(entry: Any) -> bool:
    """Whether `entry` is a part record as a sweep writes it (names of this store's parts
    only, so a record can never point outside the folder)."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("deals"), str)
        and DEALS_PART.fullmatch(entry["deals"]) is not None
        and isinstance(entry.get("deals_sha256"), str)
        and (
            entry.get("events") is None
            or (
                isinstance(entry["events"], str)
                and EVENTS_PART.fullmatch(entry["events"]) is not None
                and isinstance(entry.get("events_sha256"), str)
            )
        )
    )


def part_number(entry: dict[str, Any]) -> int:
    """The number NNNNNN of a part record's `deals-NNNNNN.parquet`."""
    match = DEALS_PART.fullmatch(entry["deals"])
    if match is None:
        raise ValueError(f"not a part name: {entry['deals'][:64]!r}")
    return int(match.group(1))


@dataclass
class LedgerRead:
    """The records of a ledger past the manifest's `ledger_through`, and where a half-written
    last line begins (None when the ledger ends with a whole line)."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    torn_at: int | None = None
    highest: int = 0


def read_ledger(
    data: bytes, where: Path, through: int, damaged: Callable[[str], Exception]
) -> LedgerRead:
    """Parse a ledger's bytes: records numbered above `through`, in order. A complete line
    that is not a part record raises `damaged(reason)` naming the line."""
    read = LedgerRead()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        read.torn_at = end
    for number, line in enumerate(data[:end].split(b"\n")[:-1], 1):
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError) as error:
            raise damaged(
                f"{where}: line {number} is unreadable ({type(error).__name__})"
            ) from None
        if not is_part_record(entry):
            raise damaged(f"{where}: line {number} is not a part record")
        part = part_number(entry)
        read.highest = max(read.highest, part)
        if part > through:
            read.entries.append(entry)
    return read


def append_record(path: Path, entry: dict[str, Any]) -> None:
    """Append one record as one line with a single write, then fsync it (and the folder when
    this append created the ledger, so that its name survives a power cut too)."""
    line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
    created = not os.path.lexists(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | NO_FOLLOW, 0o644)
    try:
        view = memoryview(line)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if created:
        sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """fsync a folder, making the names created or removed in it durable."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
