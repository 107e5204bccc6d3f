"""The observation view: sellers see the org chart and what members told them in meetings,
never the model or a member's hidden state (sim/model/observation.py, sim/model/sellers.py)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.config import Scenario
from sim.model import kernel as k
from sim.model.model import BuyingCommitteeModel
from sim.model.observation import MemberCard, MemberObservation
from sim.model.stakeholder import BuyingJob

SELLERS_SOURCE = Path(__file__).resolve().parent.parent / "sim" / "model" / "sellers.py"

HIDDEN = frozenset(
    {
        "model",
        "truth",
        "beliefs",
        "priorities",
        "utilities",
        "risk_aversion",
        "trust",
        "stakeholders",
        "confidence",
        "preferred",
    }
)
"""Attributes that would let a seller read what it could not know, or reach past its view."""

RUNTIME_FORBIDDEN_IMPORTS = frozenset({"Stakeholder", "BuyingCommitteeModel"})

NETWORK = {"size": 30, "reach": 0.2, "installed_base": {"ours": 5, "rival": 5}}


def is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def peeks(source: str) -> list[str]:
    """Every way `source` reaches past a seller's view: a hidden attribute, a private one of
    another object (`view._model`), or a runtime import of the model or a stakeholder."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            private = node.attr.startswith("_") and not node.attr.startswith("__")
            if node.attr in HIDDEN or private:
                found.append(f"line {node.lineno}: .{node.attr}")
    runtime = [n for n in tree.body if not is_type_checking_block(n)]
    for statement in runtime:
        for node in ast.walk(statement):
            if isinstance(node, ast.ImportFrom | ast.Import):
                for alias in node.names:
                    if alias.name.rpartition(".")[2] in RUNTIME_FORBIDDEN_IMPORTS:
                        found.append(f"line {node.lineno}: import {alias.name}")
    return found


def test_the_peek_detector_finds_every_kind_of_peek() -> None:
    """The AST check below can fail: each forbidden pattern is caught in a sample."""
    sample = (
        "from sim.model.stakeholder import Stakeholder\n"
        "def act(self):\n"
        "    a = self.model.truth\n"
        "    b = self.view._model\n"
        "    c = member.beliefs.mean, member.preferred, member.trust['x']\n"
    )
    found = " ".join(peeks(sample))
    for name in ("Stakeholder", ".model", ".truth", "._model", ".beliefs", ".preferred", ".trust"):
        assert name in found
    typed_only = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from x import Stakeholder\n"
    )
    assert peeks(typed_only) == []
    assert peeks("def f(self):\n    return self.view.observed, super().__init__\n") == []


def test_sellers_never_touch_the_model_or_hidden_state() -> None:
    assert peeks(SELLERS_SOURCE.read_text()) == []


COMMITTEE_ARRAYS = frozenset({"c", "world", "net", "events"})


def seller_decisions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """The compiled seller decisions: the kernel's functions that take a seller's `desk`."""
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and "desk" in {a.arg for a in node.args.args}
    }


def reaches_past_the_desk(source: str, reaches: tuple[str, ...]) -> list[str]:
    """Every use, in a seller decision of `source`, of the committee's arrays other than
    handing them (or one of their arrays, `c.trust`) to a mechanism in `reaches` or to another
    seller decision: a seller may read only its desk."""
    tree = ast.parse(source)
    decisions = seller_decisions(tree)
    allowed = set(reaches) | set(decisions)
    found = []
    for name, function in decisions.items():
        passed: set[int] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                for arg in node.args:
                    base = arg.value if isinstance(arg, ast.Attribute) else arg
                    if isinstance(base, ast.Name) and base.id in COMMITTEE_ARRAYS:
                        if node.func.id in allowed:
                            passed.add(id(base))
                        else:
                            found.append(f"{name}: {ast.unparse(arg)} into {node.func.id}()")
        for node in ast.walk(function):
            named = isinstance(node, ast.Name) and node.id in COMMITTEE_ARRAYS
            if named and id(node) not in passed:
                found.append(f"{name}: line {node.lineno} reads {node.id}")
    return sorted(set(found))


def test_the_desk_detector_finds_every_way_past_the_desk() -> None:
    """The check below can fail: reading an array, reading a field, handing the committee to
    an unlisted function, each in a function that takes a desk, is caught."""
    sample = (
        "def peek(c, world, desk):\n"
        "    a = c.beliefs[0, 5, 1, 0]\n"
        "    b = world.truth\n"
        "    print(c)\n"
        "    tell(c, world, 0)\n"
        "def member_side(c):\n"
        "    return c.beliefs\n"
    )
    found = " ".join(reaches_past_the_desk(sample, ("tell",)))
    assert "reads c" in found and "reads world" in found and "c into print()" in found
    assert "member_side" not in found and "tell" not in found


def test_compiled_seller_decisions_read_only_their_desk() -> None:
    """Each strategy's compiled week and every step of it read the seller's desk (org chart,
    observations, hours, settings, its draws) and nothing else; the committee's arrays only
    pass through them into the meetings and messages of `kernel.SELLER_REACHES`."""
    source = Path(k.__file__).read_text()
    decisions = seller_decisions(ast.parse(source))
    assert {"funnel_pusher_week", "maze_guide_week", "social_seller_week", "meet"} <= set(decisions)
    assert reaches_past_the_desk(source, k.SELLER_REACHES) == []


def test_an_org_chart_card_shows_the_role_not_the_person() -> None:
    """A member's own priorities are hidden; the card carries its role's known ones."""
    scenario = Scenario.model_validate(
        {
            "committee": {
                "stakeholders": [
                    {"role": "champion", "priorities": {"cost": 1.0}},
                    {"role": "finance"},
                ]
            },
            "sellers": {"ours": {"strategy": "maze_guide"}},
        }
    )
    model = BuyingCommitteeModel(scenario, 1)
    view = model.sellers[0].view
    assert {f.name for f in dataclasses.fields(MemberCard)} == {
        "id", "name", "role", "influence", "veto", "role_priorities"
    }  # fmt: skip
    champion = view.members[0]
    library = scenario.role_library()["champion"].priorities
    assert champion.role_priorities == tuple(library.get(c, 0.0) for c in scenario.criteria)
    assert list(champion.role_priorities) != model.stakeholders[0].priorities
    assert view.observed == {}, "nothing is known of anyone before a meeting"


def expected_job(member) -> BuyingJob:
    last = member.jobs_by_week[-1] if member.jobs_by_week else "idle"
    return BuyingJob.SEEK if last == "idle" else BuyingJob(last)


@pytest.mark.parametrize(
    ("strategy", "network"),
    [("maze_guide", None), ("funnel_pusher", None), ("social_seller", NETWORK)],
)
def test_observations_change_only_in_weeks_the_seller_met_the_member(strategy, network) -> None:
    scenario = Scenario.model_validate(
        {
            "committee": {"size": 6},
            "network": network,
            "sellers": {"ours": {"strategy": strategy}, "rival": {"strategy": "maze_guide"}},
        }
    )
    model = BuyingCommitteeModel(scenario, 12)
    seller = next(s for s in model.sellers if s.vendor == model.our_index)
    view = seller.view
    act = seller.act

    def check_report(member_id: int) -> None:
        """What the member said in the meeting is true of it at that moment."""
        member = model.stakeholders[member_id]
        seen = view.observed[member_id]
        assert seen.week == model.week
        assert seen.leaning == member.preferred
        assert seen.job is expected_job(member)
        utilities = member.utilities
        assert seen.prefers_us_to_nothing == (
            utilities[seller.vendor] >= utilities[model.status_quo_index]
        )
        own = member.priorities.index(max(member.priorities))
        assert seen.top_priority in (own, view.members[member_id].role_top), (
            "its own top priority if it opened up, else its role's usual answer"
        )

    met_in_week: list[set[int]] = []

    def spy_act() -> None:
        """Its week's meetings: the members whose hours with sellers grew while it acted
        (what they said is checked right after, before the committee's week moves them)."""
        with_sellers = model.committee.member[:, k.MemberColumn.WEEK_HOURS_WITH_SELLERS].copy()
        act()
        grew = model.committee.member[:, k.MemberColumn.WEEK_HOURS_WITH_SELLERS] > with_sellers
        met = set(np.flatnonzero(grew).tolist())
        for member_id in met:
            check_report(member_id)
        met_in_week.append(met)

    seller.act = spy_act
    weeks_with_meetings = 0
    while model.running:
        before: dict[int, MemberObservation] = view.observed
        model.step()
        met = met_in_week[-1]
        weeks_with_meetings += bool(met)
        for member_id, seen in view.observed.items():
            if member_id not in met:
                assert before.get(member_id) == seen, f"week {model.week}: unmet member changed"
        assert set(view.observed) <= set(before) | met
    assert weeks_with_meetings >= 2, "the seller met members in several weeks"


def disclosure_scenario(disclosure: float) -> Scenario:
    return Scenario.model_validate(
        {"behaviour": {"disclosure": disclosure}, "sellers": {"ours": {"strategy": "maze_guide"}}}
    )


@pytest.mark.parametrize("disclosure", [0.0, 0.5, 1.0])
def test_members_open_up_to_a_seller_in_proportion_to_their_trust(disclosure: float) -> None:
    """`kernel.observe`: a member names its own top priority and concern with probability
    disclosure x trust in the seller (a uniform draw below it), else its role's usual
    answer; what it says of its job and leaning does not depend on it."""
    model = BuyingCommitteeModel(disclosure_scenario(disclosure), 4)
    seller = next(s for s in model.sellers if s.vendor == model.our_index)
    source = model.information.index[seller.source]
    c, params = model.committee, model.world.params
    for card in seller.view.members:
        seat = card.id
        own_top = int(np.argmax(c.priorities[seat]))
        for trust in (0.2, 0.8):
            c.trust[seat, source] = trust
            threshold = disclosure * trust
            for draw in (0.0, threshold - 1e-9, threshold, 0.999):
                if draw < 0.0:
                    continue
                _, leaning, _, top, concern = k.observe(
                    c, params, seat, seller.vendor, source, draw, card.role_top
                )
                assert leaning == c.counts[seat, k.CountColumn.PREFERRED]
                if draw < threshold:
                    assert top == own_top
                else:
                    assert (top, concern) == (card.role_top, card.role_top)


def test_a_more_trusted_seller_hears_more_members_own_concerns() -> None:
    """Over many meetings the share of open answers follows trust (law of large numbers on
    the seller's draws: within 4 standard errors)."""
    model = BuyingCommitteeModel(disclosure_scenario(1.0), 9)
    seller = next(s for s in model.sellers if s.vendor == model.our_index)
    source = model.information.index[seller.source]
    c, params = model.committee, model.world.params
    card = seller.view.members[0]
    c.priorities[card.id] = np.roll(np.array(card.role_priorities), 1)  # own top != role's
    own_top = int(np.argmax(c.priorities[card.id]))
    assert own_top != card.role_top
    rng = np.random.default_rng(3)
    n = 4000
    for trust in (0.25, 0.75):
        c.trust[card.id, source] = trust
        opened = sum(
            k.observe(c, params, card.id, seller.vendor, source, rng.random(), card.role_top)[3]
            == own_top
            for _ in range(n)
        )
        assert abs(opened / n - trust) < 4 * (trust * (1 - trust) / n) ** 0.5
