"""Territory mode as a workflow: each policy (a strategy of our seller) works the same
territory of accounts, one seed, with one weekly capacity shared across the accounts.

Unlike a study's runs, the accounts of a territory are not independent (they share the
seller's hours each week), so a territory is one run per policy, not a replication each."""

from __future__ import annotations

from collections.abc import Sequence

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
