"""The explorer's Dash app: pick a scenario, move a few sliders, play a deal week by week,
replay the same committee with another seller, run a quick comparison, download reports.

Dash (Plotly's own app framework) serves the very Plotly figures the HTML reports use, with
no front-end build step. Every callback turns bad input into a message in the page; the
server never answers with a traceback.
"""

from __future__ import annotations

import base64
import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import dash
import plotly.graph_objects as go
import yaml
from dash import Input, Output, State, ctx, dcc, html, no_update
from pydantic import ValidationError

from sim.app.controls import Controls, apply_controls, controls_from
from sim.app.jobs import ComparisonJob, JobBoard
from sim.app.playback import Playback, deal_until
from sim.config import ConfigError, Scenario, load_scenario
from sim.config.catalogue import named_scenarios
from sim.config.loading import describe_validation_error
from sim.config.scenario import SELLER_STRATEGIES
from sim.model import DealResult, simulate
from sim.report import compare_figures, deal_figures
from sim.report.reports import compare_report, deal_report, versus_report
from sim.story import divergence_week, tell_story

log = logging.getLogger("b2bsim.explore")
UPLOADED = "(uploaded file)"
TICK_MS = 800


@functools.lru_cache(maxsize=64)
def _simulate(scenario_json: str, seed: int) -> DealResult:
    return simulate(Scenario.model_validate_json(scenario_json), seed)


def _message(text: str, kind: str = "error") -> html.Div:
    return html.Div(text, className=f"message {kind}", role="alert" if kind == "error" else None)


def guarded(*fallback: Any) -> Callable:
    """Run a callback; bad input becomes a message (the last output), anything unexpected
    too, logged but never sent as a traceback."""

    def wrap(callback: Callable) -> Callable:
        @functools.wraps(callback)
        def inner(*args: Any) -> Any:
            try:
                return callback(*args)
            except ConfigError as error:
                return (*fallback, _message(str(error)))
            except ValidationError as error:
                problems = "; ".join(describe_validation_error(error))
                return (*fallback, _message(f"check the settings: {problems}"))
            except ValueError as error:
                return (*fallback, _message(f"check the settings: {error}"))
            except Exception as error:
                log.exception("callback %s failed", callback.__name__)
                return (
                    *fallback,
                    _message(f"something went wrong: {type(error).__name__}: {error}"),
                )

        return inner

    return wrap


def _slider(
    id_: str, low: float, high: float, step: float, label: str, marks: dict | None = None
) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=id_),
            dcc.Slider(
                id=id_,
                min=low,
                max=high,
                step=step,
                marks=marks or {low: str(low), high: str(high)},
                tooltip={"placement": "bottom", "always_visible": False},
            ),
        ],
        className="control",
    )


def layout() -> html.Div:
    names = list(named_scenarios())
    return html.Div(
        [
            html.H1("b2bsim explorer: the buying committee in the maze"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Scenario", htmlFor="scenario"),
                            dcc.Dropdown(
                                id="scenario",
                                options=[{"label": n, "value": n} for n in names],
                                value="baseline" if "baseline" in names else names[0],
                                clearable=False,
                            ),
                            html.P(id="description", className="description"),
                            dcc.Upload(
                                id="upload",
                                children=html.Button("or load a scenario file (YAML)"),
                                accept=".yaml,.yml",
                            ),
                        ],
                        className="control wide",
                    ),
                    _slider(
                        "committee-size",
                        1,
                        50,
                        1,
                        "Committee size",
                        {1: "1", 7: "7", 20: "20", 50: "50"},
                    ),
                    _slider(
                        "risk-aversion",
                        0.0,
                        5.0,
                        0.05,
                        "How risk-averse",
                        {0: "bold", 1: "1", 5: "wary"},
                    ),
                    _slider(
                        "divided", 0.0, 5.0, 0.05, "How divided", {0: "aligned", 1: "1", 5: "split"}
                    ),
                    _slider(
                        "overload",
                        0.1,
                        10.0,
                        0.1,
                        "Information overload",
                        {0.1: "little", 1: "1", 10: "flood"},
                    ),
                    _slider(
                        "strength",
                        -0.3,
                        0.3,
                        0.05,
                        "Our product vs as written",
                        {-0.3: "weaker", 0: "0", 0.3: "stronger"},
                    ),
                    html.Div(
                        [
                            html.Label("Our seller", htmlFor="strategy"),
                            dcc.RadioItems(
                                id="strategy",
                                options=[{"label": s, "value": s} for s in SELLER_STRATEGIES],
                                inline=True,
                            ),
                        ],
                        className="control",
                    ),
                    _slider(
                        "capacity", 1, 80, 1, "Seller hours a week", {1: "1", 10: "10", 80: "80"}
                    ),
                    html.Div(
                        [
                            html.Label("Committee (seed)", htmlFor="seed"),
                            dcc.Input(
                                id="seed",
                                type="number",
                                value=1,
                                min=0,
                                step=1,
                                style={"width": "9rem"},
                            ),
                        ],
                        className="control",
                    ),
                ],
                className="controls",
            ),
            html.Div(id="message", **{"aria-live": "polite"}),
            html.H2("One deal, week by week"),
            html.Div(
                [
                    html.Button("Run the deal", id="run-deal", className="primary"),
                    html.Button("Play / pause", id="play"),
                    html.Button("Step one week", id="step"),
                    html.Button("Reset", id="reset"),
                    html.Span("no deal yet", id="week-label", className="week"),
                    html.Span(" replay the same committee with ", className="hint"),
                    dcc.Dropdown(
                        id="replay-strategy",
                        options=[{"label": s, "value": s} for s in SELLER_STRATEGIES],
                        value="maze_guide",
                        clearable=False,
                        style={
                            "width": "170px",
                            "display": "inline-block",
                            "verticalAlign": "middle",
                        },
                    ),
                    html.Button("Replay side by side", id="replay"),
                    html.Button("Download deal report", id="download-deal"),
                ],
                className="toolbar",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            dcc.Graph(
                                id="timeline", figure=_empty("Run a deal to see its swimlanes")
                            ),
                            dcc.Graph(
                                id="timeline-replay", figure=_empty(""), style={"display": "none"}
                            ),
                            dcc.Graph(id="preferences", figure=_empty("")),
                        ]
                    ),
                    html.Div(id="story", className="story"),
                ],
                className="with-story",
            ),
            html.H2("Quick comparison of seller strategies"),
            html.Div(
                [
                    html.Label("Committees per strategy", htmlFor="replications"),
                    dcc.Input(
                        id="replications",
                        type="number",
                        value=200,
                        min=10,
                        max=2000,
                        step=10,
                        style={"width": "9rem"},
                    ),
                    html.Button("Compare", id="compare", className="primary"),
                    html.Progress(id="compare-progress", value="0", max="1"),
                    html.Span(id="compare-status"),
                    html.Button("Download comparison report", id="download-compare"),
                ],
                className="toolbar",
            ),
            html.Div(
                [
                    dcc.Graph(id="outcome-mix", figure=_empty("")),
                    dcc.Graph(id="incidence", figure=_empty("")),
                ],
            ),
            dcc.Store(id="base-scenario"),
            dcc.Store(id="deal"),
            dcc.Store(id="comparison"),
            dcc.Interval(id="ticker", interval=TICK_MS, disabled=True),
            dcc.Interval(id="poll", interval=500, disabled=True),
            dcc.Download(id="download"),
        ],
        className="page",
    )


def _empty(title: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        title=title,
        xaxis={"visible": False},
        yaxis={"visible": False},
        height=220,
        annotations=[],
    )
    return figure


def create_app(workers: int | None = None) -> dash.Dash:
    board = JobBoard(workers=workers)
    # assets/explorer.css beside this module is served by Dash itself.
    app = dash.Dash(__name__, title="b2bsim explorer", update_title=None)
    app.layout = layout()

    # ---- scenario and controls --------------------------------------------------------

    @app.callback(
        Output("base-scenario", "data"),
        Output("description", "children"),
        Output("committee-size", "value"),
        Output("risk-aversion", "value"),
        Output("divided", "value"),
        Output("overload", "value"),
        Output("strength", "value"),
        Output("strategy", "value"),
        Output("capacity", "value"),
        Output("message", "children", allow_duplicate=True),
        Input("scenario", "value"),
        Input("upload", "contents"),
        State("upload", "filename"),
        prevent_initial_call="initial_duplicate",
    )
    @guarded(*([no_update] * 9))
    def choose_scenario(name: str, contents: str | None, filename: str | None) -> tuple:
        if ctx.triggered_id == "upload" and contents:
            scenario = _read_upload(contents, filename or "uploaded file")
            note = _message(f"loaded {filename}", "info")
        else:
            scenario = load_scenario(named_scenarios()[name])
            note = None
        c = controls_from(scenario)
        return (
            scenario.model_dump_json(),
            scenario.description or "(no description)",
            c.committee_size,
            c.risk_aversion,
            c.divided,
            c.overload,
            c.product_strength,
            c.strategy,
            c.capacity,
            note,
        )

    def current_scenario(base: str | None, *values: Any) -> tuple[Scenario, Controls]:
        if not base:
            raise ValueError("choose a scenario first")
        size, risk, divided, overload, strength, strategy, capacity, seed = values
        controls = Controls(
            committee_size=size,
            risk_aversion=risk,
            divided=divided,
            overload=overload,
            product_strength=strength,
            strategy=strategy,
            capacity=capacity,
            seed=_whole_number(seed, "Committee (seed)"),
        )
        return apply_controls(Scenario.model_validate_json(base), controls), controls

    control_states = [
        State("base-scenario", "data"),
        State("committee-size", "value"),
        State("risk-aversion", "value"),
        State("divided", "value"),
        State("overload", "value"),
        State("strength", "value"),
        State("strategy", "value"),
        State("capacity", "value"),
        State("seed", "value"),
    ]

    # ---- one deal: run, play, step, reset, replay ---------------------------------------

    @app.callback(
        Output("deal", "data"),
        Output("ticker", "disabled"),
        Output("message", "children", allow_duplicate=True),
        Input("run-deal", "n_clicks"),
        Input("replay", "n_clicks"),
        Input("play", "n_clicks"),
        Input("step", "n_clicks"),
        Input("reset", "n_clicks"),
        Input("ticker", "n_intervals"),
        State("deal", "data"),
        State("replay-strategy", "value"),
        *control_states,
        prevent_initial_call=True,
    )
    @guarded(no_update, no_update)
    def drive_deal(*args: Any) -> tuple:
        deal_state, replay_strategy, *controls = args[6:]
        trigger = ctx.triggered_id
        if trigger == "run-deal":
            scenario, chosen = current_scenario(*controls)
            deal = _simulate(scenario.model_dump_json(), chosen.seed)
            state = {
                "scenario": scenario.model_dump_json(),
                "seed": chosen.seed,
                "replay": None,
                "week": 1,
                "last_week": deal.weeks_simulated,
                "playing": False,
            }
            return state, True, None
        if not deal_state:
            return no_update, True, _message("run a deal first", "info")
        if trigger == "replay":
            scenario = Scenario.model_validate_json(deal_state["scenario"])
            other = scenario.with_strategy(replay_strategy)
            first = _simulate(deal_state["scenario"], deal_state["seed"])
            second = _simulate(other.model_dump_json(), deal_state["seed"])
            last = max(first.weeks_simulated, second.weeks_simulated)
            state = {**deal_state, "replay": other.model_dump_json(), "last_week": last}
            return state, not state["playing"], None
        playback = Playback(deal_state["week"], deal_state["last_week"], deal_state["playing"])
        playback = {
            "play": playback.toggle,
            "step": playback.step,
            "reset": playback.reset,
            "ticker": playback.tick,
        }[trigger]()
        state = {**deal_state, "week": playback.week, "playing": playback.playing}
        return state, not playback.playing, None

    @app.callback(
        Output("timeline", "figure"),
        Output("timeline-replay", "figure"),
        Output("timeline-replay", "style"),
        Output("preferences", "figure"),
        Output("story", "children"),
        Output("week-label", "children"),
        Output("message", "children", allow_duplicate=True),
        Input("deal", "data"),
        prevent_initial_call=True,
    )
    @guarded(no_update, no_update, no_update, no_update, no_update, no_update)
    def show_deal(state: dict | None) -> tuple:
        if not state:
            return (no_update,) * 7
        week = state["week"]
        deal = _simulate(state["scenario"], state["seed"])
        shown = deal_until(deal, week)
        ongoing = week < deal.weeks_simulated
        strategy = deal.strategies.get(deal.our_vendor, "none")
        timeline = deal_figures.timeline(
            shown, title=f"With a {strategy} as our seller", ongoing=ongoing
        )
        timeline.update_xaxes(range=[0.5, state["last_week"] + 1.5])
        replay_figure, replay_style = _empty(""), {"display": "none"}
        story = _story_lines(shown, week)
        if state["replay"]:
            other = _simulate(state["replay"], state["seed"])
            other_shown = deal_until(other, week)
            other_strategy = other.strategies.get(other.our_vendor, "none")
            replay_figure = deal_figures.timeline(
                other_shown,
                title=f"The same committee with a {other_strategy}",
                ongoing=week < other.weeks_simulated,
            )
            replay_figure.update_xaxes(range=[0.5, state["last_week"] + 1.5])
            replay_style = {}
            diverged = divergence_week(deal, other)
            story = [
                html.P(
                    f"The stories diverge in week {diverged}."
                    if diverged
                    else "The two deals go exactly the same way.",
                    className="now",
                ),
                html.H4(f"with {strategy}"),
                *story,
                html.H4(f"with {other_strategy}"),
                *_story_lines(other_shown, week),
            ]
        label = f"week {week} of {state['last_week']}"
        if not ongoing:
            label += f": {deal.outcome.value.replace('_', ' ')}"
        return (
            timeline,
            replay_figure,
            replay_style,
            deal_figures.preferences(shown),
            story,
            label,
            None,
        )

    # ---- quick comparison ---------------------------------------------------------------

    @app.callback(
        Output("comparison", "data"),
        Output("poll", "disabled"),
        Output("message", "children", allow_duplicate=True),
        Input("compare", "n_clicks"),
        State("replications", "value"),
        *control_states,
        prevent_initial_call=True,
    )
    @guarded(no_update, no_update)
    def start_comparison(_: int, replications: Any, *controls: Any) -> tuple:
        if not isinstance(replications, int | float) or not 10 <= replications <= 2000:
            raise ValueError("committees per strategy must be a number from 10 to 2000")
        scenario, chosen = current_scenario(*controls)
        job = ComparisonJob(
            scenario, scenario.available_strategies(), int(replications), chosen.seed
        )
        return {"job": board.start(job)}, False, None

    @app.callback(
        Output("compare-progress", "value"),
        Output("compare-status", "children"),
        Output("outcome-mix", "figure"),
        Output("incidence", "figure"),
        Output("poll", "disabled", allow_duplicate=True),
        Output("message", "children", allow_duplicate=True),
        Input("poll", "n_intervals"),
        State("comparison", "data"),
        prevent_initial_call=True,
    )
    @guarded(no_update, no_update, no_update, no_update, True)
    def poll_comparison(_: int, data: dict | None) -> tuple:
        job = board.get((data or {}).get("job"))
        if job is None:
            return no_update, "", no_update, no_update, True, None
        if not job.finished.is_set():
            text = f"{job.done} of {job.total or '...'} deals simulated"
            return str(job.progress), text, no_update, no_update, False, None
        if job.error:
            return "0", "", no_update, no_update, True, _message(f"comparison failed: {job.error}")
        assert job.rows is not None and job.summary is not None
        return (
            "1",
            f"done: {job.total} deals",
            compare_figures.outcome_mix(job.summary),
            compare_figures.incidence_curves(job.rows, job.strategies),
            True,
            None,
        )

    # ---- downloads ------------------------------------------------------------------------

    @app.callback(
        Output("download", "data"),
        Output("message", "children", allow_duplicate=True),
        Input("download-deal", "n_clicks"),
        Input("download-compare", "n_clicks"),
        State("deal", "data"),
        State("comparison", "data"),
        prevent_initial_call=True,
    )
    @guarded(no_update)
    def download(_: int, __: int, deal_state: dict | None, comparison: dict | None) -> tuple:
        if ctx.triggered_id == "download-deal":
            if not deal_state:
                return no_update, _message("run a deal first", "info")
            scenario = Scenario.model_validate_json(deal_state["scenario"])
            deal = _simulate(deal_state["scenario"], deal_state["seed"])
            if deal_state["replay"]:
                other = _simulate(deal_state["replay"], deal_state["seed"])
                strategies = [deal.strategies[deal.our_vendor], other.strategies[other.our_vendor]]
                page = versus_report(
                    dict(zip(strategies, [deal, other], strict=True)),
                    scenario,
                    divergence_week(deal, other),
                )
            else:
                page = deal_report(deal, scenario)
            filename = f"deal-{scenario.name}-seed{deal.seed}.html"
            return dcc.send_string(page.render(), filename), None
        job = board.get((comparison or {}).get("job"))
        if job is None or not job.finished.is_set() or job.error:
            return no_update, _message("run a comparison first and let it finish", "info")
        assert job.rows is not None and job.summary is not None and job.effects is not None
        page = compare_report(
            job.scenario,
            job.strategies,
            job.replications,
            job.seed,
            job.rows,
            job.summary,
            job.effects,
        )
        return dcc.send_string(page.render(), f"compare-{job.scenario.name}.html"), None

    return app


def _whole_number(value: Any, label: str) -> int:
    """The page sends nothing for an empty or out-of-range number box."""
    if value is None or not float(value).is_integer() or value < 0:
        raise ValueError(f"{label}: enter a whole number, 0 or more")
    return int(value)


def _story_lines(deal: DealResult, week: int) -> list[html.P]:
    lines = tell_story(deal)
    return [
        html.P(line, className="now" if line.startswith(f"week {week}:") else None)
        for line in reversed(lines)
    ]


def _read_upload(contents: str, filename: str) -> Scenario:
    from sim.config.loading import validate_mapping

    try:
        _, encoded = contents.split(",", 1)
        text = base64.b64decode(encoded).decode("utf-8")
        data = yaml.safe_load(text)
    except (ValueError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(filename, [f"not a readable YAML file ({error})"]) from error
    if not isinstance(data, dict):
        raise ConfigError(filename, ["the top level must be a mapping of fields"])
    return validate_mapping(Scenario, data, filename)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def serve(
    host: str = "127.0.0.1",
    port: int = 8050,
    max_seconds: float | None = None,
    workers: int | None = None,
) -> None:
    """Serve the explorer; with `max_seconds` the server stops by itself (tests)."""
    app = create_app(workers)
    if max_seconds is not None:
        import os

        timer = threading.Timer(max_seconds, lambda: os._exit(0))
        timer.daemon = True
        timer.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    started = time.strftime("%H:%M:%S")
    log.info("serving from %s", started)
    app.run(host=host, port=port, debug=False)
