"""Reading, checking and summarising a team's pipeline CSV (`b2bsim calibrate-to`'s input),
and the censoring that makes simulated pipelines comparable with it. No fitting here
(tests/test_pipeline_fit.py)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.pipeline import (
    MIN_OPPORTUNITIES,
    observe,
    pipeline_statistics,
    read_pipeline,
    summarise,
)
from sim.config import ConfigError, load_scenario
from sim.workflow.pipeline_sample import GENERATED_NOTE, generate_pipeline

HEADER = "opportunity_id,created,closed,outcome,contacts,our_strategy\n"


def good_rows(count: int = MIN_OPPORTUNITIES) -> str:
    rows = []
    for i in range(count):
        outcome = ("won", "lost", "no_decision", "open")[i % 4]
        closed = "" if outcome == "open" else f"2025-0{1 + i % 6}-2{i % 8}"
        rows.append(f"O{i},2024-12-0{1 + i % 9},{closed},{outcome},{3 + i % 5},maze_guide\n")
    return "".join(rows)


def write(tmp_path: Path, text: str, name: str = "pipeline.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        read_pipeline(path)
    assert caught.value.source == str(path)
    return caught.value.problems


def test_a_good_pipeline_is_read_with_its_ages_and_censoring(tmp_path: Path) -> None:
    pipeline = read_pipeline(write(tmp_path, HEADER + good_rows()))
    assert pipeline.size == MIN_OPPORTUNITIES
    assert pipeline.has_contacts and pipeline.has_strategy
    assert pipeline.strategy_mix() == {"maze_guide": 1.0}
    deals = pipeline.deals
    assert str(pipeline.as_of) == max(deals["closed"].dropna().astype(str))
    open_deals = deals[deals["outcome"] == "open"]
    # an open opportunity is followed from its creation to the as-of day, no further
    expected = [(pipeline.as_of - created).days / 7 for created in open_deals["created"]]
    assert np.allclose(open_deals["weeks"], expected)
    assert (pipeline.ages >= deals["weeks"] - 1e-9).all()


def test_every_bad_cell_is_named_by_line_and_column(tmp_path: Path) -> None:
    rows = [
        "A,2025-01-01,2025-13-01,won,5,maze_guide",
        "B,2025-01-01,,lost,4,maze_guide",
        "C,01/02/2025,,open,4,maze_guide",
        "D,2025-03-01,2025-02-01,no_decision,4,maze_guide",
        "E,2025-03-01,2025-04-01,open,4,maze_guide",
        "F,2025-03-01,2025-04-01,maybe,4,maze_guide",
        "G,2025-03-01,2025-04-01,won,0,maze_guide",
        "H,2025-03-01,2025-04-01,won,4,charmer",
        "A,2025-03-01,2025-04-01,won,4,maze_guide",
        ",2025-03-01,2025-04-01,won,4,maze_guide",
        "K,2025-03-01,2025-04-01,won,4",
    ]
    problems = problems_of(write(tmp_path, HEADER + "\n".join(rows) + "\n"))
    expected = [
        "line 2, column closed:",
        "line 3, column closed: empty, but the outcome is lost",
        "line 4, column created:",
        "line 5, column closed: 2025-02-01 is before created 2025-03-01",
        "line 6, column closed: an open opportunity has no close date",
        "line 7, column outcome:",
        "line 8, column contacts: 0 is not between 1 and 200",
        "line 9, column our_strategy:",
        "line 10, column opportunity_id: 'A' already on line 2",
        "line 11, column opportunity_id: empty",
        "line 12: 5 cells, the first line names 6",
    ]
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problem


def test_missing_and_repeated_columns_are_named(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "opportunity_id,created,outcome,outcome\nA,1,2,3\n"))
    assert problems == [
        "column closed: missing from the first line",
        "column outcome: named more than once",
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such file"),
        (b"\xff\xfe\x00garbage", "not a text file in UTF-8"),
        (b"", "empty"),
        (HEADER.encode() + b"A,2025-01-01,,open,3,maze_guide\n", "at least"),
        (
            HEADER.encode()
            + "".join(
                f"O{i},2025-01-01,,open,3,maze_guide\n" for i in range(MIN_OPPORTUNITIES)
            ).encode(),
            "every opportunity is open",
        ),
    ],
)
def test_unusable_files_get_one_message(tmp_path: Path, content: bytes | None, words: str) -> None:
    path = tmp_path / "pipeline.csv"
    if content is not None:
        path.write_bytes(content)
    problems = problems_of(path)
    assert len(problems) == 1 and words in problems[0]


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == ["is a folder, not a CSV file"]


def test_extra_columns_are_ignored_and_optional_ones_optional(tmp_path: Path) -> None:
    text = "Outcome,opportunity_id,created,closed,stage\n" + "".join(
        f"{'won' if i % 2 else 'open'},O{i},2025-01-0{1 + i % 9},"
        f"{'2025-03-01' if i % 2 else ''},negotiation\n"
        for i in range(MIN_OPPORTUNITIES)
    )
    pipeline = read_pipeline(write(tmp_path, text))
    assert not pipeline.has_contacts and not pipeline.has_strategy
    assert pipeline.strategy_mix() is None
    assert "committee_mean" not in pipeline.statistics()


def test_summary_counts_shares_of_closed_and_censors_open_deals(tmp_path: Path) -> None:
    pipeline = read_pipeline(write(tmp_path, HEADER + good_rows(40)))
    summary = summarise(pipeline)
    assert summary.counts == {"won": 10, "lost": 10, "no_decision": 10, "open": 10}
    assert summary.win_rate.value == pytest.approx(1 / 3)
    assert summary.win_rate.low < 1 / 3 < summary.win_rate.high
    assert summary.committee is not None and summary.committee["mean"] == pytest.approx(5.0)
    closed_weeks = pipeline.deals.loc[pipeline.deals["outcome"] != "open", "weeks"]
    # censoring: the Kaplan-Meier median can only be later than the closed deals' median
    assert summary.median_weeks.value >= closed_weeks.median()
    document = summary.to_dict()
    assert document["counts"]["open"] == 10 and document["as_of"] == str(pipeline.as_of)


def test_observe_opens_deals_that_ended_after_their_age() -> None:
    outcomes = np.array(["won", "lost", "no_decision", "open"], dtype=object)
    seen, weeks = observe(outcomes, np.array([10.0, 30.0, 5.0, 78.0]), np.array([12, 20, 5, 40]))
    assert list(seen) == ["won", "open", "no_decision", "open"]
    assert list(weeks) == [10.0, 20.0, 5.0, 40.0]


def test_statistics_quantiles_never_reached_fall_back_to_the_longest_follow_up() -> None:
    outcomes = np.array(["won"] + ["open"] * 9, dtype=object)
    found = pipeline_statistics(outcomes, np.array([3.0] + [50.0] * 9))
    assert found["share_won"] == pytest.approx(0.1)
    assert found["cycle_q25"] == 50.0 and math.isfinite(found["cycle_q75"])


def test_weeks_to_each_ending_are_medians_of_deals_closed_that_way() -> None:
    outcomes = np.array(["won", "lost", "lost", "no_decision", "no_decision", "open"], dtype=object)
    weeks = np.array([4.0, 6.0, 10.0, 30.0, 50.0, 60.0])
    found = pipeline_statistics(outcomes, weeks)
    assert found["weeks_to_vendor"] == 6.0  # won and lost together; open deals never count
    assert found["weeks_to_no_decision"] == 40.0
    # no deal ended that way: 'later than anything seen', a finite value the fit can compare
    stalled = pipeline_statistics(np.array(["won", "open"], dtype=object), np.array([3.0, 9.0]))
    assert stalled["weeks_to_no_decision"] == 9.0


def test_a_generated_pipeline_reads_back(tmp_path: Path) -> None:
    scenario = load_scenario("baseline")
    text = generate_pipeline(
        scenario, {"account.pain": 0.4}, 24, strategies=["funnel_pusher", "maze_guide"], seed=3
    )
    assert text.startswith(f"# {GENERATED_NOTE}")  # labelled in the file itself
    pipeline = read_pipeline(write(tmp_path, text))
    assert pipeline.size == 24
    assert pipeline.strategy_mix() == {"funnel_pusher": 0.5, "maze_guide": 0.5}


def test_lines_are_counted_after_the_notes(tmp_path: Path) -> None:
    text = "# a note\n# another\n" + HEADER + "A,2025-01-01,2025-13-01,won,5,maze_guide\n"
    assert problems_of(write(tmp_path, text))[0].startswith("line 4, column closed")


def test_cli_bad_pipeline_exits_2_with_the_line_and_column(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "A,2025-01-01,2025-13-01,won,5,maze_guide\n")
    result = run_cli("calibrate-to", str(path))
    assert result.code == 2
    assert "line 2, column closed" in result.err and "Traceback" not in result.err
    missing = run_cli("calibrate-to", str(tmp_path / "nope.csv"))
    assert missing.code == 2 and "nope.csv: no such file" in missing.err


def test_cli_refuses_a_budget_below_the_particles(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + good_rows())
    result = run_cli("calibrate-to", str(path), "--particles", "50", "--budget", "30")
    assert result.code == 2 and "--budget" in result.err


def test_cli_names_a_setting_it_cannot_fit(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + good_rows())
    result = run_cli("calibrate-to", str(path), "--fit", "account.pain,sellers.ours.strategy")
    assert result.code == 2 and "Traceback" not in result.err
    assert "--fit: sellers.ours.strategy" in result.err
