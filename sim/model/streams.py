"""Named, independent random streams spawned from one seed (common random numbers).

Every kind of random decision (proposals, partner search, running pilots, outcomes, politics, ...)
draws from its own stream. The stream for a name depends only on the run seed and the name, so
two scenarios run with the same seed draw the same numbers for the same kind of decision and
differ only where their rules differ (Starsim's approach to common random numbers).

Negotiation is deterministic and needs no stream. Mesa's own ``model.random`` (seeded from the
same run seed) shuffles the order in which cities issue their calls (``AgentSet.shuffle_do``).
"""

from __future__ import annotations

import zlib

import numpy as np

STREAM_NAMES: tuple[str, ...] = (
    "init",
    "proposals",
    "consortium",
    "running",
    "outcomes",
    "scaleup",
    "politics",
    "evaluation",
    "replication",
)
"""The streams a model uses; asking for another name is an error (catches typos)."""


def stream_key(name: str) -> int:
    """Return the stable 32-bit spawn key of a stream name (CRC-32, same on every platform)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """A family of generators, one per name, all derived from one seed.

    Args:
        seed: The run seed (a non-negative int) or a ``SeedSequence``.
    """

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.entropy = root.entropy
        self._generators = {
            name: np.random.default_rng(
                np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, stream_key(name)))
            )
            for name in STREAM_NAMES
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        """Return the generator for ``name``."""
        try:
            return self._generators[name]
        except KeyError:
            raise KeyError(f"unknown random stream {name!r}; known: {list(STREAM_NAMES)}") from None
