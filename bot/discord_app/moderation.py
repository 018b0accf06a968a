"""Moderator and privacy commands: /settings, /report, /stats, /privacy, /reload."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.catalog import Command, Kind
from bot.core.normalize import printable
from bot.discord_app.embeds import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    NEUTRAL,
    escape,
)
from bot.discord_app.pacing import PACE_RATE, PACE_SECONDS
from bot.discord_app.replies import NO_MENTIONS
from bot.discord_app.topic_option import topic_option
from bot.server_settings import (
    CLEAR,
    SETTINGS,
    SettingKind,
    SettingSpec,
    UnknownCondition,
    resolve_condition,
)
from bot.storage.base import (
    REPORT_CLOSED_DAYS,
    REPORT_OPEN_DAYS,
    RETENTION_DAYS,
    STATS_DAYS,
    GuildSettings,
    Storage,
    StorageError,
)

if TYPE_CHECKING:
    from bot.discord_app.client import SupportBot

log = logging.getLogger("bot.discord")

MANAGE_SERVER = discord.Permissions(manage_guild=True)
REPORT_MAX = 1000
REPORT_POST_SECONDS = 10.0
"""Longest wait for the moderators' channel (it may be rate-limited); the report is saved first."""
STORAGE_DOWN = (
    "The bot's database is unavailable right now, so {what}. Answers to questions still work. "
    "The bot's operator has the details in its log and `python -m bot health`; restoring the "
    "last backup brings settings, reports and stats back."
)

PRIVACY_TEXT = f"""\
**What this bot keeps, and for how long**
- **Your questions:** not stored with you. Answers are private to you unless you share them.
- **Counts, for moderators:** for each server and day, how often each topic was answered and \
how often a question found no answer (the question's words, tidied, with mentions, links and \
numbers taken out, and without who asked). A question that raised a warning sign is never \
kept. Counts are deleted after {RETENTION_DAYS} days.
- **Mistake reports (`/report`):** the topic, your text, the date and the server. Your name is \
kept only if you tick "you may contact me", and only until the report is closed. A closed \
report is deleted {REPORT_CLOSED_DAYS} days later; one never closed, after {REPORT_OPEN_DAYS} days.
- **Server settings:** what moderators set with `/settings`.
- **In memory only:** to pace answers ({PACE_RATE} per {PACE_SECONDS:.0f} seconds), the bot \
remembers when you last asked, for {PACE_SECONDS:.0f} seconds. To answer quickly it also keeps \
recent answers by the question's words, never with who asked. Nothing about you is written to \
its logs.
- **When the bot leaves a server,** that server's settings, reports and counts are deleted."""


CONDITION_MAX = 100
"""Longest condition a moderator may type into `/settings focus`."""
CHOICE_NAME_MAX = 100
"""Discord's limit for an option choice's name."""
AUTOCOMPLETE_MAX = 25
"""Discord's limit for the number of autocomplete choices."""


def _setting_option(spec: SettingSpec) -> tuple[Any, bool]:
    """The option type (a callback annotation) of a setting's kind, and if it is required."""
    match spec.kind:
        case SettingKind.TEXT:
            assert spec.max_length is not None  # required of text settings
            return app_commands.Range[str, 1, spec.max_length] | None, False
        case SettingKind.CHOICE:
            return str, True
        case SettingKind.CHANNEL:
            return discord.TextChannel | None, False
        case SettingKind.CONDITION:
            return app_commands.Range[str, 1, CONDITION_MAX], True


def _shown(spec: SettingSpec, value: Any, generic_notice: str, guild: discord.Guild) -> str:
    """How the settings embed shows a setting's value (its `unset` text while it is None)."""
    unset = spec.unset.replace("{emergency_notice}", generic_notice)
    match spec.kind:
        case SettingKind.CHOICE:
            return spec.choice(value).shown
        case SettingKind.CHANNEL:
            channel = guild.get_channel(value) if value is not None else None
            return channel.mention if channel is not None else unset
        case SettingKind.TEXT | SettingKind.CONDITION:
            return escape(value) if value is not None else unset


def _settings_embed(
    settings: GuildSettings, generic_notice: str, guild: discord.Guild
) -> discord.Embed:
    """Every setting of the server, one field each, in declaration order."""
    embed = discord.Embed(title="This server's settings", colour=NEUTRAL)
    for spec in SETTINGS:
        shown = _shown(spec, getattr(settings, spec.name), generic_notice, guild)
        embed.add_field(name=spec.title, value=shown[:FIELD_VALUE_LIMIT], inline=False)
    return embed


class Moderation(commands.Cog):
    """Per-server settings, mistake reports, anonymous stats, privacy and content reload."""

    settings_group = app_commands.Group(
        name="settings",
        description="This server's bot settings (moderators)",
        default_permissions=MANAGE_SERVER,
        guild_only=True,
    )

    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot
        for spec in SETTINGS:  # after show and reset, one subcommand per setting
            self.settings_group.add_command(self._setting_command(spec))

    def _storage(self) -> Storage:
        return self.bot.require_storage()

    async def _show(
        self, interaction: discord.Interaction, settings: GuildSettings, note: str
    ) -> None:
        assert interaction.guild is not None
        embed = _settings_embed(
            settings, self.bot.responder.service.catalog.emergency_notice, interaction.guild
        )
        await _say(interaction, note, embed=embed)

    async def _change(self, interaction: discord.Interaction, note: str, **changes: object) -> None:
        """Defer (the database may be slow), apply `changes` (none: back to the defaults), show.

        A value storage refuses is told privately; nothing changes.
        """
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        storage = self._storage()
        try:
            if changes:
                settings = await storage.update_settings(interaction.guild_id, **changes)
            else:
                settings = await storage.reset_settings(interaction.guild_id)
        except ValueError as error:
            await _say(interaction, escape(f"Nothing was changed: {error}."))
            return
        await self._show(interaction, settings, note)

    def _setting_command(self, spec: SettingSpec) -> app_commands.Command[Any, ..., None]:
        """The `/settings <spec.command>` subcommand: one option, of the setting's kind.

        The callback is built here, not declared: its one parameter, `value`, gets the option
        type of the kind (`_setting_option`), and the option its name from the declaration.
        """

        async def callback(interaction: discord.Interaction, value: Any) -> None:
            await self._set(interaction, spec, value)

        annotation, required = _setting_option(spec)
        callback.__annotations__ = {"interaction": discord.Interaction, "value": annotation}
        callback.__defaults__ = () if required else (None,)
        callback = app_commands.rename(value=spec.option)(callback)
        callback = app_commands.describe(value=spec.option_description)(callback)
        if spec.kind is SettingKind.CHOICE:
            options = [
                app_commands.Choice(name=choice.label[:CHOICE_NAME_MAX], value=str(choice.value))
                for choice in spec.choices
            ]
            callback = app_commands.choices(value=options)(callback)
        elif spec.kind is SettingKind.CONDITION:
            callback = app_commands.autocomplete(value=self._condition_choices)(callback)
        return app_commands.Command(
            name=spec.command,
            description=spec.description,
            callback=callback,
            parent=self.settings_group,
        )

    def _conditions(self) -> dict[str, str]:
        """The served catalogue's conditions: id -> title, by title."""
        catalog = self.bot.responder.service.catalog
        return {topic.id: topic.title for topic in catalog.of_kind(Kind.CONDITION)}

    async def _condition_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Autocomplete: the catalogue's conditions matching what is typed, then "none"."""
        typed = current.strip().casefold()
        found = [
            app_commands.Choice(name=title[:CHOICE_NAME_MAX], value=condition_id)
            for condition_id, title in self._conditions().items()
            if typed in title.casefold() or typed in condition_id.casefold()
        ][: AUTOCOMPLETE_MAX - 1]
        if typed in CLEAR:
            found.append(app_commands.Choice(name="None (no focus condition)", value=CLEAR))
        return found

    async def _set(self, interaction: discord.Interaction, spec: SettingSpec, value: Any) -> None:
        """Change one setting from its option's value (None when the option was left empty)."""
        new: object
        match spec.kind:
            case SettingKind.TEXT:
                new = (value.strip() or None) if isinstance(value, str) else None
            case SettingKind.CHOICE:
                new = value
            case SettingKind.CHANNEL:
                new = value.id if value is not None else None
            case SettingKind.CONDITION:
                try:
                    new = resolve_condition(str(value), self._conditions())
                except UnknownCondition as unknown:
                    await _say(interaction, _unknown_condition(unknown))
                    return
        await self._change(interaction, f"{spec.title} updated.", **{spec.name: new})

    @settings_group.command(name="show", description="Show this server's settings")
    async def settings_show(self, interaction: discord.Interaction) -> None:
        """Show the current settings."""
        assert interaction.guild_id is not None
        await self._show(interaction, self._storage().settings(interaction.guild_id), "")

    @settings_group.command(name="reset", description="Back to the defaults")
    async def settings_reset(self, interaction: discord.Interaction) -> None:
        """Forget every setting of this server."""
        await self._change(interaction, "Settings reset to the defaults.")

    @app_commands.command(name="report", description="Report a wrong, outdated or unclear answer")
    @app_commands.describe(
        topic="The topic whose answer has a problem",
        what="What is wrong or unclear (no personal health details, please)",
        contact="Tick if the curators may contact you about it (your name is then kept)",
    )
    @app_commands.guild_only()
    async def report(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Transform[str, topic_option(Command.TREATMENT)],
        what: app_commands.Range[str, 1, REPORT_MAX],
        contact: bool = False,
    ) -> None:
        """Store a report (reporter only if they agree) and post it to the moderators.

        Deferred first: the database or a rate-limited moderators' channel may take longer
        than the three seconds Discord allows for a first reply.
        """
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        service = self.bot.responder.service
        label = service.ask(Command.TREATMENT, topic).topic or printable(topic)
        who = f"{interaction.user.name} ({interaction.user.id})" if contact else None
        try:
            stored = await self._storage().add_report(
                interaction.guild_id, label, what.strip(), who
            )
        except StorageError as error:
            log.error("report not saved: %s", type(error).__name__)
            await _say(interaction, STORAGE_DOWN.format(what="your report was not saved"))
            return
        posted = await self._post_report(interaction.guild_id, stored.id, label, what, who)
        note = "Thank you: your report is saved for the curators."
        if posted is False:
            note += " (It could not be posted to the moderators' channel; they will still see it.)"
        await _say(interaction, note)

    async def _post_report(
        self, guild_id: int, report_id: int, topic: str, text: str, who: str | None
    ) -> bool | None:
        """Post to the moderator channel: True done, False failed, None when none is set."""
        channel_id = self._storage().settings(guild_id).report_channel_id
        if channel_id is None:
            return None
        embed = discord.Embed(
            title=f"Report #{report_id}: {topic}"[:256],
            description=escape(text)[:DESCRIPTION_LIMIT],
            colour=NEUTRAL,
        )
        embed.set_footer(
            text=f"Contact: {who}" if who else "The reporter did not ask to be contacted."
        )
        try:
            async with asyncio.timeout(REPORT_POST_SECONDS):
                channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(
                    channel_id
                )
                await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)  # type: ignore[union-attr]
        except (discord.HTTPException, AttributeError, TimeoutError) as error:
            log.warning("could not post report %s: %s", report_id, type(error).__name__)
            return False
        return True

    @app_commands.command(name="stats", description="Most asked topics and unanswered questions")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        """The last 30 days for this server, with no member data."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            stats = await self._storage().stats(interaction.guild_id, STATS_DAYS)
        except StorageError as error:
            log.error("stats unavailable: %s", type(error).__name__)
            await _say(interaction, STORAGE_DOWN.format(what="stats cannot be shown"))
            return
        catalog = self.bot.responder.service.catalog
        embed = discord.Embed(title=f"Questions in the last {stats.days} days", colour=NEUTRAL)

        def title(key: str) -> str:
            topic = catalog.topics.get(key)
            return topic.title if topic else key.removeprefix("note:")

        topics = "\n".join(f"{n}× {title(t)}" for t, n in stats.topics) or "None yet."
        unanswered = "\n".join(f"{n}× “{escape(q)}”" for q, n in stats.unanswered) or "None."
        embed.add_field(name="Top topics", value=topics[:1024], inline=False)
        embed.add_field(name="Top unanswered questions", value=unanswered[:1024], inline=False)
        embed.set_footer(text="Counts only: no member names or ids are kept.")
        await _say(interaction, None, embed=embed)

    @app_commands.command(
        name="privacy", description="Exactly what this bot stores, and for how long"
    )
    async def privacy(self, interaction: discord.Interaction) -> None:
        """What is stored, in plain words."""
        embed = discord.Embed(title="Privacy", description=PRIVACY_TEXT, colour=NEUTRAL)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="reload", description="Re-read the content files (bot owner only)")
    @app_commands.default_permissions(administrator=True)
    async def reload(self, interaction: discord.Interaction) -> None:
        """Swap in new content, or keep the old and list every error."""
        if not await self.bot.is_owner(interaction.user):
            await interaction.response.send_message(
                "Only the bot's owner can reload the content.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        problems = await self.bot.reload_everywhere()
        if not problems:
            catalog = self.bot.responder.service.catalog
            await interaction.followup.send(
                f"Content reloaded: {len(catalog.topics)} topics.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        listing = "\n".join(problems)
        kept = f"Kept the old content: the new files have {len(problems)} problem(s)"
        message = f"{kept}.\n```\n{listing}\n```"
        if len(message) <= CONTENT_LIMIT:
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(
                f"{kept}, listed in the attached file.",
                file=discord.File(io.BytesIO(listing.encode()), filename="content-problems.txt"),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )


def _unknown_condition(unknown: UnknownCondition) -> str:
    """What a moderator is told when the condition they typed is not in the catalogue."""
    known = ", ".join(unknown.known) or "none yet"
    return (
        f"“{escape(unknown.text)}” is not a condition this bot covers, so nothing was changed. "
        f"Pick one from the list ({known}), or **{CLEAR}** for no focus condition."
    )[:CONTENT_LIMIT]


async def _say(
    interaction: discord.Interaction,
    content: str | None,
    *,
    embed: discord.Embed | None = None,
) -> None:
    """Reply privately, as a follow-up when the reply was deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(
            content or "",
            embed=embed or discord.utils.MISSING,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
    else:
        await interaction.response.send_message(
            content,
            embed=embed or discord.utils.MISSING,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
