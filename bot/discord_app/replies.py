"""Send an Answer to Discord: private by default, with share and suggestion buttons.

The buttons are dynamic items, recognised by their custom id: nothing is kept in memory per
reply (no view, no timer), so memory stays flat however many members ask. A press is accepted
only from the member who asked (the message's interaction metadata) and only while the
interaction lasts (15 minutes from the reply).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

import discord

from bot.core.answers import Answer, AnswerService, Status
from bot.core.ask import Asker
from bot.core.catalog import Command
from bot.discord_app.embeds import (
    SHOWN_SOURCES,
    Card,
    all_sources_embed,
    answer_card,
    answer_embeds,
    card_embed,
    suggestion_content,
    warning_content,
)
from bot.discord_app.pacing import wait_message
from bot.storage.base import GuildSettings, Visibility

if TYPE_CHECKING:
    from bot.discord_app.client import SupportBot

NO_MENTIONS = discord.AllowedMentions.none()
INTERACTION_LIFETIME = timedelta(minutes=15)
MAX_SUGGESTION_BUTTONS = 5
_EMBED_CACHE_SIZE = 512
_COMMANDS = "|".join(re.escape(command.value) for command in Command)
"""The commands a button's custom id may name (a regex alternation)."""
_TOPIC_ID = r"[a-z0-9-]{1,80}"

ViewButton = discord.ui.Button[discord.ui.View]
"""A button in a message's view (what the dynamic items below wrap)."""
AnyItem = discord.ui.Item[Any]
"""Any component a view can carry, a dynamic item included."""


def _bot(interaction: discord.Interaction) -> SupportBot:
    """The bot that received the interaction (only the SupportBot registers these buttons)."""
    return cast("SupportBot", interaction.client)


async def _refuse(interaction: discord.Interaction, text: str) -> bool:
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    return False


async def asker_only(interaction: discord.Interaction) -> bool:
    """Let a button work only for the member who asked, and only while it may."""
    message = interaction.message
    if message is None:
        return True
    asker = message.interaction_metadata.user if message.interaction_metadata else None
    if asker is not None and asker.id != interaction.user.id:
        return await _refuse(interaction, "Only the person who asked can use these buttons.")
    if discord.utils.utcnow() - message.created_at > INTERACTION_LIFETIME:
        return await _refuse(interaction, "This answer has expired. Ask again to get a fresh one.")
    return True


async def paced(interaction: discord.Interaction) -> bool:
    """Let a button answer only within the member's pace, like the answer commands."""
    wait = _bot(interaction).pace.retry_after(interaction.user.id)
    if wait:
        return await _refuse(interaction, wait_message(wait))
    return True


class ShareButton(discord.ui.DynamicItem[ViewButton], template=r"share"):
    """Posts the private answer it sits under publicly, exactly as it was shown."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label="Share in channel",
                style=discord.ButtonStyle.secondary,
                emoji="📣",
                custom_id="share",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: AnyItem, match: re.Match[str]
    ) -> ShareButton:
        """Rebuild from a press."""
        return cls()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the asker, within the interaction's lifetime."""
        return await asker_only(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Mark the private copy as shared, then post the same content and embeds publicly.

        Each answer is posted once, however often (or however fast) the button is pressed.
        """
        message = interaction.message
        assert message is not None
        if not _bot(interaction).shared.first(message.id):
            await _refuse(interaction, "This answer has already been shared in the channel.")
            return
        await interaction.response.edit_message(view=_shared_view())
        await interaction.followup.send(
            content=message.content or discord.utils.MISSING,
            embeds=message.embeds,
            ephemeral=False,
            allowed_mentions=NO_MENTIONS,
        )


class RemoveButton(discord.ui.DynamicItem[ViewButton], template=r"remove"):
    """Under a public answer (servers that chose public answers): the asker can take it down."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label="Remove", style=discord.ButtonStyle.secondary, emoji="🗑️", custom_id="remove"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: AnyItem, match: re.Match[str]
    ) -> RemoveButton:
        """Rebuild from a press."""
        return cls()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the asker, within the interaction's lifetime."""
        return await asker_only(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Delete the public answer."""
        await interaction.response.defer()
        await interaction.delete_original_response()


def _topic_template(prefix: str) -> str:
    """The custom id pattern of a button about one topic: `prefix:command:topic`."""
    return rf"{prefix}:(?P<command>{_COMMANDS}):(?P<topic>{_TOPIC_ID})"


class _TopicButton(discord.ui.DynamicItem[ViewButton], template=r"(?!)"):
    """A button about one topic and command, rebuilt from its custom id when pressed.

    Subclasses give their own template (`_topic_template(prefix)`), prefix and look; this base
    is never registered (its template matches nothing).
    """

    prefix: ClassVar[str] = ""
    button_label: ClassVar[str] = ""
    button_style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary
    button_emoji: ClassVar[str | None] = None

    def __init__(self, command: Command, topic_id: str, title: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=(title or self.button_label or topic_id)[:80],
                style=self.button_style,
                emoji=self.button_emoji,
                custom_id=f"{self.prefix}:{command.value}:{topic_id}",
            )
        )
        self.command = command
        self.topic_id = topic_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: AnyItem, match: re.Match[str]
    ) -> Self:
        """Rebuild from a press (the template admits only real commands)."""
        return cls(Command(match["command"]), match["topic"])


class SuggestionButton(_TopicButton, template=_topic_template("suggest")):
    """Answers with one suggested topic when pressed (labelled with its title)."""

    prefix = "suggest"
    button_style = discord.ButtonStyle.primary

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the asker, within the interaction's lifetime and their answer pace."""
        return await asker_only(interaction) and await paced(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Answer as if the member had typed the topic."""
        client = _bot(interaction)
        responder = client.responder
        settings = client.guild_settings(interaction.guild_id)
        answer = responder.service.ask(self.command, self.topic_id)
        await responder.send(interaction, answer, settings)
        client.record(interaction.guild_id, answer)


class SourcesButton(_TopicButton, template=_topic_template("sources")):
    """Lists every source of an answer privately (the answer itself shows the first few)."""

    prefix = "sources"
    button_label = "All sources"
    button_emoji = "📚"

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Anyone, within their answer pace."""
        return await paced(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Anyone may see the sources, privately: they hold no member data."""
        responder = _bot(interaction).responder
        answer = responder.service.ask(self.command, self.topic_id)
        await interaction.response.send_message(
            embed=all_sources_embed(answer), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class FullAnswerButton(_TopicButton, template=_topic_template("full")):
    """Under an /ask reply that led with one part: the whole snippet, privately."""

    prefix = "full"
    button_label = "Full answer"
    button_style = discord.ButtonStyle.primary
    button_emoji = "📄"

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the asker, within the interaction's lifetime and their answer pace."""
        return await asker_only(interaction) and await paced(interaction)

    async def callback(self, interaction: discord.Interaction) -> None:
        """The whole snippet, private to the member whatever the server's visibility."""
        client = _bot(interaction)
        answer = client.responder.service.ask(self.command, self.topic_id)
        settings = client.guild_settings(interaction.guild_id)
        await client.responder.send(interaction, answer, settings, private=True)


def _finished(*items: AnyItem) -> discord.ui.View:
    """A view that only carries components: stopped, so discord.py keeps nothing for it."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


def _shared_view() -> discord.ui.View:
    return _finished(
        discord.ui.Button(label="Shared", emoji="📣", disabled=True, custom_id="shared")
    )


class Responder:
    """Answers interactions from the core; every message is private unless shared."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service
        self.asker = Asker(service)
        """/ask over the same catalogue (built with it, swapped with it on reload)."""
        service.prepare()  # every index now (after /ask's phrases), not on a member's question
        self._embeds: dict[Card, discord.Embed] = {}
        self._share_view: discord.ui.View | None = None
        self._views: dict[tuple[bool, Command, str | None, bool, bool], discord.ui.View] = {}
        self._remove_view: discord.ui.View | None = None

    def embeds_for(self, answer: Answer) -> list[discord.Embed]:
        """Notes first, then the answer; an answer without notes reuses its cached embed."""
        if answer.notes:
            return answer_embeds(self.service.catalog, answer)
        return [self.embed_for(answer)]

    def embed_for(self, answer: Answer) -> discord.Embed:
        """The answer's embed, built once for each card (everything the embed is built from).

        Two answers share an embed only when everything it shows is the same, so nothing of
        one server's or one question's answer can show in another's.
        """
        card = answer_card(self.service.catalog, answer)
        embed = self._embeds.get(card)
        if embed is None:
            if len(self._embeds) >= _EMBED_CACHE_SIZE:
                self._embeds.clear()
            embed = self._embeds[card] = card_embed(card)
        return embed

    def _view_for(self, answer: Answer, public: bool) -> discord.ui.View:
        """Share (or Remove), Full answer after an /ask part, All sources when there are more.

        Views hold nothing but their buttons' ids, so each kind is built once and reused.
        """
        topic = answer.topic if answer.status is Status.ANSWER else None
        part = topic is not None and answer.section is not None
        more = (
            topic is not None and len(answer.sources) + len(answer.passage_sources) > SHOWN_SOURCES
        )
        if not (part or more):
            return self._button_view(public)
        key = (public, answer.command, topic, part, more)
        view = self._views.get(key)
        if view is None:
            assert topic is not None
            items: list[AnyItem] = [RemoveButton() if public else ShareButton()]
            if part:
                items.append(FullAnswerButton(answer.command, topic))
            if more:
                items.append(SourcesButton(answer.command, topic))
            if len(self._views) >= _EMBED_CACHE_SIZE:
                self._views.clear()
            view = self._views[key] = _finished(*items)
        return view

    def _button_view(self, public: bool) -> discord.ui.View:
        # built on first use (a view needs the running loop), then shared by every reply
        if public:
            self._remove_view = self._remove_view or _finished(RemoveButton())
            return self._remove_view
        self._share_view = self._share_view or _finished(ShareButton())
        return self._share_view

    async def send(
        self,
        interaction: discord.Interaction,
        answer: Answer,
        settings: GuildSettings | None = None,
        *,
        private: bool = False,
    ) -> None:
        """Reply with `answer`: privately, unless the server chose public answers.

        A `private` reply (a full answer, an answer to a posted message) is always private. A
        server's own emergency notice replaces the generic one.
        """
        if answer.emergency and settings is not None and settings.emergency_text:
            answer = replace(answer, emergency=settings.emergency_text)
        if answer.status.shows_snippet:
            public = (
                not private and settings is not None and settings.visibility is Visibility.PUBLIC
            )
            await interaction.response.send_message(
                content=warning_content(answer),
                embeds=self.embeds_for(answer),
                view=self._view_for(answer, public),
                ephemeral=not public,
                allowed_mentions=NO_MENTIONS,
            )
            return
        pickable = answer.status.offers_suggestions and answer.suggestions
        buttons = [
            SuggestionButton(answer.command, ref.id, ref.title)
            for ref in answer.suggestions[:MAX_SUGGESTION_BUTTONS]
        ]
        await interaction.response.send_message(
            content=suggestion_content(answer),
            view=_finished(*buttons) if pickable else discord.utils.MISSING,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
