"""Indecision and conflict as mechanisms (docs/ODD.md 4.12): each published source acts in the
direction the research describes, whatever the calibration.

Dixon & McKenna (*The JOLT Effect*, 2022) name three sources of a customer's indecision:
- the valuation problem: options closer in true value, or more equally good options, leave the
  committee less sure which is best (lower confidence) and end more often without a decision;
- lack of information: more prior uncertainty, or fewer claims per hour of search, leave more
  uncertainty about the favourite for longer (the rule's `max_uncertainty` binds);
- outcome uncertainty: more risk aversion makes the known status quo win more often.
Gartner/CEB add that conflicting priorities cost alignment (more clashes, more stalls for
conflict, fewer purchases) and that each stakeholder added lowers the chance of any purchase.
(That conflict makes purchases take longer and end with more regret is shown by the figures
of docs/ODD.md 4.12 and its two mechanisms are tested one by one in
tests/test_stakeholder_mechanisms.py (a clash's arguments) and tests/test_decision.py (each
member's own regret); it is not asserted here on whole deals, because it is measured among
the purchases only, a selected and unpaired sample too small at this size.)

Each test compares two settings on the same seeds (common random numbers; committee size
changes who is drawn, so that comparison is unpaired) and asserts the direction with a 99 %
normal-approximation interval that excludes zero. No figure of the model is hard-coded.
"""

from __future__ import annotations

import importlib.util
import math
import statistics
import sys
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pytest

from sim.config import Scenario
from sim.model import DealResult, simulate

COMMITTEES = 300
"""Committees per setting: enough for every interval below to exclude zero with a wide
margin at today's calibration (each effect is several standard errors)."""
LEVEL = 0.99
SIX_MONTHS = 26
"""Weeks: CEB's purchase rates by committee size are purchases within about six months."""

OUR_QUALITY = {
    "business_value": 0.65,
    "functional_fit": 0.62,
    "risk_security": 0.58,
    "implementation_effort": 0.55,
    "cost": 0.5,
}

pytestmark = pytest.mark.slow


def deals(committees: int = COMMITTEES, **sections: Any) -> list[DealResult]:
    """The committee on its own (no sellers) under `sections`, one deal per seed."""
    scenario = Scenario.model_validate({"name": "indecision", **sections})
    return [simulate(scenario, seed) for seed in range(committees)]


def z() -> float:
    return NormalDist().inv_cdf(0.5 + LEVEL / 2)


def paired_interval(first: list[float], second: list[float]) -> tuple[float, float]:
    """Interval of mean(second - first) over paired committees."""
    differences = [b - a for a, b in zip(first, second, strict=True)]
    mean = statistics.fmean(differences)
    half = z() * statistics.stdev(differences) / math.sqrt(len(differences))
    return mean - half, mean + half


def unpaired_interval(first: list[float], second: list[float]) -> tuple[float, float]:
    """Interval of mean(second) - mean(first) for independent samples."""
    mean = statistics.fmean(second) - statistics.fmean(first)
    variance = statistics.variance(first) / len(first) + statistics.variance(second) / len(second)
    half = z() * math.sqrt(variance)
    return mean - half, mean + half


def bought(deal: DealResult) -> float:
    return float(deal.outcome.value in ("won", "lost"))


def no_decision(deal: DealResult) -> float:
    return float(deal.outcome.value == "no_decision")


def early_confidence(deal: DealResult, week: int = 4) -> float:
    """The leading option's supporters' confidence in week `week` (or the last week)."""
    return deal.committee_weekly[min(week, len(deal.committee_weekly)) - 1].confidence


def rival_below_ours_by(gap: float) -> dict[str, Any]:
    rival = {criterion: value - gap for criterion, value in OUR_QUALITY.items()}
    return {"options": {"vendors": {"ours": {"quality": OUR_QUALITY}, "rival": {"quality": rival}}}}


def test_options_closer_in_value_lower_confidence_and_raise_no_decision() -> None:
    """The valuation problem: identical vendors against one clearly better."""
    close, apart = deals(**rival_below_ours_by(0.0)), deals(**rival_below_ours_by(0.2))
    low, _ = paired_interval(
        [early_confidence(d) for d in close], [early_confidence(d) for d in apart]
    )
    assert low > 0, "a clear winner should make the committee surer early on"
    low, _ = paired_interval([no_decision(d) for d in apart], [no_decision(d) for d in close])
    assert low > 0, "close options should end without a decision more often"


def test_more_equally_good_options_lower_confidence_and_purchases() -> None:
    """The valuation problem as too many options: one vendor against three equally good."""

    def equally_good(count: int) -> dict[str, Any]:
        names = ["ours", *(f"rival_{i}" for i in range(1, count))]
        return {"options": {"vendors": {name: {"quality": OUR_QUALITY} for name in names}}}

    one, three = deals(**equally_good(1)), deals(**equally_good(3))
    low, _ = paired_interval(
        [early_confidence(d) for d in three], [early_confidence(d) for d in one]
    )
    assert low > 0, "choosing among more options should leave the committee less sure"
    low, _ = paired_interval([bought(d) for d in three], [bought(d) for d in one])
    assert low > 0, "fewer purchases"


def uncertainty_blocks(deal: DealResult, rule_limit: float) -> float:
    """Share of the deal's weeks in which the leading option's supporters were still too
    uncertain for the decision rule (`decision.max_uncertainty`)."""
    return statistics.fmean(week.uncertainty > rule_limit for week in deal.committee_weekly)


@pytest.mark.parametrize(
    ("informed", "uninformed"),
    [
        ({"behaviour": {"prior_sd": 0.15}}, {"behaviour": {"prior_sd": 0.35}}),
        ({"information": {"claims_per_hour": 4.0}}, {"information": {"claims_per_hour": 1.0}}),
    ],
    ids=["prior_uncertainty", "claims_found"],
)
def test_lack_of_information_keeps_the_rule_blocked_by_uncertainty(
    informed: dict[str, Any], uninformed: dict[str, Any]
) -> None:
    """Lack of information: more to learn, or less found per hour of search, and the
    supporters' remaining uncertainty stays above what the rule allows for more weeks."""
    limit = Scenario().decision.max_uncertainty
    low, _ = paired_interval(
        [uncertainty_blocks(d, limit) for d in deals(**informed)],
        [uncertainty_blocks(d, limit) for d in deals(**uninformed)],
    )
    assert low > 0


def test_risk_aversion_makes_the_known_status_quo_win_more_often() -> None:
    """Outcome uncertainty: the same committees, less and more averse to risk."""
    bold = deals(committee={"risk_aversion_scale": 0.5})
    wary = deals(committee={"risk_aversion_scale": 2.5})

    def chose_status_quo(deal: DealResult) -> float:
        return float(deal.no_decision_cause == "status_quo")

    low, _ = paired_interval(
        [chose_status_quo(d) for d in bold], [chose_status_quo(d) for d in wary]
    )
    assert low > 0


def test_a_wider_spread_of_priorities_raises_clashes_and_conflict_stalls() -> None:
    """Conflicting priorities: members drawn exactly at their role's priorities against
    members whose priorities stray three times as far as the default. Bounded confidence turns
    distance into clashes, clashes into fatigue, fatigue into stalls for conflict."""
    agreed, divided = deals(committee={"divergence": 0.0}), deals(committee={"divergence": 3.0})

    def clashes_per_week(deal: DealResult) -> float:
        return deal.conflicts / deal.weeks_simulated

    def stalled_by_conflict(deal: DealResult) -> float:
        return float(deal.stall_reason == "conflict")

    low, _ = paired_interval(
        [clashes_per_week(d) for d in agreed], [clashes_per_week(d) for d in divided]
    )
    assert low > 0, "more clashes a week"
    low, _ = paired_interval(
        [stalled_by_conflict(d) for d in agreed], [stalled_by_conflict(d) for d in divided]
    )
    assert low > 0, "more stalls for conflict"
    low, _ = paired_interval([bought(d) for d in divided], [bought(d) for d in agreed])
    assert low > 0, "fewer purchases"


def test_a_larger_committee_buys_less_often_within_six_months() -> None:
    """Gartner/CEB: the chance of any purchase falls as stakeholders are added."""

    def bought_in_six_months(deal: DealResult) -> float:
        return float(bool(bought(deal)) and deal.cycle_weeks <= SIX_MONTHS)

    small = [bought_in_six_months(d) for d in deals(committee={"size": 4})]
    large = [bought_in_six_months(d) for d in deals(committee={"size": 10})]
    low, _ = unpaired_interval(large, small)
    assert low > 0


def test_the_figure_script_runs_and_covers_every_setting() -> None:
    """docs/figures/indecision.py stays runnable: its experiments, tables and figures on a
    few committees (nothing written)."""
    path = Path(__file__).resolve().parent.parent / "docs" / "figures" / "indecision.py"
    spec = importlib.util.spec_from_file_location("indecision_figures", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # its dataclasses look their module up
    try:
        spec.loader.exec_module(script)
    finally:
        del sys.modules[spec.name]
    results = script.run_all(committees=4)
    assert [p.value for p in results["size"]] == list(range(1, 11))
    text = script.tables(results)
    assert text.count("\n| 10 |") == 1
    for build in (script.sources_figure, script.conflict_figure, script.size_figure):
        assert build(results).data
