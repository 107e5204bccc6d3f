"""Writing a file so that readers never see it half-written: the one atomic write of the
package (reports, results parts, manifests, calibration tables)."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

TEMPORARY_SUFFIX = ".tmp"
TEMPORARY_TAG = r"\d+-\d+-[0-9a-f]{8}"
"""The pattern of the unique part of `temporary_name`, for a store to recognise its own."""

EXPORT_FORMATS = ("parquet", "csv")
"""The file formats `b2bsim export` writes (here, in a light module, so that the command's
help can name them without importing pandas)."""


class OutputError(Exception):
    """An output that cannot be written (unwritable, a folder, a missing disk): the path and
    the operating system's reason, for a one-line message."""

    def __init__(self, path: str | Path, error: OSError) -> None:
        self.path = str(path)
        reason = error.strerror or type(error).__name__
        super().__init__(f"{self.path}: cannot write ({reason})")


def temporary_name(path: Path) -> Path:
    """A hidden name beside `path`, unique per process and thread, so that two writers of the
    same file never share a temporary file."""
    tag = f"{os.getpid()}-{threading.get_ident()}-{secrets.token_hex(4)}"
    return path.with_name(f".{path.name}.{tag}{TEMPORARY_SUFFIX}")


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (the folder's entry), where the platform allows it."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_atomically(path: str | Path, writer: Callable[[Path], Any]) -> Path:
    """Let `writer` fill a temporary file beside `path`, fsync it, then rename it over
    `path`; on any failure the temporary file is removed and `path` is left as it was.
    What is not a regular file (a device such as /dev/null, a FIFO, /dev/stdout, a link) is
    never renamed over: it receives the bytes directly (`write_through`). An
    operating-system failure becomes an `OutputError` naming `path`."""
    path = Path(path)
    try:
        kind = os.lstat(path).st_mode
    except FileNotFoundError:
        kind = None
    except OSError as error:
        raise OutputError(path, error) from error
    if kind is not None and stat.S_ISDIR(kind):
        raise OutputError(path, IsADirectoryError(21, "is a folder", str(path)))
    if kind is not None and not stat.S_ISREG(kind):
        return write_through(path, writer)
    temporary = temporary_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer(temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _sync_folder(path.parent)
    except OSError as error:
        _remove_quietly(temporary)
        raise OutputError(path, error) from error
    except BaseException:
        _remove_quietly(temporary)
        raise
    return path


def write_through(path: Path, writer: Callable[[Path], Any]) -> Path:
    """Write into what `path` names as it is (a device, a FIFO, the target of a link): the
    writer fills a private temporary file, whose bytes are then copied into `path` opened for
    writing, never created or replaced. A full device fails with its own reason (ENOSPC)."""
    descriptor, name = tempfile.mkstemp(prefix="b2bsim-", suffix=TEMPORARY_SUFFIX)
    os.close(descriptor)
    temporary = Path(name)
    try:
        writer(temporary)
        target = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_NOCTTY | os.O_CLOEXEC)
        try:
            with open(temporary, "rb") as source:
                for block in iter(lambda: source.read(1 << 20), b""):
                    view = memoryview(block)
                    while view:
                        view = view[os.write(target, view) :]
            with contextlib.suppress(OSError):  # a pipe or a terminal cannot be synced
                os.fsync(target)
        finally:
            os.close(target)
    except OSError as error:
        raise OutputError(path, error) from error
    finally:
        _remove_quietly(temporary)
    return path


def is_standard_output(path: str | Path) -> bool:
    """Whether `path` names this process's standard output (/dev/stdout, or the file or pipe
    it goes to), so that a command writing there keeps its own messages off it."""
    try:
        target, output = os.stat(path), os.fstat(1)
    except OSError:
        return False
    return (target.st_dev, target.st_ino) == (output.st_dev, output.st_ino)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
