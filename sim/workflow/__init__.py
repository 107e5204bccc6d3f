"""The experiment path: policies (our seller's levers) x design points (scenario
uncertainties) x replications, on any executor, in memory or into a results store.

    study.py        the one function that decides runs and seeds (`evaluate`, `Study`)
    design.py       design points of an experiment (grid, LHS, Sobol, Morris)
    compare.py      strategies on the same committees, summarized
    calibration.py  the facts battery and the calibration search
    sweep.py        an experiment into a resumable results folder
    replay.py       one stored run rebuilt from its results folder
    territory.py    one seller across many accounts
"""

from sim.workflow.study import AS_WRITTEN, Policy, Study, evaluate, replication_seed

__all__ = ["AS_WRITTEN", "Policy", "Study", "evaluate", "replication_seed"]
