"""The explorer's page: a compact header naming what is loaded, the controls, the deal's
toolbar and figures with the story beside them, the quick comparison; every message slot
sits beside the control whose input it reports on. Fits a 1280x720 screen above the fold.
"""

from __future__ import annotations

import uuid

from dash import dcc, html

from sim.config.catalogue import named_scenarios
from sim.config.registry import (
    COMMITTEE_SIZE,
    DIVERGENCE,
    OVERLOAD,
    PRODUCT_STRENGTH,
    RISK_AVERSION,
    SELLER_CAPACITY_HOURS,
)
from sim.report.palette import strategy_label

UPLOADED = "__uploaded__"  # the scenario box's value for an uploaded file
SPEEDS = (1, 2, 4, 8)  # weeks per second
HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}


def _slider(
    id_: str, low: float, high: float, step: float, label: str, marks: dict, hint: str
) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=id_, title=hint),
            dcc.Slider(
                id=id_,
                min=low,
                max=high,
                step=step,
                marks=marks,
                tooltip={"placement": "bottom", "always_visible": False},
            ),
        ],
        className="control",
        title=hint,
    )


def strategy_options(strategies: list[str], words_only: bool = False) -> list[dict[str, str]]:
    """Plain words with the strategy's id beside them (in a narrow box, the words only)."""
    return [
        {"label": strategy_label(s).partition(" (")[0] if words_only else strategy_label(s),
         "value": s}
        for s in strategies
    ]  # fmt: skip


def layout() -> html.Div:
    """The page; a fresh client id per page load, so each browser tab queues on its own."""
    names = list(named_scenarios())
    return html.Div(
        [
            html.Div(
                [
                    html.H1("b2bsim explorer"),
                    html.Span("loaded: ", className="hint"),
                    html.Strong(id="loaded-name"),
                    html.Span(id="description", className="description"),
                ],
                className="header",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Scenario", htmlFor="scenario"),
                            html.Div(
                                [
                                    dcc.Dropdown(
                                        id="scenario",
                                        options=[{"label": n, "value": n} for n in names],
                                        value="baseline" if "baseline" in names else names[0],
                                        clearable=False,
                                        className="scenario-pick",
                                    ),
                                    dcc.Upload(
                                        id="upload",
                                        children=html.Button("Load a file (YAML)"),
                                        accept=".yaml,.yml",
                                    ),
                                ],
                                className="inline",
                            ),
                            html.Div(id="upload-message", **{"aria-live": "polite"}),
                        ],
                        className="control wide",
                    ),
                    _slider(
                        "committee-size",
                        COMMITTEE_SIZE.low,
                        COMMITTEE_SIZE.high,
                        1,
                        "Committee size",
                        {1: "1", 7: "7", 20: "20", 50: "50"},
                        "how many stakeholders take part in the purchase",
                    ),
                    _slider(
                        "risk-aversion",
                        RISK_AVERSION.low,
                        RISK_AVERSION.high,
                        0.05,
                        "How risk-averse",
                        {0: "bold", 1: "as written", 5: "wary"},
                        "multiplies every member's risk aversion (1: as the scenario says)",
                    ),
                    _slider(
                        "divided",
                        DIVERGENCE.low,
                        DIVERGENCE.high,
                        0.05,
                        "How divided",
                        {0: "aligned", 1: "1", 5: "split"},
                        "how far members' priorities stray from their roles' (divergence)",
                    ),
                    _slider(
                        "overload",
                        OVERLOAD.low,
                        OVERLOAD.high,
                        0.1,
                        "Information overload",
                        {0.1: "little", 5: "5", 10: "flood"},
                        "how much information buyers face (1: normal)",
                    ),
                    _slider(
                        "strength",
                        PRODUCT_STRENGTH.low,
                        PRODUCT_STRENGTH.high,
                        0.05,
                        "Our product vs as written",
                        {-0.3: "weaker", 0: "as written", 0.3: "stronger"},
                        "shift of our product's true quality on every criterion",
                    ),
                    html.Div(
                        [
                            html.Label("Our seller", htmlFor="strategy"),
                            dcc.RadioItems(id="strategy", inline=True, className="radios"),
                        ],
                        className="control wide",
                    ),
                    _slider(
                        "capacity",
                        1,
                        SELLER_CAPACITY_HOURS.high,
                        1,
                        "Seller hours a week",
                        {1: "1", 10: "10", 40: "40", 80: "80"},
                        "our seller's working hours a week for this account",
                    ),
                ],
                className="controls",
            ),
            html.Div(
                [
                    html.Label("Committee no.", htmlFor="seed", title="the replication seed"),
                    dcc.Input(id="seed", type="number", value=1, min=0, step=1, className="num"),
                    html.Button("Run the deal", id="run-deal", className="primary"),
                    html.Button("Play/pause", id="play"),
                    dcc.Dropdown(
                        id="speed",
                        options=[{"label": f"{n} wk/s", "value": n} for n in SPEEDS],
                        value=2,
                        clearable=False,
                        searchable=False,
                        className="speed",
                    ),
                    html.Button("Step", id="step"),
                    html.Button("Reset", id="reset"),
                    html.Span("no deal yet", id="week-label", className="week"),
                    html.Span(
                        "vs",
                        className="hint",
                        title="replay the same committee with another seller",
                    ),
                    dcc.Dropdown(
                        id="replay-strategy",
                        clearable=False,
                        searchable=False,
                        className="replay-pick",
                    ),
                    html.Button("Side by side", id="replay"),
                    html.Button("Download report", id="download-deal"),
                ],
                className="toolbar",
            ),
            html.Div(id="deal-message", **{"aria-live": "polite"}),
            html.Div(
                [
                    html.Div(
                        [
                            html.P(
                                "Choose the settings above, then Run the deal.",
                                id="deal-hint",
                                className="hint placeholder",
                            ),
                            dcc.Graph(id="timeline", style=HIDDEN),
                            dcc.Graph(id="preferences", style=HIDDEN),
                        ]
                    ),
                    html.Div(
                        [html.Div(id="verdict", className="verdict"), html.Div(id="story")],
                        className="story",
                    ),
                ],
                className="with-story",
            ),
            html.Div(
                [
                    html.Label(
                        "Committees per strategy", htmlFor="replications", title="replications"
                    ),
                    dcc.Input(
                        id="replications",
                        type="number",
                        value=200,
                        min=10,
                        max=2000,
                        step=10,
                        className="num",
                    ),
                    html.Button("Compare", id="compare", className="primary"),
                    html.Progress(id="compare-progress", value="0", max="1"),
                    html.Span(id="compare-status"),
                    html.Button("Download report", id="download-compare"),
                ],
                className="toolbar",
            ),
            html.Div(id="compare-message", **{"aria-live": "polite"}),
            html.Div(id="compare-summary", className="verdict"),
            html.Div(
                [
                    dcc.Graph(id="outcome-mix", style=HIDDEN),
                    dcc.Graph(id="incidence", style=HIDDEN),
                ],
            ),
            *territory_section(),
            dcc.Store(id="client", data=uuid.uuid4().hex),
            dcc.Store(id="base-scenario"),
            dcc.Store(id="uploaded"),
            dcc.Store(id="deal"),
            dcc.Store(id="comparison"),
            dcc.Interval(id="ticker", interval=500, disabled=True),
            dcc.Interval(id="poll", interval=1000, disabled=True),
            dcc.Download(id="deal-file"),
            dcc.Download(id="compare-file"),
            dcc.Store(id="territory-run"),
            dcc.Interval(id="territory-poll", interval=1000, disabled=True),
        ],
        className="page",
    )


MAX_ACCOUNTS = 100
MAX_TERRITORIES = 50
"""Tighter than `b2bsim territory` allows (1,000 each): the explorer shares one queue with
a room, and at about 25 ms an account-strategy-territory these bounds finish within
minutes (the command line is there for bigger runs)."""


def territory_section() -> list[html.Div]:
    """Territory mode: one seller, many accounts, one weekly capacity; the strategies are
    offered once a scenario is loaded (those it can run)."""
    return [
        html.Div(
            [
                html.Label(
                    "Territory",
                    htmlFor="territory-strategies",
                    title="one seller works many accounts at once on one weekly capacity",
                ),
                dcc.Checklist(id="territory-strategies", inline=True, className="radios"),
                html.Label("Accounts", htmlFor="territory-accounts"),
                dcc.Input(
                    id="territory-accounts",
                    type="number",
                    value=20,
                    min=1,
                    max=MAX_ACCOUNTS,
                    step=1,
                    className="num",
                ),
                html.Label(
                    "Territories",
                    htmlFor="territory-replications",
                    title="replications: territories from Committee no. on, the same for every "
                    "strategy",
                ),
                dcc.Input(
                    id="territory-replications",
                    type="number",
                    value=10,
                    min=1,
                    max=MAX_TERRITORIES,
                    step=1,
                    className="num",
                ),
                html.Button("Run territory", id="run-territory", className="primary"),
                html.Progress(id="territory-progress", value="0", max="1"),
                html.Span(id="territory-status"),
            ],
            className="toolbar",
        ),
        html.Div(id="territory-message", **{"aria-live": "polite"}),
        html.Div(id="territory-summary", className="verdict"),
    ]
