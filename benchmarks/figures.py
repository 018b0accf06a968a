"""What the benchmarks print: each figure beside the issue's floor, and how fast the machine was.

Every `bench_*.py` script with a floor returns a list of `Figure`s from a `figures(...)`
function; run alone it prints them, and `readme_table.py` writes them into the README.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure: what it is (and the script), its value, the floor, whether met."""

    what: str
    value: str
    floor: str
    met: bool | None = None
    """None where the row is a comparison, not a floor."""

    def verdict(self) -> str:
        """`met`, `**not met**`, or nothing for a comparison."""
        if self.met is None:
            return ""
        return "met" if self.met else "**not met**"


def print_figures(figures: Iterable[Figure]) -> None:
    """One line per figure, floor and verdict beside it."""
    for figure in figures:
        verdict = f" [{figure.verdict().strip('*')}]" if figure.met is not None else ""
        print(f"{figure.what}: {figure.value}   (floor: {figure.floor}){verdict}")


def p99(samples: list[float]) -> float:
    """The 99th percentile of `samples`."""
    return statistics.quantiles(samples, n=100)[98]


def median_p99(rounds: list[list[float]]) -> float:
    """The median over rounds of each round's 99th percentile (one noisy round cannot set it)."""
    return statistics.median(p99(samples) for samples in rounds)


def reference_ms() -> float:
    """Milliseconds for a fixed pure-Python workload (best of five): the machine's speed then.

    Shared machines slow down and speed up; a figure read beside this one can be compared
    with a figure measured at another time.
    """
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        table: dict[str, int] = {}
        for number in range(200_000):
            key = f"w{number % 997}"
            table[key] = table.get(key, 0) + len(key)
        best = min(best, time.perf_counter() - started)
    return best * 1000
