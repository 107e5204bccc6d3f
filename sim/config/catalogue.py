"""The named scenarios and experiments, so users can say `baseline` instead of a path.

The repository's top-level scenarios/ and experiments/ folders are the source of truth. An
installed package carries copies of them as package data, `sim/scenarios/` and
`sim/experiments/` (pyproject.toml maps the folders into the package at build time), so a
plain `pip install .` finds them from any working directory. A source checkout, editable
install included, reads the top-level folders themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.loading import ConfigError, describe_validation_error
from sim.config.loading import load_scenario as load_scenario_file
from sim.config.scenario import Scenario

PACKAGE = Path(__file__).resolve().parent.parent
CHECKOUT = PACKAGE.parent


def shipped_folder(kind: str) -> Path:
    """Where the named `kind` files ("scenarios" or "experiments") are: inside the installed
    package, else in the source checkout."""
    installed = PACKAGE / kind
    return installed if installed.is_dir() else CHECKOUT / kind


def _named(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def named_scenarios() -> dict[str, Path]:
    return _named(shipped_folder("scenarios"))


def named_experiments() -> dict[str, Path]:
    return _named(shipped_folder("experiments"))


def resolve(name_or_path: str | Path, kind: str = "scenario") -> Path:
    """A file path as given, or the path of a named scenario / experiment."""
    path = Path(name_or_path)
    text = str(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in text or "\\" in text:
        return path
    named = named_scenarios() if kind == "scenario" else named_experiments()
    if text in named:
        return named[text]
    raise ConfigError(
        text, [f"no such file, and no named {kind} of that name (named: {', '.join(named)})"]
    )


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set `a.b.c` in nested dicts, creating the missing levels."""
    *parents, leaf = path.split(".")
    node = data
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[leaf] = value


def load_scenario(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """A scenario by name (`baseline`) or by file path, validated; `overrides` sets scenario
    paths on top (`{"committee.size": 4}`), each applied over the defaults, so one number
    changes without replacing its section. A bad override is a ConfigError naming it."""
    path = resolve(name_or_path, "scenario")
    scenario = load_scenario_file(path)
    return with_overrides(scenario, overrides, str(path)) if overrides else scenario


def with_overrides(
    scenario: Scenario, overrides: dict[str, Any], source: str | None = None
) -> Scenario:
    """`scenario` with scenario paths set (see `load_scenario`); errors name `source`."""
    data = scenario.model_dump(mode="json")
    problems = []
    for path, value in overrides.items():
        if not isinstance(path, str) or not path or any(not k for k in path.split(".")):
            problems.append(f"overrides: {path!r} is not a scenario path such as committee.size")
        else:
            set_path(data, path, value)
    if not problems:
        try:
            return Scenario.model_validate(data)
        except ValidationError as error:
            problems = [f"overrides: {p}" for p in describe_validation_error(error)]
    raise ConfigError(source or scenario.name, problems)
