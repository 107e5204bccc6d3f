"""What a seller can see of an account, and the only ways it can act on the committee.

A seller never holds the model or a stakeholder. It gets a `SellerView`: the org chart
(names, roles, influence, vetoes and what each role is known to care about), what members told
it in its own meetings (`MemberObservation`), and meetings and messages through which it can
tell members things, ask for their time and press them. Everything a seller does to a member
therefore happens in a meeting or a message, costs the seller's hours (and the member's, for a
meeting), and changes the member only through what the member hears and how it reacts (trust,
reactance, overload); account-level state (urgency, the true offers, the decision rule) and
members' beliefs are out of its reach (docs/ODD.md, "What a seller may touch").
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model import kernel as k
from sim.model.stakeholder import JOBS, BuyingJob

if TYPE_CHECKING:
    from sim.model.model import BuyingCommitteeModel
    from sim.model.stakeholder import Stakeholder

DEADLINE_MESSAGE_HOURS = 1.0
"""Seller hours one round of deadline messages to the committee costs."""


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
        weights = self.role_priorities
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


def observe(
    member: Stakeholder, vendor: int, week: int, source: int, draw: float, role_top: int
) -> MemberObservation:
    """A member's answers in a meeting (`kernel.observe`): about itself, nothing more; what
    worries it only if it opens up to the seller (trust key `source`, the seller's uniform
    `draw`), else its role's usual answer `role_top`."""
    model = member.model
    said = k.observe(model.committee, model.world.params, member.seat, vendor, source, draw,
                     role_top)  # fmt: skip
    return heard(week, said)


def heard(week: int, said: tuple[int, int, bool, int, int]) -> MemberObservation:
    """An observation from a member's answers as `kernel.observe` gives them: (job, leaning,
    prefers the vendor to nothing, top priority, concern)."""
    job, leaning, prefers, top, concern = said
    return MemberObservation(week, JOBS[job], leaning, prefers, top, concern)


def org_chart(model: BuyingCommitteeModel) -> tuple[MemberCard, ...]:
    """Every member as the org chart shows them to any seller (the same for all sellers)."""
    library = model.settings.role_library()
    criteria = model.settings.criteria
    role_priorities = {
        role: tuple(library[role].priorities.get(c, 0.0) for c in criteria)
        for role in {profile.role for profile in model.profiles}
    }
    return tuple(
        MemberCard(seat, p.name, p.role, p.influence, p.veto, role_priorities[p.role])
        for seat, p in enumerate(model.profiles)
    )


class Meeting:
    """A meeting a member granted. What the seller tells in it counts for the hours the
    member gave (`attended`, in hours: an hour conveys a claim at full weight), so content
    is proportional to contact time and a meeting's length sets only how it is split."""

    def __init__(self, view: SellerView, member: Stakeholder, attended: float) -> None:
        self._view = view
        self._member = member
        self.member = member.seat
        """Who is in the meeting (the org chart's id)."""
        self.attended = attended

    def tell(self, criterion: int) -> tuple[int, float]:
        """The seller's own claim about its product (biased if its strategy overclaims)."""
        view = self._view
        return view._deliver(self._member, view.vendor, criterion, view.source, self.attended)

    def share_review(self, option: int, criterion: int) -> None:
        """Hand over a third-party review (independent research) of any option."""
        self._view._deliver(self._member, option, criterion, "independent_research", self.attended)

    def reference(self, criterion: int) -> None:
        """A reference customer or a pilot result: experience from the `references` source,
        delivered by the seller; like any claim it joins what the member may check."""
        self._view._deliver(self._member, self._view.vendor, criterion, "references", self.attended)

    def customer_call(self, criterion: int) -> None:
        """A call with a satisfied customer from the peer network: experience through the
        peer channel, which the member may check like any claim."""
        self._view._customer_call(self._member, criterion, self.attended)

    def relieve_overload(self, share: float) -> None:
        """Curating what the member has read clears part of its information load."""
        self._member.load *= 1.0 - min(1.0, share * self.attended)

    def forward(self, criterion: int, value: float) -> None:
        """The member carries the seller's claim to a colleague it picks; the claim keeps its
        origin (the seller), so it is weighed and blamed as the seller's, and it carries as
        many hours of the pitch as the member attended."""
        view = self._view
        colleagues = [s for s in view._model.stakeholders if s is not self._member]
        if not colleagues:
            return
        listener = colleagues[view._draws.randrange(len(colleagues))]
        model = view._model
        source = view._source_index
        k.hear(model.committee, model.world.params, listener.seat, view.vendor, criterion, value,
               source, model.information.noise_by_source[source], k.COLLEAGUES, False,
               self.attended)  # fmt: skip
        view._model.log(
            self._member.name,
            "forward",
            listener.name,
            view._model.cell_name(view.vendor, criterion),
            value,
        )


class SellerView:
    """One seller's window on an account (see the module docstring)."""

    def __init__(self, model: BuyingCommitteeModel, vendor: int, rng: random.Random) -> None:
        self._model = model
        self._draws = rng
        self.vendor = vendor
        self.source = f"seller:{model.option_names[vendor]}"
        """The trust key members keep for this seller."""
        self._source_index = model.information.index[self.source]
        self.criteria: tuple[str, ...] = tuple(model.settings.criteria)
        self.status_quo = model.status_quo_index
        self.rivals = tuple(o for o in model.vendor_indices if o != vendor)
        self.members = model.org_chart
        self.observed: dict[int, MemberObservation] = {}
        """The latest observation of each member this seller has met."""

    @property
    def week(self) -> int:
        return self._model.week

    def meet(
        self, member: int, hours: float, job: BuyingJob, hours_left: float
    ) -> tuple[Meeting | None, float]:
        """Ask a member for a meeting of `hours` (at most `hours_left` of the seller's week).
        Returns the meeting (None if the member gave no time) and the hours it took."""
        model = self._model
        draw = self._draws.random()
        granted, job_said, leaning, prefers, top, concern = k.meeting_with(
            model.committee, model.world.params, member, self._source_index,
            min(hours, hours_left), BuyingJob(job).code, self.vendor, draw,
            self.members[member].role_top,
        )  # fmt: skip
        if granted == 0.0:
            return None, 0.0
        stakeholder = model.stakeholders[member]
        self.observed[member] = heard(self.week, (job_said, leaning, prefers, top, concern))
        return Meeting(self, stakeholder, granted), granted

    def group_meeting(
        self, members: list[int], hours: float, job: BuyingJob, hours_left: float
    ) -> tuple[list[Meeting], float]:
        """Invite members to one meeting of `hours` (at most `hours_left` of the seller's week);
        each attends for the time it gives. Returns the attendees' meetings and the seller's
        hours (the meeting's length, paid only when at least two attend)."""
        asked = min(hours, hours_left)
        if asked <= 0:
            return [], 0.0
        model = self._model
        invited = np.asarray(members, dtype=np.int64)
        granted = np.zeros(len(members))
        committee = model.committee
        attending = k.take_group_meeting(committee.member, committee.trust, invited,
                                         self._source_index, asked, BuyingJob(job).code,
                                         granted)  # fmt: skip
        if attending < 2:
            return [], 0.0
        meetings = []
        for member, hours_given in zip(members, granted.tolist(), strict=True):
            if hours_given > 0.0:
                stakeholder = model.stakeholders[member]
                self.observed[member] = observe(
                    stakeholder, self.vendor, self.week, self._source_index,
                    self._draws.random(), self.members[member].role_top,
                )  # fmt: skip
                meetings.append(Meeting(self, stakeholder, hours_given))
        return meetings, asked

    def align_around_table(self, meetings: list[Meeting], widening: float) -> None:
        """Each attendee aligns with the next around the table, for the hours both were there
        (alignment costs time: the meeting's hours, never a free extra); a shared business
        case may widen how far apart their priorities may be and still move together (per
        hour each attended; `consensus_widening`, 0 by default)."""
        for m in meetings:
            m._member.consensus_help = widening * m.attended
        neighbours = meetings[1:] + meetings[:1]
        for meeting, neighbour in zip(meetings, neighbours, strict=True):
            meeting._member.align_with(neighbour._member, min(meeting.attended, neighbour.attended))

    def send_deadline(self, pressure: float, reactance: float) -> None:
        """A deadline message to every member (no meeting): each reacts through its own
        state (`Stakeholder.feel_pressure`)."""
        model = self._model
        source = model.information.index[self.source]
        k.press_committee(model.committee, source, self.vendor, pressure, reactance)

    def observed_support(self) -> float:
        """Influence share of members last seen favouring this seller's product; members it
        has not met count as undecided (half)."""
        total = sum(card.influence for card in self.members)
        backing = 0.0
        for card in self.members:
            seen = self.observed.get(card.id)
            backing += card.influence * (
                0.5 if seen is None else float(seen.leaning == self.vendor)
            )
        return backing / total

    def log(self, actor: str, target: str, effect: str, value: float = 0.0) -> None:
        self._model.log(actor, "seller", target, effect, value)

    # ---- the peer network (social selling) -------------------------------------------

    @property
    def has_network(self) -> bool:
        return self._model.network is not None

    def spread_content(self, peers: int) -> tuple[int, int]:
        """Put the vendor's content in front of more peers; (newly reached, all carriers)."""
        network = self._model.network
        added = network.spread_content(self.vendor, peers, self._draws)
        return added, len(network.carriers[self.vendor])

    def satisfied_customers(self) -> int:
        return len(self._model.network.satisfied_customers(self.vendor))

    # ---- delivery (the world draws what a source says) -------------------------------

    def _deliver(
        self,
        member: Stakeholder,
        option: int,
        criterion: int,
        origin: str,
        attended: float,
        validated: bool = False,
    ) -> tuple[int, float]:
        model = self._model
        value = k.tell(model.committee, model.world, member.seat, option, criterion,
                       model.information.index[origin], self._source_index,
                       self._draws.gauss(0.0, 1.0), validated, attended)  # fmt: skip
        return criterion, value

    def _customer_call(self, member: Stakeholder, criterion: int, attended: float) -> None:
        model = self._model
        network = model.network
        value = network.customer_experience(model.truth[self.vendor][criterion], self._draws)
        index = model.information.index
        k.hear(model.committee, model.world.params, member.seat, self.vendor, criterion, value,
               index["peers"], network.experience_noise, index[self.source], False,
               attended)  # fmt: skip
        network.record("experience")
