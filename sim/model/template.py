"""Setting up a deal: what every deal of a scenario shares, computed once, and the arrays of one
deal for one seed.

`BuyingCommitteeModel` (the Mesa schedule, for stories and the explorer) and
`batch.simulate_rows` (many deals, no Mesa) both set up their deals here, so a (scenario, seed)
is the same deal on both paths. A `DealTemplate` holds everything that does not depend on the
seed: the options and their true offers, the information sources, the scenario's numbers as the
kernel reads them, the decision rule and the sellers' settings; a seed then only draws the
committee, the account's events, the network and the sellers' streams.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sim.config.scenario import Scenario, SellerSpec
from sim.model import kernel as k
from sim.model.committee import (
    CommitteePlan,
    DrawnCommittee,
    StakeholderProfile,
    draw_members,
    profiles_of,
)
from sim.model.decision import rule_numbers
from sim.model.exogenous import EVENT_KINDS, ExogenousEvent, exogenous_events
from sim.model.information import InformationEnvironment
from sim.model.network import PeerNetwork
from sim.model.observation import DeskPlan, OrgChart, desk_plan, org_chart_arrays, top_of
from sim.model.sellers import SELLER_CLASSES, Seller
from sim.model.state import (
    NO_NETWORK,
    BehaviourStream,
    Committee,
    Deal,
    Net,
    World,
    new_committee,
)
from sim.model.streams import DealStates, Purpose, RandomStreams

STATUS_QUO = "status_quo"
STATUS_QUO_SD = 0.03
"""The status quo is known: beliefs about it start at the truth with this small sd."""

VENDOR_VOICES = ("vendor_content", "seller")
"""Source kinds that speak for one vendor: stakeholders trust each vendor's separately."""

DEFAULT_VENDOR_QUALITY = 0.6
DEFAULT_STATUS_QUO_QUALITY = 0.5


class SellerSlot(NamedTuple):
    """A vendor with a seller agent: its option, its settings, its strategy's class, the
    other vendors' options, the trust key members keep for it (and that key's index) and the
    seed-independent part of its desk."""

    vendor: int
    spec: SellerSpec
    seller_class: type[Seller]
    rivals: tuple[int, ...]
    source: str
    source_index: int
    desk: DeskPlan


class SeededDeal(NamedTuple):
    """One seed's draws and arrays, before any seller is set up (`DealTemplate.draw`)."""

    streams: RandomStreams
    states: DealStates
    """Its streams' states, seeded at once (`RandomStreams.deal_states`)."""
    exogenous_events: dict[int, ExogenousEvent]
    members: DrawnCommittee
    world: World
    network: PeerNetwork | None
    net: Net
    behaviour: BehaviourStream
    committee: Committee


class DealTemplate:
    """Everything a scenario's deals share (see the module docstring); read-only once made."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.criteria = list(scenario.criteria)
        vendors = list(scenario.options.vendors)
        self.option_names = [STATUS_QUO, *vendors]
        self.status_quo_index = 0
        self.vendor_indices = list(range(1, len(self.option_names)))
        self.our_index = 1 + vendors.index(scenario.our_vendor)
        self.vendor_options = {name: 1 + o for o, name in enumerate(vendors)}
        """Each vendor's option index (the peer network's customers are by option)."""
        self.seller_specs = {name: scenario.seller_for(name) for name in vendors}
        self.strategies = {name: spec.strategy for name, spec in self.seller_specs.items()}
        self.truth = [
            [
                scenario.options.status_quo.quality.get(c, DEFAULT_STATUS_QUO_QUALITY)
                for c in self.criteria
            ]
        ] + [
            [vendor.quality.get(c, DEFAULT_VENDOR_QUALITY) for c in self.criteria]
            for vendor in scenario.options.vendors.values()
        ]
        self._apply_discounts()
        self.truth_array = np.array(self.truth, dtype=float)
        """The options' true values [option, criterion], as an array (read-only)."""
        self.vendor_index_array = np.array(self.vendor_indices, dtype=np.int64)
        self.option_labels = ["doing nothing"] + [
            vendor.label or name for name, vendor in scenario.options.vendors.items()
        ]
        self.information = self._information_environment()
        self.params = self._params()
        self.rule = rule_numbers(scenario.decision)
        self.rule[k.RuleColumn.HORIZON] = scenario.horizon_weeks
        self.rule[k.RuleColumn.OUR_OPTION] = self.our_index
        self.sellers = tuple(
            SellerSlot(vendor, spec, seller_class, self.rivals(vendor), source,
                       self.information.index[source],
                       desk_plan(self.criteria, self.rivals(vendor), spec))
            for vendor in self.vendor_indices
            for spec in (self.seller_specs[self.option_names[vendor]],)
            for seller_class in (SELLER_CLASSES[spec.strategy],)
            for source in (self.seller_source(vendor),)
            if seller_class is not None
        )  # fmt: skip
        self.committee_plan = CommitteePlan(scenario)
        """How its committees are drawn (`committee.draw_members`)."""
        library = scenario.role_library()
        self.role_priorities = {
            role: tuple(library[role].priorities.get(c, 0.0) for c in self.criteria)
            for role in library
        }
        """What each role is known to care about, per criterion (the org chart's column)."""
        self.role_tops = {role: top_of(weights) for role, weights in self.role_priorities.items()}
        """Each role's top criterion (`observation.top_of`), as a desk's org chart holds it."""
        self._trust: dict[tuple[tuple[str, float], ...], np.ndarray] = {}
        kinds = self.committee_plan.kinds
        self._kind_trust = np.array(
            [self.trust_row(role.trust) for role in kinds.roles], dtype=float
        ).reshape(len(kinds.roles), len(self.information.keys))
        """Each member kind's starting trust per source key (`trust_row`)."""
        self._kind_chart = org_chart_arrays(
            kinds.influence, [self.role_tops[spec.role] for spec in kinds.specs],
            [spec.role for spec in kinds.specs],
        )  # fmt: skip
        """Each member kind's row of the org chart (`org_chart`)."""
        self._kind_week_hours = np.array(
            [math.ceil(hours) + 1 for hours in kinds.weekly_hours.tolist()], dtype=np.int64
        )

    # ---- seed-independent parts --------------------------------------------------------

    def rivals(self, vendor: int) -> tuple[int, ...]:
        """The other vendors' options."""
        return tuple(o for o in self.vendor_indices if o != vendor)

    def seller_source(self, vendor: int) -> str:
        """The trust key members keep for `vendor`'s seller."""
        return f"seller:{self.option_names[vendor]}"

    def _apply_discounts(self) -> None:
        """A vendor's price concession (`sellers.<vendor>.discount`) is part of its offer from
        the start, whatever its seller's strategy: its true cost score rises by it."""
        if "cost" not in self.criteria:
            return
        cost = self.criteria.index("cost")
        for vendor in self.vendor_indices:
            discount = self.seller_specs[self.option_names[vendor]].discount
            self.truth[vendor][cost] = min(1.0, self.truth[vendor][cost] + discount)

    def _information_environment(self) -> InformationEnvironment:
        """Sources by key. Vendor content and sellers speak for one vendor ('kind:vendor');
        a seller's claims carry the `seller` source's bias only if its strategy overclaims."""
        sources = self.scenario.information.sources
        keyed = {
            kind: (source.bias, source.noise)
            for kind, source in sources.items()
            if kind not in VENDOR_VOICES
        }
        for vendor in self.vendor_indices:
            name = self.option_names[vendor]
            content, seller = sources["vendor_content"], sources["seller"]
            keyed[f"vendor_content:{name}"] = (content.bias, content.noise)
            seller_class = SELLER_CLASSES[self.seller_specs[name].strategy]
            overclaims = seller_class is not None and seller_class.overclaims
            keyed[f"seller:{name}"] = (seller.bias if overclaims else 0.0, seller.noise)
        return InformationEnvironment(self.option_names, self.truth, self.vendor_indices, keyed)

    def _params(self) -> np.ndarray:
        """The scenario's numbers the mechanisms read, by kernel name, at week 0."""
        scenario = self.scenario
        behaviour, information = scenario.behaviour, scenario.information
        params = np.zeros(k.N_PARAMS)
        params[k.Param.SELLER_TIME_SHARE] = behaviour.seller_time_share
        params[k.Param.DISCLOSURE] = behaviour.disclosure
        params[k.Param.PRIOR_SD] = behaviour.prior_sd
        params[k.Param.CHOICE_NOISE] = behaviour.choice_noise
        params[k.Param.CLAIMS_FOUND] = information.claims_per_hour * information.overload
        params[k.Param.ATTENTION] = information.attention
        params[k.Param.VALIDATION_Z] = behaviour.validation_z
        params[k.Param.CONFIRMATION_BOOST] = behaviour.confirmation_boost
        params[k.Param.TRUST_GAIN] = behaviour.trust_gain
        params[k.Param.TRUST_LOSS] = behaviour.trust_loss
        params[k.Param.CONVERGENCE] = behaviour.convergence
        params[k.Param.CONFLICT_FATIGUE] = behaviour.conflict_fatigue
        params[k.Param.OVERLOAD_FATIGUE] = behaviour.overload_fatigue
        params[k.Param.FATIGUE_RECOVERY] = behaviour.fatigue_recovery
        params[k.Param.OVERLOAD_RECOVERY] = behaviour.overload_recovery
        params[k.Param.URGENCY_DECAY] = scenario.account.urgency_decay
        params[k.Param.CLAIM_PRECISION] = 1.0 / behaviour.claim_sd**2
        params[k.Param.WEEK] = 0
        params[k.Param.URGENCY] = scenario.account.urgency
        params[k.Param.PAIN] = scenario.account.pain
        return params

    # ---- one seed's arrays ---------------------------------------------------------------

    def draw(self, seed: int) -> SeededDeal:
        """What a seed decides before the sellers: the account's events, the committee (drawn
        and seated), its world, the peer network and the committee's behaviour stream, each
        from its own stream, so both set-up paths meet the same deal."""
        scenario = self.scenario
        streams = RandomStreams(seed)
        states = streams.deal_states(len(self.option_names))
        events = exogenous_events(
            states.exogenous,
            scenario.horizon_weeks,
            scenario.account.shock_rate,
        )
        members = draw_members(self.committee_plan, states.committee)
        n = len(members.kinds)
        world = self.world(n)
        network = (
            PeerNetwork.build(
                scenario.network, n, self.vendor_options, streams.generator(Purpose.NETWORK)
            )
            if scenario.network is not None
            else None
        )
        behaviour = BehaviourStream(states.behaviour)
        committee = new_committee(
            n, len(self.option_names), len(self.criteria), len(self.information.keys),
            scenario.horizon_weeks,
        )  # fmt: skip
        self.seat(committee, members, world.params)
        net = network.arrays if network is not None else NO_NETWORK
        return SeededDeal(
            streams, states, events, members, world, network, net, behaviour, committee
        )

    def profiles(self, members: DrawnCommittee) -> list[StakeholderProfile]:
        """The drawn members as profiles (the Mesa agents' and the story's view of them)."""
        return profiles_of(self.committee_plan, members)

    def names(self, members: DrawnCommittee) -> list[str]:
        """The members' story names, by seat."""
        return self.committee_plan.names(members.kinds)

    def org_chart(self, members: DrawnCommittee) -> OrgChart:
        """The org chart's arrays, as every seller's desk holds them (`org_chart_arrays`)."""
        chart, kinds = self._kind_chart, members.kinds
        return OrgChart(chart.influence[kinds], chart.role_top[kinds], chart.champion[kinds])

    def week_hours(self, members: DrawnCommittee) -> int:
        """An upper bound on the committee's member-hours in one week: each member's hours,
        rounded up, plus one."""
        return int(self._kind_week_hours[members.kinds].sum())

    def world(self, n_members: int) -> World:
        """The world of one deal: the shared offers and sources, its own numbers."""
        information = self.information
        n_options = len(self.option_names)
        return World(
            truth=information.truth,
            bias=information.bias,
            noise=information.noise_by_source,
            seller_hours=np.zeros(n_options),
            inquiries=np.zeros((n_options, n_members)),
            params=self.params.copy(),
        )

    def trust_row(self, trust: dict[str, float]) -> np.ndarray:
        """Trust per source key: the role's value (`trust`) if it has one, else the source's
        default (one row per distinct set of a role's trusts, copied into the committee)."""
        key = tuple(trust.items())
        row = self._trust.get(key)
        if row is None:
            row = np.zeros(len(self.information.keys))
            index = self.information.index
            for kind, source in self.scenario.information.sources.items():
                value = trust.get(kind, source.trust)
                if kind in VENDOR_VOICES:
                    for vendor in self.vendor_indices:
                        row[index[f"{kind}:{self.option_names[vendor]}"]] = value
                else:
                    row[index[kind]] = value
            self._trust[key] = row
        return row

    def seat(self, committee: Committee, members: DrawnCommittee, params: np.ndarray) -> None:
        """Write every member's traits, trust, priorities and prior beliefs into its row, and
        their first appraisal (`kernel.seat_committee`)."""
        table, kinds = self.committee_plan.kinds, members.kinds
        behaviour = self.scenario.behaviour
        k.seat_committee(
            committee, params, table.influence[kinds], table.veto[kinds],
            table.open_mindedness[kinds], table.weekly_hours[kinds], members.risk_aversion,
            members.stubbornness, members.priorities, self._kind_trust[kinds], members.jitter,
            self.truth_array[self.status_quo_index], STATUS_QUO_SD, behaviour.prior_mean,
            behaviour.prior_sd,
        )  # fmt: skip

    def deal(self, events: dict[int, ExogenousEvent], order_mt: np.ndarray, n_sellers: int,
             n_members: int) -> Deal:  # fmt: skip
        """The deal's arrays: this run's exogenous events, the decision rule, an open status,
        the seller order's stream (`order_mt`: its `random.Random` state's words)."""
        horizon = self.scenario.horizon_weeks
        shocks = np.zeros((horizon + 2, k.N_SHOCK_COLUMNS))
        for week, event in events.items():
            shocks[week] = (1.0, event.factor, event.boost, EVENT_KINDS.index(event))
        status = np.full(k.N_STATUS_COLUMNS, -1.0)
        status[k.StatusColumn.VETOES] = status[k.StatusColumn.DONE] = 0.0
        status[k.StatusColumn.AGREEMENT] = math.nan
        lines = 4 * n_members + 64
        return Deal(
            shocks=shocks,
            rule=self.rule.copy(),
            status=status,
            weeks=np.zeros((horizon, k.N_VIEW_COLUMNS)),
            order_mt=order_mt,
            order=np.arange(n_sellers, dtype=np.int64),
            lines=np.zeros((lines, k.N_LINE_COLUMNS), dtype=np.int64),
            line_values=np.zeros(lines),
            line_count=np.zeros(1, dtype=np.int64),
        )


def draws_per_hour(params: np.ndarray) -> tuple[int, int]:
    """Upper bounds on the uniform and normal draws of one member-hour (see `kernel.seek`,
    `validate`, `align`): at most 5 + 3 x claims uniforms and 2 + claims normals, with
    claims <= ceil(claims found) + 1."""
    claims = math.ceil(params[k.Param.CLAIMS_FOUND]) + 1
    return 5 + 3 * claims, 2 + claims


def draws_needed(per_hour: tuple[int, int], hours: int, n_members: int) -> tuple[int, int]:
    """Uniforms and normals `hours` member-hours may use (`draws_per_hour` each), and the
    committee's shuffle and fractional hours."""
    return hours * per_hour[0] + 2 * n_members, hours * per_hour[1]
