"""Per-deal metric definitions (sim/model/metrics.py) on hand-made inputs, and their
agreement with a simulated deal's record."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.facts import FactData, f11_curve
from sim.config.experiment import load_experiment
from sim.model import simulate
from sim.model.metrics import (
    METRIC_TYPES,
    count_loopbacks,
    deal_job_moves,
    job_shares,
    share_with_sellers,
)
from sim.store import ResultsStore, file_sha256
from sim.workflow.sweep import open_store, run_sweep

REPO = Path(__file__).resolve().parent.parent

JOBS = ("seek", "validate", "align")


@pytest.mark.parametrize(
    ("weeks", "loops"),
    [
        ([], 0),
        (["seek"], 0),
        (["seek", "seek", "seek"], 0),
        (["seek", "validate", "align"], 0),
        (["seek", "seek", "validate", "seek"], 1),
        (["seek", "idle", "idle", "seek"], 0),  # idle weeks are skipped: never left seeking
        (["seek", "validate", "idle", "seek"], 1),
        (["seek", "idle", "validate", "idle", "seek"], 1),
        (["seek", "validate", "seek", "validate"], 2),
        (["seek", "validate", "align", "seek", "align", "validate"], 3),
        (["idle", "idle"], 0),
    ],
)
def test_count_loopbacks(weeks: list[str], loops: int) -> None:
    assert count_loopbacks(weeks) == loops


week_jobs = st.lists(st.sampled_from([*JOBS, "idle"]), max_size=40)


@given(weeks=week_jobs, data=st.data())
@settings(max_examples=40, deadline=None)
def test_loopbacks_ignore_idle_weeks_and_repeats(weeks: list[str], data) -> None:
    loops = count_loopbacks(weeks)
    active = [w for w in weeks if w != "idle"]
    changes = sum(1 for a, b in itertools.pairwise(active) if a != b)
    # Every change of main job is either the first visit of a job or a loop-back.
    first_visits = len(set(active)) - 1 if active else 0
    assert loops == changes - first_visits
    assert count_loopbacks(active) == loops
    # Staying on a job longer (repeating a week) never adds loop-backs.
    if weeks:
        i = data.draw(st.integers(0, len(weeks) - 1))
        assert count_loopbacks([*weeks[: i + 1], weeks[i], *weeks[i + 1 :]]) == loops


@given(hours=st.dictionaries(st.sampled_from(JOBS), st.floats(0, 1e4)))
@settings(max_examples=40, deadline=None)
def test_job_shares_sum_to_one(hours: dict[str, float]) -> None:
    shares = job_shares(hours)
    assert set(shares) == set(JOBS)
    total = sum(hours.values())
    if total > 0:
        assert sum(shares.values()) == pytest.approx(1.0)
        for job in JOBS:
            assert shares[job] == pytest.approx(hours.get(job, 0.0) / total)
    else:
        assert all(v == 0.0 for v in shares.values())


def test_job_shares_by_hand() -> None:
    assert job_shares({"seek": 2, "validate": 1, "align": 1}) == {
        "seek": 0.5,
        "validate": 0.25,
        "align": 0.25,
    }
    assert job_shares({"seek": 0, "validate": 0, "align": 0}) == dict.fromkeys(JOBS, 0.0)
    assert job_shares({"align": 3}) == {"seek": 0.0, "validate": 0.0, "align": 1.0}


def test_share_with_sellers() -> None:
    hours = {"seek": 6.0, "validate": 2.0, "align": 2.0}
    assert share_with_sellers(hours, 0.0) == 0.0
    assert share_with_sellers(hours, 2.5) == pytest.approx(0.25)
    assert share_with_sellers(hours, 10.0) == pytest.approx(1.0)
    assert share_with_sellers({"seek": 0.0}, 0.0) == 0.0


def test_deal_metrics_agree_with_the_deal_record(named_scenario) -> None:
    for name in ("baseline", "one_person"):
        for seed in range(3):
            deal = simulate(named_scenario(name), seed)
            m = deal.metrics()
            assert m["outcome"] == deal.outcome.value
            assert m["cycle_weeks"] == deal.cycle_weeks
            assert m["loopbacks"] == sum(deal.loopbacks.values())
            assert m["loopbacks_per_stakeholder"] == pytest.approx(
                m["loopbacks"] / deal.n_stakeholders
            )
            assert m["any_loopback"] == (m["loopbacks"] > 0)
            shares = job_shares(deal.hours_by_job)
            assert m["share_seek"] + m["share_validate"] + m["share_align"] == pytest.approx(1.0)
            assert m["share_align"] == pytest.approx(shares["align"])
            assert m["buying_hours"] == pytest.approx(sum(deal.hours_by_job.values()))
            # Loop-backs recorded per stakeholder are count_loopbacks over its weekly jobs.
            by_member: dict[str, list[str]] = {}
            for state in deal.weekly:
                by_member.setdefault(state.stakeholder, []).append(state.job)
            assert deal.loopbacks == {n: count_loopbacks(j) for n, j in by_member.items()}
            # Hours per job are the sum of the weekly swimlane.
            assert deal.hours_by_job["seek"] == pytest.approx(
                sum(w.hours_seek for w in deal.weekly)
            )
            assert deal.hours_with_sellers == pytest.approx(
                sum(w.hours_with_sellers for w in deal.weekly)
            )


@pytest.mark.parametrize("seed", [1, 4])
def test_job_moves_read_from_the_weekly_arrays_equal_those_of_its_records(
    named_scenario, seed: int
) -> None:
    """A run's weekly log is read column-wise for speed; a deal rebuilt with the same log as
    plain records (as a stored deal is) must count the same moves."""
    deal = simulate(named_scenario("baseline"), seed)
    as_records = dataclasses.replace(deal, weekly=list(deal.weekly))
    moves = deal_job_moves(deal)
    assert moves == deal_job_moves(as_records)
    assert sum(moves.values()) > 0, "a deal of many weeks moves between jobs"


def test_regret_columns_are_metrics_with_types() -> None:
    assert METRIC_TYPES["regret_shortfall"] is float
    assert METRIC_TYPES["regret_degree"] is float


def test_a_deals_regret_columns_come_from_its_record(named_scenario) -> None:
    deal = simulate(named_scenario("one_person"), 1)
    graded = dataclasses.replace(deal, regret_shortfall=0.045, regret_degree=0.75, regret=True)
    m = graded.metrics()
    assert (m["regret_shortfall"], m["regret_degree"], m["regret"]) == (0.045, 0.75, True)
    assert set(m) == set(METRIC_TYPES)


def test_a_results_folder_stored_before_the_regret_columns_still_opens(tmp_path: Path) -> None:
    """Parts written by an older b2bsim lack `regret_shortfall` and `regret_degree`: they
    read as missing in a query, and the folder's deals, status and report still work."""
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text(
        "name: tiny\n"
        f"scenario: {REPO / 'scenarios' / 'one_person.yaml'}\n"
        "base: {horizon_weeks: 8}\n"
        "parameters:\n  account.pain: {values: [0.2, 0.4]}\n"
        "replications: 2\n"
    )
    loaded = load_experiment(experiment)
    store = open_store(loaded, str(tmp_path / "results"), fresh=False)
    run_sweep(loaded, store, workers=1)
    manifest_path = tmp_path / "results" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["parts"]:  # rewrite each part as an older b2bsim wrote it
        path = tmp_path / "results" / "parts" / entry["deals"]
        table = pq.read_table(path)
        pq.write_table(table.drop(["regret_shortfall", "regret_degree"]), path)
        entry["deals_sha256"] = file_sha256(path)
    manifest_path.write_text(json.dumps(manifest))
    old = ResultsStore.open(tmp_path / "results")
    deals = old.deals()
    assert len(deals) == 4 and "regret_shortfall" not in deals.columns
    assert old.status()["completed"] == 4
    answer = old.query("SELECT count(*) AS n, count(regret_shortfall) AS stored FROM deals")
    assert (answer["n"].iloc[0], answer["stored"].iloc[0]) == (4, 0)
    facts = FactData(pusher=deals, guide=deals)
    assert f11_curve(facts)["value"].isna().all()  # no shortfalls: no curve, not a wrong one
