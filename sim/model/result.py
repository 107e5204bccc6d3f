"""What one run returns: plain data, no model objects, so it pickles, serialises and
stores cheaply. The report and story layers read this and never re-run a model."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class Outcome(StrEnum):
    WON = "won"
    LOST = "lost"
    NO_DECISION = "no_decision"
    OPEN = "open"  # still undecided at the horizon: right-censored


class NoDecisionCause(StrEnum):
    STATUS_QUO = "status_quo"  # the committee chose to do nothing
    STALLED = "stalled"  # the committee gave up: fatigue, conflict or lost urgency


class Event(NamedTuple):
    """One line of the event log: who did what to whom, and with what effect.

    `value` carries the number behind the effect (claims found, a check's value, the
    distance between two views, a support share).
    """

    week: int
    actor: str
    action: str
    target: str
    effect: str
    value: float = 0.0


class WeekState(NamedTuple):
    """One stakeholder at the end of one week: the swimlane and preference timeline."""

    week: int
    stakeholder: str
    job: str  # the job it spent most hours on ("idle" if none)
    hours_seek: float
    hours_validate: float
    hours_align: float
    hours_with_sellers: float
    preferred: str
    confidence: float
    fatigue: float
    overload: float


class CommitteeWeek(NamedTuple):
    """The committee at the end of one week."""

    week: int
    urgency: float
    leading_option: str
    support: float  # influence share preferring the leading option
    confidence: float  # influence-weighted confidence of its supporters
    uncertainty: float = float("nan")  # supporters' remaining uncertainty (NaN: not recorded)


@dataclass
class DealResult:
    """The outcome, the metrics of MODEL.md section 4, and the logs of one deal."""

    scenario: str
    seed: int
    horizon_weeks: int
    outcome: Outcome
    no_decision_cause: NoDecisionCause | None
    stall_reason: str | None  # lost_urgency | fatigue | conflict, when stalled
    chosen_option: str | None
    cycle_weeks: int | None  # week of the decision; None when open (censored)
    weeks_simulated: int
    regret: bool | None  # only for purchases (won or lost): regret_degree >= 0.5
    agreement: float | None  # influence share behind the choice when it was made
    consensus: bool | None
    high_quality: bool  # a purchase without regret
    purchase_ease: float  # 1 - mean peak fatigue of the stakeholders
    n_stakeholders: int
    loopbacks: dict[str, int]  # per stakeholder
    hours_by_job: dict[str, float]  # committee total per buying job
    hours_with_sellers: float  # stakeholder hours spent with sellers (inside the jobs)
    hours_seeking_alone: float  # self-directed seeking: seek hours without a seller
    seller_hours: dict[str, float]  # per vendor
    stakeholders_reached: dict[str, int]  # per vendor: distinct stakeholders met
    claims_discredited: int
    conflicts: int
    vetoes: int
    buyer_hours: dict[str, float] = field(default_factory=dict)
    """Per vendor: hours committee members spent with its seller (meetings, questions)."""
    peer_claims: dict[str, int] = field(default_factory=dict)  # by kind, via the network
    # Only for purchases (decision.DealQuality): the chosen option's true value below what the
    # committee expected or below the truly best vendor, the larger, floored at 0; and the
    # continuous regret it makes at the scenario's margin (regret_degrees), in [0, 1].
    regret_shortfall: float | None = None
    regret_degree: float | None = None
    our_vendor: str = "ours"
    strategies: dict[str, str] = field(default_factory=dict)  # vendor -> seller strategy
    option_labels: dict[str, str] = field(default_factory=dict)  # option -> words for stories
    stakeholders: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    weekly: list[WeekState] = field(default_factory=list)
    committee_weekly: list[CommitteeWeek] = field(default_factory=list)

    @property
    def censored(self) -> bool:
        return self.outcome is Outcome.OPEN

    def metrics(self) -> dict[str, Any]:
        """One flat row for tables: the outcome and every per-deal metric."""
        from sim.model.metrics import deal_metrics

        return deal_metrics(self)

    def to_dict(self, with_logs: bool = True) -> dict[str, Any]:
        """JSON-ready dict; logs as lists of records."""
        data = asdict(self)
        for key in ("events", "weekly", "committee_weekly"):
            rows = getattr(self, key)
            data[key] = [row._asdict() for row in rows] if with_logs else []
        data["outcome"] = self.outcome.value
        data["no_decision_cause"] = self.no_decision_cause and self.no_decision_cause.value
        data["metrics"] = self.metrics()
        return data
