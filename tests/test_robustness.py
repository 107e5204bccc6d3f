"""The robustness map (b2bsim robustness): which changes it makes, the paired statistics it
computes from them, and the command end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.analysis.robustness import assumption_contrasts, assumption_rates, contrasts, effects
from sim.config.scenario import Scenario
from sim.workflow.robustness import (
    ASSUMPTIONS,
    EVERY_SELLER,
    RELATIVE_CHANGE,
    FromScenario,
    Perturbation,
    Robustness,
    assumption_study,
    assumption_values,
    assumption_words,
    perturbations,
    robustness_points,
    sellers_in_play,
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


# ---- the assumptions section ----------------------------------------------------------------


def _read(data: dict, path: str) -> object:
    for key in path.split("."):
        data = data[key]
    return data


def test_assumption_rows_are_declared_once_with_words_and_overrides() -> None:
    labels = [a.label for a in ASSUMPTIONS]
    assert len(set(labels)) == len(labels) == 10
    for assumption in ASSUMPTIONS:
        assert assumption.neutral and assumption.overrides, assumption.label


@pytest.mark.parametrize("strategies", [STRATEGIES, ["funnel_pusher"]])
def test_every_assumption_is_applied_to_the_built_scenarios(
    baseline: Scenario, strategies: list[str]
) -> None:
    study = assumption_study(baseline, strategies, replications=2)
    assert [p.index for p in study.points] == list(range(len(ASSUMPTIONS) + 1))
    assert study.points[0].values == {}
    base = baseline.model_dump(mode="json")
    for point, assumption in zip(study.points[1:], ASSUMPTIONS, strict=True):
        for policy in study.policies:
            built = study.scenarios[policy.name, point.index].model_dump(mode="json")
            assert built["sellers"][baseline.our_vendor]["strategy"] == policy.name
            for path, value in assumption.overrides.items():
                wanted = _read(base, value.path) if isinstance(value, FromScenario) else value
                if path.startswith(EVERY_SELLER):
                    setting = path.removeprefix(EVERY_SELLER)
                    for vendor in ("ours", "rival"):
                        assert built["sellers"][vendor][setting] == wanted, (assumption, vendor)
                else:
                    assert _read(built, path) == wanted, assumption.label
    by_label = {a.label: a for a in ASSUMPTIONS}
    trusted = by_label["references trusted no more than the seller"]
    assert assumption_values(trusted, baseline) == {
        "information.sources.references.trust": baseline.information.sources["seller"].trust
    }


def test_overrides_reach_our_seller_when_the_scenario_gives_us_none() -> None:
    lone = Scenario.model_validate({"sellers": {"rival": {"strategy": "funnel_pusher"}}})
    assert sellers_in_play(lone) == ["rival", "ours"]
    study = assumption_study(lone, ["maze_guide"], replications=1)
    index = next(i for i, a in enumerate(ASSUMPTIONS, 1) if a.label == "no reactance to pressure")
    built = study.scenarios["maze_guide", index]
    assert built.sellers["ours"].reactance == 0 and built.sellers["rival"].reactance == 0
    assert built.sellers["ours"].strategy == "maze_guide"


def test_a_row_already_neutral_in_the_scenario_says_so(baseline: Scenario) -> None:
    calm = baseline.model_copy(update={"behaviour": baseline.behaviour.model_copy(
        update={"disclosure": 0.0})})  # fmt: skip
    words = assumption_words(assumption_study(calm, ["funnel_pusher"], replications=1))
    assert words[0]["changes_scenario"] is False
    by_label = {w["assumption"]: w for w in words}
    assert by_label["sellers learn concerns only from the org chart"]["changes_scenario"] is False
    assert by_label["no reactance to pressure"]["changes_scenario"] is True


WORDS = [
    {"assumption": "as written", "neutral": "", "overrides": "{}", "changes_scenario": False},
    {"assumption": "x neutral", "neutral": "why", "overrides": "{}", "changes_scenario": True},
]


def test_assumption_statistics_are_paired_over_the_same_committees() -> None:
    rows = synthetic_rows(
        {
            ("maze_guide", 0): [1, 1, 0, 0],
            ("funnel_pusher", 0): [0, 1, 0, 0],  # guide +25 points at the base
            ("maze_guide", 1): [0, 1, 0, 0],
            ("funnel_pusher", 1): [0, 1, 1, 1],  # the assumption makes it -50 points
        }
    )
    rates = assumption_rates(rows, WORDS)
    won = rates[rates["outcome"] == "won"].set_index(["point", "policy"])["rate"]
    assert won[1, "funnel_pusher"] == pytest.approx(0.75) and won[0, "maze_guide"] == 0.5
    assert set(rates["assumption"]) == {"as written", "x neutral"}
    gaps = assumption_contrasts(rows, WORDS).query("outcome == 'won'").set_index("point")
    assert gaps.loc[0, "difference"] == pytest.approx(0.25)
    assert gaps.loc[1, "difference"] == pytest.approx(-0.5)
    assert gaps.loc[1, "low"] < -0.5 < gaps.loc[1, "high"]
    assert gaps.loc[1, "shift"] == pytest.approx(-0.75)
    assert gaps.loc[0, "shift"] == 0.0
    only_guide = rows[rows["policy"] == "maze_guide"]
    assert assumption_contrasts(only_guide, WORDS).empty


def test_sim_robustness_runs_both_sections_and_serialises_them(tmp_path: Path) -> None:
    tiny = Scenario.model_validate(
        {"name": "tiny", "horizon_weeks": 6, "committee": {"size": 2},
         "sellers": {"ours": {"strategy": "funnel_pusher"},
                     "rival": {"strategy": "funnel_pusher"}}}
    )  # fmt: skip
    calls: list[tuple[int, int]] = []
    found = sim.robustness(
        tiny, ["funnel_pusher", "maze_guide"], replications=10, assumption_replications=10,
        workers=1, progress=lambda done, total, failed: calls.append((done, total)),
    )  # fmt: skip
    assert isinstance(found, Robustness) and found.scenario == "tiny"
    assert calls[-1][0] == calls[-1][1]  # both sections counted as one job, to the end
    assert len({total for _, total in calls}) == 1
    document = json.loads(found.to_json())
    rows = document["assumptions"]["rows"]
    assert document["assumptions"]["replications"] == 10
    assert [r["assumption"] for r in rows][1:] == [a.label for a in ASSUMPTIONS]
    for row in rows:
        assert set(row["rates"]) == {"funnel_pusher", "maze_guide"}
        assert set(row["guide_minus_pusher"]) == {"won", "no_decision", "our_high_quality"}
    assert rows[4]["overrides"] == {
        "sellers.ours.consensus_widening": 0.15,
        "sellers.rival.consensus_widening": 0.15,
    }
    skipped = sim.robustness(tiny, ["funnel_pusher"], 10, assumption_replications=0, workers=1)
    assert skipped.assumption_rates.empty
    assert json.loads(skipped.to_json())["assumptions"]["rows"] == []


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
        "--assumption-replications", "10",
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
    assert len(document["assumptions"]["rows"]) == len(ASSUMPTIONS) + 1
    assert "Neutral assumptions, one at a time" in text
    printed = run_cli(
        "robustness", str(scenario), "--replications", "10", "--workers", "1",
        "--sellers", "funnel_pusher,maze_guide", "--assumption-replications", "10",
    )  # fmt: skip
    assert printed.code == 0, printed.err
    assert "Neutral assumptions, one at a time" in printed.out
    for assumption in ASSUMPTIONS:
        assert assumption.label.split()[0] in printed.out
