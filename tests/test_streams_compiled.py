"""The compiled `SeedSequence` (`kernel.seed_sequence_words`, `streams.SeedWords`) generates
numpy's words exactly, so every stream a deal draws is the one numpy would seed."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.streams import Purpose, RandomStreams, SeedWords, assembled_entropy

SEEDS = [0, 1, 7, 12345, 2**32 - 1, 2**32, 2**40 + 3, 2**62 + 11, 2**63 - 1, 2**64 + 5, 2**130 + 9]
KEYS = [(), (1,), (3, 1), (4, 0), (5,), (2, 2**32 + 5), (0, 0, 0, 0, 0, 0)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("key", KEYS)
def test_seed_words_are_numpys_words(seed: int, key: tuple[int, ...]) -> None:
    numpy_sequence = np.random.SeedSequence(entropy=seed, spawn_key=key)
    compiled = SeedWords(assembled_entropy(seed, key))
    for n_words in (1, 4, 9):
        for dtype in (np.uint32, np.uint64):
            expected = numpy_sequence.generate_state(n_words, dtype)
            got = compiled.generate_state(n_words, dtype)
            assert got.dtype == expected.dtype
            assert got.tolist() == expected.tolist()


@given(seed=st.integers(0, 2**140), key=st.lists(st.integers(0, 2**70), max_size=5))
@settings(max_examples=60, deadline=None)
def test_seed_words_match_numpy_on_any_seed_and_key(seed: int, key: list[int]) -> None:
    expected = np.random.SeedSequence(entropy=seed, spawn_key=tuple(key)).generate_state(8)
    assert SeedWords(assembled_entropy(seed, tuple(key))).generate_state(8).tolist() == (
        expected.tolist()
    )


@pytest.mark.parametrize("seed", [0, 3, 2**40, 2**63 + 5])
def test_a_streams_generator_draws_what_numpys_seeding_draws(seed: int) -> None:
    """Including a seed beyond 64 bits (more entropy words than the pool holds)."""
    streams = RandomStreams(seed)
    for purpose, key in ((Purpose.COMMITTEE, ()), (Purpose.BEHAVIOUR, (1,))):
        numpy_generator = np.random.Generator(np.random.PCG64(streams.sequence(purpose, *key)))
        generator = streams.generator(purpose, *key)
        assert generator.random(5).tolist() == numpy_generator.random(5).tolist()
        assert generator.standard_normal(5).tolist() == numpy_generator.standard_normal(5).tolist()


def test_seller_states_are_those_of_their_python_randoms() -> None:
    streams = RandomStreams(42)
    states = streams.python_random_states(Purpose.SELLERS, 3)
    for row, rng in zip(states, streams.python_randoms(Purpose.SELLERS, 3), strict=True):
        _, words, _ = rng.getstate()
        assert row.tolist() == list(words)


def test_other_dtypes_are_refused_as_numpy_refuses_them() -> None:
    with pytest.raises(ValueError, match="uint32 or uint64"):
        SeedWords(assembled_entropy(1, ())).generate_state(2, np.int32)


def test_a_generator_seeded_compiled_pickles() -> None:
    generator = RandomStreams(9).generator(Purpose.EXOGENOUS)
    copy = pickle.loads(pickle.dumps(generator))
    assert copy.random(3).tolist() == generator.random(3).tolist()


def test_a_negative_spawn_key_is_refused_as_numpy_refuses_it() -> None:
    with pytest.raises(ValueError):
        RandomStreams(1).generator(Purpose.SELLERS, -1)
