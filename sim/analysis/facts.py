"""The stylized facts of B2B buying (docs/calibration.md) and the model's value for each.

The battery runs one scenario twice on the same committees: our seller as a funnel-pusher
(the facts' reference seller) and as a maze-guide (for F11). Each fact is a function of the
per-deal rows, defined here once and documented in docs/ODD.md; every value comes with a
95% bootstrap interval over deals (or over replications when paired).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.statistics import (
    Estimate,
    bootstrap_interval,
    mean,
    paired_rate_effects,
    rate,
)

REFERENCE_SELLER = "funnel_pusher"
GUIDE = "maze_guide"


@dataclass(frozen=True)
class FactData:
    """Deals of the same committees with our seller as a pusher and as a guide."""

    pusher: pd.DataFrame
    guide: pd.DataFrame


def _estimate(
    samples: list[np.ndarray], statistic: Callable[..., float], paired: bool = True
) -> Estimate:
    if any(len(s) == 0 for s in samples):
        return Estimate(math.nan, math.nan, math.nan)
    return Estimate(statistic(*samples), *bootstrap_interval(samples, statistic, paired))


def pooled_share(part: np.ndarray, whole: np.ndarray) -> Estimate:
    """Sum of a part of the buying hours over the sum of all buying hours, over deals."""
    return _estimate(
        [np.asarray(part, float), np.asarray(whole, float)],
        lambda a, b: float(a.sum() / b.sum()) if b.sum() > 0 else math.nan,
    )


def median_weeks(weeks: np.ndarray) -> Estimate:
    return _estimate([np.asarray(weeks, float)], lambda w: float(np.median(w)))


def rate_ratio(numerator: np.ndarray, denominator: np.ndarray) -> Estimate:
    """Ratio of two independent rates."""
    return _estimate(
        [np.asarray(numerator, float), np.asarray(denominator, float)],
        lambda a, b: float(a.mean() / b.mean()) if b.mean() > 0 else math.nan,
        paired=False,
    )


# ---- the facts --------------------------------------------------------------------------


def f1_loop_back(d: FactData) -> Estimate:
    return rate(d.pusher["any_loopback"].astype(bool).to_numpy())


def f2_time_with_sellers(d: FactData) -> Estimate:
    p = d.pusher
    return pooled_share(p["share_with_sellers"] * p["buying_hours"], p["buying_hours"])


def f3_independent_research(d: FactData) -> Estimate:
    p = d.pusher
    return pooled_share(p["share_seeking_alone"] * p["buying_hours"], p["buying_hours"])


def f2_time_with_sellers_guide(d: FactData) -> Estimate:
    return f2_time_with_sellers(FactData(pusher=d.guide, guide=d.guide))


def f4_committee_size(d: FactData) -> Estimate:
    return mean(d.pusher["n_stakeholders"].to_numpy())


def f5_no_decision(d: FactData) -> Estimate:
    return rate((d.pusher["outcome"] == "no_decision").to_numpy())


def f6_indecision_share(d: FactData) -> Estimate:
    no_decision = d.pusher[d.pusher["outcome"] == "no_decision"]
    return rate((no_decision["no_decision_cause"] == "stalled").to_numpy())


def f7_win_rate(d: FactData) -> Estimate:
    return rate((d.pusher["outcome"] == "won").to_numpy())


def f8_high_quality(d: FactData) -> Estimate:
    return rate(d.pusher["high_quality"].astype(bool).to_numpy())


def f9_regret(d: FactData) -> Estimate:
    purchases = d.pusher[d.pusher["outcome"].isin(["won", "lost"])]
    return rate(purchases["regret"].astype(bool).to_numpy())


def f10_cycle_time(d: FactData) -> Estimate:
    decided = d.pusher[d.pusher["outcome"] != "open"]
    return median_weeks(decided["cycle_weeks"].to_numpy())


def f11_sense_making(d: FactData) -> Estimate:
    guide = d.guide.set_index("replication").sort_index()
    pusher = d.pusher.set_index("replication").sort_index()
    common = guide.index.intersection(pusher.index)
    _, relative = paired_rate_effects(
        guide.loc[common, "our_high_quality"].astype(float).to_numpy(),
        pusher.loc[common, "our_high_quality"].astype(float).to_numpy(),
    )
    return relative


def f12_consensus(d: FactData) -> Estimate:
    purchases = d.pusher[d.pusher["outcome"].isin(["won", "lost"])]
    consensus = purchases["consensus"].astype(bool)
    quality = purchases["high_quality"].astype(float)
    return rate_ratio(quality[consensus].to_numpy(), quality[~consensus].to_numpy())


@dataclass(frozen=True)
class Fact:
    id: str
    pattern: str
    published: str
    source: str
    tolerance: tuple[float, float] | None
    unit: str  # share | weeks | people | ratio
    measure: Callable[[FactData], Estimate]
    definition: str
    fitted: bool = True
    """Whether calibration fits it; validation facts (F11, F12, F2 with a guide) are only
    measured and printed: strategies are never fitted."""


FACTS: tuple[Fact, ...] = (
    Fact("F1", "buyers revisit jobs (the maze)", "~95% of buying groups revisit earlier jobs",
         "Gartner 2018, 2019", (0.85, 1.0), "share", f1_loop_back,
         "share of deals in which some stakeholder loops back to a main job it had left"),
    Fact("F2", "little buying time with sellers", "17% of buying time with all suppliers",
         "Gartner, The B2B buying journey", (0.10, 0.25), "share", f2_time_with_sellers,
         "stakeholder hours in seller meetings / all buying hours, pooled over deals"),
    Fact("F2g", "little buying time with sellers (maze-guide)",
         "17% of buying time with all suppliers",
         "Gartner, The B2B buying journey", None, "share", f2_time_with_sellers_guide,
         "F2 with a maze-guide as our seller (printed for comparison, not fitted)", fitted=False),
    Fact("F3", "independent research is a large share", "27% researching independently online",
         "Gartner, The B2B buying journey", (0.15, 0.40), "share", f3_independent_research,
         "seek hours without a seller / all buying hours, pooled over deals"),
    Fact("F4", "committees of about seven", "6-10 (Gartner); 5.4 -> 6.8 (CEB/HBR)",
         "HBR 2017", (6.0, 8.0), "people", f4_committee_size,
         "mean number of stakeholders"),
    Fact("F5", "many purchases end in no decision", "40-60% lost to no decision",
         "Dixon & McKenna, The JOLT Effect (2022)", (0.30, 0.60), "share", f5_no_decision,
         "share of deals ending with no decision (status quo or stalled)"),
    Fact("F6", "indecision outweighs the status quo", "56% indecision vs 44% status quo",
         "Dixon & McKenna (2022)", (0.40, 0.70), "share", f6_indecision_share,
         "share of no-decision deals that stalled (not a choice of the status quo)"),
    Fact("F7", "typical win rate", "~19-21% of opportunities",
         "HubSpot; Bridge Group", (0.15, 0.25), "share", f7_win_rate,
         "share of deals won by our vendor"),
    Fact("F8", "few high-quality deals", "17-27% of tech purchases",
         "Gartner (Barnes) 2019-2022", (0.10, 0.35), "share", f8_high_quality,
         "share of all deals ending in a purchase without regret"),
    Fact("F9", "regret is common", "56% report high regret",
         "Gartner 2022", (0.35, 0.65), "share", f9_regret,
         "share of purchases (won or lost) with regret"),
    Fact("F10", "the buying cycle is long", "~6.5 months for an IT purchase",
         "Foundry 2023, via MediaPost", (15.0, 45.0), "weeks", f10_cycle_time,
         "median cycle time in weeks of the deals that reached a decision"),
    Fact("F11", "sense-making helps", "26% more likely to close high-quality deals",
         "Gartner, Challenger research", (1.05, 2.0), "ratio", f11_sense_making,
         "rate of deals we win that are high quality and low regret, with a maze-guide / with "
         "a funnel-pusher as our seller, same committees (validation only)", fitted=False),
    Fact("F12", "consensus drives quality", "2.5x more likely to report a high-quality deal",
         "Gartner 2025 survey (n = 632)", None, "ratio", f12_consensus,
         "high-quality rate of purchases with consensus / without (agreement >= consensus level)",
         fitted=False),
)  # fmt: skip


def fact_table(data: FactData) -> pd.DataFrame:
    """One row per fact: the published figure, the model's value with its interval, the
    tolerance and whether the value is inside it."""
    rows = []
    for fact in FACTS:
        estimate = fact.measure(data)
        low, high = fact.tolerance if fact.tolerance else (math.nan, math.nan)
        inside = (
            None
            if fact.tolerance is None or math.isnan(estimate.value)
            else bool(low <= estimate.value <= high)
        )
        rows.append(
            {
                "id": fact.id,
                "pattern": fact.pattern,
                "published": fact.published,
                "source": fact.source,
                "unit": fact.unit,
                "value": estimate.value,
                "low": estimate.low,
                "high": estimate.high,
                "tolerance_low": low,
                "tolerance_high": high,
                "inside": inside,
                "fitted": fact.fitted,
                "definition": fact.definition,
            }
        )
    return pd.DataFrame.from_records(rows)


def format_value(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "ratio":
        return "inf" if math.isinf(value) else f"{value:.2f}x"
    return f"{value:.1f}"


def misfit(table: pd.DataFrame) -> float:
    """How far the facts with a tolerance are outside it: the sum of squared distances to
    the band, each in units of the band's width (0 when every fact is inside)."""
    total = 0.0
    for row in table.itertuples():
        if math.isnan(row.tolerance_low) or not getattr(row, "fitted", True):
            continue
        width = row.tolerance_high - row.tolerance_low
        value = row.value
        if math.isnan(value):
            total += 4.0
            continue
        gap = max(row.tolerance_low - value, value - row.tolerance_high, 0.0) / width
        total += gap * gap
    return total


def off_centre(table: pd.DataFrame) -> float:
    """Tie-break between candidates that fit: the sum of squared distances of each value
    from the middle of its band, in band widths (0: every fact dead centre)."""
    total = 0.0
    for row in table.itertuples():
        if (
            math.isnan(row.tolerance_low)
            or math.isnan(row.value)
            or not getattr(row, "fitted", True)
        ):
            continue
        middle = (row.tolerance_low + row.tolerance_high) / 2
        width = row.tolerance_high - row.tolerance_low
        total += ((row.value - middle) / width) ** 2
    return total
