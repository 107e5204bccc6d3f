"""Speed benchmark of single deals, `compare` and `robustness`: prints figures against issue
19's targets, asserts nothing (see `make bench`; never a timed test).

One run = one deal of a scenario, simulated from set-up to decision, stall or horizon. Deals
are timed one at a time on one core after a warm-up, so numba's compilation (or the loading of
its cache) is not counted; `bench_startup.py` measures that separately.

Usage: python benchmarks/bench.py [--runs 300] [--replications 1000] [--workers 2]
                                  [--robustness-replications 100]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import sim
from sim.config.scenario import Scenario
from sim.model.batch import run_deal
from sim.model.model import BuyingCommitteeModel
from sim.model.template import DealTemplate
from sim.model.territory import simulate_territory
from sim.report.reports import compare_report

ROOT = Path(__file__).resolve().parent.parent
WARM_UP_DEALS = 5
COMPARE_STRATEGIES = ("none", "funnel_pusher", "maze_guide")


def heading(text: str) -> None:
    print(f"\n{text}")


def row(label: str, figure: str, target: str = "") -> None:
    """One printed figure: what was measured, the figure, and issue 19's target if it has one."""
    line = f"  {label:<44} {figure:<56}"
    print(f"{line} target {target}" if target else line.rstrip(), flush=True)


def deal_times(scenario: Scenario, runs: int, first_seed: int = 1) -> list[float]:
    """Seconds per deal for seeds first_seed.. (one process, one core), after a warm-up, each
    through `simulate` (set-up, Mesa agents, the record with its logs) and its metric row."""
    for seed in range(WARM_UP_DEALS):
        sim.simulate(scenario, 10_000 + seed)
    times = []
    for seed in range(first_seed, first_seed + runs):
        start = time.perf_counter()
        sim.simulate(scenario, seed).metrics()
        times.append(time.perf_counter() - start)
    return times


def batch_times(scenario: Scenario, runs: int, first_seed: int = 1) -> list[float]:
    """Seconds per deal's metric row on the batch path (`sim.model.batch`: the scenario set up
    once, each seed's deal and row timed on its own), after a warm-up."""
    template = DealTemplate(scenario)
    for seed in range(WARM_UP_DEALS):
        run_deal(template, 10_000 + seed).metrics()
    times = []
    for seed in range(first_seed, first_seed + runs):
        start = time.perf_counter()
        run_deal(template, seed).metrics()
        times.append(time.perf_counter() - start)
    return times


def spread(times: Sequence[float]) -> tuple[float, float, float]:
    """Median, 10th and 90th percentile, in milliseconds."""
    deciles = statistics.quantiles(times, n=10, method="inclusive")
    return statistics.median(times) * 1e3, deciles[0] * 1e3, deciles[-1] * 1e3


def deal_figure(times: Sequence[float]) -> str:
    median, p10, p90 = spread(times)
    return f"median {median:6.2f} ms/deal  (p10 {p10:6.2f}, p90 {p90:6.2f})"


def stepped_times(scenario: Scenario, runs: int) -> list[float]:
    """Seconds per deal stepped week by week through Mesa (`Model.step()`, as the story and
    the explorer run it)."""
    BuyingCommitteeModel(scenario, 0).run()
    times = []
    for seed in range(1, runs + 1):
        start = time.perf_counter()
        BuyingCommitteeModel(scenario, seed).run()
        times.append(time.perf_counter() - start)
    return times


def bench_deals(runs: int) -> None:
    heading(f"One deal on one core (scenario baseline, {runs} seeds, after a warm-up)")
    baseline = sim.load_scenario("baseline")
    guide = baseline.with_strategy("maze_guide")
    row("pusher vs rival pusher, batch path", deal_figure(batch_times(baseline, runs)),
        "median <= 1 ms")  # fmt: skip
    row("our guide vs rival pusher, batch path", deal_figure(batch_times(guide, runs)),
        "median <= 1.3 ms")  # fmt: skip
    pushers = deal_times(baseline, runs)
    row("pusher vs rival pusher, simulate()", deal_figure(pushers), "median <= 1 ms")
    row("our guide vs rival pusher, simulate()", deal_figure(deal_times(guide, runs)),
        "median <= 1.3 ms")  # fmt: skip
    no_sellers = Scenario.model_validate({**baseline.model_dump(), "sellers": {}})
    row("baseline, no sellers", deal_figure(deal_times(no_sellers, runs)))
    row("pusher vs pusher stepped through Mesa (story, explorer)",
        deal_figure(stepped_times(baseline, runs)))  # fmt: skip


def bench_compare(replications: int, workers: int) -> None:
    """`compare baseline` through the public API: simulation time (from the first to the last
    progress report, pool start-up included) apart from the summary's statistics; then the
    time and size of its HTML report."""
    strategies = list(COMPARE_STRATEGIES)
    runs = replications * len(strategies)
    heading(
        f"compare baseline: {runs} runs ({replications} committees x {len(strategies)} "
        f"strategies) on {workers} workers"
    )
    scenario = sim.load_scenario("baseline")
    reports: list[float] = []

    def progress(done: int, total: int, failed: int) -> None:
        reports.append(time.perf_counter())

    start = time.perf_counter()
    result = sim.compare(
        scenario, strategies, replications, seed=1, workers=workers, progress=progress
    )
    total = time.perf_counter() - start
    simulation = reports[-1] - reports[0]
    row(
        "simulation (runs only, pool start included)",
        f"{simulation:6.2f} s  {runs / simulation:7.0f} runs/s",
        ">= 2,500 runs/s",
    )
    row("whole compare (with summary and effects)", f"{total:6.2f} s  {runs / total:7.0f} runs/s")
    start = time.perf_counter()
    page = compare_report(
        scenario, strategies, replications, 1, result.deals, result.summary, result.effects
    )
    with tempfile.TemporaryDirectory() as folder:
        size = page.write(Path(folder) / "compare.html").stat().st_size
    elapsed = time.perf_counter() - start
    row(f"compare report of {runs} deals (HTML)", f"{elapsed:6.2f} s  {size / 1e6:5.1f} MB")


def bench_robustness(replications: int, workers: int) -> None:
    """`robustness baseline` through the public API, with its default committees."""
    heading(f"robustness baseline ({replications} committees a change) on {workers} workers")
    totals: list[int] = []

    def progress(done: int, total: int, failed: int) -> None:
        totals.append(total)

    start = time.perf_counter()
    sim.robustness("baseline", replications=replications, workers=workers, progress=progress)
    elapsed = time.perf_counter() - start
    runs = max(totals, default=0)
    figure = f"{elapsed:6.1f} s  {runs} runs, {runs / elapsed:7.0f} runs/s"
    row("whole robustness analysis", figure, "< 40 s (54,600 runs)")


def bench_territory(accounts: int) -> None:
    """A territory of `accounts` accounts: wall time per simulated week, per strategy."""
    heading(f"Territory of {accounts} accounts (scenario territory)")
    scenario = sim.load_scenario(ROOT / "scenarios" / "territory.yaml")
    territory = scenario.model_copy(
        update={"territory": scenario.territory.model_copy(update={"accounts": accounts})}
    )
    for strategy in ("funnel_pusher", "maze_guide", "social_seller"):
        start = time.perf_counter()
        result = simulate_territory(territory, 1, strategy)
        elapsed = time.perf_counter() - start
        row(
            f"territory, {strategy}",
            f"{result.weeks} weeks in {elapsed:5.2f} s  "
            f"{elapsed / result.weeks * 1e3:6.1f} ms/simulated week",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300, help="deals timed per row")
    parser.add_argument("--replications", type=int, default=1000, help="compare committees")
    parser.add_argument("--workers", type=int, default=2, help="compare workers")
    parser.add_argument("--accounts", type=int, default=50, help="territory accounts")
    parser.add_argument(
        "--robustness-replications", type=int, default=100, help="robustness committees"
    )
    args = parser.parse_args()
    print(f"b2bsim benchmark on Python {platform.python_version()}, {platform.machine()}")
    bench_deals(args.runs)
    bench_compare(args.replications, args.workers)
    bench_robustness(args.robustness_replications, args.workers)
    bench_territory(args.accounts)


if __name__ == "__main__":
    main()
