"""Turn a core Answer into what Discord shows: message content (the emergency notice) and an embed.

Every embed stays inside Discord's limits (title 256, description 4,096, field value 1,024,
footer 2,048, 25 fields, 6,000 in all); message content stays within 2,000 characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.core.answers import Answer, NoteRef, SourceRef, Status
from bot.core.catalog import Catalog, Level

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
FIELDS_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000

NEUTRAL = discord.Colour(0x6C757D)
NOTE_COLOUR = discord.Colour(0xE9A23B)
EMERGENCY_PREFIX = "🚨 "


def escape(text: str) -> str:
    """Echo what a member typed without Markdown effects or pings."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def colour_for(catalog: Catalog, topic_id: str | None) -> discord.Colour:
    """The colour content gives the topic's condition (see Catalog.colour_for), or neutral."""
    colour = catalog.colour_for(topic_id)
    return discord.Colour.from_str(colour) if colour else NEUTRAL


WARNING_LEADS = {
    Level.EMERGENCY: "🚨 ",
    Level.URGENT: "⚠️ **Get medical care today.** ",
    Level.CONTACT: "📞 **Call your care team soon.** ",
}


def warning_content(answer: Answer) -> str | None:
    """The message text that leads an answer: the emergency notice, then each warning sign.

    It is the message content, not an embed, so it shows in notifications and on phones.
    """
    lines = [f"{EMERGENCY_PREFIX}**{answer.emergency}**"] if answer.emergency else []
    lines += [f"{WARNING_LEADS[w.level]}{w.means} **{w.do}**" for w in answer.warnings]
    return _cut("\n".join(lines), CONTENT_LIMIT) if lines else None


def _source_line(number: int, source: SourceRef) -> str:
    title = discord.utils.escape_markdown(_cut(source.title, 120)).replace("]", ")")
    url = source.url.replace(")", "%29")
    line = f"{number}. [{title}]({url})"
    return line if len(line) <= FIELD_VALUE_LIMIT else f"{number}. {title}"


MAX_SOURCE_FIELDS = 10


def _pack(lines: list[str]) -> list[str]:
    """Join lines into field values of at most 1,024 characters each."""
    values: list[str] = []
    for line in lines:
        if values and len(values[-1]) + 1 + len(line) <= FIELD_VALUE_LIMIT:
            values[-1] += "\n" + line
        else:
            values.append(line[:FIELD_VALUE_LIMIT])
    return values


SHOWN_SOURCES = 4
"""Sources under an answer on Discord (primary first); the All sources button lists the rest."""


def _source_fields(
    sources: tuple[SourceRef, ...], budget: int, at_most: int | None = None
) -> list[tuple[str, str]]:
    """(name, value) fields listing the sources within the field limits and `budget` characters.

    At most `at_most` are listed; when not all are, the last line says how many more there are.
    """
    lines = [_source_line(number, source) for number, source in enumerate(sources, 1)]
    for shown in range(min(len(lines), at_most or len(lines)), -1, -1):
        body = lines[:shown]
        if shown < len(lines):
            body.append(f"…and {len(lines) - shown} more: press **All sources**.")
        values = _pack(body)
        fields = [("Sources" if i == 0 else "Sources (continued)", v) for i, v in enumerate(values)]
        size = sum(len(name) + len(value) for name, value in fields)
        if len(fields) <= MAX_SOURCE_FIELDS and size <= budget:
            return fields
    return []


@dataclass(frozen=True)
class Card:
    """Everything an answer's embed is built from, and nothing else (a cache key for it)."""

    title: str
    description: str
    colour: int
    footer: str
    sources: tuple[SourceRef, ...]


def answer_card(catalog: Catalog, answer: Answer) -> Card:
    """What the answer's embed shows: a snippet's or a note's title, text, colour and sources."""
    footer = answer.disclaimer or ""
    if answer.reviewed:
        footer += f" · Reviewed {answer.reviewed.isoformat()}"
    colour = NOTE_COLOUR if answer.status.is_note else colour_for(catalog, answer.topic)
    return Card(
        title=_cut(answer.title or "Answer", TITLE_LIMIT),
        description=_cut(_part_first(answer), DESCRIPTION_LIMIT),
        colour=colour.value,
        footer=_cut(footer, FOOTER_LIMIT),
        sources=_unique(answer.passage_sources + answer.sources),
    )


PART_NOTE = (
    "*This is the part of the answer that fits your question. Press Full answer for all of it.*"
)


def _part_first(answer: Answer) -> str:
    """An /ask reply leads with the part that fits; every other answer shows its whole text."""
    if answer.section is None or answer.passage is None:
        return answer.body
    return f"**{answer.section}**\n{answer.passage}\n\n{PART_NOTE}"


def _unique(sources: tuple[SourceRef, ...]) -> tuple[SourceRef, ...]:
    """Sources once each (a part's own sources come first, then the snippet's)."""
    seen: set[str] = set()
    kept: list[SourceRef] = []
    for source in sources:
        if source.url not in seen:
            seen.add(source.url)
            kept.append(source)
    return tuple(kept)


def card_embed(card: Card, total: int = EMBED_TOTAL_LIMIT) -> discord.Embed:
    """The embed of a card; sources are cut (with a count of the rest) to fit `total`."""
    embed = discord.Embed(title=card.title, description=card.description, colour=card.colour)
    budget = total - len(card.title) - len(card.description) - len(card.footer)
    for name, value in _source_fields(card.sources, budget, SHOWN_SOURCES):
        embed.add_field(name=name, value=value, inline=False)
    if card.footer:
        embed.set_footer(text=card.footer)
    return embed


def answer_embed(catalog: Catalog, answer: Answer, total: int = EMBED_TOTAL_LIMIT) -> discord.Embed:
    """The embed for a snippet or a note: title, text, sources, disclaimer and review date.

    Sources are cut (with a count of the rest) to keep the embed within `total` characters.
    """
    return card_embed(answer_card(catalog, answer), total)


def all_sources_embed(answer: Answer) -> discord.Embed:
    """Every source of an answer, numbered as under the answer, for the All sources button."""
    title = _cut(f"All sources: {answer.title or 'this answer'}", TITLE_LIMIT)
    embed = discord.Embed(title=title, colour=NEUTRAL)
    lines = [
        f"{_source_line(number, source)} ({source.kind})"
        for number, source in enumerate(answer.sources, 1)
    ]
    embed.description = _cut("\n".join(lines), DESCRIPTION_LIMIT)
    embed.set_footer(
        text="Primary sources (journals, labels, health agencies, guidelines, "
        "patient organisations) are listed first."
    )
    return embed


NOTE_LABELS = {"interaction": "Taken together", "mg_caution": "MG caution"}
MAX_NOTE_CHARS = 1200
MIN_NOTE_CHARS = 300


def note_embed(note: NoteRef) -> discord.Embed:
    """A note shown before the answer: an interaction or an MG caution, with its sources."""
    label = NOTE_LABELS.get(note.kind, "Note")
    title = _cut(f"{label}: {note.name}", TITLE_LIMIT)
    embed = discord.Embed(
        title=title, description=_cut(note.text, MAX_NOTE_CHARS), colour=NOTE_COLOUR
    )
    for name, value in _source_fields(note.sources, 600):
        embed.add_field(name=name, value=value, inline=False)
    return embed


def answer_embeds(catalog: Catalog, answer: Answer) -> list[discord.Embed]:
    """The notes (first) and the answer's embed, together within Discord's 6,000 characters."""
    notes = [note_embed(note) for note in answer.notes[:3]]
    used = sum(len(e) for e in notes)
    main = answer_embed(catalog, answer, total=EMBED_TOTAL_LIMIT - used)
    # the answer keeps its text; notes are shortened (never below 300 characters), then dropped
    for note in reversed(notes):
        over = used + len(main) - EMBED_TOTAL_LIMIT
        text = note.description or ""
        if over > 0 and len(text) > MIN_NOTE_CHARS:
            note.description = _cut(text, max(MIN_NOTE_CHARS, len(text) - over))
            used = sum(len(e) for e in notes)
    while notes and used + len(main) > EMBED_TOTAL_LIMIT:
        used -= len(notes.pop())
    return [*notes, main]


def suggestion_content(answer: Answer) -> str:
    """Text for no match, wrong kind and topic lists; echoed input is escaped."""
    parts: list[str] = []
    if answer.status is Status.NO_MATCH:
        shown = escape(answer.query) or "that"
        parts.append(f"No topic matches “{shown}”.")
    if answer.lead:
        parts.append(answer.lead)
    elif answer.hint:
        parts.append(f"{answer.hint}, or see `/topics`.")
    if answer.status.lists_suggestions:
        parts.append("\n".join(f"- {ref.title}" for ref in answer.suggestions))
    text = "\n".join(part for part in parts if part)
    warnings = warning_content(answer)
    if warnings:
        text = f"{warnings}\n\n{text}"
    return _cut(text, CONTENT_LIMIT)
