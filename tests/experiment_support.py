"""A tiny experiment file for the sweep and store tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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
