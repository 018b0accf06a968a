"""Curators' phrase patterns (`cant|cannot breath*`, `seiz* ... stop*`) and finding them in text.

A phrase is words separated by spaces. `word*` matches any word starting with `word`;
`(a|b)` matches either word, and `(what is|whats|what are)` any of several word sequences;
`...` lets up to four other words stand in between; otherwise the words must follow each other
in order. `&` joins parts that must all be in the question, in any order and anywhere
(`double vision & worse*`). Small typos are forgiven in longer words (see
`close`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.core.normalize import normalise
from bot.core.typos import deletions

GAP = "..."
AND = "&"
MAX_GAP_WORDS = 4
"""Other words a `...` lets stand between two words of a phrase."""
MIN_STEM_CHARS = 3
"""Letters a `word*` stem needs, so that no stem matches nearly everything."""
MAX_PHRASE_WORDS = 12
MAX_SPELLINGS = 256
"""Word sequences one part may expand to through its `( | )` groups."""
_GROUP = re.compile(r"\(([^()]*)\)")


class PhraseError(ValueError):
    """A phrase that cannot be used, with a message a curator can act on."""


@dataclass(frozen=True)
class Alternative:
    """One way to spell a word of a phrase: a whole word, or a stem (`breath*`)."""

    text: str
    stem: bool

    def __reduce__(self) -> tuple[type[Alternative], tuple[str, bool]]:
        return Alternative, (self.text, self.stem)  # see Phrase.__reduce__


@dataclass(frozen=True)
class Term:
    """One word position of a phrase: its alternatives, and the gap allowed before it."""

    options: tuple[Alternative, ...]
    gap_before: int = 0

    def __reduce__(self) -> tuple[type[Term], tuple[tuple[Alternative, ...], int]]:
        return Term, (self.options, self.gap_before)  # see Phrase.__reduce__


@dataclass(frozen=True)
class Phrase:
    """A compiled phrase; `source` is what the curator wrote.

    `parts` must all be found (one part unless `&` was used); a part is found when any of its
    spellings (word sequences; several where `( | )` offered alternatives) is.
    """

    source: str
    parts: tuple[tuple[tuple[Term, ...], ...], ...]

    def __reduce__(
        self,
    ) -> tuple[type[Phrase], tuple[str, tuple[tuple[tuple[Term, ...], ...], ...]]]:
        """Pickled by its fields (the catalogue cache).

        A frozen dataclass compiled by mypyc cannot be restored field by field, as pickle
        otherwise does.
        """
        return Phrase, (self.source, self.parts)


def compile_phrase(source: str) -> Phrase:
    """Parse a curator's phrase; raise PhraseError saying what is wrong."""
    if not isinstance(source, str) or not source.strip():
        raise PhraseError("empty phrase")
    pieces = [piece.strip() for piece in source.split(AND)]
    if any(not piece for piece in pieces):
        raise PhraseError(f"'{source}': '&' needs words on both sides")
    return Phrase(source.strip(), tuple(_spellings(source, piece) for piece in pieces))


def _spellings(source: str, piece: str) -> tuple[tuple[Term, ...], ...]:
    """Every word sequence a part stands for, one per choice in each `( | )` group.

    A group whose choices are single words stays one position of the phrase; a group with a
    choice of several words multiplies the spellings.
    """
    groups = _GROUP.findall(piece)
    template = _GROUP.sub(" \x00 ", piece)
    if "(" in template or ")" in template:
        raise PhraseError(f"'{source}': unbalanced or nested brackets")
    if "|" in template:
        bare = next(token for token in template.split() if "|" in token)
        raise PhraseError(
            f"'{source}': put choices in brackets, e.g. ({bare}); "
            "a choice may be several words: (straight after|again)"
        )
    choices = [[" ".join(alt.split()) for alt in group.split("|")] for group in groups]
    if any(not alt for alts in choices for alt in alts):
        raise PhraseError(f"'{source}': an empty choice inside ( )")
    choices = [alts if any(" " in alt for alt in alts) else ["|".join(alts)] for alts in choices]
    count = 1
    for alts in choices:
        count *= len(alts)
    if count > MAX_SPELLINGS:
        raise PhraseError(f"'{source}': more than {MAX_SPELLINGS} combinations; split it up")
    spellings = []
    for combination in itertools.product(*choices):
        text = template
        for chosen in combination:
            text = text.replace("\x00", chosen, 1)
        spellings.append(_terms(source, text))
    return tuple(dict.fromkeys(spellings))


def _terms(source: str, piece: str) -> tuple[Term, ...]:
    terms: list[Term] = []
    gap = 0
    for token in piece.split():
        if token == GAP:
            if not terms:
                raise PhraseError(f"'{source}': a phrase cannot start with '...'")
            gap = MAX_GAP_WORDS
            continue
        options: list[Alternative] = []
        for raw in token.split("|"):
            stem = raw.endswith("*")
            body = raw[:-1] if stem else raw
            if "*" in body:
                raise PhraseError(f"'{source}': '*' may only end a word ('{raw}')")
            text = normalise(body, limit=None)
            if not text:
                raise PhraseError(f"'{source}': '{raw}' has no letters or digits")
            if " " in text:
                raise PhraseError(
                    f"'{source}': '{raw}' is more than one word; separate words with spaces"
                )
            if stem and len(text) < MIN_STEM_CHARS:
                raise PhraseError(
                    f"'{source}': the stem '{raw}' needs at least {MIN_STEM_CHARS} letters "
                    "before '*'"
                )
            options.append(Alternative(text, stem))
        terms.append(Term(tuple(dict.fromkeys(options)), gap))
        gap = 0
    if gap:
        raise PhraseError(f"'{source}': a phrase cannot end with '...'")
    if len(terms) > MAX_PHRASE_WORDS:
        raise PhraseError(f"'{source}': more than {MAX_PHRASE_WORDS} words")
    return tuple(terms)


def close(typed: str, target: str) -> bool:
    """Whether `typed` is `target` with at most a typo a member plausibly makes.

    The first letter must agree. Up to three letters: exact. Four: two letters swapped. Five
    or six: swapped, or one letter missing or extra. Seven to nine: one edit (OSA). Longer: two.
    """
    if typed == target:
        return True
    if not typed or typed[0] != target[0]:
        return False
    length = len(target)
    if length <= 3:
        return False
    if length == 4:
        return len(typed) == 4 and sorted(typed) == sorted(target)
    if length <= 6:
        if len(typed) == length:
            return sorted(typed) == sorted(target) and OSA.distance(typed, target) == 1
        return abs(len(typed) - length) == 1 and OSA.distance(typed, target) == 1
    return OSA.distance(typed, target, score_cutoff=2) <= (1 if length <= 9 else 2)


_SWAP_ONLY_CHARS = 4
"""Length of a whole word that fits only as itself or with its letters swapped (`close`)."""
_ONE_SLIP_CHARS = 9
"""Longest whole word that fits with one slip at most (`close`)."""
_QUESTIONS_KEPT = 64
"""Questions whose words' fits a vocabulary keeps at hand (see `Vocabulary.fits_of`)."""
_STEM_SWAP_CHARS = 5
"""Longest stem that fits a word beginning with it, or with two of its letters swapped."""


def _letters(word: str) -> str:
    """A key of a word's anagrams that `close` may accept: its first letter, then all sorted."""
    return f"{word[0]}:{''.join(sorted(word))}"


def _option_keys(option: Alternative) -> set[str]:
    """The keys `PhraseIndex` files an alternative under; none for those it tries one by one."""
    text = option.text
    if option.stem:
        if len(text) > _ONE_SLIP_CHARS:
            return set()
        if len(text) > _STEM_SWAP_CHARS:  # one slip at most, and the first letter agrees
            return {f"a:{text[0]}{text[1]}", f"b:{text[0]}{text[2]}"}
        return {text, _letters(text)} if len(text) >= _SWAP_ONLY_CHARS else {text}
    if len(text) > _ONE_SLIP_CHARS:
        return set()
    if len(text) == _SWAP_ONLY_CHARS:
        return {text, _letters(text)}
    return {text, *deletions(text)} if len(text) > _SWAP_ONLY_CHARS else {text}


@lru_cache(maxsize=8192)
def _lookup_keys(word: str) -> frozenset[str]:
    """The keys under which a question's word finds the alternatives it may fit.

    Itself and its one-letter deletions (whole words), its first three to five letters (short
    stems it starts with; a longer stem is found by a pair below), the letters of its first
    four and five (a swap there, for a short stem or word), and for
    a stem of six to nine letters its first letter with its second or third: one slip in the
    stem leaves the stem's first and second letters, or first and third, among those pairs.
    """
    keys = {word, *[word[:end] for end in range(MIN_STEM_CHARS, _STEM_SWAP_CHARS + 1)]}
    if _SWAP_ONLY_CHARS <= len(word) <= _ONE_SLIP_CHARS + 1:  # a whole word of 5-9 within one
        keys.update(deletions(word))
    keys.update(
        _letters(word[:size])
        for size in range(_SWAP_ONLY_CHARS, _STEM_SWAP_CHARS + 1)
        if len(word) >= size
    )
    if len(word) >= _STEM_SWAP_CHARS:  # long enough for a stem of six letters, less one
        pairs = (f"{word[0]}{word[1]}", f"{word[0]}{word[2]}")
        keys.update(f"{kind}:{pair}" for kind in "ab" for pair in pairs)
    return frozenset(keys)


def _reachable(target: int, typed: int, stem: bool) -> bool:
    """Whether `word_fits` can accept a word of `typed` letters for a target of `target`.

    Read off `close` and `word_fits`: a stem of up to five letters fits longer or equal words,
    a longer stem one letter shorter too; a whole word of three letters or four only its own
    length, of five to nine one letter either way, and longer two letters either way.
    """
    if stem:
        return target <= typed + (target > 5)
    if target <= 4:
        return target == typed
    return abs(target - typed) <= (1 if target <= 9 else 2)


def word_fits(word: str, option: Alternative) -> bool:
    """Whether a word of the question fits one alternative (typos forgiven, see `close`)."""
    target = option.text
    if not option.stem:
        return close(word, target)
    if word.startswith(target):
        return True
    length = len(target)
    if length <= 5:
        return len(word) >= length and close(word[:length], target) and length >= 4
    return any(
        close(word[:size], target) for size in (length - 1, length, length + 1) if size <= len(word)
    )


class Vocabulary:
    """The words and stems phrases are made of, numbered; which of them a word fits, remembered.

    One vocabulary serves every phrase index of an answer service, so each word of a
    question is looked up once, however many indexes read the question.
    """

    def __init__(self) -> None:
        self.alternatives: list[Alternative] = []
        self._numbers: dict[tuple[str, bool], int] = {}
        # Where a question's word may fit, by lookup (`_fits_uncached`): whole words by their
        # text, four-letter ones also by their letters, five to nine letters also under each
        # one-letter deletion (one typo leaves a deletion of each side equal); stems of up to
        # five letters by their text (the word begins with it) and their letters (a swap in
        # the word's first four or five). Longer stems and words are tried one by one.
        self._keyed: dict[str, list[int]] = {}
        self._by_letter: dict[str, list[tuple[Alternative, int]]] = {}
        self._reach: dict[tuple[str, int], tuple[tuple[Alternative, int], ...]] = {}
        self.fits = lru_cache(maxsize=16_384)(self._fits_uncached)
        """The numbers of the alternatives a question's word fits (typos forgiven)."""
        self._questions: dict[tuple[str, ...], list[frozenset[int]]] = {}

    def forget(self) -> None:
        """Empty the memory of words already looked up."""
        self.fits.cache_clear()
        self._questions.clear()
        _lookup_keys.cache_clear()

    def fits_of(self, words: Sequence[str]) -> list[frozenset[int]]:
        """`fits` for each word of a question.

        The last few questions are remembered whole: every phrase index reads each in turn.
        """
        key = tuple(words)
        found = self._questions.get(key)
        if found is None:
            if len(self._questions) >= _QUESTIONS_KEPT:
                self._questions.clear()
            found = self._questions[key] = [self.fits(word) for word in key]
        return found

    def number(self, option: Alternative) -> int:
        """The alternative's number, given it on first sight."""
        key = (option.text, option.stem)  # quicker to hash than the dataclass
        found = self._numbers.get(key)
        if found is None:
            found = self._numbers[key] = len(self.alternatives)
            self.alternatives.append(option)
            keys = _option_keys(option)
            if not keys:
                self._by_letter.setdefault(option.text[0], []).append((option, found))
                self._reach.clear()
            for lookup in keys:
                self._keyed.setdefault(lookup, []).append(found)
            self.fits.cache_clear()  # a word may fit the new one: look every word up again
            self._questions.clear()
        return found

    def _fits_uncached(self, word: str) -> frozenset[int]:
        options = self.alternatives
        return frozenset(
            number
            for number in {n for key in _lookup_keys(word) for n in self._keyed.get(key, ())}
            if word_fits(word, options[number])
        ).union([number for option, number in self._within_reach(word) if word_fits(word, option)])

    def _within_reach(self, word: str) -> tuple[tuple[Alternative, int], ...]:
        """The alternatives tried one by one that `word` may fit.

        Those of the same first letter and a length it can reach (`_reachable`).
        """
        key = (word[:1], len(word))
        found = self._reach.get(key)
        if found is None:
            found = self._reach[key] = tuple(
                (option, number)
                for option, number in self._by_letter.get(word[:1], ())
                if _reachable(len(option.text), len(word), option.stem)
            )
        return found


class PhraseIndex:
    """Many phrases, each with an owner; finds which owners a question's words raise."""

    def __init__(
        self, entries: Iterable[tuple[Phrase, int]], vocabulary: Vocabulary | None = None
    ) -> None:
        phrases = tuple(entries)
        self.vocabulary = vocabulary or Vocabulary()
        # one entry per spelling: (terms, owner, (phrase number, part number)); a phrase counts
        # once every one of its parts has a spelling found
        self._entries = tuple(
            (spelling, owner, (number, part_number))
            for number, (phrase, owner) in enumerate(phrases)
            for part_number, part in enumerate(phrase.parts)
            for spelling in part
        )
        self._part_counts = [len(phrase.parts) for phrase, _ in phrases]
        self._term_ids = [
            [frozenset(self.vocabulary.number(o) for o in term.options) for term in part]
            for part, _, _ in self._entries
        ]
        self._starting: dict[int, list[int]] = {}
        for index, terms in enumerate(self._term_ids):
            for number in terms[0]:
                self._starting.setdefault(number, []).append(index)

    def owners(self, words: Sequence[str], at_start: bool = False) -> list[int]:
        """Owners of the phrases found in `words`, each once, in the order entries were given.

        With `at_start`, a phrase counts only where it starts with the first word.
        """
        fits = self.vocabulary.fits_of(words)
        parts: set[int] = set()
        for position, numbers in enumerate(fits[:1] if at_start else fits):
            for number in numbers:
                for index in self._starting.get(number, ()):
                    if index not in parts and _rest_found(
                        self._term_ids[index], self._entries[index][0], fits, position
                    ):
                        parts.add(index)
        done: dict[int, set[int]] = {}
        found: set[int] = set()
        for index in parts:
            _spelling, owner, (phrase, part) = self._entries[index]
            done.setdefault(phrase, set()).add(part)
            if len(done[phrase]) == self._part_counts[phrase]:
                found.add(owner)
        return sorted(found)


def _rest_found(
    term_ids: list[frozenset[int]],
    terms: tuple[Term, ...],
    fits: list[frozenset[int]],
    start: int,
) -> bool:
    """Whether a part's terms after the first follow from `start`, within their gaps."""
    positions = {start}
    end = len(fits) - 1
    for index in range(1, len(terms)):
        ids, gap = term_ids[index], terms[index].gap_before
        reached: set[int] = set()
        for position in positions:
            for candidate in range(position + 1, min(end, position + 1 + gap) + 1):
                if not fits[candidate].isdisjoint(ids):  # no set built to ask
                    reached.add(candidate)
        if not reached:
            return False
        positions = reached
    return True


def found_in(phrase: Phrase, words: Sequence[str]) -> bool:
    """Whether one phrase occurs in `words` (for tests and tools; the bot uses PhraseIndex)."""
    return bool(PhraseIndex([(phrase, 0)]).owners(words))
