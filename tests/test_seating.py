"""A seated committee holds what docs/ODD.md section 5 says it starts with
(`kernel.seat_committee`): both set-up paths share the seating, so the batch-v-Mesa tests
cannot catch a mistake in it; this checks the arrays against the formulas directly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model import kernel as k
from sim.model.template import STATUS_QUO_SD, DealTemplate

SCENARIOS = ["baseline", "skeptical_finance_veto"]


@pytest.fixture(scope="module", params=SCENARIOS)
def template(request: pytest.FixtureRequest) -> DealTemplate:
    return DealTemplate(sim.load_scenario(request.param))


@given(seed=st.integers(0, 2**40))
@settings(max_examples=15, deadline=None)
def test_members_start_with_their_traits_priorities_trust_and_priors(
    template: DealTemplate, seed: int
) -> None:
    drawn = template.draw(seed)
    c, profiles = drawn.committee, template.profiles(drawn.members)
    behaviour = template.scenario.behaviour
    n_criteria = len(template.criteria)
    for seat, p in enumerate(profiles):
        row = c.member[seat]
        assert row[k.MemberColumn.INFLUENCE] == p.influence
        assert row[k.MemberColumn.VETO] == float(p.veto)
        assert row[k.MemberColumn.RISK_AVERSION] == p.risk_aversion
        assert row[k.MemberColumn.STUBBORNNESS] == p.stubbornness
        assert row[k.MemberColumn.OPEN_MINDEDNESS] == p.open_mindedness
        assert row[k.MemberColumn.WEEKLY_HOURS] == p.weekly_hours
        assert c.priorities[seat].tolist() == list(p.priorities)
        assert c.anchor[seat].tolist() == list(p.priorities)  # the anchor is where it starts
        # Trust: the member's own for a kind it names, else the source's default.
        assert c.trust[seat].tolist() == template.trust_row(p.trust).tolist()
        beliefs = c.beliefs[seat]
        # The status quo is known: its truth, with a small sd.
        assert beliefs[k.BeliefField.MEAN, 0].tolist() == template.truth[0]
        assert (beliefs[k.BeliefField.SD, 0] == STATUS_QUO_SD).all()
        # A vendor criterion: the prior mean plus the first impression, within [0, 1].
        jitter = np.array(p.prior_jitter).reshape(len(template.vendor_indices), n_criteria)
        expected = np.clip(behaviour.prior_mean + jitter, 0.0, 1.0)
        assert beliefs[k.BeliefField.MEAN, 1:].tolist() == expected.tolist()
        assert beliefs[k.BeliefField.PRIOR_MEAN, 1:].tolist() == expected.tolist()
        assert (beliefs[k.BeliefField.SD, 1:] == behaviour.prior_sd).all()
        precision = beliefs[k.BeliefField.PRIOR_PRECISION]
        assert precision.tolist() == (1.0 / beliefs[k.BeliefField.SD] ** 2).tolist()
        for field in (k.BeliefField.CLAIM_WEIGHT, k.BeliefField.CLAIM_SUM):
            assert not beliefs[field].any()  # no claims heard yet


def test_a_listed_members_own_trust_is_seated() -> None:
    """skeptical_finance_veto's CFO trusts vendor content at 0.1: every vendor's content
    source starts there for that member, not at the source's default."""
    template = DealTemplate(sim.load_scenario("skeptical_finance_veto"))
    drawn = template.draw(3)
    profiles = template.profiles(drawn.members)
    own = [seat for seat, p in enumerate(profiles) if p.trust.get("vendor_content") == 0.1]
    assert own, "the scenario lists a member with its own trust in vendor content"
    index = template.information.index
    default = template.scenario.information.sources["vendor_content"].trust
    assert default != 0.1
    for vendor in template.vendor_indices:
        column = index[f"vendor_content:{template.option_names[vendor]}"]
        for seat, p in enumerate(profiles):
            expected = p.trust.get("vendor_content", default)
            assert drawn.committee.trust[seat, column] == expected
            assert (seat in own) == (expected == 0.1)
