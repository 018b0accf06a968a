"""The content is in the project's own words: no long run of words copied from the sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.catalog import Catalog

SHARED = Path(__file__).resolve().parents[2] / "shared"
RUN = 8
"""Words in a row that make a copied sentence; lists of drug names stay shorter than this."""


MANDATED = re.compile(r"call your local emergency number now|call or text 988", re.I)
"""Safety wording the project requires word for word; it does not count as copying."""


def _runs(text: str) -> set[tuple[str, ...]]:
    runs = set()
    for part in MANDATED.split(text):
        words = re.findall(r"[a-z0-9]+", part.lower())
        runs |= {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}
    return runs


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared is not beside the repo")
def test_no_run_of_words_copied_from_seeds_or_brief(catalog: Catalog) -> None:
    originals: set[tuple[str, ...]] = set()
    for path in [*sorted((SHARED / "seeds").glob("*.txt")), SHARED / "content-brief.md"]:
        originals |= _runs(path.read_text(encoding="utf-8"))
    copied = []
    for topic in catalog.topics.values():
        texts = [s.text for s in topic.snippets.values()] + [w.text for w in topic.warning_signs]
        for text in texts:
            copied += [(topic.id, " ".join(run)) for run in _runs(text) & originals]
    notes = [(n.name, n.text) for n in catalog.notes]
    notes += [(i.name, i.note) for i in catalog.interactions]
    notes += [(s.id, s.text) for s in catalog.general_signs]
    for name, text in notes:
        copied += [(name, " ".join(run)) for run in _runs(text) & originals]
    assert copied == []
