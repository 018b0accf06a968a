"""Stored or member-supplied text made safe to print on a terminal.

A report's text, a member's name or an unanswered question can hold control characters: an
escape sequence (ESC [ 2 J) clears the screen or recolours it, a carriage return or line break
starts a forged line ("report #99 ..."), bidirectional overrides reorder what is shown. Printing
them raw lets whoever wrote the text rewrite a curator's terminal.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (ESC, CSI, CR, LF, TAB, ...), DEL, Unicode line and paragraph
separators, and bidirectional embedding, override and isolate characters."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    if character in _NAMED:
        return _NAMED[character]
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    r"""`text` on one line with every control character shown as a visible escape.

    ESC becomes `\x1b` (so an ANSI sequence prints as harmless text), a line break `\n`, a
    carriage return `\r`; everything else, including emoji and accents, is kept as it is.
    """
    return _UNSAFE.sub(_escape, str(text))
