"""Send an Answer to Discord: private by default, with share and suggestion buttons."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import discord

from bot.core.answers import Answer, AnswerService, Status
from bot.core.catalog import Command
from bot.discord_app.embeds import answer_embed, emergency_content, suggestion_content

log = logging.getLogger("bot.discord")

NO_MENTIONS = discord.AllowedMentions.none()
VIEW_TIMEOUT = 14 * 60
"""Buttons stop before the interaction token does (15 minutes)."""
MAX_SUGGESTION_BUTTONS = 5
SNIPPET_STATUSES = (Status.ANSWER, Status.OUT_OF_SCOPE, Status.MG_CAUTION)


class AskerOnlyView(discord.ui.View):
    """Buttons only the member who asked may press; they expire with the interaction."""

    def __init__(self, asker_id: int, origin: discord.Interaction) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.asker_id = asker_id
        self.origin = origin

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Refuse, privately, anyone but the asker."""
        if interaction.user.id == self.asker_id:
            return True
        await interaction.response.send_message(
            "Only the person who asked can use these buttons.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    async def on_timeout(self) -> None:
        """Grey the buttons out when they can no longer work."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        with contextlib.suppress(discord.HTTPException):  # message gone or token expired
            await self.origin.edit_original_response(view=self)


class ShareView(AskerOnlyView):
    """A private answer's "Share in channel" button: posts the same answer publicly."""

    def __init__(self, answer: Answer, embed: discord.Embed, origin: discord.Interaction) -> None:
        super().__init__(origin.user.id, origin)
        self.answer = answer
        self.embed = embed

    @discord.ui.button(label="Share in channel", style=discord.ButtonStyle.secondary, emoji="📣")
    async def share(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Post the answer for everyone, then disable the button on the private copy."""
        button.disabled = True
        button.label = "Shared"
        self.stop()
        await interaction.response.edit_message(view=self)
        await interaction.followup.send(
            content=emergency_content(self.answer),
            embed=self.embed,
            ephemeral=False,
            allowed_mentions=NO_MENTIONS,
        )


class SuggestionButton(discord.ui.Button["SuggestionView"]):
    """Answers with one suggested topic when pressed."""

    def __init__(self, command: Command, topic_id: str, title: str, index: int) -> None:
        super().__init__(
            label=title[:80],
            style=discord.ButtonStyle.primary,
            custom_id=f"suggest:{index}:{command.value}:{topic_id}"[:100],
        )
        self.command = command
        self.topic_id = topic_id

    async def callback(self, interaction: discord.Interaction) -> None:
        """Answer as if the member had typed the topic."""
        assert self.view is not None
        await self.view.on_pick(interaction, self.command, self.topic_id)


class SuggestionView(AskerOnlyView):
    """Up to five "did you mean" buttons under a private no-match or wrong-kind reply."""

    def __init__(
        self,
        answer: Answer,
        origin: discord.Interaction,
        on_pick: Callable[[discord.Interaction, Command, str], object],
    ) -> None:
        super().__init__(origin.user.id, origin)
        self.on_pick = on_pick  # type: ignore[assignment]
        for index, ref in enumerate(answer.suggestions[:MAX_SUGGESTION_BUTTONS]):
            self.add_item(SuggestionButton(answer.command, ref.id, ref.title, index))


class Responder:
    """Answers interactions from the core; every message is private unless shared."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service

    async def send(self, interaction: discord.Interaction, answer: Answer) -> None:
        """Reply to `interaction` with `answer`, privately."""
        if answer.status in SNIPPET_STATUSES:
            embed = answer_embed(self.service.catalog, answer)
            await interaction.response.send_message(
                content=emergency_content(answer),
                embed=embed,
                view=ShareView(answer, embed, interaction),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        pickable = answer.status in (Status.NO_MATCH, Status.WRONG_KIND) and answer.suggestions
        kwargs: dict[str, object] = {}
        if pickable:
            kwargs["view"] = SuggestionView(answer, interaction, self.pick)
        await interaction.response.send_message(
            content=suggestion_content(answer),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
            **kwargs,  # type: ignore[arg-type]
        )

    async def pick(self, interaction: discord.Interaction, command: Command, topic_id: str) -> None:
        """A suggestion button was pressed: answer with that topic."""
        answer = self.service.ask(command, topic_id)
        await self.send(interaction, answer)
