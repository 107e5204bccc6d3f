"""Comparing our seller's strategies on the same committees: a study of strategy policies
at the scenario as written, summarized with intervals and paired effects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from sim.analysis.compare import paired_effects, summarize
from sim.config.scenario import Scenario
from sim.runner import Executors
from sim.workflow.study import Progress, evaluate, strategy_policies

DEFAULT_STRATEGIES = ("none", "funnel_pusher", "maze_guide")


@dataclass(frozen=True)
class Comparison:
    """A comparison's deals (one row each, `policy` naming the strategy), its summary per
    strategy and the paired effects of each strategy against the first."""

    scenario: Scenario
    strategies: list[str]
    replications: int
    seed: int
    deals: pd.DataFrame
    summary: pd.DataFrame
    effects: pd.DataFrame


EFFORTS = ("equal", "unequal")
"""`equal` (the default): every seller works its week; `unequal`: funnel-pushers work only
their main contact and leave their spare hours idle (the case the first audit measured)."""


def with_effort(scenario: Scenario, effort: str) -> Scenario:
    """The scenario with every funnel-pusher single-threaded when `effort` is 'unequal'."""
    if effort not in EFFORTS:
        raise ValueError(f"effort must be one of {', '.join(EFFORTS)}, not {effort!r}")
    if effort == "equal":
        return scenario
    data = scenario.model_dump()
    for spec in data["sellers"].values():
        spec["single_threaded"] = True
    return Scenario.model_validate(data)


def compare(
    scenario: Scenario,
    strategies: Sequence[str] = DEFAULT_STRATEGIES,
    replications: int = 200,
    seed: int = 1,
    executors: Executors | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """Every strategy on the same `replications` committees (replication r: seed + r)."""
    strategies = list(strategies)
    deals = evaluate(
        scenario,
        strategy_policies(strategies),
        replications=replications,
        seed=seed,
        executors=executors,
        progress=progress,
        batch_size=25,
    )
    return Comparison(
        scenario,
        strategies,
        replications,
        seed,
        deals,
        summarize(deals, strategies),
        paired_effects(deals, strategies),
    )
