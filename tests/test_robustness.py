"""The robustness map (b2bsim robustness): which changes it makes, the paired statistics it
computes from them, and the command end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.robustness import contrasts, effects
from sim.config.scenario import Scenario
from sim.workflow.robustness import (
    RELATIVE_CHANGE,
    Perturbation,
    perturbations,
    robustness_points,
)
from sim.workflow.study import as_experiment

STRATEGIES = ["none", "funnel_pusher", "maze_guide"]


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    from sim.config import load_scenario

    return load_scenario("baseline")


def test_every_change_is_a_valid_scenario_within_the_schema(baseline: Scenario) -> None:
    experiment = as_experiment(baseline)
    for change in perturbations(baseline, STRATEGIES):
        scenario = experiment.scenario_for({change.parameter: change.value})  # validates
        assert scenario != baseline, change


def test_numbers_move_by_a_quarter_unless_a_bound_stops_them(baseline: Scenario) -> None:
    changes = perturbations(baseline, STRATEGIES)
    moved = {(c.parameter, c.direction): c for c in changes}
    decay = moved["account.urgency_decay", "+"]
    assert decay.value == pytest.approx(decay.base * (1 + RELATIVE_CHANGE))
    size = moved["committee.size", "-"]
    assert isinstance(size.value, int) and size.value == round(7 * (1 - RELATIVE_CHANGE))
    # urgency starts at its ceiling of 1: it can only be lowered
    assert ("account.urgency", "+") not in moved
    assert moved["account.urgency", "-"].value == pytest.approx(0.75)
    for change in changes:
        if change.direction == "+":
            assert change.value > change.base
        else:
            assert change.value < change.base


def test_zeros_prices_and_unread_seller_settings_stay_put(baseline: Scenario) -> None:
    parameters = {c.parameter for c in perturbations(baseline, STRATEGIES)}
    assert "sellers.ours.discount" not in parameters  # 0 by default: a quarter of 0 is 0
    assert not any(p.endswith(".price") for p in parameters)
    # ours plays the pusher and the guide, so it reads both strategies' settings ...
    assert {"sellers.ours.stage_weeks", "sellers.ours.diagnosis_error"} <= parameters
    # ... the rival pushes, so a guide's setting of the rival would change nothing
    assert "sellers.rival.stage_weeks" in parameters
    assert "sellers.rival.diagnosis_error" not in parameters
    only_none = {c.parameter for c in perturbations(baseline, ["none"])}
    assert not any(p.startswith("sellers.ours.") for p in only_none)


def test_every_role_in_play_gets_an_hour_more_and_less(baseline: Scenario) -> None:
    changes = [c for c in perturbations(baseline, STRATEGIES) if c.parameter.startswith("roles.")]
    library = baseline.role_library()
    roles = {c.parameter.split(".")[1] for c in changes}
    assert {"economic_buyer", "champion", "finance", "technical_evaluator"} <= roles
    for change in changes:
        base = library[change.parameter.split(".")[1]].weekly_hours
        expected = base + (1.0 if change.direction == "+" else -1.0)
        assert change.value == pytest.approx(max(expected, 0.04), abs=1e-9)


def test_points_are_the_base_then_one_per_change(baseline: Scenario) -> None:
    changes = perturbations(baseline, STRATEGIES)
    points = robustness_points(changes)
    assert points[0].values == {}
    assert [p.values for p in points[1:]] == [{c.parameter: c.value} for c in changes]
    assert len({p.key for p in points}) == len(points)


def synthetic_rows(won: dict[tuple[str, int], list[int]]) -> pd.DataFrame:
    """Rows as a study returns them, from (policy, point) -> won indicator per replication."""
    records = []
    for (policy, point), outcomes in won.items():
        for replication, value in enumerate(outcomes):
            records.append(
                {
                    "policy": policy,
                    "point": point,
                    "replication": replication,
                    "outcome": "won" if value else "no_decision",
                    "our_high_quality": bool(value),
                }
            )
    return pd.DataFrame.from_records(records).sample(frac=1.0, random_state=3)


CHANGES = [Perturbation("x", "-", 1.0, 2.0), Perturbation("x", "+", 3.0, 2.0)]


def test_a_change_that_reverses_the_ranking_is_a_clear_flip() -> None:
    n = 40
    rows = synthetic_rows(
        {
            ("maze_guide", 0): [1] * n,
            ("funnel_pusher", 0): [0] * n,
            ("maze_guide", 1): [0] * n,  # the change makes the pusher win everything
            ("funnel_pusher", 1): [1] * n,
            ("maze_guide", 2): [1] * (n // 2) + [0] * (n // 2),  # still ahead
            ("funnel_pusher", 2): [0] * n,
        }
    )
    table = contrasts(rows, CHANGES)
    won = table[table["outcome"] == "won"].set_index("point")
    assert won.loc[1, "flip"] and won.loc[1, "clear"]
    assert won.loc[1, "difference"] == pytest.approx(-1.0)
    assert won.loc[2, "difference"] == pytest.approx(0.5)
    assert not won.loc[2, "flip"]
    assert (won["base"] == 1.0).all()


def test_a_flip_within_noise_is_not_called_clear() -> None:
    pattern = [1, 0] * 20
    shifted = [0, 1] * 20
    rows = synthetic_rows(
        {
            ("maze_guide", 0): [1] * 40,
            ("funnel_pusher", 0): [0] * 40,
            ("maze_guide", 1): [*pattern[:38], 0, 0],  # slightly behind, by one deal
            ("funnel_pusher", 1): shifted,
            ("maze_guide", 2): [1] * 40,
            ("funnel_pusher", 2): [0] * 40,
        }
    )
    won = contrasts(rows, CHANGES).query("outcome == 'won'").set_index("point")
    assert won.loc[1, "flip"]
    assert not won.loc[1, "clear"]
    assert won.loc[1, "low"] < 0 < won.loc[1, "high"]


def test_effects_are_paired_changes_from_the_base() -> None:
    base = [1, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    rows = synthetic_rows(
        {
            ("maze_guide", 0): base,
            ("maze_guide", 1): [1] * 10,  # every committee now won
            ("maze_guide", 2): base,  # nothing changed
        }
    )
    table = effects(rows, CHANGES).query("outcome == 'won'").set_index("point")
    assert table.loc[1, "change"] == pytest.approx(0.7)
    assert table.loc[1, "low"] < 0.7 < table.loc[1, "high"]
    assert table.loc[2, "change"] == 0.0
    assert table.loc[2, "low"] == table.loc[2, "high"] == 0.0
    assert contrasts(rows, CHANGES).empty  # no pusher: no guide-minus-pusher difference


@pytest.mark.slow
def test_robustness_command_end_to_end(run_cli, tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(
        "name: tiny\nhorizon_weeks: 4\ncommittee: {size: 2}\n"
        "sellers:\n  ours: {strategy: funnel_pusher}\n  rival: {strategy: funnel_pusher}\n"
    )
    report = tmp_path / "robustness.html"
    done = run_cli(
        "robustness", str(scenario), "--replications", "10", "--workers", "1",
        "--sellers", "funnel_pusher,maze_guide", "--json", "--html", str(report),
    )  # fmt: skip
    assert done.code == 0, done.err
    document = json.loads(done.out)
    assert document["scenario"] == "tiny"
    assert set(document["base"]) == {"funnel_pusher", "maze_guide"}
    n_changes = len({(e["parameter"], e["direction"]) for e in document["effects"]})
    assert len(document["effects"]) == n_changes * 2 * 3
    assert len(document["contrasts"]) == n_changes * 3
    flips = [c for c in document["contrasts"] if c["flip"]]
    assert len(document["flips"]) == len(flips)
    text = report.read_text()
    assert "Robustness: tiny" in text and "maze guide minus funnel pusher" in text
