"""Extreme-condition tests over many committees: what must hold whatever the calibration.

- Identical products sold by honest sellers of the same strategy on both sides: neither
  vendor is favoured (the paired difference of their win shares is compatible with zero).
- A clearly weaker product loses more often than it wins, whatever our seller's strategy.
- A seller who overclaims more is caught more often (discredited seller claims), and an
  honest one at about the check's false-alarm rate.

Committees are paired by seed; intervals are normal approximations of paired differences.
"""

from __future__ import annotations

import math
import statistics
from statistics import NormalDist

import pytest

from sim.config import SELLER_STRATEGIES, Scenario
from sim.model import simulate

NETWORK = {"size": 40, "reach": 0.2, "installed_base": {"ours": 6, "rival": 6}}
SYMMETRY_COMMITTEES = 300
WEAK_COMMITTEES = 60
BIAS_COMMITTEES = 60


def scenario(ours: str, rival: str, **sections: object) -> Scenario:
    return Scenario.model_validate(
        {
            "committee": {"size": 6},
            "network": NETWORK,
            "sellers": {"ours": {"strategy": ours}, "rival": {"strategy": rival}},
            **sections,
        }
    )


def paired_interval(differences: list[float], level: float) -> tuple[float, float]:
    mean = statistics.fmean(differences)
    half = NormalDist().inv_cdf(0.5 + level / 2) * statistics.stdev(differences)
    half /= math.sqrt(len(differences))
    return mean - half, mean + half


def win_minus_loss(s: Scenario, committees: int) -> list[int]:
    """Per committee: +1 if ours was bought, -1 if the rival was, 0 otherwise."""
    outcomes = [simulate(s, seed).outcome.value for seed in range(committees)]
    return [(o == "won") - (o == "lost") for o in outcomes]


@pytest.mark.slow
@pytest.mark.parametrize("strategy", SELLER_STRATEGIES)
def test_identical_products_and_honest_sellers_share_the_wins(strategy: str) -> None:
    honest = scenario(
        strategy,
        strategy,
        information={"sources": {"seller": {"bias": 0.0}}},
        options={"vendors": {"ours": {}, "rival": {}}},
    )
    assert honest.options.vendors["ours"] == honest.options.vendors["rival"]
    assert honest.seller_for("ours") == honest.seller_for("rival")
    differences = win_minus_loss(honest, SYMMETRY_COMMITTEES)
    purchases = sum(d != 0 for d in differences)
    assert purchases >= SYMMETRY_COMMITTEES // 5, "enough purchases for the test to bite"
    low, high = paired_interval(differences, 0.99)
    assert low <= 0.0 <= high, (strategy, low, high)


WEAK = {
    "options": {
        "vendors": {
            "ours": {"quality": dict.fromkeys(Scenario().criteria, 0.4)},
            "rival": {"quality": dict.fromkeys(Scenario().criteria, 0.75)},
        }
    }
}


@pytest.mark.parametrize("rival", ["funnel_pusher", "maze_guide"])
@pytest.mark.parametrize("ours", SELLER_STRATEGIES)
def test_a_clearly_weaker_product_loses_more_often_than_it_wins(ours: str, rival: str) -> None:
    differences = win_minus_loss(scenario(ours, rival, **WEAK), WEAK_COMMITTEES)
    assert any(differences), "some committee bought"
    low, high = paired_interval(differences, 0.95)
    assert high < 0.0, (ours, rival, low, high)


def seller_checks(bias: float) -> tuple[int, int]:
    """Claims of our (overclaiming) funnel-pusher discredited and confirmed in validation,
    summed over the committees."""
    s = scenario("funnel_pusher", "maze_guide", information={"sources": {"seller": {"bias": bias}}})
    discredited = confirmed = 0
    for seed in range(BIAS_COMMITTEES):
        effects = [e.effect for e in simulate(s, seed).events if e.action == "validate"]
        discredited += effects.count("discredited:seller:ours")
        confirmed += effects.count("confirmed:seller:ours")
    return discredited, confirmed


@pytest.mark.slow
def test_a_seller_who_overclaims_more_is_caught_more() -> None:
    checks = {bias: seller_checks(bias) for bias in (0.0, 0.4, 0.8)}
    caught = [checks[b][0] for b in sorted(checks)]
    rates = [d / (d + c) for d, c in (checks[b] for b in sorted(checks))]
    assert caught == sorted(caught) and caught[0] < caught[-1], caught
    assert rates == sorted(rates) and rates[-1] > 3 * rates[0], rates
    honest_discredited, honest_confirmed = checks[0.0]
    checked = honest_discredited + honest_confirmed
    assert checked >= 200, "enough of the honest seller's claims were checked"
    false_alarm = 2.0 * (1.0 - NormalDist().cdf(Scenario().behaviour.validation_z))
    assert abs(rates[0] - false_alarm) < 4.0 * math.sqrt(false_alarm / checked) + 0.01
