"""Scenario discovery as a study: when does each strategy win?

The declared uncertainties (`sim.config.uncertainties`) are sampled by a Latin hypercube
over their plausible ranges; at each sampled world every policy runs on the same
committees (replication r of every policy uses seed + r); then PRIM finds where each
policy leads in deals won, and feature scoring says what drives the difference
(`sim.analysis.discovery`). A second, smaller Latin hypercube of fresh worlds, run on fresh
committees (seeds after the discovery sample's), checks every box out of sample.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.analysis.discovery import NEITHER, Findings, Leads, discover_boxes, paired_leads
from sim.config.experiment import Design, Experiment, LoadedExperiment, Parameter
from sim.config.loading import ConfigError
from sim.config.scenario import Scenario
from sim.config.uncertainties import UNCERTAINTIES, Setting, for_scenario
from sim.runner import Executors
from sim.workflow.design import design_points
from sim.workflow.study import PolicySpec, Progress, as_policies, evaluate

DEFAULT_POLICIES = ("funnel_pusher", "maze_guide")
DEFAULT_SAMPLES = 300
DEFAULT_REPLICATIONS = 30
DEFAULT_THRESHOLD = 0.05
HOLD_OUT_SHARE = 0.25
"""Fresh worlds for the hold-out check, as a share of the discovery sample."""
MIN_HOLD_OUT = 20


@dataclass(frozen=True)
class Discovery:
    """What `discover` found: the sampled worlds, each policy's lead there, the boxes (each
    checked on fresh worlds and committees), the feature scores and the noise check."""

    scenario: Scenario
    policies: list[str]
    uncertainties: list[Setting]
    samples: int
    replications: int
    seed: int
    threshold: float
    worlds: pd.DataFrame
    """One row per sampled world: the uncertainties' values."""
    findings: Findings
    hold_out_worlds: pd.DataFrame
    hold_out_leads: Leads
    runs: int
    seconds: float
    left_out: list[str] = field(default_factory=list)
    """Declared uncertainties this scenario cannot take (with the reason)."""

    @property
    def boxes(self) -> list[Any]:
        return self.findings.boxes

    @property
    def warning(self) -> str | None:
        return self.findings.noise.warning(self.threshold)

    def samples_table(self) -> pd.DataFrame:
        """One row per world: its settings, each policy's win rate and lead, the winner."""
        leads = self.findings.leads
        rates = leads.win_rates.add_prefix("won_")
        lead = leads.leads.add_prefix("lead_")
        table = pd.concat([self.worlds, rates, lead], axis=1)
        return table.assign(winner=leads.winner)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the settings, the boxes (policy, limits, coverage, density, mass, lead
        with its interval, the hold-out check), feature scores, noise and overall leads."""
        findings = self.findings
        winners = findings.leads.winner.value_counts(normalize=True)
        return {
            "scenario": self.scenario.name,
            "policies": self.policies,
            "samples": self.samples,
            "replications": self.replications,
            "hold_out_samples": len(self.hold_out_worlds),
            "seed": self.seed,
            "threshold": self.threshold,
            "metric": "deals won by our seller; lead = win rate minus the best other policy's "
            "on the same committees",
            "uncertainties": [
                {
                    "path": s.path,
                    "range": s.parameter(),
                    "basis": s.basis,
                    "reason": s.reason,
                }
                for s in self.uncertainties
            ],
            "left_out": self.left_out,
            "boxes": [b.to_dict() for b in self.boxes],
            "winners": {k: float(v) for k, v in winners.items()},
            "overall_lead": {p: i.to_dict() for p, i in findings.overall.items()},
            "feature_scores": {
                column: findings.scores[column].to_dict() for column in findings.scores
            },
            "noise": findings.noise.to_dict(),
            "warning": self.warning,
            "runs": self.runs,
            "seconds": self.seconds,
        }


def declared_uncertainties(scenario: Scenario) -> tuple[list[Setting], list[str]]:
    """The registry's uncertainties for `scenario` (vendors filled in), and those left out
    because the scenario cannot take their range (e.g. a committee given member by member)."""
    base = scenario_base(scenario)
    settings = for_scenario(UNCERTAINTIES, scenario.our_vendor, list(scenario.options.vendors))
    kept, left_out = [], []
    for setting in settings:
        ends = setting.values if setting.values is not None else (setting.low, setting.high)
        try:
            for value in ends:
                base.scenario_for({setting.path: round(value) if setting.integer else value})
        except ConfigError as error:
            left_out.append(f"{setting.path}: {error.problems[0]}")
            continue
        kept.append(setting)
    return kept, left_out


def scenario_base(scenario: Scenario, design: Experiment | None = None) -> LoadedExperiment:
    return LoadedExperiment(
        design or Experiment(name="discover"), scenario.model_dump(mode="json"), scenario.name
    )


def world_sample(
    scenario: Scenario, settings: list[Setting], samples: int, sampler_seed: int
) -> tuple[LoadedExperiment, list[Any], pd.DataFrame]:
    """A Latin hypercube of `samples` worlds over `settings`: the experiment, its design
    points and one row of values per world (whole numbers as integers)."""
    experiment = Experiment(
        name="discover",
        parameters={s.path: Parameter(**s.parameter()) for s in settings},
        design=Design(kind="lhs", samples=samples, seed=sampler_seed),
    )
    points = design_points(experiment)
    worlds = pd.DataFrame([p.values for p in points], columns=[s.path for s in settings])
    for setting in settings:
        if setting.integer:
            worlds[setting.path] = worlds[setting.path].astype("int64")
        elif setting.values is None:
            worlds[setting.path] = worlds[setting.path].astype("float64")
    return scenario_base(scenario, experiment), points, worlds


def discover(
    scenario: Scenario,
    policies: Sequence[PolicySpec] | Mapping[str, Mapping[str, Any]] = DEFAULT_POLICIES,
    samples: int = DEFAULT_SAMPLES,
    replications: int = DEFAULT_REPLICATIONS,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = 1,
    executors: Executors | None = None,
    progress: Progress | None = None,
) -> Discovery:
    """Sample the declared uncertainties, run every policy on the same committees in each
    world, and find where each policy leads our deals won by at least `threshold`."""
    chosen = as_policies(policies)
    names = [p.name for p in chosen]
    if len(names) < 2:
        raise ConfigError("--policies", ["give at least two policies to compare"])
    if not 0 < threshold < 1:
        raise ConfigError("--threshold", [f"must be between 0 and 1, got {threshold}"])
    started = time.perf_counter()
    settings, left_out = declared_uncertainties(scenario)
    hold_out = max(MIN_HOLD_OUT, round(samples * HOLD_OUT_SHARE))
    total = (samples + hold_out) * replications * len(chosen)
    phases = [
        (samples, seed, seed),  # worlds, sampler seed, root seed of the committees
        (hold_out, seed + 1, seed + replications),  # fresh worlds, fresh committees
    ]
    results = []
    offset = 0
    for count, sampler_seed, root_seed in phases:
        base, points, worlds = world_sample(scenario, settings, count, sampler_seed)

        def report(done: int, _total: int, failed: int, offset: int = offset) -> None:
            if progress:
                progress(offset + done, total, failed)

        deals = evaluate(
            base,
            chosen,
            points,
            replications,
            seed=root_seed,
            executors=executors,
            progress=report,
        )
        offset += count * replications * len(chosen)
        results.append((worlds, paired_leads(deals, names, threshold)))
    (worlds, leads), (fresh_worlds, fresh_leads) = results
    findings = discover_boxes(worlds, leads, replications, (fresh_worlds, fresh_leads), seed)
    return Discovery(
        scenario,
        names,
        settings,
        samples,
        replications,
        seed,
        threshold,
        worlds,
        findings,
        fresh_worlds,
        fresh_leads,
        total,
        time.perf_counter() - started,
        left_out,
    )


__all__ = ["NEITHER", "Discovery", "declared_uncertainties", "discover"]
