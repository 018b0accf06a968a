"""Text normalisation shared by content aliases and member queries."""

from __future__ import annotations

import unicodedata

MAX_QUERY_CHARS = 100
"""Longest normalised query the matcher looks at."""

_RAW_CAP = 1_000
"""Characters of raw input read at most, so a 10 MB paste costs no more than a short one."""

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_APOSTROPHES = frozenset("'`´ʼ‘’")  # can't -> cant, Parkinson's -> parkinsons


def _fold_char(char: str) -> str:
    if char in _APOSTROPHES:
        return ""
    category = unicodedata.category(char)
    if category in _DROP_CATEGORIES:
        return ""
    if category[0] in "PSZ":  # punctuation, symbols, separators
        return " "
    return char


_ASCII_FOLD = {code: _fold_char(chr(code)) for code in range(128)}
"""`_fold_char` for every ASCII character, for `str.translate`."""


def normalise(text: str, limit: int | None = MAX_QUERY_CHARS) -> str:
    """Return `text` as the matcher sees it: NFKC, casefolded, punctuation folded to single spaces.

    Zero-width and control characters are removed; the result is cut to `limit` characters.
    """
    text = text[:_RAW_CAP]
    if text.isascii():  # NFKC changes no ASCII text, and casefold is lower: one C pass
        folded = text.lower().translate(_ASCII_FOLD)
    else:
        text = unicodedata.normalize("NFKC", text).casefold()
        folded = "".join(_fold_char(char) for char in text)
    words = " ".join(folded.split())
    if limit is not None and len(words) > limit:
        words = words[:limit].rstrip()
    return words


_ASCII_UNPRINTABLE = {
    code: None
    for code in range(128)
    if not chr(code).isspace() and unicodedata.category(chr(code)) in _DROP_CATEGORIES
}
"""ASCII control characters `printable` removes, for `str.translate`."""


def printable(text: str, limit: int = MAX_QUERY_CHARS) -> str:
    """The query as typed, safe to echo: control and zero-width characters removed, capped."""
    text = text[:_RAW_CAP]
    if text.isascii():
        kept = text.translate(_ASCII_UNPRINTABLE)
    else:
        kept = "".join(
            ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _DROP_CATEGORIES
        )
    return " ".join(kept.split())[:limit]


def compact(normalised: str) -> str:
    """Return a normalised string without spaces: `stiff-person` and `stiffperson` meet here."""
    return normalised.replace(" ", "")
