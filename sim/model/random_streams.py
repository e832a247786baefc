"""Named random-number streams derived from one seed.

Each agent draws from its own stream, keyed by its kind and name rather than its position, so
adding an agent or changing one agent's choices leaves every other agent's draws unchanged: the
common random numbers that make paired policy comparisons precise.
"""

from __future__ import annotations

import zlib

import numpy as np


class RandomStreams:
    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def stream(self, *key: str) -> np.random.Generator:
        """An independent generator for `key` (e.g. ("developer", "meta"))."""
        words = tuple(zlib.crc32(part.encode()) for part in key)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=words))
