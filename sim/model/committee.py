"""Who is in the room: drawing the committee's members and their traits from the scenario.

Everything here draws from the committee stream only, in a fixed order, so the committee
of replication r is the same whatever the sellers do (common random numbers).
"""

from __future__ import annotations

import math
from functools import cache
from typing import NamedTuple

import numpy as np

from sim.config.registry import RISK_AVERSION
from sim.config.roles import Role, colleague_title
from sim.config.scenario import Scenario, StakeholderSpec
from sim.model import pcg
from sim.model.compilation import kernel

PRIORITY_CONCENTRATION = 40.0
"""Dirichlet concentration of a member's priorities around its role's at divergence 1."""


class StakeholderProfile(NamedTuple):
    """A member's traits at week 0, drawn once per (scenario, seed). A named tuple, not a
    frozen dataclass: as immutable, and built five times faster (a deal draws seven)."""

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


class MemberKinds(NamedTuple):
    """Who a member can be, one row per kind: each member specification of the scenario
    (the listed stakeholders, or the required roles and the role mix's roles with nothing
    overridden), its role (with the specification's overrides) and what its draws start from."""

    specs: tuple[StakeholderSpec, ...]
    roles: tuple[Role, ...]
    bases: np.ndarray
    """[kind, criterion]: the role's priorities, normalised (the drawn priorities' centre)."""
    shapes: np.ndarray
    """[kind, criterion]: the Dirichlet's gamma shapes, max(base, 0.01) x concentration."""
    fixed: np.ndarray
    """[kind]: priorities not drawn (given by the specification, or divergence 0)."""
    own_risk: np.ndarray
    """[kind]: risk aversion given by the specification, not drawn around the role's."""
    risk_aversion: np.ndarray
    own_stubbornness: np.ndarray
    stubbornness: np.ndarray
    influence: np.ndarray
    veto: np.ndarray
    open_mindedness: np.ndarray
    weekly_hours: np.ndarray


class DrawnCommittee(NamedTuple):
    """One committee's draws (`draw_members`): each seat's kind and drawn traits."""

    kinds: np.ndarray
    """[member]: its row of `MemberKinds`."""
    priorities: np.ndarray
    """[member, criterion], summing to 1."""
    risk_aversion: np.ndarray
    stubbornness: np.ndarray
    jitter: np.ndarray
    """[member, vendor criterion]: its first impression's offset of each vendor criterion."""


class CommitteePlan:
    """What every committee of a scenario is drawn with and no draw changes, worked out once:
    the member kinds (`MemberKinds`), which kinds are always seated, the role mix's kinds and
    cumulative probabilities, and the priority concentration. A plan gives the draws
    `draw_committee` gives without one."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.library = scenario.role_library()
        self.criteria = scenario.criteria
        self.n_vendor_cells = len(scenario.options.vendors) * len(self.criteria)
        self.divergence = scenario.committee.divergence
        self.concentration = PRIORITY_CONCENTRATION / max(self.divergence, 1e-3) ** 2
        self._members: dict[int, tuple[StakeholderSpec, Role, tuple[float, ...]]] = {}
        self._labels: dict[tuple[int, int], str] = {}
        committee = scenario.committee
        mix = sorted(committee.role_mix.items())
        self.cdf = self.role_mix()[1] if sum(w for _, w in mix) > 0 else np.zeros(0)
        if committee.stakeholders is not None:
            specs = list(committee.stakeholders)
            self.size = len(specs)
            self.required = np.arange(len(specs), dtype=np.int64)
            self.mix_kinds = np.zeros(0, dtype=np.int64)
        else:
            self.size = committee.effective_size
            required = list(committee.required_roles[: self.size])
            mix_roles = [role for role, _ in mix]
            names = list(dict.fromkeys(required + mix_roles))
            specs = [_bare_spec(role) for role in names]
            self.required = np.array([names.index(r) for r in required], dtype=np.int64)
            self.mix_kinds = np.array([names.index(r) for r in mix_roles], dtype=np.int64)
            if self.size > len(required) and not self.cdf.shape[0]:
                raise ValueError(
                    f"committee.role_mix: {self.size - len(required)} members are drawn from "
                    "the role mix, but no role in it has a positive weight"
                )
        self.kinds = self._kinds(specs)

    def role_mix(self) -> tuple[list[tuple[str, float]], np.ndarray]:
        """The role mix by name and the cumulative probability of each role, as
        `Generator.choice` computes it from the probabilities."""
        mix = sorted(self.scenario.committee.role_mix.items())
        weights = np.array([w for _, w in mix], dtype=float)
        cdf = (weights / weights.sum()).cumsum()
        cdf /= cdf[-1]
        return mix, cdf

    def member(self, spec: StakeholderSpec) -> tuple[Role, tuple[float, ...]]:
        """A specification's role (the library's, with the specification's overrides) and its
        priorities normalised (the base of the member's drawn priorities)."""
        known = self._members.get(id(spec))
        if known is not None and known[0] is spec:
            return known[1], known[2]
        library = self.library
        role = (
            library[spec.role].model_copy(
                update=spec.model_dump(exclude_none=True, exclude={"role", "name"})
            )
            if spec.model_fields_set - {"role"}
            else library[spec.role]
        )
        base = _normalise([max(role.priorities.get(c, 0.0), 0.0) for c in self.criteria])
        self._members[id(spec)] = (spec, role, base)
        return role, base

    def _kinds(self, specs: list[StakeholderSpec]) -> MemberKinds:
        members = [self.member(spec) for spec in specs]
        roles = [role for role, _ in members]
        bases = np.array([base for _, base in members], dtype=float).reshape(
            len(specs), len(self.criteria)
        )

        def column(values: list, dtype: type = float) -> np.ndarray:
            return np.array(values, dtype=dtype)

        return MemberKinds(
            specs=tuple(specs),
            roles=tuple(roles),
            bases=bases,
            shapes=np.maximum(bases, 0.01) * self.concentration,
            fixed=column([s.priorities is not None or self.divergence == 0 for s in specs], bool),
            own_risk=column([s.risk_aversion is not None for s in specs], bool),
            risk_aversion=column([r.risk_aversion for r in roles]),
            own_stubbornness=column([s.stubbornness is not None for s in specs], bool),
            stubbornness=column([r.stubbornness for r in roles]),
            influence=column([r.influence for r in roles]),
            veto=column([r.veto for r in roles], bool),
            open_mindedness=column([r.open_mindedness for r in roles]),
            weekly_hours=column([r.weekly_hours for r in roles]),
        )

    def names(self, kinds: np.ndarray) -> list[str]:
        """The members' story names, by seat (`_label`): each seat's name depends only on its
        kind and how many seats up to it share its title, so names are kept by that pair (a
        bounded number, however many committees are drawn)."""
        library, specs = self.library, self.kinds.specs
        seen: dict[str, int] = {}
        names = []
        for kind in kinds.tolist():
            spec = specs[kind]
            title = library[spec.role].title
            nth = seen[title] = seen.get(title, 0) + 1
            label = self._labels.get((kind, nth))
            if label is None:
                label = self._labels[(kind, nth)] = _label(spec, title, nth)
            names.append(label)
        return names


@cache
def _bare_spec(role: str) -> StakeholderSpec:
    """A member of `role` with nothing overridden (shared: specs are never modified)."""
    return StakeholderSpec.model_construct(role=role)


def _label(spec: StakeholderSpec, title: str, nth: int) -> str:
    """A member's story name: its own name and title, or the role's title; a further member
    of the same title as an org chart would name it ('a second finance lead',
    sim.config.roles.colleague_title)."""
    if spec.name:
        return f"{spec.name} ({title})"
    return title if nth == 1 else colleague_title(spec.role, title, nth)


def draw_members(plan: CommitteePlan, state: np.ndarray) -> DrawnCommittee:
    """One committee from the committee stream's `state` (`pcg`): the roles first (the role
    mix sampled as `Generator.choice` samples it), then each trait for all members at once in
    a fixed order, so a member's traits never depend on what the sellers do."""
    size, n_criteria = plan.size, len(plan.criteria)
    kinds = np.empty(size, dtype=np.int64)
    gammas = np.empty((size, n_criteria))
    risk_draws = np.empty(size)
    stubborn_draws = np.empty(size)
    jitters = np.empty((size, plan.n_vendor_cells))
    committee_draws(state, plan.required, plan.mix_kinds, plan.cdf, plan.kinds.shapes, kinds,
                    gammas, risk_draws, stubborn_draws, jitters)  # fmt: skip
    table = plan.kinds
    # Dirichlet(base * concentration) via normalised gamma draws: NumPy sums each row (its
    # summation order is NumPy's), the rest is element by element.
    sums = gammas.sum(axis=1)
    priorities = np.empty_like(gammas)
    risk = np.empty(size)
    stubbornness = np.empty(size)
    member_traits(kinds, gammas, sums, risk_draws, stubborn_draws, table.fixed, table.bases,
                  table.own_risk, table.risk_aversion, table.own_stubbornness,
                  table.stubbornness, plan.scenario.committee.risk_aversion_scale,
                  RISK_AVERSION.low, RISK_AVERSION.high, priorities, risk,
                  stubbornness)  # fmt: skip
    return DrawnCommittee(kinds, priorities, risk, stubbornness, jitters)


@kernel
def member_traits(kinds, gammas, sums, risk_draws, stubborn_draws, fixed, bases, own_risk,
                  role_risk, own_stubbornness, role_stubbornness, risk_scale: float,
                  risk_low: float, risk_high: float, priorities, risk,
                  stubbornness) -> None:  # fmt: skip
    """Each member's traits from its kind and draws: priorities drawn (gammas over their row
    sum) unless fixed; risk aversion the role's times the lognormal draw (unless its own),
    scaled and kept within bounds; stubbornness the role's plus the normal draw (unless its
    own), within [0, 1]. Bounds as NumPy's maximum and minimum take them (ties to the bound)."""
    for seat in range(kinds.shape[0]):
        kind = kinds[seat]
        for criterion in range(gammas.shape[1]):
            priorities[seat, criterion] = (
                bases[kind, criterion] if fixed[kind] else gammas[seat, criterion] / sums[seat]
            )
        value = role_risk[kind] * (1.0 if own_risk[kind] else risk_draws[seat]) * risk_scale
        value = risk_low if risk_low >= value else value
        risk[seat] = risk_high if risk_high <= value else value
        if own_stubbornness[kind]:
            stubbornness[seat] = role_stubbornness[kind]
        else:
            value = role_stubbornness[kind] + stubborn_draws[seat]
            value = 0.0 if value <= 0.0 else value
            stubbornness[seat] = 1.0 if value >= 1.0 else value


@kernel
def committee_draws(state, required, mix_kinds, cdf, shapes, kinds, gammas, risk_draws,
                    stubborn_draws, jitters) -> None:  # fmt: skip
    """The committee stream's draws, in NumPy's order: the seats not required, from the role
    mix (`random()` against the cumulative probabilities, as `Generator.choice`), the
    priorities' gammas, the risk aversion's lognormal(0, 0.2), the stubbornness's
    normal(0, 0.05), then the first impressions' normal(0, 0.05), member by member."""
    n_required = required.shape[0]
    for seat in range(n_required):
        kinds[seat] = required[seat]
    for seat in range(n_required, kinds.shape[0]):
        u = pcg.next_double(state)
        drawn = 0
        while drawn < cdf.shape[0] and cdf[drawn] <= u:
            drawn += 1
        kinds[seat] = mix_kinds[drawn]
    for seat in range(kinds.shape[0]):
        for criterion in range(gammas.shape[1]):
            gammas[seat, criterion] = pcg.standard_gamma(state, shapes[kinds[seat], criterion])
    for seat in range(kinds.shape[0]):
        risk_draws[seat] = math.exp(0.0 + 0.2 * pcg.standard_normal(state))
    for seat in range(kinds.shape[0]):
        stubborn_draws[seat] = 0.0 + 0.05 * pcg.standard_normal(state)
    for seat in range(kinds.shape[0]):
        for cell in range(jitters.shape[1]):
            jitters[seat, cell] = 0.0 + 0.05 * pcg.standard_normal(state)


def profiles_of(plan: CommitteePlan, drawn: DrawnCommittee) -> list[StakeholderProfile]:
    """The members of a drawn committee as profiles (the story's and the agents' view)."""
    table = plan.kinds
    return [
        StakeholderProfile(
            name=name,
            role=spec.role,
            influence=role.influence,
            veto=role.veto,
            priorities=tuple(member_priorities),
            risk_aversion=member_risk,
            stubbornness=member_stubbornness,
            open_mindedness=role.open_mindedness,
            weekly_hours=role.weekly_hours,
            trust=dict(role.trust),
            prior_jitter=tuple(jitter),
        )
        for spec, role, name, member_priorities, member_risk, member_stubbornness, jitter in zip(
            [table.specs[k] for k in drawn.kinds.tolist()],
            [table.roles[k] for k in drawn.kinds.tolist()],
            plan.names(drawn.kinds), drawn.priorities.tolist(), drawn.risk_aversion.tolist(),
            drawn.stubbornness.tolist(), drawn.jitter.tolist(), strict=True,
        )
    ]  # fmt: skip


def draw_committee(
    scenario: Scenario, rng: np.random.Generator, plan: CommitteePlan | None = None
) -> list[StakeholderProfile]:
    """The committee for one run, drawn from `rng` (which moves on past the draws);
    `plan` (`CommitteePlan(scenario)`) saves working out the scenario's part each time."""
    plan = plan or CommitteePlan(scenario)
    state = pcg.state_of(rng)
    drawn = draw_members(plan, state)
    pcg.resume(rng, state)
    return profiles_of(plan, drawn)
