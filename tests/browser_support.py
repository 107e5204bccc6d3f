"""Headless Debian Chromium for the browser tests (Playwright cannot fetch its own here)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Skip locally; in CI a missing browser is a failure, never a silent skip."""
    if in_ci():
        pytest.fail(f"CI is set but {reason}: the browser tests must run in CI", pytrace=False)
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium, closed afterwards."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


# ---- the explorer, served and driven ------------------------------------------------------

HOST = "127.0.0.1"
CALLBACK_TIMEOUT_MS = 20_000
COMPARE_TIMEOUT_MS = 120_000


def listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection((HOST, port), timeout=0.2).close()
    except OSError:
        return False
    return True


class Explorer:
    """One browser tab on the explorer, with the waits a workshop needs; `timings` records
    how long each action took, in seconds."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.timings: dict[str, float] = {}
        self.errors: list[str] = []
        page.set_default_timeout(CALLBACK_TIMEOUT_MS)
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None,
        )

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.wait_text("#loaded-name", "t.trim().length > 0")

    def timed(self, action: str, run: Any) -> Any:
        import time

        started = time.monotonic()
        result = run()
        self.timings[action] = time.monotonic() - started
        return result

    def wait_text(self, selector: str, js_test: str, timeout: float = CALLBACK_TIMEOUT_MS) -> str:
        """Wait until the element's text `t` passes `js_test`; return the text."""
        self.page.wait_for_function(
            f"""() => {{
                const e = document.querySelector({selector!r});
                const t = e ? e.innerText : null;
                return t !== null && ({js_test});
            }}""",
            timeout=timeout,
        )
        return self.page.inner_text(selector)

    def choose(self, dropdown: str, option: str) -> None:
        self.page.click(f"#{dropdown}")
        self.page.get_by_role("dialog").get_by_role("option", name=option, exact=True).click()
        self.wait_text(f"#{dropdown}", f"t.includes({option!r})")
        self.page.keyboard.press("Escape")

    def nudge(self, slider: str, steps: int) -> None:
        """Move a slider by whole steps with the keyboard, as a trainer would with arrows."""
        thumb = self.page.locator(f"#{slider} [role=slider]")
        thumb.focus()
        for _ in range(abs(steps)):
            thumb.press("ArrowRight" if steps > 0 else "ArrowLeft")

    def upload(self, path: Path) -> str:
        self.page.set_input_files("#upload input[type=file]", str(path))
        return self.wait_text("#upload-message", f"t.includes({('loaded ' + path.name)!r})")

    def run_deal(self) -> str:
        self.page.click("#run-deal")
        return self.wait_text("#week-label", "t.startsWith('week 1 of ')")

    def week(self) -> int:
        return int(self.page.inner_text("#week-label").split()[1])

    def replay(self, strategy_words: str) -> str:
        self.choose("replay-strategy", strategy_words)
        self.page.click("#replay")
        return self.wait_text("#story", "t.includes('diverge') || t.includes('same way')")

    def compare(self, replications: int, timeout: float = COMPARE_TIMEOUT_MS) -> str:
        self.page.fill("#replications", str(replications))
        self.page.click("#compare")
        return self.wait_text("#compare-status", "t.startsWith('done')", timeout)

    def download(self, button: str, folder: Path) -> Path:
        with self.page.expect_download(timeout=CALLBACK_TIMEOUT_MS) as info:
            self.page.click(f"#{button}")
        saved = folder / info.value.suggested_filename
        info.value.save_as(str(saved))
        return saved

    def points(self, graph: str) -> int:
        return self.page.evaluate(
            """(id) => {
                const g = document.querySelector(`#${id} .js-plotly-plot`);
                return g ? g.data.reduce((n, t) => n + (t.x ? t.x.length : 0), 0) : 0;
            }""",
            graph,
        )
