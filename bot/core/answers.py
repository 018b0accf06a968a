"""Platform-neutral answers: what to tell a member, for any front end to render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bot.core.catalog import (
    GENERAL_DISCLAIMER,
    KINDS_FOR_COMMAND,
    Catalog,
    Command,
    Interaction,
    Kind,
    Level,
    Note,
    NoteKind,
    Source,
    Topic,
    WarningSign,
)
from bot.core.cues import Question
from bot.core.interactions import InteractionReader
from bot.core.matcher import Match, Matcher
from bot.core.normalize import MAX_QUERY_CHARS, normalise, printable
from bot.core.phrases import Vocabulary
from bot.core.warning_signs import SignReader
from bot.errors import BotError

COMMAND_HELP: dict[Command, str] = {
    Command.TREATMENT: "treatment overview for a condition or a treatment",
    Command.SIDEEFFECTS: "side effects and warning signs of a treatment",
    Command.RESISTANCE: "what treatment resistance means for a condition",
}


class UnknownCommandError(BotError, ValueError):
    """A command name that is not one of the bot's commands."""

    def __init__(self, name: str) -> None:
        self.name = name
        listed = ", ".join(f"/{c.value}" for c in Command)
        super().__init__(f"Unknown command '{name}'. Commands: {listed}.")


def parse_command(name: str) -> Command:
    """Accept `treatment`, `/Treatment`, `side-effects`, `side effects`; raise otherwise."""
    key = "".join(ch for ch in name.strip().casefold() if ch.isalnum())
    aliases = {"sideeffect": Command.SIDEEFFECTS, "effects": Command.SIDEEFFECTS}
    try:
        return Command(key)
    except ValueError:
        if key in aliases:
            return aliases[key]
        raise UnknownCommandError(name.strip()[:40]) from None


class Status(StrEnum):
    """What kind of answer this is."""

    ANSWER = "answer"
    """A snippet about the topic asked for."""
    WRONG_KIND = "wrong_kind"
    """The topic exists but the command does not apply to it; suggestions point the way."""
    NO_MATCH = "no_match"
    """Nothing matched confidently; maybe suggestions."""
    TOPIC_LIST = "topic_list"
    """An empty query: the topics this command covers."""
    OUT_OF_SCOPE = "out_of_scope"
    """A condition the bot does not cover; a note says so, with its source."""
    MG_CAUTION = "mg_caution"
    """A medicine that is not covered as a treatment but can worsen MG; a note says so."""
    INTERACTION = "interaction"
    """A medicine named only in an interaction note (`fluvoxamine`); the note answers."""

    @property
    def is_note(self) -> bool:
        """The body is a note (its text in `message`) rather than a topic's snippet."""
        return self in (Status.OUT_OF_SCOPE, Status.MG_CAUTION, Status.INTERACTION)

    @property
    def shows_snippet(self) -> bool:
        """Shown as a titled text with sources and a disclaimer: a snippet or a note."""
        return self is Status.ANSWER or self.is_note

    @property
    def offers_suggestions(self) -> bool:
        """Its suggestions are offered to pick from (buttons on Discord)."""
        return self in (Status.NO_MATCH, Status.WRONG_KIND)

    @property
    def lists_suggestions(self) -> bool:
        """Its suggestions are listed by title under the lead (what to ask about instead)."""
        return self in (Status.WRONG_KIND, Status.TOPIC_LIST)


@dataclass(frozen=True)
class SourceRef:
    """A source as shown under an answer."""

    id: str
    title: str
    url: str
    kind: str = "other"
    primary: bool = False


@dataclass(frozen=True)
class WarningRef:
    """A warning sign as shown before an answer."""

    id: str
    level: Level
    means: str
    do: str
    sources: tuple[SourceRef, ...]

    @property
    def text(self) -> str:
        """What it may mean, then what to do."""
        return f"{self.means} {self.do}"


@dataclass(frozen=True)
class NoteRef:
    """A note shown beside an answer: an interaction, or an MG caution."""

    kind: str
    name: str
    text: str
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class TopicRef:
    """A topic offered to the member (a suggestion or a list entry)."""

    id: str
    title: str
    kind: str


@dataclass(frozen=True)
class Answer:
    """Everything a front end needs to show one reply; it formats nothing itself."""

    command: Command
    query: str
    status: Status
    topic: str | None = None
    kind: str | None = None
    title: str | None = None
    text: str | None = None
    message: str | None = None
    """A note's text (note statuses); for the others, the whole sentence for `ask --json`.

    Front ends render a pointer's `lead` and `hint` instead of taking this sentence apart."""
    sources: tuple[SourceRef, ...] = ()
    disclaimer: str | None = None
    reviewed: date | None = None
    score: float = 0.0
    suggestions: tuple[TopicRef, ...] = ()
    emergency: str | None = None
    """The emergency notice, when any warning sign of the question is an emergency."""
    warnings: tuple[WarningRef, ...] = ()
    """Warning signs the question raises, most urgent first; shown before everything else."""
    notes: tuple[NoteRef, ...] = ()
    """Interaction notes and MG cautions that apply beside the answer; shown before it."""
    lead: str | None = None
    """The sentence before the suggestions: "Did you mean one of these?", why the topic does
    not fit the command, or what the command covers. None when nothing is suggested."""
    hint: str | None = None
    """When nothing matched and nothing is suggested: what to try instead, naming the conditions
    covered (from content). It ends without a full stop, so a front end may add a pointer."""
    asked: bool = False
    """True for /ask, where `command` is the kind of answer it chose for the question."""
    section: str | None = None
    """/ask: the heading of the part of the snippet shown first (None: no one part fits)."""
    passage: str | None = None
    """/ask: the text of that part."""
    passage_sources: tuple[SourceRef, ...] = ()
    """/ask: the part's own sources, shown with it (the snippet's sources follow)."""

    @property
    def body(self) -> str:
        """What a snippet status shows under its title: the snippet's or the note's text."""
        return self.text or self.message or ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the `ask --json` shape)."""
        return {
            "command": "ask" if self.asked else self.command.value,
            "answered_command": self.command.value,
            "section": self.section,
            "passage": self.passage,
            "query": self.query,
            "status": self.status.value,
            "topic": self.topic,
            "kind": self.kind,
            "score": self.score,
            "title": self.title,
            "text": self.text,
            "message": self.message,
            "lead": self.lead,
            "hint": self.hint,
            "sources": [_source_dict(s) for s in self.sources],
            "disclaimer": self.disclaimer,
            "reviewed": self.reviewed.isoformat() if self.reviewed else None,
            "suggestions": [s.id for s in self.suggestions],
            "suggestion_titles": [s.title for s in self.suggestions],
            "emergency": self.emergency,
            "warnings": [
                {
                    "id": w.id,
                    "level": w.level.value,
                    "text": w.text,
                    "sources": [_source_dict(s) for s in w.sources],
                }
                for w in self.warnings
            ],
            "notes": [
                {
                    "kind": n.kind,
                    "name": n.name,
                    "text": n.text,
                    "sources": [_source_dict(s) for s in n.sources],
                }
                for n in self.notes
            ],
        }


def _source_dict(source: SourceRef) -> dict[str, str]:
    return {"id": source.id, "title": source.title, "url": source.url, "kind": source.kind}


def _ref(topic: Topic) -> TopicRef:
    return TopicRef(topic.id, topic.title, topic.kind.value)


RECENT_ANSWERS = 2048
"""Answers remembered by (command, query as typed, focus); then the memory starts again."""
READ_CHARS = 500
"""Characters of a question read for warning signs and combinations (topics: the first 100)."""


@dataclass(frozen=True)
class _Reading:
    """What reading the whole question adds to any answer: notes, warning signs, emergency."""

    notes: tuple[NoteRef, ...]
    warnings: tuple[WarningRef, ...]
    emergency: str | None

    def fields(self) -> dict[str, Any]:
        """As keyword arguments of `Answer`."""
        return {"notes": self.notes, "warnings": self.warnings, "emergency": self.emergency}


class AnswerService:
    """The core's front door: ask a command about a query, get an Answer."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.matcher = Matcher(catalog)
        self.vocabulary = Vocabulary()
        """Every word and stem of the content's phrases, shared by all who read a question."""
        self.signs = SignReader(catalog, self.vocabulary)
        self.interactions = InteractionReader(catalog, self.vocabulary)
        self._source_refs: dict[tuple[str, ...], tuple[SourceRef, ...]] = {}
        self._recent: dict[tuple[Command, str, str | None], Answer] = {}
        conditions = catalog.condition_names()
        self.hint = (
            f"Try a condition ({conditions}) or a treatment name"
            if conditions
            else "Try a treatment name"
        )

    def ask(
        self,
        command: Command,
        query: str,
        focus: str | None = None,
        match: Match | None = None,
        question: Question | None = None,
    ) -> Answer:
        """Answer `command` for `query`; any string gives an Answer, never an exception.

        The whole query is read for warning signs (shown first), for interaction notes and MG
        cautions (shown before the answer), and for the topic it is about. `focus` (a condition
        id) ranks that condition's topics first among suggestions. `match` is the matcher's
        verdict when the caller already has it (/ask chose the topic itself); the query is still
        read for warning signs, interactions and cautions. `question` is the query already read
        (`reading`), so what was worked out about it is not worked out twice.

        Answers depend on nothing but the catalogue and these arguments, so the most recent
        ones are remembered: a popular question (`sps`, `ivig`) is answered from memory.
        """
        if match is not None or question is not None:
            return self._ask(command, query, focus, match, question)
        key = (command, query, focus)
        answer = self._recent.get(key)
        if answer is None:
            if len(self._recent) >= RECENT_ANSWERS:
                self._recent.clear()
            answer = self._recent[key] = self._ask(command, query, focus, None, None)
        return answer

    def _ask(
        self,
        command: Command,
        query: str,
        focus: str | None,
        match: Match | None,
        question: Question | None,
    ) -> Answer:
        read = question.normalised if question is not None else normalise(query, READ_CHARS)
        normalised = read[:MAX_QUERY_CHARS].rstrip()  # what normalise(query) gives, read once
        shown_query = printable(query)
        if not normalised:
            return self._topic_list(command, shown_query)
        question = question or Question(read, self.matcher)
        interactions = self.interactions.fitting(question)
        if match is None:
            match = self.matcher.match_normalised(command, normalised, focus)
        cautions: list[Note] = []
        if match.note is not None and match.note.kind is NoteKind.MG_CAUTION:
            # a covered treatment named beside the caution is answered, the caution beside it
            beside = self.matcher.match_normalised(command, normalised, focus, notes=False)
            if beside.topic is not None and beside.topic.kind in KINDS_FOR_COMMAND[command]:
                cautions.append(match.note)
                match = beside
        if match.topic is not None:
            cautions += [
                note
                for note in question.exact_notes
                if note.kind is NoteKind.MG_CAUTION and note not in cautions
            ]
        # an interaction answers when nothing else does; the others are notes beside the answer
        main = None
        if match.topic is None and match.note is None:
            main = interactions[0] if interactions else self.interactions.naming(question)
        notes = tuple(self._interaction_ref(i) for i in interactions if i is not main) + tuple(
            NoteRef(note.kind.value, note.name, note.text, self._sources(note.sources))
            for note in cautions
        )
        warnings = self.signs.raised(question)
        emergency = any(sign.level is Level.EMERGENCY for sign in warnings)
        reading = _Reading(
            notes=notes,
            warnings=tuple(self._warning_ref(sign) for sign in warnings),
            emergency=self.catalog.emergency_notice if emergency else None,
        )
        return self._answer_for_match(command, shown_query, match, main, reading)

    def _answer_for_match(
        self,
        command: Command,
        query: str,
        match: Match,
        interaction: Interaction | None,
        reading: _Reading,
    ) -> Answer:
        """The answer to what was matched, or to `interaction` when nothing was.

        With what the reading of the whole question adds: notes, warning signs, the emergency
        notice.
        """
        if match.topic is not None:
            return self._answer_for(command, query, match.topic, match.score, reading)
        if match.note is not None:
            note = match.note
            return Answer(
                command=command,
                query=query,
                status=Status(note.kind.value),
                title=note.name,
                message=note.text,
                sources=self._sources(note.sources),
                score=match.score,
                disclaimer=self.catalog.disclaimers[GENERAL_DISCLAIMER].text,
                **reading.fields(),
            )
        if interaction is not None:
            return Answer(
                command=command,
                query=query,
                status=Status.INTERACTION,
                title=interaction.name,
                message=interaction.note,
                sources=self._sources(interaction.sources),
                score=100.0,
                disclaimer=self.catalog.disclaimers[GENERAL_DISCLAIMER].text,
                **reading.fields(),
            )
        lead = "Did you mean one of these?" if match.suggestions else None
        hint = None if lead else self.hint
        next_step = lead or f"{hint}."
        return Answer(
            command=command,
            query=query,
            status=Status.NO_MATCH,
            message=f"No topic matches that. {next_step}",
            suggestions=tuple(_ref(t) for t in match.suggestions),
            lead=lead,
            hint=hint,
            **reading.fields(),
        )

    def _warning_ref(self, sign: WarningSign) -> WarningRef:
        return WarningRef(sign.id, sign.level, sign.means, sign.do, self._sources(sign.sources))

    def _interaction_ref(self, interaction: Interaction) -> NoteRef:
        return NoteRef(
            "interaction", interaction.name, interaction.note, self._sources(interaction.sources)
        )

    def _answer_for(
        self,
        command: Command,
        query: str,
        topic: Topic,
        score: float,
        reading: _Reading,
    ) -> Answer:
        if topic.kind not in KINDS_FOR_COMMAND[command]:
            return self._wrong_kind(command, query, topic, score, reading)
        snippet = topic.snippets[command]
        return Answer(
            command=command,
            query=query,
            status=Status.ANSWER,
            topic=topic.id,
            kind=topic.kind.value,
            title=topic.title,
            text=snippet.text,
            sources=self._sources(snippet.sources),
            disclaimer=self.catalog.disclaimers[snippet.disclaimer].text,
            reviewed=snippet.reviewed,
            score=score,
            **reading.fields(),
        )

    def reading(self, query: str) -> Question:
        """The query as `ask` reads it, to share between /ask's routing and its answer."""
        return Question(normalise(query, READ_CHARS), self.matcher)

    def sources_for(self, ids: tuple[str, ...]) -> tuple[SourceRef, ...]:
        """Source ids as shown to members (primary first, one entry per page)."""
        return self._sources(ids)

    def _sources(self, ids: tuple[str, ...]) -> tuple[SourceRef, ...]:
        """The sources as cited, primary ones first (otherwise in the curator's order).

        Two ids that link to the same page (two claims from one label) are listed once. The
        catalogue does not change while served, so each list is worked out once.
        """
        known = self._source_refs.get(ids)
        if known is None:
            known = self._source_refs[ids] = self._sources_uncached(ids)
        return known

    def _sources_uncached(self, ids: tuple[str, ...]) -> tuple[SourceRef, ...]:
        links: dict[str, Source] = {}
        for source in [self.catalog.sources[i] for i in ids]:
            links.setdefault(source.url, source)
        found = list(links.values())
        return tuple(
            SourceRef(s.id, s.citation, s.url, s.kind.value, s.primary)
            for s in sorted(found, key=lambda source: not source.primary)
        )

    def _wrong_kind(
        self,
        command: Command,
        query: str,
        topic: Topic,
        score: float,
        reading: _Reading,
    ) -> Answer:
        if topic.kind is Kind.CONDITION:  # e.g. /sideeffects sps
            related = self.catalog.treatments_for(topic.id)
            message = (
                f"{topic.title} is a condition. Side effects belong to each treatment; "
                f"these are used for {topic.title}:"
            )
        else:  # e.g. /resistance ivig
            related = tuple(self.catalog.topics[c] for c in topic.used_for)
            message = (
                f"{topic.title} is a treatment. Treatment resistance is described for each "
                f"condition; {topic.title} is used for:"
            )
        return Answer(
            command=command,
            query=query,
            status=Status.WRONG_KIND,
            topic=topic.id,
            kind=topic.kind.value,
            title=topic.title,
            message=message,
            score=score,
            suggestions=tuple(_ref(t) for t in related),
            lead=message,
            **reading.fields(),
        )

    def _topic_list(self, command: Command, query: str) -> Answer:
        topics = self.catalog.of_kind(*KINDS_FOR_COMMAND[command])
        lead = f"/{command.value} covers these topics ({COMMAND_HELP[command]}):"
        return Answer(
            command=command,
            query=query,
            status=Status.TOPIC_LIST,
            message=lead,
            suggestions=tuple(_ref(t) for t in topics),
            lead=lead,
        )

    def prepare(self) -> None:
        """Build every index now, so that no member's first question waits for one."""
        self.matcher.prepare()

    def forget(self) -> None:
        """Empty every memory of earlier questions (benchmarks time one as if it were the first).

        Recent answers, the matcher's word runs, and the phrase words' fits.
        """
        self._recent.clear()
        self.matcher.forget()
        self.vocabulary.forget()

    def autocomplete(
        self, command: Command, partial: str, focus: str | None = None
    ) -> list[tuple[str, str]]:
        """Up to 25 (title, topic id) choices for partial input, ranked (focus first)."""
        return self.matcher.autocomplete(command, partial, focus=focus)
