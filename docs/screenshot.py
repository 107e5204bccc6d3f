"""Regenerate the docs' screenshots: `.venv/bin/python docs/screenshot.py`.

1. `b2bsim compare baseline` in a recording console, saved as SVG (the terminal table);
2. the same comparison's HTML report in headless Debian Chromium (Playwright), its first
   screen at 1280x720, saved as PNG;
3. the explorer (`b2bsim explore`) walked through the trainers' workshop exercise at
   1280x720 (docs/trainers.md), with the same driver as the browser tests.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

import sim.cli
import sim.terminal

DOCS = Path(__file__).resolve().parent
IMAGES = DOCS / "img"
sys.path.insert(0, str(DOCS.parent / "tests"))

from browser_support import Explorer, chromium, listening  # noqa: E402

VIEWPORT = {"width": 1280, "height": 720}
SEED = 7
REPLICATIONS = 200


def main() -> None:
    report = Path(tempfile.mkdtemp()) / "compare-baseline.html"
    recording = Console(record=True, width=118, highlight=False)
    sim.cli.out = sim.terminal.out = recording
    try:
        arguments = ["compare", "baseline", "--replications", str(REPLICATIONS), "--seed", "1"]
        sim.cli.main([*arguments, "--html", str(report)])
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    recording.save_svg(
        str(IMAGES / "compare-baseline.svg"),
        title=f"b2bsim compare baseline --replications {REPLICATIONS}",
    )
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(report.as_uri())
        page.wait_for_selector("#figure-0 .main-svg")
        page.screenshot(path=str(IMAGES / "compare-report.png"))
    print(f"saved {IMAGES / 'compare-baseline.svg'} and {IMAGES / 'compare-report.png'}")
    explorer_walkthrough()


def top(page: object, selector: str) -> None:
    """Scroll so that `selector`'s toolbar is at the top of the screen."""
    page.evaluate(  # type: ignore[attr-defined]
        f"() => window.scrollTo(0, document.querySelector({selector!r}).getBoundingClientRect()"
        ".top + window.scrollY - 12)"
    )
    time.sleep(0.5)


def explorer_walkthrough() -> None:
    """The workshop exercise of docs/trainers.md, screenshot by screenshot; prints how long
    each action took."""
    from sim.app.server import free_port

    port = free_port()
    binary = Path(sys.executable).parent / "b2bsim"
    server = subprocess.Popen(
        [str(binary), "explore", "--port", str(port), "--max-seconds", "300", "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not listening(port):
            time.sleep(0.1)
        with chromium() as browser:
            tab = Explorer(browser.new_page(viewport=VIEWPORT))
            page = tab.page
            tab.timed("open the page", lambda: tab.open(f"http://127.0.0.1:{port}/"))
            page.fill("#seed", str(SEED))
            label = tab.timed("run the deal", tab.run_deal)
            last = int(label.split(" of ")[1].split(":")[0])
            for week in range(2, min(6, last) + 1):
                page.click("#step")
                tab.wait_text("#week-label", f"t.startsWith('week {week} of')")
            time.sleep(1)
            page.screenshot(path=str(IMAGES / "explorer-deal.png"))
            tab.timed("replay side by side", lambda: tab.replay("maze guide"))
            tab.choose("speed", "8 wk/s")
            page.click("#play")
            tab.wait_text("#week-label", "t.includes(':')", 120_000)
            time.sleep(1.5)
            top(page, "#run-deal")
            page.screenshot(path=str(IMAGES / "explorer-replay.png"))
            tab.timed(f"compare 3 strategies x {REPLICATIONS}", lambda: tab.compare(REPLICATIONS))
            time.sleep(1)
            top(page, "#compare")
            page.screenshot(path=str(IMAGES / "explorer-compare.png"))
            print("; ".join(f"{k}: {v:.1f} s" for k, v in tab.timings.items()))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"saved the explorer walkthrough in {IMAGES}")


if __name__ == "__main__":
    main()
