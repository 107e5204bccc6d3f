"""Seller agents: one per vendor, each following one strategy within a weekly capacity.

This is where strategies plug in. A strategy is a `Seller` subclass registered in
`SELLER_CLASSES` under the name a scenario uses (`sellers.<vendor>.strategy`); the name
must also be listed in `sim.config.scenario.SELLER_STRATEGIES` so files validate. The
strategy `none` means no seller agent at all for that vendor.

A seller acts at the start of each week, before the stakeholders spend their own hours:
meetings are booked into their calendars, so they come out of that week's budget. Every
action costs the seller hours and goes into the event log; no strategy touches the
decision rule: its effects flow only through claims, trust, overload, urgency, risk and
alignment.
"""

from __future__ import annotations

import random
from abc import abstractmethod
from typing import TYPE_CHECKING

import mesa

from sim.config.scenario import SellerSpec

if TYPE_CHECKING:
    from sim.agents.stakeholder import Stakeholder
    from sim.model.model import BuyingCommitteeModel


class Seller(mesa.Agent):
    """The common part of every strategy: a vendor, a capacity and the hours it spends."""

    model: BuyingCommitteeModel
    strategy: str = ""

    def __init__(
        self, model: BuyingCommitteeModel, vendor: int, spec: SellerSpec, rng: random.Random
    ) -> None:
        super().__init__(model)
        self.vendor = vendor
        self.vendor_name = model.option_names[vendor]
        self.name = f"{self.vendor_name}'s seller"
        self.capacity = spec.capacity_hours
        self.draws = rng
        self.hours_left = 0.0
        self.hours_spent = 0.0
        self.reached: set[int] = set()

    def start_week(self) -> None:
        self.hours_left = self.capacity

    def spend(self, hours: float) -> bool:
        """Use `hours` of this week's capacity if they are left."""
        if hours > self.hours_left + 1e-9:
            return False
        self.hours_left -= hours
        self.hours_spent += hours
        return True

    def meet(self, stakeholder: Stakeholder, hours: float, job: str) -> bool:
        """Book a meeting: it costs the seller `hours` and the stakeholder the same hours of
        its week, counted under `job` and as time with sellers. False if either is short."""
        if stakeholder.hours_free() < hours or not self.spend(hours):
            return False
        stakeholder.book_seller_time(hours, job)
        self.reached.add(stakeholder.unique_id)
        return True

    @abstractmethod
    def act(self) -> None:
        """This week's work for the deal, within `hours_left`."""


SELLER_CLASSES: dict[str, type[Seller] | None] = {"none": None}
"""Strategy name -> agent class (None: no seller agent)."""
