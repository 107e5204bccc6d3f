"""Replaying one stored run: the scenario of its design point and its seed, rebuilt from the
results folder's manifest alone, so `b2bsim run --from` gives the identical deal."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sim.config.experiment import Experiment, LoadedExperiment
from sim.config.scenario import Scenario
from sim.store import ResultsStore, StoreError
from sim.workflow.study import replication_seed


@dataclass(frozen=True)
class StoredRun:
    """Where a stored run came from: its design point, replication, seed and scenario."""

    experiment: str
    point: int
    values: dict[str, Any]
    replication: int
    seed: int
    scenario: Scenario

    def title(self) -> str:
        values = ", ".join(f"{k}={v}" for k, v in self.values.items()) or "no parameters"
        return (
            f"{self.experiment}: design point {self.point} ({values}), "
            f"replication {self.replication}"
        )


def stored_run(store: ResultsStore, point: int, replication: int) -> StoredRun:
    """The run (`point`, `replication`) of a results folder, ready to simulate again."""
    manifest = store.manifest
    design = manifest["design"]
    replications = manifest["experiment"]["replications"]
    if not 0 <= point < len(design):
        raise StoreError(f"--point: {store.root} has design points 0 to {len(design) - 1}")
    if not 0 <= replication < replications:
        raise StoreError(f"--replication: {store.root} has replications 0 to {replications - 1}")
    experiment = Experiment.model_validate(manifest["experiment"])
    values = design[point]["values"]
    loaded = LoadedExperiment(experiment, manifest["base_scenario"], str(store.root))
    scenario = loaded.scenario_for(values)
    seed = replication_seed(manifest["root_seed"], replication)
    run = StoredRun(experiment.name, point, values, replication, seed, scenario)
    # The base file's description speaks of the base, not of this point's settings.
    return replace(run, scenario=scenario.model_copy(update={"description": run.title()}))


def stored_row(store: ResultsStore, point: int, replication: int) -> dict[str, Any] | None:
    """The stored metrics row of that run, or None while it is not stored."""
    found = store.query(
        f"SELECT * FROM deals WHERE point_index = {int(point)} AND replication = {int(replication)}"
    )
    return None if found.empty else found.iloc[0].to_dict()
