"""The role library: defaults that a stakeholder inherits from its role.

A role sets where a stakeholder starts (its priorities over the decision criteria, its
risk aversion and stubbornness), how much it weighs in the decision, whether it holds a
veto, how many hours a week it gives the purchase and how much it trusts each kind of
source. Numbers are stylised from the B2B buying literature (Gartner's buying-group
research; CEB/HBR 2017): finance and IT/security weigh risk and cost, champions and end
users weigh fit and value, economic buyers weigh value and hold the budget.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.config.registry import OPEN_MINDEDNESS, RISK_AVERSION, WEEKLY_HOURS, Bounds
from sim.config.text import Name

INFLUENCE = Bounds(0.01, 100.0)
"""A member's weight in the decision. Only ratios matter; beyond 10,000 to 1 one member is the
committee, and a weight of 1e30 next to 1 vanishes in a float sum (a division by zero)."""

MAX_WEIGHT = 1e6
"""Largest relative weight (a priority or a role's share of the draws): only ratios matter, and
sums of larger ones can overflow to infinity."""

Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT)]
"""A relative weight, normalised where it is used."""

DEFAULT_CRITERIA: tuple[str, ...] = (
    "business_value",
    "functional_fit",
    "risk_security",
    "implementation_effort",
    "cost",
)

SOURCE_KINDS: tuple[str, ...] = (
    "independent_research",
    "vendor_content",
    "peers",
    "colleagues",
    "seller",
    "references",
)


def check_trust_keys(trust: dict[str, float] | None) -> dict[str, float] | None:
    """Trust overrides must name known source kinds (a typo is an error, not a no-op)."""
    for kind in trust or {}:
        if kind not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind {kind!r} (known: {', '.join(SOURCE_KINDS)})")
    return trust


class Role(BaseModel):
    """Defaults for every stakeholder with this role; any field may be overridden."""

    model_config = ConfigDict(extra="forbid")

    title: Name = Field(description="How the story names the role, e.g. 'the CFO'.")
    influence: float = INFLUENCE.field(1.0, "Weight in the committee's decision.")
    veto: bool = Field(False, description="Whether this role can block a purchase alone.")
    priorities: dict[str, Weight] = Field(
        description="Relative weight of each decision criterion (normalised to sum to 1)."
    )
    risk_aversion: float = RISK_AVERSION.field(
        1.0, "How much uncertainty about an option lowers its value."
    )
    stubbornness: float = Field(
        0.2, ge=0, le=1, description="Friedkin-Johnsen anchoring to the role's starting view."
    )
    open_mindedness: float = OPEN_MINDEDNESS.field(
        0.35,
        "Bounded-confidence radius: how far apart two views may be and still move together "
        "(half the L1 distance between priority vectors).",
    )
    weekly_hours: float = WEEKLY_HOURS.field(
        3.0, "Hours a week this stakeholder gives the purchase."
    )
    trust: dict[str, float] = Field(
        default_factory=dict,
        description="Initial trust in source kinds, overriding the source's default (0-1).",
    )

    _trust_keys = field_validator("trust")(classmethod(lambda cls, v: check_trust_keys(v)))


def _p(bv: float, fit: float, risk: float, effort: float, cost: float) -> dict[str, float]:
    return dict(zip(DEFAULT_CRITERIA, (bv, fit, risk, effort, cost), strict=True))


ROLE_LIBRARY: dict[str, Role] = {
    "economic_buyer": Role(
        title="the economic buyer",
        influence=2.0,
        veto=True,
        priorities=_p(0.40, 0.15, 0.15, 0.10, 0.20),
        risk_aversion=1.0,
        stubbornness=0.25,
        weekly_hours=2.0,
    ),
    "champion": Role(
        title="the champion",
        influence=1.5,
        priorities=_p(0.30, 0.35, 0.10, 0.15, 0.10),
        risk_aversion=0.6,
        stubbornness=0.15,
        weekly_hours=4.0,
        trust={"vendor_content": 0.55},
    ),
    "technical_evaluator": Role(
        title="the technical evaluator",
        influence=1.0,
        priorities=_p(0.10, 0.45, 0.15, 0.25, 0.05),
        risk_aversion=0.9,
        stubbornness=0.25,
        weekly_hours=4.0,
    ),
    "it_security": Role(
        title="the IT security lead",
        influence=1.0,
        veto=False,
        priorities=_p(0.05, 0.15, 0.55, 0.20, 0.05),
        risk_aversion=1.6,
        stubbornness=0.35,
        weekly_hours=2.0,
        trust={"vendor_content": 0.25},
    ),
    "finance": Role(
        title="the CFO",
        influence=1.5,
        priorities=_p(0.30, 0.05, 0.15, 0.10, 0.40),
        risk_aversion=1.4,
        stubbornness=0.3,
        weekly_hours=2.0,
        trust={"vendor_content": 0.25},
    ),
    "procurement": Role(
        title="the procurement manager",
        influence=0.8,
        priorities=_p(0.10, 0.10, 0.20, 0.10, 0.50),
        risk_aversion=1.1,
        stubbornness=0.3,
        weekly_hours=2.0,
    ),
    "end_user": Role(
        title="the end-user lead",
        influence=0.8,
        priorities=_p(0.15, 0.50, 0.05, 0.25, 0.05),
        risk_aversion=0.7,
        stubbornness=0.2,
        weekly_hours=3.0,
        trust={"peers": 0.75},
    ),
    "legal": Role(
        title="the legal counsel",
        influence=0.7,
        priorities=_p(0.05, 0.05, 0.60, 0.10, 0.20),
        risk_aversion=1.8,
        stubbornness=0.4,
        weekly_hours=1.0,
    ),
}
"""Built-in roles. A scenario's `roles:` section overrides fields or adds new roles."""


COLLEAGUE_NOUNS: dict[str, str] = {
    "economic_buyer": "budget holder",
    "champion": "champion",
    "technical_evaluator": "technical evaluator",
    "it_security": "IT security engineer",
    "finance": "finance lead",
    "procurement": "procurement manager",
    "end_user": "end-user lead",
    "legal": "legal counsel",
}
"""What an org chart calls a further member of a role that one person usually fills (there is
one CFO; a second member from finance is a finance lead)."""

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")


def colleague_title(role: str, title: str, nth: int) -> str:
    """How the story names the `nth` member of a role (nth >= 2): 'a second finance lead',
    never 'the CFO (2)'."""
    noun = COLLEAGUE_NOUNS.get(role, title.removeprefix("the "))
    ordinal = ORDINALS[nth - 1] if nth <= len(ORDINALS) else f"{nth}th"
    return f"a {ordinal} {noun}"
