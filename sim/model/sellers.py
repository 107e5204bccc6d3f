"""Seller agents: one per vendor, each following one strategy within a weekly capacity.

This is where strategies plug in. A strategy is a `Seller` subclass registered in
`SELLER_CLASSES` under the name a scenario uses (`sellers.<vendor>.strategy`); the name
must also be listed in `sim.config.scenario.SELLER_STRATEGIES` so files validate. The
strategy `none` means no seller agent at all for that vendor.

A seller acts at the start of each week, before the stakeholders spend their own hours:
meetings are booked into their calendars, so they come out of that week's budget. Every
action costs the seller hours and goes into the event log; no strategy touches the
decision rule: its effects flow only through claims, trust, overload, urgency, risk and
alignment.
"""

from __future__ import annotations

import random
from abc import abstractmethod
from typing import TYPE_CHECKING, ClassVar

import mesa

from sim.config.scenario import SellerSpec
from sim.model.information import Claim, claim_value
from sim.model.network import EXPERIENCE_NOISE, SATISFIED_SPIN
from sim.model.stakeholder import JOBS, TRUST_FLOOR, BuyingJob

if TYPE_CHECKING:
    from sim.model.model import BuyingCommitteeModel
    from sim.model.stakeholder import Stakeholder


MAX_RISK_AVERSION = 5.0
"""The schema's ceiling on risk aversion, which closing pressure cannot push past."""


class Seller(mesa.Agent):
    """The common part of every strategy: a vendor, a capacity and the hours it spends."""

    model: BuyingCommitteeModel
    strategy: str = ""
    overclaims: bool = False
    """Whether its claims carry the `seller` source's bias (else it is honest)."""

    def __init__(
        self, model: BuyingCommitteeModel, vendor: int, spec: SellerSpec, rng: random.Random
    ) -> None:
        super().__init__(model)
        self.vendor = vendor
        self.vendor_name = model.option_names[vendor]
        ours = vendor == model.our_index
        self.name = "our seller" if ours else f"the seller of {model.option_labels[vendor]}"
        self.capacity = spec.capacity_hours
        self.draws = rng
        self.hours_left = 0.0
        self.hours_spent = 0.0
        self.reached: set[int] = set()

    def start_week(self) -> None:
        self.hours_left = self.capacity

    def spend(self, hours: float) -> bool:
        """Use `hours` of this week's capacity if they are left."""
        if hours > self.hours_left + 1e-9:
            return False
        self.hours_left -= hours
        self.hours_spent += hours
        return True

    @property
    def source(self) -> str:
        """The trust key stakeholders keep for this seller."""
        return f"seller:{self.vendor_name}"

    def meet(self, stakeholder: Stakeholder, hours: float, job: BuyingJob, action: str) -> bool:
        """Book a meeting: it costs the seller `hours` and the stakeholder the same hours of
        its week, counted under `job` and as time with sellers. False (and no cost) if the
        stakeholder declines or either side lacks the time."""
        if not stakeholder.accepts_meeting(self.source, hours) or hours > self.hours_left + 1e-9:
            return False
        self.spend(hours)
        stakeholder.book_seller_time(hours, job)
        self.reached.add(stakeholder.unique_id)
        self.model.log(self.name, "seller", stakeholder.name, action, hours)
        return True

    def tell(
        self,
        stakeholder: Stakeholder,
        option: int,
        criterion: int,
        source: str,
        validated: bool = False,
    ) -> Claim:
        """Give a stakeholder a claim from `source` (this seller, or a reference it arranged)."""
        value = self.model.information.state(source, option, criterion, self.draws.gauss(0.0, 1.0))
        return stakeholder.hear(option, criterion, value, source, validated=validated)

    def criterion_index(self, name: str, fallback: int = 0) -> int:
        criteria = self.model.settings.criteria
        return criteria.index(name) if name in criteria else fallback

    @abstractmethod
    def act(self) -> None:
        """This week's work for the deal, within `hours_left`."""


class FunnelPusher(Seller):
    """The classic funnel: a stage machine on a sales calendar, one main contact, vendor-
    positive messaging, closing pressure near the end, and qualifying out a stuck deal.

    The stage advances when the calendar says so *and* the main contact responds well (it
    values our offer above doing nothing), whatever job the committee is on.
    """

    strategy = "funnel_pusher"
    overclaims = True
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

    def __init__(
        self, model: BuyingCommitteeModel, vendor: int, spec: SellerSpec, rng: random.Random
    ) -> None:
        super().__init__(model, vendor, spec, rng)
        self.spec = spec
        self.stage = 0
        self.weeks_in_stage = 0
        self.qualified_out = False
        self.contact = self.choose_main_contact()

    @property
    def stage_name(self) -> str:
        return self.STAGES[self.stage]

    def choose_main_contact(self) -> Stakeholder:
        """The champion if there is one, else the most influential member."""
        members = self.model.stakeholders
        champions = [s for s in members if s.profile.role == "champion"]
        return champions[0] if champions else max(members, key=lambda s: s.influence)

    def responds_well(self) -> bool:
        contact = self.contact
        return contact.utilities[self.vendor] >= contact.utilities[self.model.status_quo_index]

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

    def qualify_out(self) -> None:
        """The deal stalled too long in one stage: stop working it."""
        self.qualified_out = True
        self.model.log(
            self.name, "seller", self.contact.name, "qualified the deal out", self.weeks_in_stage
        )

    def pitch(self) -> None:
        """A meeting with the main contact: vendor-positive claims on the stage's theme; the
        contact carries one of them inside to a colleague."""
        contact = self.contact
        if not self.meet(
            contact, self.spec.meeting_hours, BuyingJob.SEEK, f"pitched ({self.stage_name})"
        ):
            return
        focus = self.criterion_index(self.STAGE_FOCUS[self.stage_name])
        other = self.draws.randrange(len(self.model.settings.criteria))
        claim = self.tell(contact, self.vendor, focus, self.source)
        self.tell(contact, self.vendor, other, self.source)
        colleagues = [s for s in self.model.stakeholders if s is not contact]
        if colleagues:
            listener = colleagues[self.draws.randrange(len(colleagues))]
            listener.hear(claim.option, claim.criterion, claim.value, "colleagues")
            self.model.log(
                contact.name,
                "forward",
                listener.name,
                self.model.cell_name(claim.option, claim.criterion),
                claim.value,
            )

    def advance(self) -> None:
        self.stage += 1
        self.weeks_in_stage = 0
        self.model.log(
            self.name,
            "seller",
            self.contact.name,
            f"moved the deal to {self.stage_name}",
            self.stage,
        )
        if self.stage_name == "proposal":
            cost = self.criterion_index("cost", fallback=-1)
            if cost >= 0:
                self.model.improve_offer(self.vendor, cost, self.spec.discount)
                self.model.log(
                    self.name, "seller", "committee", "offered a discount", self.spec.discount
                )

    def press_to_close(self) -> None:
        """A deadline (one hour of the seller's week): urgency rises for everyone, and
        risk-averse members push back in proportion to how risk-averse they started: they
        trust the seller less and grow more wary of buying at all (indecision), up to the
        schema's ceiling of risk aversion."""
        if self.hours_left < 1.0:
            return
        self.spend(1.0)
        model = self.model
        model.urgency = min(1.0, model.urgency + self.spec.closing_pressure)
        for member in model.stakeholders:
            excess = member.profile.risk_aversion - 1.0
            if excess > 0:
                push_back = self.spec.reactance * excess
                member.trust[self.source] = max(TRUST_FLOOR, member.trust[self.source] - push_back)
                member.risk_aversion = min(MAX_RISK_AVERSION, member.risk_aversion + push_back)
        model.log(self.name, "seller", "committee", "pressed for a close", model.urgency)


class MazeGuide(Seller):
    """A guide through the maze: each week it diagnoses (imperfectly) which job each
    stakeholder is on and spends its hours where help matters most: sense-making for
    seekers, proof for validators, consensus help for aligners, de-risking for the wary.
    Everything it says is honest, which hurts where the product really is weak."""

    strategy = "maze_guide"
    overclaims = False
    RISK_AVERSE = 1.2
    GROUP_SIZE = 4

    def __init__(
        self, model: BuyingCommitteeModel, vendor: int, spec: SellerSpec, rng: random.Random
    ) -> None:
        super().__init__(model, vendor, spec, rng)
        self.spec = spec

    def diagnose(self, stakeholder: Stakeholder) -> BuyingJob:
        """The job the stakeholder was mostly on last week, misjudged with some probability."""
        if self.draws.random() < self.spec.diagnosis_error:
            return JOBS[self.draws.randrange(len(JOBS))]
        last = stakeholder.jobs_by_week[-1] if stakeholder.jobs_by_week else "seek"
        return BuyingJob(last) if last != "idle" else BuyingJob.SEEK

    def act(self) -> None:
        diagnosed = [(s, self.diagnose(s)) for s in self.model.stakeholders]
        aligners = [s for s, job in diagnosed if job is BuyingJob.ALIGN]
        if len(aligners) >= 2:
            self.consensus_meeting(aligners)
        ranked = sorted(
            (
                (self.help_value(s, job), i, s, job)
                for i, (s, job) in enumerate(diagnosed)
                if job is not BuyingJob.ALIGN
            ),
            reverse=True,
        )
        for _, _, member, job in ranked:
            if self.hours_left < self.spec.session_hours:
                break
            if member.risk_aversion > self.RISK_AVERSE:
                self.de_risk(member)
            elif job is BuyingJob.SEEK:
                self.sense_making(member)
            else:
                self.proof(member)

    def help_value(self, stakeholder: Stakeholder, job: BuyingJob) -> float:
        """Influence times the need the guide believes it can meet."""
        seek, validate, _ = stakeholder.needs()
        need = seek if job is BuyingJob.SEEK else validate
        return stakeholder.influence * (need + max(0.0, stakeholder.risk_aversion - 1.0))

    def most_uncertain_criterion(self, stakeholder: Stakeholder) -> int:
        sd = stakeholder.beliefs.sd[self.vendor]
        weights = stakeholder.priorities
        return max(range(len(weights)), key=lambda c: weights[c] * sd[c])

    def sense_making(self, stakeholder: Stakeholder) -> None:
        """Curated, honest information on what matters to it, compared with the strongest
        alternative, which also clears part of its information load."""
        if not self.meet(stakeholder, self.spec.session_hours, BuyingJob.SEEK, "helped make sense"):
            return
        criterion = self.most_uncertain_criterion(stakeholder)
        top = stakeholder.priorities.index(max(stakeholder.priorities))
        self.tell(stakeholder, self.vendor, criterion, self.source)
        self.tell(stakeholder, self.vendor, top, self.source)
        rivals = [o for o in self.model.vendor_indices if o != self.vendor]
        if rivals:
            rival = max(rivals, key=lambda o: stakeholder.utilities[o])
            self.tell(stakeholder, rival, top, self.source)
        stakeholder.load *= 1.0 - self.spec.overload_relief

    def proof(self, stakeholder: Stakeholder) -> None:
        """A reference customer on the criterion it is least sure of: true experience."""
        if not self.meet(
            stakeholder, self.spec.session_hours, BuyingJob.VALIDATE, "arranged a reference"
        ):
            return
        self.tell(
            stakeholder,
            self.vendor,
            self.most_uncertain_criterion(stakeholder),
            "references",
            validated=True,
        )

    def de_risk(self, stakeholder: Stakeholder) -> None:
        """A pilot on the criterion that worries it most: two true, checked results."""
        if not self.meet(stakeholder, self.spec.session_hours, BuyingJob.VALIDATE, "ran a pilot"):
            return
        criterion = self.most_uncertain_criterion(stakeholder)
        for _ in range(2):
            self.tell(stakeholder, self.vendor, criterion, "references", validated=True)

    def consensus_meeting(self, aligners: list[Stakeholder]) -> None:
        """A group meeting around a shared business case: it widens how far apart the
        participants' priorities may be and still move together, then each aligns with the
        next around the table."""
        hours = self.spec.session_hours
        group = sorted(aligners, key=lambda s: s.influence, reverse=True)[: self.GROUP_SIZE]
        group = [s for s in group if s.accepts_meeting(self.source, hours)]
        if len(group) < 2 or not self.spend(hours):
            return
        value = self.criterion_index("business_value")
        for member in group:
            member.book_seller_time(hours, BuyingJob.ALIGN)
            member.consensus_help = self.spec.consensus_widening
            self.reached.add(member.unique_id)
            self.tell(member, self.vendor, value, self.source)
        self.model.log(
            self.name,
            "seller",
            ", ".join(s.name for s in group),
            "ran a consensus meeting",
            len(group),
        )
        for member, neighbour in zip(group, group[1:] + group[:1], strict=True):
            member.align_with(neighbour)


class SocialSeller(MazeGuide):
    """Flip the funnel: a seller who builds reach and content in the buyers' peer network
    before and during the deal, so its information arrives through channels buyers trust
    (peers), and who connects buyers with satisfied customers; with the rest of its week it
    guides like a maze-guide. Its content is honest, warmed a little by whoever passes it on.
    """

    strategy = "social_seller"
    REFERENCE_CALLS = 2

    def __init__(
        self, model: BuyingCommitteeModel, vendor: int, spec: SellerSpec, rng: random.Random
    ) -> None:
        super().__init__(model, vendor, spec, rng)
        network = model.network
        if network is None:
            raise ValueError("social_seller needs a peer network (scenario `network:`)")
        self.network = network
        earlier = spec.prior_weeks * spec.capacity_hours * spec.network_share * spec.content_reach
        network.spread_content(vendor, round(earlier), rng)
        self.reach_backlog = 0.0
        """Fractions of a peer reached by past hours, carried to the next week."""

    def act(self) -> None:
        network_hours = min(self.hours_left, self.capacity * self.spec.network_share)
        if network_hours > 0 and self.spend(network_hours):
            self.reach_backlog += network_hours * self.spec.content_reach
            whole = int(self.reach_backlog)
            self.reach_backlog -= whole
            added = self.network.spread_content(self.vendor, whole, self.draws)
            carriers = len(self.network.carriers[self.vendor])
            self.model.log(
                self.name, "seller", "network", f"built reach (+{added}, {carriers} peers)", added
            )
        self.connect_references()
        super().act()

    def connect_references(self) -> None:
        """Introduce the members who are validating to satisfied customers: true experience
        through the peer channel, already checked."""
        customers = self.network.satisfied_customers(self.vendor)
        if not customers:
            return
        validators = [s for s in self.model.stakeholders if s.jobs_by_week[-1:] == ["validate"]]
        validators.sort(key=lambda s: s.influence, reverse=True)
        truth = self.model.truth[self.vendor]
        for member in validators[: self.REFERENCE_CALLS]:
            hours = self.spec.session_hours
            if self.hours_left < hours or not self.meet(
                member, hours, BuyingJob.VALIDATE, "connected a reference customer"
            ):
                continue
            criterion = self.most_uncertain_criterion(member)
            value = claim_value(
                truth[criterion], 0.0, SATISFIED_SPIN + EXPERIENCE_NOISE * self.draws.gauss(0, 1)
            )
            member.hear(self.vendor, criterion, value, "peers", validated=True)
            self.network.record("experience")


SELLER_CLASSES: dict[str, type[Seller] | None] = {
    "none": None,
    FunnelPusher.strategy: FunnelPusher,
    MazeGuide.strategy: MazeGuide,
    SocialSeller.strategy: SocialSeller,
}
"""Strategy name -> agent class (None: no seller agent)."""
