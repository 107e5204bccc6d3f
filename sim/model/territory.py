"""A seller's territory: one seller works many accounts at once within one weekly capacity.

Every account is its own buying committee (a BuyingCommitteeModel with its own committee,
competitor seller and, if set, peer network). Account a of territory seed s always has seed
`s * 10_000 + a`, so every strategy works the same accounts (common random numbers). Each
week our seller's hours are shared out by its strategy before the accounts step:

- a funnel-pusher spreads thin: every open lead it has not qualified out gets an equal share,
  and when a share would not buy a meeting it works the leads in turn, a few each week;
- a maze-guide or social seller goes deep on fewer: it gives `focus_hours` to each account
  it works, keeps an account until it ends, and fills a free slot with the open account
  whose committee, as far as our seller has seen in its meetings, leans most towards our
  product (accounts it has not met count as undecided).

Effort on accounts that are not won is the waste that "The day the funnel broke" names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.config.scenario import Scenario, Territory
from sim.model.model import BuyingCommitteeModel
from sim.model.sellers import FunnelPusher, Seller


def account_seed(seed: int, account: int) -> int:
    return seed * 10_000 + account


class Allocation:
    """How a strategy shares its weekly hours among accounts."""

    def __init__(self, territory: Territory, meeting_hours: float) -> None:
        self.territory = territory
        self.meeting_hours = meeting_hours

    def share(
        self, models: list[BuyingCommitteeModel], sellers: list[Seller | None]
    ) -> dict[int, float]:
        return {}


class SpreadThin(Allocation):
    """Equal shares for every open lead; in turns when a share is too small for a meeting."""

    def __init__(self, territory: Territory, meeting_hours: float) -> None:
        super().__init__(territory, meeting_hours)
        self.turn = 0

    def share(
        self, models: list[BuyingCommitteeModel], sellers: list[Seller | None]
    ) -> dict[int, float]:
        leads = [
            i
            for i, (model, seller) in enumerate(zip(models, sellers, strict=True))
            if model.running and not (isinstance(seller, FunnelPusher) and seller.qualified_out)
        ]
        if not leads:
            return {}
        capacity = self.territory.capacity_hours
        needed = self.meeting_hours + 1.0  # a meeting, plus an hour to press when closing
        if capacity / len(leads) >= needed:
            return dict.fromkeys(leads, capacity / len(leads))
        slots = max(1, math.floor(capacity / needed))
        start = self.turn % len(leads)
        served = (leads[start:] + leads[:start])[:slots]
        self.turn += slots
        return dict.fromkeys(served, capacity / len(served))


class GoDeep(Allocation):
    """Full attention (`focus_hours`) for a few accounts, kept until they end."""

    def __init__(self, territory: Territory, meeting_hours: float) -> None:
        super().__init__(territory, meeting_hours)
        self.focus: list[int] = []

    def share(
        self, models: list[BuyingCommitteeModel], sellers: list[Seller | None]
    ) -> dict[int, float]:
        self.focus = [i for i in self.focus if models[i].running]
        slots = max(1, math.floor(self.territory.capacity_hours / self.territory.focus_hours))
        candidates = [i for i, m in enumerate(models) if m.running and i not in self.focus]
        candidates.sort(key=lambda i: (-promise(sellers[i]), i))
        self.focus += candidates[: max(0, slots - len(self.focus))]
        if not self.focus:
            return {}
        hours = min(self.territory.focus_hours, self.territory.capacity_hours / len(self.focus))
        return dict.fromkeys(self.focus, hours)


def promise(seller: Seller | None) -> float:
    """How promising an account looks to our seller: the influence share it has seen favour
    our product (never the committee's hidden preferences)."""
    return seller.view.observed_support() if seller is not None else 0.0


ALLOCATIONS: dict[str, type[Allocation]] = {
    "none": Allocation,
    "funnel_pusher": SpreadThin,
    "maze_guide": GoDeep,
    "social_seller": GoDeep,
}


@dataclass
class TerritoryResult:
    strategy: str
    accounts: pd.DataFrame  # one metrics row per account, with `account` and `our_price`
    weeks: int

    def summary(self) -> dict[str, Any]:
        rows = self.accounts
        won = rows["outcome"] == "won"
        hours = float(rows["our_seller_hours"].sum())
        wasted = float(rows.loc[~won, "our_seller_hours"].sum())
        return {
            "strategy": self.strategy,
            "accounts": len(rows),
            "accounts_worked": int((rows["our_seller_hours"] > 0).sum()),
            "won": int(won.sum()),
            "lost": int((rows["outcome"] == "lost").sum()),
            "no_decision": int((rows["outcome"] == "no_decision").sum()),
            "open": int((rows["outcome"] == "open").sum()),
            "revenue": float(rows.loc[won, "our_price"].sum()),
            "seller_hours": hours,
            "hours_per_won_deal": hours / int(won.sum()) if won.any() else math.nan,
            "hours_on_deals_not_won": wasted,
            "share_wasted": wasted / hours if hours else math.nan,
            "weeks": self.weeks,
        }


def simulate_territory(
    scenario: Scenario, seed: int, strategy: str | None = None
) -> TerritoryResult:
    """Step every account of the territory week by week, sharing our seller's hours."""
    territory = scenario.territory or Territory()
    if strategy is not None:
        scenario = scenario.with_strategy(strategy)
    ours = scenario.seller_for(scenario.our_vendor)
    models = [
        BuyingCommitteeModel(scenario, account_seed(seed, a)) for a in range(territory.accounts)
    ]
    sellers = [next((s for s in m.sellers if s.vendor == m.our_index), None) for m in models]
    allocation = ALLOCATIONS[ours.strategy](territory, ours.meeting_hours)
    weeks = 0
    while any(m.running for m in models):
        hours = allocation.share(models, sellers)
        for index, (model, seller) in enumerate(zip(models, sellers, strict=True)):
            if not model.running:
                continue
            if seller is not None:
                seller.capacity = hours.get(index, 0.0)
            model.step()
        weeks += 1
    price = scenario.options.vendors[scenario.our_vendor].price
    rows = []
    for account, model in enumerate(models):
        row = model.result().metrics()
        row.update(account=account, our_price=price)
        rows.append(row)
    return TerritoryResult(ours.strategy, pd.DataFrame.from_records(rows), weeks)
