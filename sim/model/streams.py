"""Random streams spawned from one seed: named ones, and one per proposal (common random numbers).

Run-wide decisions draw from named streams (``init``: the population; ``proposals``: how many
proposals a call gets and who leads them; ``politics``: elections and which exposed pilots a
cut cancels). Everything about one proposal (its attributes, its economy, its
partner search, its partners' withdrawals, its outcome, its evaluation, its scale-up) draws from
its own stream, keyed by (seed, kind, city, step, index in its call): when an instrument changes
which pilots form, later proposals still see the same luck in every arm, and replicates stay
paired (Starsim's approach to common random numbers).

Negotiation is deterministic and needs no stream. Mesa's own ``model.random`` (seeded from the
same run seed) shuffles the order in which cities issue their calls (``AgentSet.shuffle_do``).
"""

from __future__ import annotations

import zlib
from bisect import bisect_right
from itertools import accumulate

import numpy as np
from numpy.typing import ArrayLike

STREAM_NAMES: tuple[str, ...] = ("init", "proposals", "politics")
"""The streams a model uses; asking for another name is an error (catches typos)."""


def stream_key(name: str) -> int:
    """Return the stable 32-bit spawn key of a stream name (CRC-32, same on every platform)."""
    return zlib.crc32(name.encode("utf-8"))


def weighted_choice(
    rng: np.random.Generator, p: ArrayLike, size: int | None = None
) -> int | np.ndarray:
    """Return what ``rng.choice(len(p), size, p=p)`` returns, drawing the same random numbers.

    The generator finds one uniform number per choice in the cumulative probabilities, as here;
    its checks of ``p`` (signs, sum) and their machine limits cost several times the draw, so
    they are not repeated: ``p`` must be non-negative and sum to 1 up to rounding.

    Args:
        rng: The stream to draw from.
        p: Probability of each index 0, 1, ..., len(p) - 1 (1).
        size: None for one index, else how many (drawn with replacement).

    Returns:
        An int when ``size`` is None, else an int64 array of ``size`` indices.
    """
    if size is None:
        # one index among a handful: the same running sum and search on Python floats, which
        # cost less than NumPy's calls (cumsum adds in order; searchsorted right is bisect_right)
        cdf = list(accumulate(map(float, p)))
        total = cdf[-1]
        return bisect_right([c / total for c in cdf], rng.random())
    cdf = np.cumsum(p, dtype=np.float64)
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(size), side="right")


class Streams:
    """A family of generators, one per name, all derived from one seed.

    Args:
        seed: The run seed (a non-negative int) or a ``SeedSequence``.
    """

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.entropy = root.entropy
        self._root_key = root.spawn_key
        self._generators = {
            name: np.random.default_rng(
                np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, stream_key(name)))
            )
            for name in STREAM_NAMES
        }

    def for_proposal(self, kind: str, city: int, step: int, index: int) -> np.random.Generator:
        """Return the stream of one proposal: a call's (``call``) or a replica's (``replica``).

        Args:
            kind: ``call`` or ``replica``.
            city: The city it is proposed in.
            step: The step it is proposed at.
            index: Its position among that city's proposals of that kind at that step.
        """
        key = (*self._root_key, stream_key(kind), city, step, index)
        return np.random.default_rng(np.random.SeedSequence(self.entropy, spawn_key=key))

    def __getitem__(self, name: str) -> np.random.Generator:
        """Return the generator for ``name``."""
        try:
            return self._generators[name]
        except KeyError:
            raise KeyError(f"unknown random stream {name!r}; known: {list(STREAM_NAMES)}") from None
