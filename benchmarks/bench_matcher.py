"""Matcher speed over the bundled content, side by side with difflib; run by hand.

    .venv/bin/python benchmarks/bench_matcher.py [--rounds N]

Prints median and p99 microseconds per query for a realistic mix (exact aliases, typos, brand
names, out-of-scope words, sentences, and the long, misspelled member questions of
tests/ask_cases.yaml), the same for `difflib.get_close_matches` over the same aliases, their
ratio, the cold start of `python -m bot ask treatment sps` (with its catalogue cache warm), and
`ask --batch --json` per query on distinct questions, output included. The matcher's memory of
word runs it has already looked up is emptied before every query, so repeats do not flatter it.
Floors (issue 15): matcher p99 under 100 us, cold start under 0.15 s, batch under 100 us.
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content_dir import BUNDLED_CONTENT  # noqa: E402
from bot.core.catalog import Command  # noqa: E402
from bot.core.loader import load_catalog  # noqa: E402
from bot.core.matcher import Matcher  # noqa: E402
from bot.core.normalize import normalise  # noqa: E402

BRANDS = ["valium", "klonopin", "mestinon", "lioresal", "rituxan", "solu-medrol", "gamunex"]
OUT_OF_SCOPE = ["diabetes", "aspirin", "pizza", "lupus", "ms", "als", "parkinsons", "migraine"]
SENTENCES = [
    "side effects of ivig",
    "what helps stiff person syndrome",
    "is rituximab used for mg",
    "my mum has myasthenia gravis what treatments are there",
]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters


def queries(aliases: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """(kind of query, query) pairs: the realistic mix."""
    sample = rng.sample(aliases, min(40, len(aliases)))
    mix = [("exact", a) for a in sample]
    mix += [("typo", _typo(a, rng)) for a in sample if len(a) >= 5][:40]
    mix += [("brand", b) for b in BRANDS]
    mix += [("out-of-scope", q) for q in OUT_OF_SCOPE]
    mix += [("sentence", s) for s in SENTENCES]
    return mix


def time_per_query(function, items: list[str], rounds: int, before=None) -> list[float]:
    """Microseconds for each call, every item `rounds` times (`before` runs untimed first)."""
    timings = []
    for _ in range(rounds):
        for item in items:
            if before is not None:
                before()
            start = time.perf_counter_ns()
            function(item)
            timings.append((time.perf_counter_ns() - start) / 1000)
    return timings


def p99(values: list[float]) -> float:
    """The 99th percentile."""
    return statistics.quantiles(values, n=100)[98]


def cold_start(runs: int = 5) -> list[float]:
    """Seconds for a fresh `python -m bot ask treatment sps`, one process each."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "treatment", "sps"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        seconds.append(time.perf_counter() - start)
    return seconds


def batch_per_query(questions: list[str]) -> float:
    """Microseconds per line of `ask --batch --json`, start-up subtracted, distinct lines."""
    import tempfile

    def run(lines: list[str]) -> float:
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
            handle.write("".join(f"treatment\t{line}\n" for line in lines))
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--batch", handle.name, "--json"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        Path(handle.name).unlink()
        return time.perf_counter() - started

    run(questions[:1])  # the catalogue cache is warm from here on
    empty = min(run(questions[:1]) for _ in range(3))
    full = min(run(questions) for _ in range(3))
    return (full - empty) / len(questions) * 1e6


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    catalog = load_catalog(BUNDLED_CONTENT)
    matcher = Matcher(catalog)
    aliases = sorted(
        {normalise(a) for t in catalog.topics.values() for a in (t.id, t.title, *t.aliases)}
    )
    mix = [q for _, q in queries(aliases, random.Random(7))]
    import yaml

    asked = yaml.safe_load((ROOT / "tests" / "ask_cases.yaml").read_text(encoding="utf-8"))
    mix += [case["q"] for case in asked]

    ours = time_per_query(
        lambda q: matcher.match(Command.TREATMENT, q),
        mix,
        args.rounds,
        before=matcher.forget,
    )
    theirs = time_per_query(
        lambda q: difflib.get_close_matches(normalise(q), aliases, n=3, cutoff=0.6),
        mix,
        max(1, args.rounds // 5),
    )
    cold = cold_start()
    batch = batch_per_query(list(dict.fromkeys(mix)))

    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"content: {len(catalog.topics)} topics, {len(aliases)} aliases; {len(mix)} queries")
    print(f"{'':<28}{'median us':>12}{'p99 us':>12}")
    print(
        f"{'matcher (rapidfuzz)':<28}{ours_median:>12.1f}{p99(ours):>12.1f}"
        "   (floor: p99 under 100 us)"
    )
    print(f"{'difflib.get_close_matches':<28}{theirs_median:>12.1f}{p99(theirs):>12.1f}")
    print(f"speed-up (difflib / matcher, median): {theirs_median / ours_median:.0f}x")
    print(
        f"cold `python -m bot ask treatment sps`: median {statistics.median(cold):.3f} s, "
        f"max {max(cold):.3f} s over {len(cold)} runs (floor: under 0.15 s)"
    )
    print(f"`ask --batch --json`: {batch:.0f} us per distinct query (floor: under 100 us)")


if __name__ == "__main__":
    main()
