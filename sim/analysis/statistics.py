"""Interval estimates used across the analysis layer, from scipy and lifelines.

- rates: percentile bootstrap intervals (scipy.stats.bootstrap, fixed seed so reports are
  reproducible); when every deal has the same value the bootstrap collapses to a point, so
  the Wilson score interval (scipy's `binomtest(...).proportion_ci`) is used instead;
- paired effects on common random numbers: bootstrap over replications of the risk
  difference and the relative risk;
- means: Student t intervals;
- time to decision: Kaplan-Meier with deals still open at the horizon right-censored
  (lifelines), so an open deal is never counted as closed at the horizon;
- paired differences of non-binary metrics: the t interval of per-replication differences.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

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


BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240601


def _bootstrap(
    data: tuple[np.ndarray, ...], statistic: Any, paired: bool = False
) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate resamples (e.g. 0/0 in a ratio) are NaN
        result = stats.bootstrap(
            data,
            statistic,
            paired=paired,
            vectorized=True,
            n_resamples=BOOTSTRAP_RESAMPLES,
            method="percentile",
            rng=np.random.default_rng(BOOTSTRAP_SEED),
        )
    interval = result.confidence_interval
    return float(interval.low), float(interval.high)


def rate(indicator: np.ndarray) -> Estimate:
    """Share of deals where `indicator` holds, with a 95% bootstrap interval."""
    values = np.asarray(indicator, dtype=float)
    if len(values) == 0:
        return NAN
    if np.all(values == values[0]):
        return proportion(int(values.sum()), len(values))
    low, high = _bootstrap((values,), lambda x, axis: x.mean(axis=axis))
    return Estimate(float(values.mean()), low, high)


def _relative_risk_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Paired percentile bootstrap of mean(a) / mean(b). Resamples whose reference rate is
    zero have no ratio and are left out (scipy's bootstrap cannot skip them)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(len(a), size=(BOOTSTRAP_RESAMPLES, len(a)))
    reference = b[picks].mean(axis=1)
    usable = reference > 0
    if not usable.any():
        return math.nan, math.nan
    ratios = a[picks][usable].mean(axis=1) / reference[usable]
    return float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))


def paired_rate_effects(treatment: np.ndarray, reference: np.ndarray) -> tuple[Estimate, Estimate]:
    """Risk difference and relative risk of a treatment against a reference on the same
    committees, each with a paired 95% bootstrap interval over replications."""
    a = np.asarray(treatment, dtype=float)
    b = np.asarray(reference, dtype=float)
    if len(a) == 0:
        return NAN, NAN
    difference = float(a.mean() - b.mean())
    if np.all(a - b == (a - b)[0]):
        rd = Estimate(difference, difference, difference)
    else:
        rd = Estimate(
            difference,
            *_bootstrap(
                (a, b), lambda x, y, axis: x.mean(axis=axis) - y.mean(axis=axis), paired=True
            ),
        )
    if b.mean() == 0:
        rr = NAN
    elif np.all(a == a[0]) and np.all(b == b[0]):
        value = float(a.mean() / b.mean())
        rr = Estimate(value, value, value)
    else:
        rr = Estimate(float(a.mean() / b.mean()), *_relative_risk_interval(a, b))
    return rd, rr


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
