"""What of an unanswered question may be kept for curators: tidied words, never a person.

Curators see the most common questions the bot could not answer (`/stats`). The text kept is
the normalised question with mentions, ids, links, e-mail addresses and phone-like numbers
taken out; a question that raised any warning sign (someone may be in trouble) is never kept.
"""

from __future__ import annotations

import re

from bot.core.answers import Answer, Status
from bot.core.normalize import normalise

_PERSONAL = re.compile(
    r"""
    <(?:@[!&]?|\#|/[^:>]{1,40}:|a?:\w{1,40}:)\d+>   # mentions, channels, roles, emoji, commands
    | @(?:everyone|here)\b
    | \b(?:https?|ftp)://\S+ | \bwww\.\S+            # links
    | \b(?:discord(?:app)?\.(?:gg|com)|t\.me)/\S*    # invites without a scheme
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                   # e-mail addresses
    | \+?\d[\d\s().-]{5,}\d                           # ids and phone numbers (6+ digits)
    | @\w+                                           # handles
    """,
    re.VERBOSE | re.IGNORECASE,
)


def scrub(text: str) -> str:
    """`text` without mentions, ids, links, e-mail addresses or handles, normalised."""
    return normalise(_PERSONAL.sub(" ", text))


def storable(answer: Answer) -> str | None:
    """The unanswered question's text as it may be counted, or None when none may be kept."""
    if answer.status is not Status.NO_MATCH or answer.emergency or answer.warnings:
        return None
    return scrub(answer.query) or None
