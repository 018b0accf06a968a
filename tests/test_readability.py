"""Plain language: every snippet stays near a reading age of 12-14 (Flesch-Kincaid grade).

A bullet line or a bold lead-in ends a "sentence" here, as a reader on a phone takes it. The
syllable count is the usual vowel-group estimate; good enough to catch a dense paragraph.
"""

from __future__ import annotations

import re

from bot.core.catalog import Catalog

MAX_GRADE = 10.0
"""US grade 10 is a reading age of about 15; the content's median is near grade 6."""


def syllables(word: str) -> int:
    groups = len(re.findall(r"[aeiouy]+", word.lower()))
    if word.lower().endswith("e") and groups > 1:
        groups -= 1
    return max(1, groups)


def grade(text: str) -> float:
    plain = re.sub(r"[*_`]", "", text)
    sentences = max(1, len(re.findall(r"[.!?:]\s|\n", plain + "\n")))
    words = re.findall(r"[A-Za-z]+", plain)
    per_sentence = len(words) / sentences
    per_word = sum(map(syllables, words)) / max(1, len(words))
    return 0.39 * per_sentence + 11.8 * per_word - 15.59


def test_grade_formula_tells_plain_from_dense() -> None:
    assert grade("The cat sat on the mat. It was warm.") < 3
    dense = (
        "Immunomodulatory interventions necessitate comprehensive individualized "
        "pharmacological consideration notwithstanding heterogeneous evidentiary substantiation."
    )
    assert grade(dense) > 20


def test_every_snippet_reads_plainly(catalog: Catalog) -> None:
    too_hard = [
        (topic.id, command.value, round(grade(snippet.text), 1))
        for topic in catalog.topics.values()
        for command, snippet in topic.snippets.items()
        if grade(snippet.text) > MAX_GRADE
    ]
    assert too_hard == []
