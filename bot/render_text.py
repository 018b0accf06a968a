"""Render an Answer (and, for `explain`, the reasoning of /ask) as plain text for a terminal."""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

from bot.core.answers import Answer, NoteRef, SourceRef, Status
from bot.core.catalog import Command, Level
from bot.core.sections import Section

if TYPE_CHECKING:  # /ask's reasoning is rendered by `explain` only: not imported for answers
    from bot.core.ask import Route

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


def _passage(answer: Answer) -> list[str]:
    """/ask: the part of the snippet that fits the question, before the whole answer."""
    part = Section(answer.section, (answer.passage or "").strip())
    lines = [_wrap(_plain(part.rendered()))]
    if answer.passage_sources:
        lines.append("Sources for this part:")
        for source in answer.passage_sources:
            lines.append(_wrap(f"  - {source.title} ({source.kind})"))
            lines.append(f"      {source.url}")
    return [*lines, "", "Full answer:"]


def render_answer(answer: Answer) -> str:
    """The whole reply as a person reads it: emergency first, then the answer, then sources.

    An /ask answer that chose a part of the snippet leads with that part (its heading and
    text, and its own sources), then "Full answer:" and the whole snippet as for any command.
    """
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
        not_covered = "Not covered: no" if answer.asked else "No"
        parts.append(f'{not_covered} topic matches "{answer.query}".')
    if answer.status.shows_snippet:
        if answer.title:
            parts.append(f"== {answer.title} ==")
        if answer.passage is not None:
            parts.extend(_passage(answer))
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


# -- explain: why /ask answers as it does (for curators) --------------------------------------

FIX_ROUTING = (
    "To change how questions like this are answered: the cue phrases that choose the kind of "
    "answer (and the symptoms that stand for a condition when no topic is named) are in "
    "content/ask_cues.yaml; the part to lead with is steered by a section's `examples:` "
    "(questions that part answers) in the topic's file under content/topics/. Then run "
    "`python -m bot check` and explain again."
)


def _heading(heading: str | None) -> str:
    return heading if heading is not None else "(the opening part, no heading)"


def _why_kind(route: Route) -> list[str]:
    from bot.core.ask import KIND_ORDER, MIN_KIND_SCORE

    points = dict(route.kind_points)
    if points:
        winner = max(KIND_ORDER, key=lambda c: (points.get(c, 0), -KIND_ORDER.index(c)))
        shown = ", ".join(f"{kind.value} {n}" for kind, n in route.kind_points)
        lines = [f"  points: {shown} (most points wins; a tie, the more specific kind)"]
        if winner is not route.command:
            lines.append(f"  {winner.value} won, but: {route.why_topic}")
        return lines
    if route.topic is not None and route.command is not Command.TREATMENT:
        return [
            "  no cue phrase found; the named topic's best-fitting section is a "
            f"{route.command.value} one (it scored {MIN_KIND_SCORE:g} or more)"
        ]
    return ["  no cue phrase found: treatment, the default"]


def render_route(route: Route, answer: Answer) -> str:
    """`python -m bot explain`: each step of /ask's reasoning, then the answer it gives."""
    from bot.core.ask import KIND_WEIGHTS, MIN_SECTION_SCORE

    lines = [f'Question as read: "{route.question}"', "", "Topics named:"]
    lines += [f"  - {topic} ({how})" for topic, how in route.named] or ["  none"]
    lines += ["", f"Kind of answer: {route.command.value}"]
    if route.kind_words:
        lines.append("  cue phrases found (content/ask_cues.yaml):")
        lines += [
            f'  - "{phrase}" -> {kind.value} (+{KIND_WEIGHTS[kind]})'
            for kind, phrase in route.kind_words
        ]
    lines += _why_kind(route)
    lines += ["", f"Topic: {route.topic or 'none'} ({route.why_topic})"]
    if route.sections:
        lines += [
            "",
            f"Sections of {route.topic} /{route.command.value}, best first "
            f"(one leads when it scores {MIN_SECTION_SCORE:g} or more):",
        ]
        for n, score in enumerate(route.sections):
            leads = "   <- leads" if n == 0 and route.section is not None else ""
            lines.append(f"  - {_heading(score.heading)}: {score.score:g}{leads}")
        if route.section is None:
            lines.append("  no part scores enough: the whole answer leads")
    lines += [
        "",
        f"Answer: {answer.status.value}, topic {answer.topic or 'none'}, /{answer.command.value}",
    ]
    if answer.passage is not None:
        lines.append(f"  leads with: {_heading(answer.section)}")
    elif answer.topic:
        lines.append("  leads with: the whole answer")
    if answer.warnings:
        lines.append("  warning signs raised: " + ", ".join(w.id for w in answer.warnings))
    lines += ["", _wrap(FIX_ROUTING)]
    return "\n".join(lines) + "\n"
