"""Writing a file so that readers never see it half-written: the one atomic write of the
package (reports, results parts, manifests, calibration tables)."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

TEMPORARY_SUFFIX = ".tmp"

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
    An operating-system failure becomes an `OutputError` naming `path`."""
    path = Path(path)
    temporary = temporary_name(path)
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder", str(path))
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


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
