"""One registry per concept, at the bottom of the package: the seller strategies and the
bounds of the parameters that are written in more than one place.

Everything else derives from here: the scenario schema's `Field` bounds, the explorer's
sliders, the model's strategy -> class map (`sim.model.sellers.SELLER_CLASSES`) and the
territory allocations, and the docs' tables. This module imports nothing from `sim`, so
every layer may import it. (The role library has its own module, `sim.config.roles`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field


@dataclass(frozen=True, slots=True)
class Strategy:
    """A strategy our seller (or a rival's) can follow."""

    name: str
    summary: str
    needs_network: bool = False
    """True when the strategy works through the scenario's peer network."""


STRATEGIES: dict[str, Strategy] = {
    s.name: s
    for s in (
        Strategy("none", "no seller: the committee buys on its own"),
        Strategy(
            "funnel_pusher",
            "pitches, demos and proposals on a sales calendar; presses to close",
        ),
        Strategy(
            "maze_guide",
            "helps whoever is stuck with the job they are doing: seek, validate, align",
        ),
        Strategy(
            "social_seller",
            "content and reference customers in the peer network, then guiding",
            needs_network=True,
        ),
    )
}
"""Strategy name -> its description; the order is the order shown to users."""

STRATEGY_NAMES: tuple[str, ...] = tuple(STRATEGIES)


def strategies_for(has_network: bool) -> list[str]:
    """The strategies a scenario can run: those needing a peer network only if it has one."""
    return [s.name for s in STRATEGIES.values() if has_network or not s.needs_network]


@dataclass(frozen=True, slots=True)
class Bounds:
    """The valid range of a parameter; `low_open` excludes the lower end (e.g. hours > 0)."""

    low: float
    high: float
    low_open: bool = False

    def field(self, default: Any, description: str | None = None) -> Any:
        """A pydantic `Field` with these bounds."""
        lower = {"gt": self.low} if self.low_open else {"ge": self.low}
        return Field(default, le=self.high, description=description, **lower)

    def clamp(self, value: float) -> float:
        """`value` moved into the range (closed at both ends)."""
        return min(self.high, max(self.low, value))


RISK_AVERSION = Bounds(0.0, 5.0)
"""A stakeholder's risk aversion, and the factor scaling every member's."""
WEEKLY_HOURS = Bounds(0.0, 40.0, low_open=True)
"""Hours a week a stakeholder gives the purchase."""
OPEN_MINDEDNESS = Bounds(0.0, 1.0, low_open=True)
"""A stakeholder's bounded-confidence radius."""
COMMITTEE_SIZE = Bounds(1, 50)
DIVERGENCE = Bounds(0.0, 5.0)
"""How far members' priorities stray from their role's."""
OVERLOAD = Bounds(0.1, 10.0)
"""Information overload (1: normal)."""
SELLER_CAPACITY_HOURS = Bounds(0.0, 80.0, low_open=True)
"""Our seller's hours a week for one deal."""
PRODUCT_STRENGTH = Bounds(-0.3, 0.3)
"""The explorer's shift of our product's true quality on every criterion."""
