"""The command tree, and the one place where any command's error becomes a plain reply.

Every error from a slash command, its checks, its transformers or its code ends here: the
member gets a short private message (never a traceback, never an operator's detail), and the
log gets the fault without the member or what they asked.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.discord_app.pacing import wait_message
from bot.discord_app.replies import NO_MENTIONS
from bot.errors import BotError

if TYPE_CHECKING:
    from bot.discord_app.client import SupportBot

log = logging.getLogger("bot.discord")

UNEXPECTED = BotError.member_message
NOT_HERE = "This command only works in a server, not in direct messages."
NOT_ALLOWED = "You need the {permissions} permission in this server to use this command."
UNREADABLE = "I couldn't read that {option}. Please pick one from the list or type it again."
BOT_NOT_ALLOWED = "I'm missing the {permissions} permission in this channel to do that."


def _names(permissions: list[str]) -> str:
    return " and ".join(name.replace("_", " ").title() for name in permissions)


def member_message(error: app_commands.AppCommandError) -> str:
    """What the member reads for `error`: from the error itself when it carries words."""
    original = getattr(error, "original", error)
    if isinstance(original, BotError):
        return original.member_message
    if isinstance(error, app_commands.CommandOnCooldown):
        return wait_message(error.retry_after)
    if isinstance(error, app_commands.NoPrivateMessage):
        return NOT_HERE
    if isinstance(error, app_commands.MissingPermissions):
        return NOT_ALLOWED.format(permissions=_names(error.missing_permissions))
    if isinstance(error, app_commands.BotMissingPermissions):
        return BOT_NOT_ALLOWED.format(permissions=_names(error.missing_permissions))
    if isinstance(error, app_commands.TransformerError):
        return UNREADABLE.format(option="value")
    return UNEXPECTED


def _expected(error: app_commands.AppCommandError) -> bool:
    """Errors that are part of normal use (no stack trace in the log)."""
    return isinstance(
        error,
        app_commands.CheckFailure | app_commands.TransformerError,
    )


class SupportTree(app_commands.CommandTree["SupportBot"]):
    """discord.py's command tree with the bot's one error handler (passed as `tree_cls`)."""

    async def interaction_check(self, interaction: discord.Interaction[SupportBot], /) -> bool:
        """Server-only commands refuse direct messages here too (Discord hides them there)."""
        command = interaction.command
        if isinstance(command, app_commands.Command | app_commands.Group):
            root = command.root_parent or command
            if root.guild_only and interaction.guild_id is None:
                raise app_commands.NoPrivateMessage()
        return True

    async def on_error(
        self, interaction: discord.Interaction[SupportBot], error: app_commands.AppCommandError
    ) -> None:
        """Reply privately and plainly; log the fault without member data."""
        command = interaction.command.name if interaction.command else "unknown"
        original = getattr(error, "original", error)
        if isinstance(original, BotError):
            log.error("error in /%s: %s: %s", command, type(original).__name__, original)
        elif _expected(error):
            log.info("/%s refused: %s", command, type(error).__name__)
        else:
            log.error(
                "error in /%s: %s",
                command,
                type(original).__name__,
                exc_info=(type(original), original, original.__traceback__),
            )
        await reply_privately(interaction, member_message(error))


async def reply_privately(interaction: discord.Interaction[Any], message: str) -> None:
    """Send `message` to the member alone, as a follow-up if the reply was already started."""
    with contextlib.suppress(discord.HTTPException):
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
