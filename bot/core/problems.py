"""What is wrong with content: each Problem, and the ContentError that carries them all.

Kept apart from the loader, so that code which only reports problems does not import YAML.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import BotError


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, located as precisely as possible."""

    file: str
    line: int | None
    topic: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        """Format as `file:line: topic X, field Y: message`."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = []
        if self.topic:
            parts.append(f"topic {self.topic}")
        if self.field:
            parts.append(f"field {self.field}")
        context = f" {', '.join(parts)}:" if parts else ""
        return f"{where}:{context} {self.message}"


class ContentError(BotError):
    """The content has problems; nothing from it may be served."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line or 0, p.message)))
        super().__init__(f"{len(self.problems)} content problem(s)")
