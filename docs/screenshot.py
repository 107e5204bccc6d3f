"""Regenerate the README's terminal screenshot: `.venv/bin/python docs/screenshot.py`.

Runs `b2bsim compare baseline` in-process with a recording console and saves it as SVG.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

import sim.cli

TARGET = Path(__file__).resolve().parent / "img" / "compare-baseline.svg"


def main() -> None:
    sim.cli.out = Console(record=True, width=118, highlight=False)
    try:
        sim.cli.main(["compare", "baseline", "--replications", "200", "--seed", "1"])
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    sim.cli.out.save_svg(str(TARGET), title="b2bsim compare baseline --replications 200")
    print(f"saved {TARGET}")


if __name__ == "__main__":
    main()
