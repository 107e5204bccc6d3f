"""Calibration benchmark: `b2bsim calibrate-to examples/pipeline.csv` (500 generated
opportunities) with the default fit, timed on all cores. Prints figures, asserts nothing
(issue 21's target: under 10 minutes on 2 cores).

Usage: python benchmarks/bench_pipeline.py [--budget 1200]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench import heading, row

import sim

PIPELINE = Path(__file__).resolve().parent.parent / "examples" / "pipeline.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=1200, help="simulated pipelines")
    budget = parser.parse_args().budget
    heading("calibrate-to a 500-opportunity pipeline (examples/pipeline.csv)")
    started = time.perf_counter()
    found = sim.calibrate_to(PIPELINE, "baseline", budget=budget)
    seconds = time.perf_counter() - started
    deals = found.simulations * found.settings["deals_per_world"]
    row(
        f"fit ({found.simulations} pipelines) + check + answer",
        f"{seconds / 60:.1f} min, {deals:,} deals in the fit",
        "10 min on 2 cores",
    )
    inside = int(found.check["inside"].sum())
    row("summaries inside the predictive 90 %", f"{inside} of {len(found.check)}")


if __name__ == "__main__":
    main()
