"""The compiled PCG64 draws (`sim.model.pcg`) are NumPy's `Generator` draws, number for number,
and leave the bit generator in NumPy's state: the committee, the account's events and the
behaviour blocks are drawn compiled, and common random numbers (and every stored result)
rest on them being the very numbers NumPy would give."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import pcg
from sim.model.compilation import COMPILED_MODULES
from sim.model.streams import Purpose, RandomStreams

seeds = st.integers(0, 2**130)


def numpy_state(generator: np.random.Generator) -> tuple[int, int, int, int]:
    held = generator.bit_generator.state
    return held["state"]["state"], held["state"]["inc"], held["has_uint32"], held["uinteger"]


def compiled_state(state: np.ndarray) -> tuple[int, int, int, int]:
    words = [int(w) for w in state]
    return words[0] << 64 | words[1], words[2] << 64 | words[3], words[4], words[5]


@given(seed=seeds, purpose=st.sampled_from(list(Purpose)), key=st.integers(0, 2**40))
@settings(max_examples=80, deadline=None)
def test_a_stream_is_seeded_as_numpy_seeds_it(seed: int, purpose: Purpose, key: int) -> None:
    streams = RandomStreams(seed)
    expected = numpy_state(streams.generator(purpose, key))
    assert compiled_state(streams.pcg_state(purpose, key)) == expected


@given(seed=seeds, count=st.integers(0, 3000))
@settings(max_examples=40, deadline=None)
def test_uniforms_and_normals_are_numpys(seed: int, count: int) -> None:
    generator = np.random.default_rng(seed)
    state = pcg.state_of(generator)
    uniforms, normals = pcg.uniforms(state, count), pcg.normals(state, count)
    assert uniforms.tolist() == generator.random(count).tolist()
    assert normals.tolist() == generator.standard_normal(count).tolist()
    assert compiled_state(state) == numpy_state(generator)


@given(seed=seeds, shapes=st.lists(st.floats(0.0, 500.0), min_size=1, max_size=60))
@settings(max_examples=60, deadline=None)
def test_gammas_are_numpys(seed: int, shapes: list[float]) -> None:
    """Both of NumPy's methods: Marsaglia-Tsang (shape >= 1) and Johnk's with the exponential
    ziggurat (shape < 1, as priorities near 0 give), and the shapes 0 and 1."""
    shapes = [*shapes, 0.0, 1.0, 0.4]
    generator = np.random.default_rng(seed)
    state = pcg.state_of(generator)
    drawn = [pcg.standard_gamma(state, shape) for shape in shapes]
    assert drawn == generator.standard_gamma(np.array(shapes)).tolist()
    assert compiled_state(state) == numpy_state(generator)


@given(seed=seeds, high=st.integers(2, 2**32 - 1), count=st.integers(1, 200))
@settings(max_examples=60, deadline=None)
def test_bounded_integers_are_numpys_with_its_32_bit_buffer(
    seed: int, high: int, count: int
) -> None:
    generator = np.random.default_rng(seed)
    state = pcg.state_of(generator)
    drawn = [pcg.bounded_below(state, high) for _ in range(count)]
    assert drawn == generator.integers(high, size=count).tolist()
    assert compiled_state(state) == numpy_state(generator)  # half a word may stay buffered
    assert pcg.next_double(state) == generator.random()


def test_the_state_goes_back_into_the_generator() -> None:
    generator, reference = np.random.default_rng(7), np.random.default_rng(7)
    state = pcg.state_of(generator)
    pcg.uniforms(state, 5)
    pcg.resume(generator, state)
    reference.random(5)
    assert generator.random() == reference.random()


def test_another_bit_generator_is_refused() -> None:
    with pytest.raises(TypeError, match="PCG64"):
        pcg.state_of(np.random.Generator(np.random.MT19937(1)))


def test_every_module_with_compiled_functions_stamps_the_cache() -> None:
    """A compiled function's cache is stamped with every file in `COMPILED_MODULES`; a
    module of the model with compiled code missing from it could leave its callers' caches
    stale after an edit."""
    from pathlib import Path

    folder = Path(pcg.__file__).parent
    marks = ("@kernel", "@inlined", "@intrinsic", "@overload", "njit", "import numba", "from numba")
    compiled = {
        path.name for path in folder.glob("*.py") if any(m in path.read_text() for m in marks)
    }
    assert compiled == set(COMPILED_MODULES)
