"""Robustness: does the answer to "which strategy?" survive a change of any one parameter?

One parameter at a time, every numeric field of the scenario moves by -25% and +25% of its
value (clipped to the schema's bounds; integers rounded; fields at 0 and fields the committee
model never reads, such as a vendor's `price`, are left alone), and every role's weekly hours
by -1 h and +1 h. Each variant is a design point of one study (sim/workflow/study.py), so
replication r of every strategy at every variant meets the same committee as at the base:
each change is a paired difference with its 95% interval (sim/analysis/robustness.py).
"""

from __future__ import annotations

import math
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import annotated_types
import pandas as pd
from pydantic import BaseModel

from sim.config.registry import WEEKLY_HOURS
from sim.config.scenario import Scenario
from sim.model.sellers import SELLER_CLASSES
from sim.runner import Executors
from sim.workflow.design import DesignPoint, point_key
from sim.workflow.study import Policy, Progress, evaluate

RELATIVE_CHANGE = 0.25
ROLE_HOURS_CHANGE = 1.0
NOT_PERTURBED = frozenset({"price"})
"""Fields no mechanism of one deal reads (a vendor's price only counts in territory revenue)."""


@dataclass(frozen=True, slots=True)
class Perturbation:
    parameter: str
    direction: str  # "-" or "+"
    value: float
    base: float


def perturbations(scenario: Scenario, strategies: list[str]) -> list[Perturbation]:
    """Every one-at-a-time change of the robustness map, in a stable order. A seller setting
    is changed only if a seller in play reads it: ours under one of `strategies`, any other
    vendor's under its own strategy."""
    changes = []
    data = scenario.model_dump(mode="json")
    read = _seller_settings_read(scenario, strategies)
    for path, value, bounds, integer in _numeric_fields(Scenario, data, ""):
        parts = path.split(".")
        if value == 0 or parts[-1] in NOT_PERTURBED:
            continue
        if parts[0] == "sellers" and parts[2] not in read.get(parts[1], ()):
            continue
        for direction, factor in (("-", 1 - RELATIVE_CHANGE), ("+", 1 + RELATIVE_CHANGE)):
            changed = _clip(value * factor, bounds, integer)
            if changed != value:
                changes.append(Perturbation(path, direction, changed, value))
    library = scenario.role_library()
    for role in _roles_in_play(scenario):
        hours = library[role].weekly_hours
        for direction, step in (("-", -ROLE_HOURS_CHANGE), ("+", ROLE_HOURS_CHANGE)):
            bounds = (WEEKLY_HOURS.low, WEEKLY_HOURS.high, not WEEKLY_HOURS.low_open, True)
            changed = _clip(hours + step, bounds, False)
            if changed != hours:
                changes.append(
                    Perturbation(f"roles.{role}.weekly_hours", direction, changed, hours)
                )
    return changes


def robustness_points(changes: list[Perturbation]) -> list[DesignPoint]:
    """The base (point 0) and one design point per change."""
    points = [DesignPoint(0, {}, point_key(0, {}))]
    for index, change in enumerate(changes, start=1):
        values = {change.parameter: change.value}
        points.append(DesignPoint(index, values, point_key(index, values)))
    return points


def run_robustness(
    scenario: Scenario,
    strategies: list[str],
    replications: int,
    *,
    seed: int = 1,
    executors: Executors | None = None,
    progress: Progress | None = None,
) -> tuple[list[Perturbation], pd.DataFrame]:
    """Simulate every strategy at the base and at every change: one row per deal."""
    changes = perturbations(scenario, strategies)
    rows = evaluate(
        scenario,
        [Policy.strategy(s) for s in strategies],
        robustness_points(changes),
        replications,
        seed=seed,
        executors=executors,
        progress=progress,
    )
    return changes, rows


def _seller_settings_read(scenario: Scenario, strategies: list[str]) -> dict[str, frozenset[str]]:
    read = {}
    for vendor in scenario.options.vendors:
        played = (
            strategies if vendor == scenario.our_vendor else [scenario.seller_for(vendor).strategy]
        )
        classes = [SELLER_CLASSES[s] for s in played]
        read[vendor] = frozenset().union(*(c.SETTINGS for c in classes if c is not None))
    return read


def _roles_in_play(scenario: Scenario) -> list[str]:
    committee = scenario.committee
    if committee.stakeholders is not None:
        roles = [s.role for s in committee.stakeholders]
    else:
        roles = [*committee.required_roles[: committee.effective_size]]
        if committee.effective_size > len(roles):
            roles += [r for r, weight in committee.role_mix.items() if weight > 0]
    return list(dict.fromkeys(roles))


Bounds = tuple[float, float, bool, bool]  # low, high, low inclusive, high inclusive


def _clip(value: float, bounds: Bounds, integer: bool) -> float:
    low, high, low_inclusive, high_inclusive = bounds
    if integer:
        value = round(value)
        low = math.ceil(low) if low_inclusive else math.floor(low) + 1
        high = math.floor(high) if high_inclusive else math.ceil(high) - 1
        return int(min(max(value, low), high))
    # An open bound is approached to within a small step, never reached.
    step = 1e-3 * max(1.0, abs(high - low)) if math.isfinite(high - low) else 1e-3
    low = low if low_inclusive else low + step
    high = high if high_inclusive else high - step
    return round(float(min(max(value, low), high)), 6)


def _numeric_fields(
    model: type[BaseModel], data: dict[str, Any], prefix: str
) -> Iterator[tuple[str, float, Bounds, bool]]:
    """(path, value, bounds, is integer) of every number under a pydantic model's data."""
    for name, info in model.model_fields.items():
        if name not in data or data[name] is None:
            continue
        yield from _walk(info.annotation, info.metadata, data[name], f"{prefix}{name}")


def _walk(
    annotation: Any, metadata: list[Any], value: Any, path: str
) -> Iterator[tuple[str, float, Bounds, bool]]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        found = [m for e in extra for m in getattr(e, "metadata", [e])]
        yield from _walk(inner, [*metadata, *found], value, path)
    elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for option in typing.get_args(annotation):
            if option is not type(None):
                yield from _walk(option, metadata, value, path)
                return
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _numeric_fields(annotation, value, f"{path}.")
    elif origin is dict and isinstance(value, dict):
        item = typing.get_args(annotation)[1]
        for key, entry in value.items():
            yield from _walk(item, [], entry, f"{path}.{key}")
    elif (
        annotation in (int, float)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        yield path, value, _bounds(metadata), annotation is int


def _bounds(metadata: list[Any]) -> Bounds:
    low, high, low_inclusive, high_inclusive = -math.inf, math.inf, True, True
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low, low_inclusive = float(item.ge), True
        elif isinstance(item, annotated_types.Gt):
            low, low_inclusive = float(item.gt), False
        elif isinstance(item, annotated_types.Le):
            high, high_inclusive = float(item.le), True
        elif isinstance(item, annotated_types.Lt):
            high, high_inclusive = float(item.lt), False
    return low, high, low_inclusive, high_inclusive
