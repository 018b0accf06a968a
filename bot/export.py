"""The reviewers' export: the whole catalogue as one Markdown or HTML document.

A clinician advising a community can review every snippet, with its sources, review date and
disclaimer, in one sitting. Sources are listed once at the end; snippets link to them by id.
A snippet whose sections carry their own sources or example questions (which steer /ask) is
shown section by section, each followed by those.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date

from bot.core.catalog import (
    Catalog,
    Command,
    Interaction,
    Kind,
    Note,
    NoteKind,
    Topic,
    TopicName,
    WarningSign,
)
from bot.core.phrases import Phrase
from bot.core.sections import Section

SNIPPET_HEADINGS = {
    Command.TREATMENT: "Treatment",
    Command.SIDEEFFECTS: "Side effects",
    Command.RESISTANCE: "Treatment resistance",
}
NOTE_HEADINGS = {
    NoteKind.MG_CAUTION: "Medicines that can worsen MG",
    NoteKind.OUT_OF_SCOPE: "Not covered: look-alike disorders",
}
FORMATS = ("markdown", "html")
TOPIC_SECTIONS = {"conditions": Kind.CONDITION, "treatments": Kind.TREATMENT}
"""Section anchors that list topics, and the kind each lists."""
GENERAL_SIGNS = "warning-signs"
INTERACTIONS = "interactions"
SIGNS_HEADING = "Warning signs (shown before the answer; emergencies after the emergency notice)"


def _cue(cue: Phrase | TopicName) -> str:
    return f"topic {cue.topic}" if isinstance(cue, TopicName) else cue.source


def sign_summary(sign: WarningSign) -> tuple[str, str]:
    """(text, how it is raised) of a warning sign, as a reviewer reads it."""
    raised = "phrases: " + "; ".join(p.source for p in sign.phrases)
    if sign.with_any:
        raised += " — only with: " + "; ".join(_cue(c) for c in sign.with_any)
    return f"{sign.level.value.upper()} `{sign.id}`: {sign.means} {sign.do}", raised


def interaction_summary(interaction: Interaction) -> str:
    """Which names make an interaction note fit, group by group."""
    return " + ".join(
        "(" + " or ".join(_cue(c) for c in group) + ")" for group in interaction.between
    )


def _sections(catalog: Catalog) -> list[tuple[str, str]]:
    """(anchor, heading) of the document's top-level sections, in order."""
    sections = [(anchor, anchor.title()) for anchor in TOPIC_SECTIONS]
    if catalog.general_signs:
        sections.append((GENERAL_SIGNS, "Warning signs in any question"))
    if catalog.interactions:
        sections.append((INTERACTIONS, "Medicines taken together"))
    for kind, heading in NOTE_HEADINGS.items():
        if any(note.kind is kind for note in catalog.notes):
            sections.append((kind.value.replace("_", "-"), heading))
    sections.append(("sources", "Sources"))
    return sections


def source_mix(catalog: Catalog) -> str:
    """How many sources there are of each kind, primary kinds first."""
    counts: dict[str, int] = {}
    for source in sorted(catalog.sources.values(), key=lambda s: not s.primary):
        counts[source.kind.value] = counts.get(source.kind.value, 0) + 1
    return ", ".join(f"{count} {kind}" for kind, count in counts.items())


def _source_anchor(source_id: str) -> str:
    return f"src-{source_id.lower()}"


def _has_extras(sections: tuple[Section, ...]) -> bool:
    """Whether any section has its own sources or example questions to show."""
    return any(section.sources or section.examples for section in sections)


def examples_line(section: Section) -> str:
    """A section's example questions, as a reviewer reads them."""
    return "Example questions: " + "; ".join(f"“{q}”" for q in section.examples)


def _cited_by(catalog: Catalog) -> dict[str, list[str]]:
    cited: dict[str, list[str]] = {source_id: [] for source_id in catalog.sources}
    for topic in catalog.topics.values():
        ids = {s for snippet in topic.snippets.values() for s in snippet.sources}
        ids |= {
            s
            for snippet in topic.snippets.values()
            for section in snippet.sections
            for s in section.sources
        }
        ids |= {s for sign in topic.warning_signs for s in sign.sources}
        for source_id in sorted(ids):
            cited[source_id].append(topic.title)
    named = [(n.name, n.sources) for n in catalog.notes]
    named += [(i.name, i.sources) for i in catalog.interactions]
    named += [(f"warning sign {s.id}", s.sources) for s in catalog.general_signs]
    for name, sources in named:
        for source_id in sources:
            cited[source_id].append(name)
    return cited


def _topics(catalog: Catalog, kind: Kind) -> tuple[Topic, ...]:
    return catalog.of_kind(kind)


# -- Markdown ---------------------------------------------------------------------------


def _md_refs(ids: tuple[str, ...]) -> str:
    return ", ".join(f"[{i}](#{_source_anchor(i)})" for i in ids)


def _md_topic(catalog: Catalog, topic: Topic) -> Iterator[str]:
    yield f'### {topic.title} <a id="{topic.id}"></a>'
    yield ""
    yield f"- **id:** `{topic.id}` ({topic.kind.value}, file `{topic.file}`)"
    if topic.used_for:
        names = ", ".join(catalog.topics[c].title for c in topic.used_for)
        yield f"- **Used for:** {names}"
    if topic.medicines:
        yield f"- **Medicines:** {', '.join(topic.medicines)}"
    yield f"- **Aliases:** {', '.join(topic.aliases)}"
    yield ""
    for command, snippet in topic.snippets.items():
        yield f"#### {SNIPPET_HEADINGS[command]} (`/{command.value}`)"
        yield ""
        if _has_extras(snippet.sections):
            for section in snippet.sections:
                yield from _md_section(section)
        else:
            yield snippet.text.strip()
            yield ""
        yield f"- **Sources:** {_md_refs(snippet.sources)}"
        yield f"- **Reviewed:** {snippet.reviewed.isoformat()}"
        disclaimer = catalog.disclaimers[snippet.disclaimer].text
        yield f"- **Disclaimer ({snippet.disclaimer}):** {disclaimer}"
        yield ""
    if topic.warning_signs:
        yield f"#### {SIGNS_HEADING}"
        yield ""
        yield from _md_signs(topic.warning_signs)


def _md_section(section: Section) -> Iterator[str]:
    yield section.rendered().strip()
    yield ""
    if section.examples:
        yield f"*{examples_line(section)}*"
        yield ""
    if section.sources:
        yield f"*Sources for this part:* {_md_refs(section.sources)}"
        yield ""


def _md_signs(signs: tuple[WarningSign, ...]) -> Iterator[str]:
    for sign in signs:
        text, raised = sign_summary(sign)
        yield f"- **{text}** *({raised}; sources: {_md_refs(sign.sources)})*"
    yield ""


def _md_interaction(interaction: Interaction) -> Iterator[str]:
    yield f"### {interaction.name}"
    yield ""
    yield f"- **Fits:** {interaction_summary(interaction)}"
    yield f"- **Sources:** {_md_refs(interaction.sources)}"
    yield ""
    yield interaction.note.strip()
    yield ""


def _md_note(note: Note) -> Iterator[str]:
    yield f"### {note.name}"
    yield ""
    yield f"- **Names:** {', '.join(note.aliases)}"
    yield f"- **Sources:** {_md_refs(note.sources)}"
    yield ""
    yield note.text.strip()
    yield ""


def to_markdown(catalog: Catalog, today: date | None = None) -> str:
    """The whole catalogue as one Markdown document."""
    today = today or date.today()
    reviewed = catalog.last_reviewed
    lines = [
        f"# Content review: {catalog.condition_names(' and ')} treatment information",
        "",
        f"Exported {today.isoformat()}. {len(catalog.topics)} topics, "
        f"{sum(len(t.snippets) for t in catalog.topics.values())} snippets, "
        f"{len(catalog.notes)} notes, {len(catalog.sources)} sources; "
        f"last review {reviewed.isoformat() if reviewed else 'never'}.",
        "",
        f"**Emergency notice** (leads any answer to a crisis question): {catalog.emergency_notice}",
        "",
        "## Contents",
        "",
    ]
    for anchor, heading in _sections(catalog):
        lines.append(f"- [{heading}](#{anchor})")
        kind = TOPIC_SECTIONS.get(anchor)
        if kind is not None:
            lines.extend(f"  - [{t.title}](#{t.id})" for t in _topics(catalog, kind))
    lines.append("")
    for anchor, heading in _sections(catalog):
        lines += [f'## {heading} <a id="{anchor}"></a>', ""]
        kind = TOPIC_SECTIONS.get(anchor)
        if kind is not None:
            for topic in _topics(catalog, kind):
                lines.extend(_md_topic(catalog, topic))
        elif anchor == "sources":
            lines += [f"By kind: {source_mix(catalog)}.", ""]
            for source_id, users in _cited_by(catalog).items():
                source = catalog.sources[source_id]
                lines.append(
                    f'- <a id="{_source_anchor(source_id)}"></a>**{source_id}** '
                    f"({source.kind.value}): {source.citation}. "
                    f"<{source.url}> *(cited by: {', '.join(users) or 'nothing'})*"
                )
            lines.append("")
        elif anchor == GENERAL_SIGNS:
            lines.extend(_md_signs(catalog.general_signs))
        elif anchor == INTERACTIONS:
            for interaction in catalog.interactions:
                lines.extend(_md_interaction(interaction))
        else:
            for note in catalog.notes:
                if note.kind.value.replace("_", "-") == anchor:
                    lines.extend(_md_note(note))
    return "\n".join(lines).rstrip() + "\n"


# -- HTML -------------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{border-bottom:2px solid #ccc;margin-top:3rem}h3{margin-top:2.5rem}
.snippet{border-left:4px solid #7a9;padding:.2rem 1rem;margin:1rem 0;background:#f6faf7}
.meta{color:#555;font-size:.9rem}.flag{background:#fff4f0;border-left:4px solid #d64}
.notice{background:#fff4f0;border:1px solid #d64;padding:.6rem 1rem}code{background:#eee}
"""


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    return _ITALIC.sub(r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", escaped))


def markdown_to_html(text: str) -> str:
    """Render the snippet Markdown subset Discord shows (bold, italics, bullets, lines)."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append("<p>" + "<br>\n".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in text.strip().splitlines():
        line = raw.strip()
        bullet = re.match(r"^[-*•] (.*)$", line)
        if not line:
            flush()
        elif bullet:
            if paragraph:
                flush()
            items.append(bullet.group(1))
        else:
            if items:
                flush()
            paragraph.append(line)
    flush()
    return "\n".join(out)


def _html_refs(ids: tuple[str, ...]) -> str:
    return ", ".join(f'<a href="#{_source_anchor(i)}">{html.escape(i)}</a>' for i in ids)


def _html_topic(catalog: Catalog, topic: Topic) -> Iterator[str]:
    esc = html.escape
    yield f'<h3 id="{topic.id}">{esc(topic.title)}</h3>'
    meta = f"id <code>{topic.id}</code> · {topic.kind.value} · file <code>{esc(topic.file)}</code>"
    if topic.used_for:
        meta += " · used for " + ", ".join(esc(catalog.topics[c].title) for c in topic.used_for)
    if topic.medicines:
        meta += " · medicines: " + esc(", ".join(topic.medicines))
    yield f'<p class="meta">{meta}<br>aliases: {esc(", ".join(topic.aliases))}</p>'
    for command, snippet in topic.snippets.items():
        disclaimer = catalog.disclaimers[snippet.disclaimer].text
        yield f"<h4>{SNIPPET_HEADINGS[command]} (<code>/{command.value}</code>)</h4>"
        if _has_extras(snippet.sections):
            parts = "\n".join(_html_section(section) for section in snippet.sections)
            yield f'<div class="snippet">{parts}</div>'
        else:
            yield f'<div class="snippet">{markdown_to_html(snippet.text)}</div>'
        yield (
            f'<p class="meta">Sources: {_html_refs(snippet.sources)}<br>'
            f"Reviewed: {snippet.reviewed.isoformat()}<br>"
            f"Disclaimer ({esc(snippet.disclaimer)}): {esc(disclaimer)}</p>"
        )
    if topic.warning_signs:
        yield f"<h4>{esc(SIGNS_HEADING)}</h4>"
        yield from _html_signs(topic.warning_signs)


def _html_section(section: Section) -> str:
    lines = [markdown_to_html(section.rendered())]
    extras = []
    if section.examples:
        extras.append(html.escape(examples_line(section)))
    if section.sources:
        extras.append(f"Sources for this part: {_html_refs(section.sources)}")
    if extras:
        lines.append('<p class="meta">' + "<br>".join(extras) + "</p>")
    return "\n".join(lines)


def _html_signs(signs: tuple[WarningSign, ...]) -> Iterator[str]:
    yield "<ul>"
    for sign in signs:
        text, raised = sign_summary(sign)
        yield (
            f'<li class="flag">{_inline(text)} <span class="meta">({html.escape(raised)}; '
            f"sources: {_html_refs(sign.sources)})</span></li>"
        )
    yield "</ul>"


def to_html(catalog: Catalog, today: date | None = None) -> str:
    """The whole catalogue as one self-contained HTML page with a table of contents."""
    esc = html.escape
    today = today or date.today()
    reviewed = catalog.last_reviewed
    conditions = catalog.condition_names(" and ")
    body = [
        f"<h1>Content review: {esc(conditions)} treatment information</h1>",
        f'<p class="meta">Exported {today.isoformat()} · {len(catalog.topics)} topics · '
        f"{sum(len(t.snippets) for t in catalog.topics.values())} snippets · "
        f"{len(catalog.notes)} notes · {len(catalog.sources)} sources · last review "
        f"{reviewed.isoformat() if reviewed else 'never'}</p>",
        f'<p class="notice"><strong>Emergency notice</strong> (leads any answer to a crisis '
        f"question): {esc(catalog.emergency_notice)}</p>",
        '<nav><h2 id="contents">Contents</h2><ul>',
    ]
    for anchor, heading in _sections(catalog):
        body.append(f'<li><a href="#{anchor}">{heading}</a>')
        kind = TOPIC_SECTIONS.get(anchor)
        if kind is not None:
            body.append("<ul>")
            body.extend(
                f'<li><a href="#{t.id}">{esc(t.title)}</a></li>' for t in _topics(catalog, kind)
            )
            body.append("</ul>")
        body.append("</li>")
    body.append("</ul></nav>")
    for anchor, heading in _sections(catalog):
        body.append(f'<h2 id="{anchor}">{heading}</h2>')
        kind = TOPIC_SECTIONS.get(anchor)
        if kind is not None:
            for topic in _topics(catalog, kind):
                body.extend(_html_topic(catalog, topic))
        elif anchor == "sources":
            body.append(f'<p class="meta">By kind: {esc(source_mix(catalog))}.</p><ol>')
            for source_id, users in _cited_by(catalog).items():
                source = catalog.sources[source_id]
                url = esc(source.url)
                body.append(
                    f'<li id="{_source_anchor(source_id)}"><strong>{esc(source_id)}</strong> '
                    f"({source.kind.value}): "
                    f'{esc(source.citation)}. <a href="{url}">{url}</a> <span class="meta">'
                    f"(cited by: {esc(', '.join(users) or 'nothing')})</span></li>"
                )
            body.append("</ol>")
        elif anchor == GENERAL_SIGNS:
            body.extend(_html_signs(catalog.general_signs))
        elif anchor == INTERACTIONS:
            for interaction in catalog.interactions:
                body.append(f"<h3>{esc(interaction.name)}</h3>")
                body.append(
                    f'<p class="meta">fits: {esc(interaction_summary(interaction))}<br>'
                    f"sources: {_html_refs(interaction.sources)}</p>"
                )
                body.append(f'<div class="snippet">{markdown_to_html(interaction.note)}</div>')
        else:
            for note in catalog.notes:
                if note.kind.value.replace("_", "-") == anchor:
                    body.append(f"<h3>{esc(note.name)}</h3>")
                    body.append(
                        f'<p class="meta">names: {esc(", ".join(note.aliases))}<br>'
                        f"sources: {_html_refs(note.sources)}</p>"
                    )
                    body.append(f'<div class="snippet">{markdown_to_html(note.text)}</div>')
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Content review: {esc(conditions)}</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def export(catalog: Catalog, fmt: str, today: date | None = None) -> str:
    """The catalogue in `fmt` ("markdown" or "html")."""
    if fmt == "html":
        return to_html(catalog, today)
    if fmt == "markdown":
        return to_markdown(catalog, today)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
