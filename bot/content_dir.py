"""Where the content lives: `--content-dir`, else `BOT_CONTENT_DIR`, else the bundled folder."""

from __future__ import annotations

import os
from pathlib import Path

BUNDLED_CONTENT = Path(__file__).resolve().parent.parent / "content"


def resolve_content_dir(option: str | None = None) -> Path:
    """The content folder to read, from the option, the environment or the bundled default."""
    chosen = option or os.environ.get("BOT_CONTENT_DIR")
    if chosen:
        return Path(chosen).expanduser()
    if BUNDLED_CONTENT.is_dir():
        return BUNDLED_CONTENT
    return Path("content")
