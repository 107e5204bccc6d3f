"""The Mesa model of one account's buying committee, one step per week.

Each week: urgency fades and exogenous events may strike; sellers act (booking stakeholder
time); every stakeholder, in random order, spends its remaining hours on seek / validate /
align; overload turns into fatigue and each member re-appraises the options; then the
committee checks its decision rule and whether it gives up.

The model owns the committee's state as arrays (sim/model/state.py); the committee's week runs
compiled (`kernel.committee_week`), and `step()` stays the Mesa schedule around it.
"""

from __future__ import annotations

import math
import random
from functools import cached_property

import mesa
import numpy as np

from sim.config.scenario import Scenario
from sim.model import kernel as k
from sim.model.committee import StakeholderProfile, draw_committee
from sim.model.decision import STALL_REASONS, deal_quality, rule_numbers
from sim.model.exogenous import EVENT_KINDS, draw_exogenous_events
from sim.model.information import InformationEnvironment
from sim.model.logbook import (
    CAUSES,
    DEAL,
    OUTCOMES,
    EventLog,
    LineWords,
    WeeklyLog,
    written_lines,
)
from sim.model.metrics import count_loopbacks
from sim.model.network import PeerNetwork
from sim.model.observation import MemberCard, org_chart
from sim.model.result import CommitteeWeek, DealResult, NoDecisionCause, Outcome
from sim.model.sellers import SELLER_CLASSES, Seller
from sim.model.stakeholder import JOBS, Stakeholder
from sim.model.state import (
    NO_NETWORK,
    BehaviourStream,
    Deal,
    Events,
    World,
    new_committee,
    no_desk,
    set_prior,
)
from sim.model.streams import Purpose, RandomStreams

STATUS_QUO = "status_quo"
STATUS_QUO_SD = 0.03
"""The status quo is known: beliefs about it start at the truth with this small sd."""

VENDOR_VOICES = ("vendor_content", "seller")
"""Source kinds that speak for one vendor: stakeholders trust each vendor's separately."""

DEFAULT_VENDOR_QUALITY = 0.6
DEFAULT_STATUS_QUO_QUALITY = 0.5


def _param(index: int, doc: str) -> property:
    """An account-level number the compiled mechanisms read from `World.params`."""

    def get(self: BuyingCommitteeModel) -> float:
        return float(self.world.params[index])

    def set_(self: BuyingCommitteeModel, value: float) -> None:
        self.world.params[index] = value

    return property(get, set_, doc=doc)


class BuyingCommitteeModel(mesa.Model):
    """One purchase: a committee, the options, the information sources and the sellers."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        streams = RandomStreams(seed)
        super().__init__(rng=streams.generator(Purpose.BEHAVIOUR, 0))
        self.settings = scenario  # Mesa 3.5 reserves `Model.scenario` for its own Scenario
        self.seed = seed
        criteria = scenario.criteria
        vendors = list(scenario.options.vendors)
        self.option_names = [STATUS_QUO, *vendors]
        self.status_quo_index = 0
        self.vendor_indices = list(range(1, len(self.option_names)))
        self.our_index = 1 + vendors.index(scenario.our_vendor)
        self.truth = [
            [
                scenario.options.status_quo.quality.get(c, DEFAULT_STATUS_QUO_QUALITY)
                for c in criteria
            ]
        ] + [
            [vendor.quality.get(c, DEFAULT_VENDOR_QUALITY) for c in criteria]
            for vendor in scenario.options.vendors.values()
        ]
        self._apply_discounts(criteria)
        self.option_labels = ["doing nothing"] + [
            vendor.label or name for name, vendor in scenario.options.vendors.items()
        ]
        self.information = self._information_environment()
        self.world = World(
            truth=self.information.truth,
            bias=self.information.bias,
            noise=self.information.noise_by_source,
            seller_hours=np.zeros(len(self.option_names)),
            inquiries=np.zeros((len(self.option_names), 0)),
            params=self._params(),
        )
        self.week = 0
        self.urgency = scenario.account.urgency
        self.pain = scenario.account.pain
        self.exogenous_events = draw_exogenous_events(
            streams.generator(Purpose.EXOGENOUS),
            scenario.horizon_weeks,
            scenario.account.shock_rate,
        )
        self.profiles = draw_committee(scenario, streams.generator(Purpose.COMMITTEE))
        n = len(self.profiles)
        self.world = self.world._replace(inquiries=np.zeros((len(self.option_names), n)))
        self.network = (
            PeerNetwork.build(
                scenario.network,
                n,
                {name: 1 + k for k, name in enumerate(vendors)},
                streams.generator(Purpose.NETWORK),
            )
            if scenario.network is not None
            else None
        )
        self.net = self.network.arrays if self.network is not None else NO_NETWORK
        self.behaviour = BehaviourStream(streams.generator(Purpose.BEHAVIOUR, 1))
        """The committee's behaviour stream (Mesa's own `rng`, key (3, 0), stays unused)."""
        self.committee = new_committee(
            n, len(self.option_names), len(criteria), len(self.information.keys),
            scenario.horizon_weeks,
        )  # fmt: skip
        self._seat_committee()
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
        self._hour_draws = self._draws_per_hour()
        self._week_hours = sum(math.ceil(p.weekly_hours) + 1 for p in self.profiles)
        seller_streams = streams.python_randoms(Purpose.SELLERS, len(self.option_names))
        self.seller_order = seller_streams[self.status_quo_index]
        """Who gets the committee's calendar first each week (the status quo has no seller)."""
        self.sellers: list[Seller] = []
        for vendor in self.vendor_indices:
            spec = scenario.seller_for(self.option_names[vendor])
            seller_class = SELLER_CLASSES[spec.strategy]
            if seller_class is not None:
                self.sellers.append(seller_class(self, vendor, spec, seller_streams[vendor]))
        self._seller_by_vendor = {seller.vendor: seller for seller in self.sellers}
        self.desks = tuple(seller.desk for seller in self.sellers) or (no_desk(),)
        """Every seller's arrays, in the order of `sellers` at set-up (`deal.order` indexes
        them)."""
        self._by_slot = list(self.sellers)
        self.events.line_words = LineWords(
            tuple(names), tuple(self.option_names), tuple(criteria),
            tuple((seller.name, seller.vendor) for seller in self.sellers),
        )  # fmt: skip
        self.deal = self._deal(self.seller_order)

    def _deal(self, order: random.Random) -> Deal:
        """The deal's arrays: this run's exogenous events, the decision rule, an open status,
        the seller order's stream."""
        scenario = self.settings
        horizon = scenario.horizon_weeks
        shocks = np.zeros((horizon + 2, k.N_SHOCK_COLUMNS))
        for week, event in self.exogenous_events.items():
            shocks[week] = (1.0, event.factor, event.boost, EVENT_KINDS.index(event))
        rules = rule_numbers(scenario.decision)
        rules[k.RULE_HORIZON] = horizon
        rules[k.RULE_OUR_OPTION] = self.our_index
        status = np.full(k.N_STATUS_COLUMNS, -1.0)
        status[k.STATUS_VETOES] = status[k.STATUS_DONE] = 0.0
        status[k.STATUS_AGREEMENT] = math.nan
        lines = 4 * len(self.profiles) + 64
        return Deal(
            shocks=shocks,
            rule=rules,
            status=status,
            weeks=np.zeros((horizon, k.N_VIEW_COLUMNS)),
            order_mt=np.array(order.getstate()[1], dtype=np.int64),
            order=np.arange(len(self.sellers), dtype=np.int64),
            lines=np.zeros((lines, k.N_LINE_COLUMNS), dtype=np.int64),
            line_values=np.zeros(lines),
            line_count=np.zeros(1, dtype=np.int64),
        )

    # ---- the deal's status, read from its arrays -------------------------------------

    @property
    def outcome(self) -> Outcome | None:
        code = int(self.deal.status[k.STATUS_OUTCOME])
        return None if code < 0 else OUTCOMES[code]

    @property
    def no_decision_cause(self) -> NoDecisionCause | None:
        code = int(self.deal.status[k.STATUS_CAUSE])
        return None if code < 0 else CAUSES[code]

    @property
    def stall_reason(self) -> str | None:
        code = int(self.deal.status[k.STATUS_STALL])
        return None if code < 0 else STALL_REASONS[code]

    @property
    def chosen(self) -> int | None:
        code = int(self.deal.status[k.STATUS_CHOSEN])
        return None if code < 0 else code

    @property
    def vetoes(self) -> int:
        """Weeks in which a veto blocked a decision."""
        return int(self.deal.status[k.STATUS_VETOES])

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
        return int(self.world.params[k.WEEK])

    @week.setter
    def week(self, value: int) -> None:
        self.world.params[k.WEEK] = value

    urgency = _param(k.URGENCY, "How pressing the problem is for the account (fades).")
    pain = _param(k.PAIN, "What doing nothing costs per unit of urgency.")
    claim_precision = _param(k.CLAIM_PRECISION, "1 / claim_sd^2: a full claim's weight.")

    def _params(self) -> np.ndarray:
        """The scenario's numbers the mechanisms read, by kernel name."""
        scenario = self.settings
        behaviour, information = scenario.behaviour, scenario.information
        params = np.zeros(k.N_PARAMS)
        params[k.SELLER_TIME_SHARE] = behaviour.seller_time_share
        params[k.DISCLOSURE] = behaviour.disclosure
        params[k.PRIOR_SD] = behaviour.prior_sd
        params[k.CHOICE_NOISE] = behaviour.choice_noise
        params[k.CLAIMS_FOUND] = information.claims_per_hour * information.overload
        params[k.ATTENTION] = information.attention
        params[k.VALIDATION_Z] = behaviour.validation_z
        params[k.CONFIRMATION_BOOST] = behaviour.confirmation_boost
        params[k.TRUST_GAIN] = behaviour.trust_gain
        params[k.TRUST_LOSS] = behaviour.trust_loss
        params[k.CONVERGENCE] = behaviour.convergence
        params[k.CONFLICT_FATIGUE] = behaviour.conflict_fatigue
        params[k.OVERLOAD_FATIGUE] = behaviour.overload_fatigue
        params[k.FATIGUE_RECOVERY] = behaviour.fatigue_recovery
        params[k.OVERLOAD_RECOVERY] = behaviour.overload_recovery
        params[k.URGENCY_DECAY] = scenario.account.urgency_decay
        params[k.CLAIM_PRECISION] = 1.0 / behaviour.claim_sd**2
        return params

    def _seat_committee(self) -> None:
        """Write every member's traits, trust, priorities and prior beliefs into its row, and
        their first appraisal."""
        c, profiles = self.committee, self.profiles
        traits = [k.INFLUENCE, k.VETO, k.RISK_AVERSION, k.STUBBORNNESS, k.OPEN_MINDEDNESS,
                  k.WEEKLY_HOURS]  # fmt: skip
        c.member[:, traits] = [
            (p.influence, p.veto, p.risk_aversion, p.stubbornness, p.open_mindedness,
             p.weekly_hours)
            for p in profiles
        ]  # fmt: skip
        c.member[:, k.UNCERTAINTY] = 1.0
        c.priorities[:] = [p.priorities for p in profiles]
        c.anchor[:] = c.priorities
        c.trust[:] = [self._initial_trust(p) for p in profiles]
        mean, sd = self._initial_beliefs()
        set_prior(c.beliefs, mean, sd)
        k.appraise_committee(c, self.world.params)

    def _draws_per_hour(self) -> tuple[int, int]:
        """Upper bounds on the uniform and normal draws of one member-hour (see `kernel.seek`,
        `validate`, `align`): at most 5 + 3 x claims uniforms and 2 + claims normals, with
        claims <= ceil(claims found) + 1."""
        claims = math.ceil(self.world.params[k.CLAIMS_FOUND]) + 1
        return 5 + 3 * claims, 2 + claims

    def draws_needed(self, hours: int) -> tuple[int, int]:
        """Uniforms and normals `hours` member-hours may use (and the committee's shuffle and
        fractional hours)."""
        u, g = self._hour_draws
        return hours * u + 2 * len(self.profiles), hours * g

    def draws_for(self, hours: int):
        """The behaviour stream, with room for `hours` member-hours of draws."""
        return self.behaviour.ready(*self.draws_needed(hours))

    def events_room(self, lines: int) -> Events:
        """The event log's arrays, with room for `lines` more lines."""
        return self.events.room(lines)

    # ---- set-up -----------------------------------------------------------------------

    def _apply_discounts(self, criteria: list[str]) -> None:
        """A vendor's price concession (`sellers.<vendor>.discount`) is part of its offer from
        the start, whatever its seller's strategy: its true cost score rises by it."""
        if "cost" not in criteria:
            return
        cost = criteria.index("cost")
        for vendor in self.vendor_indices:
            discount = self.settings.seller_for(self.option_names[vendor]).discount
            self.truth[vendor][cost] = min(1.0, self.truth[vendor][cost] + discount)

    def _information_environment(self) -> InformationEnvironment:
        """Sources by key. Vendor content and sellers speak for one vendor ('kind:vendor');
        a seller's claims carry the `seller` source's bias only if its strategy overclaims."""
        sources = self.settings.information.sources
        keyed = {
            kind: (source.bias, source.noise)
            for kind, source in sources.items()
            if kind not in VENDOR_VOICES
        }
        for vendor in self.vendor_indices:
            name = self.option_names[vendor]
            content, seller = sources["vendor_content"], sources["seller"]
            keyed[f"vendor_content:{name}"] = (content.bias, content.noise)
            seller_class = SELLER_CLASSES[self.settings.seller_for(name).strategy]
            overclaims = seller_class is not None and seller_class.overclaims
            keyed[f"seller:{name}"] = (seller.bias if overclaims else 0.0, seller.noise)
        return InformationEnvironment(self.option_names, self.truth, self.vendor_indices, keyed)

    def _initial_trust(self, profile: StakeholderProfile) -> np.ndarray:
        """Trust per source key: the role's value if it has one, else the source's default."""
        trust = np.zeros(len(self.information.keys))
        index = self.information.index
        for kind, source in self.settings.information.sources.items():
            value = profile.trust.get(kind, source.trust)
            if kind in VENDOR_VOICES:
                for vendor in self.vendor_indices:
                    trust[index[f"{kind}:{self.option_names[vendor]}"]] = value
            else:
                trust[index[kind]] = value
        return trust

    def _initial_beliefs(self) -> tuple[np.ndarray, np.ndarray]:
        """The status quo is known; every vendor criterion starts at the behaviour's prior
        mean plus each member's first impression, with the prior uncertainty. (mean, sd),
        each [member, option, criterion]."""
        n_criteria = len(self.settings.criteria)
        behaviour = self.settings.behaviour
        shape = (len(self.profiles), len(self.option_names), n_criteria)
        jitter = np.array([p.prior_jitter for p in self.profiles]).reshape(
            len(self.profiles), len(self.vendor_indices), n_criteria
        )
        mean = np.empty(shape)
        sd = np.full(shape, behaviour.prior_sd)
        mean[:, self.status_quo_index] = self.truth[self.status_quo_index]
        sd[:, self.status_quo_index] = STATUS_QUO_SD
        mean[:, 1:] = np.clip(behaviour.prior_mean + jitter, 0.0, 1.0)
        return mean, sd

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
        if deal.status[k.STATUS_DONE]:
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
        order = np.argsort(rows[:, 1 + k.LINE_SEQUENCE], kind="stable")
        self.events.add_written(rows[order], values[order])

    def run_compiled(self) -> DealResult:
        """The deal's weeks in as few compiled calls as the draws allow (`kernel.run_weeks`:
        the same weeks as `step`, without a Python call per seller and week); for batches."""
        c, world, deal = self.committee, self.world, self.deal
        uniforms, normals = self.draws_needed(self._week_hours)
        lines = self._week_hours + 2 * len(self.profiles) + 2
        while not deal.status[k.STATUS_DONE]:
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
        scenario = self.settings
        stakeholders = self.stakeholders
        outcome = self.outcome or Outcome.OPEN
        purchase = outcome in (Outcome.WON, Outcome.LOST)
        quality = (
            deal_quality(
                stakeholders,
                self.chosen,
                self.truth,
                self.vendor_indices,
                scenario.decision.regret_margin,
            )
            if purchase
            else None
        )
        regret = quality.regret if quality is not None else None
        agreed = float(self.deal.status[k.STATUS_AGREEMENT])
        agreement = None if math.isnan(agreed) else agreed
        member = self.committee.member
        totals = member[:, k.TOTAL_HOURS : k.TOTAL_HOURS + k.N_JOBS].sum(axis=0).tolist()
        hours_by_job = {job.value: hours for job, hours in zip(JOBS, totals, strict=True)}
        return DealResult(
            scenario=scenario.name,
            seed=self.seed,
            horizon_weeks=scenario.horizon_weeks,
            outcome=outcome,
            no_decision_cause=self.no_decision_cause,
            stall_reason=self.stall_reason,
            chosen_option=self.option_names[self.chosen] if self.chosen is not None else None,
            cycle_weeks=self.week if outcome is not Outcome.OPEN else None,
            weeks_simulated=self.week,
            regret=regret,
            regret_shortfall=quality.shortfall if quality is not None else None,
            regret_degree=quality.degree if quality is not None else None,
            agreement=agreement,
            consensus=None if agreement is None else agreement >= scenario.decision.consensus_level,
            high_quality=purchase and not regret,
            purchase_ease=1.0 - float(member[:, k.PEAK_FATIGUE].mean()),
            n_stakeholders=len(stakeholders),
            loopbacks={s.name: count_loopbacks(s.jobs_by_week) for s in stakeholders},
            hours_by_job=hours_by_job,
            hours_with_sellers=float(member[:, k.TOTAL_WITH_SELLERS].sum()),
            hours_seeking_alone=float(member[:, k.HOURS_SEEKING_ALONE].sum()),
            seller_hours={s.vendor_name: s.hours_spent for s in self.sellers},
            stakeholders_reached={s.vendor_name: len(s.reached) for s in self.sellers},
            buyer_hours={s.vendor_name: s.buyer_hours for s in self.sellers},
            claims_discredited=int(self.committee.counts[:, k.CLAIMS_DISCREDITED].sum()),
            peer_claims=dict(self.network.told) if self.network is not None else {},
            conflicts=int(self.committee.counts[:, k.CONFLICTS].sum()),
            vetoes=self.vetoes,
            our_vendor=scenario.our_vendor,
            strategies={v: scenario.seller_for(v).strategy for v in scenario.options.vendors},
            option_labels=dict(zip(self.option_names, self.option_labels, strict=True)),
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
            weekly=self.weekly,
            committee_weekly=self.committee_weekly,
        )


def simulate(scenario: Scenario, seed: int = 0) -> DealResult:
    """Run one deal: a pure function of (scenario, seed); the same deal as stepping the model
    week by week (`BuyingCommitteeModel.run`), in fewer compiled calls."""
    return BuyingCommitteeModel(scenario, seed).run_compiled()
