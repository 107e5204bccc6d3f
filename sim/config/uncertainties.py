"""What a user cannot know about their world, and what our seller can choose.

Scenario discovery (`b2bsim discover`, EMA Workbench's vocabulary) keeps two kinds of
settings apart:

- an **uncertainty** is a setting of the world, the buyers or the products that a user
  cannot pin down for their own market (how big the committee is, how sure it must be,
  how good our product really is): each has a plausible range and says where the range
  comes from: the published figures (/work/shared/stylized-facts.md, docs/calibration.md's
  table of facts), the calibration's explored region (docs/calibration.md, stage 1), or a
  stated judgement, written as such;
- a **lever** is a setting of our own seller (strategy, discount, capacity, meeting
  length): what a policy chooses.

Paths are scenario paths; `<ours>` and `<rival>` stand for the scenario's own vendor and
its first competitor, filled in by `for_scenario`. This module holds data only (it imports
the bottom registry, never the model), so the CLI, the docs generator and the workflow all
read the same list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sim.config.registry import SELLER_CAPACITY_HOURS, STRATEGY_NAMES

Basis = Literal["published", "calibration", "judgement"]
"""Where a range comes from."""

BASIS_WORDS: dict[str, str] = {
    "published": "published figures",
    "calibration": "calibration's explored region",
    "judgement": "stated judgement",
}

OURS = "<ours>"
RIVAL = "<rival>"


@dataclass(frozen=True, slots=True)
class Setting:
    """One declared setting: a range `low`..`high` (whole numbers if `integer`), or a list
    of `values`; `basis` and `reason` say where the range comes from."""

    path: str
    basis: Basis
    reason: str
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    integer: bool = False

    def __post_init__(self) -> None:
        ranged = self.low is not None and self.high is not None
        if ranged == (self.values is not None) or (ranged and self.low > self.high):  # type: ignore[operator]
            raise ValueError(f"{self.path}: give either low <= high or values")

    def resolved(self, ours: str, rival: str | None) -> Setting | None:
        """This setting with `<ours>`/`<rival>` filled in (None without a rival)."""
        if RIVAL in self.path and rival is None:
            return None
        path = self.path.replace(OURS, ours).replace(RIVAL, rival or "")
        return Setting(
            path, self.basis, self.reason, self.low, self.high, self.values, self.integer
        )

    def parameter(self) -> dict[str, Any]:
        """The experiment file's `parameters:` entry for this setting."""
        if self.values is not None:
            return {"values": list(self.values)}
        return {"low": self.low, "high": self.high, "integer": self.integer}

    def range_text(self) -> str:
        """The range as a reader sees it: `5-10` or `funnel_pusher, maze_guide`."""
        if self.values is not None:
            return ", ".join(str(v) for v in self.values)
        return f"{_number(self.low)}–{_number(self.high)}"


def _number(value: float | None) -> str:
    return f"{value:g}" if value is not None else ""


STAGE_1 = "calibration stage 1 searched this range; the accepted region lies inside it"

UNCERTAINTIES: tuple[Setting, ...] = (
    Setting(
        "committee.size",
        "published",
        "F4: buying groups of 6-10 people (Gartner 2019); "
        "5.4 to 6.8 on average (CEB/HBR 2017): from just below the smaller figure to the top",
        low=5,
        high=10,
        integer=True,
    ),
    Setting(
        "committee.divergence",
        "judgement",
        "from members who share their role's priorities closely (half the default spread) "
        "to twice the default spread",
        low=0.5,
        high=2.0,
    ),
    Setting("committee.risk_aversion_scale", "calibration", STAGE_1, low=0.6, high=1.5),
    Setting("account.pain", "calibration", STAGE_1, low=0.15, high=0.5),
    Setting("account.urgency_decay", "calibration", STAGE_1, low=0.01, high=0.05),
    Setting(
        "account.shock_rate",
        "judgement",
        "from no surprise events to twice the default (one every eight months or so)",
        low=0.0,
        high=0.06,
    ),
    Setting("decision.confidence_threshold", "calibration", STAGE_1, low=0.55, high=0.8),
    Setting("decision.max_uncertainty", "calibration", STAGE_1, low=0.04, high=0.12),
    Setting("decision.stall_urgency", "calibration", STAGE_1, low=0.08, high=0.3),
    Setting(
        "decision.support_threshold",
        "judgement",
        "from a simple majority of influence to three quarters of it",
        low=0.5,
        high=0.75,
    ),
    Setting("behaviour.claim_sd", "calibration", STAGE_1, low=0.15, high=0.35),
    Setting(
        "behaviour.seller_time_share",
        "calibration",
        STAGE_1 + " (F2: 17 % of buying time with sellers, Gartner)",
        low=0.2,
        high=0.6,
    ),
    Setting(
        "behaviour.prior_mean",
        "calibration",
        STAGE_1 + " (F9: expectations above the truth are regret)",
        low=0.5,
        high=0.7,
    ),
    Setting("behaviour.validation_z", "calibration", STAGE_1, low=1.0, high=2.5),
    Setting(
        "behaviour.disclosure",
        "judgement",
        "from guarded members, who tell a seller their priority less than a third as often "
        "as they trust it, to fully open ones (the default)",
        low=0.3,
        high=1.0,
    ),
    Setting(
        "information.overload",
        "judgement",
        "from half the normal flow of material to twice it (buyers report being swamped, "
        "Gartner; the information_overload scenario uses 2)",
        low=0.5,
        high=2.0,
    ),
    *(
        Setting(
            f"options.vendors.{OURS}.quality.{criterion}",
            "judgement",
            "our product from clearly weaker than the rival to clearly stronger: the "
            "baseline's value +/- 0.2 (weak_product is 0.1-0.25 lower on most criteria)",
            low=round(centre - 0.2, 2),
            high=round(centre + 0.2, 2),
        )
        for criterion, centre in (
            ("business_value", 0.65),
            ("functional_fit", 0.62),
            ("risk_security", 0.58),
            ("implementation_effort", 0.55),
            ("cost", 0.5),
        )
    ),
    Setting(
        f"sellers.{RIVAL}.strategy",
        "judgement",
        "a rival pushes its funnel, guides, or has no seller on the deal",
        values=("funnel_pusher", "maze_guide", "none"),
    ),
)
"""The world, buyer and product settings a user is uncertain about, with plausible ranges."""

LEVERS: tuple[Setting, ...] = (
    Setting(
        f"sellers.{OURS}.strategy",
        "judgement",
        "the strategies our seller can follow (social_seller needs a peer network)",
        values=STRATEGY_NAMES,
    ),
    Setting(
        f"sellers.{OURS}.discount",
        "judgement",
        "no concession up to a fifth of the cost score: a large but ordinary discount",
        low=0.0,
        high=0.2,
    ),
    Setting(
        f"sellers.{OURS}.capacity_hours",
        "judgement",
        "an eighth to half of a full-time seller's week on one deal "
        f"(valid {_number(SELLER_CAPACITY_HOURS.low)}-{_number(SELLER_CAPACITY_HOURS.high)} h)",
        low=5.0,
        high=20.0,
    ),
    Setting(
        f"sellers.{OURS}.meeting_hours",
        "judgement",
        "from a half-hour call to a two-hour workshop",
        low=0.5,
        high=2.0,
    ),
)
"""What our seller can choose: the settings a policy sets (`sellers.<ours>.<field>`)."""

LEVER_FIELDS: tuple[str, ...] = tuple(s.path.rsplit(".", 1)[1] for s in LEVERS)
"""The seller fields the levers name (`strategy`, `discount`, ...)."""


def for_scenario(settings: Sequence[Setting], ours: str, vendors: Sequence[str]) -> list[Setting]:
    """`settings` with `<ours>` and `<rival>` filled in for a scenario whose own vendor is
    `ours` among `vendors` (the rival is the first other vendor; settings about a rival
    are left out when there is none)."""
    rival = next((v for v in vendors if v != ours), None)
    resolved = (s.resolved(ours, rival) for s in settings)
    return [s for s in resolved if s is not None]


def label(path: str) -> str:
    """Plain words for a scenario path, for trainers (the path itself if it has none)."""
    try:
        from sim.config.labels import plain_label
    except ImportError:  # pragma: no cover - the labels module ships with the package
        return path
    return plain_label(path.replace(OURS, "ours").replace(RIVAL, "rival"))
