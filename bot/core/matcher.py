"""Turn what a member typed into a topic: exact aliases, phrases inside a sentence, then typos."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain

from rapidfuzz import fuzz, process

from bot.core.catalog import KINDS_FOR_COMMAND, Catalog, Command, Kind, Note, Topic
from bot.core.normalize import MAX_QUERY_CHARS, compact, normalise
from bot.core.typos import EXACT_ONLY_CHARS, TypoIndex, deletions, within_reach

SUGGEST_SCORE = 70.0
"""Indel similarity (0-100) from which a topic is offered as "did you mean"."""
_PREFIX_SCORE = 90.0
"""Suggestion score of an alias that starts with what was typed (`pyrido`)."""

MAX_SUGGESTIONS = 3
MAX_AUTOCOMPLETE = 25
_MAX_TOKENS = 12
"""Words of a long query that the phrase and typo passes look at."""
_MAX_NAMED_GRAM_CHARS = 24
"""Longest word or word pair `named` looks at for typos (a misspelled brand, not a sentence)."""
_SUGGEST_RUN_WORDS = 2
"""Longest word run of a sentence whose look-alikes are offered (a sentence's longer runs
give the same topics at many times the cost)."""
_MAX_NAMED_TOKENS = 40
"""Words of a question searched for names anywhere (`named`), for warning signs and notes."""


_COMMON_TEXT = """
    about above after again against also always another anyone anything around asked asking
    away back because become been before being believe below best better between both bring
    called came cannot cant care caring changed could couldnt daily days didnt different does
    doesnt doing done dont down during each early either else enough even evening ever every
    everyone everything feel feeling feels felt first found friday from getting give given
    going gone good great guess hadnt happen happened happens hard hasnt have havent having
    hello help helped helps here home hours house however idea into isnt just keep kind know
    last later least left less life like likely little long look looking lots made make makes
    making many maybe mean means might mine minutes monday month months more morning most
    much must myself need needed needs never night nothing now often okay once only other
    others ours over people person please pretty probably question quite rather really right
    said same saying says second seem seems seen seeing should since some someone something
    sometimes soon sorry start started still such sure take taken takes taking tell than
    thank thanks that thats their them then there these they thing things think this those
    though thought three through time times today together told tomorrow tonight took tried
    tries trying twice under until used using usually very wait want wanted wants wasnt week
    weeks well went were weve what whats when where whether which while whole will with
    without wonder wondering wont work working works worse worst would wouldnt year years
    yesterday your youre yours
    actually apply arms benefits body book call cover doctor doctors dosage dose doses drug
    drugs effect effects eyes fine goes group helpful infusion infusions injection injections
    insurance legs meaning medication medications medicine medicines meds mood neck neurologist
    nights normal option options pain pains recommend safe side sides stop stopped stuff support
    symptom symptoms therapy treat treated treating treatment treatments usual worked
    a am an and any are as at be but by can did do for get got had has he her him his how i if
    in is it its me my no not of off on or our out she so the to too two u up us was we who why
    yes yet you
"""
_COMMON_WORDS = frozenset(_COMMON_TEXT.split())
"""Everyday words never typo-matched: a sentence's `still` or `thing` is no typo of a
medicine's name. A run of words with one that no name contains (`droop what`) is skipped too,
which keeps a long question's typo pass short."""


def is_common(word: str) -> bool:
    """An everyday word, never taken for a misspelled name."""
    return word in _COMMON_WORDS


_GRAM_CACHE_SIZE = 20_000
"""Word runs whose typo matches are remembered (then the memory starts again)."""

_NO_NAMES: tuple[list[int], list[str]] = ([], [])
_NOWHERE: frozenset[int] = frozenset()


class How(StrEnum):
    """How a topic was found."""

    EXACT = "exact"
    PHRASE = "phrase"
    TYPO = "typo"
    NONE = "none"


@dataclass(frozen=True)
class Match:
    """The matcher's verdict: a confident topic (maybe of the wrong kind) or suggestions."""

    topic: Topic | None
    score: float
    how: How
    suggestions: tuple[Topic, ...] = ()
    note: Note | None = None
    """Set instead of a topic when the query names something answered with a note."""


@dataclass(frozen=True)
class _Alias:
    compact: str
    spaced: str
    topic: Topic


@dataclass(frozen=True)
class _RunWords:
    """What decides which word runs of a question are worth a typo search."""

    everyday_fits: dict[str, frozenset[int]]
    """Per everyday word found in names: the lengths of a word run holding it that may be a
    misspelling of such a name (`and` only in runs about as long as `physical and
    occupational therapy`)."""
    words: frozenset[str]
    """Every word of every name of several words (only such a name is a run of several)."""
    near_keys: frozenset[int]
    """Those words and their one-letter deletions (hashed, to keep 10,000 topics small): a
    word sharing one is near a name's word."""


_ByKinds = dict[tuple[Kind, ...], tuple[list[str], list[Topic]]]
"""Per kinds of topic: names and their topics, in some order."""


@dataclass(frozen=True)
class _TitleOrder:
    """Topics in the order autocomplete lists them (by title), and each name's topic's place."""

    topics: list[Topic]
    places: array[int]
    """Per name of `_Indexes.sorted_names`, in its order: its topic's place in `topics` (an
    array: 40,000 names' places take 160 KB, not the 4 MB of as many int objects)."""


@dataclass(frozen=True)
class _Indexes:
    """What typos, look-alikes and autocomplete search; an exact name needs none of it."""

    typos: TypoIndex[Topic | Note]
    run_words: _RunWords
    look_alikes: dict[tuple[Kind, ...], dict[str, tuple[list[int], list[str]]]]
    """Per kinds: look-alike names by their first letters (see `Matcher._look_alikes`)."""
    sorted_names: _ByKinds
    """Per kinds: the names in order, for prefix search."""
    by_title: dict[tuple[Kind, ...], _TitleOrder]
    """Per kinds: the topics by title, and where each name of `sorted_names` falls there."""
    word_sorted: _ByKinds
    """Per kinds: the later words of every alias, in order (`immunoglobulin`)."""
    fuzzy_initial: dict[tuple[Kind, ...], dict[str, tuple[list[str], list[Topic]]]]
    """Per kinds: names by their first letter, for autocomplete's look-alikes."""


def _kinds(command: Command) -> tuple[Kind, ...]:
    return KINDS_FOR_COMMAND[command]


def _title_order(topic: Topic) -> tuple[str, str]:
    """How autocomplete orders topics otherwise ranked alike: by title, then id."""
    return topic.title, topic.id


def in_focus(topic: Topic, focus: str | None) -> bool:
    """Whether a topic belongs to a server's focus condition (the condition or its treatments)."""
    return focus is not None and (topic.id == focus or focus in topic.used_for)


class Matcher:
    """Matches queries against every alias of a catalogue; build once, query many times."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._exact: dict[str, Topic] = {}
        aliases: list[_Alias] = []
        for topic in catalog.topics.values():
            for name in dict.fromkeys((topic.id, topic.title, *topic.aliases)):
                spaced = normalise(name)
                key = compact(spaced)
                if key and key not in self._exact:
                    self._exact[key] = topic
                    aliases.append(_Alias(key, spaced, topic))
        self._aliases = tuple(aliases)
        self._gram_hits: dict[str, tuple[tuple[str, int, float, Topic | Note], ...]] = {}
        """Typo matches per word run already looked up (words recur from question to question)."""
        self._suggest_hits: dict[tuple[tuple[Kind, ...], str], tuple[tuple[float, Topic], ...]]
        self._suggest_hits = {}
        """Look-alike names per word run already looked up, the same way."""
        self._notes = {
            compact(normalise(alias)): note for note in catalog.notes for alias in note.aliases
        }
        self._max_words = max((len(a.spaced.split()) for a in aliases), default=1)
        self._name_prefixes = frozenset(
            key[:end] for key in (*self._exact, *self._notes) for end in range(1, len(key) + 1)
        )
        """Every beginning of a name (compact), so a scan stops as soon as none can follow."""
        self._built: _Indexes | None = None
        """Indexes for typos, look-alikes and autocomplete, built on first use (`_indexes`): a
        command answered by an exact name starts without them. `prepare` builds them now."""

    def prepare(self) -> None:
        """Build every index now (a bot does, before its first member waits for one)."""
        _ = self._indexes

    @property
    def _indexes(self) -> _Indexes:
        """The indexes for typos, look-alikes and autocomplete, built on first use."""
        if self._built is None:
            sorted_names = self._build_sorted()  # the title order places these names
            self._built = _Indexes(
                self._build_typos(),
                self._build_run_words(),
                self._build_look_alikes(),
                sorted_names,
                self._build_by_title(sorted_names),
                self._build_word_sorted(),
                self._build_fuzzy_initial(),
            )
        return self._built

    def _named_spellings(self) -> list[tuple[str, str, Topic | Note]]:
        """(spaced, compact, owner) of every name of a topic or a note."""
        named: list[tuple[str, str, Topic | Note]] = [
            (a.spaced, a.compact, a.topic) for a in self._aliases
        ]
        for note in self._catalog.notes:
            for spaced in map(normalise, note.aliases):
                named.append((spaced, compact(spaced), note))
        return named

    def _build_typos(self) -> TypoIndex[Topic | Note]:
        """Names by length and by one-letter deletions, for the typo pass."""
        return TypoIndex([*[(a.compact, a.topic) for a in self._aliases], *self._notes.items()])

    def _build_run_words(self) -> _RunWords:
        """What decides which word runs of a question are worth a typo search."""
        named = self._named_spellings()
        fits: dict[str, set[int]] = {}
        for spaced, key, _owner in named:
            length = len(key)
            for word in _COMMON_WORDS.intersection(spaced.split()):
                fits.setdefault(word, set()).update(
                    run for run in range(length - 3, length + 4) if within_reach(run, length)
                )
        words = frozenset(
            word for spaced, _k, _o in named if " " in spaced for word in spaced.split()
        )
        return _RunWords(
            {word: frozenset(lengths) for word, lengths in fits.items()},
            words,
            frozenset(
                hash(key)
                for word in words
                if len(word) > EXACT_ONLY_CHARS
                for key in (word, *deletions(word))
            ),
        )

    def _fuzzy_names(self, kinds: tuple[Kind, ...]) -> list[_Alias]:
        """Names of topics of `kinds` long enough to be misspelled."""
        return [
            a for a in self._aliases if len(a.compact) > EXACT_ONLY_CHARS and a.topic.kind in kinds
        ]

    def _build_look_alikes(
        self,
    ) -> dict[tuple[Kind, ...], dict[str, tuple[list[int], list[str]]]]:
        """Per kinds: look-alike names by their first letters (see `_look_alikes`).

        Lengths and names, shortest first, by the name's first letter, by its second
        and third letters, and by the first letter of each later word.
        """
        index = {}
        for kinds in set(KINDS_FOR_COMMAND.values()):
            by_key: dict[str, list[_Alias]] = {}
            for a in sorted(self._fuzzy_names(kinds), key=lambda a: len(a.compact)):
                later = {f"w{word[0]}" for word in a.spaced.split()[1:]}
                for key in {f"1{a.compact[0]}", f"2{a.compact[1:3]}", *later}:
                    by_key.setdefault(key, []).append(a)
            index[kinds] = {
                key: ([len(a.compact) for a in found], [a.compact for a in found])
                for key, found in by_key.items()
            }
        return index

    def _build_sorted(self) -> _ByKinds:
        """Per kinds: the names in order, for prefix search."""
        index = {}
        for kinds in set(KINDS_FOR_COMMAND.values()):
            ordered = sorted(self._fuzzy_names(kinds), key=lambda a: a.compact)
            index[kinds] = ([a.compact for a in ordered], [a.topic for a in ordered])
        return index

    def _build_by_title(self, sorted_names: _ByKinds) -> dict[tuple[Kind, ...], _TitleOrder]:
        """Per kinds: the topics by title (then id), and the place of each sorted name's topic."""
        index = {}
        for kinds, (_names, owners) in sorted_names.items():
            topics = sorted({t.id: t for t in owners}.values(), key=_title_order)
            place = {topic.id: number for number, topic in enumerate(topics)}
            index[kinds] = _TitleOrder(topics, array("i", [place[topic.id] for topic in owners]))
        return index

    def _build_word_sorted(self) -> _ByKinds:
        """Per kinds: the later words of every alias, in order, found by prefix while typing.

        "iv immunoglobulin" is found under "immunoglobulin", with thousands of topics too.
        """
        index = {}
        for kinds in set(KINDS_FOR_COMMAND.values()):
            rests = sorted(
                (
                    (" ".join(words[start:]), a.topic)
                    for a in self._aliases
                    if a.topic.kind in kinds
                    for words in (a.spaced.split(),)
                    for start in range(1, len(words))
                ),
                key=lambda rest: rest[0],
            )
            index[kinds] = ([r for r, _ in rests], [t for _, t in rests])
        return index

    def _build_fuzzy_initial(
        self,
    ) -> dict[tuple[Kind, ...], dict[str, tuple[list[str], list[Topic]]]]:
        """Per kinds: names grouped by their first letter, for autocomplete's look-alikes."""
        index = {}
        for kinds in set(KINDS_FOR_COMMAND.values()):
            initial: dict[str, tuple[list[str], list[Topic]]] = {}
            for a in self._fuzzy_names(kinds):
                keys, topics = initial.setdefault(a.compact[0], ([], []))
                keys.append(a.compact)
                topics.append(a.topic)
            index[kinds] = initial
        return index

    # -- matching -------------------------------------------------------------------------

    def match(self, command: Command, query: str) -> Match:
        """Find the topic `query` names, for `command`; never raises on any string."""
        normalised = normalise(query)
        return self.match_normalised(command, normalised)

    def match_normalised(
        self, command: Command, normalised: str, focus: str | None = None, notes: bool = True
    ) -> Match:
        """`match` for a query already passed through `normalise`; `focus` ranks suggestions.

        With `notes=False`, names answered with a note are passed over (a topic named beside
        an MG caution: `zanaflex and cipro`).
        """
        if not normalised:
            return Match(None, 0.0, How.NONE)
        kinds = _kinds(command)
        whole = compact(normalised)
        exact = self._exact.get(whole)
        if exact is not None:
            return Match(exact, 100.0, How.EXACT)

        tokens = normalised.split()[:_MAX_TOKENS]
        names = self._name_runs(tokens)
        note = self._note(names) if notes else None
        if note is not None:
            return Match(None, 100.0, How.PHRASE, note=note)
        phrase = self._phrase(names, kinds)
        if phrase is not None:
            return Match(phrase, 95.0, How.PHRASE)

        runs = self._typo_runs(tokens, self._max_words)
        grams = [gram for _words, gram in runs]
        typo = self._typo(grams, kinds)
        if typo is not None and not notes and isinstance(typo[0], Note):
            typo = None
        if typo is not None:
            found, score = typo
            if isinstance(found, Note):
                return Match(None, score, How.TYPO, note=found)
            return Match(found, score, How.TYPO)
        if len(tokens) > self._max_words:  # a sentence: look-alikes of its words and pairs
            grams = [gram for words, gram in runs if words <= _SUGGEST_RUN_WORDS]
        return Match(None, 0.0, How.NONE, suggestions=self.suggest(grams, kinds, focus))

    def _name_runs(self, tokens: list[str]) -> list[tuple[int, int, str]]:
        """(start, words, compact key) of every word run that is a name of a topic or a note.

        A run is extended only while some name begins with it, so a long question costs a
        lookup or two per word.
        """
        prefixes, exact, notes = self._name_prefixes, self._exact, self._notes
        runs = []
        for start, key in enumerate(tokens):
            if key not in prefixes:
                continue  # most words begin no name
            last = min(len(tokens), start + self._max_words) - 1
            end = start
            while True:
                if key in exact or key in notes:
                    runs.append((start, end - start + 1, key))
                if end == last:
                    break
                end += 1
                key += tokens[end]
                if key not in prefixes:
                    break  # no name starts with these words: a longer run cannot be one
        return runs

    def _note(self, runs: list[tuple[int, int, str]]) -> Note | None:
        """A name answered with a note (`lambert eaton`, `cipro`): the longest, then earliest."""
        found = [(-size, start, key) for start, size, key in runs if key in self._notes]
        return self._notes[min(found)[2]] if found else None

    def _phrase(self, runs: list[tuple[int, int, str]], kinds: tuple[Kind, ...]) -> Topic | None:
        """An alias that appears word for word inside a longer query (`side effects of ivig`)."""
        best: tuple[tuple[int, int, int, int], Topic] | None = None
        for start, size, key in runs:
            topic = self._exact.get(key)
            if topic is None:
                continue
            # allowed kind first, then longer phrases, then treatments (more specific), then
            # the earliest; smaller tuples win.
            rank = (topic.kind not in kinds, -size, topic.kind is not Kind.TREATMENT, start)
            if best is None or rank < best[0]:
                best = (rank, topic)
        return best[1] if best else None

    def _typo_runs(
        self, tokens: list[str], max_words: int, max_chars: int = MAX_QUERY_CHARS
    ) -> list[tuple[int, str]]:
        """(words, compact run) of the word runs worth a typo search, shorter first, each once.

        Not worth it: a run of everyday words only (`still`, `thing`), a run shorter than a
        name open to typos, and a run holding an everyday word that no name of about the
        run's length holds (`droop what`, `eyelid and`).
        """
        common, fits = _COMMON_WORDS, self._indexes.run_words.everyday_fits
        # per word: None for a plain word; else where an everyday word may stand in a run
        # (empty for one in no name: no run goes through it)
        stands = [fits.get(word, _NOWHERE) if word in common else None for word in tokens]
        runs = [
            (0, at, word)
            for at, word in enumerate(tokens)
            if stands[at] is None and EXACT_ONLY_CHARS < len(word) <= max_chars
        ]
        if max_words > 1:
            runs += self._longer_runs(tokens, stands, max_words, max_chars)
        runs.sort()
        found: dict[str, int] = {}
        for size, _start, gram in runs:
            found.setdefault(gram, size + 1)
        return [(words, gram) for gram, words in found.items()]

    def _longer_runs(
        self,
        tokens: list[str],
        stands: list[frozenset[int] | None],
        max_words: int,
        max_chars: int,
    ) -> list[tuple[int, int, str]]:
        """(words - 1, start, compact run) of the runs of several words worth a typo search.

        Only runs around a plain word like a word of a name (`_near_name_word`) are made,
        through no word that is in no name, and each everyday word in them must stand where
        some name of about the run's length has it.
        """
        count = len(tokens)

        def joins(at: int) -> bool:  # a run may go through this word
            return stands[at] is None or bool(stands[at])

        centres = [
            at
            for at, word in enumerate(tokens)
            if stands[at] is None
            and ((at > 0 and joins(at - 1)) or (at + 1 < count and joins(at + 1)))
            and self._near_name_word(word)
        ]
        spans: set[tuple[int, int]] = set()
        runs: list[tuple[int, int, str]] = []
        for centre in centres:
            for start in range(centre, max(-1, centre - max_words), -1):
                if start < centre and not joins(start):
                    break
                for end in range(max(centre, start + 1), min(count, start + max_words)):
                    if end > centre and not joins(end):
                        break
                    gram = "".join(tokens[start : end + 1])
                    if len(gram) > max_chars:
                        break
                    if (start, end) in spans or len(gram) <= EXACT_ONLY_CHARS:
                        continue
                    spans.add((start, end))
                    held = [lengths for lengths in stands[start : end + 1] if lengths is not None]
                    if all(len(gram) in lengths for lengths in held):
                        runs.append((end - start, start, gram))
        return runs

    def _near_name_word(self, word: str) -> bool:
        """Whether `word` is like a word of some name: it, or one typo from one, or the start.

        The start counts for a short word (`sc` of `sc gi`); one typo is `persn` for `person`.

        A run of several words within the typo allowance of a name (three at most) has at
        most one word two or more typos away from the name's words, so another word of it
        is this near.
        """
        if word in self._indexes.run_words.words:
            return True
        if len(word) <= EXACT_ONLY_CHARS:  # a piece of a name split by a space (`sc gi`)?
            return len(word) > 1 and word in self._name_prefixes
        keys = self._indexes.run_words.near_keys
        return hash(word) in keys or any(hash(key) in keys for key in deletions(word))

    def _typo_candidates(self, grams: list[str]) -> dict[str, tuple[int, float, Topic | Note]]:
        """Every topic or note within the typo allowance of some gram, at its best distance.

        Of equally distant names, the best score is kept (the same whatever order names are
        found in).
        """
        found: dict[str, tuple[int, float, Topic | Note]] = {}
        for gram in grams:
            hits = self._gram_hits.get(gram)
            if hits is None:
                if len(self._gram_hits) >= _GRAM_CACHE_SIZE:
                    self._gram_hits.clear()
                hits = self._gram_hits[gram] = self._typo_hits(gram)
            for key, distance, score, owner in hits:
                previous = found.get(key)
                if previous is None or (distance, -score) < (previous[0], -previous[1]):
                    found[key] = (distance, score, owner)
        return found

    def _typo_hits(self, gram: str) -> tuple[tuple[str, int, float, Topic | Note], ...]:
        """(key, distance, score, owner) of the names within one gram's typo allowance."""
        found = []
        for name, distance, owner in self._indexes.typos.hits(gram):
            key = owner.id if isinstance(owner, Topic) else f"note:{owner.name}"
            score = 100.0 * (1 - distance / max(len(gram), len(name)))
            found.append((key, distance, score, owner))
        return tuple(found)

    def _typo(self, grams: list[str], kinds: tuple[Kind, ...]) -> tuple[Topic | Note, float] | None:
        """The topic (or note) closest to some gram within the typo allowance, preferring `kinds`.

        None when nothing is close enough, or when two topics are equally close.
        """
        found = self._typo_candidates(grams)
        allowed = [
            hit for hit in found.values() if hit[2].kind in kinds or isinstance(hit[2], Note)
        ]
        candidates = allowed or list(found.values())  # else: a topic of the wrong kind
        if not candidates:
            return None
        ranked = sorted(candidates, key=lambda hit: (hit[0], -hit[1]))
        if len(ranked) > 1 and ranked[1][0] == ranked[0][0]:
            return None  # two topics equally close: ask rather than guess
        _, score, owner = ranked[0]
        return owner, round(score, 1)

    def named(self, normalised: str, typos: bool = True) -> tuple[list[Topic], list[Note]]:
        """Every topic and note a query names anywhere (`zanaflex and cipro`), in query order.

        Word runs that are an alias count; with `typos`, so do runs within the typo allowance.
        """
        tokens = normalised.split()[:_MAX_NAMED_TOKENS]
        topics: dict[str, Topic] = {}
        notes: dict[str, Note] = {}
        # the longest name at a position first
        for _start, _size, key in sorted(self._name_runs(tokens), key=lambda r: (r[0], -r[1])):
            topic, note = self._exact.get(key), self._notes.get(key)
            if topic is not None:
                topics.setdefault(topic.id, topic)
            if note is not None:
                notes.setdefault(note.name, note)
        if typos:
            self._add_typos(tokens, topics, notes)
        return list(topics.values()), list(notes.values())

    def named_with_typos(self, normalised: str) -> tuple[list[Topic], list[Note]]:
        """Only what `named` adds with typos: the names within the typo allowance."""
        topics: dict[str, Topic] = {}
        notes: dict[str, Note] = {}
        self._add_typos(normalised.split()[:_MAX_NAMED_TOKENS], topics, notes)
        return list(topics.values()), list(notes.values())

    def _add_typos(
        self, tokens: list[str], topics: dict[str, Topic], notes: dict[str, Note]
    ) -> None:
        """Add the names within the typo allowance of the question's one- and two-word runs."""
        runs = self._typo_runs(tokens[: 2 * _MAX_TOKENS], 2, _MAX_NAMED_GRAM_CHARS)
        grams = [gram for _words, gram in runs]
        for _distance, _score, owner in self._typo_candidates(grams).values():
            if isinstance(owner, Topic):
                topics.setdefault(owner.id, owner)
            else:
                notes.setdefault(owner.name, owner)

    def suggest(
        self, grams: Iterable[str], kinds: tuple[Kind, ...], focus: str | None = None
    ) -> tuple[Topic, ...]:
        """Up to three topics that look like the query, best first ("did you mean ...").

        Topics of the focus condition come before the others.
        """
        best: dict[str, tuple[float, Topic]] = {}
        for gram in grams:
            if len(gram) <= EXACT_ONLY_CHARS:
                continue
            for score, topic in self._look_alike_hits(kinds, gram):
                if score > best.get(topic.id, (0.0, topic))[0]:
                    best[topic.id] = (score, topic)
        ranked = sorted(
            best.values(), key=lambda hit: (not in_focus(hit[1], focus), -hit[0], hit[1].title)
        )
        return tuple(topic for _, topic in ranked[:MAX_SUGGESTIONS])

    def _look_alike_hits(
        self, kinds: tuple[Kind, ...], gram: str
    ) -> tuple[tuple[float, Topic], ...]:
        """(score, topic) of every name one word run looks like (remembered, as typo hits)."""
        key = (kinds, gram)
        hits = self._suggest_hits.get(key)
        if hits is None:
            if len(self._suggest_hits) >= _GRAM_CACHE_SIZE:
                self._suggest_hits.clear()
            exact = self._exact  # a look-alike is a topic's own name (`_fuzzy_names`)
            found = [
                (score, exact[alias])
                for alias, score, _number in process.extract(
                    gram,
                    self._look_alikes(kinds, gram),
                    scorer=fuzz.ratio,
                    score_cutoff=SUGGEST_SCORE,
                    limit=None,
                )
            ]
            prefixed = [(_PREFIX_SCORE, topic) for topic in self._prefixed(gram, kinds)]
            hits = self._suggest_hits[key] = (*found, *prefixed)
        return hits

    def forget(self) -> None:
        """Empty the memory of word runs already looked up (benchmarks time the cold path)."""
        self._gram_hits.clear()
        self._suggest_hits.clear()

    def _look_alikes(self, kinds: tuple[Kind, ...], gram: str) -> list[str]:
        """The names a word run may be offered as "did you mean".

        A name qualifies when it starts with one of the run's first two letters (`irtux` for
        `ritux`, `giiv` for `ivig`), when its second and third letters are the run's first or
        second pair (`otox` and `dotox` for `botox`), or when a later word of it starts like
        the run (`pump` for `itb pump`); `migraine` no longer suggests `tiagabine`. Only names
        whose length allows the suggestion score are returned; a name may come twice.
        """
        index = self._indexes.look_alikes[kinds]
        keys = {f"1{gram[0]}", f"1{gram[1]}", f"2{gram[1:3]}", f"2{gram[:2]}", f"w{gram[0]}"}
        # fuzz.ratio is at most 200 * shorter / (sum of lengths): lengths out of reach are skipped
        shortest = len(gram) * SUGGEST_SCORE / (200 - SUGGEST_SCORE)
        longest = len(gram) * (200 - SUGGEST_SCORE) / SUGGEST_SCORE
        choices: list[str] = []
        for key in keys:
            lengths, names = index.get(key, _NO_NAMES)
            low = bisect.bisect_left(lengths, shortest)
            choices += names[low : bisect.bisect_right(lengths, longest, low)]
        return choices

    def _prefixed(self, prefix: str, kinds: tuple[Kind, ...]) -> list[Topic]:
        """Topics with an alias that starts with `prefix` (compact), by binary search."""
        start, end = self._prefix_range(prefix, kinds)
        return self._indexes.sorted_names[kinds][1][start:end]

    def _prefix_range(self, prefix: str, kinds: tuple[Kind, ...]) -> tuple[int, int]:
        """Where the names that start with `prefix` (compact) lie in `sorted_names`."""
        names = self._indexes.sorted_names[kinds][0]
        start = bisect.bisect_left(names, prefix)
        return start, bisect.bisect_left(names, prefix + "\U0010ffff", start)

    # -- autocomplete ---------------------------------------------------------------------

    def autocomplete(
        self,
        command: Command,
        partial: str,
        limit: int = MAX_AUTOCOMPLETE,
        focus: str | None = None,
    ) -> list[tuple[str, str]]:
        """Up to `limit` (title, topic id) choices for what has been typed so far, best first.

        Exact, then prefix, then word-prefix, then fuzzy matches; within each, the focus
        condition's topics first.
        """
        kinds = _kinds(command)
        typed = normalise(partial)
        if not typed:
            return [(t.title, t.id) for t in self.default_choices(command, focus)[:limit]]
        key = compact(typed)
        ranks: dict[str, tuple[float, Topic]] = {}

        def offer(rank: float, topic: Topic) -> None:
            if topic.id not in ranks or rank < ranks[topic.id][0]:
                ranks[topic.id] = (rank, topic)

        exact = self._exact.get(key)
        if exact is not None and exact.kind not in kinds:
            exact = None
        span = self._prefix_range(key, kinds)
        if span[1] - span[0] > limit:
            many = self._first_by_title(kinds, span, exact, limit, focus)
            if many is not None:  # only prefix matches can be offered: no need to rank each
                return [(topic.title, topic.id) for topic in many]
        if exact is not None:
            offer(0, exact)
        for topic in self._indexes.sorted_names[kinds][1][span[0] : span[1]]:
            offer(1, topic)
        # later words of an alias ("immuno" finds "iv immunoglobulin"), and then look-alikes,
        # only while better matches leave room: ranks never mix across these groups
        if len(ranks) < limit:
            names, owners = self._indexes.word_sorted[kinds]
            start = bisect.bisect_left(names, typed)
            end = bisect.bisect_left(names, typed + "\U0010ffff", start)
            for topic in owners[start:end]:
                offer(2, topic)
        if len(ranks) < limit and len(key) > EXACT_ONLY_CHARS - 1:
            choices, owners = self._indexes.fuzzy_initial[kinds].get(key[0], ([], []))
            for _alias, score, index in process.extract(
                key, choices, scorer=fuzz.partial_ratio, score_cutoff=75, limit=50
            ):
                offer(3 + (100 - score) / 100, owners[index])
        ranked = sorted(
            ranks.values(),
            key=lambda entry: (
                int(entry[0]),
                not in_focus(entry[1], focus),
                entry[0],
                *_title_order(entry[1]),
            ),
        )
        return [(topic.title, topic.id) for _, topic in ranked[:limit]]

    def _first_by_title(
        self,
        kinds: tuple[Kind, ...],
        span: tuple[int, int],
        exact: Topic | None,
        limit: int,
        focus: str | None,
    ) -> list[Topic] | None:
        """The choices when more than `limit` topics have a name in `span` (of sorted names).

        The exact name's topic, then the focus condition's topics, then the rest, by title:
        what ranking every one of them gives, without ranking thousands (a first letter with
        10,000 topics). None when `span` holds `limit` topics or fewer.
        """
        order = self._indexes.by_title[kinds]
        places = sorted(set(order.places[span[0] : span[1]]))
        if len(places) <= limit:
            return None
        found = [order.topics[place] for place in places]
        first = [topic for topic in found if in_focus(topic, focus)] if focus else []
        chosen = [exact] if exact is not None else []
        seen = {topic.id for topic in chosen}
        for topic in chain(first, found):
            if len(chosen) == limit:
                break
            if topic.id not in seen:
                seen.add(topic.id)
                chosen.append(topic)
        return chosen

    def default_choices(self, command: Command, focus: str | None = None) -> tuple[Topic, ...]:
        """Topics to offer before anything is typed.

        The focus condition's topics first, then conditions, then the treatments used for the
        most conditions.
        """
        topics = self._catalog.of_kind(*_kinds(command))
        return tuple(
            sorted(
                topics,
                key=lambda t: (
                    not in_focus(t, focus),
                    t.kind is not Kind.CONDITION,
                    -len(t.used_for),
                    t.title,
                ),
            )
        )
