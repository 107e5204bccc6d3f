"""The declared layout of the state arrays (sim/model/kernel.py): one `IntEnum` per array.

Within each array no two named columns overlap (a column of several values, declared in its
`*_SPANS`, counts all of them), no column is left unnamed, the width constant is the layout's
width, and the arrays the model allocates have those widths. What is generated from the layout
(the `Stakeholder`'s attributes, the weekly log's fields, the event log's words) follows it.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pytest

from sim.config import Scenario
from sim.model import kernel as k
from sim.model.logbook import FIXED_WORDS, WeeklyLog
from sim.model.model import BuyingCommitteeModel
from sim.model.result import WeekState
from sim.model.stakeholder import NOT_ATTRIBUTES, Stakeholder

LAYOUTS: dict[str, tuple[type[IntEnum], dict[IntEnum, int], int]] = {
    "member": (k.MemberColumn, k.MEMBER_SPANS, k.N_MEMBER_COLUMNS),
    "counts": (k.CountColumn, {}, k.N_COUNT_COLUMNS),
    "beliefs": (k.BeliefField, {}, k.N_BELIEF_FIELDS),
    "recent": (k.ClaimField, {}, k.N_CLAIM_FIELDS),
    "params": (k.Param, {}, k.N_PARAMS),
    "weekly rows": (k.WeekField, {}, k.N_WEEK_FIELDS),
    "event words": (k.EventWord, {}, k.N_WORDS),
    "desk.state": (k.DeskColumn, {}, k.N_DESK_COLUMNS),
    "desk.spec": (k.SpecColumn, {}, k.N_SPEC_COLUMNS),
    "desk.observed": (k.ObservedColumn, {}, k.N_OBSERVED_COLUMNS),
    "desk.lines": (k.LineColumn, {}, k.N_LINE_COLUMNS),
    "deal.shocks": (k.ShockColumn, {}, k.N_SHOCK_COLUMNS),
    "deal.rule": (k.RuleColumn, {}, k.N_RULE_COLUMNS),
    "deal.status": (k.StatusColumn, {}, k.N_STATUS_COLUMNS),
    "deal.weeks": (k.ViewColumn, {}, k.N_VIEW_COLUMNS),
}
"""Each array, its columns, the columns of several values and its width constant."""


def layout_faults(columns: dict[str, int], spans: dict[str, int], width: int) -> list[str]:
    """Every column that overlaps the next, leaves a gap before it or runs past the width (by
    name, so that two names of one value - an enum alias - are caught too)."""
    faults = []
    ordered = sorted(columns.items(), key=lambda column: column[1])
    expected = 0
    for (name, start), following in zip(ordered, [*ordered[1:], ("the end", width)], strict=True):
        end = start + spans.get(name, 1)
        if start != expected:
            faults.append(f"{name} starts at {start}, not {expected}")
        if end > following[1]:
            faults.append(f"{name} [{start}, {end}) runs into {following[0]} at {following[1]}")
        expected = end
    return faults


def declared(array: str) -> tuple[dict[str, int], dict[str, int], int]:
    """The array's columns (every name, aliases included), spans by name, and width."""
    columns, spans, width = LAYOUTS[array]
    return (
        {name: int(member) for name, member in columns.__members__.items()},
        {member.name: span for member, span in spans.items()},
        width,
    )


def test_the_layout_check_can_fail() -> None:
    assert layout_faults({"A": 0, "B": 1, "C": 1}, {}, 3), "two names of one column"
    assert layout_faults({"A": 0, "B": 1}, {"A": 3}, 4), "a column of several runs into the next"
    assert layout_faults({"A": 0, "B": 2}, {}, 3), "a column without a name"
    assert layout_faults({"A": 0, "B": 1}, {}, 1), "past the width"
    assert not layout_faults({"A": 0, "B": 1, "C": 4}, {"B": 3}, 5)


def test_every_layout_enum_of_the_kernel_is_checked() -> None:
    enums = {
        value
        for value in vars(k).values()
        if isinstance(value, type) and issubclass(value, IntEnum) and value.__module__ == k.__name__
    }
    assert enums == {columns for columns, _, _ in LAYOUTS.values()}


@pytest.mark.parametrize("array", sorted(LAYOUTS))
def test_no_two_columns_of_an_array_overlap(array: str) -> None:
    columns, spans, width = declared(array)
    assert len(columns) >= 2, f"{array}: a layout of one column"
    assert layout_faults(columns, spans, width) == [], array
    assert width == k.layout_width(LAYOUTS[array][0], LAYOUTS[array][1])


@pytest.fixture(scope="module")
def model() -> BuyingCommitteeModel:
    scenario = Scenario.model_validate(
        {"committee": {"size": 3}, "sellers": {"ours": {"strategy": "maze_guide"}}}
    )
    model = BuyingCommitteeModel(scenario, 1)
    model.step()
    return model


def test_the_model_allocates_the_declared_widths(model: BuyingCommitteeModel) -> None:
    c, desk, deal = model.committee, model.desks[0], model.deal
    assert c.member.shape[1] == k.N_MEMBER_COLUMNS
    assert c.counts.shape[1] == k.N_COUNT_COLUMNS
    assert c.beliefs.shape[1] == k.N_BELIEF_FIELDS
    assert c.recent.shape[2] == k.N_CLAIM_FIELDS
    assert model.world.params.shape == (k.N_PARAMS,)
    assert model.weekly.rows.shape[2] == k.N_WEEK_FIELDS
    assert desk.state.shape == (k.N_DESK_COLUMNS,)
    assert desk.spec.shape == (k.N_SPEC_COLUMNS,)
    assert desk.observed.shape[1] == k.N_OBSERVED_COLUMNS
    assert desk.lines.shape[1] == deal.lines.shape[1] == k.N_LINE_COLUMNS
    assert deal.shocks.shape[1] == k.N_SHOCK_COLUMNS
    assert deal.rule.shape == (k.N_RULE_COLUMNS,)
    assert deal.status.shape == (k.N_STATUS_COLUMNS,)
    assert deal.weeks.shape[1] == k.N_VIEW_COLUMNS


@pytest.mark.parametrize(
    ("columns", "table"), [(k.MemberColumn, "member"), (k.CountColumn, "counts")]
)
def test_every_column_of_a_member_is_an_attribute_of_its_stakeholder(
    model: BuyingCommitteeModel, columns: type[IntEnum], table: str
) -> None:
    member = model.stakeholders[1]
    row = getattr(model.committee, table)[member.seat]
    attributes = [column for column in columns if column not in NOT_ATTRIBUTES[columns]]
    assert len(attributes) >= 3
    for value, column in enumerate(attributes, start=7):
        attribute = getattr(Stakeholder, column.name.lower())
        assert isinstance(attribute, property) and attribute.__doc__, column.name
        setattr(member, column.name.lower(), value)
        assert row[column] == value, column.name
        assert getattr(member, column.name.lower()) == value


def test_the_weekly_log_reads_its_fields_by_the_layout() -> None:
    assert tuple(WeekState._fields[2:]) == tuple(f.name.lower() for f in sorted(k.WeekField))
    log = WeeklyLog(["a", "b"], ["status quo", "ours"], horizon=2)
    log.rows[0, 1] = np.arange(k.N_WEEK_FIELDS, dtype=float)
    log.rows[0, 1, k.WeekField.JOB] = 2
    log.rows[0, 1, k.WeekField.PREFERRED] = 1
    log.weeks = 1
    record = log[1]
    assert (record.week, record.stakeholder, record.job, record.preferred) == (
        1,
        "b",
        "align",
        "ours",
    )
    assert record.hours_seek == k.WeekField.HOURS_SEEK
    assert record.overload == k.WeekField.OVERLOAD


def test_the_event_log_words_are_the_layouts(model: BuyingCommitteeModel) -> None:
    assert tuple(word.name.lower() for word in sorted(k.EventWord)) == FIXED_WORDS
    words, arrays = model.events.words, model.events.arrays
    for word in k.EventWord:
        assert words[k.word(arrays, word)] == word.name.lower()
    assert k.cell_code(arrays, 0, 0) == k.word(arrays, 0) + k.N_WORDS, "cells follow the words"
