"""One place turns every command error into a private, plain reply; one topic option for all.

Unit checks of the wording for each kind of error, then the real bot through the stand-in.
"""

from __future__ import annotations

import pytest
from discord import app_commands

from bot.discord_app.client import SupportBot
from bot.discord_app.topic_option import QUERY_MAX
from bot.discord_app.tree import (
    NOT_ALLOWED,
    NOT_HERE,
    UNEXPECTED,
    SupportTree,
    member_message,
)
from bot.errors import BotError
from bot.storage.base import StorageBusy
from tests.discord_standin import DiscordStandIn
from tests.helpers import EPHEMERAL

TOPIC_OPTIONS = {
    "treatment": "topic",
    "sideeffects": "treatment",
    "resistance": "condition",
    "report": "topic",
}


def invoked(original: Exception) -> app_commands.CommandInvokeError:
    command = app_commands.Command(name="x", description="x", callback=_noop)
    return app_commands.CommandInvokeError(command, original)


async def _noop(interaction) -> None:  # pragma: no cover - never called
    return None


def test_each_error_speaks_plainly() -> None:
    cooldown = app_commands.CommandOnCooldown(app_commands.Cooldown(5, 30), 12.4)
    assert "wait 12 seconds" in member_message(cooldown)
    assert member_message(app_commands.NoPrivateMessage()) == NOT_HERE
    missing = app_commands.MissingPermissions(["manage_guild"])
    assert member_message(missing) == NOT_ALLOWED.format(permissions="Manage Guild")
    busy = member_message(invoked(StorageBusy("/srv/data/bot.sqlite3 is locked")))
    assert "database is busy" in busy and "/srv" not in busy  # no operator detail
    assert member_message(invoked(RuntimeError("boom at 0xdead"))) == UNEXPECTED

    class OwnWords(BotError):
        member_message = "Your own words."

    assert member_message(invoked(OwnWords("operator detail"))) == "Your own words."


@pytest.fixture
def bot(bot_with_storage: SupportBot) -> SupportBot:
    return bot_with_storage


async def test_the_bot_uses_the_support_tree(bot: SupportBot) -> None:
    assert isinstance(bot.tree, SupportTree)


async def test_every_topic_option_is_the_same_autocompleted_option(
    bot: SupportBot, standin: DiscordStandIn
) -> None:
    registered = {c["name"]: c for c in standin.command_puts[-1].body}
    for command, option_name in TOPIC_OPTIONS.items():
        option = next(o for o in registered[command]["options"] if o["name"] == option_name)
        assert option["type"] == 3 and option["autocomplete"] is True
        assert (option["min_length"], option["max_length"]) == (1, QUERY_MAX)
    reported = await standin.wait_for_callback(
        await standin.send_autocomplete("report", "topic", "ivi")
    )
    assert reported["data"]["choices"][0]["value"] == "ivig"


async def test_a_server_only_command_in_a_dm_is_a_private_plain_reply(
    bot: SupportBot, standin: DiscordStandIn
) -> None:
    interaction = await standin.send_command(
        "report", {"topic": "ivig", "what": "typo"}, guild=False
    )
    reply = await standin.wait_for_callback(interaction)
    assert reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["content"] == NOT_HERE
