"""The committee chart draws the decision rule whole: support, confidence, the supporters'
remaining uncertainty against `max_uncertainty`, vetoes, and the week each is first met."""

from __future__ import annotations

from pathlib import Path

from sim.config import load_scenario
from sim.model import DealResult, simulate
from sim.report import deal_figures

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def first_deal(scenario: str, wanted: str, seeds: int = 60) -> DealResult:
    settings = load_scenario(SCENARIOS / f"{scenario}.yaml")
    for seed in range(1, seeds + 1):
        deal = simulate(settings, seed)
        if (wanted == "veto" and deal.vetoes) or deal.outcome.value == wanted:
            return deal
    raise AssertionError(f"no {wanted} deal in {seeds} seeds of {scenario}")


def test_every_condition_of_the_rule_has_a_lane_with_rounded_thresholds() -> None:
    rule = load_scenario(SCENARIOS / "baseline.yaml").decision
    deal = first_deal("baseline", "won")
    lanes = [name for name, _ in deal_figures.rule_conditions(deal, rule)]
    assert lanes[0].startswith("support >= ") and lanes[1].startswith("confidence >= ")
    assert lanes[2].startswith("uncertainty <= ") and len(lanes[2].split("<= ")[1]) <= 5
    assert lanes[3].startswith("no veto") and lanes[4] == "all met: decide"


def test_a_purchase_happens_in_the_first_week_every_condition_is_met() -> None:
    rule = load_scenario(SCENARIOS / "baseline.yaml").decision
    deal = first_deal("baseline", "won")
    lanes = dict(deal_figures.rule_conditions(deal, rule))
    decide = [w for w, seen in lanes["all met: decide"].items() if seen == "met"]
    assert decide and min(decide) == deal.cycle_weeks
    for name, weeks in lanes.items():
        assert weeks[deal.cycle_weeks] == "met", name


def test_a_veto_is_drawn_as_blocked_in_its_week() -> None:
    settings = load_scenario(SCENARIOS / "skeptical_finance_veto.yaml")
    deal = first_deal("skeptical_finance_veto", "veto")
    lanes = dict(deal_figures.rule_conditions(deal, settings.decision))
    vetoed = {e.week for e in deal.events if e.action == "veto"}
    veto_lane = next(weeks for name, weeks in lanes.items() if name.startswith("no veto"))
    assert {w for w, seen in veto_lane.items() if seen == "blocked"} == vetoed
    assert all(lanes["all met: decide"][w] == "not met" for w in vetoed)


def test_the_committee_chart_marks_the_first_week_each_condition_is_met() -> None:
    settings = load_scenario(SCENARIOS / "baseline.yaml")
    deal = first_deal("baseline", "won")
    figure = deal_figures.preferences(deal, settings.decision)
    stars = next(t for t in figure.data if t.name == "first week met")
    assert deal.cycle_weeks in list(stars.x) and all(t.startswith("week ") for t in stars.text)
    lanes = {t.name: set(t.y) for t in figure.data if t.name in ("condition met", "vetoed")}
    assert any(name.startswith("uncertainty <= ") for name in lanes["condition met"])
    side = deal_figures.side_by_side([deal, deal], ["a", "b"], None, rule=settings.decision)
    assert sum(t.name == "first week met" for t in side.data) == 2
