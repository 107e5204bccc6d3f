"""The Mesa model of one account's buying committee, one step per week.

Each week: urgency fades and exogenous events may strike; sellers act (booking stakeholder
time); every stakeholder, in random order, spends its remaining hours on seek / validate /
align; overload turns into fatigue and each member re-appraises the options; then the
committee checks its decision rule and whether it gives up.

The model owns the committee's state as arrays (sim/model/state.py); the committee's week runs
compiled (`kernel.committee_week`), and `step()` stays the Mesa schedule around it.
"""

from __future__ import annotations

from functools import cached_property

import mesa
import numpy as np

from sim.config.scenario import Scenario
from sim.model import kernel as k
from sim.model.decision import STALL_REASONS
from sim.model.logbook import (
    CAUSES,
    DEAL,
    OUTCOMES,
    EventLog,
    LineWords,
    WeeklyLog,
    written_lines,
)
from sim.model.observation import MemberCard, org_chart
from sim.model.result import CommitteeWeek, DealResult, NoDecisionCause, Outcome
from sim.model.sellers import Seller
from sim.model.stakeholder import Stakeholder
from sim.model.state import Events, desk_slots
from sim.model.streams import Purpose, RandomStreams
from sim.model.summary import deal_record
from sim.model.template import (
    DEFAULT_STATUS_QUO_QUALITY,
    DEFAULT_VENDOR_QUALITY,
    STATUS_QUO,
    STATUS_QUO_SD,
    VENDOR_VOICES,
    DealTemplate,
    draws_needed,
    draws_per_hour,
)

__all__ = [
    "DEFAULT_STATUS_QUO_QUALITY",
    "DEFAULT_VENDOR_QUALITY",
    "STATUS_QUO",
    "STATUS_QUO_SD",
    "VENDOR_VOICES",
    "BuyingCommitteeModel",
    "simulate",
]


def _param(index: int, doc: str) -> property:
    """An account-level number the compiled mechanisms read from `World.params`."""

    def get(self: BuyingCommitteeModel) -> float:
        return float(self.world.params[index])

    def set_(self: BuyingCommitteeModel, value: float) -> None:
        self.world.params[index] = value

    return property(get, set_, doc=doc)


class BuyingCommitteeModel(mesa.Model):
    """One purchase: a committee, the options, the information sources and the sellers."""

    def __init__(
        self, scenario: Scenario, seed: int = 0, template: DealTemplate | None = None
    ) -> None:
        """The deal of (scenario, seed); `template` (`DealTemplate(scenario)`) saves its
        making when many deals of one scenario are set up."""
        streams = RandomStreams(seed)
        super().__init__(rng=streams.generator(Purpose.BEHAVIOUR, 0))
        self.settings = scenario  # Mesa 3.5 reserves `Model.scenario` for its own Scenario
        self.template = template = template or DealTemplate(scenario)
        self.seed = seed
        criteria = template.criteria
        self.option_names = template.option_names
        self.status_quo_index = template.status_quo_index
        self.vendor_indices = template.vendor_indices
        self.our_index = template.our_index
        self.truth = template.truth
        self.option_labels = template.option_labels
        self.information = template.information
        drawn = template.draw(seed)
        self.exogenous_events = drawn.exogenous_events
        self.profiles = template.profiles(drawn.members)
        n = len(self.profiles)
        self.world = drawn.world
        self.network = drawn.network
        self.net = drawn.net
        self.behaviour = drawn.behaviour
        """The committee's behaviour stream (Mesa's own `rng`, key (3, 0), stays unused)."""
        self.committee = drawn.committee
        self.stakeholders = [
            Stakeholder(self, profile, seat) for seat, profile in enumerate(self.profiles)
        ]
        names = [s.name for s in self.stakeholders]
        self.events = EventLog(
            names,
            [self.cell_name(o, c) for o in range(len(self.option_names)) for c in range(
                len(criteria))],
            self.information.keys,
            len(self.option_names),
            len(criteria),
        )  # fmt: skip
        self.weekly = WeeklyLog(names, self.option_names, scenario.horizon_weeks)
        self._hour_draws = draws_per_hour(self.world.params)
        self._week_hours = template.week_hours(drawn.members)
        seller_streams = streams.python_randoms(Purpose.SELLERS, len(self.option_names))
        self.seller_order = seller_streams[self.status_quo_index]
        """Who gets the committee's calendar first each week (the status quo has no seller)."""
        self.sellers: list[Seller] = [
            slot.seller_class(self, slot.vendor, slot.spec, seller_streams[slot.vendor])
            for slot in template.sellers
        ]
        self._seller_by_vendor = {seller.vendor: seller for seller in self.sellers}
        self.desks = desk_slots(
            tuple(seller.desk for seller in self.sellers), len(template.vendor_indices)
        )
        """Every seller's arrays, in the order of `sellers` at set-up (`deal.order` indexes
        them), padded with desks of no seller to one per vendor (`state.desk_slots`)."""
        self._by_slot = list(self.sellers)
        self.events.line_words = LineWords(
            tuple(names), tuple(self.option_names), tuple(criteria),
            tuple((seller.name, seller.vendor) for seller in self.sellers),
        )  # fmt: skip
        order_mt = np.array(self.seller_order.getstate()[1], dtype=np.int64)
        self.deal = template.deal(self.exogenous_events, order_mt, len(self.sellers), n)

    # ---- the deal's status, read from its arrays -------------------------------------

    @property
    def outcome(self) -> Outcome | None:
        code = int(self.deal.status[k.StatusColumn.OUTCOME])
        return None if code < 0 else OUTCOMES[code]

    @property
    def no_decision_cause(self) -> NoDecisionCause | None:
        code = int(self.deal.status[k.StatusColumn.CAUSE])
        return None if code < 0 else CAUSES[code]

    @property
    def stall_reason(self) -> str | None:
        code = int(self.deal.status[k.StatusColumn.STALL])
        return None if code < 0 else STALL_REASONS[code]

    @property
    def chosen(self) -> int | None:
        code = int(self.deal.status[k.StatusColumn.CHOSEN])
        return None if code < 0 else code

    @property
    def vetoes(self) -> int:
        """Weeks in which a veto blocked a decision."""
        return int(self.deal.status[k.StatusColumn.VETOES])

    @property
    def committee_weekly(self) -> list[CommitteeWeek]:
        """Where the committee stood at the end of each week so far."""
        names = self.option_names
        return [
            CommitteeWeek(week + 1, urgency, names[int(leader)], support, sure, unsure)
            for week, (urgency, leader, support, sure, unsure) in enumerate(
                self.deal.weeks[: self.weekly.weeks].tolist()
            )
        ]

    # ---- the account's state the compiled mechanisms read ------------------------------

    @cached_property
    def org_chart(self) -> tuple[MemberCard, ...]:
        """The committee as every seller sees it (`observation.org_chart`)."""
        return org_chart(self)

    @property
    def week(self) -> int:
        return int(self.world.params[k.Param.WEEK])

    @week.setter
    def week(self, value: int) -> None:
        self.world.params[k.Param.WEEK] = value

    urgency = _param(k.Param.URGENCY, "How pressing the problem is for the account (fades).")
    pain = _param(k.Param.PAIN, "What doing nothing costs per unit of urgency.")
    claim_precision = _param(k.Param.CLAIM_PRECISION, "1 / claim_sd^2: a full claim's weight.")

    def draws_needed(self, hours: int) -> tuple[int, int]:
        """Uniforms and normals `hours` member-hours may use (and the committee's shuffle and
        fractional hours)."""
        return draws_needed(self._hour_draws, hours, len(self.profiles))

    def draws_for(self, hours: int):
        """The behaviour stream, with room for `hours` member-hours of draws."""
        return self.behaviour.ready(*self.draws_needed(hours))

    def events_room(self, lines: int) -> Events:
        """The event log's arrays, with room for `lines` more lines."""
        return self.events.room(lines)

    # ---- the week ---------------------------------------------------------------------

    def step(self) -> None:
        """One week (`kernel.deal_week` runs the same steps in one call): the account moves,
        members open their week, sellers act in a shuffled order, inquiries open, the
        committee works (compiled), inquiries are charged, the week is recorded and the
        committee checks whether it decides or gives up."""
        self.week += 1
        c, world, deal = self.committee, self.world, self.deal
        lines = len(self.profiles) + 1
        k.account_moves(world.params, deal, self.events_room(lines))
        self.write_lines()
        k.open_week(c.member, world.params)
        k.shuffle_sellers(deal.order_mt, deal.order)
        self.sellers = [self._by_slot[s] for s in deal.order.tolist()]
        for seller in self.sellers:
            seller.start_week()
            seller.act()
        self.open_inquiries()
        k.committee_week(c, world, self.net, self.draws_for(self._week_hours),
                         self.events_room(self._week_hours + len(self.profiles)))  # fmt: skip
        self.close_inquiries()
        k.record_deal_week(c, world.params, deal, self.weekly.rows, len(self.option_names))
        self.weekly.weeks += 1
        k.decide(c, world.params, deal, self.events_room(lines))
        self.write_lines()
        if deal.status[k.StatusColumn.DONE]:
            self.running = False

    def open_inquiries(self) -> None:
        """Sellers' hours open to members' questions this week (`kernel.open_inquiries`)."""
        k.open_inquiries(self.world, self.desks, len(self.sellers))

    def close_inquiries(self) -> None:
        """The questions members asked cost each seller its hours (`kernel.close_inquiries`)."""
        k.close_inquiries(self.world, self.desks, len(self.sellers))

    def write_lines(self) -> None:
        """Move the sellers' and the deal's log lines of the compiled steps into the event
        log, in the order they were written (decoded when the log is read)."""
        chunks = [
            written_lines(desk.lines, desk.line_values, desk.line_count, slot)
            for slot, desk in enumerate(self.desks[: len(self._by_slot)])
            if desk.line_count[0]
        ]
        deal = self.deal
        if deal.line_count[0]:
            chunks.append(written_lines(deal.lines, deal.line_values, deal.line_count, DEAL))
        if not chunks:
            return
        rows = np.concatenate([rows for rows, _ in chunks])
        values = np.concatenate([values for _, values in chunks])
        order = np.argsort(rows[:, 1 + k.LineColumn.SEQUENCE], kind="stable")
        self.events.add_written(rows[order], values[order])

    def run_compiled(self) -> DealResult:
        """The deal's weeks in as few compiled calls as the draws allow (`kernel.run_weeks`:
        the same weeks as `step`, without a Python call per seller and week): `simulate`'s
        deal, with its logs (batches of metric rows take `sim.model.batch`)."""
        c, world, deal = self.committee, self.world, self.deal
        uniforms, normals = self.draws_needed(self._week_hours)
        lines = self._week_hours + 2 * len(self.profiles) + 2
        while not deal.status[k.StatusColumn.DONE]:
            k.run_weeks(c, world, self.net, self.draws_for(self._week_hours),
                        self.events_room(lines), self.desks, len(self.sellers), deal,
                        self.weekly.rows, len(self.option_names), uniforms, normals,
                        lines)  # fmt: skip
            self.weekly.weeks = self.week
            self.write_lines()
        self.sellers = [self._by_slot[s] for s in deal.order.tolist()]
        self.running = False
        return self.result()

    # ---- services for agents ----------------------------------------------------------

    def seller_of(self, option: int) -> Seller | None:
        """The seller working for a vendor, if it has one."""
        return self._seller_by_vendor.get(option)

    def log(self, actor: str, action: str, target: str, effect: str, value: float = 0.0) -> None:
        self.events.add(self.week, actor, action, target, effect, value)

    def cell_name(self, option: int, criterion: int) -> str:
        return f"{self.option_names[option]}.{self.settings.criteria[criterion]}"

    # ---- running ----------------------------------------------------------------------

    def run(self) -> DealResult:
        """Step until a decision, a stall or the horizon; return the deal's record."""
        while self.running:
            self.step()
        return self.result()

    def result(self) -> DealResult:
        """The deal's record (`summary.deal_record`), with its logs and members."""
        scenario = self.settings
        return deal_record(
            self.template,
            self.seed,
            [s.name for s in self.stakeholders],
            self.committee,
            self.deal,
            self.week,
            [seller.desk for seller in self.sellers],
            dict(self.network.told) if self.network is not None else {},
            self.weekly,
            stakeholders=[
                {
                    "name": p.name,
                    "role": p.role,
                    "influence": p.influence,
                    "veto": p.veto,
                    "priorities": dict(zip(scenario.criteria, p.priorities, strict=True)),
                    "risk_aversion": p.risk_aversion,
                    "stubbornness": p.stubbornness,
                    "weekly_hours": p.weekly_hours,
                }
                for p in self.profiles
            ],
            events=self.events,
            committee_weekly=self.committee_weekly,
        )


def simulate(scenario: Scenario, seed: int = 0) -> DealResult:
    """Run one deal: a pure function of (scenario, seed); the same deal as stepping the model
    week by week (`BuyingCommitteeModel.run`), in fewer compiled calls."""
    return BuyingCommitteeModel(scenario, seed).run_compiled()
