"""Territory mode as a workflow: each policy (a strategy of our seller) works the same
territory of accounts, one seed, with one weekly capacity shared across the accounts.

Unlike a study's runs, the accounts of a territory are not independent (they share the
seller's hours each week), so the independent unit is a whole territory: replication r is
territory seed + r, worked by every policy (`compare_territories`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.analysis.statistics import mean
from sim.config.scenario import Scenario, Territory
from sim.model.territory import TerritoryResult, simulate_territory
from sim.workflow.study import strategy_policies


def territory_scenario(scenario: Scenario, accounts: int | None = None) -> Scenario:
    """`scenario` with its territory settings, `accounts` accounts if given."""
    if accounts is None:
        return scenario
    settings = (scenario.territory or Territory()).model_copy(update={"accounts": accounts})
    return scenario.model_copy(update={"territory": settings})


def work_territory(
    scenario: Scenario, strategies: Sequence[str], seed: int = 1, source: str = "--sellers"
) -> list[TerritoryResult]:
    """One territory result per strategy, on the same accounts; every strategy is checked
    against the scenario (e.g. a social seller needs a network) before any is simulated."""
    policies = strategy_policies(strategies)
    for policy in policies:
        policy.apply(scenario, source)
    return [simulate_territory(scenario, seed, policy.name) for policy in policies]


TERRITORY_MEASURES = ("won", "revenue", "seller_hours", "hours_on_deals_not_won")
"""Per-territory counts summarized over replications (mean with a 95% t interval)."""


@dataclass(frozen=True)
class TerritoryComparison:
    """Every strategy on the same `replications` territories (territory r: seed + r, so
    the same accounts for every strategy): `runs` one row per (strategy, replication),
    `summary` per strategy the mean of each measure with its 95% interval and hours per won
    deal over all territories, `effects` the paired difference in deals won per territory
    for every pair of strategies (`sim.analysis.verdict` reads it)."""

    strategies: list[str]
    replications: int
    seed: int
    runs: pd.DataFrame
    summary: pd.DataFrame
    effects: pd.DataFrame


def compare_territories(
    scenario: Scenario,
    strategies: Sequence[str],
    replications: int = 10,
    seed: int = 1,
    source: str = "--sellers",
) -> TerritoryComparison:
    """`work_territory` on `replications` territories; intervals and paired effects across
    territories (accounts within one territory share the seller's hours, so a territory,
    not an account, is the independent unit)."""
    strategies = list(strategies)
    records = []
    for r in range(replications):
        for result in work_territory(scenario, strategies, seed + r, source):
            records.append({**result.summary(), "replication": r})
    runs = pd.DataFrame.from_records(records)
    return TerritoryComparison(
        strategies,
        replications,
        seed,
        runs,
        _territory_summary(runs, strategies),
        _territory_effects(runs, strategies),
    )


def _territory_summary(runs: pd.DataFrame, strategies: list[str]) -> pd.DataFrame:
    records = []
    for strategy in strategies:
        rows = runs[runs["strategy"] == strategy]
        record: dict[str, Any] = {"strategy": strategy, "territories": len(rows)}
        record["accounts"] = int(rows["accounts"].iloc[0]) if len(rows) else 0
        for measure in TERRITORY_MEASURES:
            record.update(mean(rows[measure].to_numpy(dtype=float)).as_dict(measure))
        won, hours = float(rows["won"].sum()), float(rows["seller_hours"].sum())
        record["hours_per_won_deal"] = hours / won if won else math.nan
        wasted = float(rows["hours_on_deals_not_won"].sum())
        record["share_wasted"] = wasted / hours if hours else math.nan
        records.append(record)
    return pd.DataFrame.from_records(records)


def _territory_effects(runs: pd.DataFrame, strategies: list[str]) -> pd.DataFrame:
    records = []
    won = runs.pivot_table(index="replication", columns="strategy", values="won")
    for i, reference in enumerate(strategies):
        for strategy in strategies[i + 1 :]:
            differences = (won[strategy] - won[reference]).to_numpy(dtype=float)
            record: dict[str, Any] = {
                "strategy": strategy,
                "versus": reference,
                "metric": "territory_won",
                "pairs": len(differences),
            }
            record.update(mean(differences).as_dict("difference"))
            record["difference_sd"] = (
                float(differences.std(ddof=1)) if len(differences) > 1 else math.nan
            )
            records.append(record)
    return pd.DataFrame.from_records(records)
