"""The committee's decision rule, its ways of giving up, and the quality of what it chose.

A decision is taken at the end of a week when (1) one option holds at least
`support_threshold` of the committee's influence, (2) its supporters' influence-weighted
confidence that it is the best reaches `confidence_threshold`, (3) their remaining
uncertainty about its value is at most `max_uncertainty`, and (4) for a purchase, no veto
holder opposes it (prefers something else *and* values it below doing nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.config.scenario import DecisionRule

if TYPE_CHECKING:
    from sim.model.stakeholder import Stakeholder


@dataclass(frozen=True, slots=True)
class CommitteeView:
    """Where the committee stands this week."""

    leading_option: int
    support: float
    confidence: float
    uncertainty: float  # supporters' influence-weighted sd of the leader's value


def committee_view(stakeholders: Sequence[Stakeholder], n_options: int) -> CommitteeView:
    """Influence share behind each member's preferred option, and its supporters' confidence
    and remaining uncertainty (`view_of` for these members)."""
    return view_of(
        [s.preferred for s in stakeholders],
        [s.influence for s in stakeholders],
        [s.confidence for s in stakeholders],
        [s.uncertainty for s in stakeholders],
        n_options,
    )


def view_of(
    preferred: Sequence[int],
    influence: Sequence[float],
    confidence: Sequence[float],
    uncertainty: Sequence[float],
    n_options: int,
) -> CommitteeView:
    """The committee view from its members' columns (the model passes its arrays' columns):
    the leading option (most influence; the first on a tie), its influence share, and its
    supporters' influence-weighted confidence and remaining uncertainty."""
    support = [0.0] * n_options
    confident = [0.0] * n_options
    uncertain = [0.0] * n_options
    for option, weight, sure, unsure in zip(
        preferred, influence, confidence, uncertainty, strict=True
    ):
        support[option] += weight
        confident[option] += weight * sure
        uncertain[option] += weight * unsure
    total = sum(support)
    leader = max(range(n_options), key=support.__getitem__)
    backing = support[leader]
    return CommitteeView(
        leader, backing / total, confident[leader] / backing, uncertain[leader] / backing
    )


def opposing_vetoes(
    stakeholders: Sequence[Stakeholder], option: int, status_quo: int
) -> list[Stakeholder]:
    """Veto holders who would block buying `option`."""
    return [
        s
        for s in stakeholders
        if s.veto and s.preferred != option and s.utilities[option] < s.utilities[status_quo]
    ]


def is_decided(view: CommitteeView, rule: DecisionRule) -> bool:
    return (
        view.support >= rule.support_threshold
        and view.confidence >= rule.confidence_threshold
        and view.uncertainty <= rule.max_uncertainty
    )


def stall_reason(
    stakeholders: Sequence[Stakeholder], urgency: float, rule: DecisionRule
) -> str | None:
    """Why the committee gives up this week, if it does: urgency faded below the floor, or
    the members are worn out (by clashes or by overload, whichever tired them more)."""
    if urgency < rule.stall_urgency:
        return "lost_urgency"
    mean_fatigue = sum(s.fatigue for s in stakeholders) / len(stakeholders)
    if mean_fatigue >= rule.stall_fatigue:
        from_conflict = sum(s.fatigue_from_conflict for s in stakeholders)
        from_overload = sum(s.fatigue_from_overload for s in stakeholders)
        return "conflict" if from_conflict > from_overload else "fatigue"
    return None


REGRET_AT = 0.5
"""The regret degree from which a purchase counts as regretted (`DealQuality.regret`): a
shortfall of exactly the margin."""


def regret_degrees(shortfall: np.ndarray, margin: float) -> np.ndarray:
    """How much each purchase is regretted, in [0, 1], from its shortfall (`DealQuality`).

    A linear ramp: 0 at no shortfall, 0.5 at a shortfall of `margin`, 1 from twice the
    margin on: `min(1, shortfall / (2 margin))`. A ramp rather than a step, so that a deal
    just above the margin counts barely more than one just below it: averages of the degree
    move smoothly when the margin or the sellers' overclaiming move, where a share of
    regretted deals jumps as many shortfalls cross one knife edge. Linear, because nothing
    published says how regret grows with a shortfall, and a straight line assumes least.
    With a margin of 0 any shortfall is full regret. A missing shortfall (NaN) stays NaN.
    """
    shortfall = np.asarray(shortfall, dtype=float)
    if margin <= 0:
        return np.where(np.isnan(shortfall), np.nan, (shortfall > 0).astype(float))
    with np.errstate(over="ignore"):  # a tiny margin: the ramp is a step, the ratio inf
        return np.clip(shortfall / (2.0 * margin), 0.0, 1.0)


def regret_degree(shortfall: float, margin: float) -> float:
    """`regret_degrees` of one purchase."""
    return float(regret_degrees(np.asarray(shortfall), margin))


@dataclass(frozen=True, slots=True)
class DealQuality:
    """What the committee expected of its choice and what it truly got, under its own
    influence-weighted priorities."""

    expected_value: float
    true_value: float
    best_true_value: float  # the truly best vendor's value
    shortfall: float  # the larger of expected - true and best - true, floored at 0
    degree: float  # regret_degree(shortfall, margin), in [0, 1]

    @property
    def regret(self) -> bool:
        """Regret as a yes/no: a degree of at least one half (a shortfall of at least the
        margin)."""
        return self.degree >= REGRET_AT


def deal_quality(
    stakeholders: Sequence[Stakeholder],
    option: int,
    truth: Sequence[Sequence[float]],
    vendor_indices: Sequence[int],
    regret_margin: float,
) -> DealQuality:
    """The chosen option's shortfall, under the committee's influence-weighted priorities:
    how far its true value falls below what the committee believed of it, or below the
    truly best vendor, whichever is larger (0 when neither); and its regret degree."""
    total = sum(s.influence for s in stakeholders)
    n_criteria = len(truth[0])
    weights = [
        sum(s.influence * s.priorities[c] for s in stakeholders) / total for c in range(n_criteria)
    ]
    believed = [
        sum(s.influence * s.beliefs.mean[option][c] for s in stakeholders) / total
        for c in range(n_criteria)
    ]
    expected = sum(w * b for w, b in zip(weights, believed, strict=True))

    def true_value(o: int) -> float:
        return sum(w * q for w, q in zip(weights, truth[o], strict=True))

    actual = true_value(option)
    best = max(true_value(o) for o in vendor_indices)
    shortfall = max(expected - actual, best - actual, 0.0)
    return DealQuality(expected, actual, best, shortfall, regret_degree(shortfall, regret_margin))
