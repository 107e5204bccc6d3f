"""Sensitivity of a paired difference between policies, and warnings on Sobol indices that
cannot be shares of variance."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.sensitivity import (
    SensitivityRequest,
    index_warnings,
    sensitivity_indices,
)
from sim.config.experiment import Design, Experiment, Parameter
from sim.workflow.design import design_points


def with_policies(kind: str, samples: int) -> Experiment:
    return Experiment(
        name="paired",
        parameters={"shared": Parameter(low=0.0, high=1.0), "gap": Parameter(low=0.0, high=1.0)},
        design=Design(kind=kind, samples=samples, levels=4, seed=3),
        policies=["funnel_pusher", "maze_guide"],
        replications=2,
    )


def policy_deals(experiment: Experiment) -> pd.DataFrame:
    """`shared` moves both policies' score alike; `gap` moves only the guide's, so the
    difference depends on `gap` alone."""
    rows = []
    for point in design_points(experiment):
        v = point.values
        for j, policy in enumerate(experiment.policies):
            score = 5.0 * v["shared"] + (3.0 * v["gap"] if policy == "maze_guide" else 0.0)
            for r in range(experiment.replications):
                rows.append({"point_index": 2 * point.index + j, "world": point.index,
                             "policy": policy, "replication": r, "score": score})  # fmt: skip
    return pd.DataFrame(rows)


def mu_star(indices: pd.DataFrame) -> dict[str, float]:
    return dict(zip(indices["parameter"], indices["value"], strict=True))


def test_the_difference_between_policies_sees_only_what_moves_the_gap() -> None:
    experiment = with_policies("morris", 8)
    deals = policy_deals(experiment)
    alone = mu_star(sensitivity_indices(experiment, deals, "score", "maze_guide"))
    gap = mu_star(sensitivity_indices(experiment, deals, "score", "maze_guide", "funnel_pusher"))
    assert alone["shared"] == pytest.approx(5.0) and alone["gap"] == pytest.approx(3.0)
    assert gap["shared"] == pytest.approx(0.0, abs=1e-9) and gap["gap"] == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("policy", "versus", "message"),
    [
        (None, None, "runs several policies"),
        ("social_seller", None, "no policy 'social_seller'"),
        ("maze_guide", "maze_guide", "two different policies"),
    ],
)
def test_a_request_that_does_not_fit_the_experiment_says_why(
    policy: str | None, versus: str | None, message: str
) -> None:
    experiment = with_policies("morris", 4)
    with pytest.raises(SensitivityRequest, match=message):
        sensitivity_indices(experiment, policy_deals(experiment), "score", policy, versus)


def test_sobol_indices_outside_zero_to_one_are_warned_about() -> None:
    indices = pd.DataFrame(
        [
            {"parameter": "a", "index": "S1", "value": -0.2, "conf": 0.1},
            {"parameter": "a", "index": "ST", "value": 0.5, "conf": 0.1},
            {"parameter": "b", "index": "ST", "value": 1.3, "conf": 0.1},
            {"parameter": "b", "index": "mu_star", "value": 4.0, "conf": 0.1},
        ]
    )
    warned = index_warnings(indices)
    assert len(warned) == 2
    assert warned[0].startswith("a: S1 = -0.20 lies outside [0, 1]")
    assert warned[1].startswith("b: ST = 1.30")
