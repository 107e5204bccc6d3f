"""The explorer's fair queue is keyed by the server's own session (issue 25): posing as many
tabs gains a page nothing, a session has a cap of waiting comparisons, a session cookie cannot
be forged, and a loopback address other than 127.0.0.1 answers to the address it prints."""

from __future__ import annotations

import threading
import time

import flask
import pytest

from sim.app.access import ANONYMOUS, SESSION_COOKIE, Access, session_id
from sim.app.jobs import Busy, ComparisonJob, JobBoard

TIMEOUT_S = 30


class HeldJob(ComparisonJob):
    """A job that records when it runs and waits until the test releases it."""

    def __init__(self, name: str, order: list[str], release: threading.Event) -> None:
        super().__init__(None, [], 1, 1)  # type: ignore[arg-type]
        self.name, self.order, self.release = name, order, release

    def run(self, workers: int | None) -> None:
        self.order.append(self.name)
        self.release.wait(TIMEOUT_S)
        self.finished.set()


def wait_for(order: list[str], count: int) -> list[str]:
    deadline = time.monotonic() + TIMEOUT_S
    while len(order) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return order


def test_many_tab_ids_of_one_session_are_capped_and_do_not_jump_the_queue() -> None:
    board, order, release = JobBoard(workers=1, per_session=3), [], threading.Event()
    board.start(HeldJob("running", order, release), client="t0", session="greedy")
    assert wait_for(order, 1) == ["running"]
    for tab in range(3):
        board.start(HeldJob(f"greedy{tab}", order, release), client=f"fake{tab}", session="greedy")
    with pytest.raises(Busy, match="3 comparisons waiting already"):
        board.start(HeldJob("greedy3", order, release), client="fake3", session="greedy")
    board.start(HeldJob("other", order, release), client="t0", session="other")
    release.set()
    assert wait_for(order, 5) == ["running", "other", "greedy0", "greedy1", "greedy2"]


def test_sessions_take_turns_whatever_tab_ids_they_send() -> None:
    board, order, release = JobBoard(workers=1), [], threading.Event()
    board.start(HeldJob("A0", order, release), client="x", session="A")
    assert wait_for(order, 1) == ["A0"]
    board.start(HeldJob("A1", order, release), client="y", session="A")
    board.start(HeldJob("A2", order, release), client="z", session="A")
    board.start(HeldJob("B1", order, release), client="x", session="B")  # same tab id as A's
    release.set()
    assert wait_for(order, 4) == ["A0", "B1", "A1", "A2"]


@pytest.fixture
def server() -> flask.Flask:
    app = flask.Flask(__name__)
    Access.for_host("127.0.0.1").install(app)
    app.add_url_rule("/who", "who", session_id)
    return app


def test_the_session_is_given_by_the_server_and_kept(server: flask.Flask) -> None:
    browser = server.test_client()
    assert browser.get("/who").text == ANONYMOUS, "a session counts once its cookie comes back"
    first = browser.get("/who").text
    assert first != ANONYMOUS and browser.get("/who").text == first
    other = server.test_client()
    other.get("/who")
    assert other.get("/who").text not in (first, ANONYMOUS)


def test_a_forged_session_cookie_is_anonymous(server: flask.Flask) -> None:
    browser = server.test_client()
    browser.set_cookie(SESSION_COOKIE, "eyJpZCI6ImNob3NlbiJ9.forged.signature")
    assert browser.get("/who").text == ANONYMOUS


def test_a_script_without_cookies_shares_one_anonymous_session(server: flask.Flask) -> None:
    seen = {server.test_client(use_cookies=False).get("/who").text for _ in range(5)}
    assert seen == {ANONYMOUS}


@pytest.mark.parametrize("bind", ["127.0.0.2", "::1", "127.0.0.1"])
def test_a_loopback_explorer_answers_to_the_address_it_prints(bind: str) -> None:
    access = Access.for_host(bind)
    app = flask.Flask(__name__)
    access.install(app)
    app.add_url_rule("/", "root", lambda: "ok")
    printed = access.url(8050).removeprefix("http://").split("/")[0]
    response = app.test_client().get("/", headers={"Host": printed})
    assert response.status_code == 200, response.text
    refused = app.test_client().get("/", headers={"Host": "attacker.example:8050"})
    assert refused.status_code == 403
