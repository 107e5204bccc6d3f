"""The stylized facts: each definition on hand-made deals, the commands end to end, and the
calibrated baseline inside every tolerance (a regression guard)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis import facts as f
from sim.analysis.facts import (
    F11_MARGINS,
    FACTS,
    FactData,
    fact_table,
    facts_of,
    misfit,
    off_centre,
)
from sim.cli import main
from sim.config import load_scenario
from sim.model.decision import regret_degrees
from sim.workflow.calibration import run_battery


def deal(replication: int, outcome: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "replication": replication,
        "outcome": outcome,
        "no_decision_cause": None,
        "any_loopback": True,
        "share_with_sellers": 0.1,
        "share_seeking_alone": 0.3,
        "buying_hours": 100.0,
        "n_stakeholders": 7,
        "high_quality": False,
        "our_high_quality": False,
        "regret": None,
        "consensus": None,
        "cycle_weeks": None,
        "weeks_simulated": 78,
    }
    row.update(fields)
    return row


@pytest.fixture
def hand_made() -> FactData:
    pusher = pd.DataFrame(
        [
            deal(0, "won", cycle_weeks=10, weeks_simulated=10, high_quality=True, regret=False,
                 our_high_quality=True, consensus=True, share_with_sellers=0.2,
                 buying_hours=50.0),
            deal(1, "lost", cycle_weeks=20, weeks_simulated=20, regret=True, consensus=False,
                 any_loopback=False),
            deal(2, "no_decision", cycle_weeks=30, weeks_simulated=30,
                 no_decision_cause="stalled", n_stakeholders=5),
            deal(3, "no_decision", cycle_weeks=40, weeks_simulated=40,
                 no_decision_cause="status_quo"),
            deal(4, "open", share_seeking_alone=0.5),
        ]
    )  # fmt: skip
    guide = pusher.copy()
    # F11 counts only our high-quality wins: the rival's high-quality purchase (row 1) is
    # the buyer's good deal, not ours.
    guide.loc[2, "outcome"] = "won"
    guide["high_quality"] = [True, True, True, False, False]
    guide["our_high_quality"] = [True, False, True, False, False]
    guide.loc[2, "regret"] = False
    return FactData(pusher=pusher, guide=guide)


def test_each_fact_definition_on_hand_made_deals(hand_made: FactData) -> None:
    assert f.f1_loop_back(hand_made).value == pytest.approx(4 / 5)
    # hours with sellers: 0.2*50 + 4 * 0.1*100 = 50 of 450 buying hours, pooled
    assert f.f2_time_with_sellers(hand_made).value == pytest.approx(50 / 450)
    # seeking alone: 0.3*50 + 3*0.3*100 + 0.5*100 = 155 of 450
    assert f.f3_independent_research(hand_made).value == pytest.approx(155 / 450)
    assert f.f4_committee_size(hand_made).value == pytest.approx(33 / 5)
    assert f.f5_no_decision(hand_made).value == pytest.approx(2 / 5)
    assert f.f6_indecision_share(hand_made).value == pytest.approx(1 / 2)
    assert f.f7_win_rate(hand_made).value == pytest.approx(1 / 5)
    assert f.f8_high_quality(hand_made).value == pytest.approx(1 / 5)
    # regret over the purchases of both sellers pooled: the pusher's 2 (one regretted) and
    # the guide's 3 (the same one regretted)
    assert f.f9_regret(hand_made).value == pytest.approx(2 / 5)
    # decided deals end in weeks 10, 20, 30, 40: the open one is not a cycle time
    assert f.f10_cycle_time(hand_made).value == pytest.approx(25.0)
    # our high-quality wins: guide 2 of 5, pusher 1 of 5 (all the guide's buyer-side
    # high-quality purchases would make it 3)
    assert f.f11_sense_making(hand_made).value == pytest.approx(2.0)
    # purchases: with consensus 1 high-quality of 1, without 0 of 1: the ratio is undefined
    assert math.isnan(f.f12_consensus(hand_made).value)


def test_f9_pools_the_pusher_and_the_guide_on_the_same_committees(hand_made: FactData) -> None:
    pusher_alone = FactData(pusher=hand_made.pusher, guide=hand_made.pusher)
    assert f.f9_regret(pusher_alone).value == pytest.approx(1 / 2)  # the pusher's own share
    swapped = FactData(pusher=hand_made.guide, guide=hand_made.pusher)
    assert f.f9_regret(swapped).value == pytest.approx(f.f9_regret(hand_made).value)
    # A committee met by only one of the two sellers is left out of the pool.
    rows = [*hand_made.pusher.to_dict("records"), {**deal(9, "won"), "regret": True}]
    uneven = FactData(pusher=pd.DataFrame(rows), guide=hand_made.guide)
    assert f.f9_regret(uneven).value == pytest.approx(2 / 5)


def shortfall_deals(seed: int, n: int = 300) -> FactData:
    """Random deals of both sellers on the same committees, with stored shortfalls and the
    `our_high_quality` the model derives from them at a margin of 0.03."""
    rng = np.random.default_rng(seed)

    def frame(overclaim: float) -> pd.DataFrame:
        outcome = rng.choice(["won", "lost", "no_decision"], size=n, p=[0.4, 0.3, 0.3])
        purchase = np.isin(outcome, ["won", "lost"])
        shortfall = np.where(purchase, rng.exponential(overclaim, size=n), np.nan)
        regret = np.where(purchase, regret_degrees(shortfall, 0.03) >= 0.5, None)
        rows = pd.DataFrame([deal(i, str(o)) for i, o in enumerate(outcome)])
        rows["regret"] = regret
        rows["regret_shortfall"] = shortfall
        rows["our_high_quality"] = (outcome == "won") & (regret == False)  # noqa: E712
        rows["high_quality"] = purchase & (regret == False)  # noqa: E712
        return rows

    return FactData(pusher=frame(0.032), guide=frame(0.015))


@given(st.integers(0, 10_000))
@settings(max_examples=15, deadline=None)
def test_f11_curve_from_stored_shortfalls_equals_a_direct_recount(seed: int) -> None:
    data = shortfall_deals(seed)
    curve = f.f11_curve(data).set_index("margin")
    assert list(curve.index) == list(F11_MARGINS)
    for margin in F11_MARGINS:
        rates = []
        for deals in (data.guide, data.pusher):
            won = deals["outcome"] == "won"
            rates.append((won & (deals["regret_shortfall"] < margin)).mean())
        assert curve.loc[margin, "guide"] == pytest.approx(rates[0])
        assert curve.loc[margin, "pusher"] == pytest.approx(rates[1])
        if rates[1] > 0:
            assert curve.loc[margin, "value"] == pytest.approx(rates[0] / rates[1])
            assert curve.loc[margin, "low"] <= curve.loc[margin, "value"] + 1e-12
            assert curve.loc[margin, "value"] <= curve.loc[margin, "high"] + 1e-12
    # At the scenario's margin the curve is the table's F11, read from our_high_quality.
    assert curve.loc[0.03, "value"] == pytest.approx(f.f11_sense_making(data).value)


def test_f11_curve_marks_the_scenario_margin_and_rides_along_in_json() -> None:
    data = shortfall_deals(1)
    found = facts_of(data, "made up", 300, 1, regret_margin=0.04)
    curve = found.f11_curve
    assert list(curve["margin"]) == sorted([*F11_MARGINS, 0.04])
    assert list(curve.loc[curve["scenario_margin"], "margin"]) == [0.04]
    records = json.loads(found.to_json())
    assert [r["id"] for r in records] == [fact.id for fact in FACTS]
    f11 = next(r for r in records if r["id"] == "F11")
    assert f11["regret_margin"] == 0.04
    assert [point["margin"] for point in f11["curve"]] == list(curve["margin"])


def test_f11_curve_is_missing_for_deals_stored_without_shortfalls(hand_made: FactData) -> None:
    curve = f.f11_curve(hand_made)  # the hand-made deals have no regret_shortfall column
    assert curve["value"].isna().all() and len(curve) == len(F11_MARGINS)


def test_fact_table_flags_inside_and_outside(hand_made: FactData) -> None:
    table = fact_table(hand_made).set_index("id")
    assert list(table.index) == [fact.id for fact in FACTS]
    assert table.loc["F1", "inside"] is not None and not table.loc["F1", "inside"]  # 80% < 85%
    assert bool(table.loc["F5", "inside"])  # 40% is inside 30-60%
    assert table.loc["F12", "inside"] is None  # no tolerance yet
    for row in table.itertuples():
        if not math.isnan(row.low):
            assert row.low <= row.value + 1e-12 <= row.high + 2e-12 or math.isnan(row.value)


def test_misfit_is_zero_inside_and_grows_with_the_distance() -> None:
    def table(values: dict[str, float]) -> pd.DataFrame:
        rows = []
        for fact in FACTS:
            low, high = fact.tolerance or (math.nan, math.nan)
            value = values.get(fact.id, (low + high) / 2 if fact.tolerance else 1.0)
            rows.append(
                {"id": fact.id, "value": value, "tolerance_low": low, "tolerance_high": high}
            )
        return pd.DataFrame(rows)

    assert misfit(table({})) == 0
    assert off_centre(table({})) == pytest.approx(0)
    near, far = misfit(table({"F7": 0.33})), misfit(table({"F7": 0.45}))
    assert 0 < near < far
    assert misfit(table({"F7": 0.45})) == pytest.approx(((0.45 - 0.25) / 0.10) ** 2)


def test_facts_command_json_and_html(capsys, tmp_path) -> None:
    report = tmp_path / "facts.html"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "facts",
                "one_person",
                "--replications",
                "10",
                "--workers",
                "1",
                "--json",
                "--html",
                str(report),
            ]
        )
    assert done.value.code in (0, None)
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [fact.id for fact in FACTS]
    f11 = next(r for r in rows if r["id"] == "F11")
    assert {point["margin"] for point in f11["curve"]} >= set(F11_MARGINS)
    assert report.exists() and "Stylized facts" in report.read_text()
    assert "F11 over the regret margin" in report.read_text()


def test_sim_facts_returns_the_table_and_the_curve() -> None:
    import sim

    found = sim.facts("one_person", replications=10, workers=1)
    assert isinstance(found, sim.Facts)
    assert list(found.table["id"]) == [fact.id for fact in FACTS]
    assert found.regret_margin == load_scenario("one_person").decision.regret_margin
    assert found.f11_curve["scenario_margin"].sum() == 1
    inside, judged = found.inside_counts()
    assert 0 <= inside <= judged <= int(found.table["fitted"].sum())


def test_facts_command_prints_the_f11_curve(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["facts", "one_person", "--replications", "10", "--workers", "1"])
    assert done.value.code in (0, None)
    text = capsys.readouterr().out
    assert "F11 over the regret margin" in text
    assert "(this scenario's)" in text
    for margin in F11_MARGINS:
        assert f"{margin:.2f}" in text


def test_calibrate_ranks_candidates_best_first(capsys, tmp_path) -> None:
    experiment = tmp_path / "calibration.yaml"
    baseline = Path(__file__).resolve().parent.parent / "scenarios" / "one_person.yaml"
    experiment.write_text(
        "name: tiny_calibration\n"
        f"scenario: {baseline}\n"
        "base: {horizon_weeks: 20}\n"
        "parameters:\n"
        "  account.pain: {low: 0.1, high: 0.5}\n"
        "design: {kind: lhs, samples: 3, seed: 1}\n"
        "replications: 4\n"
    )
    output = tmp_path / "ranked.csv"
    with pytest.raises(SystemExit) as done:
        main(["calibrate", str(experiment), "--workers", "1", "--output", str(output)])
    assert done.value.code in (0, None)
    ranked = pd.read_csv(output)
    assert len(ranked) == 3
    assert list(ranked["misfit"]) == sorted(ranked["misfit"])
    assert {"account.pain", "F1", "F11", "off_centre"} <= set(ranked.columns)


@pytest.mark.slow
def test_calibrated_baseline_reproduces_every_fact_with_a_tolerance() -> None:
    """Regression guard for the fitted facts F1-F10: the defaults were re-fitted after equal
    effort on seeds 5001-9200 and confirmed on 10001-10600 (docs/calibration.md); seeds
    1-400 are out of sample. No fitted fact may be shown inconsistent with its band: its 95%
    interval must reach into the band. (A fact near a band's edge falls on either side with
    the sample: with one evenly matched rival the win rate F7 and no-decision F5 can both be
    inside only for F7 between 20 % and 25 %; docs/calibration.md prints them as they come.)
    Validation checks (F11, F12) are measured, never asserted."""
    data = run_battery(load_scenario("baseline"), replications=400, seed=1)
    table = fact_table(data)
    fitted = table[table["fitted"]]
    assert set(fitted["id"]) == {f"F{i}" for i in range(1, 11)}
    rejected = fitted[
        (fitted["high"] < fitted["tolerance_low"]) | (fitted["low"] > fitted["tolerance_high"])
    ]
    assert rejected.empty, rejected[
        ["id", "value", "low", "high", "tolerance_low", "tolerance_high"]
    ]
