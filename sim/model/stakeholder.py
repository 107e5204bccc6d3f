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
"""

from __future__ import annotations

import math
import random
from enum import StrEnum
from operator import mul, sub
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model.information import Beliefs, Claim, vendor_of

if TYPE_CHECKING:
    from sim.model.committee import StakeholderProfile
    from sim.model.model import BuyingCommitteeModel

RECENT_CLAIMS = 12
"""Claims a stakeholder keeps in mind as candidates for validation; older ones are taken as
they are."""


TRUST_FLOOR = 0.02
"""Trust never falls below this: a discredited source is doubted, not ignored forever."""

MIN_TRUST_TO_MEET = 0.15
"""Below this trust in a seller, a stakeholder declines its meetings."""


class BuyingJob(StrEnum):
    """The three concurrent buying jobs (Gartner)."""

    SEEK = "seek"
    VALIDATE = "validate"
    ALIGN = "align"


JOBS: tuple[BuyingJob, ...] = (BuyingJob.SEEK, BuyingJob.VALIDATE, BuyingJob.ALIGN)


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


class Stakeholder(mesa.Agent):
    """A member of the buying committee (see docs/ODD.md, 'Stakeholder')."""

    model: BuyingCommitteeModel

    def __init__(
        self,
        model: BuyingCommitteeModel,
        profile: StakeholderProfile,
        trust: dict[str, float],
        beliefs: Beliefs,
        rng: random.Random,
    ) -> None:
        super().__init__(model)
        self.profile = profile
        self.name = profile.name
        self.draws = rng
        self.influence = profile.influence
        self.veto = profile.veto
        self.risk_aversion = profile.risk_aversion
        self.stubbornness = profile.stubbornness
        self.open_mindedness = profile.open_mindedness
        self.anchor = profile.priorities
        self.priorities = list(profile.priorities)
        self.trust = trust
        self.beliefs = beliefs
        self.recent_claims: list[Claim] = []
        self.load = 0.0
        self.overload = 0.0
        self.fatigue = 0.0
        self.peak_fatigue = 0.0
        self.fatigue_from_conflict = 0.0
        self.fatigue_from_overload = 0.0
        self.hours_left = 0.0
        self.seller_time_left = 0.0
        """What is left of this week's attention for sellers (all of them together)."""
        self.felt_deadline = 0.0
        """Urgency this member feels beyond the account's, from a seller's deadline."""
        self.consensus_help = 0.0
        self.week_hours = dict.fromkeys(JOBS, 0.0)
        self.week_hours_with_sellers = 0.0
        self.total_hours = dict.fromkeys(JOBS, 0.0)
        self.total_hours_with_sellers = 0.0
        self.hours_seeking_alone = 0.0
        """Self-directed research: seek hours not spent in seller meetings."""
        self.last_week_hours: dict[str, float] = {}
        self.jobs_by_week: list[str] = []
        self.claims_discredited = 0
        self.conflicts = 0
        self.utilities: list[float] = []
        self.preferred = 0
        self.confidence = 0.0
        self.uncertainty = 1.0
        self.seat = 0
        """Position in the committee (set by the model); indexes the peer network."""
        self.disagreement = 0.0
        """Set by the model at the start of each week from `disagreements`."""
        self.appraise()

    # ---- the week -------------------------------------------------------------------

    def start_week(self) -> None:
        """Set this week's hours, and the share of them sellers may have, before any seller
        asks for a meeting."""
        self.hours_left = self.weekly_budget()
        self.seller_time_left = self.hours_left * self.model.settings.behaviour.seller_time_share

    def grant_meeting(self, seller_source: str, hours: float) -> float:
        """Attention: the hours of a requested meeting this member gives - as much of it as
        its allowance for sellers still holds, none if it no longer trusts the seller enough.
        Continuous in `hours`: a meeting's length changes its cost, never whether it happens."""
        if self.trust[seller_source] < MIN_TRUST_TO_MEET:
            return 0.0
        return max(0.0, min(hours, self.seller_time_left))

    def book_seller_time(self, hours: float, job: str) -> None:
        """A seller meeting takes `hours` of this week, counted under `job`."""
        self.hours_left -= hours
        self.seller_time_left -= hours
        self.week_hours[BuyingJob(job)] += hours
        self.week_hours_with_sellers += hours

    def step(self) -> None:
        """Spend this week's remaining hours on buying jobs, an hour each; a fraction of an
        hour left over becomes one more hour with that probability (so hours count fully on
        average, and no threshold of whole hours decides anything)."""
        hours = max(0.0, self.hours_left)
        whole = math.floor(hours)
        actions = whole + (1 if self.draws.random() < hours - whole else 0)
        for _ in range(actions):
            job = self.choose_job()
            if job is BuyingJob.SEEK:
                self.hours_seeking_alone += 1.0 - self.seek()
            elif job is BuyingJob.VALIDATE:
                self.validate()
            else:
                self.align()
            self.week_hours[job] += 1.0
        self.hours_left = 0.0

    def weekly_budget(self) -> float:
        """Hours available this week: fewer when tired."""
        return self.profile.weekly_hours * (1.0 - self.fatigue)

    def end_week(self) -> None:
        """Overload turns into fatigue, the load clears partly, and the week is recorded."""
        behaviour = self.model.settings.behaviour
        attention = self.model.settings.information.attention
        self.overload = self.load / attention
        from_overload = behaviour.overload_fatigue * max(0.0, self.overload - 1.0)
        self.fatigue_from_overload += from_overload
        self.fatigue = min(1.0, max(0.0, self.fatigue + from_overload - behaviour.fatigue_recovery))
        self.peak_fatigue = max(self.peak_fatigue, self.fatigue)
        self.load *= 1.0 - behaviour.overload_recovery
        self.felt_deadline *= 1.0 - self.model.settings.account.urgency_decay
        self.appraise()
        hours = self.week_hours
        busiest = max(JOBS, key=hours.__getitem__)
        self.jobs_by_week.append(busiest.value if hours[busiest] > 0 else "idle")
        self.last_week_hours = {job.value: hours[job] for job in JOBS}
        self.last_week_hours["with_sellers"] = self.week_hours_with_sellers
        for job in JOBS:
            self.total_hours[job] += hours[job]
            hours[job] = 0.0
        self.total_hours_with_sellers += self.week_hours_with_sellers
        self.week_hours_with_sellers = 0.0
        self.consensus_help = 0.0

    # ---- choosing a job ---------------------------------------------------------------

    def needs(self) -> tuple[float, float, float]:
        """How much the stakeholder needs each job now, each on a 0-1 scale.

        seek: uncertainty about the vendors on what matters to it, damped by overload;
        validate: doubt about the recent claims it has not checked;
        align: how much of the committee's influence prefers another option, plus how far
        its priorities are from its colleagues'.
        """
        model = self.model
        beliefs = self.beliefs
        p = self.priorities
        # sd_by_criterion sums every option; the status quo's sd never changes (it is known).
        uncertainty = sum(map(mul, p, beliefs.sd_by_criterion)) - sum(
            map(mul, p, beliefs.sd[model.status_quo_index])
        )
        seek = uncertainty / (len(model.vendor_indices) * model.settings.behaviour.prior_sd)
        seek /= 1.0 + max(0.0, self.overload - 1.0)
        trust = self.trust
        doubt = sum([p[k.criterion] * (1.0 - trust[k.origin]) for k in self.recent_claims])
        return seek, doubt / (doubt + 0.5), self.disagreement

    def choose_job(self) -> BuyingJob:
        """Softmax over needs with temperature `behaviour.choice_noise`."""
        seek, validate, align = self.needs()
        temperature = self.model.settings.behaviour.choice_noise
        w_seek = math.exp(seek / temperature)
        w_validate = math.exp(validate / temperature) if self.recent_claims else 0.0
        w_align = math.exp(align / temperature) if len(self.model.stakeholders) > 1 else 0.0
        draw = self.draws.random() * (w_seek + w_validate + w_align)
        if draw < w_seek:
            return BuyingJob.SEEK
        if draw < w_seek + w_validate:
            return BuyingJob.VALIDATE
        return BuyingJob.ALIGN

    # ---- the three jobs ---------------------------------------------------------------

    def seek(self) -> float:
        """Look for claims about the vendor criterion that matters most and is least known,
        from a source picked in proportion to trust. The vendor's seller is one of them while
        it has hours left and this member has attention left for sellers: buyers ask sellers
        too, and that time counts as time with sellers. Returns the hour's share spent so."""
        model = self.model
        rng = self.draws
        sd = self.beliefs.sd
        cells = [
            (o, c, self.priorities[c] * sd[o][c])
            for o in model.vendor_indices
            for c in range(len(self.priorities))
        ]
        option, criterion = weighted_pick(cells, rng)
        sources = model.sources_for(self, option)
        seller = model.seller_of(option)
        if seller is not None and seller.takes_inquiries and self.grant_meeting(seller.source, 1.0):
            sources = [*sources, seller.source]
        source = weighted_pick([(s, None, self.trust[s]) for s in sources], rng)[0]
        attended = 1.0
        if seller is not None and source == seller.source:
            attended = min(1.0, seller.hours_left, self.seller_time_left)
            seller.answer_inquiry(self.seat, attended)
            self.seller_time_left -= attended
            self.week_hours_with_sellers += attended
        found = model.settings.information.claims_per_hour * model.settings.information.overload
        n_claims = int(found) + (1 if rng.random() < found - int(found) else 0)
        noise = model.information.noise(source)
        for k in range(n_claims):
            c = criterion if k == 0 else rng.randrange(len(self.priorities))
            value = model.claim_from(self, source, option, c)
            self.hear(option, c, value, source, sd=noise, attended=attended)
        model.log(self.name, "seek", model.cell_name(option, criterion), source, n_claims)
        return attended if seller is not None and source == seller.source else 0.0

    def validate(self) -> None:
        """Check a recent claim against the most trusted independent source (see
        `fails_check`); a failed claim is dropped and its origin blamed (`discredit`)."""
        model = self.model
        behaviour = model.settings.behaviour
        rng = self.draws
        recent = self.recent_claims
        # Tournament of two: the more doubtful of two recent claims, weighted by what matters.
        first, second = recent[rng.randrange(len(recent))], recent[rng.randrange(len(recent))]
        p, trust = self.priorities, self.trust
        doubt_first = p[first.criterion] * (1.0 - trust[first.origin])
        claim = (
            first if doubt_first >= p[second.criterion] * (1.0 - trust[second.origin]) else second
        )
        recent.remove(claim)
        checkers = [
            s
            for s in model.sources_for(self, claim.option)
            if s in ("independent_research", "peers") and s != claim.origin
        ] or ["independent_research"]
        checker = max(checkers, key=self.trust.__getitem__)
        check = model.claim_from(self, checker, claim.option, claim.criterion)
        check_sd = model.information.noise(checker)
        target = model.cell_name(claim.option, claim.criterion)
        claim.validated = True
        if fails_check(claim.value, claim.sd, check, check_sd, behaviour.validation_z):
            self.discredit(claim)
            model.log(self.name, "validate", target, "discredited:" + claim.origin, check)
        else:
            self.beliefs.reweight(claim, behaviour.confirmation_boost)
            trust = self.trust[claim.origin]
            self.trust[claim.origin] = trust + behaviour.trust_gain * (1.0 - trust)
            model.log(self.name, "validate", target, "confirmed:" + claim.origin, check)
        self.hear(claim.option, claim.criterion, check, checker, sd=check_sd, validated=True)

    def discredit(self, claim: Claim) -> None:
        """Drop a claim found wrong and blame its origin (not a colleague who relayed it). A
        vendor caught overclaiming loses credibility in every voice it has - its seller and its
        content alike - not only in the one that was caught."""
        self.beliefs.remove(claim)
        self.claims_discredited += 1
        loss = self.model.settings.behaviour.trust_loss
        vendor = vendor_of(claim.origin)
        blamed = (
            [key for key in self.trust if vendor_of(key) == vendor] if vendor else [claim.origin]
        )
        for key in blamed:
            self.trust[key] = max(TRUST_FLOOR, self.trust[key] - loss)

    def align(self) -> None:
        """Meet a colleague, preferring those who matter and those who disagree."""
        others = [s for s in self.model.stakeholders if s is not self]
        partner = weighted_pick(
            [
                (s, None, s.influence * (2.0 if s.preferred != self.preferred else 1.0))
                for s in others
            ],
            self.draws,
        )[0]
        self.align_with(partner)

    def align_with(self, partner: Stakeholder) -> bool:
        """Converge if priorities are within the bounded-confidence radius (widened by any
        consensus help this week), clash otherwise. True if they converged."""
        model = self.model
        behaviour = model.settings.behaviour
        distance = priority_distance(self.priorities, partner.priorities)
        radius = self.open_mindedness + max(self.consensus_help, partner.consensus_help)
        if distance <= radius:
            mine = tuple(self.priorities)
            self.move_toward(partner.priorities, behaviour.convergence)
            partner.move_toward(mine, behaviour.convergence)
            self.share_beliefs_with(partner)
            partner.share_beliefs_with(self)
            model.log(self.name, "align", partner.name, "converged", distance)
            return True
        for side in (self, partner):
            side.fatigue = min(1.0, side.fatigue + behaviour.conflict_fatigue)
            side.fatigue_from_conflict += behaviour.conflict_fatigue
        self.conflicts += 1
        model.log(self.name, "align", partner.name, "clashed", distance)
        return False

    # ---- what the jobs do to the stakeholder ------------------------------------------

    def hear(
        self,
        option: int,
        criterion: int,
        value: float,
        origin: str,
        *,
        sd: float,
        channel: str = "",
        validated: bool = False,
        attended: float = 1.0,
    ) -> Claim:
        """Take in a claim: its weight grows with trust in its origin (whoever relayed it),
        with the hours of attention it got (`attended`: an hour conveys it at full weight, a
        shortened meeting less),
        and shrinks when the week's information load exceeds the stakeholder's attention."""
        self.load += attended
        model = self.model
        attention = model.settings.information.attention
        absorption = 1.0 if self.load <= attention else attention / self.load
        weight = self.trust[origin] * absorption * attended * model.claim_precision
        claim = Claim(
            option, criterion, value, origin, weight, model.week, validated, channel or origin, sd
        )
        self.beliefs.add(claim)
        if not validated:
            self.recent_claims.append(claim)
            if len(self.recent_claims) > RECENT_CLAIMS:
                del self.recent_claims[0]
        return claim

    def move_toward(self, other: list[float] | tuple[float, ...], convergence: float) -> None:
        """Friedkin-Johnsen step: p <- s * p0 + (1 - s) * (p + mu * (q - p))."""
        s = self.stubbornness
        self.priorities = [
            s * p0 + (1.0 - s) * (p + convergence * (q - p))
            for p0, p, q in zip(self.anchor, self.priorities, other, strict=True)
        ]

    def share_beliefs_with(self, listener: Stakeholder) -> None:
        """Tell `listener` this stakeholder's view of the vendor on which they differ most,
        on the criterion that matters most to the listener."""
        mine, theirs = self.beliefs.mean, listener.beliefs.mean
        weights = listener.priorities
        criterion = weights.index(max(weights))
        option = max(
            self.model.vendor_indices, key=lambda o: abs(mine[o][criterion] - theirs[o][criterion])
        )
        listener.hear(
            option,
            criterion,
            mine[option][criterion],
            "colleagues",
            sd=self.beliefs.sd[option][criterion],
        )

    def feel_pressure(
        self, seller_source: str, vendor: int, pressure: float, reactance: float
    ) -> None:
        """A seller's deadline, through this member's own state. Its sureness
        `2 * confidence - 1` (0: torn, 1: certain) decides the reaction: a member who favours
        the seller's product feels the deadline in proportion to its sureness (doing nothing
        looks costlier to it, saturating at 1); every member reacts against the pressure in
        proportion to its unsureness - it trusts the seller less and grows warier of buying
        at all (JOLT: pressure on indecisive buyers loses deals)."""
        sureness = max(0.0, 2.0 * self.confidence - 1.0)
        if self.preferred == vendor:
            self.felt_deadline += pressure * sureness * (1.0 - self.felt_deadline)
        push_back = reactance * (1.0 - sureness)
        self.trust[seller_source] = max(TRUST_FLOOR, self.trust[seller_source] - push_back)
        self.risk_aversion += push_back

    def appraise(self) -> None:
        """Value every option (mean-variance utility under its priorities; the status quo
        carries the pain of the problem times the urgency), how sure it is that its favourite
        is best (`confidence`) and how uncertain it still is about that favourite's value
        (`uncertainty`, the sd of its utility)."""
        model = self.model
        mean, sd = self.beliefs.mean, self.beliefs.sd
        p = self.priorities
        p_squared = list(map(mul, p, p))
        rho = self.risk_aversion
        utilities = []
        variances = []
        for o in range(len(mean)):
            value = sum(map(mul, p, mean[o]))
            variance = sum(map(mul, p_squared, map(mul, sd[o], sd[o])))
            if o == model.status_quo_index:
                value -= model.pain * (model.urgency + self.felt_deadline)
            utilities.append(value - rho * math.sqrt(variance))
            variances.append(variance)
        best = utilities.index(max(utilities))
        if len(utilities) > 1:
            second = max((u, o) for o, u in enumerate(utilities) if o != best)[1]
            gap = utilities[best] - utilities[second]
            self.confidence = normal_cdf(
                gap / math.sqrt(variances[best] + variances[second] + 1e-6)
            )
        else:
            self.confidence = 1.0
        self.utilities = utilities
        self.preferred = best
        self.uncertainty = math.sqrt(variances[best])


def fails_check(value: float, value_sd: float, check: float, check_sd: float, z: float) -> bool:
    """The noise-aware check: an honest claim and an independent reading differ by noise of
    sd sqrt(value_sd^2 + check_sd^2); a gap beyond `z` of those sds is taken for bias. So an
    honest claim fails with probability about 2 * (1 - Phi(z)), and a bias b is caught more
    often the larger b is against that combined noise."""
    return abs(value - check) > z * math.sqrt(value_sd * value_sd + check_sd * check_sd)


def priority_distance(
    p: list[float] | tuple[float, ...], q: list[float] | tuple[float, ...]
) -> float:
    """Half the L1 distance between two priority vectors: 0 identical, 1 disjoint."""
    return 0.5 * sum(map(abs, map(sub, p, q)))


def disagreements(stakeholders: list[Stakeholder]) -> list[float]:
    """Each member's need to align: the influence share of colleagues preferring another
    option, plus half the mean distance between its priorities and theirs (0 when alone)."""
    n = len(stakeholders)
    if n < 2:
        return [0.0] * n
    priorities = np.array([s.priorities for s in stakeholders])
    distance = 0.5 * np.abs(priorities[:, None, :] - priorities[None, :, :]).sum(axis=2)
    influence = np.array([s.influence for s in stakeholders])
    preferred = np.array([s.preferred for s in stakeholders])
    differs = preferred[:, None] != preferred[None, :]
    others_influence = influence.sum() - influence
    against = (differs * influence[None, :]).sum(axis=1) / others_influence
    return (against + 0.5 * distance.sum(axis=1) / (n - 1)).tolist()


def weighted_pick[T](
    items: list[tuple[T, int | None, float]], rng: random.Random
) -> tuple[T, int | None]:
    """Pick (first, second) of one item with probability proportional to its third field."""
    total = sum(item[2] for item in items)
    draw = rng.random() * total
    for first, second, weight in items:
        draw -= weight
        if draw < 0.0:
            return first, second
    return items[-1][0], items[-1][1]
