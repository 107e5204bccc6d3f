"""b2bsim as an EMA Workbench model, for researchers who explore with the field's tools.

`ema_model("baseline")` returns an `ema_workbench.Model` whose uncertainties and levers are
the declared ones (`sim.config.uncertainties`), named by scenario path with `.` written `__`
(EMA Workbench names must be Python identifiers: `committee__size`), and whose outcomes
are the shares of deals won, ended in no decision and of high quality over `replications`
committees. The committees are the same in every experiment (replication r uses seed
`seed + r`), so two policies at one world are compared on the same committees, as in
`b2bsim discover`:

    from ema_workbench import perform_experiments
    experiments, outcomes = perform_experiments(sim.ema_model("baseline"), 100, 2)
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from sim.config.catalogue import load_scenario, with_overrides
from sim.config.registry import strategies_for
from sim.config.scenario import Scenario
from sim.config.uncertainties import LEVERS, UNCERTAINTIES, Setting, for_scenario
from sim.model import simulate

OUTCOMES = ("won", "no_decision", "high_quality")
SEPARATOR = "__"
"""Stands for `.` in EMA Workbench names, which must be identifiers."""


def ema_name(path: str) -> str:
    """`committee.size` -> `committee__size`."""
    return path.replace(".", SEPARATOR)


"""The model's outcomes: shares of deals over the replications."""


class ScenarioFunction:
    """The function EMA Workbench calls: scenario paths as keyword arguments in, outcome
    shares out. A plain class (not a closure) so process pools can pickle it."""

    def __init__(self, scenario: Scenario, replications: int, seed: int) -> None:
        self.scenario = scenario
        self.replications = replications
        self.seed = seed

    def __call__(self, **settings: Any) -> dict[str, float]:
        values = {name.replace(SEPARATOR, "."): _plain(value) for name, value in settings.items()}
        scenario = with_overrides(self.scenario, values, "ema_model")
        deals = [simulate(scenario, self.seed + r) for r in range(self.replications)]
        outcomes = [deal.outcome.value for deal in deals]
        return {
            "won": outcomes.count("won") / len(deals),
            "no_decision": outcomes.count("no_decision") / len(deals),
            "high_quality": float(np.mean([bool(deal.high_quality) for deal in deals])),
        }


def _plain(value: Any) -> Any:
    """NumPy scalars (EMA's samples) as Python numbers, which the scenario schema takes."""
    return value.item() if isinstance(value, np.generic) else value


def _parameter(setting: Setting, values: tuple[Any, ...] | None = None) -> Any:
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    if values is not None or setting.values is not None:
        return CategoricalParameter(ema_name(setting.path), list(values or setting.values or ()))
    name = ema_name(setting.path)
    if setting.integer:
        return IntegerParameter(name, int(setting.low or 0), int(setting.high or 0))
    return RealParameter(name, float(setting.low or 0), float(setting.high or 0))


def ema_model(
    scenario: Scenario | str | Path = "baseline", replications: int = 30, seed: int = 1
) -> Any:
    """An `ema_workbench.Model` of `scenario`: the declared uncertainties and levers (our
    seller's strategy among those the scenario allows), outcomes `OUTCOMES`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA warns about optional parallel engines
        from ema_workbench import Model, ScalarOutcome

    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    vendors = list(base.options.vendors)
    model = Model("b2bsim", function=ScenarioFunction(base, replications, seed))
    model.uncertainties = [
        _parameter(s) for s in for_scenario(UNCERTAINTIES, base.our_vendor, vendors)
    ]
    levers = []
    for setting in for_scenario(LEVERS, base.our_vendor, vendors):
        allowed = None
        if setting.path.endswith(".strategy"):
            allowed = tuple(strategies_for(base.network is not None))
        levers.append(_parameter(setting, allowed))
    model.levers = levers
    model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    return model
