"""What a seller can see of an account, and the only ways it can act on the committee.

A seller never holds the model or a stakeholder. It gets a `SellerView`: the org chart
(names, roles, influence, vetoes and what each role is known to care about), what members told
it in its own meetings (`MemberObservation`), and meetings and messages through which it can
tell members things, ask for their time and press them. Everything a seller does to a member
therefore happens in a meeting or a message, costs the seller's hours (and the member's, for a
meeting), and changes the member only through what the member hears and how it reacts (trust,
reactance, overload); account-level state (urgency, the true offers, the decision rule) and
members' beliefs are out of its reach (docs/ODD.md, "What a seller may touch").

The view keeps what the seller knows in one `state.Desk` of arrays, which is all the compiled
seller decisions read (kernel.py, section 7.15); its methods are the same compiled steps, one
at a time, for tests and tools.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.model import kernel as k
from sim.model.kernel import DEADLINE_MESSAGE_HOURS
from sim.model.logbook import FUNNEL_STAGES, MEETING_LINES
from sim.model.stakeholder import JOBS, BuyingJob
from sim.model.state import Desk

if TYPE_CHECKING:
    from sim.config.scenario import SellerSpec
    from sim.model.committee import StakeholderProfile
    from sim.model.model import BuyingCommitteeModel

__all__ = [
    "DEADLINE_MESSAGE_HOURS",
    "FUNNEL_STAGES",
    "MEETING_LINES",
    "Meeting",
    "MemberCard",
    "MemberObservation",
    "SellerView",
]


@dataclass(frozen=True, slots=True)
class MemberCard:
    """A committee member as the org chart shows them to any seller."""

    id: int
    name: str
    role: str
    influence: float
    veto: bool
    role_priorities: tuple[float, ...]
    """What the member's role is known to care about (the role library, not the person)."""

    @property
    def role_top(self) -> int:
        """The criterion its role is known to care most about (the first on a tie)."""
        return top_of(self.role_priorities)


def top_of(weights: Sequence[float]) -> int:
    """The index of the largest weight (the first on a tie): a role's top criterion."""
    return max(range(len(weights)), key=weights.__getitem__)


@dataclass(frozen=True, slots=True)
class MemberObservation:
    """What a member tells a seller in a meeting about where it stands (its top priority and
    concern are its role's usual answer unless it opened up: `kernel.observe`)."""

    week: int
    job: BuyingJob
    """The job it says it has mostly been on (seek when it has just started)."""
    leaning: int
    """The option it currently favours."""
    prefers_us_to_nothing: bool
    top_priority: int
    """The criterion it says matters most to it now."""
    concern: int
    """The criterion of the seller's product it most wants to know more about."""


def org_chart(model: BuyingCommitteeModel) -> tuple[MemberCard, ...]:
    """Every member as the org chart shows them to any seller (the same for all sellers)."""
    return member_cards(model.profiles, model.template.role_priorities)


def member_cards(
    profiles: Sequence[StakeholderProfile], role_priorities: Mapping[str, tuple[float, ...]]
) -> tuple[MemberCard, ...]:
    """The org chart of members `profiles`, given what each role is known to care about."""
    return tuple(
        MemberCard(seat, p.name, p.role, p.influence, p.veto, role_priorities[p.role])
        for seat, p in enumerate(profiles)
    )


class Meeting:
    """A meeting a member granted. What the seller tells in it counts for the hours the
    member gave (`attended`, in hours: an hour conveys a claim at full weight), so content
    is proportional to contact time and a meeting's length sets only how it is split. Each
    method is the compiled step a seller's week uses (`kernel.tell_own`, ...)."""

    def __init__(self, view: SellerView, member: int, attended: float) -> None:
        self._view = view
        self.member = member
        """Who is in the meeting (the org chart's id)."""
        self.attended = attended

    def tell(self, criterion: int) -> tuple[int, float]:
        """The seller's own claim about its product (biased if its strategy overclaims)."""
        view = self._view
        value = k.tell_own(*view.arrays, view.desk, self.member, criterion, self.attended)
        return criterion, value

    def share_review(self, option: int, criterion: int) -> None:
        """Hand over a third-party review (independent research) of any option."""
        view = self._view
        k.share_review(*view.arrays, view.desk, self.member, option, criterion, self.attended)

    def reference(self, criterion: int) -> None:
        """A reference customer or a pilot result (`kernel.reference`)."""
        view = self._view
        k.reference(*view.arrays, view.desk, self.member, criterion, self.attended)

    def customer_call(self, criterion: int) -> None:
        """A call with a satisfied customer from the peer network (`kernel.customer_call`)."""
        view = self._view
        c, world = view.arrays
        k.customer_call(c, world, view.net, self.member, view.vendor, view.desk.source, criterion,
                        self.attended, k.seller_gauss(view.desk))  # fmt: skip

    def relieve_overload(self, share: float) -> None:
        """Curating what the member has read clears part of its information load."""
        k.curate(self._view.arrays[0], self.member, share, self.attended)

    def forward(self, criterion: int, value: float) -> None:
        """The member carries the seller's claim to a colleague (`kernel.forward_claim`)."""
        view = self._view
        c, world = view.arrays
        k.forward_claim(c, world, view.events(), view.desk, self.member, criterion, value,
                        self.attended)  # fmt: skip
        view.write_log()


STAGE_FOCUS = ("business_value", "business_value", "functional_fit", "business_value", "cost",
               "cost")  # fmt: skip
"""The criterion each funnel stage's pitch is about (the first criterion if a scenario lacks
it), then business value (a consensus meeting's theme)."""


class DeskPlan(NamedTuple):
    """The part of a seller's desk no seed changes (`desk_plan`): its settings, the
    criterion of each pitch, its rivals and its meetings a week at most. A batch of deals works
    it out once per seller (`template.SellerSlot`)."""

    settings: np.ndarray
    themes: np.ndarray
    rivals: np.ndarray
    capacity_hours: float
    meetings: int


class OrgChart(NamedTuple):
    """The org chart as the desk's arrays hold it: each member's influence, its role's top
    criterion (`top_of`) and whether it is the champion; one per deal, read by every desk."""

    influence: np.ndarray
    role_top: np.ndarray
    champion: np.ndarray


def desk_plan(criteria: Sequence[str], rivals: Sequence[int], spec: SellerSpec) -> DeskPlan:
    """A seller's settings as the compiled decisions read them (`kernel.SpecColumn`)."""
    settings = np.zeros(k.N_SPEC_COLUMNS)
    for column, value in (
        (k.SpecColumn.MEETING_HOURS, spec.meeting_hours),
        (k.SpecColumn.PREPARATION_HOURS, spec.preparation_hours),
        (k.SpecColumn.STAGE_WEEKS, spec.stage_weeks),
        (k.SpecColumn.QUALIFY_OUT_WEEKS, spec.qualify_out_weeks),
        (k.SpecColumn.CLOSING_PRESSURE, spec.closing_pressure),
        (k.SpecColumn.REACTANCE, spec.reactance),
        (k.SpecColumn.SINGLE_THREADED, spec.single_threaded),
        (k.SpecColumn.DIAGNOSIS_ERROR, spec.diagnosis_error),
        (k.SpecColumn.CONSENSUS_WIDENING, spec.consensus_widening),
        (k.SpecColumn.OVERLOAD_RELIEF, spec.overload_relief),
        (k.SpecColumn.NETWORK_SHARE, spec.network_share),
        (k.SpecColumn.CONTENT_REACH, spec.content_reach),
    ):
        settings[column] = value
    themes = [criteria.index(c) if c in criteria else 0 for c in STAGE_FOCUS]
    themes.append(criteria.index("business_value") if "business_value" in criteria else 0)
    meetings = math.ceil(spec.capacity_hours / max(spec.meeting_hours, 1e-3))
    return DeskPlan(settings, np.array(themes, dtype=np.int64), np.array(rivals, dtype=np.int64),
                    spec.capacity_hours, meetings)  # fmt: skip


def org_chart_arrays(
    influence: Sequence[float], role_top: Sequence[int], roles: Sequence[str]
) -> OrgChart:
    """The org chart's arrays from each member's influence, role's top criterion and role."""
    return OrgChart(
        np.array(influence, dtype=float),
        np.array(role_top, dtype=np.int64),
        np.array([role == "champion" for role in roles], dtype=np.int8),
    )


def seller_desk(members: Sequence[MemberCard], criteria: Sequence[str], vendor: int,
                rivals: Sequence[int], source: int, mt: np.ndarray, gauss_next: float | None,
                spec: SellerSpec, strategy: int) -> Desk:  # fmt: skip
    """A seller's arrays, which all its compiled decisions read: the org chart `members`,
    its settings, its `rivals` (the other vendors' options), its trust key's index `source`
    and its draws (`mt` and `gauss_next`: the state of its `random.Random`)."""
    chart = org_chart_arrays([m.influence for m in members], [m.role_top for m in members],
                             [m.role for m in members])  # fmt: skip
    return planned_desk(desk_plan(criteria, rivals, spec), chart, vendor, source, mt,
                        gauss_next, len(criteria), strategy)  # fmt: skip


def planned_desk(plan: DeskPlan, chart: OrgChart, vendor: int, source: int, mt: np.ndarray,
                 gauss_next: float | None, n_criteria: int, strategy: int) -> Desk:  # fmt: skip
    """`seller_desk` from its seller's `plan` and the deal's `chart` (each array copied: a
    desk owns its arrays)."""
    n = chart.influence.shape[0]
    state = np.zeros(k.N_DESK_COLUMNS)
    state[k.DeskColumn.CAPACITY] = plan.capacity_hours
    lines = 4 * (plan.meetings + 2 * n) + 64  # twice a week's worth (`kernel.run_weeks`)
    return Desk(
        state=state,
        spec=plan.settings.copy(),
        observed=np.zeros((n, k.N_OBSERVED_COLUMNS)),
        reached=np.zeros(n, dtype=np.int8),
        influence=chart.influence.copy(),
        role_top=chart.role_top.copy(),
        champion=chart.champion.copy(),
        themes=plan.themes.copy(),
        rivals=plan.rivals.copy(),
        mt=mt,
        gauss_next=np.array([gauss_next is not None, gauss_next or 0.0]),
        lines=np.zeros((lines, k.N_LINE_COLUMNS), dtype=np.int64),
        line_values=np.zeros(lines),
        line_count=np.zeros(1, dtype=np.int64),
        vendor=vendor,
        source=source,
        n_criteria=n_criteria,
        strategy=strategy,
    )


class SellerView:
    """One seller's window on an account (see the module docstring)."""

    def __init__(
        self,
        model: BuyingCommitteeModel,
        vendor: int,
        rng: random.Random,
        spec: SellerSpec,
        strategy: int,
        name: str,
    ) -> None:
        self._model = model
        self.vendor = vendor
        self.name = name
        self.source = model.template.seller_source(vendor)
        """The trust key members keep for this seller."""
        self.criteria: tuple[str, ...] = tuple(model.settings.criteria)
        self.status_quo = model.status_quo_index
        self.rivals = model.template.rivals(vendor)
        self.members = model.org_chart
        self.desk = self._desk(rng, spec, strategy)

    def _desk(self, rng: random.Random, spec: SellerSpec, strategy: int) -> Desk:
        """The arrays the compiled decisions read: the org chart, settings, draws."""
        source = self._model.information.index[self.source]
        _, words, gauss_next = rng.getstate()
        mt = np.array(words, dtype=np.int64)
        return seller_desk(self.members, self.criteria, self.vendor, self.rivals, source, mt,
                           gauss_next, spec, strategy)  # fmt: skip

    @property
    def arrays(self) -> tuple:
        """The committee and the world, as the member-side mechanisms take them."""
        return self._model.committee, self._model.world

    @property
    def net(self):
        return self._model.net

    def events(self):
        """The event log's arrays, with room for a seller's week of compiled lines (the
        alignment of a consensus meeting)."""
        return self._model.events_room(len(self.members) + 1)

    @property
    def week(self) -> int:
        return self._model.week

    @property
    def observed(self) -> dict[int, MemberObservation]:
        """The latest observation of each member this seller has met."""
        observed = {}
        for i in np.flatnonzero(self.desk.observed[:, k.ObservedColumn.SEEN]).tolist():
            row = self.desk.observed[i].tolist()
            observed[i] = MemberObservation(
                int(row[k.ObservedColumn.SEEN_WEEK]),
                JOBS[int(row[k.ObservedColumn.SAID_JOB])],
                int(row[k.ObservedColumn.SAID_LEANING]),
                bool(row[k.ObservedColumn.SAID_PREFERS]),
                int(row[k.ObservedColumn.SAID_TOP]),
                int(row[k.ObservedColumn.SAID_CONCERN]),
            )
        return observed

    def meet(
        self, member: int, hours: float, job: BuyingJob, hours_left: float
    ) -> tuple[Meeting | None, float]:
        """Ask a member for a meeting of `hours` (at most `hours_left` of the seller's week;
        `kernel.ask_for_meeting`). Returns the meeting (None if the member gave no time) and
        the hours it took."""
        c, world = self.arrays
        granted = k.ask_for_meeting(c, world, self.desk, member, min(hours, hours_left),
                                    BuyingJob(job).code)  # fmt: skip
        if granted == 0.0:
            return None, 0.0
        return Meeting(self, member, granted), granted

    def group_meeting(
        self, members: list[int], hours: float, job: BuyingJob, hours_left: float
    ) -> tuple[list[Meeting], float]:
        """Invite members to one meeting of `hours` (at most `hours_left` of the seller's week;
        `kernel.ask_group`); each attends for the time it gives. Returns the attendees'
        meetings and the seller's hours (the meeting's length, paid only when at least two
        attend)."""
        asked = min(hours, hours_left)
        invited = np.asarray(members, dtype=np.int64)
        granted = np.zeros(len(members))
        c, world = self.arrays
        if k.ask_group(c, world, self.desk, invited, asked, BuyingJob(job).code, granted) == 0:
            return [], 0.0
        meetings = [
            Meeting(self, member, hours_given)
            for member, hours_given in zip(members, granted.tolist(), strict=True)
            if hours_given > 0.0
        ]
        return meetings, asked

    def observed_support(self) -> float:
        """Influence share of members last seen favouring this seller's product; members it
        has not met count as undecided (half)."""
        total = sum(card.influence for card in self.members)
        backing = 0.0
        observed = self.observed
        for card in self.members:
            seen = observed.get(card.id)
            backing += card.influence * (
                0.5 if seen is None else float(seen.leaning == self.vendor)
            )
        return backing / total

    def write_log(self) -> None:
        """Move the seller's log lines of the compiled steps into the deal's event log (its
        lines are the only ones written since the last move)."""
        self._model.write_lines()

    # ---- the peer network (social selling) -------------------------------------------

    @property
    def has_network(self) -> bool:
        return self._model.network is not None

    def spread_content(self, peers: int) -> int:
        """Put the vendor's content in front of `peers` more peers (`kernel.spread_content`);
        returns how many newly carry it."""
        return int(k.spread_content(self.net, self.desk.mt, self.vendor, peers))

    def satisfied_customers(self) -> int:
        return int(k.satisfied_customers(self.net, self.vendor))
