"""The reports in a real browser, offline: each kind (a deal, two sellers, a comparison, a
grid sweep, a Morris sweep) opened in headless Chromium with every request other than the
local file blocked. Every figure must render, nothing may log an error, hovering a data
point must show its label, and a full-page screenshot is taken.

Runs Debian's /usr/bin/chromium through Playwright (which cannot download its own browser
here). Without chromium the tests are skipped locally, but fail in CI (CI=true), where
they must run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_support import chromium, in_ci, unavailable

from sim.cli import main

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"
ONE_PERSON = REPO / "scenarios" / "one_person.yaml"
KINDS = ["deal", "vs", "compare", "robustness", "sweep_grid", "sweep_morris"]
RENDER_TIMEOUT_MS = 20_000


# ---- the reports -----------------------------------------------------------------------------


def cli(*args: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    assert exited.value.code in (0, None), f"b2bsim {' '.join(args)} exited {exited.value.code}"


def sweep_report(folder: Path, name: str, parameters: dict[str, Any], design: dict) -> Path:
    experiment = folder / f"{name}.yaml"
    experiment.write_text(
        yaml.safe_dump(
            {
                "name": name,
                "description": "a tiny sweep for the browser",
                "scenario": str(BASELINE),
                "base": {"horizon_weeks": 15},
                "parameters": parameters,
                "design": design,
                "replications": 2,
                "seed": 3,
            }
        )
    )
    results = folder / "results" / name
    cli("sweep", str(experiment), "--workers", "1", "--output", str(results))
    output = folder / f"{name}.html"
    cli("report", str(results), "-o", str(output))
    return output


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("browser_reports")
    made = {kind: folder / f"{kind}.html" for kind in ("deal", "vs", "compare")}
    cli("run", str(BASELINE), "--seed", "3", "--html", str(made["deal"]))
    vs = ("--vs", "funnel_pusher,maze_guide")
    cli("run", str(BASELINE), "--seed", "3", *vs, "--html", str(made["vs"]))
    compare = ("--replications", "5", "--workers", "1")
    cli("compare", str(ONE_PERSON), *compare, "--html", str(made["compare"]))
    made["robustness"] = folder / "robustness.html"
    robustness = ("--replications", "10", "--workers", "1", "--sellers", "funnel_pusher,maze_guide")
    cli("robustness", str(ONE_PERSON), *robustness, "--html", str(made["robustness"]))
    made["sweep_grid"] = sweep_report(
        folder,
        "sweep_grid",
        {
            "sellers.ours.strategy": {"values": ["funnel_pusher", "maze_guide"]},
            "committee.size": {"values": [2, 4]},
            "information.overload": {"values": [1.0, 2.0]},
        },
        {"kind": "grid"},
    )
    made["sweep_morris"] = sweep_report(
        folder,
        "sweep_morris",
        {
            "committee.size": {"low": 2, "high": 5, "integer": True},
            "information.overload": {"low": 0.5, "high": 3.0},
        },
        {"kind": "morris", "samples": 2, "levels": 4, "seed": 1},
    )
    return made


# ---- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@dataclass
class Visit:
    """What happened while a report was open."""

    errors: list[str] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)


@pytest.fixture
def open_report(browser: Any) -> Iterator[Any]:
    pages = []

    def visit(path: Path) -> tuple[Any, Visit]:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        pages.append(page)
        seen = Visit()
        page.on(
            "console",
            lambda message: (
                seen.errors.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: seen.errors.append(f"page error: {error}"))

        def only_the_file(route: Any) -> None:
            url = route.request.url
            if url.startswith("file://"):
                seen.allowed.append(url)
                route.continue_()
            else:
                seen.aborted.append(url)
                route.abort()

        page.route("**/*", only_the_file)
        page.goto(path.as_uri(), wait_until="load")
        return page, seen

    yield visit
    for page in pages:
        page.close()


FIGURES_STATE = """() => [...document.querySelectorAll("div[id^='figure-']")].map(
    div => ({id: div.id, svg: div.querySelector('.main-svg') !== null}))"""

ALL_RENDERED = """() => {
    const divs = [...document.querySelectorAll("div[id^='figure-']")];
    return divs.length > 0 && divs.every(div => div.querySelector('.main-svg') !== null);
}"""

HOVER_TARGET = """() => {
    // The first figure with a scatter point or a bar; in it, the first visible mark of a
    // trace that shows hover labels (error bands are drawn with hoverinfo 'skip').
    const marks = '.scatterlayer .trace .point, .barlayer .trace .point';
    for (const div of document.querySelectorAll("div[id^='figure-']")) {
        if (!div.querySelector(marks)) continue;
        for (const trace of div.querySelectorAll('.scatterlayer .trace, .barlayer .trace')) {
            const data = trace.__data__;
            const options = data && data[0] && data[0].trace;
            if (options && (options.hoverinfo === 'skip' || options.hoverinfo === 'none')) {
                continue;
            }
            for (const mark of trace.querySelectorAll('.point')) {
                const box = mark.getBoundingClientRect();
                if (box.width > 2 && box.height > 2) {
                    mark.setAttribute('data-hover-target', 'yes');
                    return div.id;
                }
            }
        }
        return null;
    }
    return null;
}"""


@pytest.mark.parametrize("kind", KINDS)
def test_report_renders_offline(
    kind: str, reports: dict[str, Path], open_report: Any, tmp_path: Path
) -> None:
    page, seen = open_report(reports[kind])

    # Every figure draws its SVG, with every request but the file itself blocked.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # On a timeout, the assertion below says which figures are missing.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(ALL_RENDERED, timeout=RENDER_TIMEOUT_MS)
    figures = page.evaluate(FIGURES_STATE)
    assert figures, "no figure divs in the report"
    missing = [f["id"] for f in figures if not f["svg"]]
    assert not missing, (
        f"figures without an SVG: {missing}; blocked requests: {seen.aborted}; "
        f"errors: {seen.errors}"
    )
    assert not seen.aborted, f"the report asked for remote resources: {seen.aborted}"
    assert all(url.startswith("file://") for url in seen.allowed)

    # Hovering a data point of the first scatter or bar figure shows its label.
    figure_id = page.evaluate(HOVER_TARGET)
    assert figure_id, "no scatter point or bar to hover"
    target = page.locator("[data-hover-target='yes']")
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=5)
    hover = page.locator(f"#{figure_id} .hoverlayer .hovertext")
    hover.first.wait_for(state="visible", timeout=5_000)
    assert hover.count() >= 1
    assert (hover.first.text_content() or "").strip(), "an empty hover label"

    assert not seen.errors, f"errors in the browser: {seen.errors}"

    # A full-page screenshot of the rendered report.
    screenshot = tmp_path / f"{kind}.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.exists()
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000, f"suspiciously small screenshot ({len(data)} bytes)"
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height > 900 * 1.5, "the whole report, not only the first screen"


def test_ci_never_skips_the_browser_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The skip/fail rule itself: in CI a missing browser fails instead of skipping."""
    monkeypatch.setenv("CI", "true")
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        unavailable("chromium is missing")
    monkeypatch.delenv("CI")
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception):
        unavailable("chromium is missing")
    monkeypatch.setenv("CI", "false")
    assert not in_ci()
