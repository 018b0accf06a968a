"""The Discord stand-in, proven against the real discord.py client (no network: 127.0.0.1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.discord_standin import (
    DiscordStandIn,
    point_discord_at,
    running_bot,
    serving_standin,
)

NO_MENTIONS = discord.AllowedMentions.none()
WORDS = ["apple", "apricot", "banana", "cherry"]


class PingView(discord.ui.View):
    """A button under the /ping answer: edits the answer, then posts a public followup."""

    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.pressed_by: list[int] = []

    @discord.ui.button(label="Share", style=discord.ButtonStyle.primary, custom_id="ping:share")
    async def share(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.pressed_by.append(interaction.user.id)
        button.disabled = True
        button.label = "Shared"
        await interaction.response.edit_message(view=self)
        await interaction.followup.send("Pong for everyone", allowed_mentions=NO_MENTIONS)


@app_commands.command(name="ping", description="Answer privately with an embed")
@app_commands.describe(text="Something to echo")
async def ping(interaction: discord.Interaction, text: str) -> None:
    embed = discord.Embed(title="Pong", description=text, colour=discord.Colour(0x2A9D8F))
    embed.add_field(name="Asked by", value=str(interaction.user.id), inline=False)
    await interaction.response.send_message(
        embed=embed, view=PingView(), ephemeral=True, allowed_mentions=NO_MENTIONS
    )


@ping.autocomplete("text")
async def ping_text(interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
    return [app_commands.Choice(name=w.title(), value=w) for w in WORDS if w.startswith(current)]


@app_commands.command(name="later", description="Defer, post in the channel, then edit")
async def later(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    channel = interaction.channel
    assert isinstance(channel, discord.TextChannel)
    await channel.send("Posted in the channel", allowed_mentions=NO_MENTIONS)
    await interaction.edit_original_response(content="Done")


class PingBot(commands.AutoShardedBot):
    """A minimal bot shaped like the real one: AutoShardedBot with app commands."""

    def __init__(self, application_id: int, *, fast_reidentify: bool = False) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.1,
            application_id=application_id,
        )
        self.fast_reidentify = fast_reidentify
        self.tree.add_command(ping)
        self.tree.add_command(later)
        self.errors: list[BaseException] = []

        @self.tree.error
        async def on_tree_error(
            interaction: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            self.errors.append(error)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s before every non-initial IDENTIFY; tests need not wait.
        if not self.fast_reidentify:
            await super().before_identify_hook(shard_id, initial=initial)


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with serving_standin() as standin:
        yield standin


@pytest.fixture
async def bot(standin: DiscordStandIn) -> AsyncIterator[PingBot]:
    client = PingBot(int(standin.application_id), fast_reidentify=True)
    async with running_bot(client, standin, timeout=10):
        yield client
    assert client.errors == []


async def test_login_and_ready(standin: DiscordStandIn, bot: PingBot) -> None:
    assert bot.is_ready()
    assert bot.user is not None and bot.user.id == int(standin.bot_user["id"])
    assert bot.application_id == int(standin.application_id)
    assert standin.identifies == 1 and standin.resumes == 0
    assert standin.requested("GET", "/gateway/bot")
    assert standin.requested("GET", "/users/@me")
    assert standin.requested("GET", "/oauth2/applications/@me")
    assert standin.unknown_requests == []
    identify = standin.identify_payloads[0]
    assert identify["token"] == "stand-in-token"
    assert identify["shard"] == [0, 1]
    assert identify["intents"] == discord.Intents.default().value
    assert standin.gateway_queries[0] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    guild = bot.get_guild(int(standin.guild_id))
    assert guild is not None and guild.name == "Stand-in Guild"
    assert guild.get_channel(int(standin.channel_id)) is not None
    # discord.py sends its first heartbeat as soon as HELLO arrives.
    await standin.wait_for(lambda: standin.heartbeats >= 1, 5, "a heartbeat")


async def test_tree_sync_puts_the_command_bodies(standin: DiscordStandIn, bot: PingBot) -> None:
    guild = discord.Object(int(standin.guild_id))
    bot.tree.copy_global_to(guild=guild)
    synced = await asyncio.wait_for(bot.tree.sync(guild=guild), 5)

    assert len(standin.command_puts) == 1
    path, body = standin.command_puts[0]
    assert path == f"/applications/{standin.application_id}/guilds/{standin.guild_id}/commands"
    by_name = {command["name"]: command for command in body}
    assert set(by_name) == {"ping", "later"}
    assert by_name["ping"]["description"] == "Answer privately with an embed"
    [option] = by_name["ping"]["options"]
    assert option["name"] == "text" and option["type"] == 3
    assert option["autocomplete"] is True and option["required"] is True
    # Discord's answer (ids added) is what discord.py turned into AppCommands.
    assert {c.name for c in synced} == {"ping", "later"}
    assert all(c.id for c in synced)
    assert {c.id for c in synced} == {
        int(c["id"]) for c in standin.guild_commands[standin.guild_id]
    }


async def test_command_gets_an_ephemeral_embed(standin: DiscordStandIn, bot: PingBot) -> None:
    interaction_id = await standin.send_command("ping", {"text": "hello"})
    body = await standin.wait_for_callback(interaction_id)

    assert body["type"] == 4  # CHANNEL_MESSAGE_WITH_SOURCE
    data = body["data"]
    assert data["flags"] == 64  # EPHEMERAL
    assert data["allowed_mentions"] == {"parse": []}
    [embed] = data["embeds"]
    assert embed["title"] == "Pong" and embed["description"] == "hello"
    assert embed["color"] == 0x2A9D8F
    assert embed["fields"] == [{"name": "Asked by", "value": standin.user["id"], "inline": False}]
    [row] = data["components"]
    assert row["components"][0]["custom_id"] == "ping:share"
    # The callback's answer made the message the button lives on.
    original = standin.original_response(interaction_id)
    assert original is not None and original["flags"] == 64


async def test_synced_guild_command_and_dm_command(standin: DiscordStandIn, bot: PingBot) -> None:
    guild = discord.Object(int(standin.guild_id))
    bot.tree.copy_global_to(guild=guild)
    await asyncio.wait_for(bot.tree.sync(guild=guild), 5)
    in_guild = await standin.send_command("ping", {"text": "guild"})
    assert (await standin.wait_for_callback(in_guild))["data"]["embeds"][0]["description"] == (
        "guild"
    )
    in_dm = await standin.send_command("ping", {"text": "dm"}, guild=False)
    assert (await standin.wait_for_callback(in_dm))["data"]["embeds"][0]["description"] == "dm"


async def test_autocomplete_returns_choices(standin: DiscordStandIn, bot: PingBot) -> None:
    interaction_id = await standin.send_autocomplete("ping", "text", "ap")
    body = await standin.wait_for_callback(interaction_id)

    assert body["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    assert body["data"]["choices"] == [
        {"name": "Apple", "value": "apple"},
        {"name": "Apricot", "value": "apricot"},
    ]


async def test_button_press_reaches_the_view(standin: DiscordStandIn, bot: PingBot) -> None:
    command_id = await standin.send_command("ping", {"text": "hello"})
    await standin.wait_for_callback(command_id)
    presser = standin.new_user("presser")

    press_id = await standin.send_component("ping:share", user=presser)
    body = await standin.wait_for_callback(press_id)

    assert body["type"] == 7  # UPDATE_MESSAGE
    button = body["data"]["components"][0]["components"][0]
    assert button["disabled"] is True and button["label"] == "Shared"
    [followup] = await standin.wait_for_messages(1)
    assert followup.kind == "followup"
    assert followup.path.startswith(f"/webhooks/{standin.application_id}/")
    assert followup.body is not None and followup.body["content"] == "Pong for everyone"
    assert "flags" not in followup.body or not followup.body["flags"] & 64
    # The pressed message is the one the command created, now edited.
    assert standin.original_response(press_id) == standin.original_response(command_id)


async def test_defer_channel_send_and_edit(standin: DiscordStandIn, bot: PingBot) -> None:
    interaction_id = await standin.send_command("later")
    body = await standin.wait_for_callback(interaction_id)
    assert body == {"type": 5, "data": {"flags": 64}}  # DEFERRED, ephemeral

    channel_post, edit = await standin.wait_for_messages(2)
    assert channel_post.kind == "channel"
    assert channel_post.path == f"/channels/{standin.channel_id}/messages"
    assert channel_post.body is not None
    assert channel_post.body["content"] == "Posted in the channel"
    assert edit.kind == "edit_original" and edit.body == {"content": "Done", "tts": False}
    original = standin.original_response(interaction_id)
    assert original is not None and original["content"] == "Done" and original["flags"] == 64


async def test_abrupt_drop_resumes_and_keeps_answering(
    standin: DiscordStandIn, bot: PingBot
) -> None:
    before = standin.identifies + standin.resumes
    resumed = asyncio.Event()

    async def on_shard_resumed(shard_id: int) -> None:
        resumed.set()

    bot.add_listener(on_shard_resumed)

    await standin.drop_connection()
    await standin.wait_until_reconnected(timeout=10)
    await asyncio.wait_for(resumed.wait(), 5)

    assert standin.identifies + standin.resumes > before
    assert standin.resumes == 1 and standin.identifies == 1
    assert standin.resume_payloads[0]["seq"] >= 2  # READY and GUILD_CREATE were seen
    interaction_id = await standin.send_command("ping", {"text": "after the drop"})
    body = await standin.wait_for_callback(interaction_id)
    assert body["data"]["embeds"][0]["description"] == "after the drop"


async def test_invalid_session_makes_the_bot_identify_again(
    standin: DiscordStandIn, bot: PingBot
) -> None:
    await standin.drop_connection("reconnect", resumable=False)  # op 7, then op 9 on RESUME
    await standin.wait_until_reconnected(timeout=10)

    assert standin.resumes == 1 and standin.invalid_sessions == 1
    assert standin.identifies == 2
    interaction_id = await standin.send_command("ping", {"text": "new session"})
    body = await standin.wait_for_callback(interaction_id)
    assert body["data"]["embeds"][0]["description"] == "new session"


async def test_rate_limited_callback_is_retried(standin: DiscordStandIn, bot: PingBot) -> None:
    standin.rate_limit_next("POST", "/interactions/*/callback", retry_after=0.05)
    interaction_id = await standin.send_command("ping", {"text": "slowly"})
    body = await standin.wait_for_callback(interaction_id)

    assert body["type"] == 4
    statuses = [r.status for r in standin.requested("POST", f"/interactions/{interaction_id}/*")]
    assert statuses == [429, 200]
    assert len(standin.callbacks) == 1


async def test_over_long_messages_are_refused_like_discord(
    standin: DiscordStandIn, bot: PingBot
) -> None:
    channel = bot.get_channel(int(standin.channel_id))
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("x" * 2001)
    assert refused.value.status == 400 and refused.value.code == 50035
    assert "content" in str(refused.value)
    sent = await channel.send("fine")
    assert sent.id and sent.content == "fine"


async def test_unknown_routes_are_404_json_and_recorded(standin: DiscordStandIn) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{standin.api_base}/no/such/route?x=1") as response:
            assert response.status == 404
            assert response.headers["Content-Type"] == "application/json"
            assert await response.json() == {"message": "Unknown", "code": 0}
        async with session.get(f"{standin.api_base}/gateway/bot") as response:
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["url"] == standin.gateway_url
    [unknown] = standin.unknown_requests
    assert (unknown.method, unknown.path, unknown.query) == ("GET", "/no/such/route", {"x": "1"})


async def test_point_discord_at_restores_the_class_attributes() -> None:
    def current() -> tuple[str, yarl.URL]:
        return discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY

    before = current()
    async with DiscordStandIn() as standin:
        with point_discord_at(standin):
            pointed = current()
            url = discord.http.Route("GET", "/users/@me").url
    assert pointed == (standin.api_base, yarl.URL(standin.gateway_url))
    assert url == f"http://127.0.0.1:{standin.port}/api/v10/users/@me"
    assert current() == before
    assert before[0] == "https://discord.com/api/v10"


async def test_heartbeats_are_acknowledged_at_the_configured_interval() -> None:
    async with serving_standin(heartbeat_interval=50) as standin:
        client = PingBot(int(standin.application_id))
        async with running_bot(client, standin):
            await standin.wait_for(lambda: standin.heartbeats >= 3, 5, "three heartbeats")
            await asyncio.sleep(0.1)
            assert client.latency < 1.0  # finite: the ACKs arrived
        assert standin.identifies == 1 and standin.resumes == 0


async def test_a_wrong_token_fails_login() -> None:
    async with serving_standin(token="the-right-token") as standin:
        client = PingBot(int(standin.application_id))
        with pytest.raises(discord.LoginFailure):
            async with running_bot(client, standin, token="a-wrong-token"):
                pass
        assert [r.status for r in standin.requested("GET", "/users/@me")] == [401]
        assert standin.identifies == 0


async def test_a_plain_unsharded_bot_works_too(standin: DiscordStandIn) -> None:
    client = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        guild_ready_timeout=0.1,
    )
    client.tree.add_command(ping)
    async with running_bot(client, standin):
        assert "shard" not in standin.identify_payloads[0]
        interaction_id = await standin.send_command("ping", {"text": "unsharded"})
        body = await standin.wait_for_callback(interaction_id)
    assert body["data"]["embeds"][0]["description"] == "unsharded"
    assert client.application_id == int(standin.application_id)  # from /oauth2/applications/@me


async def test_several_shards_from_several_clients_each_get_their_guilds() -> None:
    """Two clients run shard 0 and shard 1 of two; each guild's events reach its own shard."""
    from bot.content_dir import BUNDLED_CONTENT
    from bot.discord_app.client import build_bot
    from bot.settings import Settings
    from tests.discord_standin import running_bot, serving_standin

    async with serving_standin() as standin:
        first = standin.add_guild(shard=0, shard_count=2)
        second = standin.add_guild(shard=1, shard_count=2)

        def shard_bot(shard: int):
            settings = Settings(
                token="stand-in-token",
                content_dir=BUNDLED_CONTENT,
                api_base=standin.api_base,
                gateway_url=standin.gateway_url,
                shard_count=2,
                shard_ids=(shard,),
            )
            return build_bot(settings, guild_ready_timeout=0.1)

        async with (
            running_bot(shard_bot(0), standin) as zero,
            running_bot(shard_bot(1), standin) as one,
        ):
            await standin.wait_for_shards(2)
            assert {g.id for g in zero.guilds} >= {int(first)}
            assert int(second) not in {g.id for g in zero.guilds}
            assert int(second) in {g.id for g in one.guilds}
            await zero.tree.sync()
            seen: list[int] = []
            for bot in (zero, one):

                async def heard(_interaction: object, shard: int = bot.shard_ids[0]) -> None:
                    seen.append(shard)

                bot.add_listener(heard, "on_interaction")
            for guild in (first, second):
                interaction = await standin.send_command(
                    "treatment", {"topic": "sps"}, guild_id=guild
                )
                reply = await standin.wait_for_callback(interaction)
                assert reply["data"]["embeds"][0]["title"].startswith("Stiff person")
            assert seen == [0, 1]
