"""The Python API (`import sim`): names everywhere, tidy tables, one study for every
workflow, the same results on every executor."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
from sim.config.loading import ConfigError
from sim.workflow.design import DesignPoint, point_key
from sim.workflow.study import Policy, Study

REPO = Path(__file__).resolve().parent.parent


def test_every_exported_name_resolves() -> None:
    assert {name for name in sim.__all__ if getattr(sim, name) is None} == set()
    assert set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError):
        _ = sim.no_such_thing


def test_a_name_and_a_path_give_the_same_scenario_and_deal() -> None:
    by_name = sim.load_scenario("baseline")
    by_path = sim.load_scenario(REPO / "scenarios" / "baseline.yaml")
    assert by_name == by_path
    assert sim.simulate("baseline", 4).to_dict() == sim.simulate(by_path, 4).to_dict()
    with pytest.raises(ConfigError, match="no named scenario"):
        sim.load_scenario("no_such_scenario")


def test_an_experiment_file_may_name_its_scenario(tmp_path: Path) -> None:
    path = tmp_path / "named.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "named",
                "scenario": "one_person",
                "parameters": {"committee.divergence": {"values": [0.5, 1.0]}},
                "replications": 2,
            }
        )
    )
    loaded = sim.load_experiment(path)
    assert loaded.base_scenario["name"] == "one_person"
    results = sim.sweep(loaded, output=tmp_path / "results", workers=1)
    deals = results.deals()
    assert len(deals) == 4 and set(deals["committee.divergence"]) == {0.5, 1.0}
    assert list(results.design()["point_index"]) == [0, 1]


def test_evaluate_crosses_policies_points_and_replications(make_scenario) -> None:
    base = make_scenario(horizon_weeks=15)
    policies = [
        Policy.strategy("funnel_pusher"),
        Policy("busy guide", {"strategy": "maze_guide", "capacity_hours": 20}),
    ]
    points = [DesignPoint(i, {"committee.size": n}, point_key(i, {"committee.size": n}))
              for i, n in enumerate([2, 5])]  # fmt: skip
    deals = sim.evaluate(base, policies, points, replications=3, seed=7,
                         executors=sim.Executors(workers=1))  # fmt: skip
    assert list(deals.columns[:5]) == ["policy", "point", "replication", "seed", "committee.size"]
    assert len(deals) == 2 * 2 * 3
    assert list(deals["policy"].unique()) == ["funnel_pusher", "busy guide"]
    assert set(deals["seed"] - deals["replication"]) == {7}
    assert set(deals.loc[deals["point"] == 1, "n_stakeholders"]) == {5}
    # the policy's settings reach the run: replay one row by hand
    row = deals[(deals["policy"] == "busy guide") & (deals["point"] == 1)].iloc[2]
    by_hand = Study(base, tuple(policies), tuple(points)).scenarios["busy guide", 1]
    assert by_hand.seller_for(by_hand.our_vendor).capacity_hours == 20
    again = sim.simulate(by_hand, int(row["seed"])).metrics()
    assert again["weeks_simulated"] == row["weeks_simulated"]
    assert again["our_seller_hours"] == pytest.approx(row["our_seller_hours"])


def test_evaluate_gives_the_same_table_on_a_process_pool(make_scenario) -> None:
    base = make_scenario(horizon_weeks=15)
    policies = [Policy.strategy(s) for s in ("none", "maze_guide")]
    serial = sim.evaluate(base, policies, replications=5, executors=sim.Executors(workers=1))
    pooled = sim.evaluate(base, policies, replications=5, batch_size=2,
                          executors=sim.Executors(workers=2))  # fmt: skip
    pd.testing.assert_frame_equal(serial, pooled)


def test_evaluate_runs_on_any_ready_executor(make_scenario) -> None:
    base = make_scenario(horizon_weeks=10)
    serial = sim.evaluate(base, replications=4, executors=sim.Executors(workers=1))
    with ThreadPoolExecutor(max_workers=2) as threads:
        threaded = sim.evaluate(base, replications=4, batch_size=1,
                                executors=sim.Executors(workers=2, executor=threads))  # fmt: skip
    pd.testing.assert_frame_equal(serial, threaded)
    assert list(serial["policy"].unique()) == ["as_written"]


def test_a_policy_the_scenario_cannot_run_is_a_clear_error(make_scenario) -> None:
    with pytest.raises(ConfigError, match="social_seller"):
        sim.evaluate(make_scenario(), [Policy.strategy("social_seller")])
    with pytest.raises(ValueError, match="distinct names"):
        Study(make_scenario(), (Policy("a"), Policy("a")))


def test_compare_by_name_matches_the_command(run_cli) -> None:
    comparison = sim.compare("one_person", ["none", "maze_guide"], replications=4, workers=1)
    printed = run_cli("compare", "one_person", "--sellers", "none,maze_guide", "--replications",
                      "4", "--workers", "1", "--csv")  # fmt: skip
    from_cli = pd.read_csv(pd.io.common.StringIO(printed.out))
    assert list(from_cli["won"]) == pytest.approx(list(comparison.summary["won"]))
    assert list(comparison.effects["versus"].unique()) == ["none"]
