"""The trainers' explorer in a real browser: `b2bsim explore` serves the Dash app on
127.0.0.1 (a free port, stopping by itself), and Debian's /usr/bin/chromium, driven by
Playwright, picks a scenario, plays a deal week by week, replays it with another seller,
runs a quick comparison, types bad input and downloads the deal report. No page may log an
error and the server may never print a traceback.

Without chromium the tests are skipped locally, but fail in CI (CI=true), where they must
run."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM, chromium, unavailable

from sim.app.server import free_port

pytestmark = pytest.mark.browser

SCRIPT = Path(sys.executable).parent / "b2bsim"
HOST = "127.0.0.1"
SERVER_SECONDS = 150
START_TIMEOUT_S = 30
CALLBACK_TIMEOUT_MS = 20_000
COMPARE_TIMEOUT_MS = 60_000
REPLICATIONS = 20


# ---- the server ------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    stdout: Path
    stderr: Path

    def errors(self) -> str:
        return self.stderr.read_text(errors="replace")

    def assert_no_traceback(self) -> None:
        text = self.errors()
        assert "Traceback" not in text, f"the server printed a traceback:\n{text[-3000:]}"
        assert self.process.poll() is None, "the server stopped early"


def listening(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    assert SCRIPT.exists(), f"console script not installed at {SCRIPT}"
    logs = tmp_path_factory.mktemp("explore_server")
    port = free_port(HOST)
    command = [str(SCRIPT), "explore", "--host", HOST, "--port", str(port)]
    command += ["--max-seconds", str(SERVER_SECONDS), "--workers", "1"]
    out, err = logs / "stdout.txt", logs / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True)
    started = Server(f"http://{HOST}:{port}/", process, out, err)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not listening(port):
            if process.poll() is not None:
                pytest.fail(f"b2bsim explore exited {process.returncode}:\n{started.errors()}")
            if time.monotonic() > deadline:
                pytest.fail(f"b2bsim explore did not listen on {port}:\n{started.errors()}")
            time.sleep(0.1)
        assert f"open http://{HOST}:{port}/" in out.read_text()
        yield started
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# ---- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@dataclass
class Visit:
    page: Any
    server: Server
    folder: Path
    errors: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        path = self.folder / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.exists() and path.stat().st_size > 1000, path
        return path

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

    def figure_points(self, graph: str) -> int:
        return self.page.evaluate(
            """(id) => {
                const g = document.querySelector(`#${id} .js-plotly-plot`);
                return g.data.reduce((n, t) => n + (t.x ? t.x.length : 0), 0);
            }""",
            graph,
        )

    def svg(self, graph: str) -> str:
        return self.page.inner_html(f"#{graph} svg.main-svg")

    def message(self) -> str:
        return self.page.inner_text("#message")

    def assert_clean(self) -> None:
        assert not self.errors, f"the page logged errors: {self.errors}"
        self.server.assert_no_traceback()


@pytest.fixture
def visit(browser: Any, server: Server, tmp_path: Path) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1360, "height": 1800}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(CALLBACK_TIMEOUT_MS)
    opened = Visit(page, server, tmp_path)
    page.on(
        "console",
        lambda m: opened.errors.append(f"console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: opened.errors.append(f"page error: {e}"))
    page.on(
        "response",
        lambda r: opened.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None,
    )
    page.goto(server.url)
    opened.wait_text("#description", "t.trim().length > 0")
    try:
        yield opened
    finally:
        context.close()


def run_deal(visit: Visit) -> str:
    visit.page.click("#run-deal")
    return visit.wait_text("#week-label", "t.startsWith('week 1 of ')")


# ---- the acceptance --------------------------------------------------------------------------


def test_a_trainer_explores_a_scenario(visit: Visit) -> None:
    page = visit.page
    assert page.title() == "b2bsim explorer"
    assert page.inner_text("#week-label") == "no deal yet"
    baseline = page.inner_text("#description")
    assert "seven" in baseline
    visit.shot("loaded")

    # another scenario: its description and its settings
    visit.choose("scenario", "weak_product")
    described = visit.wait_text("#description", f"t !== {baseline!r}")
    assert "weaker" in described
    assert page.locator("#scenario").inner_text().strip() == "weak_product"

    # one deal, three steps
    assert run_deal(visit).startswith("week 1 of ")
    first_points, first_svg = visit.figure_points("timeline"), visit.svg("timeline")
    assert first_points > 0
    visit.shot("week1")
    for week in (2, 3, 4):
        page.click("#step")
        visit.wait_text("#week-label", f"t.startsWith('week {week} of ')")
    label = page.inner_text("#week-label")
    assert label.startswith("week 4 of ")
    page.wait_for_function(
        """(n) => {
            const g = document.querySelector('#timeline .js-plotly-plot');
            return g.data.reduce((s, t) => s + (t.x ? t.x.length : 0), 0) !== n;
        }""",
        arg=first_points,
    )
    assert visit.figure_points("timeline") > first_points
    assert visit.svg("timeline") != first_svg
    assert page.locator("#story p").count() > 0
    visit.shot("week4")

    # the same committee with another seller, side by side
    assert not page.locator("#timeline-replay").is_visible()
    visit.choose("replay-strategy", "funnel_pusher")
    page.click("#replay")
    page.wait_for_selector("#timeline-replay svg.main-svg", state="visible")
    assert page.locator("#timeline-replay").is_visible()
    visit.wait_text("#timeline-replay", "t.includes('funnel_pusher')")
    assert visit.figure_points("timeline-replay") > 0
    assert page.inner_text("#week-label").startswith("week 4 of ")
    assert "diverge" in page.inner_text("#story") or "same way" in page.inner_text("#story")
    visit.shot("replay")

    # a quick comparison
    page.fill("#replications", str(REPLICATIONS))
    page.click("#compare")
    status = visit.wait_text("#compare-status", "t.startsWith('done')", COMPARE_TIMEOUT_MS)
    assert status == f"done: {3 * REPLICATIONS} deals"
    assert page.get_attribute("#compare-progress", "value") == "1"
    page.wait_for_selector("#outcome-mix svg.main-svg .barlayer .point", state="attached")
    assert page.locator("#outcome-mix .barlayer .point").count() > 0
    page.wait_for_selector("#incidence svg.main-svg .scatterlayer .js-line", state="attached")
    assert page.locator("#incidence .scatterlayer .js-line").count() > 0
    assert visit.message() == ""
    visit.shot("comparison")

    visit.assert_clean()
    assert len(list(visit.folder.glob("*.png"))) == 5


def test_bad_input_is_a_clear_message(visit: Visit) -> None:
    page = visit.page
    page.fill("#seed", "-5")
    page.click("#run-deal")
    alert = page.locator("#message [role=alert]")
    alert.wait_for()
    text = alert.inner_text()
    assert "check the settings" in text and "seed" in text, text
    assert "whole number, 0 or more" in text, text
    assert "-1" not in text, "never a value the trainer did not type"
    assert page.inner_text("#week-label") == "no deal yet"
    visit.shot("bad-seed")

    # a good seed clears the message
    page.fill("#seed", "3")
    assert run_deal(visit).startswith("week 1 of ")
    visit.wait_text("#message", "t.trim() === ''")

    page.fill("#replications", "5")
    page.click("#compare")
    alert.wait_for()
    text = alert.inner_text()
    assert "committees per strategy must be a number from 10 to 2000" in text, text
    assert page.inner_text("#compare-status") == ""
    visit.shot("bad-replications")

    visit.assert_clean()


def test_download_the_deal_report(visit: Visit) -> None:
    page = visit.page
    page.click("#download-deal")
    visit.wait_text("#message", "t.includes('run a deal first')")

    page.fill("#seed", "2")
    run_deal(visit)
    with page.expect_download(timeout=CALLBACK_TIMEOUT_MS) as download_info:
        page.click("#download-deal")
    download = download_info.value
    assert download.suggested_filename == "deal-baseline-seed2.html"
    saved = visit.folder / download.suggested_filename
    download.save_as(str(saved))
    html = saved.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") or "<html" in html[:500].lower()
    assert "plotly" in html.lower()
    assert "</html>" in html.lower()
    visit.shot("downloaded")

    visit.assert_clean()
