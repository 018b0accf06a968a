"""/ask and "Ask the support bot" end to end: the real bot and client against the stand-in."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.ask import ASK_MAX_CHARS
from bot.discord_app.client import SupportBot
from bot.discord_app.commands import ASK_MENU
from bot.storage.base import Visibility
from bot.storage.sqlite import SqliteStorage
from tests.discord_standin import DiscordStandIn
from tests.helpers import EPHEMERAL, buttons


@pytest.fixture
def bot(bot_with_storage: SupportBot) -> SupportBot:
    return bot_with_storage


async def ask(standin: DiscordStandIn, question: str, user: dict | None = None) -> tuple[str, dict]:
    interaction = await standin.send_command("ask", {"question": question}, user=user)
    return interaction, await standin.wait_for_callback(interaction)


def test_the_question_option_and_the_message_command_are_registered(
    bot: SupportBot, standin: DiscordStandIn
) -> None:
    registered = {(c["name"], c.get("type", 1)): c for c in standin.command_puts[-1].body}
    option = registered[("ask", 1)]["options"][0]
    assert option["name"] == "question" and option["type"] == 3
    assert option["max_length"] == ASK_MAX_CHARS
    assert (ASK_MENU, 3) in registered


async def test_ask_leads_with_the_part_that_fits_then_offers_the_full_answer(
    bot: SupportBot, standin: DiscordStandIn
) -> None:
    interaction, reply = await ask(standin, "imuran TPMT test needed?")
    data = reply["data"]
    assert data["flags"] & EPHEMERAL
    embed = data["embeds"][0]
    assert embed["title"].startswith("Azathioprine")
    assert embed["description"].startswith("**Serious risks**")
    assert "TPMT" in embed["description"] and "Full answer" in embed["description"]
    assert "Monitoring" not in embed["description"]  # only the part that fits
    labels = [b["label"] for b in buttons(reply)]
    assert labels[:2] == ["Share in channel", "Full answer"]

    message = standin.original_response(interaction)
    press = await standin.send_component(
        "full:sideeffects:azathioprine", message=message, user=standin.user
    )
    full = await standin.wait_for_callback(press)
    assert full["data"]["flags"] & EPHEMERAL
    whole = full["data"]["embeds"][0]["description"]
    assert "**Serious risks:**" in whole and "**Monitoring:**" in whole


async def test_ask_puts_the_emergency_notice_first(
    bot: SupportBot, standin: DiscordStandIn
) -> None:
    _, reply = await ask(standin, "my mg is so bad i cant breathe properly right now")
    content = reply["data"]["content"]
    assert content.startswith("🚨 **Call your local emergency number now")


async def test_ask_without_an_answer_is_counted_for_curators(
    bot: SupportBot, standin: DiscordStandIn, storage: SqliteStorage
) -> None:
    _, reply = await ask(standin, "how do i renew my passport")
    assert reply["data"]["flags"] & EPHEMERAL
    assert "No topic matches" in reply["data"]["content"]

    async def counted() -> list[str]:
        stats = await storage.stats(int(standin.guild_id))
        return [key for key, _ in stats.unanswered]

    async with asyncio.timeout(5):
        while "how do i renew my passport" not in await counted():
            await asyncio.sleep(0.02)


async def test_asking_about_a_posted_message_answers_only_the_member_who_asked(
    bot: SupportBot, standin: DiscordStandIn, storage: SqliteStorage
) -> None:
    await storage.update_settings(int(standin.guild_id), visibility=Visibility.PUBLIC)
    author = standin.new_user("poster")
    posted = standin.post_member_message("rituxan didnt help my stiff person, whats next", author)
    reader = standin.new_user("reader")
    interaction = await standin.send_message_command(ASK_MENU, posted, user=reader)
    reply = await standin.wait_for_callback(interaction)
    assert reply["data"]["flags"] & EPHEMERAL  # private even where answers are public
    assert reply["data"]["embeds"][0]["title"].startswith("Stiff person")

    empty = standin.post_member_message("", author)
    nothing = await standin.wait_for_callback(
        await standin.send_message_command(ASK_MENU, empty, user=reader)
    )
    assert "no text" in nothing["data"]["content"]


async def test_ask_takes_from_the_same_pace_as_the_other_commands(
    bot: SupportBot, standin: DiscordStandIn
) -> None:
    member = standin.new_user("busy")
    for _ in range(5):
        _, reply = await ask(standin, "side effects of ivig", user=member)
        assert reply["data"].get("embeds")
    _, sixth = await ask(standin, "side effects of ivig", user=member)
    assert "wait" in sixth["data"]["content"]
