"""Verdicts come from the paired interval: ahead, behind, or cannot tell (and how many
committees would tell)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.compare import paired_effects
from sim.analysis.verdict import (
    committees_needed,
    headline_pairs,
    judge,
    pair_sentence,
    pair_verdicts,
)
from sim.report.reports import tradeoffs


def test_an_interval_above_zero_is_ahead_and_below_is_behind() -> None:
    assert judge("maze_guide", "funnel_pusher", "won", 0.09, 0.06, 0.12, 200, 0.5).call == "ahead"
    assert judge("maze_guide", "funnel_pusher", "won", -0.09, -0.12, -0.06, 200, 0.5).call == (
        "behind"
    )


def test_an_interval_across_zero_cannot_tell_and_estimates_the_committees_needed() -> None:
    v = judge("maze_guide", "funnel_pusher", "won", 0.02, -0.03, 0.07, 200, 0.5)
    assert v.call == "cannot tell" and v.needed is not None and v.needed > 200
    assert v.tell().startswith("cannot tell on 200 committees (about ")
    assert v.tell().endswith(" needed)")


def test_a_difference_of_about_zero_says_so_instead_of_a_number() -> None:
    v = judge("maze_guide", "funnel_pusher", "won", 0.0, -0.05, 0.05, 20, 0.4)
    assert v.needed is None and v.tell() == "cannot tell on 20 committees (no difference seen)"


def test_committees_needed_grow_as_the_difference_shrinks() -> None:
    small, large = committees_needed(0.02, 0.5), committees_needed(0.08, 0.5)
    assert small is not None and large is not None and small > 10 * large
    assert committees_needed(0.05, math.nan) is None


def test_headline_pairs_put_sellers_against_each_other() -> None:
    assert headline_pairs(["none", "funnel_pusher", "maze_guide"]) == [
        ("maze_guide", "funnel_pusher")
    ]
    assert headline_pairs(["none", "maze_guide"]) == [("maze_guide", "none")]


def tie(replications: int) -> pd.DataFrame:
    """Two strategies that win exactly as often, on different committees (a 25%-25% tie)."""
    rows = []
    for r in range(replications):
        for policy, won in (("funnel_pusher", r % 4 == 0), ("maze_guide", r % 4 == 1)):
            rows.append(
                {"policy": policy, "replication": r, "outcome": "won" if won else "lost",
                 "no_decision_cause": None, "high_quality": won, "our_high_quality": won,
                 "loopbacks_per_stakeholder": 1.0}
            )  # fmt: skip
    return pd.DataFrame.from_records(rows)


def test_a_tie_never_names_a_winner() -> None:
    for replications in (20, 200):
        effects = paired_effects(tie(replications), ["funnel_pusher", "maze_guide"])
        verdicts = pair_verdicts(effects.to_dict("records"), "maze_guide", "funnel_pusher")
        won = next(v for v in verdicts if v.metric == "won")
        assert won.call == "cannot tell"
        assert f"cannot tell on {replications} committees" in pair_sentence(verdicts)


def test_a_clear_lead_is_ahead_seen_from_either_side() -> None:
    rows = tie(200)
    rows.loc[rows["policy"] == "maze_guide", "outcome"] = np.where(
        rows.loc[rows["policy"] == "maze_guide", "replication"] % 4 != 0, "won", "lost"
    )
    effects = paired_effects(rows, ["funnel_pusher", "maze_guide"]).to_dict("records")
    forward = pair_verdicts(effects, "maze_guide", "funnel_pusher")[0]
    backward = pair_verdicts(effects, "funnel_pusher", "maze_guide")[0]
    assert (forward.call, backward.call) == ("ahead", "behind")
    assert forward.difference == -backward.difference


def test_every_pair_is_measured_directly() -> None:
    base = tie(20)
    rows = pd.concat([base, base[base["policy"] == "funnel_pusher"].assign(policy="none")])
    effects = paired_effects(rows, ["none", "funnel_pusher", "maze_guide"])
    pairs = set(zip(effects["strategy"], effects["versus"], strict=True))
    assert pairs == {
        ("funnel_pusher", "none"),
        ("maze_guide", "none"),
        ("maze_guide", "funnel_pusher"),
    }
    assert "our_high_quality" in set(effects["metric"])
    assert "high_quality" not in set(effects["metric"])


def test_trade_offs_rank_only_through_the_paired_interval() -> None:
    rows = tie(20)
    strategies = ["funnel_pusher", "maze_guide"]
    summary = pd.DataFrame(
        [
            {"strategy": s, "won": 0.25, "our_high_quality": 0.25, "no_decision": 0.0,
             "seller_hours": 100.0, "seller_hours_per_won": 20.0,
             "median_weeks_to_decision": 10.0}
            for s in strategies
        ]
    )  # fmt: skip
    lines = tradeoffs(summary, paired_effects(rows, strategies))
    said = " ".join(lines)
    assert "most often" not in said and "(maze_guide)" not in said
    assert "cannot tell on 20 committees" in lines[-1]


def test_fewer_deals_without_a_decision_is_ahead() -> None:
    v = judge("maze_guide", "funnel_pusher", "no_decision", -0.2, -0.3, -0.1, 200, 0.5)
    assert v.call == "ahead"
    loops = judge("maze_guide", "funnel_pusher", "loopbacks_per_stakeholder", 1.0, 0.5, 1.5, 200, 2)
    assert loops.call == "more"
