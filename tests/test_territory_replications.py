"""Territory mode over several territories: intervals across territories and a paired
verdict, each territory worked by every strategy on the same accounts."""

from __future__ import annotations

from pathlib import Path

from sim.analysis.verdict import pair_sentence, pair_verdicts
from sim.config import load_scenario
from sim.workflow.territory import compare_territories, territory_scenario, work_territory

TERRITORY = Path(__file__).parent.parent / "scenarios" / "territory.yaml"
STRATEGIES = ["funnel_pusher", "maze_guide"]


def small() -> object:
    return territory_scenario(load_scenario(TERRITORY), accounts=3)


def test_replication_r_is_the_territory_of_seed_plus_r() -> None:
    settings = small()
    result = compare_territories(settings, STRATEGIES, replications=3, seed=5)
    assert len(result.runs) == 6
    third = [r.summary()["won"] for r in work_territory(settings, STRATEGIES, 7)]
    assert list(result.runs[result.runs["replication"] == 2]["won"]) == third


def test_summary_has_intervals_around_the_mean_of_territories() -> None:
    result = compare_territories(small(), STRATEGIES, replications=4, seed=1)
    for row in result.summary.to_dict("records"):
        runs = result.runs[result.runs["strategy"] == row["strategy"]]
        assert row["won"] == runs["won"].mean()
        assert row["won_low"] <= row["won"] <= row["won_high"]
        assert row["territories"] == 4


def test_the_paired_verdict_counts_territories() -> None:
    result = compare_territories(small(), STRATEGIES, replications=3, seed=1)
    (row,) = result.effects.to_dict("records")
    runs = result.runs.pivot_table(index="replication", columns="strategy", values="won")
    assert row["difference"] == (runs["maze_guide"] - runs["funnel_pusher"]).mean()
    sentence = pair_sentence(pair_verdicts([row], "maze_guide", "funnel_pusher"))
    assert "3 territories" in sentence and "committees" not in sentence
