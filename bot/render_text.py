"""Render an Answer as plain text for a terminal."""

from __future__ import annotations

import re
import textwrap

from bot.core.answers import Answer, Status

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_WIDTH = 88


def _plain(markdown: str) -> str:
    """Drop Markdown emphasis markers that a terminal would show literally."""
    return _BOLD.sub(r"\1", markdown).replace("__", "")


def _wrap(text: str, indent: str = "") -> str:
    lines = []
    for line in text.splitlines():
        bullet = re.match(r"^(\s*[-*] )", line)
        hang = indent + " " * len(bullet.group(1)) if bullet else indent
        lines.append(
            textwrap.fill(
                line,
                _WIDTH,
                initial_indent=indent,
                subsequent_indent=hang,
                break_long_words=False,  # keep URLs whole so terminals can open them
                break_on_hyphens=False,
            )
            if line.strip()
            else ""
        )
    return "\n".join(lines)


def render_answer(answer: Answer) -> str:
    """The whole reply as a person reads it: emergency first, then the answer, then sources."""
    parts: list[str] = []
    if answer.emergency:
        parts.append(_wrap(f"!! {answer.emergency}"))
        parts.extend(_wrap(f"!! {flag}") for flag in answer.red_flags)
        parts.append("")
    if answer.status is Status.NO_MATCH and answer.query:
        parts.append(f'No topic matches "{answer.query}".')
    if answer.status in (Status.ANSWER, Status.OUT_OF_SCOPE, Status.MG_CAUTION) and answer.title:
        parts.append(f"== {answer.title} ==")
    body = answer.text or answer.message or ""
    if answer.status is Status.NO_MATCH:
        body = body.removeprefix("No topic matches that. ")
    parts.append(_wrap(_plain(body)))
    for ref in answer.suggestions:
        parts.append(f"  - {ref.title}   (/{answer.command.value} {ref.id})")
    if answer.sources:
        parts.append("\nSources:")
        for number, source in enumerate(answer.sources, 1):
            parts.append(_wrap(f"  [{number}] {source.title}", indent=""))
            parts.append(f"      {source.url}")
    if answer.disclaimer:
        reviewed = f" (Reviewed {answer.reviewed.isoformat()}.)" if answer.reviewed else ""
        parts.append("\n" + _wrap(answer.disclaimer + reviewed))
    return "\n".join(parts).rstrip() + "\n"
