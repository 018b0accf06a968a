"""Interaction notes: two or more things named in one question that should not be mixed blindly."""

from __future__ import annotations

from bot.core.catalog import Catalog, Interaction, TopicName
from bot.core.cues import CueGroups, Question
from bot.core.phrases import Phrase, Vocabulary


class InteractionReader:
    """Every interaction note of a catalogue, indexed once."""

    def __init__(self, catalog: Catalog, vocabulary: Vocabulary | None = None) -> None:
        self.interactions = catalog.interactions
        self._spans: list[range] = []
        groups: list[tuple[Phrase | TopicName, ...]] = []
        for interaction in self.interactions:
            start = len(groups)
            groups.extend(interaction.between)
            self._spans.append(range(start, len(groups)))
        self._groups = CueGroups(groups, vocabulary)
        self._owner = [n for n, span in enumerate(self._spans) for _ in span]
        """For each group, the interaction it belongs to."""
        self._by_topic: dict[str, set[int]] = {}
        """For each topic id, the interactions one of whose groups names it."""
        for number, group in enumerate(groups):
            for cue in group:
                if isinstance(cue, TopicName):
                    self._by_topic.setdefault(cue.topic, set()).add(self._owner[number])
        self._alone = CueGroups(
            [
                [cue for group in i.between for cue in group if isinstance(cue, Phrase)]
                for i in self.interactions
            ],
            vocabulary,
        )

    def fitting(self, question: Question) -> tuple[Interaction, ...]:
        """The notes for which the question names something from every group."""
        by_phrase = self._groups.by_phrase(question)
        # only interactions part of which the question names exactly can fit
        candidates = {self._owner[g] for g in by_phrase}
        for topic in question.exact_topics:
            candidates |= self._by_topic.get(topic, set())
        found = []
        for number in sorted(candidates):
            interaction, span = self.interactions[number], self._spans[number]
            # misspelled names are looked for only once the question names part of it
            exact = [self._groups.named_exactly(question, g, by_phrase) for g in span]
            if not any(exact):
                continue
            if all(
                done or self._groups.satisfied(question, g, by_phrase)
                for g, done in zip(span, exact, strict=True)
            ):
                found.append(interaction)
        return tuple(found)

    def naming(self, question: Question) -> Interaction | None:
        """The first note one of whose non-topic names (`fluvoxamine`) is in the question."""
        found = sorted(self._alone.by_phrase(question))
        return self.interactions[found[0]] if found else None
