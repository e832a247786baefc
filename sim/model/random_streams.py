"""Random draws keyed by agent, purpose and time, derived from one seed.

Every draw is a pure function of the replicate's seed and a key such as
`("developer", "meta", "cadence", 3)` (the lab's third release interval) or
`("theft", "prc", "openai", 41)` (the state's theft attempt on OpenAI in month 41). No agent
consumes a shared stream, so a decision that one policy adds, or one agent more or less, leaves
every other draw of the replicate unchanged: the common random numbers that make paired policy
comparisons isolate the policy.

Scalar draws hash the key with BLAKE2b (a counter-based generator: uniform, independent across
keys, identical on every platform). Vectorised draws (the adopter population) seed a numpy
Generator from the same hash.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

Key = str | int
_TWO_53 = float(2**53)


class RandomStreams:
    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._prefix = f"regsim|{self.seed}".encode()
        self._hashed_prefix = hashlib.blake2b(self._prefix, digest_size=8)
        """The hash state after the prefix: each draw copies it rather than hashing it again."""

    def _digest(self, key: tuple[Key, ...]) -> int:
        # The bytes hashed are prefix + "|" + part for each part of the key.
        hashed = self._hashed_prefix.copy()
        if key:
            hashed.update(("|" + "|".join(map(str, key))).encode())
        return int.from_bytes(hashed.digest(), "little")

    def uniform(self, *key: Key) -> float:
        """A uniform draw in [0, 1) for `key`: the same key always gives the same draw."""
        return (self._digest(key) >> 11) / _TWO_53

    def integer(self, low: int, high: int, *key: Key) -> int:
        """A uniform integer in [low, high] (both inclusive) for `key`."""
        span = high - low + 1
        return low + min(span - 1, int(self.uniform(*key) * span))

    def exponential_months(self, hazard_per_month: float, *key: Key) -> float:
        """Months to an event of constant monthly hazard (inf for a zero hazard)."""
        if hazard_per_month <= 0.0:
            return math.inf
        return -math.log1p(-self.uniform(*key)) / hazard_per_month

    def generator(self, *key: Key) -> np.random.Generator:
        """A numpy Generator for vectorised draws under `key` (e.g. one month's adoption)."""
        return np.random.default_rng(self._digest(key))
