"""The declared layout of the state arrays (sim/model/kernel.py): within each array, no two
named columns overlap and every column lies inside the array's declared width.

Each layout block in kernel.py opens with a comment naming the array and its width
(`# member: float64 [n, N_MEMBER_COLUMNS], ...`) and lists its columns as integer constants
up to that width's constant. A column that spans several (one per job) is listed in SPANS.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sim.model import kernel as k

KERNEL = Path(k.__file__)
BLOCK = re.compile(r"^# ([\w.]+): \w+ \[([^\]]*)\]")
SPANS = {
    "WEEK_HOURS": k.N_JOBS,
    "TOTAL_HOURS": k.N_JOBS,
    "LAST_WEEK_HOURS": k.N_JOBS + 1,
}
"""Columns that hold one value per job (and, for last week's hours, the hours with sellers)."""
ARRAYS = {"member", "counts", "beliefs", "recent", "params", "desk.state", "desk.spec",
          "desk.observed", "desk.lines", "deal.shocks", "deal.rule", "deal.status",
          "deal.weeks"}  # fmt: skip
"""Arrays whose layout must be declared (the check below must see each of them)."""


def layout_blocks(source: str) -> dict[str, tuple[str, list[tuple[str, int]]]]:
    """Array name -> (its width's constant, its columns in order) as kernel.py declares them."""
    lines = source.splitlines()
    assignments = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    ]
    blocks = {}
    for number, line in enumerate(lines, start=1):
        match = BLOCK.match(line)
        if match is None:
            continue
        array, shape = match.groups()
        dimensions = re.findall(r"\b[A-Z][A-Z_]+\b", shape)
        width = next((name for name in dimensions if name.startswith("N_")), None)
        if width is None:  # no named columns (`jobs`: a week per column)
            continue
        columns: list[tuple[str, int]] = []
        for node in assignments:
            if node.lineno <= number:
                continue
            name = node.targets[0].id
            if name == width:
                break
            if name in dimensions:  # another dimension's size (`RECENT_CLAIMS`)
                continue
            assert isinstance(node.value, ast.Constant), f"{array}: {name} is not a number"
            columns.append((name, node.value.value))
        else:
            raise AssertionError(f"{array}: no {width} after its columns")
        blocks[array] = (width, columns)
    return blocks


def overlaps(width: int, columns: list[tuple[str, int]]) -> list[str]:
    """Every column that overlaps the next or runs past the width."""
    found = []
    ordered = sorted(columns, key=lambda column: column[1])
    for (name, start), following in zip(ordered, [*ordered[1:], ("end", width)], strict=True):
        end = start + SPANS.get(name, 1)
        if start < 0 or end > following[1]:
            found.append(f"{name} [{start}, {end}) runs into {following[0]} at {following[1]}")
    return found


def test_the_overlap_check_can_fail() -> None:
    assert overlaps(4, [("A", 0), ("B", 1), ("C", 1)])
    assert overlaps(3, [("A", 0), ("WEEK_HOURS", 1)])
    assert overlaps(2, [("A", 0), ("B", 2)])
    assert not overlaps(5, [("A", 0), ("WEEK_HOURS", 1), ("B", 4)])


def test_every_state_array_declares_its_layout() -> None:
    assert set(layout_blocks(KERNEL.read_text())) >= ARRAYS


@pytest.mark.parametrize("array", sorted(ARRAYS))
def test_no_two_columns_of_an_array_overlap(array: str) -> None:
    width_name, columns = layout_blocks(KERNEL.read_text())[array]
    width = getattr(k, width_name)
    assert len(columns) >= 2, f"{array}: a layout of one column"
    assert overlaps(width, columns) == [], array
    assert all(getattr(k, name) == value for name, value in columns), "the module's values"
