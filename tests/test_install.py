"""A non-editable install works from any folder: it finds its named scenarios and
experiments (shipped as package data), runs, compares and sweeps."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("sim", "scenarios", "experiments", "pyproject.toml", "README.md")


def test_every_package_folder_is_listed_in_pyproject() -> None:
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(settings["packages"])
    folders = {
        ".".join(path.relative_to(REPO).parts)
        for path in (REPO / "sim").rglob("*")
        if path.is_dir() and path.name != "__pycache__" and any(path.iterdir())
    }
    mapped = {name for name, folder in settings["package-dir"].items() if (REPO / folder).is_dir()}
    assert listed == {"sim"} | folders | mapped
    assert mapped == {"sim.scenarios", "sim.experiments"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install --no-deps --target` of a copy of the sources (no build files left in
    the working tree); the dependencies come from this environment."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(origin, source / name)
    target = tmp_path_factory.mktemp("installed")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return target


def b2bsim(installed: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(installed)}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=folder,
        env=environment, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_installed_package_runs_compares_and_sweeps_from_an_empty_folder(
    installed: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    where = b2bsim(installed, empty, "--version")
    assert where.returncode == 0, where.stderr
    imported = subprocess.run(
        [sys.executable, "-c", "import sim; print(sim.__file__)"], capture_output=True,
        text=True, cwd=empty, env={**os.environ, "PYTHONPATH": str(installed)}, check=True,
    ).stdout  # fmt: skip
    assert imported.startswith(str(installed)), "the installed copy, not the checkout"
    listed = b2bsim(installed, empty, "scenarios")
    assert listed.returncode == 0 and "baseline" in listed.stdout
    run = b2bsim(installed, empty, "run", "baseline", "--brief")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("baseline (seed 1)")
    compared = b2bsim(
        installed, empty, "compare", "one_person", "--replications", "3", "--workers", "1",
        "--csv",
    )  # fmt: skip
    assert compared.returncode == 0, compared.stderr
    assert compared.stdout.splitlines()[0].startswith("strategy,deals")
    swept = b2bsim(
        installed, empty, "sweep", "information_overload", "--replications", "1", "--workers", "1",
    )  # fmt: skip
    assert swept.returncode == 0, swept.stderr
    assert "failed 0" in swept.stdout
    assert (empty / "results" / "information_overload" / "manifest.json").exists()
    from_python = subprocess.run(
        [sys.executable, "-c",
         "import sim; r = sim.open_results('results/information_overload'); print(len(r.deals()))"],
        capture_output=True, text=True, cwd=empty, env={**os.environ, "PYTHONPATH": str(installed)},
        timeout=120, check=False,
    )  # fmt: skip
    assert from_python.returncode == 0, from_python.stderr
    assert int(from_python.stdout) > 0
