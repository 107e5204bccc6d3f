"""Per-purpose random streams, so that replications meet the same committee.

Every stream is a child of one `numpy.random.SeedSequence(seed)`, addressed by a fixed
spawn key per purpose (and per seller). Because each purpose has its own
stream, changing the seller strategy changes what the seller draws and does, never who is
in the room or which exogenous events happen (common random numbers).
"""

from __future__ import annotations

import random
from enum import IntEnum
from typing import NamedTuple

import numpy as np
from numpy.random.bit_generator import ISeedSequence

from sim.model import kernel as k
from sim.model.compilation import kernel
from sim.model.pcg import N_PCG_WORDS, pcg_seed


class Purpose(IntEnum):
    """What a stream is for; the value is its spawn key and must never change."""

    COMMITTEE = 1  # who is in the room and their traits
    EXOGENOUS = 2  # shocks to the account's urgency
    BEHAVIOUR = 3  # key (3, 0): Mesa's rng (unused); (3, 1): the committee's behaviour stream
    SELLERS = 4  # one stream per vendor's seller
    NETWORK = 5  # the peer and reference network


class RandomStreams:
    """All the random streams of one run, derived from one integer seed."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed

    def sequence(self, purpose: Purpose, *key: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(entropy=self.seed, spawn_key=(int(purpose), *key))

    def seeding(self, purpose: Purpose, *key: int) -> ISeedSequence:
        """What `sequence(purpose, *key)` generates, computed compiled (`SeedWords`); a
        negative key goes to the `SeedSequence` itself, which refuses it."""
        spawn_key = (int(purpose), *key)
        if min(spawn_key) < 0:
            return self.sequence(purpose, *key)
        return SeedWords(assembled_entropy(self.seed, spawn_key))

    def generator(self, purpose: Purpose, *key: int) -> np.random.Generator:
        """A NumPy generator, for vectorised draws."""
        return np.random.Generator(np.random.PCG64(self.seeding(purpose, *key)))

    def pcg_state(self, purpose: Purpose, *key: int) -> np.ndarray:
        """The state of `generator(purpose, *key)`'s bit generator as compiled code draws from
        it (`pcg.PcgWord`): the same numbers, without a `Generator` object."""
        state = np.empty(N_PCG_WORDS, dtype=np.uint64)
        pcg_seed(self.seeding(purpose, *key).generate_state(4, np.uint64), state)
        return state

    def deal_states(self, n_sellers: int) -> DealStates:
        """Every stream a deal's set-up draws from, seeded in one compiled call: the states of
        `pcg_state` for the account's events, the committee and the behaviour stream, and
        `python_random_states(Purpose.SELLERS, n_sellers)`."""
        run = np.array(run_words(self.seed), dtype=np.int64)  # every key here is non-empty
        pcg_states = np.empty((len(DEAL_PCG_STREAMS), N_PCG_WORDS), dtype=np.uint64)
        sellers = np.empty((n_sellers, k.MT_WORDS + 1), dtype=np.int64)
        seed_deal_streams(run, DEAL_PCG_KEYS, pcg_states, SELLER_KEY, sellers)
        return DealStates(*pcg_states, sellers)

    def python_randoms(self, purpose: Purpose, count: int, key: int = 0) -> list[random.Random]:
        """`count` stdlib generators, member i seeded from words [4i, 4i + 4) of the state
        of (purpose, key) (SeedSequence output words depend only on their index, so member i's
        stream does not depend on `count`). Scalar draws in the weekly loop cost a tenth of
        NumPy's, which keeps one run within milliseconds."""
        state = self.sequence(purpose, key).generate_state(4 * count, np.uint32)
        return [
            random.Random(int.from_bytes(state[4 * i : 4 * i + 4].tobytes(), "little"))
            for i in range(count)
        ]

    def python_random_states(self, purpose: Purpose, count: int, key: int = 0) -> np.ndarray:
        """The states of `python_randoms(purpose, count, key)` as `random.Random.getstate()`
        gives their words (`kernel.MT_WORDS` words, then the index), one row each, seeded
        compiled (`kernel.mt_seed`): what a batch of deals needs without the objects."""
        words = self.seeding(purpose, key).generate_state(4 * count, np.uint32)
        states = np.empty((count, k.MT_WORDS + 1), dtype=np.int64)
        k.mt_seed_rows(words.astype(np.int64).reshape(count, 4), states)
        return states


DEAL_PCG_STREAMS = ((Purpose.EXOGENOUS,), (Purpose.COMMITTEE,), (Purpose.BEHAVIOUR, 1))
"""The spawn keys of `DealStates`' PCG64 streams, in its order."""
DEAL_PCG_KEYS = np.array([(*key, -1)[:2] for key in DEAL_PCG_STREAMS], dtype=np.int64)
"""The same, one row each, padded with -1 (no key part)."""
SELLER_KEY = np.array([Purpose.SELLERS, 0], dtype=np.int64)


class DealStates(NamedTuple):
    """A deal's random streams, seeded at once (`RandomStreams.deal_states`)."""

    exogenous: np.ndarray
    committee: np.ndarray
    behaviour: np.ndarray
    sellers: np.ndarray
    """One `random.Random` state per option (`python_random_states`)."""


@kernel
def seed_deal_streams(run, pcg_keys, pcg_states, seller_key, sellers) -> None:
    """`SeedSequence(entropy=seed, spawn_key=key)` for each PCG64 key (each part < 2**32; -1
    ends a short key), seeding a PCG64 state from its first four 64-bit words; then the
    sellers' `random.Random` states from the seller key's words (`python_random_states`).
    `run`: the seed's 32-bit words padded to the pool size."""
    n_run = run.shape[0]
    for stream in range(pcg_keys.shape[0]):
        parts = 0
        while parts < pcg_keys.shape[1] and pcg_keys[stream, parts] >= 0:
            parts += 1
        entropy = np.empty(n_run + parts, dtype=np.int64)
        entropy[:n_run] = run
        entropy[n_run:] = pcg_keys[stream, :parts]
        words = np.empty(8, dtype=np.int64)
        k.seed_sequence_words(entropy, words)
        seed = np.empty(4, dtype=np.uint64)
        for i in range(4):
            seed[i] = np.uint64(words[2 * i]) | (np.uint64(words[2 * i + 1]) << np.uint64(32))
        pcg_seed(seed, pcg_states[stream])
    entropy = np.empty(n_run + seller_key.shape[0], dtype=np.int64)
    entropy[:n_run] = run
    entropy[n_run:] = seller_key
    words = np.empty(4 * sellers.shape[0], dtype=np.int64)
    k.seed_sequence_words(entropy, words)
    k.mt_seed_rows(words.reshape(sellers.shape[0], 4), sellers)


def uint32_words(n: int) -> list[int]:
    """`n` as `SeedSequence` reads an integer: 32-bit words, least significant first ([0]
    for 0)."""
    words = []
    while True:
        words.append(n & k.WORD_MASK)
        n >>= 32
        if n == 0:
            return words


def assembled_entropy(seed: int, spawn_key: tuple[int, ...]) -> np.ndarray:
    """A `SeedSequence`'s assembled entropy: the seed's words, padded with zeros to the pool
    size when there is a spawn key, then each key's words."""
    spawn = [word for part in spawn_key for word in uint32_words(part)]
    run = run_words(seed) if spawn else uint32_words(seed)
    return np.array(run + spawn, dtype=np.int64)


def run_words(seed: int) -> list[int]:
    """The seed's words as a `SeedSequence` with a spawn key assembles them: padded with
    zeros to the pool size."""
    run = uint32_words(seed)
    return run + [0] * (k.SEED_POOL_SIZE - len(run))


class SeedWords(ISeedSequence):
    """The state a `SeedSequence` generates for a bit generator, computed by the compiled
    `kernel.seed_sequence_words` from its assembled entropy: the same words at an eighth of
    the cost, which a batch of deals pays four times a deal."""

    __slots__ = ("entropy",)

    def __init__(self, entropy: np.ndarray) -> None:
        self.entropy = entropy

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        """`SeedSequence.generate_state`: `n_words` words of `dtype` (uint32 or uint64)."""
        kind = np.dtype(dtype)
        if kind not in (np.dtype(np.uint32), np.dtype(np.uint64)):
            raise ValueError("only support uint32 or uint64")
        words = np.empty(n_words * (2 if kind == np.dtype(np.uint64) else 1), dtype=np.int64)
        k.seed_sequence_words(self.entropy, words)
        state = words.astype(np.uint32)
        return state.view(np.uint64) if kind == np.dtype(np.uint64) else state
