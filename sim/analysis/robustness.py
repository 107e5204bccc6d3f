"""The robustness map's statistics: what each one-at-a-time change does to each strategy, and
where the guide-minus-pusher difference changes sign; and, for the assumptions section, each
strategy's rates and the guide-minus-pusher difference under each neutral assumption.

Every change is measured on the same committees as the base (replication r of a variant and
of the base share a seed), so each effect is a paired difference over replications with a
Student t 95% interval (`paired_difference`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.statistics import Estimate, paired_difference

OUTCOMES: dict[str, str] = {
    "won": "win rate",
    "no_decision": "no-decision rate",
    "our_high_quality": "our high-quality rate",
}
"""Outcome column -> plain name. `won` and `no_decision` are indicators of `outcome`."""

CONTRAST = ("maze_guide", "funnel_pusher")
"""The difference whose sign the map watches: guide minus pusher."""


def indicators(rows: pd.DataFrame) -> pd.DataFrame:
    """One 0/1 column per outcome of `OUTCOMES`."""
    frame = rows[["policy", "point", "replication"]].copy()
    frame["won"] = (rows["outcome"] == "won").astype(float)
    frame["no_decision"] = (rows["outcome"] == "no_decision").astype(float)
    frame["our_high_quality"] = rows["our_high_quality"].astype(float)
    return frame


Series = dict[tuple[str, int], pd.DataFrame]


def _by_run(frame: pd.DataFrame) -> Series:
    """Each (policy, point)'s outcomes ordered by replication, so pairs line up."""
    ordered = frame.sort_values("replication")
    return {key: group for key, group in ordered.groupby(["policy", "point"], sort=False)}


def _series(runs: Series, policy: str, point: int, outcome: str) -> np.ndarray:
    return runs[policy, point][outcome].to_numpy()


def base_rates(rows: pd.DataFrame) -> pd.DataFrame:
    """Each strategy's rate of each outcome at the base scenario (point 0)."""
    frame = indicators(rows)
    base = frame[frame["point"] == 0]
    return base.groupby("policy", sort=False)[list(OUTCOMES)].mean()


def effects(rows: pd.DataFrame, changes: Sequence[object]) -> pd.DataFrame:
    """Per change, strategy and outcome: the rate's change from the base, paired, with its
    interval. `changes[i]` is design point i + 1 (a `Perturbation`)."""
    frame = indicators(rows)
    runs = _by_run(frame)
    records = []
    for index, change in enumerate(changes, start=1):
        for policy in frame["policy"].unique():
            for outcome in OUTCOMES:
                effect = paired_difference(
                    _series(runs, policy, index, outcome), _series(runs, policy, 0, outcome)
                )
                records.append(_record(change, index, policy, outcome, effect))
    return pd.DataFrame.from_records(records)


def contrasts(rows: pd.DataFrame, changes: Sequence[object]) -> pd.DataFrame:
    """Guide minus pusher at the base and at every change, per outcome, with intervals and
    whether the sign flipped (`flip`) and, if so, whether the variant's interval excludes 0
    on the other side (`clear`). Empty when the study lacks either strategy."""
    frame = indicators(rows)
    guide, pusher = CONTRAST
    if not {guide, pusher} <= set(frame["policy"]):
        return pd.DataFrame()
    runs = _by_run(frame)
    records = []
    for outcome in OUTCOMES:
        base = paired_difference(
            _series(runs, guide, 0, outcome), _series(runs, pusher, 0, outcome)
        )
        for index, change in enumerate(changes, start=1):
            variant = paired_difference(
                _series(runs, guide, index, outcome), _series(runs, pusher, index, outcome)
            )
            flip = bool(base.value * variant.value < 0)
            clear = flip and (variant.low > 0 if variant.value > 0 else variant.high < 0)
            record = _record(change, index, f"{guide} - {pusher}", outcome, variant)
            record["difference"] = record.pop("change")
            record.update(base=base.value, base_low=base.low, base_high=base.high)
            record.update(flip=flip, clear=bool(clear))
            records.append(record)
    return pd.DataFrame.from_records(records)


def assumption_rates(rows: pd.DataFrame, words: Sequence[dict]) -> pd.DataFrame:
    """Each strategy's rate of each outcome at the base and under each neutral assumption;
    `words[i]` describes design point i (0: the base)."""
    frame = indicators(rows)
    records = []
    for (policy, point), group in frame.groupby(["policy", "point"], sort=False):
        for outcome in OUTCOMES:
            records.append(
                {"point": int(point), **words[point], "policy": policy, "outcome": outcome,
                 "rate": float(group[outcome].mean())}
            )  # fmt: skip
    return pd.DataFrame.from_records(records).sort_values(["point"], kind="stable")


def assumption_contrasts(rows: pd.DataFrame, words: Sequence[dict]) -> pd.DataFrame:
    """Guide minus pusher at the base and under each assumption, per outcome, paired over the
    same committees with a t 95% interval; `shift` is how far the assumption moves that
    difference from the base's, paired too. Empty when the study lacks either strategy."""
    frame = indicators(rows)
    guide, pusher = CONTRAST
    if not {guide, pusher} <= set(frame["policy"]):
        return pd.DataFrame()
    runs = _by_run(frame)
    records = []
    for point, described in enumerate(words):
        for outcome in OUTCOMES:
            base_gap = _series(runs, guide, 0, outcome) - _series(runs, pusher, 0, outcome)
            gap = _series(runs, guide, point, outcome) - _series(runs, pusher, point, outcome)
            difference = paired_difference(gap, np.zeros_like(gap))
            shift = paired_difference(gap, base_gap)
            records.append(
                {"point": point, **described, "outcome": outcome,
                 "difference": difference.value, "low": difference.low, "high": difference.high,
                 "shift": shift.value, "shift_low": shift.low, "shift_high": shift.high}
            )  # fmt: skip
    return pd.DataFrame.from_records(records)


def _record(change: object, index: int, policy: str, outcome: str, effect: Estimate) -> dict:
    return {
        "point": index,
        "parameter": change.parameter,
        "direction": change.direction,
        "base_value": change.base,
        "value": change.value,
        "policy": policy,
        "outcome": outcome,
        "change": effect.value,
        "low": effect.low,
        "high": effect.high,
    }
