"""The stylized facts of B2B buying (docs/calibration.md) and the model's value for each.

The battery runs one scenario twice on the same committees: our seller as a funnel-pusher
(the facts' reference seller) and as a maze-guide (for F11, and pooled with the pusher for
F9: buyers meet both kinds of seller). Each fact is a function of the per-deal rows, defined
here once and documented in docs/ODD.md; every value comes with a 95% bootstrap interval
over deals (or over replications when paired). F11 is also given as a curve over the regret
margin (`f11_curve`), recomputed from the stored shortfalls of the same deals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.statistics import (
    NAN,
    Estimate,
    bootstrap_interval,
    mean,
    paired_rate_effects,
    rate,
)
from sim.model.decision import REGRET_AT, regret_degrees

REFERENCE_SELLER = "funnel_pusher"
GUIDE = "maze_guide"
F11_MARGINS = (0.01, 0.02, 0.03, 0.05, 0.08, 0.12)
"""Regret margins at which F11 is recomputed: around the pushers' and guides' typical
overestimates, so the curve shows how much of F11 rests on where the margin sits."""


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


def _by_committee(d: FactData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pusher and guide deals of the committees both met, in the same order."""
    pusher = d.pusher.set_index("replication").sort_index()
    guide = d.guide.set_index("replication").sort_index()
    common = pusher.index.intersection(guide.index)
    return pusher.loc[common], guide.loc[common]


def _purchases_and_regret(deals: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    purchase = deals["outcome"].isin(["won", "lost"]).to_numpy()
    regret = deals["regret"].eq(True).to_numpy() & purchase
    return purchase.astype(float), regret.astype(float)


def f9_regret(d: FactData) -> Estimate:
    """Regret share of the purchases made with a pusher and with a guide as our seller,
    pooled: each committee counts once with each kind of seller, and the bootstrap
    resamples committees (both of their deals together)."""
    pusher, guide = _by_committee(d)
    samples = [*_purchases_and_regret(pusher), *_purchases_and_regret(guide)]

    def pooled(bought_p: np.ndarray, regret_p: np.ndarray, bought_g: np.ndarray,
               regret_g: np.ndarray) -> float:  # fmt: skip
        bought = bought_p.sum() + bought_g.sum()
        return float((regret_p.sum() + regret_g.sum()) / bought) if bought > 0 else math.nan

    if not len(pusher) or math.isnan(pooled(*samples)):
        return NAN
    return _estimate(samples, pooled)


def f10_cycle_time(d: FactData) -> Estimate:
    decided = d.pusher[d.pusher["outcome"] != "open"]
    return median_weeks(decided["cycle_weeks"].to_numpy())


def f11_sense_making(d: FactData) -> Estimate:
    """At the scenario's regret margin, from the stored `our_high_quality`."""
    pusher, guide = _by_committee(d)
    _, relative = paired_rate_effects(
        guide["our_high_quality"].astype(float).to_numpy(),
        pusher["our_high_quality"].astype(float).to_numpy(),
    )
    return relative


def our_high_quality_at(deals: pd.DataFrame, margin: float) -> np.ndarray:
    """1 for a deal we won whose regret degree at `margin` is below one half (the boolean
    regret at that margin), else 0, from the stored `regret_shortfall`; NaN for a won deal
    without a stored shortfall (results of an older b2bsim)."""
    won = (deals["outcome"] == "won").to_numpy()
    if "regret_shortfall" in deals:
        shortfall = pd.to_numeric(deals["regret_shortfall"], errors="coerce").to_numpy(float)
    else:
        shortfall = np.full(len(deals), math.nan)
    degree = regret_degrees(shortfall, margin)
    quality = np.where(degree < REGRET_AT, 1.0, 0.0)
    return np.where(won, np.where(np.isnan(degree), math.nan, quality), 0.0)


def f11_curve(d: FactData, margins: Sequence[float] = F11_MARGINS) -> pd.DataFrame:
    """F11 at each regret margin, on the same deals (no re-run): one row per margin with the
    guide's and the pusher's rate of high-quality wins and their paired ratio [95% interval].
    The ratio is NaN where a won deal has no stored shortfall."""
    pusher, guide = _by_committee(d)
    rows = []
    for margin in margins:
        ours_g, ours_p = our_high_quality_at(guide, margin), our_high_quality_at(pusher, margin)
        missing = bool(np.isnan(ours_g).any() or np.isnan(ours_p).any()) or not len(ours_g)
        ratio = NAN if missing else paired_rate_effects(ours_g, ours_p)[1]
        rows.append(
            {
                "margin": float(margin),
                "guide": math.nan if missing else float(ours_g.mean()),
                "pusher": math.nan if missing else float(ours_p.mean()),
                "value": ratio.value,
                "low": ratio.low,
                "high": ratio.high,
            }
        )
    return pd.DataFrame.from_records(
        rows, columns=["margin", "guide", "pusher", "value", "low", "high"]
    )


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
         "share of purchases (won or lost) with regret, our seller a funnel-pusher and a "
         "maze-guide pooled (the same committees once with each)"),
    Fact("F10", "the buying cycle is long", "~6.5 months for an IT purchase",
         "Foundry 2023, via MediaPost", (15.0, 45.0), "weeks", f10_cycle_time,
         "median cycle time in weeks of the deals that reached a decision"),
    Fact("F11", "sense-making helps", "26% more likely to close high-quality deals",
         "Gartner, Challenger research", (1.05, 2.0), "ratio", f11_sense_making,
         "rate of deals we win that are high quality and low regret, with a maze-guide / with "
         "a funnel-pusher as our seller, same committees, at the scenario's regret margin "
         "(validation only; the curve over the margin: f11_curve)", fitted=False),
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


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-ready records (NaN as null)."""
    return json.loads(frame.to_json(orient="records"))


@dataclass(frozen=True)
class Facts:
    """The facts battery of one scenario: the table (one row per fact, `fact_table`) and
    F11 as a curve over the regret margin (`f11_curve`, a row flagged `scenario_margin` at
    the scenario's own margin, the table's F11)."""

    scenario: str
    replications: int
    seed: int
    regret_margin: float
    table: pd.DataFrame
    f11_curve: pd.DataFrame

    def inside_counts(self) -> tuple[int, int]:
        """Fitted facts inside their tolerance, and fitted facts with a verdict."""
        fitted = self.table[self.table["fitted"]]["inside"].dropna()
        return int(fitted.sum()), len(fitted)

    def records(self) -> list[dict[str, Any]]:
        """The table as records; F11's also carries its curve (`curve`) and the margin it
        is given at (`regret_margin`)."""
        rows = _records(self.table)
        for row in rows:
            if row["id"] == "F11":
                row["regret_margin"] = self.regret_margin
                row["curve"] = _records(self.f11_curve)
        return rows

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.records(), indent=indent)


def facts_of(
    data: FactData, scenario: str, replications: int, seed: int, regret_margin: float
) -> Facts:
    """Assemble the battery's results: the table, and F11 over `F11_MARGINS` and the
    scenario's own margin."""
    margins = sorted({*F11_MARGINS, float(regret_margin)})
    curve = f11_curve(data, margins)
    curve["scenario_margin"] = curve["margin"] == float(regret_margin)
    return Facts(scenario, replications, seed, float(regret_margin), fact_table(data), curve)


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
