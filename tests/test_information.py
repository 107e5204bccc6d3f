"""Claims, sources and Gaussian beliefs (sim/model/information.py)."""

from __future__ import annotations

import copy
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.information import (
    Beliefs,
    Claim,
    InformationEnvironment,
    claim_value,
    vendor_of,
)

PRIOR_MEAN = [[0.5, 0.5], [0.6, 0.4]]
PRIOR_SD = [[0.03, 0.03], [0.25, 0.2]]


def fresh() -> Beliefs:
    return Beliefs([list(r) for r in PRIOR_MEAN], [list(r) for r in PRIOR_SD])


def claim(value: float, weight: float = 4.0, option: int = 1, criterion: int = 0) -> Claim:
    return Claim(option, criterion, value, "independent_research", weight, week=1)


def assert_same(a: Beliefs, b: Beliefs) -> None:
    for row_a, row_b in zip(a.mean, b.mean, strict=True):
        assert row_a == pytest.approx(row_b, abs=1e-9)
    for row_a, row_b in zip(a.sd, b.sd, strict=True):
        assert row_a == pytest.approx(row_b, abs=1e-9)
    assert a.sd_by_criterion == pytest.approx(b.sd_by_criterion, abs=1e-9)


# ---- claim values -----------------------------------------------------------------------


def test_claim_value_is_truth_plus_bias_toward_the_top_plus_noise() -> None:
    assert claim_value(0.4, 0.0, 0.0) == pytest.approx(0.4)
    assert claim_value(0.4, 0.5, 0.0) == pytest.approx(0.4 + 0.5 * 0.6)
    assert claim_value(0.4, 0.0, 0.1) == pytest.approx(0.5)
    # Overclaiming is largest where the product is weakest.
    assert claim_value(0.2, 0.3, 0.0) - 0.2 > claim_value(0.8, 0.3, 0.0) - 0.8


@given(truth=st.floats(0, 1), bias=st.floats(-1, 1), noise=st.floats(-5, 5, allow_subnormal=False))
@settings(max_examples=40, deadline=None)
def test_claim_value_is_clipped_to_unit_interval(truth: float, bias: float, noise: float) -> None:
    assert 0.0 <= claim_value(truth, bias, noise) <= 1.0


def test_vendor_voice_is_biased_only_about_its_own_vendor() -> None:
    truth = [[0.5, 0.5], [0.3, 0.4], [0.2, 0.7]]
    env = InformationEnvironment(
        ["status_quo", "ours", "rival"],
        truth,
        [1, 2],
        {
            "independent_research": (0.0, 0.1),
            "vendor_content:ours": (0.4, 0.05),
            "vendor_content:rival": (0.4, 0.05),
        },
    )
    assert env.state("independent_research", 1, 0, 0.0) == pytest.approx(0.3)
    assert env.state("vendor_content:ours", 1, 0, 0.0) == pytest.approx(0.3 + 0.4 * 0.7)
    assert env.state("vendor_content:ours", 2, 0, 0.0) == pytest.approx(0.2)  # about the rival
    assert env.state("vendor_content:rival", 2, 1, 0.0) == pytest.approx(0.7 + 0.4 * 0.3)
    # Noise scales the standard-normal draw by the source's noise.
    assert env.state("independent_research", 1, 1, 1.0) == pytest.approx(0.4 + 0.1)


def test_every_source_states_its_known_noise() -> None:
    env = InformationEnvironment(
        ["status_quo", "ours"],
        [[0.5], [0.5]],
        [1],
        {"independent_research": (0.0, 0.12), "seller:ours": (0.3, 0.06)},
    )
    assert env.noise("independent_research") == 0.12
    assert env.noise("seller:ours") == 0.06


# ---- provenance ---------------------------------------------------------------------------


def test_a_claim_is_relayed_only_when_delivered_by_someone_other_than_its_origin() -> None:
    def told(origin: str, channel: str) -> Claim:
        return Claim(1, 0, 0.5, origin, 1.0, week=1, channel=channel, sd=0.06)

    assert not told("seller:ours", "").relayed, "told directly"
    assert not told("seller:ours", "seller:ours").relayed
    assert told("seller:ours", "colleagues").relayed
    assert told("independent_research", "seller:ours").relayed, "a review a seller handed over"


def test_vendor_of_names_the_vendor_a_voice_speaks_for() -> None:
    assert vendor_of("seller:rival") == "rival"
    assert vendor_of("vendor_content:ours") == "ours"
    assert vendor_of("independent_research") == ""
    assert vendor_of("colleagues") == ""


# ---- beliefs ------------------------------------------------------------------------------


def test_initial_beliefs_are_the_prior() -> None:
    beliefs = fresh()
    assert beliefs.mean.tolist() == PRIOR_MEAN
    assert beliefs.sd.tolist() == PRIOR_SD
    assert beliefs.sd_by_criterion == pytest.approx([0.28, 0.23])


def test_add_then_remove_restores_mean_and_sd() -> None:
    beliefs = fresh()
    first = claim(0.9, weight=6.0)
    beliefs.add(first)
    assert beliefs.mean[1][0] > PRIOR_MEAN[1][0]
    assert beliefs.sd[1][0] < PRIOR_SD[1][0]
    beliefs.remove(first)
    assert_same(beliefs, fresh())


def test_removing_one_of_several_claims_equals_never_having_heard_it() -> None:
    kept = [claim(0.7, 3.0), claim(0.55, 1.5), claim(0.2, 2.0, criterion=1)]
    dropped = claim(0.99, 5.0)
    with_drop = fresh()
    for c in [kept[0], dropped, *kept[1:]]:
        with_drop.add(c)
    with_drop.remove(dropped)
    without = fresh()
    for c in kept:
        without.add(c)
    assert_same(with_drop, without)


claims_strategy = st.lists(
    st.tuples(
        st.integers(0, 1),  # option
        st.integers(0, 1),  # criterion
        st.floats(0, 1),  # value
        st.floats(0.01, 50),  # weight
    ),
    min_size=1,
    max_size=15,
)


@given(claims=claims_strategy, data=st.data())
@settings(max_examples=40, deadline=None)
def test_add_remove_in_any_order_is_exact(claims, data) -> None:
    held = [Claim(o, c, v, "peers", w, week=1) for o, c, v, w in claims]
    beliefs = fresh()
    for c in held:
        beliefs.add(c)
    # Remove a random subset in a random order; the result equals adding only the rest.
    removed = data.draw(st.lists(st.sampled_from(range(len(held))), unique=True))
    for i in removed:
        beliefs.remove(held[i])
    reference = fresh()
    for i, c in enumerate(held):
        if i not in removed:
            reference.add(c)
    assert_same(beliefs, reference)
    for row in beliefs.sd:
        assert all(sd > 0 for sd in row)


def test_reweight_and_back_is_exact() -> None:
    beliefs = fresh()
    c = claim(0.8, 2.0)
    beliefs.add(c)
    beliefs.add(claim(0.5, 1.0))
    before = copy.deepcopy(beliefs)
    beliefs.reweight(c, 1.5)
    assert c.weight == pytest.approx(3.0)
    assert beliefs.mean[1][0] > before.mean[1][0]  # the high claim counts more
    beliefs.reweight(c, 1 / 1.5)
    assert_same(beliefs, before)


def test_contradictory_claims_raise_uncertainty() -> None:
    consistent, contradictory = fresh(), fresh()
    for value in (0.5, 0.5):
        consistent.add(claim(value, 4.0))
    for value in (0.1, 0.9):
        contradictory.add(claim(value, 4.0))
    # Same weight, same average: same mean, but disagreement widens the belief.
    assert contradictory.mean[1][0] == pytest.approx(consistent.mean[1][0])
    assert contradictory.sd[1][0] > consistent.sd[1][0]
    assert contradictory.sd_by_criterion[0] > consistent.sd_by_criterion[0]


def test_consistent_claims_reduce_uncertainty() -> None:
    beliefs = fresh()
    sds = [beliefs.sd[1][0]]
    for _ in range(5):
        beliefs.add(claim(0.6, 4.0))
        sds.append(beliefs.sd[1][0])
    assert all(later < earlier for earlier, later in itertools.pairwise(sds))


@given(
    value=st.floats(0, 1),
    low=st.floats(0.01, 10),
    extra=st.floats(0.01, 10),
)
@settings(max_examples=40, deadline=None)
def test_more_trusted_claims_move_the_mean_more(value: float, low: float, extra: float) -> None:
    prior = PRIOR_MEAN[1][0]
    weak, strong = fresh(), fresh()
    weak.add(claim(value, low))
    strong.add(claim(value, low + extra))
    weak_move = abs(weak.mean[1][0] - prior)
    strong_move = abs(strong.mean[1][0] - prior)
    assert strong_move >= weak_move
    if abs(value - prior) > 1e-6:
        assert strong_move > weak_move
        # The mean moves toward the claim and never past it.
        lo, hi = sorted((prior, value))
        assert lo <= strong.mean[1][0] <= hi


def test_claims_touch_only_their_own_cell() -> None:
    beliefs = fresh()
    beliefs.add(claim(0.95, 10.0, option=1, criterion=1))
    assert beliefs.mean[1][0] == PRIOR_MEAN[1][0]
    assert beliefs.mean[0].tolist() == PRIOR_MEAN[0]
    assert beliefs.sd[1][0] == PRIOR_SD[1][0]
    assert beliefs.mean[1][1] > PRIOR_MEAN[1][1]
