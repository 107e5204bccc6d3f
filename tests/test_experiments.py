"""Experiment files: loading, design points (grid and SALib samplers, in SALib's order),
planned runs with common random numbers, clear CLI errors for bad files, and the shipped
experiments."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim.config.experiment import Design, Experiment, Parameter, load_experiment
from sim.config.loading import ConfigError
from sim.config.scenario import Scenario
from sim.workflow.design import design_points, point_key, unit_samples
from sim.workflow.study import Policy, Study

REPO = Path(__file__).resolve().parent.parent
SCENARIO_DIR = REPO / "scenarios"
EXPERIMENT_FILES = sorted((REPO / "experiments").glob("*.yaml"))

WriteExperiment = Callable[..., Path]


@pytest.fixture
def write_experiment(tmp_path: Path) -> WriteExperiment:
    """Write an experiment mapping (or raw text) to tmp_path; the base scenario defaults to
    the shipped one_person scenario, shortened."""

    def write(data: dict[str, Any] | str, name: str = "experiment.yaml") -> Path:
        path = tmp_path / name
        if isinstance(data, str):
            path.write_text(data)
            return path
        data = {
            "name": "test_experiment",
            "scenario": str(SCENARIO_DIR / "one_person.yaml"),
            "base": {"horizon_weeks": 12},
            **data,
        }
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write


def experiment(parameters: dict[str, dict[str, Any]], **fields: Any) -> Experiment:
    return Experiment.model_validate({"name": "e", "parameters": parameters, **fields})


SAMPLER_PARAMETERS = {
    "committee.divergence": {"low": 0.5, "high": 2.0},
    "committee.size": {"low": 1, "high": 9, "integer": True},
    "sellers.ours.strategy": {"values": ["none", "funnel_pusher", "maze_guide"]},
}


# ---- parameters ----------------------------------------------------------------------------


def test_parameter_level_maps_units_onto_equal_slices_of_values() -> None:
    parameter = Parameter(values=["a", "b", "c", "d"])
    assert [parameter.level(u) for u in (0.0, 0.24, 0.25, 0.5, 0.74, 0.75, 0.999)] == [
        "a",
        "a",
        "b",
        "c",
        "c",
        "d",
        "d",
    ]
    assert parameter.level(1.0) == "d"  # Morris reaches the upper edge of the unit cube


def test_parameter_level_on_ranges() -> None:
    continuous = Parameter(low=2.0, high=4.0)
    assert continuous.level(0.0) == 2.0
    assert continuous.level(0.25) == pytest.approx(2.5)
    assert continuous.level(1.0) == 4.0
    integer = Parameter(low=1, high=5, integer=True)
    levels = [integer.level(u) for u in np.linspace(0, 1, 41)]
    assert all(isinstance(v, int) for v in levels)
    assert set(levels) == {1, 2, 3, 4, 5}


def test_parameter_grid_levels() -> None:
    assert Parameter(values=[3, 1, 2]).grid() == [3, 1, 2]
    assert Parameter(low=1, high=4, integer=True).grid() == [1, 2, 3, 4]
    assert Parameter(low=0.0, high=1.0, steps=5).grid() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert Parameter(low=2, high=10, steps=3, integer=True).grid() == [2, 6, 10]
    with pytest.raises(ValueError, match="steps"):
        Parameter(low=0.0, high=1.0).grid()


@pytest.mark.parametrize(
    "fields",
    [{}, {"values": [1], "low": 0, "high": 1}, {"low": 1}, {"high": 1}, {"low": 2, "high": 1}],
    ids=["nothing", "values-and-range", "low-only", "high-only", "low-above-high"],
)
def test_parameter_needs_values_or_a_proper_range(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Parameter.model_validate(fields)


# ---- design points -------------------------------------------------------------------------


def test_grid_is_the_product_in_parameter_order() -> None:
    parameters = {
        "sellers.ours.strategy": {"values": ["maze_guide", "none"]},
        "committee.size": {"low": 2, "high": 4, "integer": True},
        "committee.divergence": {"low": 0.5, "high": 1.5, "steps": 3},
    }
    exp = experiment(parameters)
    points = design_points(exp)
    names = list(parameters)
    expected = list(
        itertools.product(["maze_guide", "none"], [2, 3, 4], [0.5, 1.0, 1.5]),
    )
    assert [p.index for p in points] == list(range(len(expected)))
    assert [tuple(p.values[n] for n in names) for p in points] == expected
    assert [list(p.values) for p in points] == [names] * len(expected)


def test_grid_order_follows_the_file_order_of_parameters() -> None:
    a = {"committee.size": {"values": [1, 2]}, "sellers.ours.strategy": {"values": ["x", "y"]}}
    b = dict(reversed(a.items()))
    first = [tuple(p.values.values()) for p in design_points(experiment(a))]
    second = [tuple(p.values.values()) for p in design_points(experiment(b))]
    assert first == [(1, "x"), (1, "y"), (2, "x"), (2, "y")]
    assert second == [("x", 1), ("x", 2), ("y", 1), ("y", 2)]


def test_grid_without_parameters_is_one_point() -> None:
    points = design_points(Experiment(name="single"))
    assert len(points) == 1
    assert points[0].index == 0 and points[0].values == {}


def salib_matrix(kind: str, problem: dict[str, Any], design: Design, n_points: int) -> np.ndarray:
    """The sample matrix from SALib called directly."""
    if kind == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, design.samples, seed=design.seed)
    if kind == "sobol":
        from SALib.sample import sobol

        d = problem["num_vars"]
        second_order = n_points == design.samples * (2 * d + 2)
        return sobol.sample(
            problem, design.samples, calc_second_order=second_order, seed=design.seed
        )
    from SALib.sample import morris

    return morris.sample(problem, design.samples, num_levels=design.levels, seed=design.seed)


@pytest.mark.parametrize(("kind", "samples"), [("lhs", 20), ("sobol", 8), ("morris", 6)], ids=str)
def test_sampler_points_are_salib_rows_in_order(kind: str, samples: int) -> None:
    exp = experiment(SAMPLER_PARAMETERS, design={"kind": kind, "samples": samples, "seed": 11})
    names = list(SAMPLER_PARAMETERS)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    points = design_points(exp)
    matrix = salib_matrix(kind, problem, exp.design, len(points))
    assert len(points) == matrix.shape[0] > 0
    assert [p.index for p in points] == list(range(len(points)))
    np.testing.assert_array_equal(unit_samples(exp), matrix)
    for point, row in zip(points, matrix, strict=True):
        expected = {n: exp.parameters[n].level(float(u)) for n, u in zip(names, row, strict=True)}
        assert point.values == expected, f"point {point.index}"
        assert point.key == point_key(point.index, point.values)
    # the samples spread over the cube: more than one level of every parameter occurs
    for name in names:
        assert len({p.values[name] for p in points}) > 1, name


@pytest.mark.parametrize("kind", ["lhs", "sobol", "morris"])
def test_sampler_depends_on_its_seed_only(kind: str) -> None:
    def values(seed: int) -> list[dict[str, Any]]:
        exp = experiment(SAMPLER_PARAMETERS, design={"kind": kind, "samples": 8, "seed": seed})
        return [p.values for p in design_points(exp)]

    first = values(3)
    np.random.seed(12345)
    np.random.random(100)  # the global random state must not matter
    assert values(3) == first
    assert values(4) != first


def test_sampler_point_counts() -> None:
    d = len(SAMPLER_PARAMETERS)
    lhs = experiment(SAMPLER_PARAMETERS, design={"kind": "lhs", "samples": 13})
    morris = experiment(SAMPLER_PARAMETERS, design={"kind": "morris", "samples": 5, "levels": 4})
    assert len(design_points(lhs)) == 13
    assert len(design_points(morris)) == 5 * (d + 1)


def test_sobol_point_count_matches_the_documentation() -> None:
    """Design.samples documents how many points a Sobol design gives; the design must
    give that many."""
    d, n = len(SAMPLER_PARAMETERS), 8
    sobol = experiment(SAMPLER_PARAMETERS, design={"kind": "sobol", "samples": n})
    count = len(design_points(sobol))
    assert count in (n * (d + 2), n * (2 * d + 2))
    formula = "N*(2D+2)" if count == n * (2 * d + 2) else "N*(D+2)"
    description = Design.model_fields["samples"].description or ""
    assert formula in description, (
        f"a Sobol design of N={n}, D={d} gives {count} points ({formula}), but the "
        f"documentation says: {description!r}"
    )


def test_point_keys_are_unique_and_stable() -> None:
    exp = experiment(SAMPLER_PARAMETERS, design={"kind": "lhs", "samples": 10, "seed": 2})
    keys = [p.key for p in design_points(exp)]
    assert len(set(keys)) == len(keys)
    assert keys == [p.key for p in design_points(exp)]
    assert point_key(0, {"a": 1}) != point_key(1, {"a": 1})
    assert point_key(0, {"a": 1}) != point_key(0, {"a": 2})


def test_planned_runs_use_common_random_numbers() -> None:
    exp = experiment(
        {"committee.size": {"values": [1, 2, 3]}, "sellers.ours.strategy": {"values": ["x", "y"]}},
        replications=4,
        seed=17,
    )
    points = tuple(design_points(exp))
    policies = (Policy("a"), Policy.strategy("maze_guide"))
    runs = Study(Scenario(), policies, points, exp.replications, exp.seed).runs()
    assert len(runs) == len(points) * 4 * len(policies)
    assert len({(r.policy, r.point, r.replication) for r in runs}) == len(runs)
    for run in runs:
        assert run.seed == exp.seed + run.replication
    for policy in policies:
        for point in points:
            mine = [r for r in runs if r.point == point.index and r.policy == policy.name]
            assert [r.replication for r in mine] == [0, 1, 2, 3]
            assert [r.seed for r in mine] == [17, 18, 19, 20]


def test_fingerprint_changes_with_what_decides_the_runs() -> None:
    base = experiment({"committee.size": {"values": [1, 2]}}, replications=3)
    assert (
        base.fingerprint()
        == experiment({"committee.size": {"values": [1, 2]}}, replications=3).fingerprint()
    )
    changed = [
        experiment({"committee.size": {"values": [1, 2]}}, replications=4),
        experiment({"committee.size": {"values": [1, 3]}}, replications=3),
        experiment({"committee.size": {"values": [1, 2]}}, replications=3, seed=2),
        experiment({"committee.size": {"values": [1, 2]}}, replications=3, base={"a": 1}),
    ]
    assert len({base.fingerprint(), *(e.fingerprint() for e in changed)}) == 5


# ---- loading -------------------------------------------------------------------------------


def test_load_experiment_builds_each_design_point(write_experiment: WriteExperiment) -> None:
    path = write_experiment(
        {
            "base": {"horizon_weeks": 15, "committee": {"divergence": 0.5}},
            "parameters": {
                "committee.size": {"values": [2, 3]},
                "options.vendors.ours.quality.functional_fit": {"values": [0.4, 0.8]},
            },
        }
    )
    loaded = load_experiment(path)
    for point in design_points(loaded.experiment):
        scenario = loaded.scenario_for(point.values)
        assert isinstance(scenario, Scenario)
        assert scenario.name == "one_person"
        assert scenario.horizon_weeks == 15
        assert scenario.committee.divergence == 0.5
        assert scenario.committee.size == point.values["committee.size"]
        quality = scenario.options.vendors["ours"].quality
        assert (
            quality["functional_fit"] == point.values["options.vendors.ours.quality.functional_fit"]
        )
        # a deep path changes one number, leaving the rest of the defaults alone
        default = Scenario(name="defaults").options.vendors["ours"].quality
        assert quality["business_value"] == default["business_value"]
        assert len(scenario.options.vendors) > 1


def test_scenario_for_reports_the_design_point(write_experiment: WriteExperiment) -> None:
    loaded = load_experiment(write_experiment({"parameters": {"committee.size": {"values": [2]}}}))
    with pytest.raises(ConfigError) as info:
        loaded.scenario_for({"committee.size": 0})
    message = str(info.value)
    assert "committee.size=0" in message and "committee.size" in message


def test_sampler_without_parameters_is_refused(write_experiment: WriteExperiment) -> None:
    path = write_experiment({"design": {"kind": "lhs", "samples": 4}})
    with pytest.raises(ConfigError, match="parameters"):
        load_experiment(path)


BAD_EXPERIMENTS: dict[str, tuple[dict[str, Any] | str, str]] = {
    "unknown-field": ({"replicatons": 3}, "replicatons"),
    "unknown-design-field": ({"design": {"kind": "grid", "sample": 3}}, "design.sample"),
    "unknown-design-kind": ({"design": {"kind": "factorial"}}, "design.kind"),
    "neither-values-nor-range": (
        {"parameters": {"committee.size": {"integer": True}}},
        "parameters.committee.size",
    ),
    "low-above-high": (
        {"parameters": {"committee.divergence": {"low": 2.0, "high": 1.0, "steps": 3}}},
        "parameters.committee.divergence",
    ),
    "not-a-scenario-field": (
        {"parameters": {"committee.sise": {"values": [2, 3]}}},
        "committee.sise",
    ),
    "invalid-value": ({"parameters": {"committee.size": {"values": [0]}}}, "committee.size"),
    "invalid-later-value": (
        {"parameters": {"committee.size": {"values": [2, 0]}}},
        "committee.size",
    ),
    "invalid-range-end": (
        {"parameters": {"committee.size": {"low": 2, "high": 80, "integer": True}}},
        "committee.size",
    ),
    "missing-base-scenario": ({"scenario": "no_such_scenario.yaml"}, "scenario"),
    "yaml-syntax": ("name: broken\nparameters: {committee.size: [1, 2\n", "YAML syntax error"),
    "continuous-grid-without-steps": (
        {"parameters": {"committee.divergence": {"low": 0.5, "high": 2.0}}},
        "parameters.committee.divergence",
    ),
    "zero-replications": ({"replications": 0}, "replications"),
}


@pytest.mark.parametrize(("data", "field"), BAD_EXPERIMENTS.values(), ids=list(BAD_EXPERIMENTS))
def test_bad_experiment_file_is_reported_by_the_cli(
    run_cli, write_experiment: WriteExperiment, tmp_path: Path, data: Any, field: str
) -> None:
    path = write_experiment(data)
    output = tmp_path / "results"
    result = run_cli("sweep", str(path), "--workers", "1", "--output", str(output))
    assert result.code == 2, result.out + result.err
    assert str(path) in result.err
    assert field in result.err
    assert "Traceback" not in result.err + result.out
    assert "internal error" not in result.err


@pytest.mark.parametrize(("data", "field"), BAD_EXPERIMENTS.values(), ids=list(BAD_EXPERIMENTS))
def test_bad_experiment_file_leaves_no_results_folder(
    run_cli, write_experiment: WriteExperiment, tmp_path: Path, data: Any, field: str
) -> None:
    """A bad experiment is refused before anything is written: a results folder made for
    it would hold a manifest that refuses the corrected file later."""
    output = tmp_path / "results"
    result = run_cli(
        "sweep", str(write_experiment(data)), "--workers", "1", "--output", str(output)
    )
    assert result.code == 2
    assert not output.exists(), f"{output} was created for an experiment that cannot run"


def test_missing_experiment_file_is_reported(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "missing.yaml"
    result = run_cli("sweep", str(path), "--output", str(tmp_path / "out"))
    assert result.code == 2
    assert str(path) in result.err and "not found" in result.err
    assert "Traceback" not in result.err + result.out


def test_unknown_experiment_name_lists_the_named_ones(run_cli) -> None:
    result = run_cli("sweep", "no_such_experiment")
    assert result.code == 2
    assert "no_such_experiment" in result.err
    assert "funnel_vs_maze" in result.err
    assert "Traceback" not in result.err


# ---- shipped experiments -------------------------------------------------------------------


def test_experiments_are_shipped() -> None:
    assert len(EXPERIMENT_FILES) >= 4


@pytest.mark.parametrize("path", EXPERIMENT_FILES, ids=[p.stem for p in EXPERIMENT_FILES])
def test_shipped_experiment_loads_and_plans(path: Path) -> None:
    loaded = load_experiment(path)
    exp = loaded.experiment
    assert exp.name == path.stem
    assert exp.description.strip()
    points = design_points(exp)
    assert len(points) > 0
    assert exp.design_size() == len(points)
    # every design point is a valid scenario
    for point in points:
        loaded.scenario_for(point.values)


def test_funnel_vs_maze_covers_strategies_by_committee_size() -> None:
    exp = load_experiment(REPO / "experiments" / "funnel_vs_maze.yaml").experiment
    points = design_points(exp)
    combos = [(p.values["sellers.ours.strategy"], p.values["committee.size"]) for p in points]
    expected = set(itertools.product(["none", "funnel_pusher", "maze_guide"], range(1, 13)))
    assert set(combos) == expected
    assert len(combos) == len(expected)


def test_sensitivity_is_a_morris_design() -> None:
    loaded = load_experiment(REPO / "experiments" / "sensitivity.yaml")
    exp = loaded.experiment
    assert exp.design.kind == "morris"
    points = design_points(exp)
    assert len(points) == exp.design.samples * (len(exp.parameters) + 1)
    assert loaded.scenario_for(points[0].values).sellers["ours"].strategy == "maze_guide"
