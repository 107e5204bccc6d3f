"""Sensitivity indices from Morris and Sobol experiments (SALib), with their intervals.

The model output for design point i is the mean of a metric over its replications; SALib
pairs it with row i of the same unit-cube sample the sweep was planned from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.experiment import Experiment
from sim.workflow.design import salib_problem, unit_samples


class IncompleteSweep(ValueError):
    """Sensitivity needs an output for every design point."""


def point_means(deals: pd.DataFrame, metric: str, n_points: int) -> np.ndarray:
    """Mean of `metric` per design point, in design order."""
    values = deals.groupby("point_index")[metric].mean().astype(float)
    missing = sorted(set(range(n_points)) - set(values.index))
    if missing:
        raise IncompleteSweep(
            f"{len(missing)} design points have no stored runs (first: {missing[0]}); "
            "finish the sweep first"
        )
    return values.reindex(range(n_points)).to_numpy()


def sensitivity_indices(experiment: Experiment, deals: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per parameter: Morris mu* (with its 95% interval) and sigma, or Sobol first-
    order and total indices (with their 95% intervals)."""
    design = experiment.design
    problem = salib_problem(experiment)
    samples = unit_samples(experiment)
    outputs = point_means(deals, metric, len(samples))
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
    if design.kind == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(problem, outputs, calc_second_order=False, seed=design.seed)
        first = pd.DataFrame(
            {
                "parameter": problem["names"],
                "index": "S1",
                "value": result["S1"],
                "conf": result["S1_conf"],
            }
        )
        total = pd.DataFrame(
            {
                "parameter": problem["names"],
                "index": "ST",
                "value": result["ST"],
                "conf": result["ST_conf"],
            }
        )
        return pd.concat([first, total], ignore_index=True)
    raise ValueError(f"sensitivity indices need a morris or sobol design, not {design.kind}")
