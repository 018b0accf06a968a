"""The one base of the bot's own errors: each carries its plain words and its exit code.

`str(error)` is for the operator or curator (it may name a file or a setting). A member on
Discord reads `member_message` instead, which never holds an operator's details. The command
line exits with `exit_code`, so no mapping elsewhere has to know every error class.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_OK = 0
EXIT_NOT_FOUND = 1
"""`check` found problems, `ask` found no topic, `health` is unhealthy (like grep)."""
EXIT_USAGE = 2
"""Bad arguments, settings, content or storage: something to fix before trying again."""
EXIT_INTERRUPTED = 130
"""Stopped with Ctrl-C."""


class BotError(Exception):
    """An error the bot expects and explains; subclasses set their words and exit code."""

    exit_code: ClassVar[int] = EXIT_USAGE
    """What `python -m bot` exits with when this error ends a command."""
    member_message: ClassVar[str] = (
        "Sorry, something went wrong on our side. Please try again in a moment."
    )
    """What a member reads on Discord when this error ends their command."""
