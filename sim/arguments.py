"""The bounds of what a user may ask for, in one place for the command line and the Python
API: `b2bsim compare --replications 10**12` and `sim.compare(..., replications=10**12)` are
refused alike, with the same words, before anything is computed.

A wrong type is a `TypeError`, a value out of bounds a `ValueError`; each names the argument.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

from sim.config.experiment import MAX_REPLICATIONS, MAX_SEED
from sim.config.registry import STRATEGIES, STRATEGY_NAMES

MAX_PROCESSES = 256
"""Most local processes a command may start (each holds the model, ~150 MB)."""

__all__ = [
    "MAX_PROCESSES",
    "MAX_REPLICATIONS",
    "MAX_SEED",
    "processes",
    "replications",
    "seed",
    "strategy_list",
    "whole_number",
]


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def whole_number(name: str, value: Any, low: int, high: int) -> int:
    """`value` as an int in [low, high], in the command line's words; a bool, a float or a
    string is refused (`'7'` is not silently a seed), as the command line refuses `--seed 7.5`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name}: Input should be a valid integer, not {type(value).__name__} {_shown(value)}"
        )
    number = int(value)
    if number < low:
        raise ValueError(f"{name}: Input should be greater than or equal to {low}")
    if number > high:
        raise ValueError(f"{name}: Input should be less than or equal to {high}")
    return number


def replications(value: Any, name: str = "replications", low: int = 1) -> int:
    return whole_number(name, value, low, MAX_REPLICATIONS)


def seed(value: Any, name: str = "seed") -> int:
    return whole_number(name, value, 0, MAX_SEED)


def processes(value: Any, name: str = "workers") -> int | None:
    """A number of processes, or None for the default (all cores)."""
    return None if value is None else whole_number(name, value, 1, MAX_PROCESSES)


def strategy_list(value: Any, name: str = "strategies") -> list[str]:
    """Strategy names, each known and listed once; one string is refused rather than split
    into letters."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name}: give a list of strategy names, e.g. ['funnel_pusher', 'maze_guide'], "
            f"not {type(value).__name__} {_shown(value)}"
        )
    strategies = list(value)
    if not strategies:
        raise ValueError(f"{name}: give at least one strategy")
    for strategy in strategies:
        if not isinstance(strategy, str):
            raise TypeError(f"{name}: a strategy name is a string, not {_shown(strategy)}")
        if strategy not in STRATEGIES:
            raise ValueError(
                f"{name}: unknown strategy {strategy!r} (available: {', '.join(STRATEGY_NAMES)})"
            )
    if len(set(strategies)) != len(strategies):
        raise ValueError(f"{name}: a strategy is listed twice")
    return strategies
