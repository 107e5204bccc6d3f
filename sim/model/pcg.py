"""NumPy's PCG64 and the `Generator` methods a deal's set-up draws with, compiled, number for
number.

Why: a deal draws its committee, its account's events and its behaviour blocks from NumPy
`Generator`s, one per purpose (`streams.Purpose`). A `Generator` cannot enter compiled code
cheaply (numba unboxes one in about 9 µs, a fresh one in about 60 µs), so the set-up stayed in
Python at a third of a deal's time. Here the bit generator is six words of a `uint64` array
(`PcgWord`) and each method is NumPy's algorithm (numpy/random/src/distributions and
pcg64.h; numba's ports of the same, whose ziggurat tables are used), so a compiled set-up draws
exactly the numbers the `Generator` would: tests/test_pcg.py checks them against NumPy, and
the common random numbers of `streams` stay as they were.
"""

from __future__ import annotations

import math
from enum import IntEnum, unique

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import config
from numba.extending import intrinsic
from numba.np.random._constants import (
    fe_double,
    fi_double,
    ke_double,
    ki_double,
    we_double,
    wi_double,
    ziggurat_exp_r,
    ziggurat_nor_inv_r,
    ziggurat_nor_r,
)

from sim.model.compilation import inlined, kernel


@unique
class PcgWord(IntEnum):
    """The words of a PCG64 state: the 128-bit state and increment (high, low halves) and
    the buffered half of the last 64-bit output that `next_uint32` has not used yet."""

    STATE_HIGH = 0
    STATE_LOW = 1
    INC_HIGH = 2
    INC_LOW = 3
    HAS_UINT32 = 4
    UINTEGER = 5


N_PCG_WORDS = len(PcgWord)

_LOW32 = np.uint64(0xFFFFFFFF)
_MULT_HIGH = np.uint64(0x2360ED051FC65DA4)
_MULT_LOW = np.uint64(0x4385DF649FCCF645)
_DOUBLE_UNIT = 1.0 / 9007199254740992.0
_ONE = np.uint64(1)
_ZERO = np.uint64(0)


@intrinsic
def _high_product(typingctx, a, b):
    """The high 64 bits of the 128-bit product of two 64-bit words: one machine multiply."""

    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))

    return types.uint64(types.uint64, types.uint64), codegen


@inlined
def _product(a, b):
    """The 128-bit product of two 64-bit words, as (high, low)."""
    return _high_product(a, b), a * b


@inlined
def _plus(a, b):
    """a + b (mod 2**64)."""
    return a + b


@inlined
def _times(a, b):
    """a x b (mod 2**64)."""
    return a * b


if config.DISABLE_JIT:  # the same sums as plain Python, without NumPy's overflow warnings

    def _plus(a, b):
        return np.uint64((int(a) + int(b)) & 0xFFFFFFFFFFFFFFFF)

    def _times(a, b):
        return np.uint64((int(a) * int(b)) & 0xFFFFFFFFFFFFFFFF)

    def _product(a, b):
        product = int(a) * int(b)
        return np.uint64(product >> 64), np.uint64(product & 0xFFFFFFFFFFFFFFFF)


@inlined
def _step(state) -> None:
    """state <- state x multiplier + increment (mod 2**128): PCG's LCG step."""
    high, low = state[PcgWord.STATE_HIGH], state[PcgWord.STATE_LOW]
    product_high, product_low = _product(low, _MULT_LOW)
    product_high = _plus(product_high, _plus(_times(low, _MULT_HIGH), _times(high, _MULT_LOW)))
    new_low = _plus(product_low, state[PcgWord.INC_LOW])
    carry = _ONE if new_low < product_low else _ZERO
    state[PcgWord.STATE_HIGH] = _plus(_plus(product_high, state[PcgWord.INC_HIGH]), carry)
    state[PcgWord.STATE_LOW] = new_low


@kernel
def pcg_seed(words, state) -> None:
    """`PCG64(seed_sequence)`'s state from the sequence's first four 64-bit words `words`
    (`generate_state(4, np.uint64)`): seed = words 0-1, stream = words 2-3 (high, low)."""
    state[PcgWord.STATE_HIGH] = _ZERO
    state[PcgWord.STATE_LOW] = _ZERO
    state[PcgWord.INC_HIGH] = (words[2] << _ONE) | (words[3] >> np.uint64(63))
    state[PcgWord.INC_LOW] = (words[3] << _ONE) | _ONE
    _step(state)
    low = _plus(state[PcgWord.STATE_LOW], words[1])
    carry = _ONE if low < words[1] else _ZERO
    state[PcgWord.STATE_HIGH] = _plus(_plus(state[PcgWord.STATE_HIGH], words[0]), carry)
    state[PcgWord.STATE_LOW] = low
    _step(state)
    state[PcgWord.HAS_UINT32] = _ZERO
    state[PcgWord.UINTEGER] = _ZERO


@inlined
def next_uint64(state):
    """The next 64 random bits (PCG's XSL-RR output of the stepped state)."""
    _step(state)
    high = state[PcgWord.STATE_HIGH]
    mixed = high ^ state[PcgWord.STATE_LOW]
    turn = high >> np.uint64(58)
    return (mixed >> turn) | (mixed << ((np.uint64(64) - turn) & np.uint64(63)))


@inlined
def next_uint32(state):
    """32 random bits: the low half of a fresh 64-bit output, or the high half kept from the
    last one."""
    if state[PcgWord.HAS_UINT32]:
        state[PcgWord.HAS_UINT32] = _ZERO
        return state[PcgWord.UINTEGER]
    both = next_uint64(state)
    state[PcgWord.HAS_UINT32] = _ONE
    state[PcgWord.UINTEGER] = both >> np.uint64(32)
    return both & _LOW32


@inlined
def next_double(state) -> float:
    """`Generator.random()`: 53 random bits in [0, 1)."""
    return (next_uint64(state) >> np.uint64(11)) * _DOUBLE_UNIT


@inlined
def standard_normal(state) -> float:
    """`Generator.standard_normal()`: NumPy's 256-step ziggurat."""
    while True:
        r = next_uint64(state)
        idx = r & 0xFF
        r >>= 8
        sign = r & 0x1
        rabs = (r >> 1) & 0x000FFFFFFFFFFFFF
        x = rabs * wi_double[idx]
        if sign & 0x1:
            x = -x
        if rabs < ki_double[idx]:
            return x
        if idx == 0:
            while True:
                xx = -ziggurat_nor_inv_r * math.log1p(-next_double(state))
                yy = -math.log1p(-next_double(state))
                if yy + yy > xx * xx:
                    if (rabs >> 8) & 0x1:
                        return -(ziggurat_nor_r + xx)
                    return ziggurat_nor_r + xx
        elif (fi_double[idx - 1] - fi_double[idx]) * next_double(state) + fi_double[idx] < math.exp(
            -0.5 * x * x
        ):
            return x


@inlined
def standard_exponential(state) -> float:
    """`Generator.standard_exponential()`: NumPy's 256-step ziggurat."""
    while True:
        ri = next_uint64(state)
        ri >>= 3
        idx = ri & 0xFF
        ri >>= 8
        x = ri * we_double[idx]
        if ri < ke_double[idx]:
            return x
        if idx == 0:
            return ziggurat_exp_r - math.log1p(-next_double(state))
        if (fe_double[idx - 1] - fe_double[idx]) * next_double(state) + fe_double[idx] < math.exp(
            -x
        ):
            return x


@kernel
def standard_gamma(state, shape: float) -> float:
    """`Generator.standard_gamma(shape)`: Marsaglia and Tsang, or Johnk's for shape < 1."""
    if shape == 1.0:
        return standard_exponential(state)
    if shape == 0.0:
        return 0.0
    if shape < 1.0:
        while True:
            u = next_double(state)
            v = standard_exponential(state)
            if u <= 1.0 - shape:
                x = pow(u, 1.0 / shape)
                if x <= v:
                    return x
            else:
                y = -math.log((1 - u) / shape)
                x = pow(1.0 - shape + shape * y, 1.0 / shape)
                if x <= v + y:
                    return x
    b = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9 * b)
    while True:
        while True:
            x = standard_normal(state)
            v = 1.0 + c * x
            if v > 0.0:
                break
        v = v * v * v
        u = next_double(state)
        if u < 1.0 - 0.0331 * (x * x) * (x * x):
            return b * v
        if math.log(u) < 0.5 * x * x + b * (1.0 - v + math.log(v)):
            return b * v


@inlined
def bounded_below(state, high: int) -> int:
    """`Generator.integers(high)` for 1 < high < 2**32: Lemire's method on 32-bit draws."""
    excl = np.uint64(high)
    m = next_uint32(state) * excl
    leftover = m & _LOW32
    if leftover < excl:
        threshold = (_LOW32 - (excl - _ONE)) % excl
        while leftover < threshold:
            m = next_uint32(state) * excl
            leftover = m & _LOW32
    return np.int64(m >> np.uint64(32))


@kernel
def fill_uniform(state, out) -> None:
    """`out[:] = Generator.random(len(out))`."""
    for i in range(out.shape[0]):
        out[i] = next_double(state)


@kernel
def fill_normal(state, out) -> None:
    """`out[:] = Generator.standard_normal(len(out))`."""
    for i in range(out.shape[0]):
        out[i] = standard_normal(state)


def state_of(generator: np.random.Generator) -> np.ndarray:
    """A NumPy PCG64 `Generator`'s state as compiled code draws from it (a copy: hand it back
    with `resume` to move the generator on past what was drawn)."""
    if not isinstance(generator.bit_generator, np.random.PCG64):
        raise TypeError(
            f"the model draws from PCG64 generators, not {type(generator.bit_generator).__name__}"
        )
    held = generator.bit_generator.state
    state = np.empty(N_PCG_WORDS, dtype=np.uint64)
    for (high, low), value in (
        ((PcgWord.STATE_HIGH, PcgWord.STATE_LOW), held["state"]["state"]),
        ((PcgWord.INC_HIGH, PcgWord.INC_LOW), held["state"]["inc"]),
    ):
        state[high], state[low] = value >> 64, value & 0xFFFFFFFFFFFFFFFF
    state[PcgWord.HAS_UINT32] = held["has_uint32"]
    state[PcgWord.UINTEGER] = held["uinteger"]
    return state


def resume(generator: np.random.Generator, state: np.ndarray) -> None:
    """Set `generator` to `state` (what `state_of` gave, after compiled code drew from it)."""
    words = [int(word) for word in state]
    generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {
            "state": words[PcgWord.STATE_HIGH] << 64 | words[PcgWord.STATE_LOW],
            "inc": words[PcgWord.INC_HIGH] << 64 | words[PcgWord.INC_LOW],
        },
        "has_uint32": words[PcgWord.HAS_UINT32],
        "uinteger": words[PcgWord.UINTEGER],
    }


def uniforms(state: np.ndarray, count: int) -> np.ndarray:
    """`Generator.random(count)`."""
    out = np.empty(count)
    fill_uniform(state, out)
    return out


def normals(state: np.ndarray, count: int) -> np.ndarray:
    """`Generator.standard_normal(count)`."""
    out = np.empty(count)
    fill_normal(state, out)
    return out
