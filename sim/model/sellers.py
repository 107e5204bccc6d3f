"""Seller agents: one per vendor, each following one strategy within a weekly capacity.

This is where strategies plug in. A strategy is a `Seller` subclass registered in
`SELLER_CLASSES` under the name a scenario uses (`sellers.<vendor>.strategy`), which must be a
strategy of the registry (`sim.config.registry.STRATEGIES`; a test checks they agree). The
strategy `none` means no seller agent at all for that vendor.

A seller acts at the start of each week, before the stakeholders spend their own hours. It
sees the account only through its `SellerView` (sim/model/observation.py): the org chart and
what members told it in its meetings. It acts only through meetings and messages, which cost
its hours; every strategy has the same capacity, meeting length and price by default, so that
strategies differ in behaviour only (docs/ODD.md, "What a seller may touch").
"""

from __future__ import annotations

import random
from abc import abstractmethod
from typing import TYPE_CHECKING, ClassVar

import mesa

from sim.config.scenario import SellerSpec
from sim.model.observation import DEADLINE_MESSAGE_HOURS, Meeting, MemberCard, SellerView
from sim.model.stakeholder import JOBS, BuyingJob

if TYPE_CHECKING:
    from sim.model.model import BuyingCommitteeModel


class Seller(mesa.Agent):
    """The common part of every strategy: a vendor, a capacity, the hours it spends and its
    view of the account. Strategies use `self.view`, never the model."""

    strategy: str = ""
    overclaims: bool = False
    """Whether its claims carry the `seller` source's bias (else it is honest)."""
    SETTINGS: ClassVar[frozenset[str]] = frozenset(
        {"capacity_hours", "meeting_hours", "discount", "preparation_hours"}
    )
    """The `SellerSpec` fields this strategy reads (the rest are ignored by it)."""

    def __init__(
        self, model: BuyingCommitteeModel, vendor: int, spec: SellerSpec, rng: random.Random
    ) -> None:
        super().__init__(model)
        self.view = SellerView(model, vendor, rng)
        self.spec = spec
        self.vendor = vendor
        self.vendor_name = model.option_names[vendor]
        ours = vendor == model.our_index
        self.name = "our seller" if ours else f"the seller of {model.option_labels[vendor]}"
        self.capacity = spec.capacity_hours
        self.draws = rng
        self.hours_left = 0.0
        self.hours_spent = 0.0
        self.buyer_hours = 0.0
        """Hours committee members spent with this seller (meetings and their questions)."""
        self.reached: set[int] = set()

    def start_week(self) -> None:
        self.hours_left = self.capacity

    def spend(self, hours: float) -> None:
        self.hours_left -= hours
        self.hours_spent += hours

    @property
    def source(self) -> str:
        """The trust key stakeholders keep for this seller."""
        return self.view.source

    def meet(self, member: MemberCard, job: BuyingJob, action: str) -> Meeting | None:
        """Ask `member` for a meeting of the usual length; the meeting (None if it gave no
        time) costs both sides the hours the member gave."""
        meeting, hours = self.view.meet(member.id, self.spec.meeting_hours, job, self.hours_left)
        if meeting is not None:
            self.spend(hours)
            self.buyer_hours += hours
            self.reached.add(member.id)
            self.view.log(self.name, member.name, action, hours)
        return meeting

    @property
    def takes_inquiries(self) -> bool:
        """Whether it still answers members' questions about this deal (it has hours left and
        still works the deal)."""
        return self.hours_left > 0

    def answer_inquiry(self, member: int, hours: float) -> None:
        """Member `member` (its seat) asked this seller about its product while seeking: the
        answer costs the seller the hours; what it says is its voice, biased if it overclaims."""
        self.spend(hours)
        self.buyer_hours += hours
        self.reached.add(member)

    def can_prepare(self, pieces: int) -> bool:
        """Whether the week still holds the hours to prepare `pieces` pieces of work
        (`preparation_hours` each) and a meeting after them."""
        return self.hours_left - pieces * self.spec.preparation_hours > 1e-9

    def prepared_meeting(self, member: MemberCard, pieces: int, action: str) -> Meeting | None:
        """A validation meeting with `pieces` prepared for it (reference calls or pilot
        results arranged with customers): the preparation hours are held back from the
        meeting's budget and paid only if the member gives the meeting time."""
        cost = pieces * self.spec.preparation_hours
        self.hours_left -= cost
        meeting = self.meet(member, BuyingJob.VALIDATE, action)
        self.hours_left += cost
        if meeting is not None:
            self.spend(cost)
        return meeting

    def prepared_group_meeting(self, members: list[MemberCard], job: BuyingJob) -> list[Meeting]:
        """Invite `members` to one meeting with one piece of preparation (`preparation_hours`,
        held back from its budget and paid only if the meeting happens: at least two came).
        Returns the attendees' meetings."""
        cost = self.spec.preparation_hours
        meetings, hours = self.view.group_meeting(
            [m.id for m in members], self.spec.meeting_hours, job, self.hours_left - cost
        )
        if meetings:
            self.spend(cost)
            self.book_group(meetings, hours)
        return meetings

    def book_group(self, meetings: list[Meeting], hours: float) -> None:
        """A group meeting took `hours` of the seller's week and each attendee's hours."""
        self.spend(hours)
        self.buyer_hours += sum(m.attended for m in meetings)
        self.reached.update(m.member for m in meetings)

    def criterion_index(self, name: str, fallback: int = 0) -> int:
        criteria = self.view.criteria
        return criteria.index(name) if name in criteria else fallback

    def top_priority(self, member: MemberCard) -> int:
        """What the member said matters most, or what its role is known to care about."""
        seen = self.view.observed.get(member.id)
        return seen.top_priority if seen is not None else member.role_top

    def concern(self, member: MemberCard) -> int:
        """The criterion of our product the member said it most wants to know more about."""
        seen = self.view.observed.get(member.id)
        return seen.concern if seen is not None else self.top_priority(member)

    @abstractmethod
    def act(self) -> None:
        """This week's work for the deal, within `hours_left`."""


class FunnelPusher(Seller):
    """The classic funnel: a stage machine on a sales calendar, one main contact, vendor-
    positive messaging, deadline pressure near the end, and qualifying out a stuck deal.

    The stage advances when the calendar says so *and* the main contact responds well (it
    said, in the last pitch, that it values our offer above doing nothing), whatever job the
    committee is on. The main contact sets the pace (single-threaded in its decisions); the
    hours its main contact cannot take go, as a working funnel seller's do, to follow-ups
    with the rest of the committee on the stage's theme, so that its realised effort matches
    any other strategy's (`single_threaded: true` leaves them idle instead).
    """

    strategy = "funnel_pusher"
    overclaims = True
    SETTINGS = Seller.SETTINGS | {
        "stage_weeks",
        "qualify_out_weeks",
        "closing_pressure",
        "reactance",
        "single_threaded",
    }
    STAGES: ClassVar[tuple[str, ...]] = (
        "qualify",
        "discovery",
        "demo",
        "proposal",
        "negotiation",
        "close",
    )
    STAGE_FOCUS: ClassVar[dict[str, str]] = {
        "qualify": "business_value",
        "discovery": "business_value",
        "demo": "functional_fit",
        "proposal": "business_value",
        "negotiation": "cost",
        "close": "cost",
    }
    PRESSURE_STAGES: ClassVar[frozenset[str]] = frozenset({"negotiation", "close"})
    PRESENTATION_STAGES: ClassVar[frozenset[str]] = frozenset({"demo", "proposal"})
    """Stages whose pitch is a presentation the main contact convenes for the committee (the
    demo and the proposal are shown to the evaluating group in funnel selling)."""

    def __init__(
        self, model: BuyingCommitteeModel, vendor: int, spec: SellerSpec, rng: random.Random
    ) -> None:
        super().__init__(model, vendor, spec, rng)
        self.stage = 0
        self.weeks_in_stage = 0
        self.qualified_out = False
        self.contact = self.choose_main_contact()

    @property
    def stage_name(self) -> str:
        return self.STAGES[self.stage]

    def choose_main_contact(self) -> MemberCard:
        """From the org chart: the champion if there is one, else the most influential."""
        members = self.view.members
        champions = [m for m in members if m.role == "champion"]
        return champions[0] if champions else max(members, key=lambda m: m.influence)

    def responds_well(self) -> bool:
        seen = self.view.observed.get(self.contact.id)
        return seen is not None and seen.prefers_us_to_nothing

    def act(self) -> None:
        if self.qualified_out:
            return
        self.weeks_in_stage += 1
        if self.hours_left <= 0:  # no time for this account this week (a territory's turns)
            if self.weeks_in_stage >= self.spec.qualify_out_weeks:
                self.qualify_out()
            return
        self.pitch()
        if self.weeks_in_stage >= self.spec.stage_weeks:
            if self.responds_well() and self.stage < len(self.STAGES) - 1:
                self.advance()
            elif self.weeks_in_stage >= self.spec.qualify_out_weeks:
                self.qualify_out()
                return
        if self.stage_name in self.PRESSURE_STAGES:
            self.press_to_close()

    @property
    def takes_inquiries(self) -> bool:
        """A deal it qualified out is no longer worked: its questions go unanswered."""
        return not self.qualified_out and super().takes_inquiries

    def qualify_out(self) -> None:
        """The deal stalled too long in one stage: stop working it."""
        self.qualified_out = True
        self.view.log(self.name, self.contact.name, "qualified the deal out", self.weeks_in_stage)

    def pitch(self) -> None:
        """A meeting with the main contact: vendor-positive claims on the stage's theme; the
        contact carries one of them to a colleague (still the seller's claim). In the demo
        and proposal stages the pitch is a presentation to whoever of the committee comes."""
        focus = self.criterion_index(self.STAGE_FOCUS[self.stage_name])
        other = self.draws.randrange(len(self.view.criteria))
        if self.stage_name in self.PRESENTATION_STAGES and self.present(focus):
            while self.hours_left > 1e-9 and self.present(focus):
                pass  # as long as the committee gives the presentations time
            return
        # Meetings until the contact's attention for sellers is used up: contact time, not
        # a meeting count, is what a weekly cadence buys (the length only splits it).
        while self.hours_left > 1e-9:
            meeting = self.meet(self.contact, BuyingJob.SEEK, f"pitched ({self.stage_name})")
            if meeting is None:
                break
            criterion, value = meeting.tell(focus)
            meeting.tell(other)
            meeting.forward(criterion, value)
        if not self.spec.single_threaded:
            self.follow_up(focus)

    def follow_up(self, focus: int) -> None:
        """Spare hours: follow-up calls with the rest of the committee, most influential
        first, each on the stage's theme and one more point, while they give it time."""
        others = sorted(
            (m for m in self.view.members if m.id != self.contact.id),
            key=lambda m: (-m.influence, m.id),
        )
        for member in others:
            while self.hours_left > 1e-9:
                meeting = self.meet(member, BuyingJob.SEEK, f"followed up ({self.stage_name})")
                if meeting is None:
                    break
                meeting.tell(focus)
                meeting.tell(self.draws.randrange(len(self.view.criteria)))
            if self.hours_left <= 1e-9:
                return

    def present(self, focus: int) -> bool:
        """A presentation of the stage's theme (a demo or a proposal, one piece of
        preparation) to the committee the contact convenes; False if fewer than two came or
        the week no longer holds the preparation."""
        if not self.can_prepare(1):
            return False
        meetings = self.prepared_group_meeting(list(self.view.members), BuyingJob.SEEK)
        if not meetings:
            return False
        for meeting in meetings:
            meeting.tell(focus)
        self.view.log(self.name, "the committee", f"presented ({self.stage_name})", len(meetings))
        return True

    def advance(self) -> None:
        self.stage += 1
        self.weeks_in_stage = 0
        self.view.log(
            self.name, self.contact.name, f"moved the deal to {self.stage_name}", self.stage
        )

    def press_to_close(self) -> None:
        """A deadline message to the whole committee (an hour of the seller's week); each
        member reacts through its own state (`Stakeholder.feel_pressure`)."""
        if self.hours_left < DEADLINE_MESSAGE_HOURS:
            return
        self.spend(DEADLINE_MESSAGE_HOURS)
        self.view.send_deadline(self.spec.closing_pressure, self.spec.reactance)
        self.view.log(self.name, "committee", "pressed for a close", self.spec.closing_pressure)


class MazeGuide(Seller):
    """A guide through the maze: each week it diagnoses (imperfectly, from what members told
    it) which job each member is on and helps with that job, spreading its hours over the
    committee - influential members and those it has not seen for a while first:
    sense-making for seekers, proof for validators, consensus help for aligners, a pilot for
    those who lean to doing nothing. Everything it says is honest, which hurts where the
    product really is weak."""

    strategy = "maze_guide"
    overclaims = False
    SETTINGS = Seller.SETTINGS | {
        "diagnosis_error",
        "consensus_widening",
        "overload_relief",
    }
    GROUP_SIZE = 4

    def diagnose(self, member: MemberCard) -> BuyingJob:
        """The job the member said it was on when last met (seek if never met), misjudged
        with probability `diagnosis_error`."""
        if self.draws.random() < self.spec.diagnosis_error:
            return JOBS[self.draws.randrange(len(JOBS))]
        seen = self.view.observed.get(member.id)
        return seen.job if seen is not None else BuyingJob.SEEK

    def act(self) -> None:
        diagnosed = [(m, self.diagnose(m)) for m in self.view.members]
        aligners = [m for m, job in diagnosed if job is BuyingJob.ALIGN]
        if len(aligners) >= 2:
            self.consensus_meeting(aligners)
        ranked = sorted(
            (
                (-self.priority(m), m.id, m, job)
                for m, job in diagnosed
                if job is not BuyingJob.ALIGN
            ),
            key=lambda item: item[:2],
        )
        # Rounds over the committee while its hours last and someone still gives it time, so
        # that what a week buys is contact time, whatever the length of one session.
        met = True
        while met and self.hours_left > 1e-9:
            met = False
            for _, _, member, job in ranked:
                if self.hours_left <= 1e-9:
                    break
                met |= self.help(member, job)

    def help(self, member: MemberCard, job: BuyingJob) -> bool:
        """One session of the help the member's job calls for; False if it gave no time."""
        seen = self.view.observed.get(member.id)
        if seen is not None and seen.leaning == self.view.status_quo:
            return self.pilot(member)
        if job is BuyingJob.SEEK:
            return self.sense_making(member)
        return self.proof(member)

    def priority(self, member: MemberCard) -> float:
        """Influence times the weeks since the guide last met the member (multithreading:
        nobody is left out for long)."""
        seen = self.view.observed.get(member.id)
        weeks_apart = self.view.week - (seen.week if seen is not None else 0)
        return member.influence * weeks_apart

    def sense_making(self, member: MemberCard) -> bool:
        """Curated, honest information on what matters to the member: our product on its
        concern and its top priority, a third-party review of the rival it leans to (or any
        rival) on that priority; curating clears part of its information load."""
        meeting = self.meet(member, BuyingJob.SEEK, "helped make sense")
        if meeting is None:
            return False
        top = self.top_priority(member)
        meeting.tell(self.concern(member))
        meeting.tell(top)
        rivals = self.view.rivals
        if rivals:
            seen = self.view.observed[member.id]
            rival = seen.leaning if seen.leaning in rivals else rivals[0]
            meeting.share_review(rival, top)
        meeting.relieve_overload(self.spec.overload_relief)
        return True

    def proof(self, member: MemberCard) -> bool:
        """A reference customer on the criterion the member said it is least sure of (sense-
        making instead when the week no longer holds the hours to arrange one)."""
        if not self.can_prepare(1):
            return self.sense_making(member)
        meeting = self.prepared_meeting(member, 1, "arranged a reference")
        if meeting is not None:
            meeting.reference(self.concern(member))
        return meeting is not None

    def pilot(self, member: MemberCard) -> bool:
        """For a member who leans to doing nothing: a pilot on what worries it, two results
        (each arranged like a reference; sense-making instead when there is no time)."""
        if not self.can_prepare(2):
            return self.sense_making(member)
        meeting = self.prepared_meeting(member, 2, "ran a pilot")
        if meeting is not None:
            criterion = self.concern(member)
            meeting.reference(criterion)
            meeting.reference(criterion)
        return meeting is not None

    def consensus_meeting(self, aligners: list[MemberCard]) -> None:
        """A group meeting around a shared business case (one piece of preparation) for the
        most influential aligners."""
        group = sorted(aligners, key=lambda m: (-m.influence, m.id))[: self.GROUP_SIZE]
        if not self.can_prepare(1):
            return
        meetings = self.prepared_group_meeting(group, BuyingJob.ALIGN)
        if not meetings:
            return
        value = self.criterion_index("business_value")
        for meeting in meetings:
            meeting.tell(value)
        self.view.log(self.name, "the committee", "ran a consensus meeting", len(meetings))
        self.view.align_around_table(meetings, self.spec.consensus_widening)


class SocialSeller(MazeGuide):
    """Flip the funnel: a seller who builds reach and content in the buyers' peer network
    before and during the deal, so its information arrives through channels buyers trust
    (peers), and who connects validating buyers with satisfied customers; with the rest of its
    week it guides like a maze-guide. Its content is honest, warmed a little by whoever passes
    it on."""

    strategy = "social_seller"
    SETTINGS = MazeGuide.SETTINGS | {"network_share", "prior_weeks", "content_reach"}
    REFERENCE_CALLS = 2

    def __init__(
        self, model: BuyingCommitteeModel, vendor: int, spec: SellerSpec, rng: random.Random
    ) -> None:
        super().__init__(model, vendor, spec, rng)
        if not self.view.has_network:
            raise ValueError("social_seller needs a peer network (scenario `network:`)")
        earlier = spec.prior_weeks * spec.capacity_hours * spec.network_share * spec.content_reach
        self.view.spread_content(round(earlier))
        self.reach_backlog = 0.0
        """Fractions of a peer reached by past hours, carried to the next week."""

    def act(self) -> None:
        network_hours = min(self.hours_left, self.capacity * self.spec.network_share)
        if network_hours > 0:
            self.spend(network_hours)
            self.reach_backlog += network_hours * self.spec.content_reach
            whole = int(self.reach_backlog)
            self.reach_backlog -= whole
            added, carriers = self.view.spread_content(whole)
            self.view.log(self.name, "network", f"built reach (+{added}, {carriers} peers)", added)
        self.connect_references()
        super().act()

    def connect_references(self) -> None:
        """Introduce the members it saw validating to satisfied customers."""
        if not self.view.satisfied_customers():
            return
        validators = [
            m
            for m in self.view.members
            if (seen := self.view.observed.get(m.id)) is not None and seen.job is BuyingJob.VALIDATE
        ]
        validators.sort(key=lambda m: (-m.influence, m.id))
        for member in validators[: self.REFERENCE_CALLS]:
            if not self.can_prepare(1):
                break
            meeting = self.prepared_meeting(member, 1, "connected a reference customer")
            if meeting is not None:
                meeting.customer_call(self.concern(member))


SELLER_CLASSES: dict[str, type[Seller] | None] = {
    "none": None,
    FunnelPusher.strategy: FunnelPusher,
    MazeGuide.strategy: MazeGuide,
    SocialSeller.strategy: SocialSeller,
}
"""Strategy name -> agent class (None: no seller agent)."""
