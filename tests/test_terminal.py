"""Progress as the terminal shows it: a steady ETA on a terminal, a line every 10 s in a log."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from rich.console import Console

import sim.terminal
from sim.terminal import SteadyRemaining, progress


def test_eta_is_the_average_pace_so_far() -> None:
    column = SteadyRemaining()
    task = SimpleNamespace(completed=0, total=100, elapsed=3.0)
    assert str(column.render(task)) == "ETA -:--"  # nothing done yet: no guess
    task = SimpleNamespace(completed=25, total=100, elapsed=30.0)
    assert str(column.render(task)) == "ETA 1:30"  # 75 runs at 1.2 s each
    task = SimpleNamespace(completed=100, total=100, elapsed=120.0)
    assert str(column.render(task)) == "ETA 0:00"


def test_a_log_gets_a_line_every_ten_seconds_and_one_at_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter([0.0, 1.0, 5.0, 12.0, 14.0, 30.0, 31.0])
    monkeypatch.setattr(sim.terminal.time, "monotonic", lambda: next(clock))
    log = io.StringIO()
    console = Console(file=log, force_terminal=False, width=200)
    with progress("sweeping", console) as advance:
        advance(0, 100, 0)  # t=1: the total, nothing done
        advance(10, 100, 0)  # t=5: too soon
        advance(50, 100, 1)  # t=12: a line
        advance(60, 100, 1)  # t=14: too soon
        advance(100, 100, 1)  # t=30: the end, after a line
    lines = log.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[sweeping] 50/100 runs (50%), 1 failed")
    assert lines[1].startswith("[sweeping] 100/100 runs (100%), 1 failed")
    assert lines[1].endswith("ETA 0 s")


def test_a_quick_job_logs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 0.5, 1.0, 2.0])
    monkeypatch.setattr(sim.terminal.time, "monotonic", lambda: next(clock))
    log = io.StringIO()
    with progress("simulating deals", Console(file=log, force_terminal=False)) as advance:
        advance(0, 10, 0)
        advance(5, 10, 0)
        advance(10, 10, 0)
    assert log.getvalue() == ""
