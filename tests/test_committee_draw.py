"""The committee's roles are drawn as `Generator.choice` draws them: `committee._role_specs`
samples the role mix from its cumulative probabilities (`CommitteePlan.role_mix`) instead of
calling `choice` for every deal, and must give the same roles and leave the stream where
`choice` leaves it (common random numbers rest on it)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.config.scenario import Scenario
from sim.model.committee import CommitteePlan, _role_specs

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

    assert [spec.role for spec in _role_specs(CommitteePlan(scenario), rng)] == expected
    assert rng.random() == expected_rng.random()  # the stream goes on from the same place
