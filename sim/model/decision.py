"""The committee's decision rule, its ways of giving up, and the quality of what it chose.

A decision is taken at the end of a week when (1) one option holds at least
`support_threshold` of the committee's influence, (2) its supporters' influence-weighted
confidence that it is the best reaches `confidence_threshold`, (3) their remaining
uncertainty about its value is at most `max_uncertainty`, and (4) for a purchase, no veto
holder opposes it (prefers something else *and* values it below doing nothing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.config.scenario import DecisionRule
from sim.model import kernel as k

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
    """The committee view from its members' columns (`kernel.committee_view`): the leading
    option (most influence; the first on a tie), its influence share, and its supporters'
    influence-weighted confidence and remaining uncertainty."""
    view = np.zeros(k.N_VIEW_COLUMNS)
    k.committee_view(np.asarray(preferred, dtype=np.int64), np.asarray(influence, dtype=float),
                     np.asarray(confidence, dtype=float), np.asarray(uncertainty, dtype=float),
                     n_options, view)  # fmt: skip
    return CommitteeView(
        int(view[k.ViewColumn.LEADER]),
        float(view[k.ViewColumn.SUPPORT]),
        float(view[k.ViewColumn.CONFIDENCE]),
        float(view[k.ViewColumn.UNCERTAINTY]),
    )


def rule_numbers(rule: DecisionRule) -> np.ndarray:
    """A decision rule as the compiled decision reads it (`kernel.RuleColumn`; the horizon and
    our option are the deal's, set by the model)."""
    numbers = np.zeros(k.N_RULE_COLUMNS)
    numbers[k.RuleColumn.SUPPORT] = rule.support_threshold
    numbers[k.RuleColumn.CONFIDENCE] = rule.confidence_threshold
    numbers[k.RuleColumn.MAX_UNCERTAINTY] = rule.max_uncertainty
    numbers[k.RuleColumn.VETOES] = rule.vetoes
    numbers[k.RuleColumn.STALL_URGENCY] = rule.stall_urgency
    numbers[k.RuleColumn.STALL_FATIGUE] = rule.stall_fatigue
    return numbers


def opposing_vetoes(stakeholders: Sequence[Stakeholder], option: int) -> list[Stakeholder]:
    """Veto holders who would block buying `option` (`kernel.would_veto`; the status quo is
    `kernel.STATUS_QUO`, option 0, in every model)."""
    return [
        s
        for s in stakeholders
        if k.would_veto(float(s.veto), s.preferred, np.asarray(s.utilities, dtype=float), option)
    ]


def is_decided(view: CommitteeView, rule: DecisionRule) -> bool:
    """The rule's support, confidence and uncertainty conditions (`kernel.rule_met`)."""
    numbers = np.zeros(k.N_VIEW_COLUMNS)
    numbers[k.ViewColumn.SUPPORT] = view.support
    numbers[k.ViewColumn.CONFIDENCE] = view.confidence
    numbers[k.ViewColumn.UNCERTAINTY] = view.uncertainty
    return bool(k.rule_met(rule_numbers(rule), numbers))


def stall_reason(
    stakeholders: Sequence[Stakeholder], urgency: float, rule: DecisionRule
) -> str | None:
    """Why the committee gives up this week, if it does (`kernel.stall_reason`): urgency
    faded below the floor, or the members are worn out (by clashes or by overload, whichever
    tired them more)."""
    columns = [
        np.array([getattr(s, name) for s in stakeholders], dtype=float)
        for name in ("fatigue", "fatigue_from_conflict", "fatigue_from_overload")
    ]
    code = k.stall_reason(*columns, urgency, rule_numbers(rule))
    return None if code < 0 else STALL_REASONS[code]


STALL_REASONS = ("lost_urgency", "conflict", "fatigue")
"""By `kernel.STALL_*`."""

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
    """`regret_degrees` of one purchase: the same numbers, NaN and -0.0 included, without
    NumPy's cost for one value (a deal's record pays it once)."""
    shortfall = float(shortfall)
    if margin <= 0:
        return math.nan if math.isnan(shortfall) else float(shortfall > 0)
    ratio = shortfall / (2.0 * margin)
    return 0.0 if ratio < 0.0 else 1.0 if ratio > 1.0 else ratio


@dataclass(frozen=True, slots=True)
class DealQuality:
    """What the committee's members expected of their choice and what they truly got, each
    member under its own priorities, averaged with the members' influence."""

    expected_value: float
    true_value: float
    best_true_value: float  # the truly best vendor's value
    shortfall: float  # the members' mean of max(expected - true, best - true, 0)
    degree: float  # regret_degree(shortfall, margin), in [0, 1]

    @property
    def regret(self) -> bool:
        """Regret as a yes/no: a degree of at least one half (a shortfall of at least the
        margin)."""
        return self.degree >= REGRET_AT


def quality_of(
    influence: np.ndarray,
    priorities: np.ndarray,
    believed: np.ndarray,
    option: int,
    truth: np.ndarray,
    vendor_indices: Sequence[int],
    regret_margin: float,
) -> DealQuality:
    """The chosen option's shortfall as its members feel it. Each member judges the choice
    by its own priorities (`priorities`, members x criteria) and its own belief of the
    option (`believed`, members x criteria): its shortfall is how far the option's true
    value falls below what it believed of it, or below the vendor truly best by its own
    priorities, whichever is larger (0 when neither). The deal's shortfall is the members'
    influence-weighted mean, so a member who never came round to the choice (dissent
    after a clash) carries its regret into the deal's (Gartner/CEB: regret is what each
    buyer reports, and conflicting priorities end in more of it); the degree follows
    (`regret_degree`)."""
    share = np.asarray(influence, dtype=float)
    share = share / share.sum()
    p = np.asarray(priorities, dtype=float)
    truth = np.asarray(truth, dtype=float)
    expected = (p * np.asarray(believed, dtype=float)).sum(axis=1)
    actual = p @ truth[option]
    best = (p @ truth[np.asarray(vendor_indices)].T).max(axis=1)
    shortfall = np.maximum(np.maximum(expected - actual, best - actual), 0.0)
    mean_shortfall = float(share @ shortfall)
    return DealQuality(
        float(share @ expected),
        float(share @ actual),
        float(share @ best),
        mean_shortfall,
        regret_degree(mean_shortfall, regret_margin),
    )


def deal_quality(
    stakeholders: Sequence[Stakeholder],
    option: int,
    truth: Sequence[Sequence[float]],
    vendor_indices: Sequence[int],
    regret_margin: float,
) -> DealQuality:
    """`quality_of` these members' choice of `option`."""
    return quality_of(
        np.array([s.influence for s in stakeholders], dtype=float),
        np.array([s.priorities for s in stakeholders], dtype=float),
        np.array([s.beliefs.mean[option] for s in stakeholders], dtype=float),
        option,
        np.asarray(truth, dtype=float),
        vendor_indices,
        regret_margin,
    )
