"""The committee is drawn as NumPy's `Generator` draws it: the compiled `committee_draws`
samples the role mix from its cumulative probabilities (`CommitteePlan.role_mix`) as
`Generator.choice` does, then the traits as `standard_gamma`, `lognormal` and `normal` do, and
must give the same committee and leave the stream where NumPy leaves it (common random numbers
rest on it)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.config.registry import RISK_AVERSION
from sim.config.scenario import Scenario
from sim.model.committee import CommitteePlan, draw_committee

ROLES = ["end_user", "it_security", "technical_evaluator", "procurement", "finance", "legal"]


@given(
    weights=st.lists(st.floats(0.0, 5.0), min_size=len(ROLES), max_size=len(ROLES)).filter(
        lambda w: sum(w) > 0.01
    ),
    size=st.integers(5, 25),
    seed=st.integers(0, 2**32),
)
@settings(max_examples=60, deadline=None)
def test_roles_are_those_generator_choice_draws(weights: list[float], size: int, seed: int) -> None:
    baseline = sim.load_scenario("baseline")
    data = baseline.model_dump()
    data["committee"].update(size=size, role_mix=dict(zip(ROLES, weights, strict=True)))
    scenario = Scenario.model_validate(data)
    required = list(scenario.committee.required_roles)
    mix = sorted(scenario.committee.role_mix.items())
    p = np.array([w for _, w in mix]) / sum(w for _, w in mix)

    expected_rng, rng = np.random.default_rng(seed), np.random.default_rng(seed)
    drawn = expected_rng.choice(len(mix), size=size - len(required), p=p)
    expected = required + [mix[int(i)][0] for i in drawn]

    plan = CommitteePlan(scenario)
    members = draw_committee(scenario, rng, plan)
    assert [member.role for member in members] == expected

    # The traits: NumPy's own draws, in the committee's order, from where choice left off.
    kinds = [plan.kinds.specs.index(next(s for s in plan.kinds.specs if s.role == r))
             for r in expected]  # fmt: skip
    bases = plan.kinds.bases[kinds]
    gammas = expected_rng.standard_gamma(np.maximum(bases, 0.01) * plan.concentration)
    risk = expected_rng.lognormal(0.0, 0.2, size=size)
    stubborn = expected_rng.normal(0.0, 0.05, size=size)
    jitter = expected_rng.normal(0.0, 0.05, size=(size, plan.n_vendor_cells))
    drawn_priorities = gammas / gammas.sum(axis=1, keepdims=True)
    assert [list(m.priorities) for m in members] == drawn_priorities.tolist()
    assert [m.prior_jitter for m in members] == [tuple(row) for row in jitter.tolist()]
    roles = [plan.kinds.roles[k] for k in kinds]
    assert [m.stubbornness for m in members] == np.clip(
        np.array([r.stubbornness for r in roles]) + stubborn, 0.0, 1.0).tolist()  # fmt: skip
    scale = scenario.committee.risk_aversion_scale
    role_risk = np.array([r.risk_aversion for r in roles]) * risk * scale
    bounded = np.clip(role_risk, RISK_AVERSION.low, RISK_AVERSION.high)
    assert [m.risk_aversion for m in members] == bounded.tolist()
    assert rng.random() == expected_rng.random()  # the stream goes on from the same place


@given(
    seed=st.integers(0, 2**64),
    divergence=st.sampled_from([0.0, 0.3, 1.0, 3.0]),
    scale=st.floats(0.1, 5.0),
)
@settings(max_examples=40, deadline=None)
def test_listed_members_traits_are_numpys_formulas(
    seed: int, divergence: float, scale: float
) -> None:
    """A listed committee (skeptical_finance_veto: a member with its own risk aversion and
    stubbornness): the compiled `member_traits` gives NumPy's element-wise formulas to the
    bit, fixed priorities (divergence 0) and bounds included."""
    from sim.model.committee import committee_draws, draw_members
    from sim.model.streams import Purpose, RandomStreams

    data = sim.load_scenario("skeptical_finance_veto").model_dump()
    data["committee"].update(divergence=divergence, risk_aversion_scale=scale)
    plan = CommitteePlan(Scenario.model_validate(data))
    size, table = plan.size, plan.kinds
    kinds, gammas = np.empty(size, np.int64), np.empty((size, len(plan.criteria)))
    risk_draws, stubborn_draws = np.empty(size), np.empty(size)
    jitter = np.empty((size, plan.n_vendor_cells))
    committee_draws(RandomStreams(seed).pcg_state(Purpose.COMMITTEE), plan.required,
                    plan.mix_kinds, plan.cdf, table.shapes, kinds, gammas, risk_draws,
                    stubborn_draws, jitter)  # fmt: skip
    priorities = np.where(
        table.fixed[kinds][:, None], table.bases[kinds], gammas / gammas.sum(axis=1, keepdims=True)
    )
    risk = table.risk_aversion[kinds] * np.where(table.own_risk[kinds], 1.0, risk_draws)
    risk = np.minimum(RISK_AVERSION.high, np.maximum(RISK_AVERSION.low, risk * scale))
    role = table.stubbornness[kinds]
    stubborn = np.where(
        table.own_stubbornness[kinds], role, np.minimum(1.0, np.maximum(0.0, role + stubborn_draws))
    )
    drawn = draw_members(plan, RandomStreams(seed).pcg_state(Purpose.COMMITTEE))
    assert drawn.priorities.tobytes() == priorities.tobytes()
    assert drawn.risk_aversion.tobytes() == risk.tobytes()
    assert drawn.stubbornness.tobytes() == stubborn.tobytes()
    assert table.own_risk.any() and table.own_stubbornness.any()  # the overrides are exercised


def test_drawing_seats_from_a_mix_without_weight_is_refused_with_the_field() -> None:
    """Validation refuses such a scenario; a copy made around it (`model_copy`) must still
    not reach the compiled draw, which would read past the mix's end."""
    baseline = sim.load_scenario("baseline")
    committee = baseline.committee.model_copy(
        update={"role_mix": dict.fromkeys(baseline.committee.role_mix, 0.0)}
    )
    with pytest.raises(ValueError, match=r"committee\.role_mix"):
        CommitteePlan(baseline.model_copy(update={"committee": committee}))
