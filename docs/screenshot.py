"""Regenerate the README's screenshots: `.venv/bin/python docs/screenshot.py`.

1. `b2bsim compare baseline` in a recording console, saved as SVG (the terminal table);
2. the same comparison's HTML report, opened in headless Debian Chromium (Playwright) and
   saved as PNG.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console

import sim.cli

IMAGES = Path(__file__).resolve().parent / "img"


def main() -> None:
    report = Path(tempfile.mkdtemp()) / "compare-baseline.html"
    sim.cli.out = Console(record=True, width=118, highlight=False)
    try:
        sim.cli.main(
            ["compare", "baseline", "--replications", "200", "--seed", "1", "--html", str(report)]
        )
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    sim.cli.out.save_svg(
        str(IMAGES / "compare-baseline.svg"), title="b2bsim compare baseline --replications 200"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1500})
        page.goto(report.as_uri())
        page.wait_for_selector("#figure-1 .main-svg")
        page.screenshot(path=str(IMAGES / "compare-report.png"))
        browser.close()
    print(f"saved {IMAGES / 'compare-baseline.svg'} and {IMAGES / 'compare-report.png'}")


if __name__ == "__main__":
    main()
