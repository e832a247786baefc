"""Seeds: one root SeedSequence per experiment, spawned per replicate.

Replicate r of any scenario with root seed S gets the same seed, so every policy and design point
is run on common random numbers, whatever the number of workers.
"""

from __future__ import annotations

import numpy as np


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """Independent 63-bit seeds for replicates 0..n-1 of root seed `root_seed`."""
    children = np.random.SeedSequence(int(root_seed)).spawn(int(replicates))
    return [int(child.generate_state(1, np.uint64)[0]) >> 1 for child in children]
