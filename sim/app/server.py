"""The explorer's Dash app: pick or upload a scenario, move a few sliders, play a deal week by
week, replay the same committee with another seller side by side, run a quick comparison,
download reports that record what was run.

Dash (Plotly's own app framework) serves the very Plotly figures the HTML reports use, with
no front-end build step. Every callback turns bad input into a message beside the control
that caused it; the server never answers with a traceback.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from pydantic import ValidationError

from sim.app.access import Access, session_id
from sim.app.controls import (
    Controls,
    apply_controls,
    changed_settings,
    controls_from,
    report_filename,
)
from sim.app.jobs import Busy, ComparisonJob, JobBoard, TerritoryJob
from sim.app.layout import HIDDEN, SHOWN, SPEEDS, UPLOADED, layout, strategy_options
from sim.app.playback import Playback, deal_until
from sim.app.territory_view import territory_choices, territory_request, territory_results
from sim.app.upload import read_upload
from sim.config import ConfigError, Scenario, load_scenario
from sim.config.catalogue import named_scenarios
from sim.config.loading import describe_validation_error
from sim.model import DealResult, simulate
from sim.report import compare_figures, deal_figures
from sim.report.palette import strategy_label, strategy_words
from sim.report.reports import (
    compare_report,
    deal_report,
    seller_words,
    tradeoffs,
    versus_report,
)
from sim.story import divergence_week, tell_story, verdict, verdict_in_brief

log = logging.getLogger("b2bsim.explore")


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
            except PreventUpdate:
                raise
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


def create_app(workers: int | None = None, access: Access | None = None) -> dash.Dash:
    board = JobBoard(workers=workers)
    # assets/explorer.css beside this module is served by Dash itself.
    app = dash.Dash(__name__, title="b2bsim explorer", update_title=None)
    (access or Access.for_host("127.0.0.1")).install(app.server)
    app.layout = layout

    # ---- scenario and controls --------------------------------------------------------

    @app.callback(
        Output("base-scenario", "data"),
        Output("loaded-name", "children"),
        Output("description", "children"),
        Output("scenario", "options"),
        Output("scenario", "value"),
        Output("committee-size", "value"),
        Output("risk-aversion", "value"),
        Output("divided", "value"),
        Output("overload", "value"),
        Output("strength", "value"),
        Output("strategy", "options"),
        Output("strategy", "value"),
        Output("capacity", "value"),
        Output("replay-strategy", "options"),
        Output("replay-strategy", "value"),
        Output("uploaded", "data"),
        Output("upload-message", "children"),
        Input("scenario", "value"),
        Input("upload", "contents"),
        State("upload", "filename"),
        State("uploaded", "data"),
    )
    @guarded(*([no_update] * 16))
    def choose_scenario(
        name: str, contents: str | None, filename: str | None, uploaded: dict | None
    ) -> tuple:
        options = [{"label": n, "value": n} for n in named_scenarios()]
        note = None
        if ctx.triggered_id == "upload" and contents:
            source = filename or "uploaded file"
            scenario = read_upload(contents, source)
            uploaded = {"scenario": scenario.model_dump_json(), "source": source}
            chosen, note = UPLOADED, _message(f"loaded {source}", "info")
        elif name == UPLOADED and uploaded:
            scenario, chosen = Scenario.model_validate_json(uploaded["scenario"]), UPLOADED
        elif name == UPLOADED:
            raise PreventUpdate
        else:
            scenario, chosen = load_scenario(named_scenarios()[name]), name
        if uploaded:
            label = f"{Scenario.model_validate_json(uploaded['scenario']).name}"
            options.append({"label": f"{label} (from {uploaded['source']})", "value": UPLOADED})
        c = controls_from(scenario)
        strategies = scenario.available_strategies()
        replay = next((s for s in ("maze_guide", *strategies) if s != c.strategy), c.strategy)
        return (
            scenario.model_dump_json(),
            scenario.name,
            f" - {scenario.description}" if scenario.description else "",
            options,
            chosen,
            c.committee_size,
            c.risk_aversion,
            c.divided,
            c.overload,
            c.product_strength,
            strategy_options(strategies),
            c.strategy,
            c.capacity,
            strategy_options(strategies, words_only=True),
            replay if replay in strategies else strategies[0],
            uploaded,
            note,
        )

    def current_scenario(base: str | None, *values: Any) -> tuple[Scenario, Controls, Scenario]:
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
            seed=_whole_number(seed, "Committee no. (seed)"),
        )
        loaded = Scenario.model_validate_json(base)
        return apply_controls(loaded, controls), controls, loaded

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
        Output("deal-message", "children"),
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
            scenario, chosen, loaded = current_scenario(*controls)
            deal = _simulate(scenario.model_dump_json(), chosen.seed)
            state = {
                "scenario": scenario.model_dump_json(),
                "seed": chosen.seed,
                "changes": changed_settings(loaded, chosen),
                "filename": report_filename("deal", scenario.name, chosen.seed, chosen, loaded),
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
            if replay_strategy not in scenario.available_strategies():
                raise ValueError(f"{replay_strategy} cannot sell in this scenario")
            other = scenario.with_strategy(replay_strategy)
            first = _simulate(deal_state["scenario"], deal_state["seed"])
            second = _simulate(other.model_dump_json(), deal_state["seed"])
            last = max(first.weeks_simulated, second.weeks_simulated)
            filename = deal_state["filename"].removesuffix(".html") + f"-vs-{replay_strategy}.html"
            state = {
                **deal_state,
                "replay": other.model_dump_json(),
                "last_week": last,
                "week": min(deal_state["week"], last),
                "vs_filename": filename,
            }
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

    @app.callback(Output("ticker", "interval"), Input("speed", "value"))
    def set_speed(speed: Any) -> int:
        return int(1000 / speed) if speed in SPEEDS else 500

    @app.callback(
        Output("timeline", "figure"),
        Output("timeline", "style"),
        Output("preferences", "figure"),
        Output("preferences", "style"),
        Output("deal-hint", "style"),
        Output("verdict", "children"),
        Output("story", "children"),
        Output("week-label", "children"),
        Output("deal-message", "children", allow_duplicate=True),
        Input("deal", "data"),
        prevent_initial_call=True,
    )
    @guarded(*([no_update] * 8))
    def show_deal(state: dict | None) -> tuple:
        if not state:
            raise PreventUpdate
        week, last = state["week"], state["last_week"]
        scenario = Scenario.model_validate_json(state["scenario"])
        deal = _simulate(state["scenario"], state["seed"])
        shown = deal_until(deal, week)
        ongoing = week < deal.weeks_simulated
        title = f"With {seller_words(deal)}"
        if state["replay"]:
            other = _simulate(state["replay"], state["seed"])
            other_shown = deal_until(other, week)
            diverged = divergence_week(deal, other)
            timeline = deal_figures.side_by_side(
                [shown, other_shown],
                [f"our seller: {_words(deal)}", f"our seller: {_words(other)}"],
                diverged if diverged is not None and diverged <= week else None,
                (ongoing, week < other.weeks_simulated),
                last_week=last,
                rule=scenario.decision,
            )
            preferences, preferences_style = go.Figure(), HIDDEN
            story = [
                html.P(
                    f"The stories diverge in week {diverged}."
                    if diverged
                    else "The two deals go exactly the same way.",
                    className="now",
                ),
                html.H4(f"with {strategy_label(_strategy(deal))}"),
                *_story_lines(shown, week),
                html.H4(f"with {strategy_label(_strategy(other))}"),
                *_story_lines(other_shown, week),
            ]
            ended = [d for d, s in ((deal, shown), (other, other_shown)) if s is d]
            why = [
                part
                for d in ended
                for part in _why(d, scenario, f"With {strategy_words(_strategy(d))}: ")
            ]
        else:
            timeline = deal_figures.timeline(shown, title=title, ongoing=ongoing, last_week=last)
            preferences = deal_figures.preferences(shown, scenario.decision, last_week=last)
            preferences_style = SHOWN
            story = _story_lines(shown, week)
            why = [] if ongoing else _why(deal, scenario)
        label = f"week {week} of {last}"
        if not ongoing:
            label += f": {deal.outcome.value.replace('_', ' ')}"
        return (
            timeline,
            SHOWN,
            preferences,
            preferences_style,
            HIDDEN,
            why,
            story,
            label,
            None,
        )

    # ---- quick comparison ---------------------------------------------------------------

    @app.callback(
        Output("comparison", "data"),
        Output("poll", "disabled"),
        Output("compare-message", "children"),
        Input("compare", "n_clicks"),
        State("replications", "value"),
        State("client", "data"),
        *control_states,
        prevent_initial_call=True,
    )
    @guarded(no_update, no_update)
    def start_comparison(_: int, replications: Any, client: Any, *controls: Any) -> tuple:
        if not isinstance(replications, int | float) or not 10 <= replications <= 2000:
            raise ValueError("committees per strategy must be a number from 10 to 2000")
        scenario, chosen, loaded = current_scenario(*controls)
        job = ComparisonJob(
            scenario, scenario.available_strategies(), int(replications), chosen.seed
        )
        try:
            job_id = board.start(job, str(client or "")[:64], session_id())
        except Busy as busy:
            return no_update, True, _message(str(busy))
        data = {
            "job": job_id,
            "changes": changed_settings(loaded, chosen),
            "filename": report_filename(
                "compare", scenario.name, chosen.seed, chosen, loaded, f"n{int(replications)}"
            ),
        }
        return data, False, None

    @app.callback(
        Output("compare-progress", "value"),
        Output("compare-status", "children"),
        Output("outcome-mix", "figure"),
        Output("outcome-mix", "style"),
        Output("incidence", "figure"),
        Output("incidence", "style"),
        Output("compare-summary", "children"),
        Output("poll", "disabled", allow_duplicate=True),
        Output("compare-message", "children", allow_duplicate=True),
        Input("poll", "n_intervals"),
        State("comparison", "data"),
        prevent_initial_call=True,
    )
    @guarded(*([no_update] * 7), True)
    def poll_comparison(_: int, data: dict | None) -> tuple:
        job_id = (data or {}).get("job")
        job = board.get(job_id)
        unchanged = (no_update,) * 5
        if job is None:
            return no_update, "", *unchanged, True, None
        if not job.finished.is_set():
            if not job.started:
                ahead = board.ahead(job_id)
                text = f"waiting: {ahead} comparison{'s' * (ahead != 1)} ahead"
                return "0", text, *unchanged, False, None
            text = f"{job.done} of {job.total or '...'} deals simulated"
            return str(job.progress), text, *unchanged, False, None
        if job.error:
            return "0", "", *unchanged, True, _message(f"comparison failed: {job.error}")
        took = f" in {job.seconds:.0f} s" if job.seconds is not None else ""
        mix, incidence = comparison_figures(job_id, job)
        assert job.summary is not None
        summary = [html.P(line) for line in tradeoffs(job.summary, job.effects)]
        done = f"done: {job.total} deals{took}"
        return "1", done, mix, SHOWN, incidence, SHOWN, summary, True, None

    finished_figures: dict[str, tuple[go.Figure, go.Figure]] = {}

    def comparison_figures(job_id: str, job: ComparisonJob) -> tuple[go.Figure, go.Figure]:
        """Built once per comparison: a poll answered late is superseded by the next one, so
        the answer that ends polling must be quick even on a busy server."""
        if job_id not in finished_figures:
            assert job.rows is not None and job.summary is not None
            finished_figures[job_id] = (
                compare_figures.outcome_mix(job.summary),
                compare_figures.incidence_curves(job.rows, job.strategies),
            )
            while len(finished_figures) > board.keep:
                finished_figures.pop(next(iter(finished_figures)))
        return finished_figures[job_id]

    # ---- territory mode -------------------------------------------------------------------

    @app.callback(
        Output("territory-strategies", "options"),
        Output("territory-strategies", "value"),
        Output("territory-accounts", "value"),
        Output("territory-message", "children"),
        Input("base-scenario", "data"),
        prevent_initial_call=True,
    )
    @guarded(no_update, no_update, no_update)
    def offer_territory(base: str | None) -> tuple:
        if not base:
            raise PreventUpdate
        return (*territory_choices(Scenario.model_validate_json(base)), None)

    @app.callback(
        Output("territory-run", "data"),
        Output("territory-poll", "disabled"),
        Output("territory-message", "children", allow_duplicate=True),
        Input("run-territory", "n_clicks"),
        State("territory-strategies", "value"),
        State("territory-accounts", "value"),
        State("territory-replications", "value"),
        State("client", "data"),
        *control_states,
        prevent_initial_call=True,
    )
    @guarded(no_update, no_update)
    def start_territory(
        _: int, strategies: Any, accounts: Any, territories: Any, client: Any, *controls: Any
    ) -> tuple:
        scenario, chosen, _loaded = current_scenario(*controls)
        settings, strategies = territory_request(scenario, strategies, accounts, territories)
        job = TerritoryJob(settings, strategies, int(territories), chosen.seed)
        try:
            job_id = board.start(job, str(client or "")[:64], session_id())
        except Busy as busy:
            return no_update, True, _message(str(busy))
        return {"job": job_id}, False, None

    @app.callback(
        Output("territory-progress", "value"),
        Output("territory-status", "children"),
        Output("territory-summary", "children"),
        Output("territory-poll", "disabled", allow_duplicate=True),
        Output("territory-message", "children", allow_duplicate=True),
        Input("territory-poll", "n_intervals"),
        State("territory-run", "data"),
        prevent_initial_call=True,
    )
    @guarded(no_update, no_update, no_update, True)
    def poll_territory(_: int, data: dict | None) -> tuple:
        job_id = (data or {}).get("job")
        job = board.get(job_id)
        if not isinstance(job, TerritoryJob):
            return no_update, "", no_update, True, None
        if not job.finished.is_set():
            if not job.started:
                ahead = board.ahead(job_id)
                text = f"waiting: {ahead} comparison{'s' * (ahead != 1)} ahead"
                return "0", text, no_update, False, None
            text = f"working on {job.replications} territories..."
            return no_update, text, no_update, False, None
        if job.error or job.result is None:
            return "0", "", no_update, True, _message(f"territory failed: {job.error}")
        took = f" in {job.seconds:.0f} s" if job.seconds is not None else ""
        done = f"done: {job.replications} territories{took}"
        return "1", done, territory_results(job.scenario, job.result), True, None

    # ---- downloads ------------------------------------------------------------------------

    @app.callback(
        Output("deal-file", "data"),
        Output("deal-message", "children", allow_duplicate=True),
        Input("download-deal", "n_clicks"),
        State("deal", "data"),
        prevent_initial_call=True,
    )
    @guarded(no_update)
    def download_deal(_: int, state: dict | None) -> tuple:
        if not state:
            return no_update, _message("run a deal first", "info")
        scenario = Scenario.model_validate_json(state["scenario"])
        deal = _simulate(state["scenario"], state["seed"])
        changes = [tuple(c) for c in state["changes"]]
        if state["replay"]:
            other = _simulate(state["replay"], state["seed"])
            deals = {_strategy(deal): deal, _strategy(other): other}
            if len(deals) < 2:
                page = deal_report(deal, scenario, changes)
            else:
                page = versus_report(deals, scenario, divergence_week(deal, other), changes)
            return dcc.send_string(page.render(), state["vs_filename"]), None
        page = deal_report(deal, scenario, changes)
        return dcc.send_string(page.render(), state["filename"]), None

    @app.callback(
        Output("compare-file", "data"),
        Output("compare-message", "children", allow_duplicate=True),
        Input("download-compare", "n_clicks"),
        State("comparison", "data"),
        prevent_initial_call=True,
    )
    @guarded(no_update)
    def download_comparison(_: int, data: dict | None) -> tuple:
        job = board.get((data or {}).get("job"))
        if data is None or job is None or not job.finished.is_set() or job.error:
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
            [tuple(c) for c in data["changes"]],
        )
        return dcc.send_string(page.render(), data["filename"]), None

    return app


def _why(deal: DealResult, scenario: Scenario, prefix: str = "") -> list[html.P]:
    """The three-line verdict, in bold, above the full one."""
    brief = verdict_in_brief(deal, scenario.decision)
    return [
        html.P(prefix + " ".join(brief), className="verdict-brief"),
        html.P(verdict(deal, scenario.decision)),
    ]


def _words(deal: DealResult) -> str:
    """'funnel pusher', 'no seller': short enough for a panel title."""
    return strategy_label(_strategy(deal)).partition(" (")[0]


def _strategy(deal: DealResult) -> str:
    return deal.strategies.get(deal.our_vendor, "none")


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


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def port_problem(host: str, port: int) -> str | None:
    """Why the explorer cannot listen on (host, port), or None if it can."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return f"cannot listen on {host}:{port} ({error.strerror or error})"
    return None


def serve(
    access: Access,
    port: int = 8050,
    max_seconds: float | None = None,
    workers: int | None = None,
) -> None:
    """Serve the explorer; with `max_seconds` the server stops by itself (tests)."""
    app = create_app(workers, access)
    if max_seconds is not None:
        import os

        timer = threading.Timer(max_seconds, lambda: os._exit(0))
        timer.daemon = True
        timer.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.run(host=access.bind, port=port, debug=False)
