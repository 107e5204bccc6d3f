"""The experiment path: policies (our seller's levers) x design points (scenario
uncertainties) x replications, on any executor, in memory or into a results store.

    study.py        the one function that decides runs and seeds (`evaluate`, `Study`)
    design.py       design points of an experiment (grid, LHS, Sobol, Morris)
    compare.py      strategies on the same committees, summarized
    calibration.py  the facts battery and the calibration search
    robustness.py   every parameter moved one at a time, each a design point
    sweep.py        an experiment into a resumable results folder
    results.py      a results folder for Python: tables, SQL, replays
    replay.py       one stored run rebuilt from its results folder
    export.py       stored results as one Parquet or CSV file
    territory.py    one seller across many accounts (not a study: the accounts share the
                    seller's hours, so they are one run, not replications)
"""

from sim.workflow.study import AS_WRITTEN, Policy, Study, evaluate, replication_seed

__all__ = ["AS_WRITTEN", "Policy", "Study", "evaluate", "replication_seed"]
