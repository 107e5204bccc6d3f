"""The compiled committee week (sim/model/kernel.py): one implementation, compiled or not.

The mechanisms are numba functions over the committee's arrays. With NUMBA_DISABLE_JIT=1 the
same functions run as plain Python; both must give the same deals, draw for draw, and the
draws handed to the kernel in blocks must never run out whatever the scenario asks of a week.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import Scenario
from sim.model import kernel as k
from sim.model import simulate
from sim.model.model import BuyingCommitteeModel
from sim.model.state import Desk

DEALS = [
    ("baseline", "none", 1),
    ("baseline", "funnel_pusher", 1),
    ("baseline", "funnel_pusher", 7),
    ("baseline", "maze_guide", 2),
    ("baseline", "maze_guide", 8),
    ("flip_the_funnel", "", 3),
    ("skeptical_finance_veto", "", 4),
    ("one_person", "", 3),
]
"""Every strategy (the social seller in flip_the_funnel), a veto and a committee of one."""

PLAIN_PYTHON_RUN = """
import json, sys
import sim
from sim.model import simulate
out = []
for name, strategy, seed in json.loads(sys.argv[1]):
    scenario = sim.load_scenario(name)
    if strategy:
        scenario = scenario.with_strategy(strategy)
    deal = simulate(scenario, seed)
    out.append({"metrics": deal.metrics(), "events": [list(e) for e in deal.events]})
print(json.dumps(out, default=str))
"""


def deal_record(name: str, strategy: str, seed: int, load) -> dict:
    scenario = load(name)
    if strategy:
        scenario = scenario.with_strategy(strategy)
    deal = simulate(scenario, seed)
    record = {"metrics": deal.metrics(), "events": [list(e) for e in deal.events]}
    return json.loads(json.dumps(record, default=str))


def test_the_mechanisms_run_compiled_unless_the_compiler_is_off(named_scenario) -> None:
    simulate(named_scenario("baseline"), 1)
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        assert not hasattr(k.run_weeks, "signatures"), "plain Python when switched off"
    else:
        assert k.run_weeks.signatures, "the deal's weeks ran as compiled code"


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="compares with the JIT")
def test_plain_python_and_compiled_give_the_same_deals(named_scenario) -> None:
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "B2BSIM_PROGRESS": "0"}
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_PYTHON_RUN, json.dumps(DEALS)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    plain = json.loads(done.stdout)
    compiled = [deal_record(*deal, named_scenario) for deal in DEALS]
    for deal, a, b in zip(DEALS, plain, compiled, strict=True):
        assert a["events"] == b["events"], deal
        assert a["metrics"] == b["metrics"], deal


STEPPED = [
    (name, strategy, seed)
    for name, strategy in [
        ("baseline", "none"),
        ("baseline", "funnel_pusher"),
        ("baseline", "maze_guide"),
        ("flip_the_funnel", ""),
        ("skeptical_finance_veto", ""),
        ("large_committee", ""),
        ("one_person", ""),
    ]
    for seed in (11, 12, 13)
]
"""Every strategy, a network, vetoes, a large committee and one person, three seeds each."""


def whole_deal(deal) -> dict:
    """Everything a deal records, as plain data."""
    record = {
        "metrics": deal.metrics(),
        "events": [list(e) for e in deal.events],
        "weekly": [list(w) for w in deal.weekly],
        "committee": [list(c) for c in deal.committee_weekly],
        "sellers": [deal.seller_hours, deal.buyer_hours, deal.stakeholders_reached],
    }
    return json.loads(json.dumps(record, default=str))


@pytest.mark.parametrize(("name", "strategy", "seed"), STEPPED)
def test_the_mesa_schedule_and_the_compiled_weeks_give_the_same_deal(
    named_scenario, name: str, strategy: str, seed: int
) -> None:
    """`Model.step()` (the readable schedule the story, the explorer and `run` step through)
    and `run_compiled` (a deal's weeks in a few compiled calls, what batches use) run the
    same compiled mechanisms in the same order: the same deal, draw for draw - events, weekly
    rows, the committee's standing and every metric."""
    scenario = named_scenario(name)
    if strategy:
        scenario = scenario.with_strategy(strategy)
    stepped = BuyingCommitteeModel(scenario, seed).run()
    compiled = BuyingCommitteeModel(scenario, seed).run_compiled()
    assert whole_deal(stepped) == whole_deal(compiled)
    assert len(stepped.events) > 0


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2**31))
@settings(max_examples=25, deadline=None)
def test_a_sellers_stream_is_pythons_random_draw_for_draw(seed: int, n: int) -> None:
    """The compiled seller stream (`kernel.mt_word` and what is built on it) gives the numbers
    of `random.Random`, so the sellers' decisions draw what they always drew."""
    python = random.Random(seed)
    _, words, _ = python.getstate()
    desk = Desk(*([None] * 9), mt=np.array(words, dtype=np.int64), gauss_next=np.zeros(2),
                lines=None, line_values=None, line_count=None, vendor=0, source=0,
                n_criteria=0, strategy=0)  # fmt: skip
    for _ in range(400):  # past a refill of the 624 words
        assert k.seller_random(desk) == python.random()
        assert k.seller_randrange(desk, n) == python.randrange(n)
        assert k.seller_randrange(desk, 3) == python.randrange(3)
        assert k.seller_gauss(desk) == python.gauss(0.0, 1.0)


@given(
    claims=st.floats(0.1, 20.0),
    overload=st.floats(0.1, 10.0),
    hours=st.floats(0.5, 40.0),
    size=st.integers(1, 12),
)
@settings(max_examples=12, deadline=None)
def test_a_week_never_runs_out_of_draws(claims, overload, hours, size) -> None:
    """The block of behaviour draws handed to a week is sized from the scenario (claims per
    seek hour, overload, members' hours): however much a week asks, it never runs dry (the
    kernel would raise) and every run ends."""
    scenario = Scenario.model_validate(
        {
            "horizon_weeks": 6,
            "committee": {"size": size},
            "information": {"claims_per_hour": claims, "overload": overload},
            "roles": {role: {"weekly_hours": hours} for role in ("champion", "economic_buyer")},
            "sellers": {"ours": {"strategy": "maze_guide"}},
        }
    )
    deal = simulate(scenario, 5)
    assert 1 <= deal.weeks_simulated <= 6
