"""Scenario discovery: the declared uncertainties, policies crossed with designs on the same
committees, paired leads, PRIM boxes and their hold-out check, the CLI and the report."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.analysis.discovery import NEITHER, checked_on, find_boxes, noise, paired_leads
from sim.config.catalogue import load_scenario
from sim.config.experiment import load_experiment
from sim.config.loading import ConfigError
from sim.config.uncertainties import LEVERS, UNCERTAINTIES, for_scenario
from sim.workflow.design import design_points
from sim.workflow.discover import declared_uncertainties
from sim.workflow.sweep import sweep_plan

B2BSIM = [sys.executable, "-m", "sim"]


def b2bsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*B2BSIM, *args], capture_output=True, text=True, timeout=600)


# ---- the registry ---------------------------------------------------------------------------


def test_every_declared_setting_is_a_valid_scenario_setting_at_both_ends() -> None:
    settings = for_scenario([*UNCERTAINTIES, *LEVERS], "ours", ["ours", "rival"])
    assert settings, "nothing declared"
    for setting in settings:
        ends = setting.values if setting.values is not None else (setting.low, setting.high)
        for value in ends:
            if value == "social_seller":
                continue  # needs a peer network, which the baseline lacks
            node = load_scenario("baseline", {setting.path: value}).model_dump()
            for key in setting.path.split("."):
                node = node[key]
            assert node == value, setting.path
        assert setting.reason and setting.basis in ("published", "calibration", "judgement")


def test_every_uncertainty_applies_to_the_baseline() -> None:
    kept, left_out = declared_uncertainties(load_scenario("baseline"))
    assert left_out == []
    assert len(kept) == len(UNCERTAINTIES)
    assert all("<" not in s.path for s in kept)


def test_uncertainties_about_a_rival_are_left_out_without_one() -> None:
    names = [s.path for s in for_scenario(UNCERTAINTIES, "ours", ["ours"])]
    assert not any("rival" in n for n in names)
    assert "committee.size" in names


def test_parameters_prints_the_registry_as_json() -> None:
    result = b2bsim("parameters", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    paths = [u["path"] for u in document["uncertainties"]]
    assert paths == [u.path for u in UNCERTAINTIES]
    assert {lever["path"] for lever in document["levers"]} == {lever.path for lever in LEVERS}
    assert all(u["basis"] and u["reason"] and u["label"] for u in document["uncertainties"])


# ---- overrides and policies -------------------------------------------------------------------


def test_load_scenario_takes_overrides_and_names_a_bad_one() -> None:
    assert sim.load_scenario("baseline", overrides={"committee.size": 4}).committee.size == 4
    with pytest.raises(ConfigError, match=r"overrides: committee\.sise: unknown field"):
        sim.load_scenario("baseline", overrides={"committee.sise": 4})
    with pytest.raises(ConfigError, match=r"baseline\.yaml: overrides: committee\.size"):
        sim.load_scenario("baseline", overrides={"committee.size": 0})


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


POLICY_EXPERIMENT = {
    "name": "policies",
    "scenario": "baseline",
    "parameters": {"committee.size": {"low": 3, "high": 6, "integer": True}},
    "design": {"kind": "lhs", "samples": 3, "seed": 4},
    "policies": {"twin_a": {"strategy": "maze_guide"}, "twin_b": {"strategy": "maze_guide"}},
    "replications": 2,
}


def test_policies_cross_any_design_on_the_same_committees(tmp_path: Path) -> None:
    """Two policies with the same settings must give identical deals at every design point
    and replication: only then do paired differences measure the policies alone."""
    loaded = load_experiment(write(tmp_path, POLICY_EXPERIMENT))
    deals = sim.evaluate(loaded, points=design_points(loaded.experiment), replications=2)
    assert set(deals["policy"]) == {"twin_a", "twin_b"}
    columns = ["point", "replication", "seed", "outcome", "cycle_weeks", "regret"]
    a = deals[deals.policy == "twin_a"][columns].reset_index(drop=True)
    b = deals[deals.policy == "twin_b"][columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert deals["point"].nunique() == 3


def test_a_sweep_with_policies_stores_each_policy_at_each_point(tmp_path: Path) -> None:
    data = {**POLICY_EXPERIMENT, "policies": ["funnel_pusher", "maze_guide"]}
    results = sim.sweep(write(tmp_path, data), output=tmp_path / "out", workers=1)
    deals = results.deals()
    assert len(deals) == 3 * 2 * 2
    assert set(deals["policy"]) == {"funnel_pusher", "maze_guide"}
    assert set(deals["sellers.ours.strategy"]) == {"funnel_pusher", "maze_guide"}
    paired = deals.groupby(["world", "replication"])["seed"].nunique()
    assert (paired == 1).all(), "both policies of a world must meet the same committee"
    stored = deals.iloc[0]
    replayed = results.replay(int(stored["point_index"]), int(stored["replication"]))
    assert replayed.outcome.value == stored["outcome"]


def test_an_experiment_built_in_code_sweeps_like_a_file(tmp_path: Path) -> None:
    experiment = sim.Experiment(
        name="in_code", scenario="baseline", parameters={"committee.size": {"values": [3]}}
    )
    results = sim.sweep(experiment, output=tmp_path / "in_code", replications=2, workers=1)
    assert len(results.deals()) == 2


def test_bad_policies_are_reported_with_the_file_and_field(tmp_path: Path) -> None:
    data = {
        **POLICY_EXPERIMENT,
        "policies": {"guide": {"strategy": "maze_guid"}, "cut": {"discont": 0.1}},
    }
    path = write(tmp_path, data)
    result = b2bsim("sweep", str(path), "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert str(path) in result.stderr
    assert "policies.cut.discont: unknown field" in result.stderr
    assert "policies.guide" in result.stderr and "maze_guid" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_policy_may_not_also_be_a_varied_parameter(tmp_path: Path) -> None:
    data = {
        **POLICY_EXPERIMENT,
        "parameters": {"sellers.ours.strategy": {"values": ["maze_guide"]}},
        "design": {"kind": "grid"},
    }
    with pytest.raises(ConfigError, match=r"policies\.twin_a\.strategy: also a varied"):
        load_experiment(write(tmp_path, data))


def test_a_sweep_plan_counts_policies(tmp_path: Path) -> None:
    loaded = load_experiment(write(tmp_path, POLICY_EXPERIMENT))
    plan = sweep_plan(loaded)
    assert len(plan.points) == 3 * 2
    assert [p.values["world"] for p in plan.points] == [0, 0, 1, 1, 2, 2]


# ---- paired leads, noise and boxes on known data ------------------------------------------


def synthetic(n: int, replications: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Worlds where B wins every deal iff x > 0.6 and A wins every deal iff x < 0.3 (z is
    noise): a known answer for the boxes."""
    rng = np.random.default_rng(seed)
    worlds = pd.DataFrame({"x": rng.random(n), "z": rng.random(n)})
    rows = []
    for w, x in enumerate(worlds["x"]):
        for r in range(replications):
            for policy, wins in (("A", x < 0.3), ("B", x > 0.6)):
                outcome = "won" if wins or rng.random() < 0.2 else "lost"
                rows.append({"policy": policy, "point": w, "replication": r, "outcome": outcome})
    return worlds, pd.DataFrame(rows)


def test_paired_leads_classify_each_world_by_who_leads() -> None:
    worlds, deals = synthetic(200, 8, seed=1)
    leads = paired_leads(deals, ["A", "B"], threshold=0.05)
    assert np.allclose(leads.leads["A"], -leads.leads["B"])
    strong_b = worlds["x"] > 0.6
    assert (leads.winner[strong_b] == "B").mean() > 0.9
    assert (leads.winner[worlds["x"] < 0.3] == "A").mean() > 0.9
    assert set(leads.winner) <= {"A", "B", NEITHER}


def test_noise_warns_when_replications_cannot_classify_a_world() -> None:
    _, deals = synthetic(100, 4, seed=2)
    leads = paired_leads(deals, ["A", "B"], threshold=0.05)
    few = noise(leads, replications=4)
    assert few.too_few and "too few" in (few.warning(0.05) or "")
    assert few.replications_needed > 4
    assert not noise(leads, replications=100_000).too_few


def test_prim_finds_the_known_box_and_the_hold_out_confirms_it() -> None:
    worlds, deals = synthetic(300, 8, seed=3)
    leads = paired_leads(deals, ["A", "B"], threshold=0.05)
    boxes = find_boxes(worlds, leads)
    b_boxes = [b for b in boxes if b.policy == "B"]
    assert b_boxes, boxes
    limit = b_boxes[0].limits["x"]
    assert limit.low is not None and 0.5 < limit.low < 0.7 and limit.high is None
    assert "z" not in b_boxes[0].limits, "a noise column must not restrict the box"
    assert b_boxes[0].found.density > 0.9
    fresh_worlds, fresh_deals = synthetic(150, 8, seed=4)
    fresh = paired_leads(fresh_deals, ["A", "B"], threshold=0.05)
    checked = checked_on(boxes, fresh_worlds, fresh)
    b_checked = next(b for b in checked if b.policy == "B")
    assert b_checked.holds is True
    assert b_checked.hold_out is not None and b_checked.hold_out.lead.low > 0.3


# ---- the command and its report --------------------------------------------------------------


@pytest.fixture(scope="module")
def small_discovery(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    html = tmp_path_factory.mktemp("discover") / "discover.html"
    result = b2bsim(
        "discover", "baseline", "--samples", "24", "--replications", "3", "--workers", "1",
        "--json", "--html", str(html),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), html


def test_discover_json_carries_boxes_and_the_noise_check(small_discovery: tuple) -> None:
    document, _ = small_discovery
    assert isinstance(document["boxes"], list)
    for box in document["boxes"]:
        assert {"policy", "limits", "coverage", "density", "mass", "lead"} <= set(box)
        assert box["policy"] in ("funnel_pusher", "maze_guide", NEITHER)
    assert document["samples"] == 24 and document["replications"] == 3
    assert document["runs"] == (24 + 20) * 3 * 2
    assert document["noise"]["too_few"] is True and document["warning"]
    assert set(document["winners"]) <= {"funnel_pusher", "maze_guide", NEITHER}
    assert math.isclose(sum(document["winners"].values()), 1.0)
    scores = document["feature_scores"]["maze_guide"]
    assert set(scores) == {u.path.replace("<ours>", "ours").replace("<rival>", "rival")
                           for u in UNCERTAINTIES}  # fmt: skip


def test_discover_reports_bad_arguments_in_one_line() -> None:
    result = b2bsim("discover", "baseline", "--policies", "maze_guide,nobody")
    assert result.returncode == 2 and "--policies" in result.stderr
    assert "Traceback" not in result.stderr
    result = b2bsim("discover", "baseline", "--policies", "maze_guide")
    assert result.returncode == 2 and "at least two" in result.stderr


@pytest.mark.browser
def test_discover_report_renders_offline(small_discovery: tuple) -> None:
    from browser_support import chromium

    _, html = small_discovery
    with chromium() as browser:
        page = browser.new_page()
        page.route("http*://**", lambda route: route.abort())  # offline: nothing fetched
        page.goto(html.as_uri())
        page.wait_for_selector(".parcoords", timeout=20_000)
        assert "when does each strategy win?" in page.title()
        summary = page.inner_text(".summary")
        assert "plausible worlds" in summary and "funnel pusher" in summary
        bars = page.eval_on_selector_all(".js-plotly-plot", "els => els.length")
        assert bars == 3
        page.close()
