"""Every numeric field of a scenario at its extremes: refused with a message naming the file and
the field (exit 2), or simulated correctly (finite metrics, priorities that sum to one), never a
crash. Extremes: huge, tiny, infinite, NaN, negative zero, subnormal, and integers beyond 64 bits.

The fields are not listed by hand: they are the numeric leaves of a scenario that sets every
section (roles, stakeholders, vendors, sources, three sellers, a network, a territory), so a new
field is probed as soon as it exists.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.loading import ConfigError, validate_mapping
from sim.config.scenario import Scenario
from sim.model import simulate
from sim.model.committee import draw_committee
from sim.model.territory import simulate_territory

SUBNORMAL = 5e-324
EXTREME_FLOATS = (
    1e308,
    -1e308,
    1e30,
    SUBNORMAL,
    -SUBNORMAL,
    2.2250738585072014e-308,  # the smallest normal float
    1e-310,  # subnormal
    1e-9,
    math.inf,
    -math.inf,
    math.nan,
    -0.0,
)
EXTREME_INTS = (-1, 0, 2**31, 2**63, 10**30)

MEMBER = {
    "influence": 1.0,
    "priorities": {"business_value": 0.5, "cost": 0.5},
    "risk_aversion": 1.0,
    "stubbornness": 0.2,
    "open_mindedness": 0.3,
    "weekly_hours": 3.0,
    "trust": {"peers": 0.5},
}
"""Every numeric override a role or a stakeholder may carry."""


def _every_section() -> dict[str, Any]:
    """A short scenario in which every numeric field of the schema is present."""
    given = {
        "name": "extremes",
        "horizon_weeks": 12,
        "roles": {"champion": dict(MEMBER)},
        "committee": {
            "stakeholders": [
                {"role": "champion", **MEMBER},
                {"role": "finance"},
                {"role": "economic_buyer"},
            ],
            "role_mix": {"end_user": 1.0, "legal": 0.5},
        },
        "options": {"vendors": {v: {"quality": {"cost": 0.5}} for v in ("ours", "rival", "third")}},
        "network": {"size": 30, "installed_base": {"ours": 3}, "satisfaction": {"ours": 0.5}},
        "sellers": {
            "ours": {"strategy": "maze_guide"},
            "rival": {"strategy": "funnel_pusher"},
            "third": {"strategy": "social_seller"},
        },
        "territory": {"accounts": 2},
    }
    data = Scenario.model_validate(given).model_dump(exclude_none=True)
    data["committee"]["role_mix"] = given["committee"]["role_mix"]
    data["network"]["installed_base"] = given["network"]["installed_base"]
    return data


EVERY_SECTION = _every_section()


def numeric_leaves(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every int or float in a nested mapping (booleans are not numbers here)."""
    if isinstance(node, dict):
        for key, item in node.items():
            yield from numeric_leaves(item, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from numeric_leaves(item, (*path, index))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path


FIELDS = list(numeric_leaves(EVERY_SECTION))
# A drawn committee (size and role_mix) rather than a list: its own fields.
DRAWN = {**EVERY_SECTION, "committee": {"size": 6, "role_mix": {"end_user": 1.0, "legal": 0.5}}}
FIELDS_DRAWN = [p for p in numeric_leaves(DRAWN) if p[0] == "committee"]


def dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


def setting(base: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def extremes_for(base: dict[str, Any], path: tuple[Any, ...]) -> tuple[Any, ...]:
    node = base
    for part in path:
        node = node[part]
    return EXTREME_INTS + EXTREME_FLOATS if isinstance(node, int) else EXTREME_FLOATS


def check_simulated(scenario: Scenario, territory: bool) -> None:
    """A short run whose numbers are all finite, and members' priorities that sum to one."""
    metrics = simulate(scenario, 1).metrics()
    bad = {k: v for k, v in metrics.items() if isinstance(v, float) and not math.isfinite(v)}
    assert not bad, f"non-finite metrics {bad}"
    for member in draw_committee(scenario, np.random.default_rng(1)):
        assert all(math.isfinite(p) and p >= 0 for p in member.priorities), member
        assert math.isclose(sum(member.priorities), 1.0, rel_tol=1e-9), member
        assert math.isfinite(member.influence) and member.influence > 0, member
    if territory:
        accounts = simulate_territory(scenario, 1).accounts
        assert len(accounts) == scenario.territory.accounts  # type: ignore[union-attr]


def refused_or_simulated(data: dict[str, Any], path: tuple[Any, ...]) -> str:
    """'refused' (a ConfigError naming the field) or 'simulated' (checked); anything else
    raised fails the test."""
    try:
        scenario = validate_mapping(Scenario, data, "extremes.yaml")
    except ConfigError as error:
        assert str(error).startswith("extremes.yaml: "), error
        assert dotted(path).split(".")[-1] in str(error), error
        return "refused"
    check_simulated(scenario, territory=path[0] == "territory")
    return "simulated"


@pytest.mark.parametrize("path", FIELDS, ids=dotted)
def test_each_numeric_field_at_its_extremes(path: tuple[Any, ...]) -> None:
    fates = {
        value: refused_or_simulated(setting(EVERY_SECTION, path, value), path)
        for value in extremes_for(EVERY_SECTION, path)
    }
    for value in (math.inf, -math.inf, math.nan):
        assert fates[value] == "refused", f"{dotted(path)} = {value} was simulated"


@pytest.mark.parametrize("path", FIELDS_DRAWN, ids=dotted)
def test_each_field_of_a_drawn_committee_at_its_extremes(path: tuple[Any, ...]) -> None:
    for value in extremes_for(DRAWN, path):
        refused_or_simulated(setting(DRAWN, path, value), path)


def test_every_section_is_probed() -> None:
    """The probe reaches every part of the schema a number can hide in (a failure here means
    the scenario above lost a section, not that the model is wrong)."""
    sections = {dotted(p[:n]) for p in FIELDS for n in (2, 4)}
    for expected in (
        "roles.champion",
        "committee.stakeholders",
        "options.vendors.ours.quality",
        "options.status_quo",
        "information.sources",
        "network.installed_base",
        "sellers.third",
        "territory.focus_hours",
        "decision.max_uncertainty",
    ):
        assert expected in sections, expected


def test_negative_zero_is_zero() -> None:
    """-0.0 is accepted where 0 is, and stored as 0.0 (never shown as "-0")."""
    path = ("options", "vendors", "ours", "price")
    scenario = Scenario.model_validate(setting(EVERY_SECTION, path, -0.0))
    assert math.copysign(1.0, scenario.options.vendors["ours"].price) == 1.0
    quality = setting(EVERY_SECTION, ("options", "status_quo", "quality", "cost"), -0.0)
    assert math.copysign(1.0, Scenario.model_validate(quality).options.status_quo.quality["cost"])


# ---- the command line: several extremes at once -----------------------------------------

EXTREME = st.sampled_from(EXTREME_FLOATS) | st.floats(allow_nan=True, allow_infinity=True)
"""The listed extremes, and any float hypothesis likes (it favours edge cases)."""


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    changes=st.lists(
        st.tuples(st.sampled_from(FIELDS + FIELDS_DRAWN), EXTREME), min_size=1, max_size=4
    )
)
def test_validate_and_run_refuse_or_run_any_extremes(
    changes: list[tuple[tuple[Any, ...], float]],
    run_cli: Callable[..., Any],
    tmp_path: Path,
) -> None:
    data = copy.deepcopy(EVERY_SECTION)
    data["horizon_weeks"] = 6
    for path, value in changes:
        if path in FIELDS_DRAWN and path not in FIELDS:
            data["committee"] = copy.deepcopy(DRAWN["committee"])
        if path[0] == "committee" and path[1] not in data["committee"]:
            continue
        data = setting(data, path, value)
    file = tmp_path / "extremes.yaml"
    file.write_text(yaml.safe_dump(data), encoding="utf-8")
    checked = run_cli("validate", str(file))
    ran = run_cli("run", str(file), "--brief")
    for result in (checked, ran):
        assert result.code in (0, 2), result.err
        assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert checked.code == ran.code, (checked.err, ran.err)
    if checked.code == 2:
        assert str(file) in checked.err and "error: " in checked.err


@pytest.mark.parametrize("influence", ["1e308", "1.0e+308", "1e30", "5e-324"])
def test_a_champion_of_enormous_or_vanishing_influence_is_refused(
    influence: str, run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    """The issue's crash: influence 1e308 ended `run` with ZeroDivisionError (exit 1)."""
    file = tmp_path / "influence.yaml"
    file.write_text(f"name: x\nroles:\n  champion: {{influence: {influence}}}\n", "utf-8")
    for command in ("validate", "run"):
        result = run_cli(command, str(file))
        assert result.code == 2, result.err
        assert "roles.champion.influence" in result.err and str(file) in result.err
