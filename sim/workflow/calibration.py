"""The facts battery and the calibration search, as studies.

`run_battery` simulates a scenario with our seller as a funnel-pusher and as a maze-guide on
the same committees (two policies) and returns the rows the facts are computed from.
`calibrate` runs the battery at every candidate parameter set of a calibration experiment
(design points: a Latin hypercube over the free parameters, experiments/calibration.yaml)
and ranks the candidates by how far their facts fall outside the published tolerances. The
chosen values are then written into the scenario defaults by hand, with the command that
found them recorded in docs/calibration.md, so anyone can re-run the search and check it.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.facts import GUIDE, REFERENCE_SELLER, FactData, fact_table, misfit, off_centre
from sim.config.experiment import LoadedExperiment
from sim.config.scenario import Scenario
from sim.runner import Executors
from sim.workflow.design import design_points
from sim.workflow.study import Progress, evaluate, strategy_policies

BATTERY = strategy_policies([REFERENCE_SELLER, GUIDE])


def battery_data(rows: pd.DataFrame) -> FactData:
    return FactData(
        pusher=rows[rows["policy"] == REFERENCE_SELLER].reset_index(drop=True),
        guide=rows[rows["policy"] == GUIDE].reset_index(drop=True),
    )


def run_battery(
    scenario: Scenario,
    replications: int,
    seed: int = 1,
    executors: Executors | None = None,
    progress: Progress | None = None,
) -> FactData:
    rows = evaluate(
        scenario,
        BATTERY,
        replications=replications,
        seed=seed,
        executors=executors,
        progress=progress,
        batch_size=25,
    )
    return battery_data(rows)


def calibrate(
    loaded: LoadedExperiment,
    executors: Executors | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """One row per candidate: its parameter values, every fact's value, the misfit and the
    off-centre tie-break, best first. Replication r of every candidate meets the same
    committee."""
    experiment = loaded.experiment
    points = design_points(experiment)
    rows = evaluate(
        loaded,
        BATTERY,
        points,
        experiment.replications,
        seed=experiment.seed,
        executors=executors,
        progress=progress,
        batch_size=25,
    )
    records = []
    for point in points:
        table = fact_table(battery_data(rows[rows["point"] == point.index]))
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
