"""b2bsim: agent-based simulation of B2B buying committees.

The Python API (`sim.api`, documented in docs/researchers.md) is available on the package
itself, loaded on first use so that `import sim.model` stays light in worker processes:

    import sim
    deal = sim.simulate("baseline", seed=1)
    comparison = sim.compare("baseline", ["funnel_pusher", "maze_guide"], replications=100)
    results = sim.sweep("funnel_vs_maze", replications=5)
    results.deals()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.api import (
        AS_WRITTEN,
        Comparison,
        DealResult,
        Executors,
        Experiment,
        Facts,
        Policy,
        Results,
        Robustness,
        Scenario,
        calibrate_to,
        compare,
        discover,
        ema_model,
        evaluate,
        facts,
        load_experiment,
        load_scenario,
        named_experiments,
        named_scenarios,
        open_results,
        robustness,
        sensitivity,
        simulate,
        sweep,
    )

__all__ = [
    "AS_WRITTEN",
    "Comparison",
    "DealResult",
    "Executors",
    "Experiment",
    "Facts",
    "Policy",
    "Results",
    "Robustness",
    "Scenario",
    "calibrate_to",
    "compare",
    "discover",
    "ema_model",
    "evaluate",
    "facts",
    "load_experiment",
    "load_scenario",
    "named_experiments",
    "named_scenarios",
    "open_results",
    "robustness",
    "sensitivity",
    "simulate",
    "sweep",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("sim.api"), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
