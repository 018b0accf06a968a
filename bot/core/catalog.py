"""The validated catalogue: topics, their snippets, sources and disclaimers (immutable)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.core.phrases import Phrase
from bot.core.sections import Section


class Kind(StrEnum):
    """What a topic is."""

    CONDITION = "condition"
    TREATMENT = "treatment"


class Command(StrEnum):
    """The questions a member can ask; each answers with one snippet of a topic."""

    TREATMENT = "treatment"
    SIDEEFFECTS = "sideeffects"
    RESISTANCE = "resistance"


SNIPPETS_BY_KIND: Mapping[Kind, tuple[Command, ...]] = {
    Kind.CONDITION: (Command.TREATMENT, Command.RESISTANCE),
    Kind.TREATMENT: (Command.TREATMENT, Command.SIDEEFFECTS),
}
"""Every topic of a kind has exactly these snippets."""

KINDS_FOR_COMMAND: Mapping[Command, tuple[Kind, ...]] = {
    Command.TREATMENT: (Kind.CONDITION, Kind.TREATMENT),
    Command.SIDEEFFECTS: (Kind.TREATMENT,),
    Command.RESISTANCE: (Kind.CONDITION,),
}
"""Which kinds of topic a command answers about."""

EMERGENCY_DISCLAIMER = "emergency"
"""The disclaimer whose text is the emergency notice; content must define it."""
GENERAL_DISCLAIMER = "general"
"""The disclaimer for answers that are not a snippet (out-of-scope notes); required."""
REQUIRED_DISCLAIMERS = (GENERAL_DISCLAIMER, EMERGENCY_DISCLAIMER)


class SourceKind(StrEnum):
    """What a source is (content/README.md explains each)."""

    JOURNAL = "journal"
    LABEL = "label"
    GOVERNMENT = "government"
    GUIDELINE = "guideline"
    PATIENT_ORGANISATION = "patient-organisation"
    CLINICAL_REFERENCE = "clinical-reference"
    NEWS = "news"
    OTHER = "other"


PRIMARY_KINDS = (
    SourceKind.JOURNAL,
    SourceKind.LABEL,
    SourceKind.GOVERNMENT,
    SourceKind.GUIDELINE,
    SourceKind.PATIENT_ORGANISATION,
)
"""Kinds a clinician cites as they are, unless content/source_policy.yaml says otherwise."""


@dataclass(frozen=True)
class Source:
    """A citation a snippet can point to."""

    id: str
    citation: str
    url: str
    kind: SourceKind = SourceKind.OTHER
    primary: bool = False
    """Whether its kind is one the source policy counts as primary."""


@dataclass(frozen=True)
class Disclaimer:
    """A disclaimer shown under an answer."""

    id: str
    text: str


@dataclass(frozen=True)
class Snippet:
    """The answer of one command about one topic."""

    text: str
    """The whole answer, as its sections read together."""
    disclaimer: str
    sources: tuple[str, ...]
    reviewed: date
    sections: tuple[Section, ...] = ()
    """Its parts, each answerable on its own (/ask leads with the one that fits)."""


class Level(StrEnum):
    """How soon a warning sign needs care, most urgent first."""

    EMERGENCY = "emergency"
    """Call the local emergency number now; the answer leads with the emergency notice."""
    URGENT = "urgent"
    """Get medical care today."""
    CONTACT = "contact"
    """Call the care team soon."""

    @property
    def rank(self) -> int:
        """0 for the most urgent level."""
        return tuple(Level).index(self)


@dataclass(frozen=True)
class WarningSign:
    """A situation a question can describe that needs care, and the phrases that raise it."""

    id: str
    level: Level
    means: str
    do: str
    sources: tuple[str, ...]
    phrases: tuple[Phrase, ...]
    with_any: tuple[Phrase | TopicName, ...] = ()
    """When set, the question must also name one of these (a topic or a phrase)."""
    instead_of: tuple[str, ...] = ()
    """Ids of signs not shown when this one is (a general sign this one makes precise)."""
    topic: str | None = None
    """The topic whose file holds the sign; None for the general signs."""
    file: str = ""

    @property
    def text(self) -> str:
        """What it may mean, then what to do."""
        return f"{self.means} {self.do}"


@dataclass(frozen=True)
class TopicName:
    """A reference to a topic inside a sign's context or an interaction group."""

    topic: str


@dataclass(frozen=True)
class Interaction:
    """A sourced note about taking two (or more) things together."""

    id: str
    name: str
    between: tuple[tuple[Phrase | TopicName, ...], ...]
    """Groups; the note fits when the question names something from every group."""
    note: str
    sources: tuple[str, ...]


class NoteKind(StrEnum):
    """Why a name gets a note instead of a topic."""

    OUT_OF_SCOPE = "out_of_scope"
    """A look-alike disorder the bot does not cover (Lambert-Eaton, hyperekplexia)."""
    MG_CAUTION = "mg_caution"
    """A medicine that is not a treatment covered here but can worsen MG (ciprofloxacin)."""


NOTE_FILES: Mapping[str, NoteKind] = {
    "out_of_scope.yaml": NoteKind.OUT_OF_SCOPE,
    "mg_cautions.yaml": NoteKind.MG_CAUTION,
}
"""Optional content files of notes, and the kind of note each holds."""


@dataclass(frozen=True)
class Note:
    """A name answered with a short sourced note instead of a topic's snippet."""

    kind: NoteKind
    name: str
    aliases: tuple[str, ...]
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CalmQuestions:
    """Questions that ask for information rather than describe something happening now.

    A question that starts with an opener ("what is", "tips for") and contains no phrase of
    something happening now ("right now", "she is", "cant") raises no warning sign; nor does
    one that is not about now (a story that is over, a hypothetical, a label) with nothing acute
    ("right now", "help", "cant", "hasnt").
    """

    openers: tuple[Phrase, ...]
    happening_now: tuple[Phrase, ...]
    not_now: tuple[Phrase, ...] = ()
    acute: tuple[Phrase, ...] = ()


@dataclass(frozen=True)
class LeftOut:
    """A dictionary name for one of a topic's medicines left out of its aliases on purpose."""

    name: str
    reason: str


@dataclass(frozen=True)
class Topic:
    """A condition or a treatment, with what people call it and its snippets."""

    id: str
    kind: Kind
    title: str
    aliases: tuple[str, ...]
    snippets: Mapping[Command, Snippet]
    used_for: tuple[str, ...] = ()
    warning_signs: tuple[WarningSign, ...] = ()
    file: str = ""
    colour: str | None = None
    """Conditions only: the colour of its answers on Discord, "#RRGGBB" (None: neutral)."""
    short_title: str | None = None
    """Conditions only: the name used where the conditions are listed ("SPS")."""
    medicines: tuple[str, ...] = ()
    """Treatments only: the generic names of the medicines it covers (`sertraline`)."""
    left_out: tuple[LeftOut, ...] = ()
    """Names of those medicines not taken as aliases on purpose, each with the reason."""

    @property
    def short_name(self) -> str:
        """The short title, or the title when there is none."""
        return self.short_title or self.title


@dataclass(frozen=True)
class Catalog:
    """Everything the bot can say, already validated."""

    topics: Mapping[str, Topic]
    sources: Mapping[str, Source]
    disclaimers: Mapping[str, Disclaimer]
    notes: tuple[Note, ...] = ()
    general_signs: tuple[WarningSign, ...] = ()
    """Warning signs that belong to no single topic (content/warning_signs.yaml)."""
    interactions: tuple[Interaction, ...] = ()
    calm: CalmQuestions | None = None
    """How a question asking for information, not help now, is recognised (optional)."""
    ask_cues: Mapping[Command, tuple[Phrase, ...]] = field(default_factory=dict)
    """Phrases that tell /ask which kind of answer a question wants (content/ask_cues.yaml)."""
    ask_symptoms: Mapping[str, tuple[Phrase, ...]] = field(default_factory=dict)
    """Per condition id: symptoms in members' words, for a question that names no topic."""
    _by_kind: dict[Kind, tuple[Topic, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_kind = {
            kind: tuple(
                sorted((t for t in self.topics.values() if t.kind is kind), key=lambda t: t.title)
            )
            for kind in Kind
        }
        object.__setattr__(self, "_by_kind", by_kind)

    def of_kind(self, *kinds: Kind) -> tuple[Topic, ...]:
        """Topics of the given kinds, conditions before treatments, each group by title."""
        return tuple(topic for kind in kinds for topic in self._by_kind[kind])

    @property
    def conditions(self) -> tuple[Topic, ...]:
        """The conditions covered, by title."""
        return self._by_kind[Kind.CONDITION]

    def condition_names(self, last: str = ", ") -> str:
        """The conditions' short names, by title, joined: `AE, MG and SPS` with last=" and "."""
        names = [topic.short_name for topic in self.conditions]
        if len(names) < 2:
            return "".join(names)
        return ", ".join(names[:-1]) + last + names[-1]

    def colour_for(self, topic_id: str | None) -> str | None:
        """A condition's own colour; a treatment takes its condition's when it has just one.

        "#RRGGBB", or None for a topic without one (front ends show a neutral colour).
        """
        topic = self.topics.get(topic_id or "")
        if topic is None:
            return None
        if topic.kind is Kind.CONDITION:
            return topic.colour
        if len(topic.used_for) == 1:
            condition = self.topics.get(topic.used_for[0])
            return condition.colour if condition is not None else None
        return None

    def treatments_for(self, condition_id: str) -> tuple[Topic, ...]:
        """Treatments whose `used_for` names the condition, by title."""
        return tuple(t for t in self._by_kind[Kind.TREATMENT] if condition_id in t.used_for)

    @property
    def warning_signs(self) -> tuple[WarningSign, ...]:
        """Every warning sign: the general ones, then each topic's."""
        return self.general_signs + tuple(
            sign for topic in self.topics.values() for sign in topic.warning_signs
        )

    @property
    def emergency_notice(self) -> str:
        """The text that leads any answer to a crisis question."""
        return self.disclaimers[EMERGENCY_DISCLAIMER].text

    @property
    def last_reviewed(self) -> date | None:
        """The most recent review date of any snippet."""
        dates = [s.reviewed for t in self.topics.values() for s in t.snippets.values()]
        return max(dates, default=None)
