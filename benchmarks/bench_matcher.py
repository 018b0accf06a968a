"""Matcher speed over the bundled content, side by side with difflib; run by hand.

    .venv/bin/python benchmarks/bench_matcher.py [--rounds N]

The mix: exact aliases, typos, brand names, out-of-scope words, sentences, and the long,
misspelled member questions of tests/ask_cases.yaml. Per question, in process, two ways:

- cold: the matcher's memory of word runs is emptied before every question, as if each were
  the first question the bot ever saw (the worst case); the indexes it builds before
  serving are kept, as in the bot;
- stream: each round empties the memory once, then asks every distinct question once, in a
  shuffled order, as a server's questions arrive: words met in earlier questions are
  remembered, a question is never timed twice in a round.

p99 is the median over rounds of each round's p99. Also: `difflib.get_close_matches` over
the same aliases, the cold start of `python -m bot ask treatment sps` (catalogue cache warm),
and `ask --batch --json` per distinct question, output included. Floors (issue 15): matcher
p99 under 100 us, cold start under 0.15 s, batch under 100 us.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from figures import Figure, median_p99, print_figures, reference_ms  # noqa: E402

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


def timed(function, items: list[str], before=None) -> list[float]:
    """Microseconds for each call of `function` on each item (`before` runs untimed first)."""
    timings = []
    for item in items:
        if before is not None:
            before()
        start = time.perf_counter_ns()
        function(item)
        timings.append((time.perf_counter_ns() - start) / 1000)
    return timings


def cold_start(runs: int = 15) -> list[float]:
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


_BATCH_TIMER = """
import statistics, sys, time
from bot.cli import main
full, one, out = sys.argv[1], sys.argv[2], sys.argv[3]
def run(path):
    with open(out, "w", encoding="utf-8") as sink:
        started = time.perf_counter()
        main(["ask", "--batch", path, "--json"], sink, sys.stderr)
        return time.perf_counter() - started
run(one)  # imports and the catalogue cache, once
print(statistics.median(run(full) - run(one) for _ in range(15)))
"""


def batch_per_query(questions: list[str]) -> float:
    """Microseconds per line of `ask --batch --json`, distinct lines, output (to a file) included.

    Timed inside one process, each whole command (catalogue, indexes, every line, written
    out) against the same command on one line, alternately 15 times, the median difference
    taken: what a line costs, without process start-up and its noise.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        full, one, out = (Path(folder) / name for name in ("full.tsv", "one.tsv", "out.jsonl"))
        full.write_text("".join(f"treatment\t{q}\n" for q in questions), encoding="utf-8")
        one.write_text(f"treatment\t{questions[0]}\n", encoding="utf-8")
        timer = subprocess.run(
            [sys.executable, "-c", _BATCH_TIMER, str(full), str(one), str(out)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
    return float(timer.stdout.split()[-1]) / len(questions) * 1e6


def the_mix(aliases: list[str]) -> list[str]:
    """The queries: the realistic mix, then every development /ask question."""
    import yaml

    asked = yaml.safe_load((ROOT / "tests" / "ask_cases.yaml").read_text(encoding="utf-8"))
    return [q for _, q in queries(aliases, random.Random(7))] + [case["q"] for case in asked]


def figures(rounds: int = 20) -> list[Figure]:
    """Matcher (cold and stream), difflib, cold start and batch, each beside its floor."""
    catalog = load_catalog(BUNDLED_CONTENT)
    matcher = Matcher(catalog)
    matcher.prepare()  # as the bot does before serving (AnswerService.prepare)
    aliases = sorted(
        {normalise(a) for t in catalog.topics.values() for a in (t.id, t.title, *t.aliases)}
    )
    mix = the_mix(aliases)
    distinct = list(dict.fromkeys(mix))

    def ask(query: str) -> object:
        return matcher.match(Command.TREATMENT, query)

    shuffle = random.Random(11)
    cold: list[list[float]] = []
    stream: list[list[float]] = []
    for _ in range(rounds):  # the two ways alternate, so a slow spell hits both alike
        cold.append(timed(ask, mix, before=matcher.forget))
        matcher.forget()
        order = distinct[:]
        shuffle.shuffle(order)
        stream.append(timed(ask, order))
    theirs = timed(
        lambda q: difflib.get_close_matches(normalise(q), aliases, n=3, cutoff=0.6),
        mix * max(1, rounds // 10),
    )
    cold_median = statistics.median(t for samples in cold for t in samples)
    cold_p99, stream_p99 = median_p99(cold), median_p99(stream)
    stream_median = statistics.median(t for samples in stream for t in samples)
    starts = cold_start()
    start = statistics.median(starts)
    batch = batch_per_query(distinct)
    size = f"{len(mix)} queries ({len(distinct)} distinct), {len(aliases)} aliases"
    return [
        Figure(
            f"matcher per query, cold: memory emptied before each; {size} (`bench_matcher.py`)",
            f"median {cold_median:.0f} µs, p99 {cold_p99:.0f} µs",
            "p99 under 100 µs",
            cold_p99 < 100,
        ),
        Figure(
            "matcher per query, stream: each distinct query once a round, shuffled, memory kept",
            f"median {stream_median:.0f} µs, p99 {stream_p99:.0f} µs",
            "p99 under 100 µs",
            stream_p99 < 100,
        ),
        Figure(
            "`difflib.get_close_matches` over the same aliases (comparison)",
            f"median {statistics.median(theirs):.0f} µs "
            f"({statistics.median(theirs) / cold_median:.0f}x the matcher's cold median)",
            "none",
        ),
        Figure(
            "cold `python -m bot ask treatment sps`, catalogue cache warm",
            f"median {start:.3f} s of {len(starts)} runs",
            "under 0.15 s",
            start < 0.15,
        ),
        Figure(
            "`ask --batch --json`, distinct questions, output included",
            f"{batch:.0f} µs per question",
            "under 100 µs",
            batch < 100,
        ),
    ]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"reference workload: {reference_ms():.0f} ms (the machine's speed now)")
    print_figures(figures(args.rounds))


if __name__ == "__main__":
    main()
