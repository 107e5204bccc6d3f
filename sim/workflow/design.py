"""The uncertainties of an experiment: its design points (grid, LHS, Sobol, Morris).

Sampler designs keep SALib's sample order: point i is row i of the sample matrix, which is
what SALib's analysers expect. A design point is a set of scenario paths and values; the
base scenario with those values set is that point's scenario (`Study.point_scenario`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.experiment import Experiment, LoadedExperiment


@dataclass(frozen=True, slots=True)
class DesignPoint:
    index: int
    values: dict[str, Any]
    key: str  # stable id of (index, values): the store's key with the replication


def point_key(index: int, values: dict[str, Any]) -> str:
    text = json.dumps({"index": index, "values": values}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def salib_problem(experiment: Experiment) -> dict[str, Any]:
    """SALib's problem on the unit cube; `Parameter.level` maps each unit to a value."""
    names = list(experiment.parameters)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def unit_samples(experiment: Experiment) -> np.ndarray:
    """The sampler's matrix on the unit cube, in SALib's order."""
    design = experiment.design
    problem = salib_problem(experiment)
    if design.kind == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, design.samples, seed=design.seed)
    if design.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, design.samples, calc_second_order=False, seed=design.seed)
    if design.kind == "morris":
        from SALib.sample import morris

        return morris.sample(problem, design.samples, num_levels=design.levels, seed=design.seed)
    raise ValueError(f"{design.kind} is not a sampler")


def design_points(experiment: Experiment) -> list[DesignPoint]:
    names = list(experiment.parameters)
    parameters = [experiment.parameters[n] for n in names]
    if experiment.design.kind == "grid":
        rows = itertools.product(*(p.grid() for p in parameters)) if names else [()]
        value_rows = [dict(zip(names, row, strict=True)) for row in rows]
    else:
        value_rows = [
            {n: p.level(float(u)) for n, p, u in zip(names, parameters, row, strict=True)}
            for row in unit_samples(experiment)
        ]
    return [DesignPoint(i, values, point_key(i, values)) for i, values in enumerate(value_rows)]


def base_point() -> DesignPoint:
    """The one design point of a study without uncertainties: the scenario as written."""
    return DesignPoint(0, {}, point_key(0, {}))


def policy_points(loaded: LoadedExperiment, points: list[DesignPoint]) -> list[DesignPoint]:
    """The design points of a sweep with policies: every (point, policy) as a point of its
    own, whose values carry `policy` (its name), `world` (the design point's index, shared
    by every policy there) and our seller's settings, so a results folder stores them like
    any point and replays them; point i's policies are points i*P .. i*P+P-1."""
    names = list(loaded.experiment.policies)
    crossed = []
    for point in points:
        for j, name in enumerate(names):
            values = {**loaded.policy_values(name), "world": point.index, **point.values}
            index = point.index * len(names) + j
            crossed.append(DesignPoint(index, values, point_key(index, values)))
    return crossed
