"""Regenerate the docs' screenshots: `.venv/bin/python docs/screenshot.py`.

1. `b2bsim compare baseline` in a recording console, saved as SVG (the terminal table);
2. the same comparison's HTML report, opened in headless Debian Chromium (Playwright) and
   saved as PNG;
3. the explorer (`b2bsim explore`) walked through the trainers' workshop exercise.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
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
    explorer_walkthrough()


def explorer_walkthrough() -> None:
    """The workshop exercise of docs/trainers.md, screenshot by screenshot."""
    from playwright.sync_api import sync_playwright

    from sim.app.server import free_port

    port = free_port()
    binary = Path(sys.executable).parent / "b2bsim"
    server = subprocess.Popen(
        [str(binary), "explore", "--port", str(port), "--max-seconds", "300", "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1360, "height": 1250})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#description:not(:empty)")
            page.fill("#seed", "7")
            page.click("#run-deal")
            page.wait_for_function(
                "document.querySelector('#week-label').innerText.startsWith('week 1')"
            )
            for _ in range(11):
                page.click("#step")
                time.sleep(0.25)
            page.wait_for_function(
                "document.querySelector('#week-label').innerText.startsWith('week 12')"
            )
            time.sleep(1)
            page.screenshot(path=str(IMAGES / "explorer-deal.png"))
            page.click("#replay")
            page.wait_for_selector("#timeline-replay .main-svg")
            time.sleep(1.5)
            page.screenshot(path=str(IMAGES / "explorer-replay.png"))
            page.fill("#replications", "200")
            page.click("#compare")
            page.wait_for_function(
                "document.querySelector('#compare-status').innerText.startsWith('done')",
                timeout=300_000,
            )
            time.sleep(1)
            page.locator("#outcome-mix").scroll_into_view_if_needed()
            page.screenshot(path=str(IMAGES / "explorer-compare.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"saved the explorer walkthrough in {IMAGES}")


if __name__ == "__main__":
    main()
