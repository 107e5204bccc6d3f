"""Shared helpers for the b2bsim test suite.

Scenarios are built from small dicts merged over the defaults (`make_scenario`), the CLI is
run in-process through `sim.cli.main` (`run_cli`), exactly as the console script calls it
(`sys.exit(main())`), and the installed console script is located next to the interpreter
(`b2bsim_script`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from sim.cli import main
from sim.config import Scenario, load_scenario

# Property tests build models whose first call may load (or, after an edit, compile) the
# compiled kernel, and CI machines may be busy: a per-example deadline measures the machine,
# not the property, so none is set (speed is measured by `make bench`, never by a test).
settings.register_profile("b2bsim", deadline=None)
settings.load_profile("b2bsim")

REPO = Path(__file__).resolve().parent.parent
SCENARIO_DIR = REPO / "scenarios"
SCENARIO_FILES = sorted(SCENARIO_DIR.glob("*.yaml"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the model once, before any test and before pytest-xdist starts its workers.
    On a fresh clone the compiled cache is empty: the first tests of each worker would compile
    it at the same time, and a test that waits on a worker process with a time limit would
    measure whichever compile it met (which test pays would depend on the order). With a warm
    cache this only loads it, in about a second."""
    if hasattr(session.config, "workerinput") or os.environ.get("NUMBA_DISABLE_JIT") == "1":
        return
    from sim.model.model import BuyingCommitteeModel
    from sim.runner import Executors
    from sim.workflow.compare import DEFAULT_STRATEGIES, compare
    from sim.workflow.territory import territory_scenario, work_territory

    baseline = load_scenario("baseline")
    compare(baseline, replications=2, executors=Executors(workers=1))  # the batch path
    BuyingCommitteeModel(baseline, seed=1).run()  # stepped through Mesa, week by week
    work_territory(territory_scenario(baseline, 2), DEFAULT_STRATEGIES)


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` merged in recursively (neither is modified)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def build_scenario(data: dict[str, Any] | None = None, **sections: Any) -> Scenario:
    """A validated scenario from a mapping and/or top-level sections given as keywords."""
    return Scenario.model_validate(merge({"name": "test", **(data or {})}, sections))


@pytest.fixture(scope="session")
def make_scenario() -> Callable[..., Scenario]:
    return build_scenario


@pytest.fixture(scope="session")
def named_scenario() -> Callable[[str], Scenario]:
    """Load a shipped scenario by its file stem ('baseline')."""

    def load(name: str) -> Scenario:
        return load_scenario(SCENARIO_DIR / f"{name}.yaml")

    return load


@pytest.fixture(scope="session")
def scenario_files() -> list[Path]:
    assert SCENARIO_FILES, f"no scenarios in {SCENARIO_DIR}"
    return SCENARIO_FILES


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `b2bsim ARGS...` in-process; the exit status is what the console script's
    `sys.exit(main())` would give."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            returned = main(list(args))
            code = 0 if returned is None else int(returned)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def b2bsim_script() -> Path:
    script = Path(sys.executable).parent / "b2bsim"
    assert script.exists(), f"console script not installed at {script}"
    return script
