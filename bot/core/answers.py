"""Platform-neutral answers: what to tell a member, for any front end to render."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from bot.core.catalog import (
    GENERAL_DISCLAIMER,
    KINDS_FOR_COMMAND,
    Catalog,
    Command,
    Kind,
    Topic,
)
from bot.core.emergency import fitting_red_flags, is_crisis
from bot.core.matcher import Matcher
from bot.core.normalize import normalise, printable

COMMAND_HELP: dict[Command, str] = {
    Command.TREATMENT: "treatment overview for a condition or a treatment",
    Command.SIDEEFFECTS: "side effects and warning signs of a treatment",
    Command.RESISTANCE: "what treatment resistance means for a condition",
}


class UnknownCommandError(ValueError):
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


@dataclass(frozen=True)
class SourceRef:
    """A source as shown under an answer."""

    id: str
    title: str
    url: str


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
    sources: tuple[SourceRef, ...] = ()
    disclaimer: str | None = None
    reviewed: date | None = None
    score: float = 0.0
    suggestions: tuple[TopicRef, ...] = ()
    emergency: str | None = None
    red_flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the `ask --json` shape)."""
        return {
            "command": self.command.value,
            "query": self.query,
            "status": self.status.value,
            "topic": self.topic,
            "kind": self.kind,
            "score": self.score,
            "title": self.title,
            "text": self.text,
            "message": self.message,
            "sources": [{"id": s.id, "title": s.title, "url": s.url} for s in self.sources],
            "disclaimer": self.disclaimer,
            "reviewed": self.reviewed.isoformat() if self.reviewed else None,
            "suggestions": [s.id for s in self.suggestions],
            "suggestion_titles": [s.title for s in self.suggestions],
            "emergency": self.emergency,
            "red_flags": list(self.red_flags),
        }


def _ref(topic: Topic) -> TopicRef:
    return TopicRef(topic.id, topic.title, topic.kind.value)


class AnswerService:
    """The core's front door: ask a command about a query, get an Answer."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.matcher = Matcher(catalog)

    def ask(self, command: Command, query: str, focus: str | None = None) -> Answer:
        """Answer `command` for `query`; any string gives an Answer, never an exception.

        `focus` (a condition id) ranks that condition's topics first among suggestions.
        """
        normalised = normalise(query)
        shown_query = printable(query)
        if not normalised:
            return self._topic_list(command, shown_query)
        match = self.matcher.match_normalised(command, normalised, focus)
        if match.topic is not None:
            answer = self._answer_for(command, shown_query, match.topic, match.score)
        elif match.note is not None:
            note = match.note
            answer = Answer(
                command=command,
                query=shown_query,
                status=Status(note.kind.value),
                title=note.name,
                message=note.text,
                sources=self._sources(note.sources),
                score=match.score,
                disclaimer=self.catalog.disclaimers[GENERAL_DISCLAIMER].text,
            )
        else:
            answer = Answer(
                command=command,
                query=shown_query,
                status=Status.NO_MATCH,
                message=(
                    "No topic matches that. Did you mean one of these?"
                    if match.suggestions
                    else "No topic matches that. Try a condition (SPS, AE, MG) or a treatment name."
                ),
                suggestions=tuple(_ref(t) for t in match.suggestions),
            )
        return self._with_emergency(answer, normalised, match.topic)

    def _answer_for(self, command: Command, query: str, topic: Topic, score: float) -> Answer:
        if topic.kind not in KINDS_FOR_COMMAND[command]:
            return self._wrong_kind(command, query, topic, score)
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
        )

    def _sources(self, ids: tuple[str, ...]) -> tuple[SourceRef, ...]:
        return tuple(
            SourceRef(s.id, s.citation, s.url) for s in (self.catalog.sources[i] for i in ids)
        )

    def _wrong_kind(self, command: Command, query: str, topic: Topic, score: float) -> Answer:
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
        )

    def _topic_list(self, command: Command, query: str) -> Answer:
        topics = self.catalog.of_kind(*KINDS_FOR_COMMAND[command])
        return Answer(
            command=command,
            query=query,
            status=Status.TOPIC_LIST,
            message=f"/{command.value} covers these topics ({COMMAND_HELP[command]}):",
            suggestions=tuple(_ref(t) for t in topics),
        )

    def _with_emergency(self, answer: Answer, normalised: str, topic: Topic | None) -> Answer:
        flags = fitting_red_flags(normalised, topic.red_flags) if topic else ()
        if not flags and not is_crisis(normalised):
            return answer
        return replace(
            answer,
            emergency=self.catalog.emergency_notice,
            red_flags=tuple(flag.text for flag in flags),
        )

    def autocomplete(
        self, command: Command, partial: str, focus: str | None = None
    ) -> list[tuple[str, str]]:
        """Up to 25 (title, topic id) choices for partial input, ranked (focus first)."""
        return self.matcher.autocomplete(command, partial, focus=focus)
