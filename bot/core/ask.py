"""/ask: a member's question in their own words, answered with the part of a snippet that fits.

Deterministic and explainable, all in process:
1. the matcher finds every topic the question names (aliases, brand names, typos);
2. the curators' cue phrases (content/ask_cues.yaml) choose the kind of answer (treatment,
   side effects or resistance), and the kind picks which named topic answers;
3. BM25 over the snippet's sections (heading, text and curators' example questions) picks the
   part to lead with. A question that names no topic but describes one condition's symptoms
   (content/ask_cues.yaml) is answered about that condition; anything else is "not covered".

`Asker.route` returns the whole reasoning (`python -m bot explain` prints it); `Asker.ask`
turns it into an Answer through the same AnswerService as the other commands, so warning signs,
interaction notes, cautions and look-alikes work exactly as they do there.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.answers import Answer, AnswerService
from bot.core.catalog import KINDS_FOR_COMMAND, Catalog, Command, Kind, Topic
from bot.core.cues import Question
from bot.core.matcher import How, Match, is_common
from bot.core.normalize import normalise
from bot.core.phrases import PhraseIndex
from bot.core.sections import Section

ASK_MAX_CHARS = 200
"""Longest question /ask reads (Discord's option limit for it)."""
KIND_ORDER = (Command.RESISTANCE, Command.SIDEEFFECTS, Command.TREATMENT)
"""Which kind wins a tie of cue points: the more specific question first."""
KIND_WEIGHTS = {Command.RESISTANCE: 3, Command.SIDEEFFECTS: 2, Command.TREATMENT: 1}
"""Points one cue phrase of each kind is worth: "what is" is common, "refractory" is not."""
BM25_K1 = 1.2
BM25_B = 0.75
HEADING_WEIGHT = 2
"""A section's heading and example questions count this many times its text's words."""
MIN_SECTION_SCORE = 1.0
"""Below this, no one part fits well enough to lead with; the whole answer leads."""
MAX_SUGGEST_WORDS = 24
"""Words of an unplaced question whose look-alikes are offered as topics."""
MIN_KIND_SCORE = 3.0
"""With no cue phrase, a section must score this much to choose the kind of answer."""

_STOPWORD_TEXT = """
    a about am an and any are as at be been being but by did do does doing for from get
    gets had has have having he her hers him his i id if im in into is it its ive just me
    my myself of on or our ours she so some such than that thats the their them then there
    these they this those to too very was we were which while who whom will with would you
    your yours anyone someone know tell question questions please thanks thank hi hello ok
    okay really need want
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""Words too common to tell sections apart ("what", "how", "why" and "not" stay: headings such
as "What it is" and "How it is given" answer exactly those)."""


def stem(word: str) -> str:
    """A light English stem, enough to meet `tests` with `test` and `infusions` with `infusion`."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + keep
    return word


def terms(text: str) -> list[str]:
    """The searchable words of a text: normalised, without stopwords, stemmed."""
    return [stem(w) for w in normalise(text, limit=None).split() if w not in STOPWORDS]


_MARKUP = re.compile(r"\*\*|__|`")


@dataclass(frozen=True)
class _Part:
    topic: str
    command: Command
    index: int
    section: Section
    counts: Counter[str]
    length: int


@dataclass(frozen=True)
class SectionScore:
    """One section's score for a question (for `explain`)."""

    topic: str
    command: Command
    heading: str | None
    score: float


@dataclass(frozen=True)
class Route:
    """Why /ask answers a question the way it does."""

    question: str
    named: tuple[tuple[str, str], ...]
    """Topics the question names, in order, with how each was found (exact or typo)."""
    kind_points: tuple[tuple[Command, int], ...]
    kind_words: tuple[tuple[Command, str], ...]
    """The cue phrases found, with the kind each counts for."""
    command: Command
    topic: str | None
    why_topic: str
    sections: tuple[SectionScore, ...]
    """The chosen snippet's sections (or, with no topic named, the best of all), best first."""
    section: int | None
    """Index of the part to lead with in the chosen snippet, or None."""


class Asker:
    """Answers free questions; build once per catalogue (like AnswerService), ask many times."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service
        self.catalog: Catalog = service.catalog
        entries = [
            (phrase, index)
            for index, command in enumerate(Command)
            for phrase in self.catalog.ask_cues.get(command, ())
        ]
        self._cue_phrases = [phrase for phrase, _ in entries]
        self._cue_commands = [
            command for command in Command for _ in self.catalog.ask_cues.get(command, ())
        ]
        vocabulary = service.vocabulary
        self._cues = PhraseIndex(((phrase, n) for n, (phrase, _) in enumerate(entries)), vocabulary)
        symptoms = [
            (condition, phrase)
            for condition, phrases in self.catalog.ask_symptoms.items()
            for phrase in phrases
        ]
        self._symptom_owner = [condition for condition, _ in symptoms]
        self._symptoms = PhraseIndex(
            ((phrase, n) for n, (_, phrase) in enumerate(symptoms)), vocabulary
        )
        self._parts: list[_Part] = []
        for topic in self.catalog.topics.values():
            for command, snippet in topic.snippets.items():
                for index, section in enumerate(snippet.sections):
                    words = terms(_MARKUP.sub(" ", section.text))
                    weighted = terms(" ".join((section.heading or "", *section.examples)))
                    counts = Counter(words + weighted * HEADING_WEIGHT)
                    self._parts.append(
                        _Part(topic.id, command, index, section, counts, sum(counts.values()))
                    )
        self._by_topic: dict[str, list[_Part]] = {}
        for part in self._parts:
            self._by_topic.setdefault(part.topic, []).append(part)
        total = len(self._parts) or 1
        self._average = sum(p.length for p in self._parts) / total
        frequency: Counter[str] = Counter()
        for part in self._parts:
            frequency.update(part.counts.keys())
        self._idf = {
            term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in frequency.items()
        }
        self._alias_terms = {
            topic.id: frozenset(
                term for name in (topic.id, topic.title, *topic.aliases) for term in terms(name)
            )
            for topic in self.catalog.topics.values()
        }

    # -- reasoning ---------------------------------------------------------------------------

    def route(
        self, question: str, focus: str | None = None, reading: Question | None = None
    ) -> Route:
        """Work out topic, kind of answer and section for `question`, with the reasons."""
        reading = reading or self.service.reading(question[:ASK_MAX_CHARS])
        read = reading.normalised
        words = reading.words
        named = self._named(reading)
        points, found = self._kind_points(words)
        command = Command.TREATMENT
        if points:
            command = max(KIND_ORDER, key=lambda c: (points.get(c, 0), -KIND_ORDER.index(c)))
        topics = [self.catalog.topics[topic_id] for topic_id, _ in named]
        query_terms = terms(read)
        if not points and topics:
            command = self._kind_by_sections(topics, query_terms)
        topic, command, why = self._choose(topics, command, focus)
        if topic is None:
            condition = self._by_symptoms(words)
            if condition is None:
                return Route(
                    read,
                    tuple(named),
                    _sorted_points(points),
                    tuple(found),
                    command,
                    None,
                    why,
                    (),
                    None,
                )
            topic = self.catalog.topics[condition]
            why = f"no topic named; symptoms of {condition} described"
            if command not in topic.snippets:
                command = Command.TREATMENT
        own = self._alias_terms.get(topic.id, frozenset())
        others = [t.id for t in topics if t.id != topic.id]  # "lyrica for sps": the In SPS part
        scores = self._rank(topic.id, command, [t for t in query_terms if t not in own] + others)
        index = None
        if scores and scores[0].score >= MIN_SECTION_SCORE:
            index = self._index_of(scores[0])
        return Route(
            read,
            tuple(named),
            _sorted_points(points),
            tuple(found),
            command,
            topic.id,
            why,
            tuple(scores),
            index,
        )

    def ask(self, question: str, focus: str | None = None) -> Answer:
        """Answer `question`: the chosen snippet, leading with the part that fits."""
        question = question[:ASK_MAX_CHARS]
        reading = self.service.reading(question)
        route = self.route(question, focus, reading)
        answer = self.service.ask(
            route.command,
            question,
            focus,
            match=self._match(route, reading, focus),
            question=reading,
        )
        answer = replace(answer, asked=True)
        if route.topic is None or route.section is None or not answer.topic:
            return answer
        snippet = self.catalog.topics[route.topic].snippets.get(route.command)
        if snippet is None or answer.topic != route.topic:
            return answer
        part = snippet.sections[route.section]
        return replace(
            answer,
            section=part.heading,
            passage=part.text,
            passage_sources=self.service.sources_for(part.sources),
        )

    # -- steps -------------------------------------------------------------------------------

    def _match(self, route: Route, reading: Question, focus: str | None) -> Match:
        """The matcher's verdict from what routing found (no second pass over the question)."""
        if route.topic is not None:
            return Match(self.catalog.topics[route.topic], 100.0, How.EXACT)
        if reading.exact_notes:
            return Match(None, 100.0, How.PHRASE, note=reading.exact_notes[0])
        matcher = self.service.matcher
        words = [w for w in reading.words[:MAX_SUGGEST_WORDS] if not is_common(w)]
        kinds = KINDS_FOR_COMMAND[route.command]
        return Match(None, 0.0, How.NONE, suggestions=matcher.suggest(words, kinds, focus))

    def _named(self, reading: Question) -> list[tuple[str, str]]:
        exact = reading.named(typos=False)
        every = reading.named(typos=True)
        exact_ids = {t.id for t in exact}
        units = _dose_units(reading.normalised)
        named = [
            (t.id, "exact" if t.id in exact_ids else "typo")
            for t in [*exact, *every]
            if t.id not in units
        ]
        return list(dict.fromkeys(named))

    def _kind_points(
        self, words: Sequence[str]
    ) -> tuple[dict[Command, int], list[tuple[Command, str]]]:
        points: dict[Command, int] = {}
        found: list[tuple[Command, str]] = []
        for n in sorted(set(self._cues.owners(words))):
            command = self._cue_commands[n]
            points[command] = points.get(command, 0) + KIND_WEIGHTS[command]
            found.append((command, self._cue_phrases[n].source))
        return points, found

    def _choose(
        self, topics: list[Topic], command: Command, focus: str | None
    ) -> tuple[Topic | None, Command, str]:
        """The topic that answers, and the kind (changed only when no named topic has it)."""
        if not topics:
            return None, command, "no topic named"
        conditions = [t for t in topics if t.kind is Kind.CONDITION]
        treatments = [t for t in topics if t.kind is not Kind.CONDITION]
        if command is Command.RESISTANCE:
            if conditions:
                return conditions[0], command, "resistance asked about a named condition"
            for treatment in treatments:
                condition = _condition_of(treatment, focus)
                if condition is not None:
                    return (
                        self.catalog.topics[condition],
                        command,
                        f"resistance asked about {treatment.id}, used for {condition}",
                    )
            return treatments[0], Command.TREATMENT, "resistance asked, but no condition named"
        if treatments:
            return treatments[0], command, "the first treatment named"
        return conditions[0], command, "the condition named"

    def _by_symptoms(self, words: Sequence[str]) -> str | None:
        """The one condition whose symptoms the question describes, or None."""
        found = {self._symptom_owner[n] for n in self._symptoms.owners(words)}
        return found.pop() if len(found) == 1 else None

    def _kind_by_sections(self, topics: list[Topic], query: Sequence[str]) -> Command:
        """With no cue phrase found: the kind of the named topics' best fitting section."""
        best: tuple[float, Command] = (0.0, Command.TREATMENT)
        for topic in topics:
            own = self._alias_terms.get(topic.id, frozenset())
            rest = [t for t in query if t not in own]
            for part in self._by_topic.get(topic.id, ()):
                score = self._scores(part, rest)
                if score > best[0]:
                    best = (score, part.command)
        return best[1] if best[0] >= MIN_KIND_SCORE else Command.TREATMENT

    def _scores(self, part: _Part, query: Sequence[str]) -> float:
        score = 0.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * part.length / (self._average or 1))
        for term in query:
            tf = part.counts.get(term, 0)
            if tf:
                score += self._idf.get(term, 0.0) * tf * (BM25_K1 + 1) / (tf + norm)
        return score

    def _rank(self, topic_id: str, command: Command, query: Sequence[str]) -> list[SectionScore]:
        parts = [p for p in self._by_topic.get(topic_id, ()) if p.command is command]
        scored = [
            SectionScore(p.topic, p.command, p.section.heading, round(self._scores(p, query), 2))
            for p in parts
        ]
        return sorted(scored, key=lambda s: -s.score)

    def _index_of(self, score: SectionScore) -> int | None:
        snippet = self.catalog.topics[score.topic].snippets[score.command]
        for index, section in enumerate(snippet.sections):
            if section.heading == score.heading:
                return index
        return None


def _sorted_points(points: dict[Command, int]) -> tuple[tuple[Command, int], ...]:
    return tuple(sorted(points.items(), key=lambda item: -item[1]))


def _condition_of(treatment: Topic, focus: str | None) -> str | None:
    """The condition a treatment's resistance question is about, when it can be told."""
    if len(treatment.used_for) == 1:
        return treatment.used_for[0]
    if focus is not None and focus in treatment.used_for:
        return focus
    return None


_DOSE = re.compile(r"\b\d+(?:[.,]\d+)?\s?(mg|mcg|ml|g)\b")


def _dose_units(read: str) -> frozenset[str]:
    """Topic ids that are only a dose unit here (`500 mg` is not myasthenia gravis)."""
    units = {m.group(1) for m in _DOSE.finditer(read)}
    if "mg" in units and "mg" not in _DOSE.sub(" ", read).split():
        return frozenset({"mg"})
    return frozenset()
