"""The compiled-model cache heals itself (issue 25, sim/model/compilation.py): a truncated,
bit-flipped, garbage or zero-length `.nbc`/`.nbi` is discarded and its function compiled
again with one warning; with nowhere writable for a cache (read-only install, no home, no
temporary folder) the model runs compiled in memory, with one warning, instead of failing.

Each run is a fresh process, as a user's next command would be. The functions under test are
tiny ones decorated like the kernel's (fast); the last test, slow, runs the real model from a
non-editable, read-only install as a user who is not root.
"""

from __future__ import annotations

import functools
import json
import os
import pty
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="the cache exists only when compiling"
)

TINY_MODULE = """
from sim.model.compilation import inlined, kernel

@inlined
def twice(x):
    return 2.0 * x

@kernel
def f0(x):
    return twice(x) + 0.5

@kernel
def f1(x):
    return twice(x) + 1.5

@kernel
def f2(x):
    return twice(x) * 3.0

@kernel
def f3(x):
    return twice(x) - 4.0
"""
FUNCTIONS = ("f0", "f1", "f2", "f3")
PROBE = """
import json, sys, tempfile
sys.path.insert(0, sys.argv[1])
if len(sys.argv) > 3:  # a system whose every temporary folder is closed
    tempfile.tempdir = sys.argv[3]
import tiny_kernel as t
out = {}
for name in sys.argv[2].split(","):
    f = getattr(t, name)
    value = f(3.0)
    out[name] = [value, sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values())]
print(json.dumps(out))
"""
EXPECTED = {"f0": 6.5, "f1": 7.5, "f2": 18.0, "f3": 2.0}
CLOSED_RUN = """
import sys, tempfile
tempfile.tempdir = sys.argv[1]  # a system whose every temporary folder is closed
from sim.cli import main
main(sys.argv[2:])
"""


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_a_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) * 2 // 3] ^= 0x10
    path.write_bytes(bytes(data))


def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def empty(path: Path) -> None:
    path.write_bytes(b"")


DAMAGES: list[Callable[[Path], None]] = [truncate, flip_a_bit, garbage, empty]

DAMAGED_FUNCTIONS = ("kernel.seat_committee", "kernel.job_flows", "pcg.fill_normal")
"""Compiled functions every run loads from the cache: seating, the record's loop-backs and
the behaviour stream's blocks."""


NO_FILE_POWERS = ["--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
"""setpriv options for root without the capabilities that ignore file permissions."""


@functools.cache
def unprivileged() -> tuple[tuple[str, ...], int]:
    """A command prefix that runs a child as a user bound by file permissions, and its uid:
    nothing when the tests run as another user; as root, `nobody` if it can start this
    interpreter, else root without the file-permission capabilities (setpriv)."""
    if os.geteuid() != 0:
        return (), os.geteuid()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv to drop privileges")
    try:
        nobody = pwd.getpwnam("nobody")
        as_nobody = (setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}")
        as_nobody += ("--clear-groups", "--")
        started = subprocess.run(
            [*as_nobody, sys.executable, "-c", "pass"], capture_output=True, check=False
        )
        if started.returncode == 0:
            return as_nobody, nobody.pw_uid
    except (KeyError, OSError):
        pass
    # The interpreter lives where only root may read (e.g. /root/.pyenv): stay uid 0 but
    # lose the capabilities to override permissions, which is what a plain user lacks.
    return (setpriv, *NO_FILE_POWERS), 0


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder outside pytest's private one (closed to other users), open to `nobody`."""
    folder = Path(tempfile.mkdtemp(prefix="b2bsim-cache-test-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(stat.S_IRWXU | (0o755 if path.is_dir() else 0o644))
    shutil.rmtree(folder, ignore_errors=True)


def read_only(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        path.chmod(0o555 if path.is_dir() else 0o444)


def environment(home: Path, temporary: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_CACHE_HOME"))}
    return {**env, "HOME": str(home), "TMPDIR": str(temporary), "B2BSIM_PROGRESS": "0", **extra}


def probe(
    module_folder: Path,
    env: dict[str, str],
    user: tuple[str, ...] = (),
    temporary: Path | None = None,
):
    """Call the tiny functions in a fresh process: {name: [value, cache hits, misses]} and
    the lines on stderr. `temporary` replaces every temporary folder of the system."""
    closed = [str(temporary)] if temporary is not None else []
    done = subprocess.run(
        [*user, sys.executable, "-c", PROBE, str(module_folder), ",".join(FUNCTIONS), *closed],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(REPO)},
        cwd=module_folder,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), [line for line in done.stderr.splitlines() if line.strip()]


POOL_PROBE = """
import multiprocessing, sys
sys.path.insert(0, sys.argv[1])
import tiny_kernel as t
from sim.model.compilation import announce_if_uncompiled

def work(x):
    return t.f0(x) + t.f1(x)  # compiled (or loaded) in the worker

announce_if_uncompiled(t.f0)  # as the runner does before its pool starts
with multiprocessing.get_context("fork").Pool(2) as pool:
    print(pool.map(work, [3.0, 3.0]))
"""
"""A command whose two worker processes compile the tiny functions, as `compare` does."""


def probe_on_a_terminal(module_folder: Path, env: dict[str, str], script: str = PROBE) -> str:
    """Call the tiny functions in a fresh process whose stderr is a (pseudo-)terminal, as a
    user's shell gives it: what it wrote there."""
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(module_folder), ",".join(FUNCTIONS)],
            stdout=subprocess.PIPE, stderr=terminal, env={**env, "PYTHONPATH": str(REPO)},
            cwd=module_folder, timeout=300, check=False,
        )  # fmt: skip
    finally:
        os.close(terminal)
    written = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the terminal's other side is closed and drained
            break
        if not chunk:
            break
        written.append(chunk)
    os.close(controller)
    assert done.returncode == 0, written
    return b"".join(written).decode()


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "module"
    folder.mkdir()
    (folder / "tiny_kernel.py").write_text(TINY_MODULE)
    return folder


@pytest.mark.parametrize("kind", ["nbc", "nbi"])
def test_every_kind_of_damage_is_discarded_and_compiled_again(
    tiny: Path, tmp_path: Path, kind: str
) -> None:
    env = environment(tmp_path, tmp_path)
    first, _ = probe(tiny, env)
    assert {name: value for name, (value, _, _) in first.items()} == EXPECTED
    warm, warnings = probe(tiny, env)
    assert all(hits == 1 and misses == 0 for _, hits, misses in warm.values()), warm
    assert warnings == []
    cache = tiny / "__pycache__"
    for name, damage in zip(FUNCTIONS, DAMAGES, strict=True):
        [path] = cache.glob(f"tiny_kernel.{name}-*.{kind}")
        damage(path)
    healed, warnings = probe(tiny, env)
    assert {name: value for name, (value, _, _) in healed.items()} == EXPECTED
    recompiled = {name for name, (_, hits, misses) in healed.items() if misses}
    assert recompiled == set(FUNCTIONS)
    assert len(warnings) == 1 and warnings[0].startswith("warning: the compiled-model cache")
    assert "damaged" in warnings[0]
    again, warnings = probe(tiny, env)
    assert all(hits == 1 and misses == 0 for _, hits, misses in again.values()), again
    assert warnings == [], "the healed cache is written back whole"


def test_a_terminal_is_told_once_that_the_model_compiles(tiny: Path, tmp_path: Path) -> None:
    """The first run after an install compiles for a minute and a half: on a terminal it says
    so, once for all the functions it compiles; a warm run, or B2BSIM_PROGRESS=0, says
    nothing (and a pipe never hears it: the other tests read stderr through one)."""
    env = environment(tmp_path, tmp_path, B2BSIM_PROGRESS="1")
    cold = probe_on_a_terminal(tiny, env)
    assert cold.count("compiling the simulation model") == 1, cold
    assert cold.strip().count("\n") == 0, "one line, nothing else"
    assert probe_on_a_terminal(tiny, env) == "", "loaded from the cache: nothing to say"
    quiet = tmp_path / "quiet"
    shutil.copytree(tiny, quiet, ignore=shutil.ignore_patterns("__pycache__"))
    assert probe_on_a_terminal(quiet, {**env, "B2BSIM_PROGRESS": "0"}) == ""
    assert list((quiet / "__pycache__").glob("tiny_kernel.f0-*.nbc")), "it did compile"


def test_a_command_whose_workers_compile_says_so_once(tiny: Path, tmp_path: Path) -> None:
    """Workers never announce (two workers would say it twice); the command says it before
    starting them when the cache holds nothing, and nothing once it does."""
    env = environment(tmp_path, tmp_path, B2BSIM_PROGRESS="1")
    cold = probe_on_a_terminal(tiny, env, POOL_PROBE)
    assert cold.count("compiling the simulation model") == 1, cold
    assert list((tiny / "__pycache__").glob("tiny_kernel.f1-*.nbc")), "the workers compiled"
    assert probe_on_a_terminal(tiny, env, POOL_PROBE) == ""


def test_files_of_plain_numba_are_replaced_quietly(tiny: Path, tmp_path: Path) -> None:
    """A cache written before checksums (plain numba) is another version: no warning."""
    env = environment(tmp_path, tmp_path)
    plain = TINY_MODULE.replace(
        "from sim.model.compilation import inlined, kernel",
        "from numba import njit\nkernel = njit(cache=True)\ninlined = njit(cache=True, "
        'inline="always")',
    )
    (tiny / "tiny_kernel.py").write_text(plain)
    probe(tiny, env)
    (tiny / "tiny_kernel.py").write_text(TINY_MODULE)
    result, warnings = probe(tiny, env)
    assert {name: value for name, (value, _, _) in result.items()} == EXPECTED
    assert warnings == []


def test_with_nowhere_writable_the_model_runs_with_one_warning(shared_folder: Path) -> None:
    user, _ = unprivileged()
    module = shared_folder / "module"
    module.mkdir()
    (module / "tiny_kernel.py").write_text(TINY_MODULE)
    closed = shared_folder / "closed"  # no home, no temporary folder, read-only install
    closed.mkdir()
    read_only(shared_folder)
    env = environment(closed / "home", closed)
    result, warnings = probe(module, env, user, temporary=closed)
    assert {name: value for name, (value, _, _) in result.items()} == EXPECTED
    assert len(warnings) == 1 and warnings[0].startswith("warning: no writable folder"), warnings
    assert not (module / "__pycache__").exists()


def test_a_private_folder_under_tmp_is_the_last_resort(shared_folder: Path) -> None:
    user, uid = unprivileged()
    module = shared_folder / "module"
    module.mkdir()
    (module / "tiny_kernel.py").write_text(TINY_MODULE)
    temporary = shared_folder / "tmp"
    temporary.mkdir()
    closed = shared_folder / "closed"
    closed.mkdir()
    read_only(module)
    read_only(closed)
    temporary.chmod(0o1777)
    env = environment(closed / "home", temporary)
    probe(module, env, user)
    private = temporary / f"b2bsim-numba-{uid}"
    assert stat.S_IMODE(private.stat().st_mode) == 0o700 and private.stat().st_uid == uid
    assert list(private.rglob("tiny_kernel.f0-*.nbc"))
    warm, warnings = probe(module, env, user)
    assert all(hits == 1 for _, hits, _ in warm.values()) and warnings == []


def test_a_private_folder_open_to_others_is_not_trusted(shared_folder: Path) -> None:
    user, uid = unprivileged()
    module = shared_folder / "module"
    module.mkdir()
    (module / "tiny_kernel.py").write_text(TINY_MODULE)
    temporary = shared_folder / "tmp"
    temporary.mkdir()
    planted = temporary / f"b2bsim-numba-{uid}"
    planted.mkdir(mode=0o777)
    planted.chmod(0o777)  # anyone could have written pickles there
    read_only(module)
    temporary.chmod(0o555)
    env = environment(temporary / "home", temporary)
    result, warnings = probe(module, env, user, temporary=temporary)
    assert {name: value for name, (value, _, _) in result.items()} == EXPECTED
    assert not list(planted.iterdir())
    assert len(warnings) == 1 and "no writable folder" in warnings[0]


@pytest.mark.slow
def test_the_real_model_from_a_read_only_install_as_a_plain_user(shared_folder: Path) -> None:
    """`pip install` (not editable) of the package, made read-only, run by a user without a
    writable home: it compiles into its private temporary folder, heals that cache when it is
    damaged, and runs (compiling each time) when even that is closed."""
    user, uid = unprivileged()
    source = shared_folder / "source"
    for name in ("sim", "scenarios", "experiments", "pyproject.toml", "README.md"):
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(origin, source / name)
    installed = shared_folder / "installed"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-compile", "--target", str(installed), str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    read_only(installed)
    temporary = shared_folder / "tmp"
    temporary.mkdir(mode=0o1777)
    temporary.chmod(0o1777)
    closed = shared_folder / "closed"
    closed.mkdir(mode=0o555)

    def b2bsim(tmpdir: Path, every_temporary_closed: bool = False) -> tuple[str, list[str]]:
        env = environment(closed / "home", tmpdir, PYTHONPATH=str(installed))
        command = ["-m", "sim"] if not every_temporary_closed else ["-c", CLOSED_RUN, str(tmpdir)]
        done = subprocess.run(
            [*user, sys.executable, *command, "run", "baseline", "--brief"],
            capture_output=True, text=True, env=env, cwd=closed, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout, [line for line in done.stderr.splitlines() if line.strip()]

    reference = subprocess.run(
        [sys.executable, "-m", "sim", "run", "baseline", "--brief"],
        capture_output=True, text=True, cwd=REPO, timeout=600, check=True,
        env={**os.environ, "B2BSIM_PROGRESS": "0"},
    ).stdout  # fmt: skip
    first, warnings = b2bsim(temporary)
    assert first == reference and warnings == []
    cache = temporary / f"b2bsim-numba-{uid}"
    assert sorted(cache.rglob("kernel.*.nbc")) and sorted(cache.rglob("kernel.*.nbi"))
    assert not list(installed.rglob("*.nbc")), "nothing written into the install"
    # Damage every file of functions every run reads, each kind of damage on some file (not
    # every function's: compiling the whole model again would add a minute and test nothing
    # more; test_every_kind_of_damage_is_discarded_and_compiled_again covers each kind).
    damaged = sorted(
        path
        for name in DAMAGED_FUNCTIONS
        for path in cache.rglob(f"{name}-*.nb[ci]")
    )  # fmt: skip
    assert len(damaged) >= len(DAMAGES)
    for number, path in enumerate(damaged):
        DAMAGES[number % len(DAMAGES)](path)
    healed, warnings = b2bsim(temporary)
    assert healed == reference
    assert len(warnings) == 1 and "damaged" in warnings[0], warnings
    nowhere, warnings = b2bsim(closed, every_temporary_closed=True)
    assert nowhere == reference
    assert len(warnings) == 1 and "no writable folder" in warnings[0], warnings
