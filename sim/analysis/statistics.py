"""Interval estimates used across the analysis layer, from scipy and lifelines.

- rates: percentile bootstrap intervals (`bootstrap_interval`, the one bootstrap of the
  package: fixed seed so reports are reproducible); when every deal has the same value the
  bootstrap collapses to a point, so the Wilson score interval (scipy's
  `binomtest(...).proportion_ci`) is used instead;
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
from collections.abc import Callable, Sequence
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


BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240601


def bootstrap_interval(
    samples: Sequence[np.ndarray], statistic: Callable[..., float], paired: bool = True
) -> tuple[float, float]:
    """Percentile 95% bootstrap interval of `statistic(*samples)`, from a fixed seed so
    reports are reproducible. Paired samples are resampled together (same picks, e.g. the
    same replications); resamples where the statistic is undefined (NaN, e.g. a ratio over
    a zero) are left out."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    arrays = [np.asarray(s, dtype=float) for s in samples]
    values = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(BOOTSTRAP_RESAMPLES):
            if paired:
                picks = rng.integers(len(arrays[0]), size=len(arrays[0]))
                drawn = [a[picks] for a in arrays]
            else:
                drawn = [a[rng.integers(len(a), size=len(a))] for a in arrays]
            value = statistic(*drawn)
            if not math.isnan(value):
                values.append(value)
    if not values:
        return math.nan, math.nan
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def rate(indicator: np.ndarray) -> Estimate:
    """Share of deals where `indicator` holds, with a 95% bootstrap interval."""
    values = np.asarray(indicator, dtype=float)
    if len(values) == 0:
        return NAN
    if np.all(values == values[0]):
        return proportion(int(values.sum()), len(values))
    return Estimate(float(values.mean()), *bootstrap_interval([values], np.mean))


def _ratio_of_means(a: np.ndarray, b: np.ndarray) -> float:
    reference = b.mean()
    return float(a.mean() / reference) if reference > 0 else math.nan


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
        rd = Estimate(difference, *bootstrap_interval([a, b], lambda x, y: x.mean() - y.mean()))
    if b.mean() == 0:
        rr = NAN
    elif np.all(a == a[0]) and np.all(b == b[0]):
        value = float(a.mean() / b.mean())
        rr = Estimate(value, value, value)
    else:
        rr = Estimate(float(a.mean() / b.mean()), *bootstrap_interval([a, b], _ratio_of_means))
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
