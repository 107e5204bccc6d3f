"""`sim.ema_model()` is a model EMA Workbench runs as it is: the declared uncertainties and
levers in, outcome shares out, the same committees in every experiment."""

from __future__ import annotations

import warnings

import pytest

import sim
from sim.config.uncertainties import LEVERS, UNCERTAINTIES

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    ema = pytest.importorskip("ema_workbench", reason="ema_workbench (optional) not installed")


def test_ema_workbench_runs_the_model_and_policies_share_committees() -> None:
    model = sim.ema_model("baseline", replications=2)
    assert {u.name for u in model.uncertainties} == {
        u.path.replace("<ours>", "ours").replace("<rival>", "rival").replace(".", "__")
        for u in UNCERTAINTIES
    }
    assert {lever.name for lever in model.levers} == {
        lever.path.replace("<ours>", "ours").replace(".", "__") for lever in LEVERS
    }
    from ema_workbench import Sample, SequentialEvaluator

    same = {"sellers__ours__strategy": "maze_guide", "sellers__ours__discount": 0.0,
            "sellers__ours__capacity_hours": 10.0, "sellers__ours__meeting_hours": 1.0}  # fmt: skip
    policies = [Sample("a", **same), Sample("b", **same)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SequentialEvaluator(model) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(scenarios=2, policies=policies)
    assert len(experiments) == 4
    for name in ("won", "no_decision", "high_quality"):
        values = outcomes[name]
        assert ((values >= 0) & (values <= 1)).all()
        # the same world and committees under identical policies: identical outcomes
        assert list(values[:2]) == list(values[2:]) or list(values[::2]) == list(values[1::2])
