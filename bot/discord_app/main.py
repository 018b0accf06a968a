"""`python -m bot run` and `python -m bot sync`: settings and logging, then the bot.

Errors (SettingsError, StartupError) are raised for bot.cli.main to print with their exit code.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TextIO

from bot.errors import EXIT_OK
from bot.settings import Settings


def keep_discord_logs_quiet(level: str) -> None:
    """discord.py logs raw gateway events (members, their questions) at DEBUG: never go there."""
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))


def configure_logging(level: str) -> None:
    """Our own logs at `level`; discord.py's never below INFO."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    keep_discord_logs_quiet(level)


def run_discord(action: str, content_dir: str | None, guild: int | None, err: TextIO) -> int:
    """Run or sync the Discord bot; EXIT_OK on a clean stop.

    SettingsError or StartupError (a BotError, with plain words) when it cannot start.
    """
    from bot.discord_app.client import run_bot, sync_commands

    settings = Settings.load(content_dir=content_dir)
    configure_logging(settings.log_level)
    settings.require_token()
    if action == "sync":
        names = asyncio.run(sync_commands(settings, guild))
        where = f"server {guild}" if guild else "all servers (global; may take up to an hour)"
        print(f"Registered {len(names)} commands for {where}: {', '.join(names)}", file=err)
    else:
        asyncio.run(run_bot(settings))
    return EXIT_OK
