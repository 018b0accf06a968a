"""Whatever a member types, the core answers or says no match: it never raises.

And the shortcuts taken for speed (an ASCII path, typo and phrase indexes) find exactly what
the plain definitions find.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from bot.core.answers import AnswerService, Status
from bot.core.catalog import Catalog, Command
from bot.core.normalize import MAX_QUERY_CHARS, compact, normalise, printable
from bot.core.phrases import PhraseIndex, Vocabulary, compile_phrase, word_fits
from bot.core.typos import TypoIndex, allowed_typos, short_typo

texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["sps", "ivig", "mg", "valium", "@everyone", "\u200b", "ms"]).flatmap(
        lambda word: st.text(max_size=20).map(lambda noise: f"{noise}{word}{noise}")
    ),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(list(Command)), query=texts)
def test_any_string_gives_an_answer_or_no_match(
    service: AnswerService, command: Command, query: str
) -> None:
    answer = service.ask(command, query)
    assert answer.status in Status
    if answer.status is Status.ANSWER:
        assert answer.text and answer.sources and answer.disclaimer
    else:
        assert answer.text is None
    if answer.status is Status.NO_MATCH:
        assert len(answer.suggestions) <= 3
    assert len(service.autocomplete(command, query)) <= 25


@given(st.text(max_size=2000))
def test_normalise_is_idempotent_and_capped(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert len(once) <= MAX_QUERY_CHARS
    assert once == once.strip() and "  " not in once


# -- the shortcuts taken for speed find exactly what the plain definitions find --------------

ascii_texts = st.text(alphabet=st.characters(max_codepoint=127), max_size=120)


@given(ascii_texts)
def test_plain_ascii_text_is_normalised_as_any_other_text(text: str) -> None:
    """ASCII takes a one-pass path; it must agree with NFKC, casefold and folding by category."""
    folded = "".join(
        ""
        if ch in "'`" or unicodedata.category(ch)[0] == "C"
        else " "
        if unicodedata.category(ch)[0] in "PSZ"
        else ch
        for ch in unicodedata.normalize("NFKC", text).casefold()
    )
    expected = " ".join(folded.split())[:MAX_QUERY_CHARS].rstrip()
    assert normalise(text) == expected


def _slip(draw: st.DrawFn, word: list[str], at: int) -> None:
    """One random slip at `at`: two letters swapped, one dropped, added or changed."""
    slip = draw(st.sampled_from(["swap", "drop", "add", "change"]))
    if slip == "swap" and at + 1 < len(word):
        word[at], word[at + 1] = word[at + 1], word[at]
    elif slip == "drop" and len(word) > 1:
        del word[at]
    elif slip == "add":
        word.insert(at, draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz")))
    elif word:
        word[at] = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))


def _misspelt(draw: st.DrawFn, words: list[str]) -> str:
    """A word from `words` with up to three random slips (or a word of random letters)."""
    word = list(draw(st.sampled_from(words)))
    for _ in range(draw(st.integers(0, 3))):
        _slip(draw, word, draw(st.integers(0, max(0, len(word) - 1))))
    return "".join(word) or "a"


@st.composite
def name_like(draw: st.DrawFn, names: list[str]) -> str:
    return _misspelt(draw, names)


@st.composite
def slipped_at_both_ends(draw: st.DrawFn, names: list[str]) -> str:
    """A long name with a slip at its start, one at its end, and maybe one between."""
    word = list(draw(st.sampled_from([name for name in names if len(name) >= 8])))
    _slip(draw, word, 0)
    _slip(draw, word, len(word) - draw(st.sampled_from([1, 2])))
    if draw(st.booleans()):
        _slip(draw, word, draw(st.integers(2, len(word) - 3)))
    return "".join(word)


@pytest.fixture(scope="module")
def names(catalog: Catalog) -> tuple[TypoIndex[str], list[str]]:
    """Every alias of the bundled content, as the matcher compares them, and their index."""
    found = sorted({compact(normalise(a)) for t in catalog.topics.values() for a in t.aliases})
    return TypoIndex([(name, name) for name in found]), found


@pytest.fixture(scope="module")
def vocabulary(catalog: Catalog) -> Vocabulary:
    """Every word and stem of the warning signs' phrases, as the answer service numbers them."""
    return AnswerService(catalog).vocabulary


@settings(max_examples=600, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_typo_index_finds_every_name_a_full_comparison_finds(
    names: tuple[TypoIndex[str], list[str]], data: st.DataObject
) -> None:
    index, every = names
    typed = data.draw(st.one_of(name_like(every), slipped_at_both_ends(every)))
    limit = allowed_typos(len(typed))
    expected = {
        name
        for name in every
        if len(name) > 3
        and OSA.distance(typed, name) <= min(limit, allowed_typos(len(name)))
        and (len(name) > 5 or short_typo(typed, name))
    }
    assert {name for name, _distance, _owner in index.hits(typed)} == expected


@settings(max_examples=600, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_phrase_word_is_never_skipped_where_it_fits(
    vocabulary: Vocabulary, data: st.DataObject
) -> None:
    options = vocabulary.alternatives
    word = data.draw(name_like(sorted(option.text for option in options)))
    fitting = {number for number, option in enumerate(options) if word_fits(word, option)}
    assert vocabulary.fits(word) == fitting


@given(ascii_texts)
def test_plain_ascii_text_is_echoed_as_any_other_text(text: str) -> None:
    """`printable` takes a one-pass path for ASCII; it must drop what the general path drops."""
    kept = "".join(
        ch for ch in text if ch.isspace() or unicodedata.category(ch) not in {"Cc", "Cf"}
    )
    assert printable(text) == " ".join(kept.split())[:MAX_QUERY_CHARS]


def test_phrases_added_after_questions_were_read_are_found(catalog: Catalog) -> None:
    """/ask's phrases join the vocabulary after the answer service has read questions (a
    batch's first `ask` line): the words' remembered fits must not hide them."""
    service = AnswerService(catalog)
    service.prepare()
    words = ["wondering", "what", "the", "usual", "first", "treatment", "is"]
    before = service.vocabulary.fits_of(words)
    index = PhraseIndex([(compile_phrase("usual first treatment"), 7)], service.vocabulary)
    assert index.owners(words) == [7]
    assert service.vocabulary.fits_of(words) != before
