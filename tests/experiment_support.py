"""A tiny experiment file for the sweep and store tests, and a `b2bsim` run that dies like
`kill -9` for the crash tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from sim.cli import main

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
STRATEGIES = ["funnel_pusher", "maze_guide"]
SIZES = [2, 4]


def write_experiment(folder: Path, name: str = "tiny", **fields: Any) -> Path:
    """A tiny experiment: 2 strategies x 2 committee sizes x 3 replications, 12 weeks."""
    data: dict[str, Any] = {
        "name": name,
        "description": "a tiny test experiment",
        "scenario": str(SCENARIO_DIR / "baseline.yaml"),
        "base": {"horizon_weeks": 12},
        "parameters": {
            "sellers.ours.strategy": {"values": STRATEGIES},
            "committee.size": {"values": SIZES},
        },
        "replications": 3,
        "seed": 5,
        **fields,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def cli_killed_in_child(args: list[str], sabotage: Callable[[], None]) -> int:
    """Run `b2bsim ARGS` in a forked child after `sabotage()` has patched the store so that
    it dies (`os._exit(137)`, no cleanup) at the point under test; the child's exit status.
    The child never returns into pytest."""
    child = os.fork()
    if child == 0:
        code = 70
        try:
            sabotage()
            try:
                main(args)
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)
