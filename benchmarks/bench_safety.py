"""Safety and routing on held-out member questions; run by hand, figures go in the README.

    .venv/bin/python benchmarks/bench_safety.py [--split dev|test|all] [--show-misses]
    .venv/bin/python benchmarks/bench_safety.py --root OTHER_CHECKOUT   # e.g. an older commit

The questions in benchmarks/heldout/ were written from the content brief by someone who had not
seen the bot's trigger phrases. Lines alternate between a `dev` half (looked at while tuning
content) and a `test` half (only counted). Floors (issue 9): every emergency leads with the
notice; at least 90% of urgent questions show a warning; at most 5% of calm questions get an
emergency notice; routing at least as good as before.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "heldout"


def rows(name: str, split: str) -> list[list[str]]:
    """The data lines of one held-out file, in the chosen half."""
    with (DATA / name).open(encoding="utf-8") as handle:
        lines = list(csv.reader(handle, delimiter="\t"))[1:]
    if split == "all":
        return lines
    return [line for number, line in enumerate(lines) if (number % 2 == 0) == (split == "dev")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--safety",
        default="safety_heldout.tsv",
        help="safety file in benchmarks/heldout (safety_heldout_2.tsv: never tuned on)",
    )
    parser.add_argument("--root", type=Path, default=HERE.parent, help="checkout to measure")
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    from bot.core.answers import AnswerService
    from bot.core.catalog import Command
    from bot.core.loader import load_catalog

    service = AnswerService(load_catalog(args.root / "content"))
    misses: list[str] = []
    if True:  # older checkouts have no `warnings`: only the emergency notice counts there
        counts = {"emergency": [0, 0], "urgent": [0, 0], "calm": [0, 0]}
        for expected, question in rows(args.safety, args.split):
            answer = service.ask(Command.TREATMENT, question)
            if expected == "emergency":
                ok = bool(answer.emergency)
            elif expected == "urgent":
                ok = bool(getattr(answer, "warnings", ()) or answer.emergency)
            else:
                ok = not answer.emergency
            counts[expected][0] += ok
            counts[expected][1] += 1
            if not ok:
                misses.append(f"{expected:9} {question}")
        for label, (good, total) in counts.items():
            what = {"emergency": "lead with the notice", "urgent": "show a warning"}.get(
                label, "get no emergency notice"
            )
            print(f"{label:9} {good}/{total} {what} ({100 * good / max(total, 1):.1f}%)")
    right = total = 0
    for command, question, expected in rows("routing_heldout.tsv", args.split):
        answer = service.ask(Command(command), question)
        got = {answer.status.value, answer.topic or ""}
        got |= {n.kind for n in getattr(answer, "notes", ())}
        ok = expected in got
        right += ok
        total += 1
        if not ok:
            misses.append(
                f"routing   /{command} {question} -> {answer.status.value} "
                f"{answer.topic} (expected {expected})"
            )
    print(
        f"routing   {right}/{total} reach the expected topic or note ({100 * right / total:.1f}%)"
    )
    if args.show_misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
