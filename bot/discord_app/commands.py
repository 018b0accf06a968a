"""The slash commands: /treatment, /sideeffects, /resistance, /about, /topics."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.answers import Answer, AnswerService
from bot.core.ask import ASK_MAX_CHARS
from bot.core.catalog import Command, Kind
from bot.discord_app.embeds import FIELD_VALUE_LIMIT, NEUTRAL
from bot.discord_app.replies import NO_MENTIONS
from bot.discord_app.topic_option import topic_option

if TYPE_CHECKING:
    from bot.discord_app.client import SupportBot

log = logging.getLogger("bot.discord")


ASK_MENU = "Ask the support bot"
"""The message context-menu command's name (what members see under Apps)."""
PACED_COMMANDS = frozenset({*(command.value for command in Command), "ask", ASK_MENU})
"""Commands that answer a question; each takes one from the member's pace."""


class AnswerCommands(commands.Cog):
    """The member-facing commands. Logic lives in the core; this only adapts."""

    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot
        self.ask_menu = app_commands.ContextMenu(name=ASK_MENU, callback=self.ask_about_message)
        """The message context-menu command; context menus cannot live inside a cog's class."""

    async def cog_load(self) -> None:
        """Register the context-menu command beside the slash commands."""
        self.bot.tree.add_command(self.ask_menu)

    async def cog_unload(self) -> None:
        """Take the context-menu command away with the cog."""
        self.bot.tree.remove_command(self.ask_menu.name, type=self.ask_menu.type)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """The bot's answer pace applies to the answer commands, not /about or /topics."""
        command = interaction.command
        if command is not None and command.name in PACED_COMMANDS:
            return self.bot.pace.check(interaction)
        return True

    async def _answer(self, interaction: discord.Interaction, command: Command, query: str) -> None:
        started = time.perf_counter()
        responder = self.bot.responder  # one catalogue for the whole interaction
        settings = self.bot.guild_settings(interaction.guild_id)
        focus = settings.focus if settings else None
        answer = responder.service.ask(command, query, focus=focus)
        await responder.send(interaction, answer, settings)
        self._done(interaction, answer, command.value, started)

    async def _ask(
        self, interaction: discord.Interaction, question: str, *, private: bool, name: str
    ) -> None:
        started = time.perf_counter()
        responder = self.bot.responder
        settings = self.bot.guild_settings(interaction.guild_id)
        answer = responder.asker.ask(question, focus=settings.focus if settings else None)
        await responder.send(interaction, answer, settings, private=private)
        self._done(interaction, answer, name, started)

    def _done(
        self, interaction: discord.Interaction, answer: Answer, name: str, started: float
    ) -> None:
        """Count the answer and log one line: never the member, never the question."""
        self.bot.record(interaction.guild_id, answer)
        log.info(
            "interaction command=%s answered=%s status=%s topic=%s section=%s emergency=%s "
            "latency_ms=%.1f",
            name,
            answer.command.value,
            answer.status.value,
            answer.topic or "none",
            "yes" if answer.section else "no",
            "yes" if answer.emergency else "no",
            (time.perf_counter() - started) * 1000,
        )

    @app_commands.command(
        name="ask", description="Ask in your own words about a condition or a treatment"
    )
    @app_commands.describe(question="e.g. do I need a blood test before azathioprine?")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, ASK_MAX_CHARS],
    ) -> None:
        """Answer `/ask question:` with the part of a snippet that fits, then the full one."""
        await self._ask(interaction, question, private=False, name="ask")

    async def ask_about_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Answer a posted message, privately to the member who asked about it."""
        self.bot.pace.check(interaction)
        question = message.content.strip()
        if not question:
            await interaction.response.send_message(
                "That message has no text I can answer.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        await self._ask(interaction, question[:ASK_MAX_CHARS], private=True, name="ask-menu")

    @app_commands.command(
        name="treatment", description="Treatment overview for SPS, AE or MG, or about a treatment"
    )
    @app_commands.describe(topic="A condition (SPS, AE, MG) or a treatment (e.g. IVIG, baclofen)")
    async def treatment(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Transform[str, topic_option(Command.TREATMENT)],
    ) -> None:
        """Answer `/treatment topic:`."""
        await self._answer(interaction, Command.TREATMENT, topic)

    @app_commands.command(
        name="sideeffects", description="Side effects and warning signs of a treatment"
    )
    @app_commands.describe(treatment="A treatment or medicine, e.g. IVIG, Valium, Mestinon")
    async def sideeffects(
        self,
        interaction: discord.Interaction,
        treatment: app_commands.Transform[str, topic_option(Command.SIDEEFFECTS)],
    ) -> None:
        """Answer `/sideeffects treatment:`."""
        await self._answer(interaction, Command.SIDEEFFECTS, treatment)

    @app_commands.command(
        name="resistance", description="What treatment resistance means for SPS, AE or MG"
    )
    @app_commands.describe(condition="SPS, AE or MG")
    async def resistance(
        self,
        interaction: discord.Interaction,
        condition: app_commands.Transform[str, topic_option(Command.RESISTANCE)],
    ) -> None:
        """Answer `/resistance condition:`."""
        await self._answer(interaction, Command.RESISTANCE, condition)

    @app_commands.command(
        name="about", description="What this bot is and is not, and where its answers come from"
    )
    async def about(self, interaction: discord.Interaction) -> None:
        """/about: purpose, disclaimer, content, review date, how to report a mistake."""
        await interaction.response.send_message(
            embed=about_embed(self.bot.responder.service),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(
        name="topics", description="Browse the conditions and treatments this bot covers"
    )
    async def topics(self, interaction: discord.Interaction) -> None:
        """/topics: everything covered, grouped by condition."""
        await interaction.response.send_message(
            embed=topics_embed(self.bot.responder.service),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


def about_embed(service: AnswerService) -> discord.Embed:
    """The /about card."""
    catalog = service.catalog
    reviewed = catalog.last_reviewed.isoformat() if catalog.last_reviewed else "not yet"
    general = catalog.disclaimers.get("general")
    embed = discord.Embed(
        title="About this bot",
        colour=NEUTRAL,
        description=(
            "Short, sourced answers about treatments for **stiff person syndrome (SPS)**, "
            "**autoimmune encephalitis (AE)** and **myasthenia gravis (MG)**: "
            "`/treatment`, `/sideeffects`, `/resistance`, `/topics`.\n\n"
            "**What it is not:** it is not medical advice, it does not diagnose, and it never "
            "suggests doses or changes to treatment. Your own neurologist and care team know "
            "your situation.\n\n"
            f"**In an emergency:** {catalog.emergency_notice}"
        ),
    )
    embed.add_field(
        name="Where the answers come from",
        value=(
            "Written in the project's own words from published research, patient-foundation "
            "pages and drug labels; every answer lists its sources. Moderators curate the "
            f"content. {len(catalog.topics)} topics, {len(catalog.sources)} sources; "
            f"last reviewed {reviewed}."
        ),
        inline=False,
    )
    embed.add_field(
        name="Privacy",
        value="Answers are private to you unless you press “Share in channel”.",
        inline=False,
    )
    embed.add_field(
        name="Spotted a mistake?",
        value="Use `/report`: pick the topic and say what looks wrong. Curators read every one.",
        inline=False,
    )
    if general:
        embed.set_footer(text=general.text)
    return embed


def topics_embed(service: AnswerService) -> discord.Embed:
    """The /topics card: each condition with the treatments used for it."""
    catalog = service.catalog
    embed = discord.Embed(
        title="What this bot covers",
        colour=NEUTRAL,
        description="Ask `/treatment`, `/sideeffects` or `/resistance` about any of these.",
    )
    for condition in catalog.of_kind(Kind.CONDITION):
        names = ", ".join(t.title for t in catalog.treatments_for(condition.id))
        value = names if len(names) <= FIELD_VALUE_LIMIT else names[: FIELD_VALUE_LIMIT - 1] + "…"
        embed.add_field(name=condition.title, value=value or "—", inline=False)
    return embed
