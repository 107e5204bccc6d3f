"""Exogenous events: things that happen to the account whatever anyone in the deal does.

They are drawn for the whole horizon up front from the exogenous stream, so every
treatment of a replication meets the same events (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import pcg
from sim.model.compilation import kernel


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
    """Week -> event, for the weeks in which one strikes (`rng` moves on past the draws)."""
    state = pcg.state_of(rng)
    events = exogenous_events(state, horizon_weeks, weekly_rate)
    pcg.resume(rng, state)
    return events


def exogenous_events(
    state: np.ndarray, horizon_weeks: int, weekly_rate: float
) -> dict[int, ExogenousEvent]:
    """`draw_exogenous_events` from a compiled stream's `state` (`pcg`)."""
    strikes = np.empty(horizon_weeks, dtype=np.int8)
    kinds = np.empty(horizon_weeks, dtype=np.int64)
    draw_strikes(state, weekly_rate, len(EVENT_KINDS), strikes, kinds)
    return {int(w) + 1: EVENT_KINDS[int(kinds[w])] for w in np.flatnonzero(strikes)}


@kernel
def draw_strikes(state, weekly_rate, n_kinds, strikes, kinds) -> None:
    """Whether an event strikes each week (a uniform below the weekly rate), then each week's
    kind, uniformly: the draws of `rng.random(weeks) < rate` and `rng.integers(n_kinds,
    size=weeks)`, in that order."""
    for week in range(strikes.shape[0]):
        strikes[week] = pcg.next_double(state) < weekly_rate
    for week in range(kinds.shape[0]):
        kinds[week] = pcg.bounded_below(state, n_kinds)
