"""Stepping through a deal that has already been simulated: the run is a pure function of
(scenario, seed), so playback only reveals weeks; it never changes what happens."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sim.model.result import DealResult


@dataclass(frozen=True)
class Playback:
    week: int
    last_week: int
    playing: bool = False

    def step(self) -> Playback:
        """One week on; playing stops at the end."""
        week = min(self.week + 1, self.last_week)
        return replace(self, week=week, playing=self.playing and week < self.last_week)

    def reset(self) -> Playback:
        return replace(self, week=1, playing=False)

    def toggle(self) -> Playback:
        """Play from the start again if at the end; otherwise play or pause."""
        if self.week >= self.last_week and not self.playing:
            return replace(self, week=1, playing=True)
        return replace(self, playing=not self.playing)

    def tick(self) -> Playback:
        """What the timer does: step while playing."""
        return self.step() if self.playing else self


def deal_until(deal: DealResult, week: int) -> DealResult:
    """The deal as it stood at the end of `week`: later weeks hidden, and undecided until
    the decision week is reached."""
    if week >= deal.weeks_simulated:
        return deal
    return replace(
        deal,
        events=[e for e in deal.events if e.week <= week],
        weekly=[s for s in deal.weekly if s.week <= week],
        committee_weekly=[c for c in deal.committee_weekly if c.week <= week],
        weeks_simulated=week,
        cycle_weeks=None,
    )
