"""One writer per results folder: an advisory lock file that names its holder.

The lock is an `flock` on `<folder>/.lock`, so the kernel releases it when its holder dies
(a `kill -9` leaves no stale lock to clean up); the file's text (pid, host, start time) only
serves the refusal message. Processes forked by the holder (pool workers) close their copy
at once, so a killed sweep's workers never keep its folder locked.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import stat
import time
from pathlib import Path

LOCK_NAME = ".lock"

_held: dict[str, list[int]] = {}
"""Locks this process holds: real path of the lock file -> [descriptor, holders]. A second
store opened on the same folder in the same process shares the lock."""


def _close_inherited() -> None:
    """In a forked child: drop the parent's lock descriptors (the lock stays the parent's)."""
    for descriptor, _ in _held.values():
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _held.clear()


os.register_at_fork(after_in_child=_close_inherited)


class FolderBusy(Exception):
    """Another process holds the folder's lock."""


class FolderLock:
    """The lock of one folder, held from `acquire` until `release` or the process's end."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._key: str | None = None

    @property
    def held(self) -> bool:
        return self._key is not None

    def acquire(self) -> None:
        """Take the lock or raise FolderBusy naming the holder; never waits."""
        if self._key is not None:
            return
        key = os.path.realpath(self.path)
        if key in _held:
            _held[key][1] += 1
            self._key = key
            return
        # Never through a link: the record below would truncate and overwrite its target.
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
        descriptor = os.open(self.path, flags, 0o644)
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise OSError(errno.EINVAL, "not a regular file", str(self.path))
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._describe_holder(descriptor)
            os.close(descriptor)
            raise FolderBusy(holder) from None
        except OSError:
            os.close(descriptor)
            raise
        os.ftruncate(descriptor, 0)
        record = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        os.write(descriptor, json.dumps(record).encode())
        _held[key] = [descriptor, 1]
        self._key = key

    def release(self) -> None:
        key, self._key = self._key, None
        if key is None or key not in _held:
            return
        _held[key][1] -= 1
        if _held[key][1] > 0:
            return
        descriptor, _ = _held.pop(key)
        with contextlib.suppress(OSError):
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)

    def __del__(self) -> None:
        self.release()

    @staticmethod
    def _describe_holder(descriptor: int) -> str:
        try:
            record = json.loads(os.pread(descriptor, 4096, 0) or b"{}")
            pid, host = int(record["pid"]), str(record["host"])[:64]
            since = time.strftime("%H:%M:%S", time.localtime(float(record["since"])))
        except (ValueError, KeyError, TypeError, OSError, OverflowError):
            return "an unknown process"
        text = f"process {pid} on {host}, since {since}"
        if host == socket.gethostname() and not _alive(pid):
            text += "; it has ended and its workers are stopping, try again in a few seconds"
        return text


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
