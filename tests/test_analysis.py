"""The analysis layer on hand-made data: rate intervals, paired effects, competing-risk
incidence with censoring, time to decision, sensitivity indices and the job moves behind
the Sankey of the maze."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.sensitivity import IncompleteSweep, sensitivity_indices
from sim.analysis.statistics import paired_rate_effects, rate
from sim.analysis.survival import ENDINGS, cumulative_incidence, time_to_decision
from sim.config.experiment import Design, Experiment, Parameter
from sim.model import simulate
from sim.model.metrics import JOB_MOVES, count_loopbacks, deal_job_moves, job_moves
from sim.workflow.design import design_points

# ---- statistics.rate ------------------------------------------------------------------


def wilson(successes: int, trials: int) -> tuple[float, float]:
    interval = stats.binomtest(successes, trials).proportion_ci(0.95, method="wilson")
    return float(interval.low), float(interval.high)


def test_rate_bootstrap_interval_contains_the_share() -> None:
    values = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1], dtype=bool)
    estimate = rate(values)
    assert estimate.value == pytest.approx(0.6)
    assert 0.0 <= estimate.low <= estimate.value <= estimate.high <= 1.0
    assert estimate.low < estimate.high
    assert rate(values) == estimate  # fixed bootstrap seed: reproducible reports


@pytest.mark.parametrize("value", [0, 1])
def test_rate_of_degenerate_data_is_the_wilson_interval(value: int) -> None:
    values = np.full(12, value)
    estimate = rate(values)
    low, high = wilson(int(values.sum()), len(values))
    assert estimate.value == value
    assert estimate.low == pytest.approx(low)
    assert estimate.high == pytest.approx(high)
    assert estimate.low < estimate.high  # not collapsed to a point like the bootstrap
    assert estimate.low <= estimate.value <= estimate.high


def test_rate_of_nothing_is_undefined() -> None:
    estimate = rate(np.array([]))
    assert all(math.isnan(v) for v in (estimate.value, estimate.low, estimate.high))


# ---- statistics.paired_rate_effects ------------------------------------------------------


def paired_sample(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    treatment = (rng.random(n) < 0.55).astype(float)
    reference = (rng.random(n) < 0.3).astype(float)
    return treatment, reference


def test_risk_difference_is_the_mean_paired_difference() -> None:
    a, b = paired_sample()
    difference, _ = paired_rate_effects(a, b)
    assert difference.value == pytest.approx(float(np.mean(a - b)))
    assert difference.low <= difference.value <= difference.high
    assert difference.low < difference.high


def test_relative_risk_is_the_ratio_of_means() -> None:
    a, b = paired_sample()
    _, relative = paired_rate_effects(a, b)
    assert relative.value == pytest.approx(a.mean() / b.mean())
    assert relative.low <= relative.value <= relative.high
    assert relative.low > 0


def test_relative_risk_against_a_zero_reference_rate_is_nan() -> None:
    a, _ = paired_sample()
    difference, relative = paired_rate_effects(a, np.zeros_like(a))
    assert difference.value == pytest.approx(a.mean())
    assert all(math.isnan(v) for v in (relative.value, relative.low, relative.high))


def test_identical_arms_have_no_effect() -> None:
    a, _ = paired_sample()
    difference, relative = paired_rate_effects(a, a.copy())
    assert (difference.value, difference.low, difference.high) == (0.0, 0.0, 0.0)
    assert (relative.value, relative.low, relative.high) == pytest.approx((1.0, 1.0, 1.0))


def test_paired_effects_of_no_pairs_are_undefined() -> None:
    difference, relative = paired_rate_effects(np.array([]), np.array([]))
    assert math.isnan(difference.value) and math.isnan(relative.value)


# ---- survival --------------------------------------------------------------------------

DECIDED = (
    [("won", w) for w in (3, 5, 5, 8, 10)]
    + [("lost", w) for w in (4, 6, 9)]
    + [("no_decision", w) for w in (7, 12)]
)
"""Ten decided deals: 5 won, 3 lost, 2 without a decision."""


def deal_table(rows: list[tuple[str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["outcome", "weeks_simulated"])


def final_incidence(table: pd.DataFrame) -> dict[str, float]:
    return {
        ending: float(table[table["ending"] == ending].sort_values("week")["incidence"].iloc[-1])
        for ending in ENDINGS
    }


def incidence_at(table: pd.DataFrame, ending: str, week: float) -> float:
    curve = table[(table["ending"] == ending) & (table["week"] <= week + 0.5)]
    return float(curve.sort_values("week")["incidence"].iloc[-1])


def test_incidence_without_censoring_ends_at_each_share() -> None:
    table = cumulative_incidence(deal_table(DECIDED))
    finals = final_incidence(table)
    assert finals == pytest.approx({"won": 0.5, "lost": 0.3, "no_decision": 0.2})
    assert sum(finals.values()) == pytest.approx(1.0)


def test_open_deals_are_censored_never_counted_as_decided() -> None:
    # 3 deals still open at the 15-week horizon, after every decision was taken.
    rows = DECIDED + [("open", 15)] * 3
    table = cumulative_incidence(deal_table(rows))
    finals = final_incidence(table)
    assert finals == pytest.approx({"won": 5 / 13, "lost": 3 / 13, "no_decision": 2 / 13})
    assert sum(finals.values()) < 1.0
    assert 1.0 - sum(finals.values()) == pytest.approx(3 / 13)  # the open share
    # With censoring only at the horizon, Aalen-Johansen is the plain empirical incidence.
    for ending in ENDINGS:
        for week in range(16):
            expected = sum(1 for o, w in DECIDED if o == ending and w <= week) / 13
            assert incidence_at(table, ending, week) == pytest.approx(expected), (ending, week)


@pytest.mark.parametrize("censored", [False, True])
def test_incidence_never_decreases_and_sits_in_its_band(censored: bool) -> None:
    rows = DECIDED + ([("open", 15), ("open", 6)] if censored else [])
    table = cumulative_incidence(deal_table(rows))
    assert set(table["ending"]) == set(ENDINGS)
    for ending in ENDINGS:
        curve = table[table["ending"] == ending].sort_values("week")
        assert (np.diff(curve["incidence"].to_numpy()) >= -1e-12).all(), ending
        assert (curve["low"] <= curve["incidence"] + 1e-12).all(), ending
        assert (curve["incidence"] <= curve["high"] + 1e-12).all(), ending
        assert curve["incidence"].between(0, 1).all()


def test_an_ending_that_never_happens_has_zero_incidence() -> None:
    table = cumulative_incidence(deal_table([("won", 3), ("won", 6), ("open", 10)]))
    for ending in ("lost", "no_decision"):
        curve = table[table["ending"] == ending]
        assert len(curve) > 0
        assert (curve[["incidence", "low", "high"]] == 0).all().all()


def test_time_to_decision_is_infinite_when_fewer_than_half_decide() -> None:
    rows = [("won", w) for w in (2, 3, 4, 5)] + [("open", 20)] * 6
    estimate = time_to_decision(deal_table(rows))
    assert estimate.value == math.inf


def test_time_to_decision_is_the_kaplan_meier_median() -> None:
    rows = [("won", w) for w in range(1, 9)] + [("open", 20)] * 2
    estimate = time_to_decision(deal_table(rows))
    assert estimate.value == 5.0  # survival first reaches 0.5 in week 5
    assert estimate.low <= estimate.value <= estimate.high


# ---- sensitivity ------------------------------------------------------------------------


def synthetic_experiment(kind: str, samples: int) -> Experiment:
    return Experiment(
        name="synthetic",
        parameters={
            "strong": Parameter(low=0.0, high=1.0),
            "weak": Parameter(low=0.0, high=1.0),
            "inert": Parameter(low=2.0, high=4.0),
        },
        design=Design(kind=kind, samples=samples, levels=4, seed=3),
        replications=2,
    )


def synthetic_deals(experiment: Experiment) -> pd.DataFrame:
    """Two replications per design point of an output driven by `strong`, barely by
    `weak`, not at all by `inert`."""
    rows = [
        {
            "point_index": point.index,
            "replication": r,
            "score": 10.0 * point.values["strong"] + 0.1 * point.values["weak"],
        }
        for point in design_points(experiment)
        for r in range(experiment.replications)
    ]
    return pd.DataFrame(rows)


def test_morris_ranks_the_influential_parameter_first() -> None:
    experiment = synthetic_experiment("morris", samples=10)
    indices = sensitivity_indices(experiment, synthetic_deals(experiment), "score")
    assert set(indices["index"]) == {"mu_star"}
    ranked = indices.sort_values("value", ascending=False)
    assert list(ranked["parameter"]) == ["strong", "weak", "inert"]
    mu_star = dict(zip(indices["parameter"], indices["value"], strict=True))
    # On the unit cube every elementary effect of `strong` is 10, of `weak` 0.1.
    assert mu_star["strong"] == pytest.approx(10.0)
    assert mu_star["weak"] == pytest.approx(0.1)
    assert mu_star["inert"] == pytest.approx(0.0, abs=1e-9)


def test_sobol_ranks_the_influential_parameter_first() -> None:
    experiment = synthetic_experiment("sobol", samples=64)
    indices = sensitivity_indices(experiment, synthetic_deals(experiment), "score")
    assert set(indices["index"]) == {"S1", "ST"}
    for name in ("S1", "ST"):
        part = indices[indices["index"] == name].sort_values("value", ascending=False)
        assert part["parameter"].iloc[0] == "strong", name
        assert part["value"].iloc[0] > 0.8, name


def test_sensitivity_needs_every_design_point() -> None:
    experiment = synthetic_experiment("morris", samples=4)
    deals = synthetic_deals(experiment)
    with pytest.raises(IncompleteSweep, match="design points have no stored runs"):
        sensitivity_indices(experiment, deals[deals["point_index"] != 2], "score")


def test_sensitivity_needs_a_sampler_design() -> None:
    experiment = Experiment(
        name="grid", parameters={"a": Parameter(values=[1, 2])}, design=Design(kind="grid")
    )
    deals = pd.DataFrame({"point_index": [0, 1], "score": [0.0, 1.0]})
    with pytest.raises(ValueError):
        sensitivity_indices(experiment, deals, "score")


# ---- job moves (the Sankey of the maze) -------------------------------------------------


def moves(**counts: int) -> dict[tuple[str, str], int]:
    expected = dict.fromkeys(JOB_MOVES, 0)
    for key, count in counts.items():
        a, b = key.split("_")
        expected[a, b] = count
    return expected


def test_job_moves_counts_changes_and_skips_idle_weeks() -> None:
    sequence = ["seek", "seek", "validate", "seek", "idle", "align"]
    assert job_moves(sequence) == moves(seek_validate=1, validate_seek=1, seek_align=1)


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        ([], {}),
        (["idle", "idle"], {}),
        (["align", "align", "idle", "align"], {}),  # idle between the same job: no move
        (
            ["seek", "idle", "idle", "validate", "align", "seek"],
            {"seek_validate": 1, "validate_align": 1, "align_seek": 1},
        ),
        (["validate", "seek"] * 3, {"validate_seek": 3, "seek_validate": 2}),
    ],
)
def test_job_moves_on_hand_made_sequences(sequence: list[str], expected: dict[str, int]) -> None:
    assert job_moves(sequence) == moves(**expected)


def test_job_moves_has_every_edge_of_the_maze() -> None:
    assert set(job_moves(["seek"])) == set(JOB_MOVES)
    assert len(JOB_MOVES) == 6


def test_deal_job_moves_sums_each_stakeholder_separately() -> None:
    # Weeks interleave stakeholders as in a deal's weekly states; a move is never counted
    # across two people (ann's 'seek' followed by bob's 'align' is not a move).
    jobs = {
        "ann": ["seek", "validate", "seek"],
        "bob": ["align", "idle", "validate"],
    }
    weekly = [
        SimpleNamespace(week=week, stakeholder=name, job=sequence[week])
        for week in range(3)
        for name, sequence in jobs.items()
    ]
    total = deal_job_moves(SimpleNamespace(weekly=weekly))  # type: ignore[arg-type]
    assert total == moves(seek_validate=1, validate_seek=1, align_validate=1)


def test_deal_metrics_carry_the_job_moves(named_scenario) -> None:
    deal = simulate(named_scenario("baseline"), 2)
    metrics = deal.metrics()
    total = deal_job_moves(deal)
    assert {f"moves_{a}_{b}": n for (a, b), n in total.items()} == {
        k: v for k, v in metrics.items() if k.startswith("moves_")
    }
    # Every loop-back is a change of main job, so there are at least as many moves.
    per_person: dict[str, list[str]] = {}
    for state in deal.weekly:
        per_person.setdefault(state.stakeholder, []).append(state.job)
    assert sum(total.values()) >= sum(count_loopbacks(j) for j in per_person.values())
    assert sum(count_loopbacks(j) for j in per_person.values()) == metrics["loopbacks"]
