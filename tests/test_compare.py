"""`b2bsim compare`: its statistics on a hand-computed case, the bootstrap's properties, the
comparison workflow's common random numbers, and the command end to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.compare import paired_effects, summarize
from sim.analysis.statistics import (
    bootstrap_interval,
    median_time_to_decision,
    paired_rate_effects,
    proportion,
    rate,
)
from sim.cli import main
from sim.model import simulate
from sim.runner import Executors
from sim.workflow.compare import compare


def deal(strategy, replication, outcome, weeks, cause=None, hq=False, regret=None, hours=0.0):
    return {
        "policy": strategy,
        "replication": replication,
        "outcome": outcome,
        "no_decision_cause": cause,
        "weeks_simulated": weeks,
        "high_quality": hq,
        "our_high_quality": hq and outcome == "won",
        "regret": regret,
        "loopbacks_per_stakeholder": float(replication),
        "share_with_sellers": 0.1,
        "our_seller_hours": hours,
    }


@pytest.fixture
def hand_made() -> pd.DataFrame:
    rows = [
        deal("a", 0, "won", 10, hq=True, regret=False, hours=10),
        deal("a", 1, "lost", 20, regret=True, hours=10),
        deal("a", 2, "no_decision", 30, cause="stalled", hours=10),
        deal("a", 3, "open", 40, hours=10),
        deal("b", 0, "won", 5, hq=True, regret=False, hours=20),
        deal("b", 1, "won", 15, regret=True, hours=20),
        deal("b", 2, "no_decision", 25, cause="status_quo", hours=20),
        deal("b", 3, "won", 35, hq=True, regret=False, hours=20),
    ]
    return pd.DataFrame.from_records(rows)


def test_summary_matches_hand_computation(hand_made):
    summary = summarize(hand_made, ["a", "b"]).set_index("strategy")
    a, b = summary.loc["a"], summary.loc["b"]
    assert a["won"] == 0.25 and b["won"] == 0.75
    # a bootstrap of four deals can only give shares in quarters, around the point estimate
    assert b["won_low"] < 0.75 < b["won_high"]
    assert {b["won_low"] * 4, b["won_high"] * 4} <= {0.0, 1.0, 2.0, 3.0, 4.0}
    assert a["open"] == 0.25 and b["open"] == 0.0
    # every b deal is not open: the bootstrap collapses, so the Wilson interval is used
    z2 = 1.959964**2  # Wilson's upper bound for 0 of n successes is z^2 / (n + z^2)
    assert b["open_low"] == 0.0 and b["open_high"] == pytest.approx(z2 / (4 + z2), rel=1e-5)
    assert a["no_decision_stalled"] == 0.25 and b["no_decision_status_quo"] == 0.25
    assert a["regret"] == 0.5 and b["regret"] == pytest.approx(1 / 3)
    assert b["high_quality"] == 0.5
    # KM: a's deals end at 10, 20, 30 and one is censored at 40 -> S drops to 0.5 at 20.
    assert a["median_weeks_to_decision"] == 20
    # all four of b's end: 5, 15, 25, 35 -> S = 0.5 at 15
    assert b["median_weeks_to_decision"] == 15
    assert a["seller_hours_per_won"] == 40 and b["seller_hours_per_won"] == pytest.approx(80 / 3)
    assert a["seller_hours_wasted_share"] == 0.75 and b["seller_hours_wasted_share"] == 0.25


def test_paired_effects_are_per_replication_differences(hand_made):
    effects = paired_effects(hand_made, ["a", "b"]).set_index("metric")
    won = effects.loc["won"]
    treatment, reference = np.array([1.0, 1, 0, 1]), np.array([1.0, 0, 0, 0])  # by replication
    assert won["difference"] == pytest.approx(treatment.mean() - reference.mean())
    # paired: per replication the difference is 0, 1, 0 or 1, so a resampled mean difference
    # lies in [0, 1] in steps of a quarter; unpaired resampling could reach -0.25
    assert 0.0 <= won["difference_low"] <= 0.5 <= won["difference_high"] <= 1.0
    assert won["difference_low"] * 4 == round(won["difference_low"] * 4)
    assert won["relative"] == pytest.approx(3.0)
    assert won["relative_low"] <= 3.0 <= won["relative_high"]
    loops = effects.loc["loopbacks_per_stakeholder"]
    assert loops["difference"] == 0 and loops["difference_low"] == 0


def test_open_deals_are_censored_not_closed_at_the_horizon():
    # Two deals decided in weeks 10 and 20; three open at the 78-week horizon. Treating the
    # open ones as decided at 78 would give a median of 78; censoring gives no median.
    estimate = median_time_to_decision([10, 20, 78, 78, 78], [True, True, False, False, False])
    assert math.isinf(estimate.value)
    assert proportion(0, 0).value != proportion(0, 0).value  # NaN when undefined


def test_replication_r_meets_the_same_committee_for_every_strategy(named_scenario):
    scenario = named_scenario("one_person")
    result = compare(scenario, ["none", "maze_guide"], 3, 5, Executors(workers=1))
    deals = result.deals
    assert list(deals.columns[:4]) == ["policy", "point", "replication", "seed"]
    assert list(deals["policy"]) == ["none"] * 3 + ["maze_guide"] * 3
    assert list(deals["replication"]) == [0, 1, 2] * 2
    assert list(deals["seed"]) == [5, 6, 7] * 2
    # replication r is the deal `b2bsim run --seed S+r` of that strategy
    expected = simulate(scenario.with_strategy("maze_guide"), 6).metrics()
    row = deals[(deals["policy"] == "maze_guide") & (deals["replication"] == 1)].iloc[0]
    assert row["weeks_simulated"] == expected["weeks_simulated"]
    assert row["outcome"] == expected["outcome"]


# ---- the bootstrap: properties that hold whatever its resamples ------------------------------


@settings(max_examples=25, deadline=None)
@given(st.lists(st.booleans(), min_size=2, max_size=60))
def test_rate_interval_contains_the_share_and_stays_in_0_1(values):
    estimate = rate(np.array(values, dtype=float))
    assert 0.0 <= estimate.low <= estimate.value <= estimate.high <= 1.0


def test_rate_interval_shrinks_with_more_deals():
    widths = []
    for n in (40, 400, 4000):
        values = (np.arange(n) % 10 < 3).astype(float)  # a share of exactly 30%
        estimate = rate(values)
        assert estimate.value == pytest.approx(0.3)
        widths.append(estimate.high - estimate.low)
    assert widths[0] > widths[1] > widths[2]
    # roughly 1/sqrt(n): ten times the deals, about a third of the width
    assert widths[1] / widths[0] == pytest.approx(1 / math.sqrt(10), rel=0.25)


def test_rate_interval_matches_the_normal_approximation_for_many_deals():
    n, share = 2000, 0.3
    values = (np.arange(n) % 10 < 3).astype(float)
    estimate = rate(values)
    half = 1.96 * math.sqrt(share * (1 - share) / n)
    assert estimate.low == pytest.approx(share - half, abs=0.006)
    assert estimate.high == pytest.approx(share + half, abs=0.006)


def test_bootstrap_leaves_out_undefined_resamples_and_is_reproducible():
    a, b = np.array([1.0, 0.0, 0.0, 0.0]), np.array([0.0, 0.0, 0.0, 1.0])
    ratio = lambda x, y: x.mean() / y.mean() if y.mean() > 0 else math.nan  # noqa: E731
    low, high = bootstrap_interval([a, b], ratio)
    assert math.isfinite(low) and math.isfinite(high) and 0 <= low <= high
    assert (low, high) == bootstrap_interval([a, b], ratio)
    assert all(map(math.isnan, bootstrap_interval([b * 0, b * 0], ratio)))


def test_paired_effects_see_what_an_unpaired_comparison_misses():
    # the treatment wins exactly the reference's wins plus one in ten: paired, the risk
    # difference is never negative; unpaired resampling of the same shares would be
    rng = np.random.default_rng(3)
    reference = (rng.random(300) < 0.4).astype(float)
    treatment = reference.copy()
    treatment[(reference == 0) & (np.arange(300) % 10 == 0)] = 1.0
    difference, relative = paired_rate_effects(treatment, reference)
    assert difference.low > 0 and relative.low > 1
    assert difference.value == pytest.approx(treatment.mean() - reference.mean())


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


def test_compare_end_to_end_json_and_same_results_for_one_or_two_workers(capsys):
    args = ["compare", "baseline", "--replications", "6", "--seed", "3", "--json"]
    code, one, _ = run_cli(capsys, *args, "--workers", "1")
    assert code == 0
    code, two, _ = run_cli(capsys, *args, "--workers", "2")
    assert code == 0
    first, second = json.loads(one), json.loads(two)
    assert first == second
    assert first["strategies"] == ["none", "funnel_pusher", "maze_guide"]
    for row in first["summary"]:
        rates = row["won"] + row["lost"] + row["no_decision"] + row["open"]
        assert rates == pytest.approx(1.0)
        assert row["deals"] == 6
    assert {r["strategy"] for r in first["paired"]} == {"funnel_pusher", "maze_guide"}


def test_compare_table_and_csv(capsys):
    code, out, _ = run_cli(
        capsys,
        "compare",
        "one_person",
        "--replications",
        "4",
        "--sellers",
        "funnel_pusher,maze_guide",
        "--workers",
        "1",
    )
    assert code == 0
    for words in (
        "won",
        "no decision",
        "open at horizon",
        "high-quality",
        "regret",
        "loop-backs",
        "with sellers",
        "per won deal",
        "Paired differences",
    ):
        assert words in out
    code, out, _ = run_cli(
        capsys,
        "compare",
        "one_person",
        "--replications",
        "3",
        "--csv",
        "--sellers",
        "none,maze_guide",
        "--workers",
        "1",
    )
    assert code == 0
    frame = pd.read_csv(pd.io.common.StringIO(out))
    assert list(frame["strategy"]) == ["none", "maze_guide"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["compare", "baseline", "--sellers", "none,pushy"], "--sellers: unknown strategy 'pushy'"),
        (["run", "baseline", "--seller", "guide"], "--seller: unknown strategy 'guide'"),
        (["run", "baseline", "--vs", "none"], "--vs: give exactly two strategies"),
        (["compare", "nowhere.yaml"], "nowhere.yaml: file not found"),
    ],
)
def test_bad_strategy_arguments_are_clear_errors(capsys, args, words):
    code, _, err = run_cli(capsys, *args)
    assert code == 2
    assert words in err
    assert "Traceback" not in err


def test_run_vs_replays_the_same_committee_with_two_sellers(capsys):
    code, out, _ = run_cli(
        capsys, "run", "baseline", "--seed", "7", "--vs", "funnel_pusher,maze_guide"
    )
    assert code == 0
    assert "funnel_pusher:" in out and "maze_guide:" in out
    assert "The stories diverge in week" in out
    code, out, _ = run_cli(
        capsys, "run", "baseline", "--seed", "7", "--vs", "funnel_pusher,maze_guide", "--json"
    )
    payload = json.loads(out)
    first, second = payload["funnel_pusher"], payload["maze_guide"]
    assert first["stakeholders"] == second["stakeholders"], "same committee"


def test_run_with_seller_override_uses_that_strategy(capsys):
    code, out, _ = run_cli(
        capsys, "run", "baseline", "--seed", "2", "--seller", "maze_guide", "--json"
    )
    assert code == 0
    assert json.loads(out)["strategies"]["ours"] == "maze_guide"
