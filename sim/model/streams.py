"""Per-purpose random streams, so that replications meet the same committee.

Every stream is a child of one `numpy.random.SeedSequence(seed)`, addressed by a fixed
spawn key per purpose (and per seller). Because each purpose has its own
stream, changing the seller strategy changes what the seller draws and does, never who is
in the room or which exogenous events happen (common random numbers).
"""

from __future__ import annotations

import random
from enum import IntEnum

import numpy as np

from sim.model import kernel as k


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

    def generator(self, purpose: Purpose, *key: int) -> np.random.Generator:
        """A NumPy generator, for vectorised draws."""
        return np.random.Generator(np.random.PCG64(self.sequence(purpose, *key)))

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
        words = self.sequence(purpose, key).generate_state(4 * count, np.uint32)
        states = np.empty((count, k.MT_WORDS + 1), dtype=np.int64)
        k.mt_seed_rows(words.astype(np.int64).reshape(count, 4), states)
        return states
