"""The HTML reports without a browser: one self-contained file each, opening with a summary
that names the scenario or experiment, every figure with axis titles, scenario strings
escaped, written atomically; the sections of each kind of report; `b2bsim report` errors.

Every report is made once per module, through the CLI as a user would (`run --html`,
`run --vs --html`, `compare --html`, `sweep` + `report`), and the same pages are also built
through the API to inspect the plotly figures themselves."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from sim.analysis.compare import paired_effects, summarize
from sim.cli import main
from sim.config import Scenario, load_scenario
from sim.config.experiment import load_experiment
from sim.config.labels import plain_label
from sim.files import OutputError
from sim.model import simulate
from sim.report import deal_figures, palette
from sim.report.page import Page, Section
from sim.report.palette import strategy_label
from sim.report.reports import (
    compare_report,
    deal_report,
    sweep_report,
    tradeoffs,
    versus_report,
)
from sim.runner import Executors
from sim.store import ResultsStore
from sim.story import divergence_week, tell_story, verdict, verdict_in_brief
from sim.workflow.study import evaluate, strategy_policies
from sim.workflow.sweep import open_store, run_sweep

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"
ONE_PERSON = REPO / "scenarios" / "one_person.yaml"

DEAL_SEED = 3
VS = ("funnel_pusher", "maze_guide")
COMPARE_SELLERS = ("none", "funnel_pusher", "maze_guide")
COMPARE_REPLICATIONS = 5

SCRIPT = "<script>alert(1)</script>"
HOSTILE_NAME = f"Tom & Jerry {SCRIPT}"
HOSTILE_DESCRIPTION = f"Cats & mice {SCRIPT}"
HOSTILE_LABEL = f"Acme & Co {SCRIPT}"
HOSTILE_PERSON = f"Ann & Bob {SCRIPT}"
HOSTILE_EXPERIMENT = "tiny_hostile"  # a folder name: only safe characters are allowed


# ---- making the reports ------------------------------------------------------------------


def cli(*args: str) -> None:
    """`b2bsim ARGS...` in-process; it must succeed (every path ends in SystemExit)."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    assert exited.value.code in (0, None), f"b2bsim {' '.join(args)} exited {exited.value.code}"


def write_experiment(
    folder: Path, name: str, scenario: Path, parameters: dict[str, Any], **fields: Any
) -> Path:
    data = {
        "name": name,
        "description": fields.pop("description", "a tiny test sweep"),
        "scenario": str(scenario),
        "base": {"horizon_weeks": 15},
        "parameters": parameters,
        "replications": 2,
        "seed": 3,
        **fields,
    }
    path = folder / f"{re.sub(r'[^a-z]+', '_', name)}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


GRID_PARAMETERS = {
    "sellers.ours.strategy": {"values": list(VS)},
    "committee.size": {"values": [2, 4]},
    "information.overload": {"values": [1.0, 2.0]},
}
MORRIS_PARAMETERS = {
    "committee.size": {"low": 2, "high": 5, "integer": True},
    "information.overload": {"low": 0.5, "high": 3.0},
}


@dataclass
class Reports:
    folder: Path
    html: dict[str, Path] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    results: dict[str, Path] = field(default_factory=dict)
    experiments: dict[str, Path] = field(default_factory=dict)
    hostile_scenario: Path | None = None


def hostile_scenario_file(folder: Path) -> Path:
    data = {
        "name": HOSTILE_NAME,
        "description": HOSTILE_DESCRIPTION,
        "horizon_weeks": 20,
        "committee": {
            "stakeholders": [
                {"role": "economic_buyer", "name": HOSTILE_PERSON},
                {"role": "champion"},
                {"role": "finance"},
            ]
        },
        "options": {"vendors": {"ours": {"label": HOSTILE_LABEL}}},
    }
    path = folder / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    folder = tmp_path_factory.mktemp("reports")
    out = folder / "html" / "nested"  # reports create their folder
    made = Reports(folder)

    def report(kind: str, *args: str) -> None:
        made.html[kind] = out / f"{kind}.html"
        cli(*args, "--html", str(made.html[kind]))

    def sweep(kind: str, scenario: Path, parameters: dict[str, Any], **fields: Any) -> None:
        name = fields.pop("name", f"tiny_{kind}")
        path = write_experiment(folder, name, scenario, parameters, **fields)
        made.experiments[kind] = path
        made.results[kind] = folder / "results" / kind
        cli("sweep", str(path), "--workers", "1", "--output", str(made.results[kind]))
        made.html[kind] = out / f"{kind}.html"
        cli("report", str(made.results[kind]), "-o", str(made.html[kind]))

    report("deal", "run", str(BASELINE), "--seed", str(DEAL_SEED))
    report("vs", "run", str(BASELINE), "--seed", str(DEAL_SEED), "--vs", ",".join(VS))
    compare = ("--replications", str(COMPARE_REPLICATIONS), "--workers", "1")
    report("compare", "compare", str(ONE_PERSON), *compare)
    report("compare_single", "compare", str(ONE_PERSON), "--sellers", "maze_guide", *compare)
    sweep("sweep_grid", BASELINE, GRID_PARAMETERS, design={"kind": "grid"})
    sweep(
        "sweep_morris",
        BASELINE,
        MORRIS_PARAMETERS,
        design={"kind": "morris", "samples": 2, "levels": 4, "seed": 1},
    )

    hostile = made.hostile_scenario = hostile_scenario_file(folder)
    report("hostile_deal", "run", str(hostile), "--seed", "2")
    report("hostile_vs", "run", str(hostile), "--seed", "2", "--vs", ",".join(VS))
    report("hostile_compare", "compare", str(hostile), "--replications", "3", "--workers", "1")
    sweep(
        "hostile_sweep",
        hostile,
        {"committee.divergence": {"values": [0.5, 1.5]}},
        name=HOSTILE_EXPERIMENT,
        description=HOSTILE_DESCRIPTION,
    )
    made.text = {kind: path.read_text(encoding="utf-8") for kind, path in made.html.items()}
    return made


@pytest.fixture(scope="module")
def pages(reports: Reports) -> dict[str, Page]:
    """The same reports built through the API, to inspect their figures."""
    baseline = load_scenario(BASELINE)
    one_person = load_scenario(ONE_PERSON)
    deals = {s: simulate(baseline.with_strategy(s), DEAL_SEED) for s in VS}
    strategies = list(COMPARE_SELLERS)
    frame = evaluate(
        one_person,
        strategy_policies(strategies),
        replications=COMPARE_REPLICATIONS,
        executors=Executors(workers=1),
    )
    return {
        "deal": deal_report(simulate(baseline, DEAL_SEED), baseline),
        "vs": versus_report(deals, baseline, divergence_week(*deals.values())),
        "compare": compare_report(
            one_person,
            strategies,
            COMPARE_REPLICATIONS,
            1,
            frame,
            summarize(frame, strategies),
            paired_effects(frame, strategies),
        ),
        "sweep_grid": sweep_report(ResultsStore.open(reports.results["sweep_grid"])),
        "sweep_morris": sweep_report(ResultsStore.open(reports.results["sweep_morris"])),
    }


# ---- reading a report ----------------------------------------------------------------------


class ReportParser(HTMLParser):
    """The structure of a report: title, heading, summary, sections, stories, figures."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.summary: list[str] = []
        self.sections: list[str] = []
        self.captions: list[str] = []
        self.stories: list[list[str]] = []
        self.figures: list[str] = []
        self.order: list[str] = []  # h1, summary, h2, figure in document order
        self.scripts: list[dict[str, str | None]] = []
        self._divs: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "div":
            classes = attributes.get("class") or ""
            self._divs.append(classes)
            if "summary" in classes.split():
                self.order.append("summary")
            if "story" in classes.split():
                self.stories.append([])
            identifier = attributes.get("id") or ""
            if identifier.startswith("figure-"):
                self.figures.append(identifier)
                self.order.append("figure")
        elif tag == "script":
            self.scripts.append(attributes)
        elif tag in ("title", "h1", "h2", "p"):
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._divs:
            self._divs.pop()
            return
        if tag not in ("title", "h1", "h2", "p") or self._text is None:
            return
        text = "".join(self._text)
        self._text = None
        inside = {c for classes in self._divs for c in classes.split()}
        if tag == "title":
            self.title = text
        elif tag == "h1":
            self.h1 = text
            self.order.append("h1")
        elif tag == "h2":
            self.sections.append(text)
            self.order.append("h2")
        elif "story" in inside:
            self.stories[-1].append(text)
        elif "summary" in inside:
            self.summary.append(text)
        else:
            self.captions.append(text)


def parse(text: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(text)
    parser.close()
    return parser


ALL_KINDS = [
    "deal",
    "vs",
    "compare",
    "compare_single",
    "sweep_grid",
    "sweep_morris",
    "hostile_deal",
    "hostile_vs",
    "hostile_compare",
    "hostile_sweep",
]
HOSTILE_KINDS = [k for k in ALL_KINDS if k.startswith("hostile")]


# ---- every report: one self-contained file -----------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_report_is_one_self_contained_file(reports: Reports, kind: str) -> None:
    text = reports.text[kind]
    assert text.startswith("<!DOCTYPE html>")
    assert text.rstrip().endswith("</html>")
    bundle = get_plotlyjs()
    assert text.count(bundle) == 1, "plotly.js must be inlined exactly once"
    assert text.count("* plotly.js v") == 1
    report = parse(text)
    with_src = [s for s in report.scripts if s.get("src")]
    assert not with_src, f"scripts loaded from elsewhere: {with_src}"
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", text)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", text)
    # The bundle sits in the head, before any figure script uses it.
    assert text.index(bundle) < text.index("</head>") < text.find('id="figure-')


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_report_opens_with_the_summary(reports: Reports, kind: str) -> None:
    report = parse(reports.text[kind])
    assert report.order[:2] == ["h1", "summary"], report.order[:5]
    assert report.summary and all(line.strip() for line in report.summary)
    assert report.title == report.h1
    assert report.figures, "a report without figures"
    assert len(set(report.figures)) == len(report.figures)


@pytest.mark.parametrize(
    ("kind", "opening"),
    [
        ("deal", "Scenario 'baseline': A committee of seven"),
        ("vs", "Scenario 'baseline': A committee of seven"),
        ("compare", "Scenario 'one_person': A one-person purchase"),
        ("compare_single", "Scenario 'one_person': A one-person purchase"),
        ("sweep_grid", "Experiment 'tiny_sweep_grid': a tiny test sweep"),
        ("sweep_morris", "Experiment 'tiny_sweep_morris': a tiny test sweep"),
        ("hostile_deal", f"Scenario '{HOSTILE_NAME}': {HOSTILE_DESCRIPTION}"),
        ("hostile_sweep", f"Experiment '{HOSTILE_EXPERIMENT}': {HOSTILE_DESCRIPTION}"),
    ],
)
def test_summary_names_the_scenario_or_experiment(
    reports: Reports, kind: str, opening: str
) -> None:
    report = parse(reports.text[kind])
    assert report.summary[0].startswith(opening), report.summary[0]
    name = re.match(r"\w+ '(.*)'", opening).group(1)  # type: ignore[union-attr]
    assert name in report.h1


def test_report_files_are_written_atomically(reports: Reports) -> None:
    folder = next(iter(reports.html.values())).parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for p in reports.html.values()
    ), "only the reports, no temporary files"
    assert not list(reports.folder.rglob("*.tmp"))


def test_a_failed_write_leaves_the_previous_report_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    Page("first", ["the first report"]).write(target)
    before = target.read_text(encoding="utf-8")

    def disk_full(self: Path, data: str, *args: Any, **kwargs: Any) -> int:
        with open(self, "w", encoding="utf-8") as handle:
            handle.write(data[: len(data) // 3])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(OutputError, match="No space"):
        Page("second", ["the second report"]).write(target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == before


def test_a_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report that could not be written leaves nothing half-written next to it."""
    target = tmp_path / "report.html"

    def disk_full(self: Path, data: str, *args: Any, **kwargs: Any) -> int:
        with open(self, "w", encoding="utf-8") as handle:
            handle.write(data[: len(data) // 3])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(OutputError, match="No space"):
        Page("report", ["a report"]).write(target)
    monkeypatch.undo()
    assert not target.exists()
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert leftovers == [], f"a failed write left {leftovers} behind"


# ---- figures -------------------------------------------------------------------------------


def axis_layout(figure: go.Figure, reference: str) -> Any:
    """'x2' -> figure.layout.xaxis2."""
    return figure.layout[f"{reference[0]}axis{reference[1:]}"]


def untitled_panels(figure: go.Figure) -> list[str]:
    """Columns of panels without an x-axis title and rows without a y-axis title (a row
    or column of subplots is titled once, on any of its axes)."""
    problems = []
    for letter in ("x", "y"):
        groups: dict[tuple[float, float], list[str]] = {}
        for trace in figure.data:
            if not hasattr(trace, f"{letter}axis"):
                continue  # not cartesian (Sankey, Table)
            reference = getattr(trace, f"{letter}axis") or letter
            domain = axis_layout(figure, reference).domain or (0.0, 1.0)
            groups.setdefault(tuple(domain), []).append(reference)
        for domain, references in groups.items():
            titles = [axis_layout(figure, r).title.text for r in sorted(set(references))]
            if not any(t and t.strip() for t in titles):
                problems.append(f"{letter} axes {sorted(set(references))} (domain {domain})")
    return problems


def figures(page: Page) -> list[tuple[str, go.Figure]]:
    return [(s.title, s.figure) for s in page.sections if s.figure is not None]


@pytest.mark.parametrize("kind", ["deal", "vs", "compare", "sweep_grid", "sweep_morris"])
def test_every_figure_has_axis_titles(pages: dict[str, Page], kind: str) -> None:
    shown = figures(pages[kind])
    cartesian = [(title, f) for title, f in shown if any(hasattr(t, "xaxis") for t in f.data)]
    assert cartesian, "no cartesian figure to check"
    problems = {title: untitled_panels(f) for title, f in cartesian}
    assert not {t: p for t, p in problems.items() if p}, problems


def test_the_axis_title_check_finds_untitled_panels() -> None:
    bare = go.Figure(go.Scatter(x=[1], y=[1]))
    assert len(untitled_panels(bare)) == 2
    bare.update_layout(xaxis_title="week", yaxis_title="share")
    assert untitled_panels(bare) == []
    panels = make_subplots(rows=1, cols=2)
    panels.add_trace(go.Bar(x=["a"], y=[1]), row=1, col=1)
    panels.add_trace(go.Bar(x=["a"], y=[1]), row=1, col=2)
    panels.update_yaxes(title_text="share", col=1)  # one y title for the row is enough
    panels.update_xaxes(title_text="outcome", col=1)  # but each column needs its x title
    assert untitled_panels(panels) == ["x axes ['x2'] (domain (0.55, 1.0))"]
    assert untitled_panels(go.Figure(go.Sankey())) == []


def test_simple_figures_title_both_primary_axes(pages: dict[str, Page]) -> None:
    """Single-panel figures: layout.xaxis and layout.yaxis carry the titles themselves."""
    checked = 0
    for page in pages.values():
        for title, figure in figures(page):
            cartesian = [t for t in figure.data if hasattr(t, "xaxis")]
            if not cartesian or any((t.xaxis or "x") != "x" for t in cartesian):
                continue
            assert figure.layout.xaxis.title.text, f"{title}: no x-axis title"
            assert figure.layout.yaxis.title.text, f"{title}: no y-axis title"
            checked += 1
    assert checked >= 4  # timelines, outcome mix, forest, sensitivity bars


def test_html_has_one_figure_div_per_figure(reports: Reports, pages: dict[str, Page]) -> None:
    for kind, page in pages.items():
        expected = [f"figure-{i}" for i, s in enumerate(page.sections) if s.figure is not None]
        assert parse(reports.text[kind]).figures == expected, kind


def test_page_renders_sections_in_order_and_escapes_tables() -> None:
    page = Page(
        f"T {SCRIPT}",
        [f"S & {SCRIPT}"],
        [
            Section("A & B", f"C {SCRIPT}", go.Figure(go.Bar(x=["a"], y=[1]))),
            Section("Table", "cap", table=[(f"k {SCRIPT}", "v & w")]),
        ],
    )
    text = page.render()
    assert SCRIPT not in text
    report = parse(text)
    assert report.sections == ["A & B", "Table"]
    assert report.summary == [f"S & {SCRIPT}"]
    assert f"<th>k {html.escape(SCRIPT)}</th><td>v &amp; w</td>" in text


# ---- escaping ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
def test_scenario_strings_are_escaped(reports: Reports, kind: str) -> None:
    text = reports.text[kind]
    assert SCRIPT not in text
    assert "alert(1)" in text  # the strings are shown, escaped, not dropped
    assert "&amp;amp;" not in text and "&amp;lt;" not in text, "escaped twice"
    report = parse(text)
    # Unescaped, the page shows exactly the strings of the files.
    name = HOSTILE_EXPERIMENT if kind == "hostile_sweep" else HOSTILE_NAME
    assert name in report.h1
    assert name in report.title
    assert HOSTILE_DESCRIPTION in report.summary[0]
    assert f"{html.escape(name)}" in text


@pytest.mark.parametrize("kind", ["hostile_deal", "hostile_vs"])
def test_stories_with_scenario_strings_are_escaped(reports: Reports, kind: str) -> None:
    report = parse(reports.text[kind])
    told = "\n".join(line for story in report.stories for line in story)
    assert HOSTILE_LABEL in told or HOSTILE_PERSON in told
    assert HOSTILE_PERSON in reports.text[kind].replace("\\u003c", "<").replace(
        "\\u003e", ">"
    ).replace("\\u002f", "/"), "the stakeholder's name is in the figures' JSON, escaped"


def test_hostile_deal_story_is_told_in_full(reports: Reports) -> None:
    assert reports.hostile_scenario is not None
    scenario = load_scenario(reports.hostile_scenario)
    assert scenario.name == HOSTILE_NAME
    lines = tell_story(simulate(scenario, 2))
    assert parse(reports.text["hostile_deal"]).stories == [lines]


# ---- the deal, vs and compare reports --------------------------------------------------------


def test_deal_report_tells_the_story(reports: Reports) -> None:
    deal = simulate(load_scenario(BASELINE), DEAL_SEED)
    report = parse(reports.text["deal"])
    assert report.stories == [tell_story(deal)]
    assert report.sections == ["The maze, week by week", "Who favours what", "The scenario as run"]
    assert f"seed {DEAL_SEED}" in report.h1
    assert any(f"committee of {deal.n_stakeholders}" in line for line in report.summary)


def test_vs_report_shows_both_strategies(reports: Reports) -> None:
    baseline = load_scenario(BASELINE)
    report = parse(reports.text["vs"])
    labels = [strategy_label(s) for s in VS]
    assert report.sections == ["Side by side", *(f"With {s}" for s in labels), SCENARIO_SECTION]
    assert all(palette.strategy_words(s) in report.summary[1] for s in VS), report.summary
    stories = [tell_story(simulate(baseline.with_strategy(s), DEAL_SEED)) for s in VS]
    assert report.stories == stories
    assert len(report.figures) == 3
    words = [palette.strategy_words(s) for s in VS]
    assert [line.split(":")[0] for line in report.summary[2:4]] == [f"With {s}" for s in words]
    assert [line.split(":")[0] for line in report.summary[4:6]] == [
        f"With {s}, in full" for s in words
    ]
    assert "(maze_guide)" not in " ".join(report.summary)
    assert re.search(r"diverge in week \d+|went exactly the same way", report.summary[-1])


def test_vs_summary_keeps_vendor_labels_as_written() -> None:
    """How each deal ended names the vendor bought exactly as the scenario labels it."""
    scenario = Scenario.model_validate(
        {
            "name": "labels",
            "horizon_weeks": 30,
            "options": {
                "vendors": {"ours": {"label": "Acme CRM"}, "rival": {"label": "Rival Inc"}}
            },
        }
    )
    for seed in range(1, 21):
        deals = {s: simulate(scenario.with_strategy(s), seed) for s in VS}
        bought = [d for d in deals.values() if d.outcome.value in ("won", "lost")]
        if bought:
            break
    else:
        pytest.skip("no purchase in 20 committees")
    page = versus_report(deals, scenario, divergence_week(*deals.values()))
    for deal in bought:
        label = deal.option_labels[deal.chosen_option or ""]
        said = " ".join(page.summary)
        assert f"bought {label} in week {deal.cycle_weeks}" in said, said


def test_vs_timelines_share_one_week_axis(pages: dict[str, Page]) -> None:
    shown = figures(pages["vs"])
    ranges = {tuple(axis.range) for _, f in shown for axis in f.select_xaxes()}
    assert len(shown) == 3 and len(ranges) == 1, ranges
    deals = [simulate(load_scenario(BASELINE).with_strategy(s), DEAL_SEED) for s in VS]
    assert ranges == {(0.5, max(d.weeks_simulated for d in deals) + 1.0)}


SCENARIO_SECTION = "The scenario as run"
COMPARE_TAIL = ("Seller effort", "Words used", SCENARIO_SECTION)
COMPARE_SECTIONS = {
    "Outcome mix": {"bar"},
    "When deals end": {"scatter"},
    "Paired effects": {"scatter"},
    "The funnel and the maze": {"sankey"},
    "Loop-backs and time with sellers": {"box"},
}


def test_compare_report_sections(reports: Reports, pages: dict[str, Page]) -> None:
    report = parse(reports.text["compare"])
    assert report.sections == [*COMPARE_SECTIONS, *COMPARE_TAIL]
    kinds = {title: {t.type for t in f.data} for title, f in figures(pages["compare"])}
    assert kinds == COMPARE_SECTIONS
    sankey = dict(figures(pages["compare"]))["The funnel and the maze"]
    assert [t.name for t in sankey.data] == list(COMPARE_SELLERS)  # one panel per strategy
    assert '"type":"sankey"' in reports.text["compare"]
    assert all(palette.strategy_words(s) in report.summary[1] for s in COMPARE_SELLERS)
    forest = dict(figures(pages["compare"]))["Paired effects"]
    labels = list(forest.data[0].y)
    assert any(label.startswith("maze guide vs funnel pusher: ") for label in labels), labels
    assert not any("high-quality purchase" in label for label in labels)


def test_compare_report_of_one_strategy_has_no_paired_effects(reports: Reports) -> None:
    report = parse(reports.text["compare_single"])
    assert "Paired effects" not in report.sections
    assert report.sections == [t for t in COMPARE_SECTIONS if t != "Paired effects"] + list(
        COMPARE_TAIL
    )


def test_compare_incidence_has_a_panel_per_ending(pages: dict[str, Page]) -> None:
    incidence = dict(figures(pages["compare"]))["When deals end"]
    titles = [a.text for a in incidence.layout.annotations]
    assert titles == ["won", "lost to a competitor", "no decision"]
    for trace in incidence.data:
        if trace.fill is None:  # the curves, not their bands
            assert all(0 <= y <= 1 for y in trace.y)


# ---- the sweep report ----------------------------------------------------------------------


def test_grid_sweep_report_sections(reports: Reports) -> None:
    report = parse(reports.text["sweep_grid"])
    assert report.sections == [
        "Outcomes against committee size",
        "Outcomes against information overload (x)",
        "Two parameters at once",
        "The design",
    ]
    assert "Sensitivity" not in report.sections
    assert "16 of 16 planned deals stored" in report.summary[1]
    assert "8 design points x 2 replications" in report.summary[1]


def test_grid_sweep_figures(pages: dict[str, Page]) -> None:
    shown = dict(figures(pages["sweep_grid"]))
    lines = shown["Outcomes against committee size"]
    bands = [t for t in lines.data if t.fill == "toself"]
    assert bands and all(t.mode == "lines" for t in bands)  # no stray markers at band corners
    named = {t.name for t in lines.data if t.showlegend is not False}
    assert named == set(VS)  # one line per strategy
    heatmap = shown["Two parameters at once"]
    assert [t.type for t in heatmap.data] == ["heatmap", "heatmap"]  # a panel per strategy
    for trace in heatmap.data:
        assert all(0 <= z <= 1 for row in trace.z for z in row)
    assert shown["The design"].data[0].type == "table"


def test_morris_sweep_report_has_sensitivity(reports: Reports, pages: dict[str, Page]) -> None:
    report = parse(reports.text["sweep_morris"])
    assert "Sensitivity" in report.sections
    assert "morris design" in report.summary[1]
    bars = dict(figures(pages["sweep_morris"]))["Sensitivity"]
    assert {t.type for t in bars.data} == {"bar"}
    assert set(bars.data[0].y) == {plain_label(p) for p in MORRIS_PARAMETERS}


def test_morris_report_of_another_metric(reports: Reports, run_cli, tmp_path: Path) -> None:
    output = tmp_path / "no_decision.html"
    result = run_cli(
        "report", str(reports.results["sweep_morris"]), "-o", str(output), "--metric", "lost"
    )
    assert result.code == 0, result.err
    assert str(output) in result.out.replace("\n", "")
    report = parse(output.read_text(encoding="utf-8"))
    caption = report.captions[report.sections.index("Sensitivity")]
    assert "lost rate" in caption


def test_sweep_report_of_strategies_only(tmp_path: Path) -> None:
    path = write_experiment(
        tmp_path, "strategies", BASELINE, {"sellers.ours.strategy": {"values": list(VS)}}
    )
    loaded = load_experiment(path)
    store = open_store(loaded, str(tmp_path / "results"), fresh=False)
    run_sweep(loaded, store, workers=1)
    page = sweep_report(store)
    assert [s.title for s in page.sections] == ["Outcomes per our seller's strategy", "The design"]
    assert not untitled_panels(page.sections[0].figure)  # type: ignore[arg-type]


def test_sweep_report_before_any_run(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, "empty", BASELINE, {"committee.size": {"values": [2, 3]}})
    store = open_store(load_experiment(path), str(tmp_path / "results"), fresh=False)
    page = sweep_report(store)
    assert page.sections == []
    assert "No deals are stored yet" in page.summary[-1]
    assert "0 of 4 planned deals stored" in page.summary[1]


# ---- `b2bsim report` errors -----------------------------------------------------------------


def assert_clean_error(result: Any, *words: str) -> None:
    assert result.code == 2, (result.code, result.err)
    assert "Traceback" not in result.err + result.out
    assert result.err.startswith("error:"), result.err
    for word in words:
        assert word in result.err, result.err


def test_report_of_a_missing_folder(run_cli, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = run_cli("report", str(tmp_path / "nowhere"), "-o", str(output))
    assert_clean_error(result, "no such results folder")
    assert not output.exists()


def test_report_of_a_folder_that_holds_no_results(run_cli, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("hello")
    output = tmp_path / "report.html"
    result = run_cli("report", str(tmp_path / "plain"), "-o", str(output))
    assert_clean_error(result, "not a results folder")
    assert not output.exists()


def test_report_with_an_unknown_metric(run_cli, reports: Reports, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = run_cli(
        "report", str(reports.results["sweep_grid"]), "-o", str(output), "--metric", "bogus"
    )
    assert_clean_error(result, "--metric", "bogus", "won")
    assert not output.exists()


def test_scenario_name_round_trips(reports: Reports) -> None:
    """The hostile scenario file is read back exactly (the test's premise)."""
    assert reports.hostile_scenario is not None
    scenario: Scenario = load_scenario(reports.hostile_scenario)
    assert scenario.description == HOSTILE_DESCRIPTION
    assert scenario.options.vendors["ours"].label == HOSTILE_LABEL


# ---- why a deal ended, and the rule it was judged by ----------------------------------------


def test_deal_report_opens_with_the_verdict(reports: Reports) -> None:
    scenario = load_scenario(BASELINE)
    deal = simulate(scenario, DEAL_SEED)
    report = parse(reports.text["deal"])
    full = f"Why it ended this way, in full: {verdict(deal, scenario.decision)}"
    assert full in report.summary
    brief = verdict_in_brief(deal, scenario.decision)
    at = report.summary.index(full)
    assert report.summary[at - 3 : at] == brief  # the three-line verdict above the full one


def test_the_committee_chart_draws_the_decision_rule(pages: dict[str, Page]) -> None:
    rule = load_scenario(BASELINE).decision
    committee = dict(figures(pages["deal"]))["Who favours what"]
    levels = sorted(shape.y0 for shape in committee.layout.shapes if shape.y0 == shape.y1)
    assert levels == sorted([rule.support_threshold, rule.confidence_threshold, rule.stall_urgency])
    words = " ".join(a.text for a in committee.layout.annotations)
    assert f"support needed: {rule.support_threshold:.0%}" in words
    assert f"confidence needed: {rule.confidence_threshold:.0%}" in words
    assert f"urgency {rule.stall_urgency:.2f}" in words


def test_week_axes_fit_the_deal_in_whole_weeks() -> None:
    scenario = Scenario.model_validate({"name": "short", "horizon_weeks": 8})
    deal = simulate(scenario, 1)
    figure = deal_figures.timeline(deal)
    assert tuple(figure.layout.xaxis.range) == (0.5, deal.weeks_simulated + 1.0)
    assert figure.layout.xaxis.dtick == 1 and figure.layout.xaxis.tickformat == "d"
    committee = deal_figures.preferences(deal, scenario.decision)
    assert all(axis.dtick == 1 for axis in committee.select_xaxes())
    long = deal_figures.week_axis(78)
    assert long["dtick"] >= 4 and 78 / long["dtick"] <= 20


def test_no_report_says_nan_or_a_none_seller(reports: Reports) -> None:
    for kind, text in reports.text.items():
        body = text.split("<body>", 1)[1]
        shown = re.sub(r"<script.*?</script>", "", body, flags=re.S)
        assert not re.search(r"\bnan\b", shown, re.I), kind
        assert "a none" not in shown, kind


def test_comparison_opens_with_the_trade_offs(pages: dict[str, Page]) -> None:
    summary = pages["compare"].summary
    per_strategy = [line for line in summary if line.startswith("With ")]
    assert len(per_strategy) == len(COMPARE_SELLERS)
    for line in per_strategy:
        assert "won " in line and "no decision " in line and "our high-quality wins" in line
        assert "hours" in line and ("decided within" in line or "fewer than half" in line)
    said = " ".join(summary)
    assert "most often" not in said and "(maze_guide)" not in said
    verdicts = [line for line in summary if " against " in line and "committees" in line]
    assert verdicts, summary
    for line in verdicts:
        assert re.search(r"\b(ahead|behind|cannot tell on \d+ committees)\b", line), line


def test_trade_offs_without_paired_effects_rank_nothing() -> None:
    summary = pd.DataFrame(
        [
            {"strategy": "funnel_pusher", "won": 0.3, "no_decision": 0.4, "seller_hours": 900.0,
             "seller_hours_per_won": 100.0, "median_weeks_to_decision": 20.0},
            {"strategy": "none", "won": 0.05, "no_decision": 0.5, "seller_hours": 0.0,
             "seller_hours_per_won": 0.0, "median_weeks_to_decision": float("nan")},
        ]
    )  # fmt: skip
    lines = tradeoffs(summary)
    assert len(lines) == 2 and lines[0].startswith("With funnel pusher: won 30%")
    assert "no seller hours" in lines[1] and "fewer than half decided" in lines[1]


# ---- one colour per strategy and per product -----------------------------------------------


def trace_colours(figure: go.Figure) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for trace in figure.data:
        colour = None
        if getattr(trace, "marker", None) is not None and isinstance(trace.marker.color, str):
            colour = trace.marker.color
        if getattr(trace, "line", None) is not None and isinstance(trace.line.color, str):
            colour = colour or trace.line.color
        if colour and trace.name:
            found.setdefault(trace.name, set()).add(colour)
    return found


def test_a_strategy_has_one_colour_in_every_comparison_figure(pages: dict[str, Page]) -> None:
    for title, figure in figures(pages["compare"]):
        if title in ("Paired effects", "The funnel and the maze"):
            continue
        for name, colours in trace_colours(figure).items():
            strategy = name.split(" (")[-1].rstrip(")")
            assert colours == {palette.STRATEGY_COLOURS[strategy]}, (title, name, colours)


def test_our_product_and_doing_nothing_keep_their_colours(pages: dict[str, Page]) -> None:
    favourites = dict(figures(pages["deal"]))["Who favours what"]
    colours = trace_colours(favourites)
    assert colours["our product"] == {palette.OUR_PRODUCT_COLOUR}
    assert colours["doing nothing"] == {palette.STATUS_QUO_COLOUR}
    strategy_colours = set(palette.STRATEGY_COLOURS.values())
    assert palette.OUR_PRODUCT_COLOUR not in strategy_colours
    assert not set(palette.RIVAL_COLOURS) & strategy_colours


def test_sankey_panels_share_one_node_order_and_one_scale(pages: dict[str, Page]) -> None:
    sankey = dict(figures(pages["compare"]))["The funnel and the maze"]
    panels = list(sankey.data)
    assert len({tuple(p.node.label) for p in panels}) == 1
    assert len({(tuple(p.node.x), tuple(p.node.y)) for p in panels}) == 1
    totals = {round(sum(p.link.value), 9) for p in panels}
    assert len(totals) == 1, "every panel is filled up to the same total: one scale"
    for panel in panels:
        assert panel.link.color[-1] == "rgba(0,0,0,0)", "the filler is invisible"


def test_jargon_has_plain_words_beside_it(reports: Reports) -> None:
    text = parse(reports.text["compare"])
    words = " ".join(text.summary) + reports.text["compare"]
    for term in ("Aalen-Johansen", "Kaplan-Meier", "risk difference", "censored"):
        assert term in words
    assert "funnel pusher (funnel_pusher)" in words


def test_side_by_side_shades_the_divergence_week_in_every_panel(pages: dict[str, Page]) -> None:
    baseline = load_scenario(BASELINE)
    deals = [simulate(baseline.with_strategy(s), DEAL_SEED) for s in VS]
    diverged = divergence_week(*deals)
    figure = dict(figures(pages["vs"]))["Side by side"]
    shaded = [s for s in figure.layout.shapes if s.type == "rect"]
    if diverged is None:
        assert shaded == []
        return
    assert len(shaded) == 6, "swimlanes, committee and the rule's lanes, both deals"
    assert {(s.x0, s.x1) for s in shaded} == {(diverged - 0.5, diverged + 0.5)}
    assert f"week {diverged}" in figure.layout.title.text
    panels = [a.text for a in figure.layout.annotations if a.text.startswith("with ")]
    assert panels == [f"with {strategy_label(s)}" for s in VS]
