"""A snippet's parts: each with a heading, its text, and optionally its own sources and examples.

Curators write sections explicitly in YAML (`sections:`). A snippet written as one `text` block
is split at its bold lead-ins: a line that starts with bold words (`**What it is:**`,
`**How strong is the evidence?**`, `**Never stop it suddenly.**`) begins a section; bold words
inside a list item or later in a line do not. `render` puts the parts back together as the whole
snippet reads, one blank line between parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LEAD_IN = re.compile(r"^\*\*(?P<heading>[^*\n]+?):?\*\*:?[ \t]*(?P<rest>.*)$")
"""`**What it is:** rest of the line`, `**How strong is the evidence?** rest`, `**Monitoring**`."""
_ENDS_SENTENCE = (".", "?", "!")


@dataclass(frozen=True)
class Section:
    """One part of a snippet, answerable on its own."""

    heading: str | None
    """The lead-in without its colon ("What it is"), or None for text before the first one."""
    text: str
    sources: tuple[str, ...] = ()
    """Source ids for this part alone (it also cites the snippet's sources)."""
    examples: tuple[str, ...] = ()
    """Questions a curator expects this part to answer; they steer /ask."""

    def rendered(self) -> str:
        """The section as it reads inside the whole snippet."""
        if self.heading is None:
            return self.text
        ends = self.heading.endswith(_ENDS_SENTENCE)
        lead = f"**{self.heading}**" if ends else f"**{self.heading}:**"
        if not self.text:
            return lead
        separator = "\n" if self.text.startswith(("-", "\n")) else " "
        return f"{lead}{separator}{self.text}"


def split(text: str) -> tuple[Section, ...]:
    """Split a snippet's text at its bold lead-ins (see the module's docstring)."""
    sections: list[Section] = []
    heading: str | None = None
    lines: list[str] = []

    def close() -> None:
        body = "\n".join(lines).strip("\n")
        if heading is not None or body.strip():
            sections.append(Section(heading, body))

    for line in text.splitlines():
        lead = _LEAD_IN.match(line)
        if lead is None:
            lines.append(line)
            continue
        close()
        heading = lead["heading"].strip()
        lines = [lead["rest"]] if lead["rest"] else []
    close()
    return tuple(sections)


def render(sections: tuple[Section, ...]) -> str:
    """The whole snippet's text from its sections, one blank line between them."""
    return "\n\n".join(section.rendered() for section in sections) + "\n"
