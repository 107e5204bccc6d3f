"""The stakeholder: one member of the buying committee working through the maze.

Each week a stakeholder spends its hours, one at a time, on one of the three buying jobs,
choosing each hour by what it needs most now (a softmax over its needs, so with noise):

- **seek**: find decision-enabling information about what matters to it and is uncertain;
- **validate**: check a claim it holds against an independent source; a claim whose gap to
  the check is larger than the two sources' known noise explains (a z-test) is discarded and
  costs its origin trust - the whole vendor's, when a vendor's voice is caught;
- **align**: meet a colleague; if their priorities are close enough (bounded confidence)
  both move toward each other, anchored to where they started (Friedkin-Johnsen), and they
  share beliefs; if too far apart they clash, which tires both.

Its view of the options is an appraisal: mean-variance utility under its own priorities,
so uncertainty makes the known status quo look safer (the mechanism behind indecision).

Attention is continuous: a week holds `weekly_hours * (1 - fatigue)` hours, of which at most
`behaviour.seller_time_share` go to sellers; a seller's meeting gets whatever part of its
length that allowance still holds, and conveys that share of what it would have.

The mechanisms are compiled functions over the committee's arrays (sim/model/kernel.py, one
function per mechanism, named as here), run over all rows at once. A `Stakeholder` is the
Mesa agent for one row and only a view of it: its attributes read and write that row (tests
that drive one member's mechanism use tests/member_support.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import kernel as k
from sim.model.information import Beliefs, Claim
from sim.model.kernel import MIN_TRUST_TO_MEET, RECENT_CLAIMS, TRUST_FLOOR, fails_check

if TYPE_CHECKING:
    from sim.model.committee import StakeholderProfile
    from sim.model.model import BuyingCommitteeModel
    from sim.model.state import Committee

__all__ = [
    "JOBS",
    "MIN_TRUST_TO_MEET",
    "RECENT_CLAIMS",
    "TRUST_FLOOR",
    "BuyingJob",
    "Stakeholder",
    "fails_check",
    "priority_distance",
]


class BuyingJob(StrEnum):
    """The three concurrent buying jobs (Gartner)."""

    SEEK = "seek"
    VALIDATE = "validate"
    ALIGN = "align"

    @property
    def code(self) -> int:
        """Its index in the arrays (kernel.SEEK, VALIDATE, ALIGN)."""
        return JOBS.index(self)


JOBS: tuple[BuyingJob, ...] = (BuyingJob.SEEK, BuyingJob.VALIDATE, BuyingJob.ALIGN)


JOB_BY_CODE = (*(job.value for job in JOBS), "idle")
"""A week's busiest job by its code (`kernel.SEEK` ... `ALIGN`, then `kernel.IDLE`: -1)."""


def jobs_by_week(committee: Committee, seat: int) -> list[str]:
    """Each week's busiest job of member `seat` ('idle' if none)."""
    weeks = committee.counts[seat, k.CountColumn.WEEKS_RECORDED]
    return [JOB_BY_CODE[code] for code in committee.jobs[seat, :weeks].tolist()]


def priority_distance(p: Sequence[float], q: Sequence[float]) -> float:
    """Half the L1 distance between two priority vectors: 0 identical, 1 disjoint
    (`kernel.priority_distance`)."""
    return k.priority_distance(np.array([p, q], dtype=float), 0, 1)


def _in_row(table: str, index: int, kind: type, doc: str) -> property:
    """A stakeholder attribute stored in column `index` of its row of `Committee.<table>`."""

    def get(self: Stakeholder) -> float | int:
        return kind(getattr(self.model.committee, table)[self.seat, index])

    def set_(self: Stakeholder, value: float) -> None:
        getattr(self.model.committee, table)[self.seat, index] = value

    return property(get, set_, doc=doc)


MEMBER_DOCS: dict[k.MemberColumn, str] = {
    k.MemberColumn.INFLUENCE: "Weight in the decision rule.",
    k.MemberColumn.RISK_AVERSION: "Penalty per sd of an option's value.",
    k.MemberColumn.STUBBORNNESS: "Pull back to its initial priorities.",
    k.MemberColumn.OPEN_MINDEDNESS: "Bounded-confidence radius.",
    k.MemberColumn.LOAD: "Claims-hours taken in, decaying week to week.",
    k.MemberColumn.OVERLOAD: "Last week's load over attention.",
    k.MemberColumn.FATIGUE: "0-1; shrinks the weekly hours.",
    k.MemberColumn.PEAK_FATIGUE: "The highest fatigue so far.",
    k.MemberColumn.FATIGUE_FROM_CONFLICT: "Fatigue added by clashes.",
    k.MemberColumn.FATIGUE_FROM_OVERLOAD: "Fatigue added by overload.",
    k.MemberColumn.HOURS_LEFT: "Hours of this week not yet spent.",
    k.MemberColumn.SELLER_TIME_LEFT: "What is left of this week's attention for sellers "
    "(all together).",
    k.MemberColumn.FELT_DEADLINE: "Urgency this member feels beyond the account's, from a "
    "deadline.",
    k.MemberColumn.CONSENSUS_HELP: "Widening of its radius by a consensus meeting.",
    k.MemberColumn.WEEK_HOURS_WITH_SELLERS: "Hours with sellers this week.",
    k.MemberColumn.TOTAL_HOURS_WITH_SELLERS: "Hours with sellers so far.",
    k.MemberColumn.HOURS_SEEKING_ALONE: "Self-directed research: seek hours not spent with "
    "sellers.",
    k.MemberColumn.CONFIDENCE: "How sure it is that its favourite is best.",
    k.MemberColumn.UNCERTAINTY: "The sd of its favourite's value.",
    k.MemberColumn.DISAGREEMENT: "Its need to align, set at the start of the week.",
    k.MemberColumn.REACTANCE: "0-1: how far it has turned against sellers' pressure.",
}
"""The docstring of the `Stakeholder` attribute each member column becomes."""
COUNT_DOCS: dict[k.CountColumn, str] = {
    k.CountColumn.PREFERRED: "The option it favours.",
    k.CountColumn.CLAIMS_DISCREDITED: "Claims it found wrong.",
    k.CountColumn.CONFLICTS: "Clashes it started.",
}
"""The docstring of the `Stakeholder` attribute each count column becomes."""
NOT_ATTRIBUTES: dict[type[IntEnum], frozenset[IntEnum]] = {
    k.MemberColumn: frozenset({k.MemberColumn.VETO, k.MemberColumn.WEEKLY_HOURS, *k.MEMBER_SPANS}),
    k.CountColumn: frozenset({k.CountColumn.RECENT_COUNT, k.CountColumn.WEEKS_RECORDED}),
}
"""Columns read otherwise: the veto and weekly hours are its profile's, the columns of several
values are read by job (`last_week_hours`), and the live claims and recorded weeks are the
lengths of `recent_claims` and `jobs_by_week`."""


def column_attributes(
    columns: type[IntEnum], table: str, kind: type, docs: Mapping[IntEnum, str]
) -> dict[str, property]:
    """A `Stakeholder` attribute per column of `Committee.<table>`, named as the column in lower
    case, so that a column added to the layout (sim/model/kernel.py) is an attribute too."""
    attributes = {}
    for column in columns:
        if column in NOT_ATTRIBUTES[columns]:
            continue
        if column not in docs:
            raise TypeError(f"{columns.__name__}.{column.name} has no docstring in stakeholder.py")
        attributes[column.name.lower()] = _in_row(table, column, kind, docs[column])
    return attributes


class TrustView(MutableMapping[str, float]):
    """A member's trust per source key, read from and written to its row of `trust`."""

    def __init__(self, row: np.ndarray, index: dict[str, int]) -> None:
        self._row, self._index = row, index

    def __getitem__(self, key: str) -> float:
        return float(self._row[self._index[key]])

    def __setitem__(self, key: str, value: float) -> None:
        self._row[self._index[key]] = value

    def __delitem__(self, key: str) -> None:
        raise TypeError("a stakeholder trusts every source to some degree")

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class RecentClaims(Sequence[Claim]):
    """The claims a member keeps in mind to validate, oldest first (its rows of `recent`)."""

    def __init__(self, member: Stakeholder) -> None:
        self._member = member

    def __len__(self) -> int:
        return self._member.model.committee.counts[self._member.seat, k.CountColumn.RECENT_COUNT]

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        row = self._member.model.committee.recent[self._member.seat, index]
        keys = self._member.model.information.keys
        origin, channel = keys[int(row[k.ClaimField.ORIGIN])], keys[int(row[k.ClaimField.CHANNEL])]
        return Claim(
            int(row[k.ClaimField.OPTION]),
            int(row[k.ClaimField.CRITERION]),
            float(row[k.ClaimField.VALUE]),
            origin,
            float(row[k.ClaimField.WEIGHT_HELD]),
            int(row[k.ClaimField.WEEK]),
            False,
            channel,
            float(row[k.ClaimField.SD]),
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def clear(self) -> None:
        """Forget every unchecked claim (they stay in the beliefs)."""
        self._member.model.committee.counts[self._member.seat, k.CountColumn.RECENT_COUNT] = 0


class Stakeholder(mesa.Agent):
    """A member of the buying committee (see docs/ODD.md, 'Stakeholder'): the Mesa agent for
    row `seat` of the committee's arrays."""

    model: BuyingCommitteeModel

    def __init__(self, model: BuyingCommitteeModel, profile: StakeholderProfile, seat: int) -> None:
        super().__init__(model)
        self.profile = profile
        self.name = profile.name
        self.seat = seat
        """Its row in the committee's arrays (and its id on the org chart and the network)."""
        self.veto = profile.veto
        self.trust = TrustView(model.committee.trust[seat], model.information.index)
        self.beliefs = Beliefs.of(model.committee.beliefs, seat)
        self.recent_claims = RecentClaims(self)

    # ---- rows -------------------------------------------------------------------------

    @property
    def anchor(self) -> tuple[float, ...]:
        """The priorities it started with (Friedkin-Johnsen anchor)."""
        return tuple(self.model.committee.anchor[self.seat].tolist())

    @property
    def priorities(self) -> list[float]:
        return self.model.committee.priorities[self.seat].tolist()

    @priorities.setter
    def priorities(self, values: Sequence[float]) -> None:
        self.model.committee.priorities[self.seat] = values

    @property
    def utilities(self) -> np.ndarray:
        """Its value of each option at its last appraisal (a view of its row)."""
        return self.model.committee.utilities[self.seat]

    @property
    def last_week_hours(self) -> dict[str, float]:
        """Last week's hours by job, and with sellers."""
        row = self.model.committee.member[self.seat]
        hours = {job.value: float(row[k.MemberColumn.LAST_WEEK_HOURS + job.code]) for job in JOBS}
        hours["with_sellers"] = float(row[k.MemberColumn.LAST_WEEK_HOURS + k.N_JOBS])
        return hours

    @property
    def jobs_by_week(self) -> list[str]:
        """Each week's busiest job ('idle' if none)."""
        return jobs_by_week(self.model.committee, self.seat)


for _name, _attribute in {
    **column_attributes(k.MemberColumn, "member", float, MEMBER_DOCS),
    **column_attributes(k.CountColumn, "counts", int, COUNT_DOCS),
}.items():
    setattr(Stakeholder, _name, _attribute)
del _name, _attribute
