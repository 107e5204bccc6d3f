"""The handful of workshop settings, and how they map onto a scenario.

A trainer moves sliders instead of editing YAML; `apply_controls` turns the sliders into
a validated Scenario, so a bad value is a clear message, never a crash.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sim.config.registry import (
    COMMITTEE_SIZE,
    DIVERGENCE,
    OVERLOAD,
    PRODUCT_STRENGTH,
    RISK_AVERSION,
    SELLER_CAPACITY_HOURS,
)
from sim.config.scenario import SELLER_STRATEGIES, Scenario


class Controls(BaseModel):
    """What the explorer lets a trainer change (ranges as wide as the scenario schema's, so
    any valid scenario file can be loaded)."""

    model_config = ConfigDict(extra="forbid")

    committee_size: int = COMMITTEE_SIZE.field(..., "Stakeholders in the committee.")
    risk_aversion: float = RISK_AVERSION.field(..., "Multiplies every member's risk aversion.")
    divided: float = DIVERGENCE.field(..., "How far members' priorities stray from their roles'.")
    overload: float = OVERLOAD.field(..., "Information overload (1: normal).")
    product_strength: float = PRODUCT_STRENGTH.field(
        ..., "Shift of our product's true quality on every criterion."
    )
    strategy: str = Field(description="Our seller's strategy.")
    capacity: float = SELLER_CAPACITY_HOURS.field(..., "Our seller's hours a week.")
    seed: int = Field(ge=0, le=10**9, description="Which committee (replication seed).")

    def model_post_init(self, _: Any) -> None:
        if self.strategy not in SELLER_STRATEGIES:
            raise ValueError(
                f"unknown strategy {self.strategy!r} (available: {', '.join(SELLER_STRATEGIES)})"
            )


def controls_from(scenario: Scenario, seed: int = 1) -> Controls:
    """The controls as a scenario sets them (product strength 0: as written)."""
    ours = scenario.seller_for(scenario.our_vendor)
    return Controls(
        committee_size=scenario.committee.effective_size,
        risk_aversion=scenario.committee.risk_aversion_scale,
        divided=scenario.committee.divergence,
        overload=scenario.information.overload,
        product_strength=0.0,
        strategy=ours.strategy,
        capacity=ours.capacity_hours,
        seed=seed,
    )


def apply_controls(base: Scenario, controls: Controls) -> Scenario:
    """`base` with the controls applied. An explicit committee list is kept when its size
    is unchanged; a new size draws the committee from the scenario's role mix instead."""
    data = base.model_dump(mode="json")
    committee = data["committee"]
    if (
        committee["stakeholders"] is None
        or len(committee["stakeholders"]) != controls.committee_size
    ):
        committee["stakeholders"] = None
        committee["size"] = controls.committee_size
    committee["risk_aversion_scale"] = controls.risk_aversion
    committee["divergence"] = controls.divided
    data["information"]["overload"] = controls.overload
    ours = data["options"]["vendors"][base.our_vendor]
    for criterion in base.criteria:
        quality = base.options.vendors[base.our_vendor].quality.get(criterion, 0.6)
        ours["quality"][criterion] = round(
            min(1.0, max(0.0, quality + controls.product_strength)), 4
        )
    seller = data["sellers"].setdefault(base.our_vendor, {})
    seller["strategy"] = controls.strategy
    seller["capacity_hours"] = controls.capacity
    return Scenario.model_validate(data)


CONTROL_WORDS = {
    "committee_size": "committee size",
    "risk_aversion": "risk aversion (x)",
    "divided": "how divided",
    "overload": "information overload",
    "product_strength": "our product vs as written",
    "strategy": "our seller",
    "capacity": "seller hours a week",
}
SHORT = {
    "committee_size": "size",
    "risk_aversion": "risk",
    "divided": "divided",
    "overload": "overload",
    "product_strength": "strength",
    "strategy": "",
    "capacity": "hours",
}


def changed_settings(base: Scenario, controls: Controls) -> list[tuple[str, str]]:
    """Every control that differs from the scenario as loaded, as (words, value)."""
    before = controls_from(base, controls.seed)
    return [
        (CONTROL_WORDS[name], str(getattr(controls, name)))
        for name in CONTROL_WORDS
        if getattr(controls, name) != getattr(before, name)
    ]


def report_filename(
    kind: str, scenario: str, seed: int, controls: Controls, base: Scenario, extra: str = ""
) -> str:
    """'deal-my_deal-seed3-size9-maze_guide.html': what was run, readable in a folder."""
    before = controls_from(base, controls.seed)
    parts = [kind, scenario, f"seed{seed}"]
    for name, short in SHORT.items():
        value = getattr(controls, name)
        if value != getattr(before, name):
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            parts.append(f"{short}{shown}")
    if extra:
        parts.append(extra)
    safe = "".join(c if c.isalnum() or c in "._+-" else "_" for c in "-".join(parts))
    return safe[:150] + ".html"
