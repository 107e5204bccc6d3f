"""One registry per concept (sim/config/registry.py): the model, the territory, the schema
and the explorer agree with it exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.app.controls import Controls
from sim.config import SELLER_STRATEGIES, Scenario
from sim.config.registry import (
    COMMITTEE_SIZE,
    DIVERGENCE,
    OPEN_MINDEDNESS,
    OVERLOAD,
    RISK_AVERSION,
    SELLER_CAPACITY_HOURS,
    STRATEGIES,
    STRATEGY_NAMES,
    WEEKLY_HOURS,
    Bounds,
    strategies_for,
)
from sim.config.roles import Role
from sim.model.sellers import SELLER_CLASSES
from sim.model.territory import ALLOCATIONS


def test_strategy_names_agree_everywhere() -> None:
    assert list(STRATEGIES) == list(STRATEGY_NAMES) == list(SELLER_STRATEGIES)
    assert set(SELLER_CLASSES) == set(STRATEGY_NAMES)
    assert set(ALLOCATIONS) == set(STRATEGY_NAMES)


def test_every_strategy_has_a_one_line_summary() -> None:
    for strategy in STRATEGIES.values():
        assert strategy.summary.strip() and "\n" not in strategy.summary


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_a_strategy_needs_a_network_exactly_when_the_registry_says(name: str) -> None:
    without = Scenario()
    with_network = Scenario(network={})
    assert name in strategies_for(has_network=True)
    assert name in with_network.available_strategies()
    with_network.with_strategy(name)  # valid with a network
    if STRATEGIES[name].needs_network:
        assert name not in without.available_strategies()
        with pytest.raises(ValidationError):
            without.with_strategy(name)
    else:
        assert name in without.available_strategies()
        without.with_strategy(name)


def _bounds(model: type, *path: str) -> tuple[float | None, float | None]:
    schema = model.model_json_schema()
    node = schema
    for name in path:
        node = node["properties"][name] if "properties" in node else node
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].split("/")[-1]]
        elif "anyOf" in node:
            node = next(n for n in node["anyOf"] if n.get("type") != "null")
    low = node.get("minimum", node.get("exclusiveMinimum"))
    return low, node.get("maximum")


@pytest.mark.parametrize(
    ("bounds", "model", "path"),
    [
        (RISK_AVERSION, Scenario, ("committee", "risk_aversion_scale")),
        (RISK_AVERSION, Role, ("risk_aversion",)),
        (WEEKLY_HOURS, Role, ("weekly_hours",)),
        (OPEN_MINDEDNESS, Role, ("open_mindedness",)),
        (COMMITTEE_SIZE, Scenario, ("committee", "size")),
        (DIVERGENCE, Scenario, ("committee", "divergence")),
        (OVERLOAD, Scenario, ("information", "overload")),
        (RISK_AVERSION, Controls, ("risk_aversion",)),
        (COMMITTEE_SIZE, Controls, ("committee_size",)),
        (DIVERGENCE, Controls, ("divided",)),
        (OVERLOAD, Controls, ("overload",)),
        (SELLER_CAPACITY_HOURS, Controls, ("capacity",)),
    ],
)
def test_schema_and_explorer_bounds_come_from_the_registry(
    bounds: Bounds, model: type, path: tuple[str, ...]
) -> None:
    assert _bounds(model, *path) == (bounds.low, bounds.high)


def test_an_open_lower_bound_refuses_its_end() -> None:
    with pytest.raises(ValidationError):
        Scenario(sellers={"ours": {"capacity_hours": SELLER_CAPACITY_HOURS.low}})
    Scenario(sellers={"ours": {"capacity_hours": SELLER_CAPACITY_HOURS.high}})
    with pytest.raises(ValidationError):
        Scenario(sellers={"ours": {"capacity_hours": SELLER_CAPACITY_HOURS.high + 0.1}})


@given(st.floats(min_value=-100, max_value=100, allow_nan=False))
def test_clamp_stays_in_bounds_and_keeps_values_inside(value: float) -> None:
    clamped = RISK_AVERSION.clamp(value)
    assert RISK_AVERSION.low <= clamped <= RISK_AVERSION.high
    if RISK_AVERSION.low <= value <= RISK_AVERSION.high:
        assert clamped == value


def test_the_researchers_guide_lists_the_registry_strategies() -> None:
    guide = (Path(__file__).resolve().parent.parent / "docs" / "researchers.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \| (yes|no) \|$", guide, re.MULTILINE)
    assert rows == [
        (s.name, s.summary, "yes" if s.needs_network else "no") for s in STRATEGIES.values()
    ]
