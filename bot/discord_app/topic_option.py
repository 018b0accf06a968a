"""The one topic option: a transformer with autocomplete, shared by every command that takes one.

`/treatment`, `/sideeffects`, `/resistance` and `/report` (and `/ask` when it comes) all declare
`topic: TopicOption[Command.X]`-style parameters through `topic_option(command)`; the length
limit and the autocomplete (ranked by the server's focus condition) live here once; what was
typed reaches the command as typed, and the core matches it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.core.answers import AnswerService
from bot.core.catalog import Command

if TYPE_CHECKING:
    from bot.discord_app.client import SupportBot

QUERY_MAX = 100
"""Longest topic or question a member may type into a topic option."""
CHOICE_NAME_MAX = 100
"""Discord's limit for an autocomplete choice's name."""


class TopicTransformer(app_commands.Transformer):
    """A topic, typed freely (with typos and brand names) or picked from autocomplete."""

    def __init__(self, command: Command) -> None:
        self.command = command

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Members type text; the matcher does the rest."""
        return discord.AppCommandOptionType.string

    @property
    def min_value(self) -> int:
        """At least one character (Discord's min_length for a string)."""
        return 1

    @property
    def max_value(self) -> int:
        """At most QUERY_MAX characters (Discord's max_length for a string)."""
        return QUERY_MAX

    async def transform(self, interaction: discord.Interaction, value: str, /) -> str:
        """What the member typed, unchanged: the core matches it (typos, brands and all)."""
        return value

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> list[app_commands.Choice[str]]:
        """Topics whose names start like what is typed, the server's focus condition first."""
        bot = cast("SupportBot", interaction.client)
        settings = bot.guild_settings(interaction.guild_id)
        return choices(bot.service, self.command, value, settings.focus if settings else None)


def choices(
    service: AnswerService, command: Command, typed: str, focus: str | None
) -> list[app_commands.Choice[str]]:
    """Autocomplete choices: each topic's label, with its id as the value."""
    return [
        app_commands.Choice(name=label[:CHOICE_NAME_MAX], value=topic_id)
        for label, topic_id in service.autocomplete(command, typed, focus)
    ]


def topic_option(command: Command) -> TopicTransformer:
    """The transformer for a topic parameter answered with `command`."""
    return TopicTransformer(command)
