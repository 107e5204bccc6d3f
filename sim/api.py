"""The Python API for researchers, re-exported by `import sim`: every function takes a
scenario or experiment by name (`"baseline"`) as well as by path or object, and returns
plain results (a DealResult, pandas tables, a results folder).

    import sim
    scenario = sim.load_scenario("baseline")
    deal = sim.simulate(scenario, seed=1)
    comparison = sim.compare(scenario, ["funnel_pusher", "maze_guide"], replications=100)
    results = sim.sweep("funnel_vs_maze", replications=5, output="results/fvm")
    results.deals()  # one row per deal, a pandas DataFrame

The names `sim` exports are listed once, in `sim.__all__`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import arguments
from sim.analysis.facts import Facts as Facts
from sim.analysis.facts import facts_of
from sim.config.catalogue import load_scenario as load_scenario
from sim.config.catalogue import named_experiments as named_experiments
from sim.config.catalogue import named_scenarios as named_scenarios
from sim.config.experiment import Experiment as Experiment
from sim.config.experiment import LoadedExperiment
from sim.config.experiment import load_experiment as load_experiment
from sim.config.scenario import Scenario as Scenario
from sim.model import DealResult as DealResult
from sim.model import simulate as simulate_scenario
from sim.runner import Executors as Executors
from sim.workflow.calibration import run_battery
from sim.workflow.compare import DEFAULT_STRATEGIES
from sim.workflow.compare import Comparison as Comparison
from sim.workflow.compare import compare as compare_scenario
from sim.workflow.results import Results as Results
from sim.workflow.results import open_results as open_results
from sim.workflow.robustness import DEFAULT_ASSUMPTION_REPLICATIONS, map_robustness
from sim.workflow.robustness import Robustness as Robustness
from sim.workflow.study import AS_WRITTEN as AS_WRITTEN
from sim.workflow.study import Policy as Policy
from sim.workflow.study import Progress
from sim.workflow.study import evaluate as evaluate
from sim.workflow.sweep import sweep_experiment

if TYPE_CHECKING:
    from sim.analysis.pipeline import Pipeline
    from sim.workflow.discover import Discovery
    from sim.workflow.pipeline_abc import ReferenceTable
    from sim.workflow.pipeline_fit import PipelineCalibration

if TYPE_CHECKING:
    import pandas as pd


def as_scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def simulate(scenario: Scenario | str | Path, seed: int = 1) -> DealResult:
    """One deal: the same scenario and seed always give the same deal."""
    return simulate_scenario(as_scenario(scenario), arguments.seed(seed))


def compare(
    scenario: Scenario | str | Path,
    strategies: Sequence[str] = DEFAULT_STRATEGIES,
    replications: int = 200,
    seed: int = 1,
    workers: int | None = None,
    progress: Progress | None = None,
    effort: str = "equal",
) -> Comparison:
    """Our seller's strategies on the same committees: `.deals` (one row per deal),
    `.summary` (per strategy, with 95% intervals, hours per deal and outcomes per 100 seller
    and buyer hours) and `.effects` (paired, every pair). `effort="unequal"` leaves the
    funnel-pushers' spare hours idle (`b2bsim compare --effort unequal`)."""
    from sim.workflow.compare import with_effort

    strategies = arguments.strategy_list(strategies)  # the bounds of `b2bsim compare`
    replications, seed = arguments.replications(replications), arguments.seed(seed)
    executors = Executors(arguments.processes(workers))
    settings = with_effort(as_scenario(scenario), effort)
    return compare_scenario(settings, strategies, replications, seed, executors, progress)


def facts(
    scenario: Scenario | str | Path = "baseline",
    replications: int = 1000,
    seed: int = 1,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Facts:
    """The stylized facts on the same committees with our seller as a funnel-pusher and as
    a maze-guide: `.table` (one row per fact, 95% intervals, tolerance, inside),
    `.f11_curve` (F11 over the regret margin) and `.to_json()`."""
    replications = arguments.replications(replications, low=10)  # the bounds of `b2bsim facts`
    seed = arguments.seed(seed)
    settings = as_scenario(scenario)
    executors = Executors(arguments.processes(workers))
    data = run_battery(settings, replications, seed, executors, progress)
    return facts_of(data, settings.name, replications, seed, settings.decision.regret_margin)


def robustness(
    scenario: Scenario | str | Path = "baseline",
    strategies: Sequence[str] | None = None,
    replications: int = 100,
    assumption_replications: int = DEFAULT_ASSUMPTION_REPLICATIONS,
    seed: int = 1,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Robustness:
    """Every numeric parameter moved -25%/+25% one at a time (`replications` committees
    each), then every strategy-specific magnitude set to its neutral value one at a time
    (`assumption_replications` committees each; 0 skips them), for our seller's
    `strategies` (default: every one the scenario allows), on the same committees:
    `.rates`, `.effects`, `.contrasts`, `.flips`, `.assumption_rates`,
    `.assumption_contrasts` and `.to_json()`."""
    from sim.report.robustness_report import flip_lines

    settings = as_scenario(scenario)
    return map_robustness(
        settings,
        list(strategies or settings.available_strategies()),
        replications,
        assumption_replications,
        seed=seed,
        executors=Executors(workers),
        progress=progress,
        flip_words=flip_lines,
    )


def sweep(
    experiment: LoadedExperiment | Experiment | dict[str, Any] | str | Path,
    output: str | Path | None = None,
    replications: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    fresh: bool = False,
    progress: Progress | None = None,
) -> Results:
    """Run an experiment (a name, a file, or one built in code as an `Experiment` or a
    mapping) into a results folder (default results/<name>), resuming what is stored;
    `replications` overrides the file's (more extends a finished sweep)."""
    if replications is not None:
        replications = arguments.replications(replications)
    workers = arguments.processes(workers)
    dask_local = arguments.processes(dask_local, "dask_local")
    loaded = experiment if isinstance(experiment, LoadedExperiment) else load_experiment(experiment)
    return sweep_experiment(
        loaded, output, replications, Executors(workers, scheduler, dask_local), fresh, progress
    )


def sensitivity(
    results: Results | str | Path,
    metric: str = "won",
    policy: str | None = None,
    versus: str | None = None,
) -> pd.DataFrame:
    """Morris (mu*, sigma) or Sobol (S1, ST) indices of a finished sweep, one row per
    parameter and index with its 95% interval (`conf`): of `metric`'s rate, of one
    `policy`'s in a sweep with policies, or of the paired difference `policy` minus `versus`
    on the same committees. Sobol indices outside [0, 1] raise a `UserWarning` each (too few
    samples for the noise)."""
    import warnings

    from sim.analysis.sensitivity import index_warnings, indices_of_metric
    from sim.config.experiment import Experiment

    store = (results if isinstance(results, Results) else open_results(results)).store
    experiment = Experiment.model_validate(store.manifest["experiment"])
    indices = indices_of_metric(experiment, store.deals(), metric, policy, versus)
    for warning in index_warnings(indices):
        warnings.warn(warning, UserWarning, stacklevel=2)
    return indices


def discover(
    scenario: Scenario | str | Path = "baseline",
    policies: Sequence[str | Policy] | Mapping[str, Mapping[str, Any]] = (
        "funnel_pusher",
        "maze_guide",
    ),
    samples: int = 300,
    replications: int = 30,
    threshold: float = 0.05,
    seed: int = 1,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Discovery:
    """When does each policy win? As `b2bsim discover`: `.boxes` (PRIM boxes, each with
    `.limits`, `.found` and `.hold_out` figures), `.findings.scores` (feature scores),
    `.samples_table()` (one row per world), `.warning`, `.to_dict()` (the JSON)."""
    from sim.workflow.discover import discover as discover_worlds

    return discover_worlds(
        as_scenario(scenario),
        policies,
        samples,
        replications,
        threshold,
        seed,
        Executors(workers),
        progress,
    )


def ema_model(scenario: Scenario | str | Path = "baseline", replications: int = 30, seed: int = 1):
    """An EMA Workbench `Model` of the scenario: the declared uncertainties and levers by
    scenario path, outcomes won / no_decision / high_quality as shares of `replications`
    committees (the same committees in every experiment)."""
    from sim.workflow.ema_adapter import ema_model as build

    return build(as_scenario(scenario), replications, seed)


def calibrate_to(
    pipeline: Pipeline | str | Path,
    scenario: Scenario | str | Path = "baseline",
    *,
    fit: Sequence[str] | None = None,
    particles: int = 400,
    budget: int = 2000,
    deals_per_world: int = 200,
    draws: int = 40,
    seed: int = 1,
    workers: int | None = None,
    progress: Progress | None = None,
    reference: ReferenceTable | None = None,
) -> PipelineCalibration:
    """Calibrate to a team's pipeline CSV, as `b2bsim calibrate-to`: `.summary` (the
    pipeline), `.parameters` (posterior median and 90 % interval of each fitted world and
    buyer setting), `.check` (posterior-predictive check), `.strategies` (each strategy's
    won / no-decision / high-quality-win shares under the posterior), `.scenario` (at the
    posterior medians), `.write_scenario(path)` and `.to_dict()`. `fit` restricts the
    settings fitted; `budget` prior worlds (simulated pipelines) are simulated and the
    `particles` nearest kept and regression-adjusted; `draws` posterior worlds give the
    check and the answer. `reference` (an earlier result's `.reference`) reuses its simulated
    worlds when they are the ones this fit would simulate."""
    from sim.analysis.pipeline import Pipeline, read_pipeline
    from sim.workflow.pipeline_fit import MAX_DEALS_PER_WORLD, calibrate_pipeline

    particles = arguments.whole_number("particles", particles, 20, 100_000)
    budget = arguments.whole_number("budget", budget, particles, 1_000_000)
    deals_per_world = arguments.whole_number(
        "deals_per_world", deals_per_world, 10, MAX_DEALS_PER_WORLD
    )
    draws = arguments.whole_number("draws", draws, 5, 1000)
    seed = arguments.seed(seed)
    workers = arguments.processes(workers)
    return calibrate_pipeline(
        pipeline if isinstance(pipeline, Pipeline) else read_pipeline(pipeline),
        as_scenario(scenario),
        fit=fit,
        particles=particles,
        budget=budget,
        deals_per_world=deals_per_world,
        draws=draws,
        seed=seed,
        executors=Executors(workers),
        progress=progress,
        reference=reference,
    )
