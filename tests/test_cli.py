"""The `b2bsim` command end to end, and the shipped scenarios."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim.config import SELLER_STRATEGIES, load_scenario
from sim.model import Outcome, simulate

SCENARIO_FILES = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))
SCENARIO_IDS = [p.stem for p in SCENARIO_FILES]


def roundtrip(value):
    return json.loads(json.dumps(value, default=str))


def test_run_named_scenario_prints_outcome_and_story(run_cli, named_scenario) -> None:
    result = run_cli("run", "baseline", "--seed", "1")
    assert result.code == 0, result.err
    assert result.err == ""
    deal = simulate(named_scenario("baseline"), 1)
    verdict_line = result.out.splitlines()[1]  # after the title: why the deal ended
    assert verdict_line.lower().startswith(deal.outcome.value.replace("_", " "))
    story = [line for line in result.out.splitlines() if re.match(r"week \d+: ", line)]
    assert story and story[0].startswith("week 1:")
    assert max(int(line.split()[1].rstrip(":")) for line in story) == deal.weeks_simulated


def test_run_story_shows_the_maze_across_seeds(run_cli) -> None:
    outputs = [run_cli("run", "baseline", "--seed", str(seed)) for seed in range(1, 5)]
    assert all(o.code == 0 for o in outputs)
    assert any("back to a job they had left" in o.out for o in outputs)


def test_run_by_path_equals_run_by_name(run_cli, scenario_files) -> None:
    path = next(p for p in scenario_files if p.stem == "baseline")
    by_name = run_cli("run", "baseline", "--seed", "3", "--json")
    by_path = run_cli("run", str(path), "--seed", "3", "--json")
    assert by_name.code == by_path.code == 0
    assert json.loads(by_name.out) == json.loads(by_path.out)


@pytest.mark.parametrize("name", ["baseline", "one_person"])
@pytest.mark.parametrize("seed", [1, 4])
def test_run_json_agrees_with_simulate(run_cli, named_scenario, name, seed) -> None:
    result = run_cli("run", name, "--seed", str(seed), "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    deal = simulate(named_scenario(name), seed)
    assert payload["metrics"] == roundtrip(deal.metrics())
    assert payload["outcome"] == deal.outcome.value
    assert payload["seed"] == seed
    assert len(payload["events"]) == len(deal.events)
    assert len(payload["weekly"]) == len(deal.weekly)


def test_run_vs_meets_the_same_committee_twice(run_cli) -> None:
    strategies = [s for s in SELLER_STRATEGIES if s != "none"][:2]
    if len(strategies) < 2:
        pytest.skip("needs two seller strategies")
    result = run_cli("run", "baseline", "--seed", "2", "--vs", ",".join(strategies), "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    first, second = (payload[s] for s in strategies)
    assert first["stakeholders"] == second["stakeholders"]
    assert first["strategies"]["ours"] == strategies[0]
    assert second["strategies"]["ours"] == strategies[1]


def test_run_with_unknown_seller_strategy_is_a_clean_error(run_cli) -> None:
    result = run_cli("run", "baseline", "--seller", "closer_extraordinaire")
    assert result.code == 2
    assert "closer_extraordinaire" in result.err
    assert "Traceback" not in result.err


def test_validate_every_shipped_scenario(run_cli, scenario_files) -> None:
    result = run_cli("validate", *map(str, scenario_files))
    assert result.code == 0, result.err
    for path in scenario_files:
        assert f"{path}: ok" in result.out


def test_schema_is_a_json_schema_with_descriptions(run_cli) -> None:
    result = run_cli("schema")
    assert result.code == 0
    schema = json.loads(result.out)
    properties = schema["properties"]
    for field in ("committee", "options", "information", "decision", "sellers", "horizon_weeks"):
        assert field in properties
    assert properties["horizon_weeks"]["description"]

    def descriptions(node) -> list[str]:
        found = []
        if isinstance(node, dict):
            if isinstance(node.get("description"), str):
                found.append(node["description"])
            for value in node.values():
                found += descriptions(value)
        elif isinstance(node, list):
            for value in node:
                found += descriptions(value)
        return found

    assert len(descriptions(schema)) >= 30
    committee = schema["$defs"]["Committee"]["properties"]
    assert committee["size"]["description"] and committee["divergence"]["description"]


def test_scenarios_lists_every_shipped_scenario(run_cli, scenario_files) -> None:
    result = run_cli("scenarios")
    assert result.code == 0
    for path in scenario_files:
        assert path.stem in result.out
        description = load_scenario(path).description
        assert description.split()[0] in result.out


# ---- the shipped scenarios ------------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=SCENARIO_IDS)
def test_shipped_scenario_has_a_one_line_description(path) -> None:
    description = load_scenario(path).description
    assert description.strip()
    assert "\n" not in description.strip()


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=SCENARIO_IDS)
def test_shipped_scenario_runs(path) -> None:
    scenario = load_scenario(path)
    for seed in range(3):
        deal = simulate(scenario, seed)
        assert deal.outcome in set(Outcome)
        assert 1 <= deal.weeks_simulated <= scenario.horizon_weeks
        assert deal.n_stakeholders == scenario.committee.effective_size
        assert deal.events
