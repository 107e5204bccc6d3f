"""Calibrate to a team's own pipeline: which worlds could have produced it, and what each
strategy does there.

1. **Fit** (rejection ABC with local-linear regression adjustment,
   `sim.workflow.pipeline_abc`): the world and buyer settings among the declared
   uncertainties (`sim.config.uncertainties`: committee, account, decision, behaviour,
   information; never a seller's strategy or lever, nor the products) are drawn from uniform
   priors over their plausible ranges, `budget` worlds at once. Each candidate world
   simulates a pipeline like the team's: the same number of opportunities (at most
   `deals_per_world`), our seller following the pipeline's `our_strategy` mix (else the
   scenario's), each deal observed at the age its counterpart had on the pipeline's `as_of`
   day (so open deals are censored alike). The worlds whose summaries (outcome shares,
   Kaplan-Meier cycle quantiles, the median weeks to each ending, committee size) come
   nearest the team's are kept, and their settings adjusted along the local regression of
   settings on summaries.
2. **Check**: posterior worlds simulate the pipeline again (posterior-predictive check);
   every observed summary should fall inside the simulated 90 % range.
3. **Answer**: in the same posterior worlds, every strategy our seller can follow meets the
   same committees (common random numbers, `sim.workflow.study.evaluate`); the shares'
   intervals span the posterior worlds, so they carry the parameter uncertainty.

Candidate worlds run on the project's executors (`sim.runner.open_executor`), a few worlds a
task; every world is a pure function of its settings and the seed, so the result does not
depend on the number of workers.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.pipeline import (
    STATISTIC_WORDS,
    Pipeline,
    PipelineSummary,
    observe,
    pipeline_statistics,
    summarise,
)
from sim.config.experiment import LoadedExperiment
from sim.config.loading import ConfigError
from sim.config.scenario import Scenario
from sim.config.uncertainties import UNCERTAINTIES, Setting, for_scenario, label
from sim.runner import Executors
from sim.workflow.design import DesignPoint, point_key
from sim.workflow.pipeline_abc import (
    OUTCOME_CODES,
    Posterior,
    ReferenceTable,
    regression_posterior,
    simulate_table,
)
from sim.workflow.study import Policy, as_experiment, evaluate

FITTED_SECTIONS = ("committee.", "account.", "decision.", "behaviour.", "information.")
"""The world and buyer settings a pipeline can inform. Products (`options.`) and sellers
(`sellers.`, the rival's strategy included) are never fitted: a pipeline cannot separate
them from the buyers, and the strategies are what the answer compares."""
INTERVAL = (0.05, 0.5, 0.95)
"""Posterior low, median and high: a 90 % interval."""
IDENTIFIED_NARROWING = 0.25
"""A setting counts as identified by the pipeline when its posterior 90 % interval is at
least a quarter narrower than its prior's own 90 % interval, beyond what chance alone
narrows it (`CHANCE_NARROWING`)."""
CHANCE_NARROWING = 0.34
"""The standard deviation of the narrowing of a prior's 90 % interval estimated from one
equally weighted world: the 5 % and 95 % quantiles of n draws each vary by
sqrt(0.05 * 0.95 / n) of the range, so the width by about 0.31 / sqrt(n), that is
0.34 / sqrt(n) of the prior's 90 % width. With n effective worlds, a setting the pipeline
says nothing about can look narrowed by up to two such deviations; that much is allowed
before calling a setting identified. Below `JUDGED_WORLDS` effective worlds the
approximation fails (two worlds give an interval a third of the range wide on average) and
no setting is called identified."""
JUDGED_WORLDS = 10
FEW_EFFECTIVE_WORLDS = 0.25
"""A posterior resting on fewer effective worlds than this share of the kept worlds has
degenerate weights: its intervals are too narrow, and the summary says so. The kernel
weights of the regression fit keep about three quarters (296 to 327 of 400 in the recovery
study; ABC-SMC's importance weights, used before, collapsed to 1 to 4 of 100 with 16
settings fitted)."""
PRIOR_WORLDS = 2000
"""Prior worlds simulated by default (`--budget`)."""
KEPT_WORLDS = 400
"""Nearest worlds kept by default (`--particles`): a fifth of the prior worlds, where the
cross-validated coverage of the 90 % intervals levelled off
(docs/calibration/pipeline_recovery.md)."""
METHOD = "rejection ABC with local-linear regression adjustment (Beaumont et al. 2002)"
MAX_DEALS_PER_WORLD = 2000
MAX_HORIZON_WEEKS = 520


def fitted_settings(scenario: Scenario, paths: Sequence[str] | None = None) -> list[Setting]:
    """The declared world and buyer settings to fit (all of them, or those in `paths`)."""
    vendors = list(scenario.options.vendors)
    settings = [
        s
        for s in for_scenario(UNCERTAINTIES, scenario.our_vendor, vendors)
        if s.path.startswith(FITTED_SECTIONS) and s.values is None
    ]
    if paths is None:
        return settings
    known = {s.path: s for s in settings}
    unknown = [p for p in paths if p not in known]
    if unknown or not paths:
        raise ValueError(
            f"fit: {', '.join(unknown) or 'nothing named'}: give settings among " + ", ".join(known)
        )
    return [known[p] for p in paths]


def _value(setting: Setting, value: float) -> float | int:
    """A prior draw as the scenario takes it: integers rounded (their prior spans
    low - 0.5 .. high + 0.5, so every whole value is equally likely)."""
    if setting.integer:
        return int(min(max(round(value), setting.low), setting.high))  # type: ignore[type-var]
    return float(value)


@dataclass(frozen=True)
class Observation:
    """How the pipeline was seen, as the simulated pipelines must be: each simulated deal's
    age on `as_of` and our seller's strategy on it."""

    ages: np.ndarray
    strategies: tuple[str, ...]
    with_committee: bool


def observation(pipeline: Pipeline, scenario: Scenario, deals: int) -> Observation:
    """`deals` opportunities spread evenly over the pipeline in creation order, each with
    its age and our seller's strategy (the scenario's seller without `our_strategy`)."""
    ordered = pipeline.deals.assign(age=pipeline.ages).sort_values("created", kind="stable")
    picks = np.linspace(0, len(ordered) - 1, min(deals, len(ordered))).round().astype(int)
    if pipeline.has_strategy:
        strategies = tuple(str(s) for s in ordered["our_strategy"].to_numpy()[picks])
        allowed = scenario.available_strategies()
        missing = sorted(set(strategies) - set(allowed))
        if missing:
            raise ConfigError(
                pipeline.source,
                [
                    f"column our_strategy: {', '.join(missing)} cannot run in scenario "
                    f"{scenario.name} (it allows {', '.join(allowed)})"
                ],
            )
    else:
        strategies = (scenario.seller_for(scenario.our_vendor).strategy,) * len(picks)
    with_committee = pipeline.has_contacts and bool(pipeline.deals["contacts"].notna().any())
    return Observation(ordered["age"].to_numpy(float)[picks], strategies, with_committee)


def world_seed(root: int, values: dict[str, Any]) -> int:
    """A seed of its own for each candidate world (ABC needs independent simulations), the
    same for the same world and root seed."""
    text = repr((root, sorted(values.items()))).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=4).digest(), "big") // 2


@dataclass(frozen=True)
class WorldSimulator:
    """One candidate world (a prior draw of the fitted settings) -> its simulated pipeline's
    deals: deal i with our seller's `observed.strategies[i]`, seeded from the world's values
    (`world_seed`). Picklable: the executors' workers run it."""

    base: LoadedExperiment
    settings: tuple[Setting, ...]
    observed: Observation
    seed: int

    def values(self, draw: Sequence[float]) -> dict[str, Any]:
        return {s.path: _value(s, float(v)) for s, v in zip(self.settings, draw, strict=True)}

    def __call__(self, draw: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from sim.model.batch import simulate_rows

        values = self.values(draw)
        world = self.base.scenario_for(values)
        seed = world_seed(self.seed, values)
        strategies = np.asarray(self.observed.strategies)
        deals = len(strategies)
        codes = np.zeros(deals, dtype=np.int8)
        weeks = np.zeros(deals, dtype=np.float32)
        sizes = np.zeros(deals, dtype=np.int16)
        for strategy in dict.fromkeys(self.observed.strategies):
            indices = np.flatnonzero(strategies == strategy)
            scenario = Policy.strategy(strategy).apply(world)
            rows = simulate_rows(scenario, [seed + int(i) for i in indices])
            for i, row in zip(indices, rows, strict=True):
                codes[i] = OUTCOME_CODES.index(row["outcome"])
                cycle = row["cycle_weeks"]
                weeks[i] = row["weeks_simulated"] if cycle is None or cycle != cycle else cycle
                sizes[i] = row["n_stakeholders"]
        return codes, weeks, sizes


def simulated_statistics(
    observed: Observation, outcomes: Sequence[str], weeks: Sequence[float], sizes: Sequence[int]
) -> dict[str, float]:
    """A simulated pipeline's summaries, each deal seen at its counterpart's age."""
    seen, followed = observe(np.asarray(outcomes, dtype=object), np.asarray(weeks), observed.ages)
    contacts = np.asarray(sizes, dtype=float) if observed.with_committee else None
    return pipeline_statistics(seen, followed, contacts)


@dataclass(frozen=True)
class FitDetails:
    """How the posterior was found: the method, the prior worlds simulated, the worlds kept,
    whether their settings were regression-adjusted, the distance tolerance and the
    summaries the distance used."""

    method: str
    simulated_pipelines: int
    kept_worlds: int
    adjusted: bool
    tolerance: float
    summaries: tuple[str, ...]


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray) -> list[float]:
    return [float(np.quantile(values, q, weights=weights, method="inverted_cdf")) for q in INTERVAL]


@dataclass
class PipelineCalibration:
    """What `calibrate_to` found: `summary` of the pipeline, `parameters` (one row per fitted
    setting: prior range, posterior median and 90 % interval), `check` (posterior-predictive
    check of every summary), `strategies` (each strategy's shares under the posterior),
    `differences` (paired differences between strategies, world by world), `scenario` (the
    scenario at the posterior medians), and how the fit went (`fit`)."""

    source: str
    base: str
    summary: PipelineSummary
    observed: dict[str, float]
    parameters: pd.DataFrame
    check: pd.DataFrame
    strategies: pd.DataFrame
    differences: pd.DataFrame
    scenario: Scenario
    fit: FitDetails
    posterior: pd.DataFrame = field(repr=False)
    reference: ReferenceTable | None = field(default=None, repr=False)
    """The simulated prior worlds, to reuse for another pipeline observed the same way."""
    settings: dict[str, Any] = field(default_factory=dict)
    simulations: int = 0
    effective_worlds: float = 0.0
    """Kish's effective sample size of the kept worlds' kernel weights: how many equally
    weighted worlds the posterior's quantiles rest on."""
    seconds: float = 0.0

    @property
    def degenerate(self) -> bool:
        """The posterior rests on too few effective worlds for its intervals to be trusted
        (`FEW_EFFECTIVE_WORLDS`)."""
        particles = self.settings.get("particles", len(self.posterior))
        return self.effective_worlds < FEW_EFFECTIVE_WORLDS * particles

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `b2bsim calibrate-to --json`."""
        return _plain(
            {
                "pipeline": self.source,
                "scenario": self.base,
                "summary": self.summary.to_dict(),
                "settings": self.settings,
                "parameters": {
                    r.path: {
                        "median": r.median,
                        "low": r.low,
                        "high": r.high,
                        "prior_low": r.prior_low,
                        "prior_high": r.prior_high,
                        "narrowed": r.narrowed,
                        "identified": bool(r.identified),
                        "label": r.label,
                    }
                    for r in self.parameters.itertuples()
                },
                "check": {
                    r.statistic: {
                        "observed": r.observed,
                        "median": r.median,
                        "low": r.low,
                        "high": r.high,
                        "inside": bool(r.inside),
                    }
                    for r in self.check.itertuples()
                },
                "strategies": {
                    **{
                        strategy: {
                            share: {
                                k: rows[f"{share}_{k}"].iloc[0] for k in ("median", "low", "high")
                            }
                            for share in SHARES
                        }
                        for strategy, rows in self.strategies.groupby("strategy", sort=False)
                    },
                    "differences": {
                        r["pair"]: {
                            share: {
                                "median": r[f"{share}_median"],
                                "low": r[f"{share}_low"],
                                "high": r[f"{share}_high"],
                                "excludes_zero": bool(r[f"{share}_excludes_zero"]),
                            }
                            for share in SHARES
                        }
                        for r in self.differences.to_dict(orient="records")
                    },
                },
                "fit": {
                    "method": self.fit.method,
                    "kept_worlds": self.fit.kept_worlds,
                    "regression_adjusted": self.fit.adjusted,
                    "tolerance": self.fit.tolerance,
                    "summaries": list(self.fit.summaries),
                },
                "simulated_pipelines": self.simulations,
                "effective_worlds": round(self.effective_worlds, 1),
                "degenerate": self.degenerate,
                "seconds": round(self.seconds, 1),
            }
        )

    def scenario_yaml(self) -> str:
        import yaml

        header = (
            f"# Calibrated by `b2bsim calibrate-to {Path(self.source).name}` from scenario "
            f"{self.base}: the fitted settings at their posterior medians.\n"
        )
        body = yaml.safe_dump(self.scenario.model_dump(mode="json"), sort_keys=False)
        return header + body

    def write_scenario(self, path: str | Path) -> Path:
        """The calibrated scenario file, written atomically."""
        from sim.files import write_atomically

        text = self.scenario_yaml()
        return write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))


SHARES = ("won", "no_decision", "our_high_quality")
"""The answer's shares: deals we win, deals ending without a decision, and deals we win
with a decision of high quality (MODEL.md)."""


def _plain(value: Any) -> Any:
    """JSON-ready: NumPy numbers as Python ones, NaN and infinities as None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def table_statistics(table: ReferenceTable, observed: Observation) -> pd.DataFrame:
    """Every world of `table` summarised as the pipeline is observed (its deals seen at
    their counterparts' ages): one row per world."""
    count = len(observed.strategies)
    return pd.DataFrame(
        [simulated_statistics(observed, *table.deals(w, count)) for w in range(table.worlds)]
    )


def fit_worlds(
    simulator: WorldSimulator,
    observed: dict[str, float],
    kept: int,
    table: ReferenceTable,
) -> tuple[pd.DataFrame, np.ndarray, Posterior]:
    """The posterior worlds (by scenario path, whole numbers rounded) and their weights:
    rejection with local-linear regression adjustment over `table`
    (`sim.workflow.pipeline_abc`)."""
    statistics = table_statistics(table, simulator.observed)
    posterior = regression_posterior(table.draws, statistics, observed, simulator.settings, kept)
    worlds = pd.DataFrame(
        {
            s.path: [_value(s, v) for v in posterior.draws[:, column]]
            for column, s in enumerate(simulator.settings)
        }
    )
    return worlds, posterior.weights, posterior


def effective_worlds(weights: np.ndarray) -> float:
    """Kish's effective sample size: how many equally weighted worlds `weights` are worth."""
    weights = np.asarray(weights, dtype=float)
    return float(weights.sum() ** 2 / (weights**2).sum())


def prior_width(setting: Setting) -> float:
    """The width of the prior's own 90 % interval: 90 % of the range for a continuous
    setting; for a whole number, the span between the 5 % and 95 % values of its equally
    likely values (as the posterior's quantiles are taken)."""
    if setting.integer:
        values = np.arange(setting.low, setting.high + 1, dtype=float)  # type: ignore[operator]
        low, _, high = _weighted_quantiles(values, np.ones(len(values)))
        return high - low
    return 0.9 * float(setting.high - setting.low)  # type: ignore[operator]


def posterior_table(
    settings: Sequence[Setting], worlds: pd.DataFrame, weights: np.ndarray
) -> pd.DataFrame:
    """One row per fitted setting: prior range, posterior median and 90 % interval, how much
    narrower that interval is than the prior's own (`narrowed`) and whether the pipeline
    identifies the setting at all (`identified`: narrowed by `IDENTIFIED_NARROWING` plus
    what chance allows with the weights' effective number of worlds)."""
    effective = effective_worlds(weights)
    chance = CHANCE_NARROWING / math.sqrt(effective)
    rows = []
    for s in settings:
        low, median, high = _weighted_quantiles(worlds[s.path].to_numpy(float), weights)
        narrowed = max(0.0, 1.0 - (high - low) / prior_width(s))
        rows.append(
            {
                "path": s.path,
                "label": label(s.path),
                "prior_low": s.low,
                "prior_high": s.high,
                "median": median,
                "low": low,
                "high": high,
                "narrowed": narrowed,
                "identified": effective >= JUDGED_WORLDS
                and narrowed >= IDENTIFIED_NARROWING + 2 * chance,
            }
        )
    return pd.DataFrame(rows)


def posterior_draws(
    worlds: pd.DataFrame, weights: np.ndarray, draws: int, seed: int
) -> list[DesignPoint]:
    """`draws` worlds resampled by weight from the posterior, as design points."""
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(worlds), size=draws, replace=True, p=weights / weights.sum())
    points = []
    for index, row in enumerate(picked):
        values = {k: _plain(v) for k, v in worlds.iloc[row].items()}
        points.append(DesignPoint(index, values, point_key(index, values)))
    return points


def predictive_check(
    rows: pd.DataFrame, observed_stats: dict[str, float], observation: Observation
) -> pd.DataFrame:
    """Each posterior world simulates the pipeline again (deal i with its strategy and age);
    every observed summary against the 90 % range of the simulated ones."""
    simulated = []
    for _, world in rows.groupby("point"):
        deals = world.set_index(["policy", "replication"])
        picked = deals.loc[
            list(zip(observation.strategies, range(len(observation.strategies)), strict=True))
        ]
        weeks = picked["cycle_weeks"].fillna(picked["weeks_simulated"]).to_numpy(float)
        simulated.append(
            simulated_statistics(
                observation, picked["outcome"].tolist(), weeks, picked["n_stakeholders"].tolist()
            )
        )
    table = pd.DataFrame(simulated)
    records = []
    for name, value in observed_stats.items():
        low, median, high = (float(table[name].quantile(q)) for q in INTERVAL)
        records.append(
            {
                "statistic": name,
                "label": STATISTIC_WORDS[name],
                "observed": value,
                "median": median,
                "low": low,
                "high": high,
                "inside": low <= value <= high,
            }
        )
    return pd.DataFrame(records)


def shares_per_world(rows: pd.DataFrame) -> pd.DataFrame:
    """Each strategy's shares in each posterior world, indexed by (policy, point)."""
    return rows.groupby(["policy", "point"], sort=False).agg(
        won=("outcome", lambda o: float(np.mean(o == "won"))),
        no_decision=("outcome", lambda o: float(np.mean(o == "no_decision"))),
        our_high_quality=("our_high_quality", "mean"),
    )


def strategy_answer(rows: pd.DataFrame, strategies: Sequence[str]) -> pd.DataFrame:
    """Each strategy's shares per posterior world (over the same committees), then their
    median and 90 % range across worlds: parameter uncertainty plus the committees' noise."""
    per_world = shares_per_world(rows)
    records = []
    for strategy in strategies:
        shares = per_world.loc[strategy]
        record: dict[str, Any] = {"strategy": strategy}
        for share in SHARES:
            low, median, high = (float(shares[share].quantile(q)) for q in INTERVAL)
            record |= {f"{share}_median": median, f"{share}_low": low, f"{share}_high": high}
        records.append(record)
    return pd.DataFrame(records)


def strategy_differences(rows: pd.DataFrame, strategies: Sequence[str]) -> pd.DataFrame:
    """Paired differences, one row per pair `later - earlier` (in the scenario's order):
    in each posterior world both strategies met the same committees, so the difference is
    taken world by world and its median and 90 % interval across worlds carry the parameter
    uncertainty without the committees' chance counted twice. `excludes_zero`: the interval
    lies wholly on one side of 0 (the pipeline tells the two apart)."""
    per_world = shares_per_world(rows)
    records = []
    for i, first in enumerate(strategies):
        for second in strategies[i + 1 :]:
            gap = per_world.loc[second] - per_world.loc[first]
            record: dict[str, Any] = {"pair": f"{second} - {first}"}
            for share in SHARES:
                low, median, high = (float(gap[share].quantile(q)) for q in INTERVAL)
                record |= {
                    f"{share}_median": median,
                    f"{share}_low": low,
                    f"{share}_high": high,
                    f"{share}_excludes_zero": low > 0 or high < 0,
                }
            records.append(record)
    return pd.DataFrame(records)


def with_horizon(scenario: Scenario, ages: np.ndarray) -> Scenario:
    """The scenario followed at least as long as the oldest opportunity has been."""
    horizon = min(MAX_HORIZON_WEEKS, max(scenario.horizon_weeks, math.ceil(ages.max(initial=0))))
    if horizon == scenario.horizon_weeks:
        return scenario
    return Scenario.model_validate({**scenario.model_dump(), "horizon_weeks": horizon})


def calibrate_pipeline(
    pipeline: Pipeline,
    scenario: Scenario,
    *,
    fit: Sequence[str] | None = None,
    particles: int = KEPT_WORLDS,
    budget: int = PRIOR_WORLDS,
    deals_per_world: int = 200,
    draws: int = 40,
    seed: int = 1,
    executors: Executors | None = None,
    progress: Any = None,
    reference: ReferenceTable | None = None,
) -> PipelineCalibration:
    """Fit, check and answer (module docstring). `fit` names the settings to fit (default:
    every declared world and buyer setting); the others stay as the scenario has them.
    `budget` prior worlds are simulated and the `particles` nearest kept. `reference`, a
    table an earlier calibration simulated (`.reference`), is reused when it holds exactly
    the worlds this one would simulate (same scenario, settings, seed, budget and
    strategies; a pipeline of as many opportunities or fewer): one batch of simulations
    then serves many pipelines, as a recovery study needs."""
    started = time.perf_counter()
    executors = executors or Executors()
    settings = tuple(fitted_settings(scenario, fit))
    observed_view = observation(pipeline, scenario, min(deals_per_world, MAX_DEALS_PER_WORLD))
    followed = with_horizon(scenario, pipeline.ages)
    base = as_experiment(followed)
    observed_stats = pipeline.statistics()
    if not observed_view.with_committee:
        observed_stats.pop("committee_mean", None)
    simulator = WorldSimulator(base, settings, observed_view, seed)
    table = reference
    if table is None or not table.serves(
        followed, settings, observed_view.strategies, seed, budget
    ):
        table = simulate_table(
            simulator,
            followed,
            settings,
            observed_view.strategies,
            budget,
            seed,
            executors,
            progress,
        )
    worlds, weights, posterior = fit_worlds(simulator, observed_stats, particles, table)
    parameters = posterior_table(settings, worlds, weights)
    points = posterior_draws(worlds, weights, draws, seed)
    strategies = followed.available_strategies()
    rows = evaluate(
        base,
        [Policy.strategy(s) for s in strategies],
        points,
        replications=len(observed_view.strategies),
        seed=seed,
        executors=executors,
        progress=progress,
    )
    medians = {
        r.path: _value(s, r.median) for s, r in zip(settings, parameters.itertuples(), strict=True)
    }
    calibrated = base.scenario_for(medians)
    calibrated = Scenario.model_validate(
        {
            **calibrated.model_dump(),
            "horizon_weeks": scenario.horizon_weeks,
            "description": (
                f"{scenario.name} calibrated to the pipeline {Path(pipeline.source).name} "
                f"({pipeline.size} opportunities as of {pipeline.as_of}): posterior medians"
            ),
        }
    )
    return PipelineCalibration(
        source=pipeline.source,
        base=scenario.name,
        summary=summarise(pipeline),
        observed=observed_stats,
        parameters=parameters,
        check=predictive_check(rows, observed_stats, observed_view),
        strategies=strategy_answer(rows, strategies),
        differences=strategy_differences(rows, strategies),
        scenario=calibrated,
        fit=FitDetails(
            method=METHOD,
            simulated_pipelines=table.worlds,
            kept_worlds=len(worlds),
            adjusted=posterior.adjusted,
            tolerance=posterior.tolerance,
            summaries=posterior.used,
        ),
        posterior=worlds.assign(weight=weights),
        reference=table,
        settings={
            "particles": particles,
            "budget": table.worlds,
            "deals_per_world": len(observed_view.strategies),
            "draws": draws,
            "seed": seed,
            "fitted": [s.path for s in settings],
        },
        simulations=table.worlds,
        effective_worlds=effective_worlds(weights),
        seconds=time.perf_counter() - started,
    )
