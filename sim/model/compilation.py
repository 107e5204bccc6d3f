"""Compiling the committee's week (`kernel`, `inlined`) with an on-disk cache that heals itself.

numba caches each compiled mechanism in an index (`.nbi`) and data files (`.nbc`), pickles it
trusts blindly: a truncated, bit-flipped or zero-length file used to stop every later run
(UnpicklingError, an LLVM error, "interrupted") until someone deleted the folder by hand. Here
each file carries a SHA-256 of its bytes; a file that is damaged in any way is discarded and
its function compiled again (one warning), and a cache that cannot be written never stops a
run.

Where the cache lives: beside the package (`__pycache__`), else numba's user-wide folder, else
a private folder of this user under the system's temporary folder (read-only site-packages and
no writable home, as in a locked-down install); `NUMBA_CACHE_DIR` comes first when set. With
nowhere writable the mechanisms are compiled in memory on every run (slower to start, same
results), with one warning.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import multiprocessing
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from numba import njit
from numba.core.caching import (
    CompileResultCacheImpl,
    FunctionCache,
    IndexDataCacheFile,
    InTreeCacheLocator,
    UserProvidedCacheLocator,
    UserWideCacheLocator,
    _CacheLocator,
    _SourceFileBackedLocatorMixin,
)
from numba.core.dispatcher import Dispatcher

SEALED = "+b2bsim-sha256"
"""Added to numba's version in the index: files written without checksums (by plain numba)
are then a different version, ignored and rewritten, not mistaken for damage."""
DIGEST_BYTES = 32

_warned: set[str] = set()


def announce_compiling() -> None:
    """Say once, on a terminal, that the model is being compiled: the first run after an
    install or an update otherwise sits silent for a minute and a half (nothing in a log or
    a pipe, whose readers see the run's own output, nor with B2BSIM_PROGRESS=0)."""
    quiet = os.environ.get("B2BSIM_PROGRESS", "").strip() == "0"
    worker = multiprocessing.parent_process() is not None  # its command says it, once
    if "compiling" in _warned or quiet or worker or not sys.stderr.isatty():
        return
    _warned.add("compiling")
    sys.stderr.write(
        "compiling the simulation model for this machine, once after an install or an update "
        "(up to a minute and a half); later runs load it from the cache\n"
    )
    sys.stderr.flush()


def announce_if_uncompiled(entry: Any) -> None:
    """Before worker processes start: say here, once, that they will compile the model if the
    cache holds no code for `entry` (the function every deal calls); workers never say it,
    or a command would say it once per worker."""
    if not isinstance(entry, Dispatcher):  # NUMBA_DISABLE_JIT=1: nothing is compiled
        return
    index = getattr(entry._cache, "_cache_file", None)  # None: no cache, compiled each run
    try:
        cached = index is not None and bool(index._load_index())
    except Exception:  # damaged: the workers discard it and compile
        cached = False
    if not cached:
        announce_compiling()


def warn_once(kind: str, message: str) -> None:
    """One line on stderr, once per process and kind (not once per compiled function)."""
    if kind in _warned:
        return
    _warned.add(kind)
    sys.stderr.write(f"warning: {message}\n")
    sys.stderr.flush()


class DamagedCache(Exception):
    """A cache file whose bytes differ from the checksum written with them."""


class SealedCacheFile(IndexDataCacheFile):
    """numba's index and data files, each with a SHA-256 of its pickled bytes in front."""

    def __init__(self, cache_path: str, filename_base: str, source_stamp: Any) -> None:
        super().__init__(cache_path, filename_base, source_stamp)
        self._version = f"{self._version}{SEALED}"
        self.filename_base = filename_base

    def _dump(self, obj: Any) -> bytes:
        data = super()._dump(obj)
        return hashlib.sha256(data).digest() + data

    @staticmethod
    def _unseal(sealed: bytes, path: str) -> Any:
        digest, data = sealed[:DIGEST_BYTES], sealed[DIGEST_BYTES:]
        if len(sealed) <= DIGEST_BYTES or hashlib.sha256(data).digest() != digest:
            raise DamagedCache(f"{path}: its content differs from its checksum")
        return pickle.loads(data)

    def _load_index(self) -> dict[Any, str]:
        try:
            with open(self._index_path, "rb") as handle:
                version = pickle.load(handle)
                sealed = handle.read()
        except FileNotFoundError:
            return {}
        if version != self._version:
            return {}  # another numba, or files without checksums: rewritten on save
        stamp, overloads = self._unseal(sealed, self._index_path)
        return overloads if stamp == self._source_stamp else {}

    def _load_data(self, name: str) -> Any:
        path = self._data_path(name)
        with open(path, "rb") as handle:
            return self._unseal(handle.read(), path)

    def files(self) -> list[Path]:
        """The index and every data file of this function."""
        folder = Path(self._cache_path)
        return [Path(self._index_path), *folder.glob(f"{self.filename_base}.*.nbc")]


def private_cache_root() -> Path:
    """This user's own folder under the temporary folder, for when nothing else is writable."""
    return Path(tempfile.gettempdir()) / f"b2bsim-numba-{os.geteuid()}"


class PrivateTemporaryLocator(_SourceFileBackedLocatorMixin, _CacheLocator):
    """The last resort: `private_cache_root()`, used only if it is a real folder owned by this
    user and closed to others (a cache is unpickled, so nobody else may write there)."""

    def __init__(self, py_func: Callable[..., Any], py_file: str) -> None:
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._root = private_cache_root()
        self._cache_path = str(self._root / self.get_suitable_cache_subpath(py_file))

    def get_cache_path(self) -> str:
        return self._cache_path

    def ensure_cache_path(self) -> None:
        with contextlib.suppress(FileExistsError):
            self._root.mkdir(mode=0o700)
        info = os.lstat(self._root)
        if (
            not stat.S_ISDIR(info.st_mode)
            or info.st_uid != os.geteuid()
            or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
        ):
            raise PermissionError(f"{self._root}: not a private folder of this user")
        super().ensure_cache_path()


COMPILED_MODULES = (
    "kernel.py",
    "pcg.py",
    "committee.py",
    "exogenous.py",
    "streams.py",
    "compilation.py",
)
"""The model's modules with compiled functions. A compiled function carries the code of the
compiled functions it calls (numba inlines or links them), but numba's cache only checks the
file of the function itself; each function's cache is therefore stamped with all of these
files (and this one, whose options they are compiled with), so an edit to any of them
compiles the others again instead of running stale code (tests/test_pcg.py checks that the
list is complete)."""


@functools.cache
def compiled_sources_stamp() -> tuple[tuple[str, float, int], ...]:
    """(name, modification time, size) of each of `COMPILED_MODULES` (read once a process)."""
    folder = Path(__file__).parent
    stamps = []
    for name in COMPILED_MODULES:
        info = os.stat(folder / name)
        stamps.append((name, info.st_mtime, info.st_size))
    return tuple(stamps)


class HealingCacheImpl(CompileResultCacheImpl):
    _locator_classes: ClassVar[list[type[_CacheLocator]]] = [
        UserProvidedCacheLocator,
        InTreeCacheLocator,
        UserWideCacheLocator,
        PrivateTemporaryLocator,
    ]


class HealingCache(FunctionCache):
    """numba's per-function cache, with checked files: a damaged one is discarded and the
    function compiled again; a failure to write leaves the function compiled in memory."""

    _impl_class = HealingCacheImpl

    def __init__(self, py_func: Callable[..., Any]) -> None:
        super().__init__(py_func)
        self._cache_file = SealedCacheFile(
            cache_path=self._cache_path,
            filename_base=self._impl.filename_base,
            source_stamp=(self._impl.locator.get_source_stamp(), compiled_sources_stamp()),
        )

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        try:
            loaded = super().load_overload(sig, target_context)
        except Exception as error:  # any damage: unpickling, checksum, LLVM, EOF
            self.discard()
            warn_once(
                "damaged",
                f"the compiled-model cache in {self._cache_path} was damaged "
                f"({type(error).__name__}); discarded, compiling again (slower this once)",
            )
            return None
        if loaded is None:  # not cached yet: numba compiles it next
            announce_compiling()
        return loaded

    def save_overload(self, sig: Any, data: Any) -> None:
        try:
            super().save_overload(sig, data)
        except Exception as error:  # a full or read-only disk: run on, compiled in memory
            self.disable()
            warn_once(
                "unwritable",
                f"cannot write the compiled-model cache in {self._cache_path} "
                f"({type(error).__name__}: {error}); later runs compile again",
            )

    def discard(self) -> None:
        """Remove this function's cache files (a half-removed set is only recompiled)."""
        for path in self._cache_file.files():
            with contextlib.suppress(OSError):
                path.unlink()


def _compiled(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """A numba decorator whose functions use `HealingCache`; with nowhere writable for a
    cache, they compile in memory each run (one warning)."""

    def decorate(function: Callable[..., Any]) -> Any:
        dispatcher = njit(**options)(function)
        if not isinstance(dispatcher, Dispatcher):  # NUMBA_DISABLE_JIT=1: plain Python
            return dispatcher
        try:
            dispatcher._cache = HealingCache(dispatcher.py_func)  # what enable_caching sets
        except RuntimeError as error:  # numba: "no locator available for file ..."
            warn_once(
                "nowhere",
                f"no writable folder for the compiled-model cache ({error}); the model is "
                "compiled on every run (about a minute and a half), set NUMBA_CACHE_DIR to a "
                "writable folder to keep it",
            )
        return dispatcher

    return decorate


ERROR_MODEL = "numpy"
"""How compiled arithmetic treats a division by zero: as NumPy does (inf or NaN), not by raising
ZeroDivisionError, which costs a check and a branch on every division. Measured on issue 19's
kernel: 8 % less compiled time a deal, every metric row byte-identical over 300 seeds of 17
scenario variants (no mechanism divides by zero on a valid scenario; the extreme-value tests
check that the metrics stay finite). fastmath (even nnan/ninf/nsz alone) gained nothing more
and may change results, so it stays off; bounds checks stay off (numba's default)."""
kernel = _compiled(error_model=ERROR_MODEL)
"""Every compiled mechanism: compiled once, cached beside the package for later processes."""
inlined = _compiled(inline="always", error_model=ERROR_MODEL)
"""A small step (a draw, a lookup, one formula) compiled into each mechanism that uses it, so
calling it costs nothing."""
