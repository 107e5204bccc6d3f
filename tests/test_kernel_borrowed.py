"""The borrowed arrays of `kernel.run_weeks`: the same machine layout as numba's arrays, no
reference counter for compiled code to count, and writes through them reach the caller's
arrays (tests/test_batch.py checks that whole deals come out identical)."""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np
import pytest
from numba import njit, types
from numba.core.datamodel import default_manager

from sim.model import kernel as k

pytestmark = pytest.mark.skipif(
    os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="numba's types exist only compiled"
)


class Pair(NamedTuple):
    values: np.ndarray
    count: int


def test_a_borrowed_array_has_an_arrays_layout_and_no_counter() -> None:
    borrowed = k.BorrowedArray(types.float64, 2, "C")
    ordinary = types.Array(types.float64, 2, "C")
    model = default_manager[borrowed]
    assert model.get_value_type() == default_manager[ordinary].get_value_type()
    assert not model.contains_nrt_meminfo()
    assert default_manager[ordinary].contains_nrt_meminfo()


def test_borrowing_a_namedtuple_borrows_its_arrays_only() -> None:
    kind = types.NamedTuple([types.Array(types.int64, 1, "C"), types.int64], Pair)
    borrowed = k._borrowed_type(types.UniTuple(kind, 2))
    member = borrowed.dtype
    assert isinstance(member, types.NamedTuple) and member.instance_class is Pair
    assert isinstance(member.types[0], k.BorrowedArray)
    assert member.types[0].dtype == types.int64 and member.types[0].ndim == 1
    assert member.types[1] == types.int64


@njit
def _double_through_borrowed(pair: Pair) -> float:
    view = k.borrowed(pair)
    for i in range(view.values.shape[0]):
        view.values[i] *= 2.0
    row = view.values[1:]
    return row.sum() + view.count


def test_writes_through_a_borrowed_array_reach_the_callers_array() -> None:
    values = np.array([1.0, 2.0, 3.0])
    assert _double_through_borrowed(Pair(values, 10)) == 4.0 + 6.0 + 10
    assert values.tolist() == [2.0, 4.0, 6.0]
