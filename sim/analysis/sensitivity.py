"""Sensitivity indices from Morris and Sobol experiments (SALib), with their intervals.

The model output for design point i is the mean of a metric over its replications; SALib
pairs it with row i of the same unit-cube sample the sweep was planned from. In a sweep with
policies every policy meets the same committees at every design point, so the output may
also be a paired difference: policy A's mean minus policy B's at each point (e.g. the maze
guide's win rate minus the funnel pusher's), which asks which settings move the *gap*.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.config.experiment import Experiment
from sim.workflow.design import salib_problem, unit_samples


class IncompleteSweep(ValueError):
    """Sensitivity needs an output for every design point."""


class SensitivityRequest(ValueError):
    """The policy or difference asked for does not fit the experiment."""


SOBOL_SLACK = 0.0
"""A Sobol index is a share of variance: outside [0, 1] by more than this is reported."""


def point_means(
    deals: pd.DataFrame, metric: str, n_points: int, by: str = "point_index"
) -> np.ndarray:
    """Mean of `metric` per design point, in design order."""
    values = deals.groupby(by)[metric].mean().astype(float)
    missing = sorted(set(range(n_points)) - set(values.index))
    if missing:
        raise IncompleteSweep(
            f"{len(missing)} design points have no stored runs (first: {missing[0]}); "
            "finish the sweep first"
        )
    return values.reindex(range(n_points)).to_numpy()


def model_outputs(
    experiment: Experiment,
    deals: pd.DataFrame,
    metric: str,
    policy: str | None = None,
    versus: str | None = None,
) -> np.ndarray:
    """One output per design point: the metric's mean, for `policy` in a sweep with
    policies, or `policy`'s mean minus `versus`'s (a paired difference on the same
    committees)."""
    n_points = len(unit_samples(experiment))
    names = list(experiment.policies)
    if not names:
        if policy is not None or versus is not None:
            raise SensitivityRequest(
                f"experiment {experiment.name!r} has no policies: it runs the scenario's own "
                "seller, so there is no policy to choose or difference to take"
            )
        return point_means(deals, metric, n_points)
    for given in (policy, versus):
        if given is not None and given not in names:
            raise SensitivityRequest(
                f"no policy {given!r} in experiment {experiment.name!r} "
                f"(policies: {', '.join(names)})"
            )
    if policy is None:
        raise SensitivityRequest(
            f"experiment {experiment.name!r} runs several policies ({', '.join(names)}): name "
            "one, or two for their difference"
        )
    if versus == policy:
        raise SensitivityRequest("a difference needs two different policies")
    outputs = point_means(deals[deals["policy"] == policy], metric, n_points, "world")
    if versus is not None:
        outputs = outputs - point_means(deals[deals["policy"] == versus], metric, n_points, "world")
    return outputs


def sensitivity_indices(
    experiment: Experiment,
    deals: pd.DataFrame,
    metric: str,
    policy: str | None = None,
    versus: str | None = None,
) -> pd.DataFrame:
    """One row per parameter: Morris mu* (with its 95% interval) and sigma, or Sobol first-
    order and total indices (with their 95% intervals), of the metric's rate, or of the
    paired difference `policy` minus `versus` (`model_outputs`)."""
    design = experiment.design
    if design.kind not in ("morris", "sobol"):
        raise SensitivityRequest(
            f"sensitivity indices need a morris or sobol design, not {design.kind}"
        )
    problem = salib_problem(experiment)
    samples = unit_samples(experiment)
    outputs = model_outputs(experiment, deals, metric, policy, versus)
    if design.kind == "morris":
        from SALib.analyze import morris

        result = morris.analyze(
            problem, samples, outputs, num_levels=design.levels, seed=design.seed
        )
        return pd.DataFrame(
            {
                "parameter": problem["names"],
                "index": "mu_star",
                "value": result["mu_star"],
                "conf": result["mu_star_conf"],
                "sigma": result["sigma"],
            }
        )
    from SALib.analyze import sobol

    result = sobol.analyze(problem, outputs, calc_second_order=False, seed=design.seed)
    frames = [
        pd.DataFrame(
            {
                "parameter": problem["names"],
                "index": name,
                "value": result[name],
                "conf": result[f"{name}_conf"],
            }
        )
        for name in ("S1", "ST")
    ]
    return pd.concat(frames, ignore_index=True)


def index_warnings(indices: pd.DataFrame) -> list[str]:
    """Sobol indices outside [0, 1] (a share of variance cannot be): the sample is too small
    for the noise of the outputs, so those indices are not to be read as shares."""
    warnings = []
    for row in indices.to_dict("records"):
        if row["index"] not in ("S1", "ST"):
            continue
        value = float(row["value"])
        if math.isnan(value):
            warnings.append(f"{row['parameter']}: {row['index']} is undefined (no variance)")
        elif value < -SOBOL_SLACK or value > 1 + SOBOL_SLACK:
            warnings.append(
                f"{row['parameter']}: {row['index']} = {value:.2f} lies outside [0, 1]; more "
                "samples or replications are needed before it can be read as a share of variance"
            )
    return warnings


def outcome_words(metric: str, policy: str | None, versus: str | None) -> str:
    """What the indices are of, in words: 'the won rate of maze_guide minus funnel_pusher'."""
    what = f"the {metric} rate"
    if policy is None:
        return what
    return f"{what} of {policy}" + (f" minus {versus}'s (paired)" if versus else "")


def indices_of_metric(
    experiment: Experiment,
    deals: pd.DataFrame,
    metric: str,
    policy: str | None = None,
    versus: str | None = None,
) -> pd.DataFrame:
    """`sensitivity_indices` of an outcome rate ('won', 'no_decision', ...) or of any numeric
    column of the stored deals."""
    from sim.analysis.compare import OUTCOME_RATES, indicators

    if metric in OUTCOME_RATES:
        deals = indicators(deals)
    elif metric not in deals.columns or not pd.api.types.is_numeric_dtype(deals[metric]):
        raise SensitivityRequest(
            f"unknown metric {metric!r} (outcomes: {', '.join(OUTCOME_RATES)}, or a numeric "
            "column of the deals table)"
        )
    return sensitivity_indices(experiment, deals, metric, policy, versus)
