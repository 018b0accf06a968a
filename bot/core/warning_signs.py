"""Warning signs: read the whole question for situations that need care, most urgent first."""

from __future__ import annotations

from bot.core.catalog import Catalog, WarningSign
from bot.core.cues import CueGroups, Question
from bot.core.phrases import PhraseIndex, Vocabulary


class SignReader:
    """Every warning sign of a catalogue, indexed once; `raised` reads one question."""

    def __init__(self, catalog: Catalog, vocabulary: Vocabulary | None = None) -> None:
        words = vocabulary or Vocabulary()
        self.signs = catalog.warning_signs
        self._phrases = PhraseIndex(
            [(phrase, number) for number, sign in enumerate(self.signs) for phrase in sign.phrases],
            words,
        )
        self._context = CueGroups([sign.with_any for sign in self.signs], words)
        calm = catalog.calm
        self._openers = PhraseIndex([(p, 0) for p in (calm.openers if calm else ())], words)
        self._now = PhraseIndex([(p, 0) for p in (calm.happening_now if calm else ())], words)
        self._not_now = PhraseIndex([(p, 0) for p in (calm.not_now if calm else ())], words)
        self._acute = PhraseIndex([(p, 0) for p in (calm.acute if calm else ())], words)

    def asks_for_information(self, question: Question) -> bool:
        """Whether the question asks about something rather than describe it happening now.

        "what is status epilepticus" and "two years ago I had a crisis, how likely is another"
        do; "what do i do, she cant breathe" does not.
        """
        words = question.words
        if self._openers.owners(words, at_start=True) and not self._now.owners(words):
            return True
        return bool(self._not_now.owners(words)) and not self._acute.owners(words)

    def raised(self, question: Question) -> tuple[WarningSign, ...]:
        """The signs the question raises: most urgent level first, then specific before general.

        A sign with `with_any` needs the question to name one of those too; a raised sign hides
        the signs it names in `instead_of`. A question that asks for information (see
        `asks_for_information`) raises none.
        """
        candidates = self._phrases.owners(question.words)
        if not candidates or self.asks_for_information(question):
            return ()
        context = self._context.by_phrase(question)
        raised = [
            self.signs[number]
            for number in candidates
            if not self.signs[number].with_any or self._context.satisfied(question, number, context)
        ]
        hidden = {other for sign in raised for other in sign.instead_of}
        shown = [sign for sign in raised if sign.id not in hidden]
        return tuple(
            sorted(shown, key=lambda sign: (sign.level.rank, not sign.with_any, sign.topic is None))
        )
