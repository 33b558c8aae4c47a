"""NumPy's sum of a short list of floats, computed in Python to the same bits.

A consortium has a handful of parties; a negotiation sums their demands every round and a
partner's mean trust sums one row per party. Making an array of a few floats costs more than
summing them, but NumPy and Python add in different orders (and Python's ``sum`` of floats
is compensated since 3.12), so the results would differ in their last bits. This module adds
in NumPy's order, so that code on lists gives what the same code on arrays gave.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import add

_BLOCK = 128
"""Longest stretch NumPy sums with eight partial sums before splitting it in halves."""


def pairwise_sum(values: Sequence[float]) -> float:
    """Return ``numpy.add.reduce`` of ``values`` as a float64 vector, to the bit.

    NumPy (``pairwise_sum`` in ``numpy/_core/src/umath/loops_utils.h.src``) adds fewer than 8
    numbers left to right; up to 128 in eight interleaved partial sums, combined as a tree,
    the remainder then added in order; longer stretches are split in halves at a multiple of
    8. The reduction starts from 0, so a sum of negative zeros is +0.

    Args:
        values: Floats (any unit); a list or tuple.

    Returns:
        Their sum, in the unit of ``values``; 0.0 when empty.
    """
    n = len(values)
    if n < 8:
        return reduce(add, values, 0.0)
    return 0.0 + _pairwise(values, 0, n)


def _pairwise(values: Sequence[float], start: int, n: int) -> float:
    """Return NumPy's pairwise sum of ``values[start : start + n]`` (``n`` >= 1)."""
    if n < 8:
        total = values[start]
        for i in range(start + 1, start + n):
            total += values[i]
        return total
    if n <= _BLOCK:
        r0, r1, r2, r3, r4, r5, r6, r7 = values[start : start + 8]
        blocks_end = start + n - n % 8
        for i in range(start + 8, blocks_end, 8):
            r0 += values[i]
            r1 += values[i + 1]
            r2 += values[i + 2]
            r3 += values[i + 3]
            r4 += values[i + 4]
            r5 += values[i + 5]
            r6 += values[i + 6]
            r7 += values[i + 7]
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        for i in range(blocks_end, start + n):
            total += values[i]
        return total
    half = n // 2
    half -= half % 8
    return _pairwise(values, start, half) + _pairwise(values, start + half, n - half)
