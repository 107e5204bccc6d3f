"""Write examples/pipeline.csv: a GENERATED sample pipeline (not real data) for the docs'
"Your own pipeline" sections and `b2bsim calibrate-to`.

The market is the baseline scenario with a few settings moved away from their defaults
(`TRUTH` below), so that a reader can check what calibration recovers; our seller pushes
the funnel on two opportunities in three and guides on the third. Run from the checkout:

    .venv/bin/python examples/make_pipeline.py
"""

from __future__ import annotations

from pathlib import Path

from sim.config import load_scenario
from sim.files import write_atomically
from sim.workflow.pipeline_sample import generate_pipeline

TRUTH = {"account.pain": 0.35, "decision.confidence_threshold": 0.7, "committee.size": 8}
"""The settings the sample was generated at (the rest as the baseline has them)."""
OPPORTUNITIES = 500
STRATEGIES = ("funnel_pusher", "funnel_pusher", "maze_guide")
SEED = 2026


def main() -> None:
    text = generate_pipeline(
        load_scenario("baseline"), TRUTH, OPPORTUNITIES, strategies=STRATEGIES, seed=SEED
    )
    target = Path(__file__).with_name("pipeline.csv")
    write_atomically(target, lambda path: path.write_text(text, encoding="utf-8"))
    print(f"wrote {target} ({OPPORTUNITIES} generated opportunities)")


if __name__ == "__main__":
    main()
