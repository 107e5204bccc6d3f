"""The batch path (`sim.model.batch.simulate_rows`, what sweeps and comparisons run) gives
exactly the metric rows of one deal at a time (`simulate`) and of the Mesa schedule
(`Model.step()`), for every strategy on either side, a peer network and vetoes; compiled, and
as plain Python (this file is in `make test`'s list run with NUMBA_DISABLE_JIT=1, with fewer
seeds)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model import kernel as k
from sim.model import simulate
from sim.model.batch import simulate_rows
from sim.model.model import BuyingCommitteeModel
from sim.model.stakeholder import JOB_BY_CODE
from sim.model.streams import Purpose, RandomStreams
from sim.runner import Batch, Run, run_batch

JIT_OFF = os.environ.get("NUMBA_DISABLE_JIT") == "1"
SEEDS = range(2) if JIT_OFF else range(50)
STRATEGIES = ("none", "funnel_pusher", "maze_guide")


def variant(name: str) -> sim.Scenario:
    """'scenario' or 'scenario/ours/rival': a scenario with our and the rival's strategy."""
    scenario_name, *strategies = name.split("/")
    scenario = sim.load_scenario(scenario_name)
    if strategies:
        ours, rival = strategies
        scenario = scenario.with_strategy(ours).with_strategy(rival, "rival")
    return scenario


VARIANTS = [
    *(f"baseline/{ours}/{rival}" for ours in STRATEGIES for rival in STRATEGIES),
    "flip_the_funnel",
    "flip_the_funnel/maze_guide/social_seller",
    "skeptical_finance_veto",
    "one_person",
]
"""Every strategy as ours and as the rival's, the social seller in a peer network (on either
side), a veto holder and a committee of one."""


def same_value(a: Any, b: Any) -> bool:
    """Equal and of the same type; NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def differences(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields in which two rows differ (a missing field counts)."""
    return {
        key: (a.get(key), b.get(key))
        for key in a.keys() | b.keys()
        if key not in a or key not in b or not same_value(a[key], b[key])
    }


def test_the_row_comparison_can_fail() -> None:
    row = {"x": 1.0, "y": None, "z": math.nan}
    assert differences(row, dict(row)) == {}
    assert differences(row, {**row, "x": 1}) != {}, "an int is not a float"
    assert differences(row, {**row, "y": 0.0}) != {}
    assert differences(row, {**row, "z": 0.0}) != {}
    assert differences(row, {"x": 1.0, "y": None}) != {}


@pytest.mark.parametrize("name", VARIANTS)
def test_batch_rows_are_the_rows_of_one_deal_at_a_time(name: str) -> None:
    scenario = variant(name)
    batch = simulate_rows(scenario, SEEDS)
    assert [row["seed"] for row in batch] == list(SEEDS)
    for seed, row in zip(SEEDS, batch, strict=True):
        assert differences(row, simulate(scenario, seed).metrics()) == {}, (name, seed)


@pytest.mark.parametrize("name", VARIANTS)
def test_batch_rows_are_the_rows_of_the_mesa_schedule(name: str) -> None:
    scenario = variant(name)
    seeds = SEEDS[:1] if JIT_OFF else SEEDS
    for seed, row in zip(seeds, simulate_rows(scenario, seeds), strict=True):
        stepped = BuyingCommitteeModel(scenario, seed).run()
        assert differences(row, stepped.metrics()) == {}, (name, seed)


def test_a_deal_does_not_depend_on_the_deals_before_it() -> None:
    """The scenario's template is shared by its deals and never changed by one: any order of
    seeds gives each seed's row."""
    scenario = variant("baseline/maze_guide/funnel_pusher")
    forward = simulate_rows(scenario, [3, 4, 5])
    backward = simulate_rows(scenario, [5, 4, 3, 3])
    for row, again in zip(forward, backward[2::-1], strict=True):
        assert differences(row, again) == {}
    assert differences(backward[2], backward[3]) == {}


def test_run_batch_takes_the_batch_path_unless_the_event_log_is_kept(monkeypatch) -> None:
    """Runs whose events are kept run through `simulate` (their log is read); the others
    through the batch path, one set-up per scenario; the rows are the same either way."""
    scenarios = {
        ("ours", 0): variant("baseline"),
        ("guide", 0): variant("baseline/maze_guide/none"),
    }
    runs = [Run(policy, 0, r, 100 + r) for r in range(3) for policy in ("ours", "guide")]
    kept = runs[1]
    called: list[int] = []

    def counted(scenario, seed):
        called.append(seed)
        return simulate(scenario, seed)

    monkeypatch.setattr("sim.runner.simulate", counted)
    result = run_batch(Batch(scenarios, runs, frozenset({kept})))
    assert called == [kept.seed]
    assert result.failures == []
    for run, row in zip(runs, result.rows, strict=True):
        expected = {**run.labels(), **simulate(scenarios[run.scenario_key], run.seed).metrics()}
        assert differences(row, expected) == {}, run
    kept_events = simulate(scenarios[kept.scenario_key], kept.seed).events
    assert result.events == [{**kept.labels(), **event._asdict()} for event in kept_events]
    assert result.events


PLAIN_PYTHON_ROWS = """
import json, sys
import sim
from sim.model.batch import simulate_rows
out = []
for name, ours, rival, seed in json.loads(sys.argv[1]):
    scenario = sim.load_scenario(name).with_strategy(ours).with_strategy(rival, "rival")
    out.append(simulate_rows(scenario, [seed])[0])
print(json.dumps(out))
"""


@pytest.mark.skipif(JIT_OFF, reason="compares with the JIT")
def test_plain_python_batch_rows_are_the_compiled_ones() -> None:
    deals = [
        ("baseline", "funnel_pusher", "funnel_pusher", 1),
        ("baseline", "maze_guide", "funnel_pusher", 2),
        ("flip_the_funnel", "social_seller", "maze_guide", 3),
    ]
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "B2BSIM_PROGRESS": "0"}
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_PYTHON_ROWS, json.dumps(deals)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    plain = json.loads(done.stdout)
    for (name, ours, rival, seed), row in zip(deals, plain, strict=True):
        compiled = simulate_rows(variant(f"{name}/{ours}/{rival}"), [seed])[0]
        assert differences(row, json.loads(json.dumps(compiled))) == {}, (name, seed)


@given(seed=st.integers(0, 2**63), count=st.integers(1, 4), key=st.integers(0, 3))
@settings(max_examples=30 if JIT_OFF else 200, deadline=None)
def test_compiled_seeding_gives_pythons_random_states(seed: int, count: int, key: int) -> None:
    """The sellers' streams of a batch deal are seeded compiled (`kernel.mt_seed`): the same
    state, word for word, as the `random.Random` objects the Mesa model seeds."""
    streams = RandomStreams(seed)
    states = streams.python_random_states(Purpose.SELLERS, count, key)
    randoms = streams.python_randoms(Purpose.SELLERS, count, key)
    assert [tuple(row) for row in states.tolist()] == [r.getstate()[1] for r in randoms]


@pytest.mark.parametrize("number", [0, 1, 2**32 - 1, 2**32, 2**64 + 5, 2**128 - 1])
def test_compiled_seeding_of_edge_numbers(number: int) -> None:
    """Leading zero words, a zero seed and the widest seeds seed as CPython seeds them."""
    words = [
        (number >> (32 * i)) & 0xFFFFFFFF for i in range(max(1, -(-number.bit_length() // 32)))
    ]
    state = np.zeros(k.MT_WORDS + 1, dtype=np.int64)
    k.mt_seed(np.array(words, dtype=np.int64), state)
    assert tuple(state.tolist()) == random.Random(number).getstate()[1]


def test_a_weeks_job_names_follow_the_kernels_codes() -> None:
    assert JOB_BY_CODE[k.SEEK] == "seek" and JOB_BY_CODE[k.VALIDATE] == "validate"
    assert JOB_BY_CODE[k.ALIGN] == "align" and JOB_BY_CODE[k.IDLE] == "idle"


def test_a_worker_keeps_each_scenarios_template_between_batches() -> None:
    """Batches arrive with their scenarios unpickled (new objects): the worker matches them by
    content, reuses the template, keeps at most `TEMPLATES_KEPT`, and the rows are the same
    whether a batch made its template or found it."""
    import pickle

    from sim import runner

    baseline = sim.load_scenario("baseline")
    first = runner.deal_template(pickle.loads(pickle.dumps(baseline)))
    assert runner.deal_template(pickle.loads(pickle.dumps(baseline))) is first
    other = baseline.with_strategy("maze_guide")
    assert runner.deal_template(other) is not first
    for horizon in range(20, 20 + runner.TEMPLATES_KEPT + 5):
        runner.deal_template(baseline.model_copy(update={"horizon_weeks": horizon}))
    assert len(runner._templates) == runner.TEMPLATES_KEPT
    assert runner.deal_template(baseline) is not first  # the oldest went first

    batch = Batch({("p", 0): baseline}, [Run("p", 0, r, 40 + r) for r in range(4)])
    runner._templates.clear()
    made = run_batch(batch).rows
    assert run_batch(pickle.loads(pickle.dumps(batch))).rows == made


@pytest.mark.parametrize("fails", [False, True])
def test_a_forked_pool_leaves_nothing_frozen_for_the_garbage_collector(fails: bool) -> None:
    """`open_executor` freezes this process's objects while forked workers run (so their
    collections copy no pages) and unfreezes them when the pool closes, also on an error."""
    import gc

    from sim.runner import Executors, open_executor

    gc.unfreeze()  # as a process that froze nothing
    before = gc.get_freeze_count()
    expected = pytest.raises(RuntimeError) if fails else contextlib.nullcontext()
    with expected, open_executor(Executors(workers=2)) as (executor, _):
        assert executor.submit(sum, [1, 2]).result() == 3
        if executor._mp_context.get_start_method() == "fork":
            assert gc.get_freeze_count() > before
        if fails:
            raise RuntimeError("a run went wrong")
    assert gc.get_freeze_count() == before


def test_a_freeze_made_by_someone_else_is_left_as_it_was() -> None:
    import gc

    from sim.runner import Executors, open_executor

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with open_executor(Executors(workers=2)) as (executor, _):
            assert executor.submit(sum, [1, 2]).result() == 3
        assert gc.get_freeze_count() > frozen // 2  # still frozen (less what was freed)
    finally:
        gc.unfreeze()
