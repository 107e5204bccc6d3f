"""The experiment: a base scenario, parameters to vary, a design, replications and a seed.

Parameters are addressed by their path in the scenario (`committee.size`,
`sellers.ours.strategy`, `options.vendors.ours.quality.functional_fit`). Each design point
is the base scenario with those paths set, validated like any scenario file, so a bad value
is reported with the parameter that produced it.

An experiment may also name `policies`: settings of our seller (`strategy`, `discount`,
`capacity_hours`, ... : the levers, `sim.config.uncertainties.LEVERS`) under a name each.
Every policy runs at every design point on the same committees (replication r of every
policy uses seed + r), so paired differences between policies come out per point.

Limits, checked before anything is built or written: at most `MAX_DESIGN_POINTS` design points
(grid product, LHS N, Sobol N*(D+2), Morris r*(D+1)), at most `MAX_PLANNED_RUNS` runs (points x
replications), at most `MAX_REPLICATIONS` replications, seeds below `MAX_SEED`, and a name that
is a plain folder name (`NAME_PATTERN`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.config.catalogue import named_scenarios, resolve, set_path
from sim.config.loading import ConfigError, describe_validation_error, read_yaml, validate_mapping
from sim.config.scenario import Scenario, SellerSpec

MAX_DESIGN_POINTS = 20_000
"""Most design points an experiment may have (each is a validated scenario held in memory)."""
MAX_PLANNED_RUNS = 2_000_000
"""Most runs (design points x replications) a sweep may plan; larger ones are refused before
anything is built or written. Split a larger study into several experiments."""
MAX_REPLICATIONS = 100_000
"""Most replications per design point (and committees per strategy in `compare`)."""
MAX_SEED = 2**62
"""Largest root seed: seed + replication stays a 64-bit integer."""
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""An experiment name is a folder name: letters, digits, `_`, `-`, `.`, at most 64."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


class Parameter(_Strict):
    """A parameter to vary: a list of `values`, or a range `low`..`high` (continuous, or
    whole numbers with `integer: true`). Grids need `values` or `steps`; samplers (LHS,
    Sobol, Morris) draw ranges, and map a list of values onto equal slices of [0, 1)."""

    values: list[Any] | None = Field(
        None, min_length=1, max_length=MAX_DESIGN_POINTS, description="Explicit levels."
    )
    low: float | None = Field(None, description="Lower end of a range.")
    high: float | None = Field(None, description="Upper end of a range.")
    integer: bool = Field(False, description="Round range values to whole numbers.")
    steps: int | None = Field(None, ge=2, le=1000, description="Grid levels across a range.")

    @model_validator(mode="after")
    def _values_or_range(self) -> Self:
        has_range = self.low is not None or self.high is not None
        if (self.values is None) == (not has_range):
            raise ValueError("give either `values` or `low` and `high`")
        if has_range and (self.low is None or self.high is None or self.low > self.high):
            raise ValueError("a range needs `low` <= `high`")
        return self

    def level(self, unit: float) -> Any:
        """The value at position `unit` in [0, 1) (samplers)."""
        if self.values is not None:
            return self.values[min(int(unit * len(self.values)), len(self.values) - 1)]
        assert self.low is not None and self.high is not None
        value = self.low + unit * (self.high - self.low)
        return round(value) if self.integer else value

    def grid(self) -> list[Any]:
        """The levels of a full grid."""
        if self.values is not None:
            return list(self.values)
        assert self.low is not None and self.high is not None
        if self.steps is None:
            if not self.integer:
                raise ValueError("a continuous range in a grid needs `steps`")
            return list(range(int(self.low), int(self.high) + 1))
        span = self.high - self.low
        levels = [round(self.low + span * i / (self.steps - 1), 10) for i in range(self.steps)]
        return [round(v) for v in levels] if self.integer else levels

    def grid_size(self) -> int:
        """How many levels `grid` gives, counted without building them (1 for a range
        `grid` refuses, which is reported on its own)."""
        if self.values is not None:
            return len(self.values)
        if self.steps is not None:
            return self.steps
        if self.integer and self.low is not None and self.high is not None:
            return max(1, math.floor(self.high) - math.ceil(self.low) + 1)
        return 1


class Design(_Strict):
    """How design points are chosen."""

    kind: Literal["grid", "lhs", "sobol", "morris"] = Field(
        "grid", description="Full grid, Latin hypercube, or Sobol/Morris samples (SALib)."
    )
    samples: int = Field(
        64,
        ge=1,
        le=1_000_000,
        description="lhs: points; sobol: base samples N (N*(D+2) points, first and total "
        "order); morris: trajectories (r*(D+1) points).",
    )
    levels: int = Field(4, ge=2, le=64, description="morris: grid levels.")
    seed: int = Field(
        0, ge=0, le=MAX_SEED, description="Seed of the sampler (independent of run seeds)."
    )


PolicySettings = dict[str, Any]
"""A policy's settings of our seller: `sellers.<our vendor>` fields and their values."""

LABEL_KEYS = ("policy", "world")
"""Keys of a design point's values that label it instead of setting a scenario path: a sweep
with policies stores each (policy, point) as a point whose `policy` names the policy and
whose `world` is the index of the design point it shares with the other policies."""


class Outputs(_Strict):
    """What is stored besides one row per deal (always kept)."""

    event_log_fraction: float = Field(
        0.0, ge=0, le=1, description="Share of runs whose full event log is stored."
    )


class Experiment(_Strict):
    """A sweep over scenarios: design points x replications."""

    name: str = Field(description="Identifier; results go to results/<name>/.")
    description: str = Field("", description="One line saying what the experiment asks.")
    scenario: str | None = Field(
        None,
        description="Base scenario: a file relative to the experiment file, or a name "
        "(`baseline`).",
    )
    base: dict[str, Any] = Field(
        default_factory=dict, description="Scenario fields set on top of the base file."
    )
    parameters: dict[str, Parameter] = Field(
        default_factory=dict, description="Scenario paths to vary, e.g. committee.size."
    )
    design: Design = Field(default_factory=Design)
    policies: dict[str, PolicySettings] = Field(
        default_factory=dict,
        description="Our seller's policies, each run at every design point on the same "
        "committees: a name -> seller settings (`{strategy: maze_guide, discount: 0.1}`), or a "
        "list of strategy names. Empty: the scenario's own seller.",
    )
    replications: int = Field(10, ge=1, le=MAX_REPLICATIONS, description="Runs per design point.")
    seed: int = Field(
        1, ge=0, le=MAX_SEED, description="Replication r of every point uses seed + r."
    )
    outputs: Outputs = Field(default_factory=Outputs)

    @field_validator("policies", mode="before")
    @classmethod
    def _strategy_list(cls, policies: Any) -> Any:
        """A list of strategy names is short for `{name: {strategy: name}}`."""
        if isinstance(policies, list) and all(isinstance(p, str) for p in policies):
            if len(set(policies)) != len(policies):
                raise ValueError("a strategy is listed twice")
            return {p: {"strategy": p} for p in policies}
        return policies

    @field_validator("policies")
    @classmethod
    def _policy_names(cls, policies: dict[str, PolicySettings]) -> dict[str, PolicySettings]:
        for name in policies:
            if not NAME_PATTERN.fullmatch(name):
                raise ValueError(
                    f"{name!r} cannot name a policy: use 1 to 64 letters, digits, `_`, `-` or `.`"
                )
        return policies

    @field_validator("name")
    @classmethod
    def _folder_name(cls, name: str) -> str:
        if not NAME_PATTERN.fullmatch(name) or ".." in name:
            shown = name if len(name) <= 40 else name[:37] + "..."
            raise ValueError(
                f"{shown!r} cannot name a results folder: use 1 to 64 letters, digits, "
                "`_`, `-` or `.` (starting with a letter or digit, no `..`)"
            )
        return name

    def design_size(self) -> int:
        """How many design points the design gives, counted without building them."""
        dimensions = len(self.parameters)
        samples = self.design.samples
        match self.design.kind:
            case "grid":
                return math.prod(p.grid_size() for p in self.parameters.values())
            case "lhs":
                return samples
            case "sobol":
                return samples * (dimensions + 2)
            case _:
                return samples * (dimensions + 1)

    @model_validator(mode="after")
    def _bounded_plan(self) -> Self:
        points = self.design_size()
        if points > MAX_DESIGN_POINTS:
            raise ValueError(
                f"design: {points:,} design points, more than the {MAX_DESIGN_POINTS:,} one "
                "experiment may have (use fewer levels or samples, or split the experiment)"
            )
        policies = max(1, len(self.policies))
        runs = points * policies * self.replications
        if runs > MAX_PLANNED_RUNS:
            times = f" x {policies} policies" if policies > 1 else ""
            raise ValueError(
                f"replications: {points:,} design points{times} x {self.replications:,} "
                f"replications plan {runs:,} runs, more than {MAX_PLANNED_RUNS:,} (use "
                "fewer replications or points, or split the experiment)"
            )
        return self

    def fingerprint(self) -> str:
        """Hash of everything that decides which runs exist and what they compute."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class LoadedExperiment:
    """An experiment with its base scenario resolved, able to build any design point."""

    def __init__(self, experiment: Experiment, base_scenario: dict[str, Any], source: str) -> None:
        self.experiment = experiment
        self.base_scenario = base_scenario
        self.source = source
        # Parameters apply on top of every default, so `options.vendors.ours.quality.x`
        # changes one number instead of replacing the default vendors.
        self._resolved = validate_mapping(Scenario, base_scenario, source).model_dump(mode="json")

    @property
    def our_vendor(self) -> str:
        return str(self._resolved["our_vendor"])

    def policy_values(self, name: str) -> dict[str, Any]:
        """Policy `name` as design point values: its label and our seller's paths, for every
        field any policy sets (a field this one leaves alone keeps the base seller's value),
        so every policy's point has the same columns."""
        policies = self.experiment.policies
        fields = list(dict.fromkeys(k for settings in policies.values() for k in settings))
        seller = self._resolved["sellers"].get(self.our_vendor) or SellerSpec().model_dump()
        settings = {k: seller[k] for k in fields if k in seller} | policies[name]
        path = f"sellers.{self.our_vendor}"
        return {"policy": name, **{f"{path}.{k}": v for k, v in settings.items()}}

    def scenario_for(self, values: dict[str, Any]) -> Scenario:
        data = copy.deepcopy(self._resolved)
        for path, value in values.items():
            if path not in LABEL_KEYS:
                set_path(data, path, value)
        try:
            return Scenario.model_validate(data)
        except ValidationError as error:
            point = ", ".join(f"{k}={v!r}" for k, v in values.items())
            problems = describe_validation_error(error)
            raise ConfigError(
                self.source, [f"design point ({point}): {p}" for p in problems]
            ) from error


def load_experiment(name_or_path: str | Path | Experiment | dict[str, Any]) -> LoadedExperiment:
    """Read an experiment (a file, a name such as `funnel_vs_maze`, or one built in code as an
    `Experiment` or a mapping) and its base scenario; check every parameter path and policy
    once. An experiment built in code finds its `scenario` by name or relative to the
    working folder."""
    if isinstance(name_or_path, Experiment | dict):
        source = "experiment"
        data = name_or_path
        if isinstance(data, Experiment):
            data = data.model_dump(mode="json", exclude_unset=True)
        experiment = validate_mapping(Experiment, data, source)
        folder = Path.cwd()
    else:
        path = resolve(name_or_path, "experiment")
        source = str(path)
        experiment = validate_mapping(Experiment, read_yaml(path), source)
        folder = path.parent
    base: dict[str, Any] = {}
    if experiment.scenario is not None:
        scenario_path = (folder / experiment.scenario).resolve()
        if not scenario_path.exists() and experiment.scenario in named_scenarios():
            scenario_path = named_scenarios()[experiment.scenario]
        if not scenario_path.exists():
            raise ConfigError(
                source, [f"scenario: no such file ({scenario_path}) and no named scenario"]
            )
        base = read_yaml(scenario_path)
        validate_mapping(Scenario, base, str(scenario_path))
    for key, value in experiment.base.items():
        set_path(base, key, value)
    loaded = LoadedExperiment(experiment, base, source)
    problems = []
    for name, parameter in experiment.parameters.items():
        probe = parameter.values[0] if parameter.values is not None else parameter.level(0.0)
        try:
            loaded.scenario_for({name: probe})
        except ConfigError as error:
            problems.append(
                f"parameters.{name}: not a valid scenario setting ({error.problems[0]})"
            )
        if experiment.design.kind == "grid":
            try:
                parameter.grid()
            except ValueError as error:
                problems.append(f"parameters.{name}: {error}")
    if not experiment.parameters and experiment.design.kind != "grid":
        problems.append("parameters: samplers need at least one parameter")
    problems += policy_problems(loaded)
    if problems:
        raise ConfigError(source, problems)
    return loaded


def policy_problems(loaded: LoadedExperiment) -> list[str]:
    """What is wrong with the experiment's policies, each naming `policies.<name>.<field>`."""
    problems = []
    seller = f"sellers.{loaded.our_vendor}."
    for name, settings in loaded.experiment.policies.items():
        values = loaded.policy_values(name)
        clashes = [p for p in loaded.experiment.parameters if p.startswith(seller)]
        clashes = [p for p in clashes if p in values]
        problems += [
            f"policies.{name}.{p.removeprefix(seller)}: also a varied parameter ({p}); set "
            "our seller's levers in the policies or in the parameters, not both"
            for p in clashes
        ]
        if not settings:
            problems.append(f"policies.{name}: give at least one setting of our seller")
            continue
        try:
            loaded.scenario_for(values)
        except ConfigError as error:
            for problem in error.problems:
                detail = problem.split(": ", 1)[1]  # after "design point (...)"
                if detail.startswith(seller):
                    problems.append(f"policies.{name}.{detail.removeprefix(seller)}")
                else:
                    problems.append(f"policies.{name}: {detail}")
    return problems
