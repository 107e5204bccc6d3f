"""The Mesa model of one account's buying committee, one step per week.

Each week: urgency fades and exogenous events may strike; sellers act (booking stakeholder
time); every stakeholder, in random order, spends its remaining hours on seek / validate /
align; overload turns into fatigue and each member re-appraises the options; then the
committee checks its decision rule and whether it gives up.
"""

from __future__ import annotations

import mesa

from sim.config.scenario import Scenario
from sim.model.committee import StakeholderProfile, draw_committee
from sim.model.decision import (
    committee_view,
    deal_quality,
    is_decided,
    opposing_vetoes,
    stall_reason,
)
from sim.model.exogenous import ExogenousEvent, draw_exogenous_events
from sim.model.information import Beliefs, InformationEnvironment
from sim.model.metrics import count_loopbacks
from sim.model.network import PeerNetwork
from sim.model.result import (
    CommitteeWeek,
    DealResult,
    Event,
    NoDecisionCause,
    Outcome,
    WeekState,
)
from sim.model.sellers import SELLER_CLASSES, Seller
from sim.model.stakeholder import JOBS, Stakeholder, disagreements
from sim.model.streams import Purpose, RandomStreams

STATUS_QUO = "status_quo"
STATUS_QUO_SD = 0.03
"""The status quo is known: beliefs about it start at the truth with this small sd."""

VENDOR_VOICES = ("vendor_content", "seller")
"""Source kinds that speak for one vendor: stakeholders trust each vendor's separately."""

DEFAULT_VENDOR_QUALITY = 0.6
DEFAULT_STATUS_QUO_QUALITY = 0.5


class BuyingCommitteeModel(mesa.Model):
    """One purchase: a committee, the options, the information sources and the sellers."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        streams = RandomStreams(seed)
        super().__init__(rng=streams.generator(Purpose.BEHAVIOUR, 0))
        self.settings = scenario  # Mesa 3.5 reserves `Model.scenario` for its own Scenario
        self.seed = seed
        self.week = 0
        self.events: list[Event] = []
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
        self.claim_precision = 1.0 / scenario.behaviour.claim_sd**2
        self.urgency = scenario.account.urgency
        self.pain = scenario.account.pain
        self.exogenous_events = draw_exogenous_events(
            streams.generator(Purpose.EXOGENOUS),
            scenario.horizon_weeks,
            scenario.account.shock_rate,
        )
        self.profiles = draw_committee(scenario, streams.generator(Purpose.COMMITTEE))
        self.network = (
            PeerNetwork.build(
                scenario.network,
                len(self.profiles),
                {name: 1 + k for k, name in enumerate(vendors)},
                streams.generator(Purpose.NETWORK),
            )
            if scenario.network is not None
            else None
        )
        behaviour_streams = streams.python_randoms(Purpose.BEHAVIOUR, len(self.profiles), key=1)
        self.stakeholders = [
            Stakeholder(
                self, profile, self._initial_trust(profile), self._initial_beliefs(profile), rng
            )
            for profile, rng in zip(self.profiles, behaviour_streams, strict=True)
        ]
        for seat, stakeholder in enumerate(self.stakeholders):
            stakeholder.seat = seat
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
        self.outcome: Outcome | None = None
        self.no_decision_cause: NoDecisionCause | None = None
        self.stall_reason: str | None = None
        self.chosen: int | None = None
        self.decision_view = None
        self.vetoes = 0
        self.weekly: list[WeekState] = []
        self.committee_weekly: list[CommitteeWeek] = []

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

    def _initial_trust(self, profile: StakeholderProfile) -> dict[str, float]:
        """Trust per source key: the role's value if it has one, else the source's default."""
        trust = {}
        for kind, source in self.settings.information.sources.items():
            value = profile.trust.get(kind, source.trust)
            if kind in VENDOR_VOICES:
                for vendor in self.vendor_indices:
                    trust[f"{kind}:{self.option_names[vendor]}"] = value
            else:
                trust[kind] = value
        return trust

    def _initial_beliefs(self, profile: StakeholderProfile) -> Beliefs:
        """The status quo is known; every vendor criterion starts at the behaviour's prior
        mean plus this member's first impression, with the prior uncertainty."""
        n_criteria = len(self.settings.criteria)
        prior_mean = self.settings.behaviour.prior_mean
        prior_sd = self.settings.behaviour.prior_sd
        means = [list(self.truth[self.status_quo_index])]
        sds = [[STATUS_QUO_SD] * n_criteria]
        for k, _ in enumerate(self.vendor_indices):
            jitter = profile.prior_jitter[k * n_criteria : (k + 1) * n_criteria]
            means.append([min(1.0, max(0.0, prior_mean + j)) for j in jitter])
            sds.append([prior_sd] * n_criteria)
        return Beliefs(means, sds)

    # ---- the week ---------------------------------------------------------------------

    def step(self) -> None:
        self.week += 1
        self._account_moves()
        for stakeholder in self.stakeholders:
            stakeholder.start_week()
        self.seller_order.shuffle(self.sellers)
        for seller in self.sellers:
            seller.start_week()
            seller.act()
        for stakeholder, need in zip(
            self.stakeholders, disagreements(self.stakeholders), strict=True
        ):
            stakeholder.disagreement = need
        self.agents_by_type[Stakeholder].shuffle_do("step")
        for stakeholder in self.stakeholders:
            stakeholder.end_week()
        self._record_week()
        self._check_decision()
        if self.outcome is not None or self.week >= self.settings.horizon_weeks:
            self.running = False

    def _account_moves(self) -> None:
        """Urgency fades while nothing is decided; exogenous events move it."""
        self.urgency *= 1.0 - self.settings.account.urgency_decay
        event: ExogenousEvent | None = self.exogenous_events.get(self.week)
        if event is not None:
            before = self.urgency
            self.urgency = event.apply(self.urgency)
            self.log("world", "event", event.kind, "urgency", self.urgency - before)

    def _record_week(self) -> None:
        names = self.option_names
        for s in self.stakeholders:
            hours = s.last_week_hours
            self.weekly.append(
                WeekState(
                    self.week,
                    s.name,
                    s.jobs_by_week[-1],
                    hours["seek"],
                    hours["validate"],
                    hours["align"],
                    hours["with_sellers"],
                    names[s.preferred],
                    s.confidence,
                    s.fatigue,
                    s.overload,
                )
            )
        view = committee_view(self.stakeholders, len(names))
        self.committee_weekly.append(
            CommitteeWeek(
                self.week,
                self.urgency,
                names[view.leading_option],
                view.support,
                view.confidence,
                view.uncertainty,
            )
        )

    def _check_decision(self) -> None:
        rule = self.settings.decision
        view = committee_view(self.stakeholders, len(self.option_names))
        if is_decided(view, rule):
            option = view.leading_option
            blockers = (
                opposing_vetoes(self.stakeholders, option, self.status_quo_index)
                if rule.vetoes and option != self.status_quo_index
                else []
            )
            if blockers:
                self.vetoes += 1
                for blocker in blockers:
                    self.log(
                        blocker.name, "veto", self.option_names[option], "blocked", view.support
                    )
            else:
                self._decide(option, view)
                return
        reason = stall_reason(self.stakeholders, self.urgency, rule)
        if reason is not None:
            self.outcome = Outcome.NO_DECISION
            self.no_decision_cause = NoDecisionCause.STALLED
            self.stall_reason = reason
            self.log("committee", "stall", STATUS_QUO, reason, view.support)

    def _decide(self, option: int, view) -> None:
        self.chosen = option
        self.decision_view = view
        if option == self.status_quo_index:
            self.outcome = Outcome.NO_DECISION
            self.no_decision_cause = NoDecisionCause.STATUS_QUO
        else:
            self.outcome = Outcome.WON if option == self.our_index else Outcome.LOST
        self.log("committee", "decide", self.option_names[option], self.outcome.value, view.support)

    # ---- services for agents ----------------------------------------------------------

    def sources_for(self, stakeholder: Stakeholder, option: int) -> list[str]:
        """Where a stakeholder can look on its own: with a peer network, only if it knows
        somebody there can it ask peers."""
        sources = self.information.sources_about(option)
        if self.network is not None and not self.network.knows_peers(stakeholder.seat):
            sources = [s for s in sources if s != "peers"]
        return sources

    def seller_of(self, option: int) -> Seller | None:
        """The seller working for a vendor, if it has one."""
        return self._seller_by_vendor.get(option)

    def claim_from(
        self, stakeholder: Stakeholder, source: str, option: int, criterion: int
    ) -> float:
        """What `source` tells `stakeholder` about (option, criterion): through the network
        when peers are asked and there is one, else the source's generic claim."""
        rng = stakeholder.draws
        if source == "peers" and self.network is not None:
            value, _ = self.network.ask(
                stakeholder.seat,
                option,
                criterion,
                self.truth[option][criterion],
                self.settings.information.sources["peers"].noise,
                rng,
                self.settings.information.sources["peers"].bias,
            )
            return value
        return self.information.state(source, option, criterion, rng.gauss(0.0, 1.0))

    def log(self, actor: str, action: str, target: str, effect: str, value: float = 0.0) -> None:
        self.events.append(Event(self.week, actor, action, target, effect, value))

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
        regret = None
        if purchase:
            regret = deal_quality(
                stakeholders,
                self.chosen,
                self.truth,
                self.vendor_indices,
                scenario.decision.regret_margin,
            ).regret
        agreement = self.decision_view.support if self.decision_view else None
        hours_by_job = {job.value: sum(s.total_hours[job] for s in stakeholders) for job in JOBS}
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
            agreement=agreement,
            consensus=None if agreement is None else agreement >= scenario.decision.consensus_level,
            high_quality=purchase and not regret,
            purchase_ease=1.0 - sum(s.peak_fatigue for s in stakeholders) / len(stakeholders),
            n_stakeholders=len(stakeholders),
            loopbacks={s.name: count_loopbacks(s.jobs_by_week) for s in stakeholders},
            hours_by_job=hours_by_job,
            hours_with_sellers=sum(s.total_hours_with_sellers for s in stakeholders),
            hours_seeking_alone=sum(s.hours_seeking_alone for s in stakeholders),
            seller_hours={s.vendor_name: s.hours_spent for s in self.sellers},
            stakeholders_reached={s.vendor_name: len(s.reached) for s in self.sellers},
            claims_discredited=sum(s.claims_discredited for s in stakeholders),
            peer_claims=dict(self.network.told) if self.network is not None else {},
            conflicts=sum(s.conflicts for s in stakeholders),
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
    """Run one deal: a pure function of (scenario, seed)."""
    return BuyingCommitteeModel(scenario, seed).run()
