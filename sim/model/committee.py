"""Who is in the room: drawing the committee's members and their traits from the scenario.

Everything here draws from the committee stream only, in a fixed order, so the committee
of replication r is the same whatever the sellers do (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.roles import Role
from sim.config.scenario import Scenario, StakeholderSpec

PRIORITY_CONCENTRATION = 40.0
"""Dirichlet concentration of a member's priorities around its role's at divergence 1."""


@dataclass(frozen=True, slots=True)
class StakeholderProfile:
    """A member's traits at week 0, drawn once per (scenario, seed)."""

    name: str
    role: str
    influence: float
    veto: bool
    priorities: tuple[float, ...]
    risk_aversion: float
    stubbornness: float
    open_mindedness: float
    weekly_hours: float
    trust: dict[str, float]
    prior_jitter: tuple[float, ...]
    """Offset of this member's first impression of each vendor criterion (row-major)."""


def _normalise(weights: list[float]) -> tuple[float, ...]:
    total = sum(weights)
    if total <= 0:
        return tuple(1.0 / len(weights) for _ in weights)
    return tuple(w / total for w in weights)


def _role_specs(scenario: Scenario, rng: np.random.Generator) -> list[StakeholderSpec]:
    committee = scenario.committee
    if committee.stakeholders is not None:
        return list(committee.stakeholders)
    size = committee.effective_size
    roles = list(committee.required_roles[:size])
    mix = sorted(committee.role_mix.items())
    names = [name for name, _ in mix]
    weights = np.array([w for _, w in mix], dtype=float)
    for _ in range(size - len(roles)):
        roles.append(names[int(rng.choice(len(names), p=weights / weights.sum()))])
    return [StakeholderSpec(role=role) for role in roles]


def _titles(specs: list[StakeholderSpec], library: dict[str, Role]) -> list[str]:
    """Story names: the role's title, numbered when a role appears more than once."""
    seen: dict[str, int] = {}
    names = []
    for spec in specs:
        title = library[spec.role].title
        seen[title] = seen.get(title, 0) + 1
        label = title if seen[title] == 1 else f"{title} ({seen[title]})"
        names.append(f"{spec.name} ({title})" if spec.name else label)
    return names


def draw_committee(scenario: Scenario, rng: np.random.Generator) -> list[StakeholderProfile]:
    """The committee for one run. Each member draws the same number of variates in the same
    order, whatever its role, so one member's traits never shift another's."""
    library = scenario.role_library()
    specs = _role_specs(scenario, rng)
    criteria = scenario.criteria
    n_vendor_cells = len(scenario.options.vendors) * len(criteria)
    divergence = scenario.committee.divergence
    profiles = []
    for spec, name in zip(specs, _titles(specs, library), strict=True):
        role = library[spec.role].model_copy(
            update=spec.model_dump(exclude_none=True, exclude={"role", "name"})
        )
        base = _normalise([max(role.priorities.get(c, 0.0), 0.0) for c in criteria])
        dirichlet_draw = rng.dirichlet(
            [max(b, 0.01) * PRIORITY_CONCENTRATION / max(divergence, 1e-6) ** 2 for b in base]
        )
        if spec.priorities is not None or divergence == 0:
            priorities = base
        else:
            priorities = _normalise(list(dirichlet_draw))
        risk_draw, stubborn_draw = rng.lognormal(0.0, 0.2), rng.normal(0.0, 0.05)
        jitter = rng.normal(0.0, 0.05, size=n_vendor_cells)
        risk = (
            role.risk_aversion
            if spec.risk_aversion is not None
            else role.risk_aversion * risk_draw
        )
        stubbornness = (
            role.stubbornness
            if spec.stubbornness is not None
            else float(np.clip(role.stubbornness + stubborn_draw, 0.0, 1.0))
        )
        profiles.append(
            StakeholderProfile(
                name=name,
                role=spec.role,
                influence=role.influence,
                veto=role.veto,
                priorities=priorities,
                risk_aversion=float(risk) * scenario.committee.risk_aversion_scale,
                stubbornness=stubbornness,
                open_mindedness=role.open_mindedness,
                weekly_hours=role.weekly_hours,
                trust=dict(role.trust),
                prior_jitter=tuple(float(x) for x in jitter),
            )
        )
    return profiles
