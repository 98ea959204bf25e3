"""Seeded random streams for the demo plant.

Every part of the plant draws from its own stream, named after the part (``stream(7, "metrics",
"M-SAV100")``), so adding a machine or a column to one part never shifts the numbers of another.
``random.Random`` seeded with a string hashes it with SHA-512: the same name gives the same
numbers in every process and on every platform (unlike ``hash()``, which is salted).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


def stream(seed: int, *parts: object) -> random.Random:
    """A random generator for one named part of the plant."""
    return random.Random(":".join([str(seed), *(str(p) for p in parts)]))


class Weighted(Generic[T]):
    """Values with weights, drawn with one ``random()`` each (the tables are built once)."""

    __slots__ = ("_cumulative", "_total", "_values")

    def __init__(self, options: Sequence[tuple[T, float]]) -> None:
        self._values = [v for v, _ in options]
        self._cumulative = list(itertools.accumulate(w for _, w in options))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self._values[bisect.bisect_right(self._cumulative, rng.random() * self._total)]


def clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def split_counts(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    weight_sum = float(sum(weights))
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts
