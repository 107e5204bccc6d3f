"""Scaling benchmark: the cost of one deal against committee size and horizon, so that issue
12's target (cost grows at most linearly with both) can be read off. Prints figures, asserts
nothing (see `make bench`; never a timed test).

Deals end at different weeks (a small committee decides sooner), so besides ms per deal the
rows give ms per simulated week and microseconds per member-week; the rows "to the horizon"
use a decision rule the committee never meets, so every deal runs its full horizon.

Usage: python benchmarks/bench_scaling.py [--runs 100] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Sequence

from bench import WARM_UP_DEALS, heading, row

import sim
from sim.config.scenario import Scenario

SIZES = (1, 7, 20, 50)
HORIZONS = (26, 52, 104)
FIXED_HORIZON = 52
NEVER_DECIDES = {
    "support_threshold": 1.0,
    "confidence_threshold": 1.0,
    "stall_fatigue": 1.0,
    "stall_urgency": 0.0,
}
"""A rule no committee meets and no committee gives up under: every deal runs to the horizon."""


def variant(base: Scenario, size: int, horizon: int | None = None) -> Scenario:
    """`base` with a committee of `size` drawn members; with a `horizon`, a committee that
    neither decides nor gives up before it."""
    data = base.model_dump()
    data["committee"]["size"] = size
    if horizon is not None:
        data["horizon_weeks"] = horizon
        data["decision"].update(NEVER_DECIDES)
    return Scenario.model_validate(data)


def timed_deals(scenario: Scenario, runs: int) -> list[tuple[float, int]]:
    """(seconds, weeks simulated) per deal, seeds 1..runs, after a warm-up."""
    for seed in range(WARM_UP_DEALS):
        sim.simulate(scenario, 10_000 + seed)
    deals = []
    for seed in range(1, runs + 1):
        start = time.perf_counter()
        deal = sim.simulate(scenario, seed)
        deals.append((time.perf_counter() - start, deal.weeks_simulated))
    return deals


def scaling_row(label: str, deals: Sequence[tuple[float, int]], members: int) -> float:
    """Print ms per deal, mean weeks, ms per week and us per member-week; return ms/week."""
    per_deal = statistics.median(s for s, _ in deals) * 1e3
    weeks = statistics.fmean(w for _, w in deals)
    per_week = statistics.median(s / w for s, w in deals) * 1e3
    row(
        label,
        f"{per_deal:7.2f} ms/deal  {weeks:5.1f} weeks  {per_week:6.3f} ms/week  "
        f"{per_week / members * 1e3:5.1f} us/member-week",
    )
    return per_week


def by_size(base: Scenario, runs: int, horizon: int | None, title: str) -> None:
    heading(title)
    per_week = {}
    for size in SIZES:
        deals = timed_deals(variant(base, size, horizon), runs)
        per_week[size] = scaling_row(f"committee of {size}", deals, size)
    ratio = per_week[SIZES[-1]] / per_week[SIZES[1]]
    members = SIZES[-1] / SIZES[1]
    row(
        f"cost per week, {SIZES[-1]} vs {SIZES[1]} members",
        f"{ratio:5.2f}x for {members:.1f}x the members",
        "at most linear",
    )
    if horizon is None:
        return  # deals of different lengths: the set-up's share of a week differs by size
    fit = statistics.linear_regression(list(per_week), list(per_week.values()))
    row(
        "  least squares: ms/week = a + b x members",
        f"a {fit.intercept:6.3f} ms (the week's fixed work), b {fit.slope * 1e3:5.1f} us/member",
    )


def by_horizon(base: Scenario, runs: int, size: int) -> None:
    heading(f"Horizon: committee of {size}, run to the horizon ({runs} deals per row)")
    per_deal = {}
    for horizon in HORIZONS:
        deals = timed_deals(variant(base, size, horizon), runs)
        reached = sum(w == horizon for _, w in deals) / len(deals)
        per_deal[horizon] = statistics.median(s for s, _ in deals)
        scaling_row(f"{horizon} weeks ({reached:.0%} of deals reach it)", deals, size)
    ratio = per_deal[HORIZONS[-1]] / per_deal[HORIZONS[0]]
    row(
        f"cost per deal, {HORIZONS[-1]} vs {HORIZONS[0]} weeks",
        f"{ratio:5.2f}x for {HORIZONS[-1] / HORIZONS[0]:.1f}x the weeks",
        "at most linear",
    )
    fit = statistics.linear_regression(list(per_deal), list(per_deal.values()))
    row(
        "  least squares: ms/deal = a + b x weeks",
        f"a {fit.intercept * 1e3:6.2f} ms (set-up and wrap-up), b {fit.slope * 1e3:6.3f} ms/week",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, help="deals per row (default 100, quick 40)")
    parser.add_argument("--quick", action="store_true", help="fewer deals per row")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    runs = args.runs or (40 if quick else 100)
    base = sim.load_scenario("baseline")
    by_size(base, runs, None, f"Committee size: baseline's own rule ({runs} deals per row)")
    by_size(
        base,
        runs,
        FIXED_HORIZON,
        f"Committee size: run to a {FIXED_HORIZON}-week horizon ({runs} deals per row)",
    )
    by_horizon(base, runs, 7)


if __name__ == "__main__":
    main()
