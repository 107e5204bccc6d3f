"""Writing a file so that readers never see it half-written: the one atomic write of the
package (reports, results parts, manifests, calibration tables)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_atomically(path: str | Path, writer: Callable[[Path], Any]) -> Path:
    """Let `writer` fill a temporary file beside `path`, fsync it, then rename it over
    `path`; on any failure the temporary file is removed and `path` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        writer(temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
