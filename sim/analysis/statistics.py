"""Interval estimates used across the analysis layer, from scipy and lifelines.

- proportions: Wilson score intervals (scipy's `binomtest(...).proportion_ci`), sound at
  rates near 0 or 1 and at small n;
- means: Student t intervals;
- time to decision: Kaplan-Meier with deals still open at the horizon right-censored
  (lifelines), so an open deal is never counted as closed at the horizon;
- paired differences on common random numbers: the t interval of per-replication
  differences.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its 95% interval (NaN bounds when undefined)."""

    value: float
    low: float
    high: float

    def as_dict(self, prefix: str) -> dict[str, float]:
        return {prefix: self.value, f"{prefix}_low": self.low, f"{prefix}_high": self.high}


NAN = Estimate(math.nan, math.nan, math.nan)


def proportion(successes: int, trials: int) -> Estimate:
    """Share of successes with a Wilson score 95% interval."""
    if trials == 0:
        return NAN
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(0.95, method="wilson")
    return Estimate(successes / trials, float(interval.low), float(interval.high))


def mean(values: np.ndarray) -> Estimate:
    """Mean with a Student t 95% interval."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return NAN
    centre = float(values.mean())
    if len(values) < 2 or np.all(values == values[0]):
        return Estimate(centre, centre, centre)
    half = float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
    return Estimate(centre, centre - half, centre + half)


def paired_difference(treatment: np.ndarray, reference: np.ndarray) -> Estimate:
    """Mean of per-replication differences (treatment - reference) with a t interval."""
    return mean(np.asarray(treatment, dtype=float) - np.asarray(reference, dtype=float))


def median_time_to_decision(durations: np.ndarray, decided: np.ndarray) -> Estimate:
    """Kaplan-Meier median weeks to a decision, open deals censored at their last week.
    `inf` when fewer than half the deals are decided within the horizon."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    durations = np.asarray(durations, dtype=float)
    decided = np.asarray(decided, dtype=bool)
    if len(durations) == 0:
        return NAN
    fitter = KaplanMeierFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(durations, event_observed=decided)
        interval = median_survival_times(fitter.confidence_interval_)
    low, high = (float(v) for v in np.asarray(interval).ravel()[:2])
    return Estimate(float(fitter.median_survival_time_), low, high)
