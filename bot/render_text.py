"""Render an Answer as plain text for a terminal."""

from __future__ import annotations

import re
import textwrap

from bot.core.answers import Answer, NoteRef, SourceRef, Status
from bot.core.catalog import Level

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


_MARKS = {Level.EMERGENCY: "!!", Level.URGENT: "! Today:", Level.CONTACT: "! Soon:"}


def _sources(sources: tuple[SourceRef, ...]) -> list[str]:
    if not sources:
        return []
    lines = ["\nSources:"]
    for number, source in enumerate(sources, 1):
        lines.append(_wrap(f"  [{number}] {source.title} ({source.kind})", indent=""))
        lines.append(f"      {source.url}")
    return lines


def _note(note: NoteRef) -> list[str]:
    label = "Taken together" if note.kind == "interaction" else "MG caution"
    return [f"-- {label}: {note.name} --", _wrap(_plain(note.text)), *_sources(note.sources), ""]


def render_answer(answer: Answer) -> str:
    """The whole reply as a person reads it: emergency first, then the answer, then sources."""
    parts: list[str] = []
    if answer.emergency:
        parts.append(_wrap(f"!! {answer.emergency}"))
    for warning in answer.warnings:
        parts.append(_wrap(f"{_MARKS[warning.level]} {_plain(warning.text)}"))
    if answer.emergency or answer.warnings:
        parts.append("")
    for note in answer.notes:
        parts.extend(_note(note))
    if answer.status is Status.NO_MATCH and answer.query:
        parts.append(f'No topic matches "{answer.query}".')
    if answer.status.shows_snippet:
        if answer.title:
            parts.append(f"== {answer.title} ==")
        parts.append(_wrap(_plain(answer.body)))
    else:
        parts.append(_wrap(_plain(answer.lead or (f"{answer.hint}." if answer.hint else ""))))
    for ref in answer.suggestions:
        parts.append(f"  - {ref.title}   (/{answer.command.value} {ref.id})")
    parts.extend(_sources(answer.sources))
    if answer.disclaimer:
        reviewed = f" (Reviewed {answer.reviewed.isoformat()}.)" if answer.reviewed else ""
        parts.append("\n" + _wrap(answer.disclaimer + reviewed))
    return "\n".join(parts).rstrip() + "\n"
