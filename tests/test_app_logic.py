"""The trainers' explorer without a browser: the controls and how they map onto a scenario,
playback of a simulated deal, background comparison jobs, and the Dash callbacks called
through the app's own HTTP endpoint (Flask's test client, no server, no browser)."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.app.access import COOKIE, MAX_REQUEST_BYTES, Access
from sim.app.controls import (
    Controls,
    apply_controls,
    changed_settings,
    controls_from,
    report_filename,
)
from sim.app.jobs import Busy, ComparisonJob, JobBoard
from sim.app.layout import layout
from sim.app.playback import Playback, deal_until
from sim.app.server import create_app
from sim.app.upload import UPLOAD_BYTES
from sim.config import Scenario
from sim.config.scenario import SELLER_STRATEGIES, Territory
from sim.model import DealResult, simulate
from sim.model.model import BuyingCommitteeModel

SHIPPED = [
    "baseline",
    "information_overload",
    "large_committee",
    "low_urgency",
    "one_person",
    "skeptical_finance_veto",
    "weak_product",
]
LAYOUT_IDS = [
    "loaded-name",
    "description",
    "scenario",
    "upload",
    "upload-message",
    "committee-size",
    "risk-aversion",
    "divided",
    "overload",
    "strength",
    "strategy",
    "capacity",
    "seed",
    "run-deal",
    "play",
    "speed",
    "step",
    "reset",
    "week-label",
    "replay-strategy",
    "replay",
    "download-deal",
    "deal-message",
    "timeline",
    "preferences",
    "verdict",
    "story",
    "replications",
    "compare",
    "compare-progress",
    "compare-status",
    "download-compare",
    "compare-message",
    "compare-summary",
    "outcome-mix",
    "incidence",
    "client",
]
JOB_TIMEOUT_S = 60


def profiles(scenario: Scenario, seed: int) -> list:
    return BuyingCommitteeModel(scenario, seed).profiles


def with_controls(base: Scenario, **changes: Any) -> Scenario:
    return apply_controls(base, controls_from(base).model_copy(update=changes))


def valid_controls(**changes: Any) -> dict[str, Any]:
    return {
        "committee_size": 7,
        "risk_aversion": 1.0,
        "divided": 1.0,
        "overload": 1.0,
        "product_strength": 0.0,
        "strategy": "maze_guide",
        "capacity": 10.0,
        "seed": 1,
        **changes,
    }


# ---- controls ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_controls_round_trip_reproduces_the_scenario(
    name: str, named_scenario: Callable[[str], Scenario]
) -> None:
    base = named_scenario(name)
    controls = controls_from(base, seed=3)
    assert controls.seed == 3
    assert controls.product_strength == 0.0
    again = apply_controls(base, controls)
    assert again.committee.effective_size == base.committee.effective_size
    assert again.committee.risk_aversion_scale == base.committee.risk_aversion_scale
    assert again.committee.divergence == base.committee.divergence
    assert again.information.overload == base.information.overload
    assert again.seller_for(again.our_vendor).strategy == base.seller_for(base.our_vendor).strategy
    assert (
        again.seller_for(again.our_vendor).capacity_hours
        == base.seller_for(base.our_vendor).capacity_hours
    )
    assert controls_from(again, seed=3) == controls
    for seed in (1, 2, 7):
        assert profiles(again, seed) == profiles(base, seed), f"{name}, seed {seed}"


def test_each_control_maps_to_its_scenario_field(named_scenario: Callable) -> None:
    base = named_scenario("baseline")
    assert with_controls(base, committee_size=4).committee.effective_size == 4
    assert len(profiles(with_controls(base, committee_size=4), 1)) == 4
    assert with_controls(base, risk_aversion=2.5).committee.risk_aversion_scale == 2.5
    assert with_controls(base, divided=0.0).committee.divergence == 0.0
    assert with_controls(base, overload=3.5).information.overload == 3.5
    changed = with_controls(base, strategy="maze_guide", capacity=25.0)
    ours = changed.sellers[changed.our_vendor]
    assert (ours.strategy, ours.capacity_hours) == ("maze_guide", 25.0)
    rivals = [v for v in base.sellers if v != base.our_vendor]
    assert rivals, "the baseline has a rival seller"
    for rival in rivals:
        assert changed.sellers[rival] == base.sellers[rival]


@pytest.mark.parametrize("shift", [0.3, -0.3, 0.1, 0.0])
@pytest.mark.parametrize("name", ["baseline", "weak_product"])
def test_product_strength_shifts_only_our_quality(
    name: str, shift: float, named_scenario: Callable
) -> None:
    base = named_scenario(name)
    changed = with_controls(base, product_strength=shift)
    ours, before = changed.options.vendors[base.our_vendor], base.options.vendors[base.our_vendor]
    for criterion in base.criteria:
        expected = min(1.0, max(0.0, before.quality.get(criterion, 0.6) + shift))
        assert ours.quality[criterion] == pytest.approx(expected, abs=1e-4), criterion
        assert 0.0 <= ours.quality[criterion] <= 1.0
    for vendor, offer in base.options.vendors.items():
        if vendor != base.our_vendor:
            assert changed.options.vendors[vendor] == offer, vendor


def test_product_strength_is_clipped_to_the_unit_interval(make_scenario: Callable) -> None:
    base = make_scenario(
        options={
            "vendors": {
                "ours": {"quality": {"business_value": 0.95, "cost": 0.05}},
                "rival": {"quality": {"business_value": 0.5}},
            }
        },
    )
    up = with_controls(base, product_strength=0.3).options.vendors["ours"].quality
    down = with_controls(base, product_strength=-0.3).options.vendors["ours"].quality
    assert up["business_value"] == 1.0
    assert down["cost"] == 0.0
    assert (
        with_controls(base, product_strength=0.3).options.vendors["rival"]
        == (base.options.vendors["rival"])
    )


def test_explicit_stakeholders_kept_at_the_same_size_replaced_otherwise(
    named_scenario: Callable,
) -> None:
    base = named_scenario("skeptical_finance_veto")
    assert base.committee.stakeholders is not None
    size = len(base.committee.stakeholders)
    same = with_controls(base, committee_size=size, risk_aversion=2.0)
    assert same.committee.stakeholders == base.committee.stakeholders
    assert same.committee.risk_aversion_scale == 2.0
    bigger = with_controls(base, committee_size=size + 2)
    assert bigger.committee.stakeholders is None
    assert bigger.committee.size == size + 2
    assert bigger.committee.effective_size == size + 2
    assert len(profiles(bigger, 1)) == size + 2
    smaller = with_controls(base, committee_size=2)
    assert smaller.committee.stakeholders is None
    assert len(profiles(smaller, 1)) == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("committee_size", 0),
        ("committee_size", 51),
        ("risk_aversion", -0.1),
        ("risk_aversion", 5.5),
        ("divided", -0.1),
        ("divided", 5.1),
        ("overload", 0.05),
        ("overload", 11.0),
        ("product_strength", 0.31),
        ("product_strength", -0.5),
        ("capacity", 0.0),
        ("capacity", 81.0),
        ("seed", -1),
        ("seed", 10**9 + 1),
        ("committee_size", "seven"),
    ],
)
def test_out_of_range_controls_are_rejected_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        Controls(**valid_controls(**{field: value}))
    assert [tuple(e["loc"]) for e in raised.value.errors()] == [(field,)]
    assert field in str(raised.value)


def test_unknown_strategy_and_unknown_field_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"unknown strategy 'hard_sell'.*maze_guide"):
        Controls(**valid_controls(strategy="hard_sell"))
    with pytest.raises(ValidationError, match="speed"):
        Controls(**valid_controls(speed=2))
    for strategy in SELLER_STRATEGIES:
        assert Controls(**valid_controls(strategy=strategy)).strategy == strategy


# ---- playback ----------------------------------------------------------------------------


def test_step_stops_at_the_last_week() -> None:
    playback = Playback(week=1, last_week=3)
    playback = playback.step()
    assert (playback.week, playback.playing) == (2, False)
    playback = playback.step().step().step()
    assert (playback.week, playback.playing) == (3, False)


def test_step_while_playing_stops_playing_at_the_end() -> None:
    playback = Playback(week=2, last_week=3, playing=True).step()
    assert (playback.week, playback.playing) == (3, False)
    assert Playback(week=1, last_week=3, playing=True).step().playing


def test_toggle_plays_pauses_and_restarts_at_the_end() -> None:
    playback = Playback(week=2, last_week=5)
    playing = playback.toggle()
    assert (playing.week, playing.playing) == (2, True)
    paused = playing.toggle()
    assert (paused.week, paused.playing) == (2, False)
    restarted = Playback(week=5, last_week=5).toggle()
    assert (restarted.week, restarted.playing) == (1, True)


def test_reset_goes_back_to_week_one_and_stops() -> None:
    assert Playback(week=4, last_week=9, playing=True).reset() == Playback(1, 9, False)


def test_tick_only_moves_while_playing() -> None:
    paused = Playback(week=3, last_week=9)
    assert paused.tick() == paused
    assert Playback(week=3, last_week=9, playing=True).tick() == Playback(4, 9, True)
    at_end = Playback(week=9, last_week=9, playing=True).tick()
    assert (at_end.week, at_end.playing) == (9, False)
    assert at_end.tick() == at_end


@settings(max_examples=200, deadline=None)
@given(
    last_week=st.integers(min_value=1, max_value=80),
    actions=st.lists(st.sampled_from(["step", "toggle", "reset", "tick"]), max_size=60),
)
def test_week_always_stays_within_the_deal(last_week: int, actions: list[str]) -> None:
    playback = Playback(week=1, last_week=last_week)
    for action in actions:
        before = playback
        playback = getattr(playback, action)()
        assert 1 <= playback.week <= last_week
        assert playback.last_week == last_week
        if action == "tick" and not before.playing:
            assert playback == before
        if action in ("step", "tick") and before.playing:
            assert playback.week == min(before.week + 1, last_week)


# ---- deal_until ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def decided_deal() -> DealResult:
    from sim.config import load_scenario
    from sim.config.catalogue import named_scenarios

    scenario = load_scenario(named_scenarios()["baseline"])
    for seed in range(1, 30):
        deal = simulate(scenario, seed)
        if deal.cycle_weeks is not None and deal.weeks_simulated > 5:
            return deal
    raise AssertionError("no decided baseline deal in seeds 1..29")


def test_deal_until_hides_later_weeks(decided_deal: DealResult) -> None:
    deal = decided_deal
    for week in (1, 3, deal.weeks_simulated - 1):
        shown = deal_until(deal, week)
        assert shown.weeks_simulated == week
        assert shown.cycle_weeks is None, "undecided before the decision week"
        assert shown.events and all(e.week <= week for e in shown.events)
        assert shown.weekly and all(s.week <= week for s in shown.weekly)
        assert shown.committee_weekly and all(c.week <= week for c in shown.committee_weekly)
        assert max(s.week for s in shown.weekly) == week
        assert shown.events == [e for e in deal.events if e.week <= week]
        assert shown.seed == deal.seed and shown.scenario == deal.scenario
    # the original is untouched
    assert deal.cycle_weeks is not None
    assert max(s.week for s in deal.weekly) == deal.weeks_simulated


def test_deal_until_at_or_after_the_end_is_the_whole_deal(decided_deal: DealResult) -> None:
    deal = decided_deal
    for week in (deal.weeks_simulated, deal.weeks_simulated + 10):
        shown = deal_until(deal, week)
        assert shown == deal
        assert shown.cycle_weeks == deal.cycle_weeks


# ---- comparison jobs --------------------------------------------------------------------


def test_job_board_runs_a_comparison_to_completion(named_scenario: Callable) -> None:
    board = JobBoard(workers=1)
    assert board.status(None) == {"state": "none"}
    assert board.status("nope") == {"state": "none"}
    scenario = named_scenario("one_person")
    strategies = scenario.available_strategies()
    assert "social_seller" not in strategies, "one_person has no peer network"
    job = ComparisonJob(scenario, strategies, 5, seed=1)
    assert job.progress == 0.0
    job_id = board.start(job)
    assert board.get(job_id) is job
    assert board.status(job_id)["state"] in ("waiting", "running", "done")
    assert job.finished.wait(JOB_TIMEOUT_S), "the comparison did not finish"
    assert board.status(job_id) == {"state": "done", "error": None}
    assert job.error is None
    assert job.total == 5 * len(strategies)
    assert job.done == job.total
    assert job.progress == 1.0
    assert job.summary is not None and job.rows is not None and job.effects is not None
    assert sorted(job.summary["strategy"]) == sorted(strategies)
    assert (job.summary["deals"] == 5).all()
    assert len(job.rows) == job.total


def test_a_failing_comparison_reports_failed_not_an_exception(named_scenario: Callable) -> None:
    board = JobBoard(workers=1)
    job = ComparisonJob(named_scenario("one_person"), ["none", "hard_sell"], 5, seed=1)
    job_id = board.start(job)
    assert job.finished.wait(JOB_TIMEOUT_S)
    status = board.status(job_id)
    assert status["state"] == "failed"
    assert "hard_sell" in status["error"]
    assert "strategy" in status["error"]
    assert job.summary is None and job.rows is None


def test_a_crash_while_simulating_is_reported_as_failed(
    named_scenario: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("the simulation broke")

    monkeypatch.setattr("sim.app.jobs.compare", explode)
    scenario = named_scenario("one_person")
    strategies = scenario.available_strategies()
    assert "social_seller" not in strategies, "one_person has no peer network"
    job = ComparisonJob(scenario, strategies, 5, seed=1)
    job.run(workers=1)  # in this thread: must not raise
    assert job.finished.is_set()
    assert job.error == "RuntimeError: the simulation broke"


def test_the_board_forgets_only_finished_jobs_beyond_its_size(named_scenario: Callable) -> None:
    board = JobBoard(workers=1, keep=2)
    jobs = [ComparisonJob(named_scenario("one_person"), ["none"], 1, seed=s) for s in (1, 2, 3)]
    ids = [board.start(job, client=f"tab{i}") for i, job in enumerate(jobs)]
    for job in jobs:
        assert job.finished.wait(JOB_TIMEOUT_S)
    later = ComparisonJob(named_scenario("one_person"), ["none"], 1, seed=4)
    last = board.start(later, client="tab9")
    assert board.get(last) is later, "a new job is never the one forgotten"
    assert board.get(ids[0]) is None and board.get(ids[1]) is None
    assert board.get(ids[2]) is jobs[2]


class HeldJob(ComparisonJob):
    """A job that records when it runs and waits until the test releases it."""

    def __init__(self, name: str, order: list[str], release: threading.Event) -> None:
        super().__init__(None, [], 1, 1)  # type: ignore[arg-type]
        self.name, self.order, self.release = name, order, release

    def run(self, workers: int | None) -> None:
        self.order.append(self.name)
        self.release.wait(JOB_TIMEOUT_S)
        self.finished.set()


def started(order: list[str], count: int) -> list[str]:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while len(order) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return order


def test_comparisons_from_several_tabs_take_turns_and_all_finish() -> None:
    board, order, release = JobBoard(workers=1), [], threading.Event()
    first = HeldJob("A1", order, release)
    board.start(first, client="A")
    assert started(order, 1) == ["A1"], "the first comparison starts at once"
    second, third = HeldJob("A2", order, release), HeldJob("B1", order, release)
    a2 = board.start(second, client="A")
    b1 = board.start(third, client="B")
    assert board.status(a2) == {"state": "waiting", "ahead": 2}
    assert board.status(b1) == {"state": "waiting", "ahead": 1}, "B has not had a turn yet"
    release.set()
    for job in (first, second, third):
        assert job.finished.wait(JOB_TIMEOUT_S)
    assert order == ["A1", "B1", "A2"]


def test_a_tab_has_one_waiting_comparison_and_a_newer_one_replaces_it() -> None:
    board, order, release = JobBoard(workers=1), [], threading.Event()
    running = HeldJob("A1", order, release)
    board.start(running, client="A")
    assert started(order, 1) == ["A1"]
    old, new = HeldJob("A2", order, release), HeldJob("A3", order, release)
    old_id = board.start(old, client="A")
    board.start(new, client="A")
    assert old.finished.is_set() and "replaced" in (old.error or "")
    assert board.status(old_id)["state"] == "failed"
    release.set()
    assert running.finished.wait(JOB_TIMEOUT_S) and new.finished.wait(JOB_TIMEOUT_S)
    assert order == ["A1", "A3"]


# ---- the Dash app ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(workers=1)


def layout_ids() -> set[Any]:
    return {getattr(c, "id", None) for c in layout()._traverse()}


def test_layout_has_every_element(app: Any) -> None:
    ids = layout_ids()
    missing = [i for i in LAYOUT_IDS if i not in ids]
    assert not missing, f"missing from the layout: {missing}"


def test_every_callback_reads_and_writes_elements_of_the_layout(app: Any) -> None:
    ids = layout_ids()
    for key, spec in app.callback_map.items():
        for item in [*spec["inputs"], *spec["state"]]:
            assert item["id"] in ids, f"{key}: {item['id']}"
        for part in key.strip(".").split("..."):
            assert part.split(".", 1)[0] in ids, f"{key}: {part}"


class Callbacks:
    """Calls a callback through `/_dash-update-component`, as the page does."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.server.test_client()
        assert self.client.get("/").status_code == 200

    def key(self, first_output: str) -> str:
        keys = [k for k in self.app.callback_map if k.startswith(f"..{first_output}.")]
        assert len(keys) == 1, keys
        return keys[0]

    def call(
        self, first_output: str, values: dict[str, Any], changed: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """`values`: 'id.property' -> value for the callback's inputs and states."""
        key = self.key(first_output)
        spec = self.app.callback_map[key]

        def items(kind: str) -> list[dict[str, Any]]:
            return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in spec[kind]]

        outputs = []
        for part in key.strip(".").split("..."):
            cid, prop = part.split(".", 1)
            outputs.append({"id": cid, "property": prop})
        first = spec["inputs"][0]
        payload = {
            "output": key,
            "outputs": outputs,
            "inputs": items("inputs"),
            "state": items("state"),
            "changedPropIds": [changed or f"{first['id']}.{first['property']}"],
        }
        response = self.client.post("/_dash-update-component", json=payload)
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 204), body
        assert "Traceback" not in body
        return json.loads(body)["response"] if response.status_code == 200 else {}


@pytest.fixture(scope="module")
def callbacks(app: Any) -> Callbacks:
    return Callbacks(app)


def message_text(response: dict[str, dict[str, Any]], where: str | None = None) -> str:
    """The message the callback put beside its control (`where`: that message's id)."""
    keys = [where] if where else [k for k in response if k.endswith("-message")]
    return json.dumps([response.get(k, {}).get("children") for k in keys])


def controls_state(base: str | None, **changes: Any) -> dict[str, Any]:
    """The page's control values: as the scenario `base` sets them (as the page shows them
    after loading it), with `changes`; seed 2."""
    c = controls_from(Scenario.model_validate_json(base)) if base else None
    values = {
        "base-scenario.data": base,
        "committee-size.value": c.committee_size if c else 7,
        "risk-aversion.value": c.risk_aversion if c else 1.0,
        "divided.value": c.divided if c else 1.0,
        "overload.value": c.overload if c else 1.0,
        "strength.value": 0.0,
        "strategy.value": c.strategy if c else "funnel_pusher",
        "capacity.value": c.capacity if c else 10,
        "seed.value": 2,
    }
    values.update({f"{k.replace('_', '-')}.value": v for k, v in changes.items()})
    return values


def test_choosing_a_scenario_sets_description_and_controls(
    callbacks: Callbacks, named_scenario: Callable
) -> None:
    response = callbacks.call("base-scenario", {"scenario.value": "large_committee"})
    scenario = named_scenario("large_committee")
    assert response["loaded-name"]["children"] == "large_committee"
    assert response["description"]["children"] == f" - {scenario.description}"
    assert response["committee-size"]["value"] == 12
    assert response["divided"]["value"] == 1.5
    assert response["strength"]["value"] == 0.0
    assert Scenario.model_validate_json(response["base-scenario"]["data"]) == scenario


def test_a_bad_upload_is_a_message(callbacks: Callbacks) -> None:
    contents = "data:text/yaml;base64," + base64.b64encode(b"committee: [1, 2\n").decode()
    response = callbacks.call(
        "base-scenario",
        {
            "scenario.value": "baseline",
            "upload.contents": contents,
            "upload.filename": "broken.yaml",
        },
        changed="upload.contents",
    )
    assert "base-scenario" not in response
    assert "broken.yaml" in message_text(response, "upload-message")
    assert "alert" in message_text(response, "upload-message")


def test_a_good_upload_loads_the_scenario(callbacks: Callbacks) -> None:
    text = b"name: uploaded\ndescription: three people\ncommittee: {size: 3}\n"
    contents = "data:text/yaml;base64," + base64.b64encode(text).decode()
    response = callbacks.call(
        "base-scenario",
        {"scenario.value": "baseline", "upload.contents": contents, "upload.filename": "u.yaml"},
        changed="upload.contents",
    )
    assert response["description"]["children"] == " - three people"
    assert response["committee-size"]["value"] == 3
    assert "loaded u.yaml" in message_text(response, "upload-message")
    assert response["loaded-name"]["children"] == "uploaded", "the page names what is loaded"
    assert response["scenario"]["value"] == "__uploaded__"
    labels = [o["label"] for o in response["scenario"]["options"]]
    assert "uploaded (from u.yaml)" in labels


def test_run_and_step_a_deal_through_the_callbacks(
    callbacks: Callbacks, named_scenario: Callable
) -> None:
    base = named_scenario("baseline").model_dump_json()
    ran = callbacks.call("deal", controls_state(base), changed="run-deal.n_clicks")
    state = ran["deal"]["data"]
    assert (state["week"], state["playing"], state["seed"]) == (1, False, 2)
    stepped = callbacks.call(
        "deal", {**controls_state(base), "deal.data": state}, changed="step.n_clicks"
    )
    assert stepped["deal"]["data"]["week"] == 2
    shown = callbacks.call("timeline", {"deal.data": stepped["deal"]["data"]})
    assert shown["week-label"]["children"].startswith("week 2 of ")
    assert shown["timeline"]["style"] == {} and shown["preferences"]["style"] == {}
    assert shown["timeline"]["figure"]["data"]
    last = state["last_week"]
    assert shown["timeline"]["figure"]["layout"]["xaxis"]["range"] == [0.5, last + 1.0]
    assert state["filename"] == "deal-baseline-seed2.html", "nothing changed, seed 2"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"seed": None}, "seed"),
        ({"seed": -5}, "seed"),
        ({"committee_size": 51}, "committee_size"),
        ({"strategy": "hard_sell"}, "unknown strategy"),
    ],
)
def test_bad_settings_for_a_deal_are_a_message(
    callbacks: Callbacks, named_scenario: Callable, changes: dict, expected: str
) -> None:
    base = named_scenario("baseline").model_dump_json()
    response = callbacks.call("deal", controls_state(base, **changes), changed="run-deal.n_clicks")
    assert "deal" not in response
    text = message_text(response)
    assert "check the settings" in text and expected in text, text


def test_stepping_without_a_deal_asks_for_one(callbacks: Callbacks) -> None:
    response = callbacks.call("deal", controls_state(None), changed="step.n_clicks")
    assert "run a deal first" in message_text(response)


@pytest.mark.parametrize("replications", [5, None, 5000, "many"])
def test_bad_replications_are_a_message(
    callbacks: Callbacks, named_scenario: Callable, replications: Any
) -> None:
    base = named_scenario("one_person").model_dump_json()
    response = callbacks.call(
        "comparison", {**controls_state(base), "replications.value": replications}
    )
    assert "comparison" not in response
    assert "from 10 to 2000" in message_text(response)


def test_downloads_before_anything_ran_ask_for_a_run(callbacks: Callbacks) -> None:
    deal = callbacks.call("deal-file", {}, changed="download-deal.n_clicks")
    assert "run a deal first" in message_text(deal, "deal-message")
    compare = callbacks.call("compare-file", {}, changed="download-compare.n_clicks")
    assert "run a comparison first" in message_text(compare, "compare-message")


def test_an_empty_or_rejected_seed_is_not_reported_as_minus_one(
    callbacks: Callbacks, named_scenario: Callable
) -> None:
    """The page sends no value (None) for an empty seed box or a rejected one (a negative
    number typed into the min=0 box); the message must not claim the trainer typed -1.
    Currently `current_scenario` in sim/app/server.py turns None into -1, so the message
    reads 'seed: Input should be greater than or equal to 0 (got -1)'."""
    base = named_scenario("baseline").model_dump_json()
    response = callbacks.call("deal", controls_state(base, seed=None), changed="run-deal.n_clicks")
    text = message_text(response)
    assert "seed" in text, text
    assert "-1" not in text, f"the message reports a seed the trainer never typed: {text}"


def test_any_valid_scenario_file_can_be_loaded(callbacks: Callbacks) -> None:
    """The controls span the scenario schema's ranges, so a valid file with a committee of
    30 loads and sets the size control to 30."""
    contents = "data:text/yaml;base64," + base64.b64encode(b"committee: {size: 30}\n").decode()
    response = callbacks.call(
        "base-scenario",
        {"scenario.value": "baseline", "upload.contents": contents, "upload.filename": "big.yaml"},
        changed="upload.contents",
    )
    assert "base-scenario" in response
    assert response["committee-size"]["value"] == 30


# ---- what a downloaded report records ---------------------------------------------------


def test_changed_settings_name_every_control_moved_and_nothing_else(
    named_scenario: Callable,
) -> None:
    base = named_scenario("baseline")
    same = controls_from(base, seed=4)
    assert changed_settings(base, same) == []
    moved = same.model_copy(update={"committee_size": 9, "strategy": "maze_guide"})
    assert changed_settings(base, moved) == [
        ("committee size", "9"),
        ("our seller", "maze_guide"),
    ]
    assert report_filename("deal", base.name, 4, same, base) == "deal-baseline-seed4.html"
    named = report_filename("compare", "my deal/..", 4, moved, base, "n200")
    assert named == "compare-my_deal_..-seed4-size9-maze_guide-n200.html"
    assert "/" not in named


def test_a_downloaded_deal_report_records_name_settings_and_yaml(
    callbacks: Callbacks,
) -> None:
    text = b"name: my_deal\ndescription: uploaded for the workshop\ncommittee: {size: 4}\n"
    contents = "data:text/yaml;base64," + base64.b64encode(text).decode()
    loaded = callbacks.call(
        "base-scenario",
        {"scenario.value": "baseline", "upload.contents": contents, "upload.filename": "m.yaml"},
        changed="upload.contents",
    )
    base = loaded["base-scenario"]["data"]
    values = controls_state(base, committee_size=5, strategy="maze_guide")
    state = callbacks.call("deal", values, changed="run-deal.n_clicks")["deal"]["data"]
    assert state["filename"] == "deal-my_deal-seed2-size5-maze_guide.html"
    sent = callbacks.call("deal-file", {"deal.data": state}, changed="download-deal.n_clicks")
    page = sent["deal-file"]["data"]
    assert page["filename"] == state["filename"]
    html = page["content"]
    assert "One deal: my_deal, seed 2" in html
    assert "uploaded for the workshop" in html
    assert "committee size = 5" in html and "our seller = maze_guide" in html
    assert "name: my_deal" in html and "strategy: maze_guide" in html
    assert "baseline" not in html.split("<body>", 1)[1].split("Made with b2bsim")[0]


def test_replay_offers_only_strategies_the_scenario_can_run(callbacks: Callbacks) -> None:
    response = callbacks.call("base-scenario", {"scenario.value": "one_person"})
    offered = {o["value"] for o in response["replay-strategy"]["options"]}
    assert "social_seller" not in offered and "maze_guide" in offered
    assert {o["value"] for o in response["strategy"]["options"]} == offered
    network = callbacks.call("base-scenario", {"scenario.value": "flip_the_funnel"})
    assert "social_seller" in {o["value"] for o in network["replay-strategy"]["options"]}


# ---- bounded uploads ---------------------------------------------------------------------

ALIAS_BOMB = b"""name: bomb
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
description: *h
"""


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bomb.yaml", ALIAS_BOMB, "bomb.yaml"),
        ("big.yaml", b"# " + b"x" * (UPLOAD_BYTES + 10) + b"\n", "larger than"),
        ("deep.yaml", b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "deep.yaml"),
        ("binary.yaml", b"\xff\xfe\x00garbage", "binary.yaml"),
    ],
)
def test_hostile_uploads_are_refused_quickly(
    callbacks: Callbacks, name: str, content: bytes, expected: str
) -> None:
    contents = "data:text/yaml;base64," + base64.b64encode(content).decode()
    started = time.monotonic()
    response = callbacks.call(
        "base-scenario",
        {"scenario.value": "baseline", "upload.contents": contents, "upload.filename": name},
        changed="upload.contents",
    )
    assert time.monotonic() - started < 5
    assert "base-scenario" not in response
    assert expected in message_text(response, "upload-message")


# ---- who may use the explorer ------------------------------------------------------------


def test_on_loopback_only_loopback_host_names_are_answered() -> None:
    client = create_app(workers=1).server.test_client()
    for host in ("127.0.0.1:8050", "localhost:8050", "[::1]:8050", "LOCALHOST"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:8050", "127.0.0.1.evil.example", ""):
        answer = client.get("/", headers={"Host": host})
        assert answer.status_code == 403, host
        assert b"Host" in answer.data


def test_beyond_loopback_every_request_needs_the_token() -> None:
    access = Access.for_host("0.0.0.0")
    assert access.token and len(access.token) >= 24
    assert access.url(8050).endswith(f":8050/?token={access.token}")
    client = create_app(workers=1, access=access).server.test_client()
    assert client.get("/").status_code == 403
    assert client.get("/?token=wrong").status_code == 403
    assert client.get("/_dash-layout").status_code == 403
    first = client.get(f"/?token={access.token}")
    assert first.status_code == 200
    assert COOKIE in first.headers.get("Set-Cookie", "")
    assert client.get("/_dash-layout").status_code == 200, "the cookie carries the token"
    other = create_app(workers=1, access=access).server.test_client()
    assert other.get("/_dash-layout").status_code == 403, "a browser without it is refused"


def test_tokens_differ_between_servers() -> None:
    assert Access.for_host("0.0.0.0").token != Access.for_host("0.0.0.0").token
    assert Access.for_host("127.0.0.1").token is None


def test_request_bodies_are_capped() -> None:
    client = create_app(workers=1).server.test_client()
    answer = client.post(
        "/_dash-update-component",
        data=b"x" * (MAX_REQUEST_BYTES + 1),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413


def test_a_workshop_address_needs_the_token_whatever_the_host_name() -> None:
    access = Access.for_host("192.0.2.10")
    assert access.url(8050) == f"http://192.0.2.10:8050/?token={access.token}"
    client = create_app(workers=1, access=access).server.test_client()
    for host in ("192.0.2.10:8050", "trainer-laptop.local:8050"):
        assert client.get("/", headers={"Host": host}).status_code == 403
        answer = client.get(f"/?token={access.token}", headers={"Host": host})
        assert answer.status_code == 200, host


def test_the_uploaded_scenario_can_be_chosen_again_after_another(callbacks: Callbacks) -> None:
    text = b"name: mine\ncommittee: {size: 4}\n"
    contents = "data:text/yaml;base64," + base64.b64encode(text).decode()
    first = callbacks.call(
        "base-scenario",
        {"scenario.value": "baseline", "upload.contents": contents, "upload.filename": "m.yaml"},
        changed="upload.contents",
    )
    kept = first["uploaded"]["data"]
    other = callbacks.call("base-scenario", {"scenario.value": "baseline", "uploaded.data": kept})
    assert other["loaded-name"]["children"] == "baseline"
    assert "mine (from m.yaml)" in [o["label"] for o in other["scenario"]["options"]]
    back = callbacks.call(
        "base-scenario", {"scenario.value": "__uploaded__", "uploaded.data": kept}
    )
    assert back["loaded-name"]["children"] == "mine"
    assert back["committee-size"]["value"] == 4


def test_a_busy_port_is_named_before_anything_is_served() -> None:
    import socket

    from sim.app.server import port_problem

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        problem = port_problem("127.0.0.1", port)
        assert problem is not None and f"127.0.0.1:{port}" in problem
        with pytest.raises(SystemExit) as exited:
            from sim.cli import main

            main(["explore", "--port", str(port), "--max-seconds", "1"])
        assert exited.value.code == 2
    assert port_problem("127.0.0.1", port) is None


def test_beyond_the_waiting_limit_a_new_tab_is_told_the_explorer_is_busy() -> None:
    board, order, release = JobBoard(workers=1, max_waiting=2), [], threading.Event()
    board.start(HeldJob("A1", order, release), client="A")
    assert started(order, 1) == ["A1"]
    board.start(HeldJob("B1", order, release), client="B")
    board.start(HeldJob("C1", order, release), client="C")
    with pytest.raises(Busy, match="2 comparisons are waiting"):
        board.start(HeldJob("D1", order, release), client="D")
    board.start(HeldJob("C2", order, release), client="C")  # a waiting tab may replace its own
    release.set()
    assert started(order, 3) == ["A1", "B1", "C2"]


# ---- territory mode ----------------------------------------------------------------------

TERRITORY_IDS = [
    "territory-strategies",
    "territory-accounts",
    "territory-replications",
    "run-territory",
    "territory-progress",
    "territory-status",
    "territory-message",
    "territory-summary",
    "territory-run",
    "territory-poll",
]


def territory_state(base: str, **changes: Any) -> dict[str, Any]:
    """The page's values for a small territory: two strategies, 3 accounts, 2 territories."""
    values = {
        **controls_state(base),
        "territory-strategies.value": ["funnel_pusher", "maze_guide"],
        "territory-accounts.value": 3,
        "territory-replications.value": 2,
        "client.data": "territory-tab",
    }
    values.update({f"territory-{k}.value": v for k, v in changes.items()})
    return values


def test_the_layout_has_the_territory_view() -> None:
    ids = layout_ids()
    assert not [i for i in TERRITORY_IDS if i not in ids]


def test_a_territory_job_runs_on_the_board_and_pairs_every_strategy(
    named_scenario: Callable,
) -> None:
    from sim.app.jobs import TerritoryJob
    from sim.workflow.territory import territory_scenario

    board = JobBoard(workers=1)
    scenario = territory_scenario(named_scenario("baseline"), 2)
    job = TerritoryJob(scenario, ["funnel_pusher", "maze_guide", "none"], 2, seed=3)
    job_id = board.start(job, client="tab", session="s")
    assert job.finished.wait(JOB_TIMEOUT_S), "the territory did not finish"
    assert board.status(job_id) == {"state": "done", "error": None}
    assert job.result is not None and job.progress == 1.0
    assert list(job.result.summary["strategy"]) == ["funnel_pusher", "maze_guide", "none"]
    assert (job.result.summary["territories"] == 2).all()
    assert (job.result.summary["accounts"] == 2).all()
    assert len(job.result.effects) == 3, "every pair of three strategies"


def test_a_failing_territory_is_reported_as_failed(named_scenario: Callable) -> None:
    from sim.app.jobs import TerritoryJob

    job = TerritoryJob(named_scenario("baseline"), ["social_seller"], 1, seed=1)
    job.run(workers=1)  # in this thread: must not raise
    assert job.finished.is_set() and job.result is None
    assert "social_seller" in (job.error or "") or "network" in (job.error or "")


def test_loading_a_scenario_offers_only_its_strategies_for_the_territory(
    callbacks: Callbacks, named_scenario: Callable
) -> None:
    for name, social in (("baseline", False), ("territory", True)):
        base = named_scenario(name).model_dump_json()
        response = callbacks.call("territory-strategies", {"base-scenario.data": base})
        offered = [o["value"] for o in response["territory-strategies"]["options"]]
        assert ("social_seller" in offered) is social, name
        assert response["territory-strategies"]["value"] == ["funnel_pusher", "maze_guide"]
        expected = (named_scenario(name).territory or Territory()).accounts
        assert response["territory-accounts"]["value"] == expected


def test_a_territory_runs_through_the_callbacks_with_intervals_and_a_verdict(
    callbacks: Callbacks, named_scenario: Callable
) -> None:
    base = named_scenario("baseline").model_dump_json()
    started = callbacks.call("territory-run", territory_state(base))
    assert message_text(started) == "[null]"
    assert started["territory-poll"]["disabled"] is False
    data = started["territory-run"]["data"]
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while True:
        polled = callbacks.call("territory-progress", {"territory-run.data": data})
        if polled["territory-poll"]["disabled"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert polled["territory-status"]["children"].startswith("done: 2 territories")
    shown = json.dumps(polled["territory-summary"]["children"])
    assert "same 2 territories (seeds 2 to 3) of 3 accounts" in shown
    assert "deals won per territory" in shown and " [" in shown, "means with intervals"
    assert re.search(r"Maze guide against funnel pusher on the same 2 territories: "
                     r"(ahead|behind|deals won per territory: cannot tell)", shown)  # fmt: skip
    assert "shares one week's hours" in shown and "chooses which accounts" in shown
    assert "Trainers' guide (docs/trainers.md)" in shown
    assert "Shared capacity." in shown and "Account choice." in shown, "the guide's section"


def test_the_guide_section_ends_before_the_next_heading() -> None:
    from sim.app.territory_view import guide_section

    section = guide_section()
    assert section is not None, "docs/trainers.md names the section the explorer shows"
    assert section.startswith("**Why territory mode can disagree with `compare`.**")
    assert "\n#" not in section and "Running one deal" not in section


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"accounts": 0}, "accounts must be a whole number from 1 to 100"),
        ({"accounts": 101}, "accounts must be a whole number from 1 to 100"),
        ({"accounts": None}, "accounts must be a whole number from 1 to 100"),
        ({"accounts": 2.5}, "accounts must be a whole number from 1 to 100"),
        ({"replications": 0}, "territories must be a whole number from 1 to 50"),
        ({"replications": 51}, "territories must be a whole number from 1 to 50"),
        ({"replications": "many"}, "territories must be a whole number from 1 to 50"),
        ({"strategies": []}, "tick at least one strategy"),
        ({"strategies": ["social_seller"]}, "social_seller cannot sell in this scenario"),
    ],
)
def test_bad_territory_requests_are_a_message_beside_it(
    callbacks: Callbacks, named_scenario: Callable, changes: dict[str, Any], expected: str
) -> None:
    base = named_scenario("baseline").model_dump_json()
    response = callbacks.call("territory-run", territory_state(base, **changes))
    assert "territory-run" not in response
    assert expected in message_text(response, "territory-message")
