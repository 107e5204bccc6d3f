"""The stakeholder's mechanisms, each in isolation: a model is built and one Stakeholder is
driven directly (validate, align, seek, hear, choose_job)."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import statistics

import pytest
from member_support import align, choose_job, hear, seek, validate

from sim.model import BuyingCommitteeModel, simulate
from sim.model.stakeholder import BuyingJob

CRITERIA = ["business_value", "functional_fit", "risk_security", "implementation_effort", "cost"]
BV = CRITERIA.index("business_value")
OUR_TRUE_BV = 0.1


def distance(p, q) -> float:
    """Half the L1 distance between two priority vectors."""
    return 0.5 * sum(abs(a - b) for a, b in zip(p, q, strict=True))


def last_event(model, action: str):
    events = [e for e in model.events if e.action == action]
    assert events, f"no {action!r} event logged"
    return events[-1]


# ---- validation -------------------------------------------------------------------------


@pytest.fixture
def validator(make_scenario):
    """A one-person committee; our product's business value is truly low and the checking
    sources are noiseless, so a check states the truth."""
    scenario = make_scenario(
        committee={"stakeholders": [{"role": "champion"}]},
        options={"vendors": {"ours": {"quality": {"business_value": OUR_TRUE_BV}}}},
        information={
            "sources": {
                "independent_research": {"noise": 0.0, "trust": 0.6},
                "peers": {"noise": 0.0, "trust": 0.7},
            }
        },
    )
    model = BuyingCommitteeModel(scenario, 3)
    stakeholder = model.stakeholders[0]
    stakeholder.recent_claims.clear()
    return model, stakeholder


def assert_beliefs_equal(actual, expected) -> None:
    for row_a, row_e in zip(actual.mean, expected.mean, strict=True):
        assert row_a == pytest.approx(row_e, abs=1e-9)
    for row_a, row_e in zip(actual.sd, expected.sd, strict=True):
        assert row_a == pytest.approx(row_e, abs=1e-9)


def test_validation_discredits_a_strongly_biased_claim(validator) -> None:
    model, s = validator
    o, source = model.our_index, f"vendor_content:{model.option_names[model.our_index]}"
    before = copy.deepcopy(s.beliefs)
    biased = hear(s, o, BV, 0.99, source, sd=model.information.noise(source))
    assert s.recent_claims == [biased]
    assert s.beliefs.mean[o][BV] > before.mean[o][BV]
    trust_before, discredited_before = s.trust[source], s.claims_discredited

    check = validate(s)

    assert check.validated and check.value != biased.value
    assert check.origin in ("independent_research", "peers")
    assert check.sd == model.information.noise(check.origin)
    assert check.value == pytest.approx(OUR_TRUE_BV)
    # The biased claim is gone from beliefs entirely: they are the old ones plus the check.
    expected = copy.deepcopy(before)
    expected.add(check)
    assert_beliefs_equal(s.beliefs, expected)
    assert s.beliefs.mean[o][BV] < before.mean[o][BV]
    assert s.claims_discredited == discredited_before + 1
    assert s.trust[source] < trust_before
    assert s.recent_claims == []
    assert last_event(model, "validate").effect == f"discredited:{source}"


def test_validation_confirms_an_accurate_claim(validator) -> None:
    model, s = validator
    o, source = model.our_index, f"vendor_content:{model.option_names[model.our_index]}"
    before = copy.deepcopy(s.beliefs)
    accurate = hear(s, o, BV, OUR_TRUE_BV, source, sd=model.information.noise(source))
    weight = accurate.weight
    trust_before, discredited_before = s.trust[source], s.claims_discredited

    check = validate(s)

    assert check.value == pytest.approx(OUR_TRUE_BV)
    assert s.claims_discredited == discredited_before
    assert s.trust[source] > trust_before
    assert s.recent_claims == [], "the checked claim left the claims to check"
    boost = model.settings.behaviour.confirmation_boost
    expected = copy.deepcopy(before)
    expected.add(dataclasses.replace(accurate, weight=weight * boost))  # it counts more now
    expected.add(check)
    assert_beliefs_equal(s.beliefs, expected)
    assert last_event(model, "validate").effect == f"confirmed:{source}"


def test_discredited_sources_lose_trust_repeatedly_but_stay_positive(validator) -> None:
    model, s = validator
    source = f"vendor_content:{model.option_names[model.our_index]}"
    trusts = [s.trust[source]]
    for _ in range(12):
        hear(s, model.our_index, BV, 0.99, source, sd=model.information.noise(source))
        validate(s)
        trusts.append(s.trust[source])
    assert all(b <= a for a, b in itertools.pairwise(trusts))
    assert trusts[-1] < trusts[0]
    assert trusts[-1] > 0.0
    assert s.claims_discredited == 12


# ---- hearing and seeking -----------------------------------------------------------------


def test_hearing_weight_grows_with_trust(make_scenario) -> None:
    model = BuyingCommitteeModel(make_scenario(committee={"size": 1}), 0)
    s = model.stakeholders[0]
    s.trust["peers"], s.trust["independent_research"] = 0.9, 0.2
    o = model.our_index
    trusted = hear(s, o, 0, 0.9, "peers", sd=0.1)
    doubted = hear(s, o, 1, 0.9, "independent_research", sd=0.1)
    assert trusted.weight > doubted.weight > 0


def test_overload_dilutes_claims_beyond_attention(make_scenario) -> None:
    attention = 4
    model = BuyingCommitteeModel(
        make_scenario(committee={"size": 1}, information={"attention": attention}), 0
    )
    s = model.stakeholders[0]
    weights = [hear(s, model.our_index, 0, 0.5, "peers", sd=0.16).weight for _ in range(10)]
    assert weights[:attention] == pytest.approx([weights[0]] * attention)
    later = weights[attention:]
    assert all(b < a for a, b in zip([weights[attention - 1], *later], later, strict=False))


@pytest.mark.parametrize("overload", [0.5, 1.0, 3.0])
def test_a_seek_hour_brings_claims_per_hour_times_overload(make_scenario, overload) -> None:
    model = BuyingCommitteeModel(
        make_scenario(committee={"size": 1}, information={"overload": overload}), 0
    )
    s = model.stakeholders[0]
    expected = 2.0 * overload
    loads = []
    for _ in range(200):
        before = s.load
        seek(s)
        loads.append(s.load - before)
    assert all(n in (int(expected), int(expected) + 1) for n in loads)
    assert statistics.mean(loads) == pytest.approx(expected, abs=0.25)


def test_no_validation_without_claims_and_no_alignment_alone(make_scenario) -> None:
    model = BuyingCommitteeModel(make_scenario(committee={"size": 1}), 0)
    s = model.stakeholders[0]
    s.recent_claims.clear()
    assert {choose_job(s) for _ in range(300)} == {BuyingJob.SEEK}


# ---- alignment ----------------------------------------------------------------------------

CLOSE_A = {"business_value": 0.4, "functional_fit": 0.3, "risk_security": 0.1,
           "implementation_effort": 0.1, "cost": 0.1}  # fmt: skip
CLOSE_B = {"business_value": 0.3, "functional_fit": 0.4, "risk_security": 0.1,
           "implementation_effort": 0.1, "cost": 0.1}  # fmt: skip


def pair(make_scenario, a: dict, b: dict, seed: int = 0):
    scenario = make_scenario(
        committee={
            "stakeholders": [
                {"role": "champion", "stubbornness": 0.0, **a},
                {"role": "technical_evaluator", "stubbornness": 0.0, **b},
            ]
        }
    )
    model = BuyingCommitteeModel(scenario, seed)
    return model, *model.stakeholders


@pytest.mark.parametrize("stubbornness", [0.0, 0.5])
def test_close_priorities_converge(make_scenario, stubbornness: float) -> None:
    model, a, b = pair(
        make_scenario,
        {"priorities": CLOSE_A, "stubbornness": stubbornness},
        {"priorities": CLOSE_B},
    )
    mu = model.settings.behaviour.convergence
    p_a, p_b = list(a.priorities), list(b.priorities)
    d0 = distance(p_a, p_b)
    assert 0 < d0 <= a.open_mindedness
    fatigue = (a.fatigue, b.fatigue)

    align(a)

    assert distance(a.priorities, b.priorities) < d0
    # Friedkin-Johnsen: p <- s p0 + (1 - s)(p + mu (q - p)), anchored at the start.
    expected_a = [
        stubbornness * x + (1 - stubbornness) * (x + mu * (y - x))
        for x, y in zip(p_a, p_b, strict=True)
    ]
    expected_b = [y + mu * (x - y) for x, y in zip(p_a, p_b, strict=True)]
    assert a.priorities == pytest.approx(expected_a)
    assert b.priorities == pytest.approx(expected_b)
    assert sum(a.priorities) == pytest.approx(1.0)
    assert a.conflicts == 0
    assert (a.fatigue, b.fatigue) == fatigue
    assert last_event(model, "align").effect == "converged"


def test_repeated_alignment_without_anchoring_reaches_consensus(make_scenario) -> None:
    _, a, b = pair(make_scenario, {"priorities": CLOSE_A}, {"priorities": CLOSE_B})
    d0 = distance(a.priorities, b.priorities)
    for _ in range(15):
        align(a)
    assert distance(a.priorities, b.priorities) < 0.01 * d0


def test_far_apart_priorities_clash(make_scenario) -> None:
    model, a, b = pair(
        make_scenario, {"priorities": {"business_value": 1.0}}, {"priorities": {"cost": 1.0}}
    )
    assert distance(a.priorities, b.priorities) > a.open_mindedness
    p_a, p_b = list(a.priorities), list(b.priorities)
    fatigue_a, fatigue_b = a.fatigue, b.fatigue
    conflict = model.settings.behaviour.conflict_fatigue

    align(a)

    assert a.conflicts == 1
    assert a.fatigue == pytest.approx(fatigue_a + conflict)
    assert b.fatigue == pytest.approx(fatigue_b + conflict)
    assert a.priorities == p_a
    assert b.priorities == p_b
    assert last_event(model, "align").effect == "clashed"

    for _ in range(4):
        align(a)
    assert a.conflicts == 5
    assert a.fatigue > fatigue_a + 4 * conflict


def test_in_a_clash_each_side_argues_from_its_own_priorities(make_scenario) -> None:
    """A clash moves no priority but each member hears the other's view on what matters
    most to the *speaker* (`argue_case`): a colleague's claim to validate, which widens a
    belief it contradicts, so the clash sends members back to seek and validate."""
    model, a, b = pair(
        make_scenario, {"priorities": {"business_value": 1.0}}, {"priorities": {"cost": 1.0}}
    )
    criteria = model.settings.criteria
    value, cost = criteria.index("business_value"), criteria.index("cost")
    before_a, before_b = len(a.recent_claims), len(b.recent_claims)

    align(a)

    assert last_event(model, "align").effect == "clashed"
    heard_by_b, heard_by_a = b.recent_claims[before_b:], a.recent_claims[before_a:]
    assert [(c.criterion, c.origin) for c in heard_by_b] == [(value, "colleagues")]
    assert [(c.criterion, c.origin) for c in heard_by_a] == [(cost, "colleagues")]
    # What b heard is a's own view of that vendor criterion.
    claim = heard_by_b[0]
    assert claim.value == pytest.approx(a.beliefs.mean[claim.option][value])


@pytest.mark.parametrize(("radius", "converges"), [(0.05, False), (0.15, True)])
def test_bounded_confidence_radius(make_scenario, radius: float, converges: bool) -> None:
    """The same pair (distance 0.1) converges or clashes depending on open-mindedness."""
    model, a, b = pair(
        make_scenario,
        {"priorities": CLOSE_A, "open_mindedness": radius},
        {"priorities": CLOSE_B, "open_mindedness": radius},
    )
    assert distance(a.priorities, b.priorities) == pytest.approx(0.1)
    align(a)
    assert last_event(model, "align").effect == ("converged" if converges else "clashed")
    assert a.conflicts == (0 if converges else 1)


def test_fully_stubborn_member_stays_at_its_anchor(make_scenario) -> None:
    model, a, b = pair(
        make_scenario,
        {"priorities": CLOSE_A, "stubbornness": 1.0},
        {"priorities": CLOSE_B},
    )
    anchor = list(a.priorities)
    d0 = distance(a.priorities, b.priorities)
    for _ in range(6):
        align(a)
        align(b)
    assert a.priorities == pytest.approx(anchor, abs=1e-12)
    assert distance(a.priorities, b.priorities) < d0  # the other one moved toward it
    converged = [e for e in model.events if e.action == "align" and e.effect == "converged"]
    assert len(converged) == 12


def test_alignment_shares_beliefs(make_scenario) -> None:
    _, a, b = pair(make_scenario, {"priorities": CLOSE_A}, {"priorities": CLOSE_B})
    load_a, load_b = a.load, b.load
    align(a)
    assert a.load > load_a and b.load > load_b  # each heard the other as a colleague


# ---- a committee of one never aligns -------------------------------------------------------


def test_one_person_committee_never_aligns(named_scenario, make_scenario) -> None:
    scenarios = [
        named_scenario("one_person"),
        make_scenario(committee={"stakeholders": [{"role": "finance", "veto": True}]}),
    ]
    runs = 0
    for scenario in scenarios:
        assert scenario.committee.effective_size == 1
        for seed in range(25):
            result = simulate(scenario, seed)
            runs += 1
            assert not [e for e in result.events if e.action == "align"]
            assert result.hours_by_job["align"] == 0
            assert all(w.hours_align == 0 for w in result.weekly)
            assert result.conflicts == 0
            assert sum(result.hours_by_job.values()) > 0
    assert runs == 50


# ---- overload ------------------------------------------------------------------------------


def test_information_overload_raises_overload_and_fatigue(make_scenario) -> None:
    def runs(overload: float):
        scenario = make_scenario(
            horizon_weeks=20,
            information={"overload": overload},
            decision={"support_threshold": 1.0, "confidence_threshold": 1.0},
        )
        return [simulate(scenario, seed) for seed in range(8)]

    def mean_of(results, field: str) -> float:
        return statistics.mean(
            statistics.mean(getattr(w, field) for w in r.weekly) for r in results
        )

    normal, flooded = runs(1.0), runs(6.0)
    assert mean_of(flooded, "overload") > mean_of(normal, "overload")
    assert mean_of(flooded, "fatigue") > mean_of(normal, "fatigue")
    assert statistics.mean(r.purchase_ease for r in flooded) < statistics.mean(
        r.purchase_ease for r in normal
    )
