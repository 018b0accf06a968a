"""Context cues of warning signs and interaction notes: a topic named anywhere, or a phrase."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.catalog import Note, Topic, TopicName
from bot.core.matcher import Matcher
from bot.core.phrases import Phrase, PhraseIndex, Vocabulary


class Question:
    """One normalised question, with what it names worked out only when first needed."""

    def __init__(self, normalised: str, matcher: Matcher) -> None:
        self.normalised = normalised
        self.words = normalised.split()
        self._matcher = matcher
        self._exact: frozenset[str] | None = None
        self._exact_notes: tuple[Note, ...] = ()
        self._exact_topics: tuple[Topic, ...] = ()
        self._with_typos: frozenset[str] | None = None
        self._typo_topics: tuple[Topic, ...] = ()

    @property
    def exact_topics(self) -> frozenset[str]:
        """Ids of the topics the question names by one of their names, spelled right."""
        if self._exact is None:
            topics, notes = self._matcher.named(self.normalised, typos=False)
            self._exact = frozenset(t.id for t in topics)
            self._exact_topics = tuple(topics)
            self._exact_notes = tuple(notes)
        return self._exact

    def named(self, typos: bool = True) -> tuple[Topic, ...]:
        """The topics the question names, in the order it names them (typos after exact)."""
        _ = self.exact_topics
        if not typos:
            return self._exact_topics
        self._typo_pass()
        return self._typo_topics

    def _typo_pass(self) -> None:
        if self._with_typos is None:
            _ = self.exact_topics  # the exact pass once; the typo pass only adds to it
            typos = self._matcher.named_with_typos(self.normalised)[0]
            topics = {t.id: t for t in (*self._exact_topics, *typos)}
            self._with_typos = frozenset(topics)
            self._typo_topics = tuple(topics.values())

    @property
    def exact_notes(self) -> tuple[Note, ...]:
        """The notes (MG cautions, look-alikes) the question names, spelled right, in order."""
        _ = self.exact_topics
        return self._exact_notes

    def names_exactly(self, topic_id: str) -> bool:
        """Whether the question names the topic by one of its names, spelled right."""
        return topic_id in self.exact_topics

    def names_topic(self, topic_id: str) -> bool:
        """Whether the question names the topic: an alias, brand or typo of one."""
        if self.names_exactly(topic_id):
            return True
        self._typo_pass()
        assert self._with_typos is not None
        return topic_id in self._with_typos


class CueGroups:
    """Numbered groups of cues; tells which groups a question satisfies (any cue of the group)."""

    def __init__(
        self, groups: Sequence[Sequence[Phrase | TopicName]], vocabulary: Vocabulary | None = None
    ) -> None:
        self._topics = [
            tuple(cue.topic for cue in group if isinstance(cue, TopicName)) for group in groups
        ]
        self._topic_sets = [frozenset(topics) for topics in self._topics]
        self._phrases = PhraseIndex(
            [
                (cue, number)
                for number, group in enumerate(groups)
                for cue in group
                if isinstance(cue, Phrase)
            ],
            vocabulary,
        )

    def by_phrase(self, question: Question) -> set[int]:
        """Groups one of whose phrases is in the question."""
        return set(self._phrases.owners(question.words))

    def named_exactly(self, question: Question, group: int, by_phrase: set[int]) -> bool:
        """Whether the group is satisfied without looking for misspelled names."""
        return group in by_phrase or not self._topic_sets[group].isdisjoint(question.exact_topics)

    def satisfied(
        self, question: Question, group: int, by_phrase: set[int], typos: bool = True
    ) -> bool:
        """Whether the question names something of group `group` (misspelled too, by default)."""
        if group in by_phrase:
            return True
        if typos:
            return any(question.names_topic(t) for t in self._topics[group])
        return any(question.names_exactly(t) for t in self._topics[group])
