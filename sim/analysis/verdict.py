"""Which strategy is ahead, in words that never name a winner from noise.

Every sentence that ranks two strategies (the explorer, the reports, the terminal) comes
from here, and from the paired 95% interval of their difference on the same committees:
"ahead" when the whole interval is above zero, "behind" when it is below, otherwise "cannot
tell on N committees", with an estimate of how many committees would tell.

The estimate: with per-committee differences of standard deviation `sd`, a mean difference
`d` is found (95% interval clear of zero) with 80% probability on about
((1.96 + 0.84) x sd / d)^2 committees. It takes the observed difference as the true one, so
it is a rough guide; when the observed difference is about zero no number is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from scipy import stats

Call = Literal["ahead", "behind", "more", "fewer", "cannot tell"]

POWER = 0.8
"""Chance that the interval excludes zero on the estimated number of committees."""

ABOUT_ZERO = 0.005
"""A rate difference below half a percentage point is "about zero": no estimate is given."""

METRIC_WORDS: dict[str, tuple[str, bool | None]] = {
    "won": ("deals won", True),
    "no_decision": ("deals left without a decision", False),
    "our_high_quality": ("our high-quality wins", True),
    "lost": ("deals lost to a rival", False),
    "loopbacks_per_stakeholder": ("loop-backs per stakeholder", None),
    "territory_won": ("deals won per territory", True),
}
"""Metric -> (words, whether more is better for our side; None: neither, so the call is
"more" or "fewer" rather than "ahead" or "behind")."""

RATES = {"won", "no_decision", "our_high_quality", "lost"}


@dataclass(frozen=True, slots=True)
class Verdict:
    """One strategy against another on one metric, from the paired interval."""

    strategy: str
    versus: str
    metric: str
    difference: float
    low: float
    high: float
    committees: int
    call: Call
    needed: int | None
    """Committees about enough to tell (None: told already, or the difference is ~0)."""
    unit: str = "committees"
    """What was replicated: committees, or whole territories in territory mode."""

    def amount(self) -> str:
        """'+9 points (95% interval +6 to +12)' for rates; plain numbers otherwise."""
        if self.metric in RATES:
            return (
                f"{100 * self.difference:+.0f} points "
                f"(95% interval {100 * self.low:+.0f} to {100 * self.high:+.0f})"
            )
        return f"{self.difference:+.2f} (95% interval {self.low:+.2f} to {self.high:+.2f})"

    def tell(self) -> str:
        """The call in words: 'ahead', 'behind' or 'cannot tell on 20 committees (about 480
        needed)'."""
        if self.call != "cannot tell":
            return self.call
        text = f"cannot tell on {self.committees} {self.unit}"
        if self.needed is not None:
            return text + f" (about {_round_up(self.needed):,} needed)"
        return text + " (no difference seen)"

    def sentence(self) -> str:
        """'Maze guide against funnel pusher, deals won: ahead, +9 points (...) on the same
        200 committees.'"""
        what = METRIC_WORDS.get(self.metric, (self.metric.replace("_", " "), True))[0]
        head = f"{_name(self.strategy)} against {_name(self.versus).lower()}, {what}: {self.tell()}"
        if self.call == "cannot tell":
            return f"{head}, {self.amount()}."
        return f"{head}, {self.amount()} on the same {self.committees} {self.unit}."


def judge(
    strategy: str,
    versus: str,
    metric: str,
    difference: float,
    low: float,
    high: float,
    committees: int,
    sd: float,
) -> Verdict:
    """The verdict for one paired difference and its 95% interval; `sd` is the standard
    deviation of the per-committee differences. "Ahead" is better for our side: more deals
    won, fewer left without a decision."""
    more_is_better = METRIC_WORDS.get(metric, (metric, True))[1]
    call: Call = "cannot tell"
    if low > 0 or high < 0:
        more = low > 0
        if more_is_better is None:
            call = "more" if more else "fewer"
        else:
            call = "ahead" if more == more_is_better else "behind"
    needed = None
    if call == "cannot tell":
        needed = committees_needed(difference, sd, metric in RATES)
    return Verdict(strategy, versus, metric, difference, low, high, committees, call, needed)


def committees_needed(difference: float, sd: float, rate: bool = True) -> int | None:
    """About how many committees make a difference this size clear of zero (80% power at
    95%), or None when the difference is about zero or its spread unknown."""
    tiny = ABOUT_ZERO if rate else 1e-9
    if not (math.isfinite(difference) and math.isfinite(sd)) or abs(difference) < tiny:
        return None
    z = stats.norm.ppf(0.975) + stats.norm.ppf(POWER)
    return max(2, math.ceil((z * sd / abs(difference)) ** 2))


def verdict_of(row: Mapping[str, Any]) -> Verdict:
    """The verdict of one row of `sim.analysis.compare.paired_effects`."""
    verdict = judge(
        str(row["strategy"]),
        str(row["versus"]),
        str(row["metric"]),
        float(row["difference"]),
        float(row["difference_low"]),
        float(row["difference_high"]),
        int(row["pairs"]),
        float(row.get("difference_sd", math.nan)),
    )
    if verdict.metric.startswith("territory_"):
        return replace(verdict, unit="territories")
    return verdict


def headline_pairs(strategies: list[str]) -> list[tuple[str, str]]:
    """The pairs a room argues about: (strategy, versus), every seller strategy against every
    other listed before it; against `none` only when fewer than two strategies sell."""
    selling = [s for s in strategies if s != "none"]
    pool = selling if len(selling) >= 2 else strategies
    return [(b, a) for i, a in enumerate(pool) for b in pool[i + 1 :]]


def pair_verdicts(
    effects: Iterable[Mapping[str, Any]], strategy: str, versus: str
) -> list[Verdict]:
    """The verdicts of one pair, in the order of `METRIC_WORDS`, from paired-effects rows
    (either direction of the pair is found and turned round if needed)."""
    found: dict[str, Verdict] = {}
    for row in effects:
        pair = (row["strategy"], row["versus"])
        if pair == (strategy, versus):
            found[str(row["metric"])] = verdict_of(row)
        elif pair == (versus, strategy):
            found[str(row["metric"])] = _reversed(verdict_of(row))
    return [found[m] for m in METRIC_WORDS if m in found]


def pair_sentence(verdicts: list[Verdict]) -> str:
    """One sentence for one pair: 'Maze guide against funnel pusher on the same 200
    committees: ahead on deals won (+9 points, ...); cannot tell on ... (about 900 needed).'"""
    if not verdicts:
        return ""
    first = verdicts[0]
    parts = []
    for v in verdicts:
        if METRIC_WORDS.get(v.metric, (v.metric, True))[1] is None:
            continue
        what = METRIC_WORDS.get(v.metric, (v.metric, True))[0]
        if v.call == "cannot tell":
            parts.append(f"{what}: {v.tell()}")
        else:
            parts.append(f"{v.call} on {what}, {v.amount()}")
    return (
        f"{_name(first.strategy)} against {_name(first.versus).lower()} on the same "
        f"{first.committees} {first.unit}: " + "; ".join(parts) + "."
    )


def _reversed(v: Verdict) -> Verdict:
    flipped: dict[str, Call] = {
        "ahead": "behind",
        "behind": "ahead",
        "more": "fewer",
        "fewer": "more",
    }
    call = flipped.get(v.call, "cannot tell")
    return Verdict(
        v.versus,
        v.strategy,
        v.metric,
        -v.difference,
        -v.high,
        -v.low,
        v.committees,
        call,
        v.needed,
        v.unit,
    )


def _name(strategy: str) -> str:
    """'maze_guide' -> 'Maze guide': words a room reads, not the code name."""
    words = "no seller" if strategy == "none" else strategy.replace("_", " ")
    return words[0].upper() + words[1:]


def _round_up(count: int) -> int:
    """Two significant digits, rounded up: an estimate should not look precise."""
    if count < 100:
        return count
    step = 10 ** (len(str(count)) - 2)
    return math.ceil(count / step) * step
