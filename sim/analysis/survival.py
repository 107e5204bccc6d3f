"""Cycle time as a competing-risks, right-censored outcome (lifelines).

A deal ends in one of three ways (won, lost, no decision) or is still open at the horizon:
open deals are right-censored at the week they were last seen, never counted as closed.

- cumulative incidence of each ending over weeks: Aalen-Johansen;
- time to any decision: Kaplan-Meier, with its median and 95% interval.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from sim.analysis.statistics import Estimate, median_time_to_decision

ENDINGS = {"won": 1, "lost": 2, "no_decision": 3}
"""Competing events, coded for lifelines (0 = censored, still open)."""

JITTER_SEED = 7
"""lifelines' Aalen-Johansen breaks tied times with a tiny random jitter; fixed for
reproducible reports."""


def event_codes(outcomes: pd.Series) -> np.ndarray:
    return outcomes.map(ENDINGS).fillna(0).astype(int).to_numpy()


def cumulative_incidence(deals: pd.DataFrame) -> pd.DataFrame:
    """Long table: week, ending, incidence, low, high (95%), for every ending.

    `deals` needs `weeks_simulated` and `outcome`."""
    from lifelines import AalenJohansenFitter

    durations = deals["weeks_simulated"].to_numpy(dtype=float)
    codes = event_codes(deals["outcome"])
    frames = []
    for ending, code in ENDINGS.items():
        if not (codes == code).any():
            weeks = np.array([0.0, durations.max(initial=0.0)])
            frames.append(
                pd.DataFrame(
                    {"week": weeks, "ending": ending, "incidence": 0.0, "low": 0.0, "high": 0.0}
                )
            )
            continue
        fitter = AalenJohansenFitter(calculate_variance=True, seed=JITTER_SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tie-jitter notice
            fitter.fit(durations, codes, event_of_interest=code)
        curve = fitter.cumulative_density_.iloc[:, 0]
        interval = fitter.confidence_interval_cumulative_density_
        frames.append(
            pd.DataFrame(
                {
                    "week": curve.index.to_numpy(dtype=float),
                    "ending": ending,
                    "incidence": curve.to_numpy(),
                    "low": interval.iloc[:, 0].to_numpy(),
                    "high": interval.iloc[:, 1].to_numpy(),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    for column in ("low", "high"):  # lifelines leaves the interval empty before any event
        table[column] = table[column].fillna(table["incidence"])
    return table


def time_to_decision(deals: pd.DataFrame) -> Estimate:
    """Kaplan-Meier median weeks to any decision, open deals censored."""
    return median_time_to_decision(
        deals["weeks_simulated"].to_numpy(), (deals["outcome"] != "open").to_numpy()
    )
