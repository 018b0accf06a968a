"""Scale: the bundled content plus thousands of generated topics; run by hand (README figures).

    .venv/bin/python benchmarks/bench_scale.py [--topics 10000]

Writes a content folder into a temporary directory (the bundled topics and sources, and
generated treatments with made-up names, aliases and snippets), loads it, and measures what a
member would feel: answering a topic (p50), autocomplete while typing (p99), and the peak
memory of its own process (run it alone, as `readme_table.py` does). Floors (issue 15):
answers within 1 ms at p50 and autocomplete within 5 ms at p99 with 10,000 topics, memory
under 150 MB.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from figures import Figure, print_figures  # noqa: E402

from bot.content_dir import BUNDLED_CONTENT  # noqa: E402
from bot.core.answers import AnswerService  # noqa: E402
from bot.core.catalog import Command  # noqa: E402
from bot.core.loader import load_catalog  # noqa: E402

SYLLABLES = [consonant + vowel for consonant in "bdfklmnprstvz" for vowel in "aeiou"]
"""Made-up names are built from these, so that none is a real medicine's."""


def name(rng: random.Random, parts: int) -> str:
    """A made-up medicine name."""
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def topic_yaml(topic_id: str, title: str, aliases: list[str]) -> str:
    """A valid generated treatment topic."""
    alias_lines = "\n".join(f"  - {alias}" for alias in aliases)
    snippet = """    sections:
      - heading: "What it is"
        text: |
          A made-up medicine for measuring scale.
    disclaimer: medicine
    sources: [SPSRF]
    reviewed: 2026-11-01"""
    return (
        f"id: {topic_id}\nkind: treatment\ntitle: {title}\nused_for: [sps]\n"
        f"aliases:\n{alias_lines}\nsnippets:\n  treatment:\n{snippet}\n"
        f"  sideeffects:\n{snippet}\n"
    )


def build_content(root: Path, count: int, seed: int = 7) -> list[str]:
    """The bundled content plus `count` generated topics; returns their main names."""
    shutil.copytree(BUNDLED_CONTENT, root)
    rng = random.Random(seed)
    used: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        main = name(rng, rng.randint(3, 5))
        brands = [name(rng, rng.randint(2, 4)) for _ in range(3)]
        if used.intersection([main, *brands]) or len({main, *brands}) < 4:
            continue
        used.update([main, *brands])
        topic_id = f"gen-{main}"
        (root / "topics" / f"{topic_id}.yaml").write_text(
            topic_yaml(topic_id, main.title(), [main, *brands]), encoding="utf-8"
        )
        names.append(main)
    return names


def percentile(samples: list[float], fraction: float) -> float:
    """The `fraction` percentile of `samples`."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def figures(topics: int = 10_000) -> list[Figure]:
    """Load, answer, autocomplete and memory with `topics` topics, each beside its floor."""
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary) / "content"
        names = build_content(root, topics)
        started = time.perf_counter()
        service = AnswerService(load_catalog(root))
        service.prepare()  # as the Discord bot does before serving
        load_s = time.perf_counter() - started
    rng = random.Random(3)
    queries = [rng.choice(names) for _ in range(300)]
    typos = [q[:2] + q[3:] for q in queries[:100]]  # one letter dropped
    answers: list[float] = []
    for query in queries + typos + ["sps", "ivig", "valium side effects"]:
        started = time.perf_counter()
        service.ask(Command.TREATMENT, query)
        answers.append((time.perf_counter() - started) * 1e6)
    completes: list[float] = []
    for query in queries[:200]:
        for end in range(1, min(len(query), 8) + 1):
            started = time.perf_counter()
            service.autocomplete(Command.TREATMENT, query[:end])
            completes.append((time.perf_counter() - started) * 1e3)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    answer, complete = statistics.median(answers), percentile(completes, 0.99)
    count = len(service.catalog.topics)
    return [
        Figure(
            f"{count:,} topics: answer a topic, p50 (`bench_scale.py`; loaded in {load_s:.1f} s)",
            f"{answer:.0f} µs (p99 {percentile(answers, 0.99):.0f} µs)",
            "p50 under 1 ms",
            answer < 1000,
        ),
        Figure(
            f"{count:,} topics: autocomplete while typing, p99",
            f"{complete:.1f} ms (p50 {statistics.median(completes):.2f} ms)",
            "under 5 ms",
            complete < 5,
        ),
        Figure(
            f"{count:,} topics: peak memory", f"{peak_mb:.0f} MB", "under 150 MB", peak_mb < 150
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="the figures as JSON (readme_table)")
    args = parser.parse_args()
    found = figures(args.topics)
    if args.json:
        print(json.dumps([dataclasses.asdict(figure) for figure in found]))
    else:
        print_figures(found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
