"""Speed benchmark: prints figures, asserts nothing (see `make bench`).

One run = one deal of a scenario, simulated from set-up to decision, stall or horizon.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

from sim.config import load_scenario
from sim.model import simulate
from sim.model.territory import simulate_territory
from sim.report.reports import compare_report
from sim.runner import Executors
from sim.workflow.compare import compare

ROOT = Path(__file__).resolve().parent.parent
NO_SELLERS = {"sellers": {}}


def time_runs(scenario_path: Path, runs: int, overrides: dict | None = None) -> list[float]:
    scenario = load_scenario(scenario_path)
    if overrides:
        scenario = scenario.model_validate({**scenario.model_dump(), **overrides})
    simulate(scenario, 0)  # warm-up: imports, caches
    times = []
    for seed in range(1, runs + 1):
        start = time.perf_counter()
        simulate(scenario, seed)
        times.append(time.perf_counter() - start)
    return times


def report(label: str, times: list[float]) -> None:
    median = statistics.median(times)
    print(
        f"{label:<38} median {median * 1e3:7.2f} ms/run   "
        f"p90 {sorted(times)[int(0.9 * len(times))] * 1e3:7.2f} ms   "
        f"{len(times) / sum(times):7.1f} runs/s on one core"
    )


def bench_compare(scenario_path: Path, replications: int, workers: int) -> None:
    """Throughput of `b2bsim compare` (3 strategies x replications) through the runner, then
    the time and size of its HTML report."""
    scenario = load_scenario(scenario_path)
    strategies = ["none", "funnel_pusher", "maze_guide"]
    runs = replications * len(strategies)
    start = time.perf_counter()
    result = compare(scenario, strategies, replications, 1, Executors(workers))
    elapsed = time.perf_counter() - start
    print(
        f"compare {runs} runs ({replications} x 3 strategies, with the summary) on {workers} "
        f"worker(s): {elapsed:6.1f} s, {runs / elapsed:6.1f} runs/s"
    )
    start = time.perf_counter()
    page = compare_report(
        scenario, strategies, replications, 1, result.deals, result.summary, result.effects
    )
    with tempfile.TemporaryDirectory() as folder:
        path = page.write(Path(folder) / "compare.html")
        size = path.stat().st_size
    elapsed = time.perf_counter() - start
    print(f"compare report of {runs} deals (HTML): {elapsed:5.2f} s, {size / 1e6:5.1f} MB")


def bench_territory(scenario_path: Path, accounts: int) -> None:
    """A territory of `accounts` accounts: wall time per simulated week, per strategy."""
    scenario = load_scenario(scenario_path)
    for strategy in ("funnel_pusher", "maze_guide", "social_seller"):
        start = time.perf_counter()
        territory = scenario.model_copy(
            update={"territory": scenario.territory.model_copy(update={"accounts": accounts})}
        )
        result = simulate_territory(territory, 1, strategy)
        elapsed = time.perf_counter() - start
        print(
            f"territory of {accounts} accounts, {strategy:<13}: {result.weeks} weeks in "
            f"{elapsed:5.2f} s, {elapsed / result.weeks * 1e3:6.1f} ms per simulated week"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300, help="runs per row")
    parser.add_argument("--replications", type=int, default=1000, help="compare replications")
    args = parser.parse_args()
    print(f"b2bsim benchmark on Python {platform.python_version()}, {platform.machine()}")
    baseline = ROOT / "scenarios" / "baseline.yaml"
    report("baseline, no sellers (78-week horizon)", time_runs(baseline, args.runs, NO_SELLERS))
    for strategy in ("funnel_pusher", "maze_guide"):
        overrides = {
            "sellers": {"ours": {"strategy": strategy}, "rival": {"strategy": "funnel_pusher"}}
        }
        report(f"baseline, {strategy} vs funnel_pusher", time_runs(baseline, args.runs, overrides))
    bench_compare(baseline, args.replications, workers=2)
    bench_territory(ROOT / "scenarios" / "territory.yaml", accounts=50)


if __name__ == "__main__":
    main()
