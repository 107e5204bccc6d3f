"""The fit's inference on its own (`sim.workflow.pipeline_abc`), on toy models whose answer
is known: no deal is simulated, so these run in a second. The model-based recovery tests
are in tests/test_pipeline_fit.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.uncertainties import Setting
from sim.workflow.pipeline_abc import (
    from_logit,
    prior_draws,
    regression_posterior,
    summary_scales,
    to_logit,
)

SETTINGS = (
    Setting("toy.informed", "judgement", "a summary measures it", 0.0, 1.0),
    Setting("toy.ignored", "judgement", "no summary depends on it", 2.0, 5.0),
)
NOISE = 0.05


def toy_summaries(draws: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Two summaries of the first setting, with noise; one pure-noise summary; none of the
    second setting."""
    informed = draws[:, 0]
    return pd.DataFrame(
        {
            "level": informed + rng.normal(0, NOISE, len(draws)),
            "square": informed**2 + rng.normal(0, NOISE, len(draws)),
            "noise": rng.normal(0, 1, len(draws)),
        }
    )


def interval(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    low, high = (
        float(np.quantile(values, q, weights=weights, method="inverted_cdf")) for q in (0.05, 0.95)
    )
    return low, high


def test_the_adjusted_intervals_hold_ninety_percent_over_the_prior() -> None:
    """Truths drawn from the prior, each observed with noise and fitted from one reference
    table: over 300 truths the 90 % intervals of both settings must cover about 90 % (an
    interval too narrow, as with collapsed weights, covers far less; one as wide as the prior
    covers every time, so the informed setting's must also be much narrower than the prior).
    With exact intervals, fewer than 250 of 300 covered has probability below 0.1 %."""
    rng = np.random.default_rng(7)
    draws = prior_draws(SETTINGS, 4000, seed=3)
    table = toy_summaries(draws, rng)
    truths = prior_draws(SETTINGS, 300, seed=11)
    observed = toy_summaries(truths, rng)
    covered = np.zeros(2, dtype=int)
    widths = []
    for truth, row in zip(truths, observed.to_dict(orient="records"), strict=True):
        posterior = regression_posterior(draws, table, row, SETTINGS, kept=400)
        assert posterior.adjusted
        for column in range(2):
            low, high = interval(posterior.draws[:, column], posterior.weights)
            covered[column] += low <= truth[column] <= high
        widths.append(np.subtract(*interval(posterior.draws[:, 0], posterior.weights)[::-1]))
    assert all(250 <= c <= 296 for c in covered), covered
    assert np.median(widths) < 0.5 * 0.9  # the informed setting: far narrower than its prior


def test_few_kept_worlds_per_summary_do_not_shrink_the_intervals() -> None:
    """Nine summaries, seven of them noise, and only ten kept worlds per regression term
    (the fewest the adjustment is made with): slopes fitted to noise must not shrink the
    intervals below 90 % coverage (fewer than 250 of 300 has probability below 0.1 % for
    exact intervals)."""
    rng = np.random.default_rng(9)

    def summaries(draws: np.ndarray) -> pd.DataFrame:
        frame = toy_summaries(draws, rng)
        noise = {f"noise{i}": rng.normal(0, 1, len(draws)) for i in range(6)}
        return frame.assign(**noise)

    draws = prior_draws(SETTINGS, 1000, seed=6)
    table = summaries(draws)
    truths = prior_draws(SETTINGS, 300, seed=12)
    covered = np.zeros(2, dtype=int)
    for truth, row in zip(truths, summaries(truths).to_dict(orient="records"), strict=True):
        posterior = regression_posterior(draws, table, row, SETTINGS, kept=100)
        assert posterior.adjusted
        for column in range(2):
            low, high = interval(posterior.draws[:, column], posterior.weights)
            covered[column] += low <= truth[column] <= high
    assert all(250 <= c <= 296 for c in covered), covered


def test_without_adjustment_a_wide_tolerance_leaves_the_interval_wide() -> None:
    """The regression is what narrows the posterior when the kept worlds reach far: with
    the same kept worlds, the adjusted interval is narrower than the rejection one."""
    rng = np.random.default_rng(1)
    draws = prior_draws(SETTINGS, 2000, seed=5)
    table = toy_summaries(draws, rng)
    observed = {"level": 0.4, "square": 0.16, "noise": 0.0}
    adjusted = regression_posterior(draws, table, observed, SETTINGS, kept=600)
    rejected = regression_posterior(draws, table, observed, SETTINGS, kept=6)
    assert adjusted.adjusted and not rejected.adjusted  # too few worlds to regress on
    chosen = np.argsort(
        np.sqrt(
            (((table - pd.Series(observed)) / summary_scales(table)) ** 2).sum(axis=1)
        ).to_numpy(),
        kind="stable",
    )[:600]
    plain = interval(draws[chosen, 0], np.ones(600))
    narrow = interval(adjusted.draws[:, 0], adjusted.weights)
    assert narrow[1] - narrow[0] < 0.5 * (plain[1] - plain[0])
    assert narrow[0] <= 0.4 <= narrow[1]


def test_adjusted_values_stay_inside_the_plausible_range() -> None:
    """Adjusting on the logit scale keeps every world inside its prior range, even for an
    observation at the range's edge."""
    rng = np.random.default_rng(2)
    draws = prior_draws(SETTINGS, 1500, seed=8)
    table = toy_summaries(draws, rng)
    posterior = regression_posterior(
        draws, table, {"level": 1.0, "square": 1.0, "noise": 0.0}, SETTINGS, kept=300
    )
    for column, setting in enumerate(SETTINGS):
        assert np.all(posterior.draws[:, column] > setting.low)
        assert np.all(posterior.draws[:, column] < setting.high)


def test_a_summary_that_never_varies_is_left_out() -> None:
    rng = np.random.default_rng(3)
    draws = prior_draws(SETTINGS, 500, seed=2)
    table = toy_summaries(draws, rng).assign(constant=4.0)
    observed = {"level": 0.5, "square": 0.25, "noise": 0.0, "constant": 4.0}
    posterior = regression_posterior(draws, table, observed, SETTINGS, kept=100)
    assert "constant" not in posterior.used and "level" in posterior.used
    assert np.isfinite(posterior.draws).all()


def test_logit_scale_round_trips_and_whole_numbers_span_their_halves() -> None:
    size = Setting("committee.size", "published", "Gartner: 6-10", 5, 10, integer=True)
    draws = prior_draws((size,), 20_000, seed=1)
    assert draws.min() >= 4.5 and draws.max() <= 10.5
    rounded = np.round(draws[:, 0])
    assert set(rounded) == {5, 6, 7, 8, 9, 10}
    assert np.bincount(rounded.astype(int))[5:].min() > 20_000 / 6 * 0.9
    back = from_logit(to_logit(draws, (size,)), (size,))
    assert back == pytest.approx(draws)


def test_prior_draws_are_the_same_for_the_same_seed() -> None:
    assert np.array_equal(prior_draws(SETTINGS, 50, seed=4), prior_draws(SETTINGS, 50, seed=4))
    assert not np.array_equal(prior_draws(SETTINGS, 50, seed=4), prior_draws(SETTINGS, 50, seed=5))
