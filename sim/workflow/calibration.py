"""The facts battery and the calibration search.

`run_battery` simulates a scenario with our seller as a funnel-pusher and as a maze-guide on
the same committees and returns the rows the facts are computed from. `calibrate` runs the
battery for every candidate parameter set of a calibration experiment (a Latin hypercube
over the free parameters, experiments/calibration.yaml) and ranks the candidates by how far
their facts fall outside the published tolerances. The chosen values are then written into
the scenario defaults by hand, with the command that found them recorded in
docs/calibration.md, so anyone can re-run the search and check the choice.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sim.analysis.compare import attach_replications, comparison_tasks
from sim.analysis.facts import (
    GUIDE,
    REFERENCE_SELLER,
    FactData,
    fact_table,
    misfit,
    off_centre,
)
from sim.config.experiment import LoadedExperiment
from sim.config.scenario import Scenario
from sim.experiment import design_points
from sim.runner import run_deals

BATTERY = (REFERENCE_SELLER, GUIDE)


def battery_data(rows: pd.DataFrame) -> FactData:
    return FactData(
        pusher=rows[rows["treatment"] == REFERENCE_SELLER].reset_index(drop=True),
        guide=rows[rows["treatment"] == GUIDE].reset_index(drop=True),
    )


def run_battery(
    scenario: Scenario,
    replications: int,
    seed: int = 1,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> FactData:
    treatments = {s: scenario.with_strategy(s) for s in BATTERY}
    tasks = comparison_tasks(list(BATTERY), replications, seed)
    rows = run_deals(treatments, tasks, workers=workers, on_progress=on_progress)
    return battery_data(attach_replications(rows, seed))


def calibrate(
    loaded: LoadedExperiment,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """One row per candidate: its parameter values, every fact's value, the misfit and the
    off-centre tie-break, best first. All candidates' runs go through one pool (replication
    r of every candidate meets the same committee)."""
    experiment = loaded.experiment
    points = design_points(experiment)
    treatments: dict[str, Scenario] = {}
    tasks: list[tuple[str, int]] = []
    for point in points:
        scenario = loaded.scenario_for(point.values)
        for strategy in BATTERY:
            key = f"{point.index}:{strategy}"
            treatments[key] = scenario.with_strategy(strategy)
    for r in range(experiment.replications):
        for point in points:
            for strategy in BATTERY:
                tasks.append((f"{point.index}:{strategy}", experiment.seed + r))
    rows = attach_replications(
        run_deals(treatments, tasks, workers=workers, on_progress=on_progress), experiment.seed
    )
    split = rows["treatment"].str.split(":", expand=True)
    rows["candidate"], rows["treatment"] = split[0].astype(int), split[1]
    records = []
    for point in points:
        table = fact_table(battery_data(rows[rows["candidate"] == point.index]))
        record = {
            "candidate": point.index,
            **point.values,
            "misfit": misfit(table),
            "off_centre": off_centre(table),
        }
        record.update({f"{r.id}": r.value for r in table.itertuples()})
        records.append(record)
    ranked = pd.DataFrame.from_records(records)
    return ranked.sort_values(["misfit", "off_centre"], ignore_index=True)
