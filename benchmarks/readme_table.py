"""Run every benchmark with a floor and write its figures into the README's table.

    .venv/bin/python benchmarks/readme_table.py [--quick] [--no-discord]

Runs `bench_matcher.py`, `bench_scale.py` (in a process of its own, for its memory figure),
`bench_ask.py` and `bench_discord.py` (their `figures` functions), prints every figure beside
its floor, and replaces the table between the `<!-- figures -->` and `<!-- /figures -->` lines
of README.md, each figure with the machine's speed while it was measured
(`figures.reference_ms`). `--quick` runs fewer rounds (a smoke run); `--no-discord` leaves the
Discord rows out.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_ask  # noqa: E402
import bench_discord  # noqa: E402
import bench_matcher  # noqa: E402
from figures import Figure, print_figures, reference_ms  # noqa: E402

README = HERE.parent / "README.md"
START, END = "<!-- figures -->", "<!-- /figures -->"


def table(rows: list[tuple[Figure, float]]) -> str:
    """The Markdown block between the markers; each figure with the machine's speed then."""
    lines = [
        "| what (script) | figure | floor | | machine |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {f.what} | {f.value} | {f.floor} | {f.verdict()} | {speed:.0f} ms |"
            for f, speed in rows
        ),
    ]
    when = datetime.date.today().isoformat()
    return "\n".join(
        [
            START,
            *lines,
            "",
            f"Written by `benchmarks/readme_table.py` on {when}, on this 2-core machine. "
            "*machine*: a fixed pure-Python workload's time (`benchmarks/figures.py`), taken "
            "just before and after each script and averaged: the machine's speed while that "
            "figure was measured (lower is faster; the same workload took 45-100 ms on this "
            "machine on the same day).",
            END,
        ]
    )


def measured(run: Callable[[], list[Figure]]) -> list[tuple[Figure, float]]:
    """The figures of one script, each with the machine's speed around it."""
    before = reference_ms()
    figures = run()
    speed = (before + reference_ms()) / 2
    return [(figure, speed) for figure in figures]


def scale_figures(topics: int) -> list[Figure]:
    """`bench_scale.py` in a process of its own, so that its peak memory is its own."""
    run = subprocess.run(
        [sys.executable, str(HERE / "bench_scale.py"), "--topics", str(topics), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return [Figure(**row) for row in json.loads(run.stdout)]


def main() -> int:
    """Measure, print, and rewrite the README's table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    parser.add_argument("--no-discord", action="store_true", help="leave the Discord rows out")
    args = parser.parse_args()
    rows = measured(lambda: bench_matcher.figures(rounds=3 if args.quick else 20))
    rows += measured(lambda: scale_figures(1_000 if args.quick else 10_000))
    rows += measured(bench_ask.figures)
    if not args.no_discord:
        interactions = 200 if args.quick else 1500
        rows += measured(lambda: asyncio.run(bench_discord.figures(interactions, rounds=5)))
    print_figures(figure for figure, _speed in rows)
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"README.md has no {START} ... {END} block: nothing written", file=sys.stderr)
        return 1
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(head + table(rows) + tail, encoding="utf-8")
    print(f"README.md: {len(rows)} figures written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
