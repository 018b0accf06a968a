"""Which names a word run may be a misspelling of: the typo allowance, and an index to find them.

A word run (`rituxamab`, `stiffpersn`) is compared with names (compact aliases) by the optimal
string alignment distance: insertions, deletions, substitutions and swaps of two neighbouring
letters each count one. How many a run may carry depends on its length (`allowed_typos`).

Comparing a run with every name costs too much in a long question, so `TypoIndex` narrows the
names down first. A run allowed one typo shares with any name that close the run itself, the
name itself or a string one letter shorter than both, and every name that short is filed under
those: a few lookups find them. A longer run is compared only with names of a length within
its allowance, first counting insertions and deletions alone (a substitution or a swap counts
two there; that count is much quicker), then by the typo distance itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar, cast

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

EXACT_ONLY_CHARS = 3
"""Queries (and aliases) this short only match exactly: `ms` is not `mg`, `als` is not `ae`."""

_ONE_TYPO_CHARS = 7
"""Longest word run allowed one typo (and no more); see `allowed_typos`."""

_SHORT_WORD = 5
"""Aliases this short accept a swapped, doubled or dropped letter, not a different one."""

Owner = TypeVar("Owner")


def allowed_typos(length: int) -> int:
    """Edits (insert, delete, substitute, swap) a word of `length` characters may carry.

    Four to seven characters: one typo; eight to twelve: two; longer: three.
    """
    if length <= EXACT_ONLY_CHARS:
        return 0
    if length <= _ONE_TYPO_CHARS:
        return 1
    if length <= 12:
        return 2
    return 3


def within_reach(typed: int, name: int) -> bool:
    """Whether a run of `typed` letters may be a typo of a name of `name` letters.

    The difference in length is within both allowances (a seven-letter name takes one typo).
    """
    return abs(typed - name) <= min(allowed_typos(typed), allowed_typos(name))


def short_typo(typed: str, alias: str) -> bool:
    """A typo a short word plausibly has: `ivgi`, `ivvig`, `ivg` for `ivig`; not `nurse`/`norse`.

    Changing one letter of a four- or five-letter word usually makes another real word, so a
    substitution is not accepted; the first letter must also agree.
    """
    if typed[0] != alias[0]:
        return False
    if len(typed) == len(alias):
        return typed != alias and sorted(typed) == sorted(alias)  # two letters swapped
    return abs(len(typed) - len(alias)) == 1  # one letter added or dropped


def deletions(word: str) -> list[str]:
    """`word` with one letter left out, for each of its letters."""
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


class TypoIndex(Generic[Owner]):
    """Names with their owners (a topic, a note); finds those within a run's typo allowance."""

    def __init__(self, names: Iterable[tuple[str, Owner]]) -> None:
        chosen = [(name, owner) for name, owner in names if len(name) > EXACT_ONLY_CHARS]
        self._names = [name for name, _ in chosen]
        self._owners = [owner for _, owner in chosen]
        self._by_deletion: dict[int, object] = {}
        """Names a run allowed one typo can reach (eight letters at most), under themselves
        and each of their one-letter deletions: by the hash of the key (a collision only adds
        a name that the distance then turns away), one number or a tuple of several, so that
        10,000 topics' names fit in a few MB."""
        self._by_length: dict[int, list[int]] = {}
        for number, name in enumerate(self._names):
            self._by_length.setdefault(len(name), []).append(number)
            if len(name) <= _ONE_TYPO_CHARS + 1:
                self._file(name, number)
        self._windows: dict[int, tuple[list[str], list[int]]] = {}
        """Per length of run: the names of a length within its allowance, and their numbers."""

    def _file(self, name: str, number: object) -> None:
        """File the name numbered `number` under itself and each of its one-letter deletions.

        `number` is one object shared by every key (compiled, an `int` would be a new object
        for each key: 9 MB more with 10,000 topics).
        """
        table = self._by_deletion
        for key in {hash(name), *map(hash, deletions(name))}:
            found = table.get(key)
            table[key] = (
                number
                if found is None
                else (*found, number)
                if isinstance(found, tuple)
                else (found, number)
            )

    def hits(self, typed: str) -> list[tuple[str, int, Owner]]:
        """(name, distance, owner) of each name within the typo allowance of `typed`, closest first.

        Both lengths limit the allowance, and a short name takes only a swapped, doubled or
        dropped letter (`short_typo`).
        """
        limit = allowed_typos(len(typed))
        if limit == 0:
            return []
        names = self._names
        if limit == 1:
            close = [
                (number, distance)
                for number in self._near_one(typed)
                if (distance := OSA.distance(typed, names[number], score_cutoff=1)) <= 1
            ]
        else:
            window, numbers = self._window(len(typed), limit)
            near = process.extract(
                typed, window, scorer=Indel.distance, score_cutoff=2 * limit, limit=None
            )
            close = [
                (numbers[index], distance)
                for name, _indels, index in near
                if (distance := OSA.distance(typed, name, score_cutoff=limit)) <= limit
            ]
        if not close:
            return []  # most runs of a question: nothing close
        found = [
            (names[number], distance, self._owners[number])
            for number, distance in sorted(close, key=lambda hit: (hit[1], hit[0]))
            if distance <= allowed_typos(len(names[number]))
            and (len(names[number]) > _SHORT_WORD or short_typo(typed, names[number]))
        ]
        return found  # the closest first, then in the order given

    def _near_one(self, typed: str) -> set[int]:
        """Names that may be one typo from `typed`: a deletion of each meets the other."""
        found: set[int] = set()
        table = self._by_deletion
        for key in (typed, *deletions(typed)):  # a repeated key finds the same names again
            numbers = table.get(hash(key))
            if isinstance(numbers, tuple):
                found.update(numbers)
            elif numbers is not None:
                found.add(cast(int, numbers))
        return found

    def _window(self, size: int, limit: int) -> tuple[list[str], list[int]]:
        """The names of a length a run of `size` letters can reach (`within_reach`), numbered."""
        window = self._windows.get(size)
        if window is None:
            numbers = [
                number
                for length in range(size - limit, size + limit + 1)
                if within_reach(size, length)
                for number in self._by_length.get(length, ())
            ]
            window = self._windows[size] = ([self._names[n] for n in numbers], numbers)
        return window
