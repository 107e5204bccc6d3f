"""Exogenous events: things that happen to the account whatever anyone in the deal does.

They are drawn for the whole horizon up front from the exogenous stream, so every
treatment of a replication meets the same events (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class ExogenousEvent:
    kind: str
    factor: float  # multiplies urgency
    boost: float  # then added to urgency (capped at 1)

    def apply(self, urgency: float) -> float:
        return min(1.0, urgency * self.factor + self.boost)


EVENT_KINDS: tuple[ExogenousEvent, ...] = (
    ExogenousEvent("budget freeze", factor=0.5, boost=0.0),
    ExogenousEvent("reorganisation", factor=0.75, boost=0.0),
    ExogenousEvent("incident makes the problem worse", factor=1.0, boost=0.3),
)


def draw_exogenous_events(
    rng: np.random.Generator, horizon_weeks: int, weekly_rate: float
) -> dict[int, ExogenousEvent]:
    """Week -> event, for the weeks in which one strikes."""
    strikes = rng.random(horizon_weeks) < weekly_rate
    kinds = rng.integers(len(EVENT_KINDS), size=horizon_weeks)
    return {int(w) + 1: EVENT_KINDS[int(kinds[w])] for w in np.flatnonzero(strikes)}
