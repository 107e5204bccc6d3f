"""Comparing seller strategies on the same committees (common random numbers).

Input: one metrics row per deal with `policy` (the strategy) and `replication` columns
(`sim.workflow.study.evaluate`).
Replication r of every strategy meets the same committee and the same exogenous events, so
differences are taken per replication (paired), which removes the committee-to-committee
variance from the comparison.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.analysis.statistics import (
    mean,
    median_time_to_decision,
    paired_difference,
    paired_rate_effects,
    rate,
)

OUTCOME_RATES = {
    "won": lambda d: d["outcome"] == "won",
    "lost": lambda d: d["outcome"] == "lost",
    "no_decision": lambda d: d["outcome"] == "no_decision",
    "no_decision_status_quo": lambda d: d["no_decision_cause"] == "status_quo",
    "no_decision_stalled": lambda d: d["no_decision_cause"] == "stalled",
    "open": lambda d: d["outcome"] == "open",
    "high_quality": lambda d: d["high_quality"].astype(bool),
    "our_high_quality": lambda d: d["our_high_quality"].astype(bool),
}
"""Per-deal indicators whose share over all deals is reported with a bootstrap interval."""

PAIRED_METRICS = ("won", "no_decision", "our_high_quality", "loopbacks_per_stakeholder")
"""Metrics that judge a strategy: `our_high_quality` (a good deal we won), never the
committee-level `high_quality`, which also counts the rival's good purchases."""


def indicators(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with one boolean column per outcome rate."""
    out = rows.copy()
    for name, test in OUTCOME_RATES.items():
        out[name] = test(rows).fillna(False).astype(bool)
    return out


def summarize(rows: pd.DataFrame, strategies: list[str]) -> pd.DataFrame:
    """One row per strategy: outcome rates, time to decision, deal quality, effort."""
    data = indicators(rows)
    records = []
    for strategy in strategies:
        deals = data[data["policy"] == strategy]
        n = len(deals)
        record: dict[str, Any] = {"strategy": strategy, "deals": n}
        for name in OUTCOME_RATES:
            record.update(rate(deals[name].to_numpy()).as_dict(name))
        purchases = deals[deals["outcome"].isin(["won", "lost"])]
        record.update(rate(purchases["regret"].astype(bool).to_numpy()).as_dict("regret"))
        decided = deals["outcome"] != "open"
        record.update(
            median_time_to_decision(
                deals["weeks_simulated"].to_numpy(), decided.to_numpy()
            ).as_dict("median_weeks_to_decision")
        )
        record.update(mean(deals["loopbacks_per_stakeholder"].to_numpy()).as_dict("loopbacks"))
        record.update(mean(deals["share_with_sellers"].to_numpy()).as_dict("share_with_sellers"))
        hours = float(deals["our_seller_hours"].sum())
        won = int(deals["won"].sum())
        hours_on_won = float(deals.loc[deals["won"], "our_seller_hours"].sum())
        record["seller_hours"] = hours
        record["seller_hours_per_won"] = hours / won if won else math.nan
        record["seller_hours_wasted_share"] = (hours - hours_on_won) / hours if hours else math.nan
        record.update(effort_record(deals, n))
        records.append(record)
    return pd.DataFrame.from_records(records)


def effort_record(deals: pd.DataFrame, n: int) -> dict[str, float]:
    """Effort beside outcomes: our seller's hours and the buyers' hours with it per deal, and
    our wins and our high-quality wins per 100 of each (an edge bought with more hours is not
    an edge in behaviour)."""
    seller = float(deals["our_seller_hours"].sum())
    buyer = float(deals["our_buyer_hours"].sum()) if "our_buyer_hours" in deals else math.nan
    won = float(deals["won"].sum())
    good = float(deals["our_high_quality"].astype(bool).sum())
    per = {"seller_hours": seller, "buyer_hours": buyer}
    record = {
        "our_seller_hours_per_deal": seller / n if n else math.nan,
        "our_buyer_hours_per_deal": buyer / n if n else math.nan,
    }
    for kind, hours in per.items():
        record[f"won_per_100_{kind}"] = 100 * won / hours if hours else math.nan
        record[f"our_high_quality_per_100_{kind}"] = 100 * good / hours if hours else math.nan
    return record


def paired_effects(rows: pd.DataFrame, strategies: list[str]) -> pd.DataFrame:
    """Every pair of strategies on the same committees (per replication): each strategy
    against each one listed before it, so the pair a room argues about (maze guide against
    funnel pusher) is measured directly, not read off two differences against `none`. For
    rates the risk difference and relative risk with paired bootstrap intervals; for
    loop-backs the mean paired difference with a t interval; `difference_sd` is the standard
    deviation of the per-replication differences (how many committees a verdict needs)."""
    data = indicators(rows)
    records = []
    for index, reference in enumerate(strategies):
        base = data[data["policy"] == reference].set_index("replication").sort_index()
        for strategy in strategies[index + 1 :]:
            other = data[data["policy"] == strategy].set_index("replication").sort_index()
            records.extend(_pair(other, base, strategy, reference))
    return pd.DataFrame.from_records(records)


def _pair(
    other: pd.DataFrame, base: pd.DataFrame, strategy: str, reference: str
) -> list[dict[str, Any]]:
    common = base.index.intersection(other.index)
    records = []
    for metric in PAIRED_METRICS:
        a = other.loc[common, metric].astype(float).to_numpy()
        b = base.loc[common, metric].astype(float).to_numpy()
        if metric in OUTCOME_RATES:
            difference, relative = paired_rate_effects(a, b)
        else:
            difference, relative = paired_difference(a, b), None
        record: dict[str, Any] = {"strategy": strategy, "versus": reference, "metric": metric}
        record["pairs"] = len(common)
        record.update(difference.as_dict("difference"))
        record["difference_sd"] = float((a - b).std(ddof=1)) if len(common) > 1 else math.nan
        if relative is not None:
            record.update(relative.as_dict("relative"))
        else:
            record.update(relative=math.nan, relative_low=math.nan, relative_high=math.nan)
        records.append(record)
    return records
