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

Each strategy's weekly decisions are compiled functions over its view's arrays
(sim/model/kernel.py, section 7.15: `funnel_pusher_week`, `maze_guide_week`,
`social_seller_week` and the steps they are made of); the classes here are their readable
faces: they hold the view, name the settings a strategy reads and let tests and tools call one
step at a time. There is no second copy of any rule.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np

from sim.config.scenario import SellerSpec
from sim.model import kernel as k
from sim.model.observation import FUNNEL_STAGES, STAGE_FOCUS, MemberCard, SellerView
from sim.model.stakeholder import JOBS, BuyingJob
from sim.model.state import Desk, Net

if TYPE_CHECKING:
    from sim.model.model import BuyingCommitteeModel


def _column(column: int, doc: str) -> property:
    """A number of the seller's desk (`kernel.DeskColumn`), read and written in place."""

    def get(self: Seller) -> float:
        return float(self.desk.state[column])

    def set_(self: Seller, value: float) -> None:
        self.desk.state[column] = value

    return property(get, set_, doc=doc)


class Seller(mesa.Agent):
    """The common part of every strategy: a vendor, a capacity, the hours it spends and its
    view of the account. Its week is `kernel.seller_week` over `self.view.desk`."""

    strategy: str = ""
    code: int = -1
    """The strategy's number in the compiled `seller_week`."""
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
        self.spec = spec
        self.vendor = vendor
        self.vendor_name = model.option_names[vendor]
        ours = vendor == model.our_index
        self.name = "our seller" if ours else f"the seller of {model.option_labels[vendor]}"
        self.view = SellerView(model, vendor, rng, spec, self.code, self.name)
        self.desk = self.view.desk
        """Its arrays (`state.Desk`), which its compiled week reads and writes."""
        self.prepare(self.desk, spec, model.net)

    @staticmethod
    def prepare(desk: Desk, spec: SellerSpec, net: Net) -> None:
        """What its strategy does before the deal's first week, on its new desk (the batch
        path, `sim.model.batch`, calls it without an agent)."""

    capacity = _column(k.DeskColumn.CAPACITY, "Hours a week for this deal.")
    hours_left = _column(k.DeskColumn.HOURS_LEFT, "Hours left this week.")
    hours_spent = _column(k.DeskColumn.HOURS_SPENT, "Hours spent on the deal so far.")
    buyer_hours = _column(
        k.DeskColumn.BUYER_HOURS, "Hours committee members spent with it (meetings and questions)."
    )

    @property
    def reached(self) -> set[int]:
        """The members (seats) who spent time with it."""
        return set(self.view.desk.reached.nonzero()[0].tolist())

    def start_week(self) -> None:
        k.open_desk_week(self.desk, self.view.week)

    def act(self) -> None:
        """This week's work for the deal, within `hours_left` (`kernel.seller_week`)."""
        view = self.view
        c, world = view.arrays
        k.seller_week(c, world, view.net, view.events(), view.desk)
        view.write_log()

    def run_step(self, step, *args):
        """Run one compiled step of its week (for tests and tools) and log what it did."""
        view = self.view
        c, world = view.arrays
        result = step(c, world, view.events(), view.desk, *args)
        view.write_log()
        return result

    @property
    def source(self) -> str:
        """The trust key stakeholders keep for this seller."""
        return self.view.source

    @property
    def takes_inquiries(self) -> bool:
        """Whether it still answers members' questions about this deal (it has hours left and
        still works the deal)."""
        return self.hours_left > 0

    def answer_inquiry(self, member: int, hours: float) -> None:
        """Member `member` (its seat) asked this seller about its product while seeking
        (`kernel.answer_inquiry`)."""
        k.answer_inquiry(self.view.desk, member, hours)


class FunnelPusher(Seller):
    """The classic funnel: a stage machine on a sales calendar, one main contact, vendor-
    positive messaging, deadline pressure near the end, and qualifying out a stuck deal
    (`kernel.funnel_pusher_week`).

    The stage advances when the calendar says so *and* the main contact responds well (it
    said, in the last pitch, that it values our offer above doing nothing), whatever job the
    committee is on. The main contact sets the pace (single-threaded in its decisions); the
    hours its main contact cannot take go, as a working funnel seller's do, to follow-ups
    with the rest of the committee on the stage's theme, so that its realised effort matches
    any other strategy's (`single_threaded: true` leaves them idle instead).
    """

    strategy = "funnel_pusher"
    code = k.FUNNEL_PUSHER
    overclaims = True
    SETTINGS = Seller.SETTINGS | {
        "stage_weeks",
        "qualify_out_weeks",
        "closing_pressure",
        "reactance",
        "single_threaded",
    }
    STAGES: ClassVar[tuple[str, ...]] = FUNNEL_STAGES
    STAGE_FOCUS: ClassVar[dict[str, str]] = dict(zip(FUNNEL_STAGES, STAGE_FOCUS, strict=False))
    """The criterion each stage's pitch is about (`desk.themes`)."""
    PRESSURE_STAGES: ClassVar[frozenset[str]] = frozenset(FUNNEL_STAGES[k.NEGOTIATION :])
    """Stages in which it presses for a close."""
    PRESENTATION_STAGES: ClassVar[frozenset[str]] = frozenset(
        FUNNEL_STAGES[stage] for stage in (k.DEMO, k.PROPOSAL)
    )
    """Stages whose pitch is a presentation the main contact convenes for the committee (the
    demo and the proposal are shown to the evaluating group in funnel selling)."""

    @staticmethod
    def prepare(desk: Desk, spec: SellerSpec, net: Net) -> None:
        """Its main contact, chosen from the org chart before the first week."""
        desk.state[k.DeskColumn.CONTACT] = k.main_contact(desk)

    stage = property(
        lambda self: int(self.desk.state[k.DeskColumn.STAGE]),
        lambda self, value: self.desk.state.__setitem__(k.DeskColumn.STAGE, value),
        doc="The funnel stage (an index of `STAGES`).",
    )
    weeks_in_stage = property(lambda self: int(self.desk.state[k.DeskColumn.WEEKS_IN_STAGE]))

    @property
    def qualified_out(self) -> bool:
        """It has given up on the deal (`kernel.qualify_out`)."""
        return bool(self.desk.state[k.DeskColumn.QUALIFIED_OUT])

    @qualified_out.setter
    def qualified_out(self, value: bool) -> None:
        self.desk.state[k.DeskColumn.QUALIFIED_OUT] = value

    @property
    def contact(self) -> MemberCard:
        """Its main contact (`kernel.main_contact`: the champion, else the most
        influential)."""
        return self.view.members[int(self.desk.state[k.DeskColumn.CONTACT])]

    @property
    def stage_name(self) -> str:
        return self.STAGES[self.stage]

    def responds_well(self) -> bool:
        return bool(k.responds_well(self.view.desk))

    @property
    def takes_inquiries(self) -> bool:
        """A deal it qualified out is no longer worked: its questions go unanswered."""
        return not self.qualified_out and super().takes_inquiries

    def pitch(self) -> None:
        """This week's pitch (`kernel.pitch`)."""
        self.run_step(k.pitch)

    def press_to_close(self) -> None:
        """A deadline message to the whole committee (`kernel.press_to_close`)."""
        view = self.view
        k.press_to_close(view.arrays[0], view.events(), view.desk)
        view.write_log()


class MazeGuide(Seller):
    """A guide through the maze: each week it diagnoses (imperfectly, from what members told
    it) which job each member is on and helps with that job, spreading its hours over the
    committee - influential members and those it has not seen for a while first:
    sense-making for seekers, proof for validators, consensus help for aligners, a pilot for
    those who lean to doing nothing. Everything it says is honest, which hurts where the
    product really is weak (`kernel.maze_guide_week`)."""

    strategy = "maze_guide"
    code = k.MAZE_GUIDE
    overclaims = False
    SETTINGS = Seller.SETTINGS | {
        "diagnosis_error",
        "consensus_widening",
        "overload_relief",
    }
    GROUP_SIZE = k.GUIDE_GROUP_SIZE

    def diagnose(self, member: MemberCard) -> BuyingJob:
        """The job the member said it was on when last met (seek if never met), misjudged
        with probability `diagnosis_error` (`kernel.diagnose`)."""
        return JOBS[k.diagnose(self.view.desk, member.id)]

    def proof(self, member: MemberCard) -> bool:
        """A reference customer on what the member is least sure of (`kernel.proof`)."""
        return bool(self.run_step(k.proof, member.id))

    def sense_making(self, member: MemberCard) -> bool:
        """Curated, honest information on what matters to the member
        (`kernel.sense_making`)."""
        return bool(self.run_step(k.sense_making, member.id))

    def pilot(self, member: MemberCard) -> bool:
        """A pilot on what worries a member who leans to doing nothing (`kernel.pilot`)."""
        return bool(self.run_step(k.pilot, member.id))

    def consensus_meeting(self, aligners: list[MemberCard]) -> None:
        """A consensus meeting for the most influential aligners
        (`kernel.consensus_meeting`)."""
        self.run_step(k.consensus_meeting, np.array([m.id for m in aligners], dtype=np.int64))


class SocialSeller(MazeGuide):
    """Flip the funnel: a seller who builds reach and content in the buyers' peer network
    before and during the deal, so its information arrives through channels buyers trust
    (peers), and who connects validating buyers with satisfied customers; with the rest of its
    week it guides like a maze-guide. Its content is honest, warmed a little by whoever passes
    it on (`kernel.social_seller_week`)."""

    strategy = "social_seller"
    code = k.SOCIAL_SELLER
    SETTINGS = MazeGuide.SETTINGS | {"network_share", "prior_weeks", "content_reach"}
    REFERENCE_CALLS = k.REFERENCE_CALLS

    @staticmethod
    def prepare(desk: Desk, spec: SellerSpec, net: Net) -> None:
        """The reach its content built in the network in the weeks before the deal."""
        if net.contacts_start.shape[0] == 0:
            raise ValueError("social_seller needs a peer network (scenario `network:`)")
        earlier = spec.prior_weeks * spec.capacity_hours * spec.network_share * spec.content_reach
        k.spread_content(net, desk.mt, desk.vendor, round(earlier))

    def connect_references(self) -> None:
        """Introduce the members it saw validating to satisfied customers
        (`kernel.connect_references`)."""
        view = self.view
        c, world = view.arrays
        k.connect_references(c, world, view.net, view.events(), view.desk)
        view.write_log()

    @property
    def reach_backlog(self) -> float:
        """Fractions of a peer reached by past hours, carried to the next week."""
        return float(self.desk.state[k.DeskColumn.REACH_BACKLOG])


SELLER_CLASSES: dict[str, type[Seller] | None] = {
    "none": None,
    FunnelPusher.strategy: FunnelPusher,
    MazeGuide.strategy: MazeGuide,
    SocialSeller.strategy: SocialSeller,
}
"""Strategy name -> agent class (None: no seller agent)."""
