"""Where the content lives: `--content-dir`, else `BOT_CONTENT_DIR`, else the bundled folder.

The bundled folder is the repository's `content/` when the bot runs from a checkout (the
curators' folder, so an edit shows at once), and otherwise the copy installed with the package
as `bot/content` (package data, see pyproject.toml), found through importlib.resources: an
installed bot answers from any folder.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
CHECKOUT_CONTENT = _PACKAGE.parent / "content"


def installed_content() -> Path:
    """The content installed with the package (`bot/content`), wherever the package is."""
    from importlib.resources import files  # only outside a checkout: it costs a start 7 ms

    resource = files(__package__ or "bot") / "content"
    # a package imported from the file system gives a real path; from a zip it would not,
    # and then the path below does not exist and loading says "content folder not found"
    return resource if isinstance(resource, Path) else _PACKAGE / "content"


def _in_checkout() -> bool:
    """Whether this `bot` package is a source checkout's (its content/ beside pyproject.toml)."""
    return (_PACKAGE.parent / "pyproject.toml").is_file() and CHECKOUT_CONTENT.is_dir()


BUNDLED_CONTENT = CHECKOUT_CONTENT if _in_checkout() else installed_content()


def resolve_content_dir(option: str | None = None) -> Path:
    """The content folder to read, from the option, the environment or the bundled default."""
    chosen = option or os.environ.get("BOT_CONTENT_DIR")
    if chosen:
        return Path(chosen).expanduser()
    return BUNDLED_CONTENT
