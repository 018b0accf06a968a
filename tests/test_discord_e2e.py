"""The real bot, through the real discord.py client, against the local Discord stand-in.

Everything is asserted on what Discord would receive: callback bodies, flags, embeds,
allowed mentions, components, command registrations.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from bot.content_dir import BUNDLED_CONTENT
from bot.core.catalog import Catalog, Command, Kind
from bot.discord_app.client import StartupError, SupportBot, build_bot, sync_commands
from bot.discord_app.main import keep_discord_logs_quiet
from bot.settings import Settings
from tests.discord_standin import DiscordStandIn, running_bot, serving_standin
from tests.helpers import EPHEMERAL, buttons, eventually, start_bot

ROOT = Path(__file__).resolve().parent.parent
ANSWER_COMMANDS = {"treatment": "topic", "sideeffects": "treatment", "resistance": "condition"}
SNIPPET_KIND = {"sideeffects": "treatment", "resistance": "condition"}


def settings_for(standin: DiscordStandIn, token: str = "stand-in-token") -> Settings:
    return Settings(
        token=token,
        content_dir=BUNDLED_CONTENT,
        api_base=standin.api_base,
        gateway_url=standin.gateway_url,
    )


@pytest.fixture
async def bot(standin: DiscordStandIn) -> AsyncIterator[SupportBot]:
    support_bot = build_bot(settings_for(standin), guild_ready_timeout=0.1)
    async with running_bot(support_bot, standin) as running:
        await running.tree.sync()
        yield running


async def ask(standin: DiscordStandIn, command: str, value: str, user: dict | None = None) -> dict:
    interaction = await standin.send_command(command, {ANSWER_COMMANDS[command]: value}, user=user)
    return await standin.wait_for_callback(interaction)


# -- login, sync ---------------------------------------------------------------------------


async def test_logs_in_and_connects_through_the_overrides(bot: SupportBot, standin) -> None:
    assert bot.user is not None and str(bot.user.id) == standin.bot_user["id"]
    assert standin.identifies == 1
    for path in ("/users/@me", "/oauth2/applications/@me", "/gateway/bot"):
        assert standin.requested("GET", path), path
    assert standin.heartbeats >= 1 or bot.latency >= 0
    assert standin.unknown_requests == []
    intents = standin.identify_payloads[0]["intents"]
    assert intents & (1 << 1) == 0 and intents & (1 << 15) == 0  # no members, no message content


async def test_sync_registers_the_commands_with_autocomplete(standin: DiscordStandIn) -> None:
    names = await sync_commands(settings_for(standin), guild_id=int(standin.guild_id))
    assert sorted(names) == [
        "Ask the support bot",
        "about",
        "ask",
        "privacy",
        "reload",
        "report",
        "resistance",
        "settings",
        "sideeffects",
        "stats",
        "topics",
        "treatment",
    ]
    path, body = standin.command_puts[-1]
    assert f"/guilds/{standin.guild_id}/commands" in path
    by_name = {command["name"]: command for command in body}
    for name, option_name in ANSWER_COMMANDS.items():
        option = by_name[name]["options"][0]
        assert option["name"] == option_name and option["type"] == 3
        assert option["autocomplete"] is True and option["required"] is True
        assert option["max_length"] == 100
        assert option["description"]
    await sync_commands(settings_for(standin))
    assert standin.command_puts[-1].path.endswith(
        f"/applications/{standin.application_id}/commands"
    )


async def test_rejected_token_is_a_clear_startup_error() -> None:
    async with serving_standin(token="the-right-token") as server:
        with pytest.raises(StartupError, match="rejected DISCORD_TOKEN"):
            await sync_commands(settings_for(server, token="a-wrong-token"))


# -- answers -------------------------------------------------------------------------------


async def test_answer_is_a_private_embed_with_sources_disclaimer_and_share(
    bot: SupportBot, standin, catalog: Catalog
) -> None:
    body = await ask(standin, "treatment", "SPS")
    assert body["type"] == 4
    data = body["data"]
    assert data["flags"] & EPHEMERAL
    assert data["allowed_mentions"] == {"parse": []}
    embed = data["embeds"][0]
    snippet = catalog.topics["sps"].snippets["treatment"]
    assert embed["title"] == catalog.topics["sps"].title
    assert embed["description"] == snippet.text
    assert embed["fields"][0]["name"] == "Sources"
    assert "](https://" in embed["fields"][0]["value"] or "](http://" in embed["fields"][0]["value"]
    assert catalog.disclaimers[snippet.disclaimer].text in embed["footer"]["text"]
    assert snippet.reviewed.isoformat() in embed["footer"]["text"]
    assert embed["color"] == 0x2A9D8F
    many = len(snippet.sources) > 4  # the first four are shown; a button lists them all
    assert [b["label"] for b in buttons(body)] == ["Share in channel"] + ["All sources"] * many
    assert "content" not in data or not data["content"]


async def test_every_command_and_topic_fits_discords_limits(
    bot: SupportBot, standin, catalog
) -> None:
    # the stand-in answers 400 to anything over Discord's limits, so a callback means it fit
    for number, topic in enumerate(catalog.topics.values()):
        for command in ANSWER_COMMANDS:
            member = standin.new_user(f"member{number}{command}")  # one each: no cooldown
            body = await ask(standin, command, topic.id, user=member)
            data = body["data"]
            assert data["flags"] & EPHEMERAL
            if command == "treatment" or SNIPPET_KIND[command] == topic.kind.value:
                assert data["embeds"][0]["title"] == topic.title
            else:
                assert "embeds" not in data and data["content"]  # the wrong-kind pointer
    assert all(r.status < 400 for r in standin.requested("POST", "/interactions/*"))


async def test_emergency_notice_leads(bot: SupportBot, standin) -> None:
    body = await ask(standin, "treatment", "mg and I can't breathe")
    content = body["data"]["content"]
    assert content.startswith("🚨 **Call your local emergency number now")
    assert "988" in content and "112" in content
    assert body["data"]["embeds"][0]["title"].startswith("Myasthenia gravis")


async def test_a_warning_sign_leads_the_message_and_notes_come_before_the_answer(
    bot: SupportBot, standin
) -> None:
    body = await ask(standin, "treatment", "took extra mestinon now drooling and weaker")
    content = body["data"]["content"]
    assert content.startswith("🚨 **Call your local emergency number now")
    sign = bot.responder.service.ask(
        Command.TREATMENT, "took extra mestinon now drooling and weaker"
    ).warnings[0]
    assert sign.means in content  # what it may mean, in the notification itself
    assert body["data"]["embeds"][0]["title"].startswith("Pyridostigmine")

    combined = await ask(
        standin, "treatment", "zanaflex + cipro together ok?", user=standin.new_user("b")
    )
    titles = [embed["title"] for embed in combined["data"]["embeds"]]
    assert titles[0].startswith("Taken together")  # the interaction note first
    assert any(t.startswith("MG caution") for t in titles)  # the caution beside the answer
    assert titles[-1].startswith("Tizanidine")  # and the answer itself
    assert sum(len(t) for t in titles) and combined["data"]["flags"] & EPHEMERAL


async def test_all_sources_lists_every_source_privately_primary_first(
    bot: SupportBot, standin
) -> None:
    body = await ask(standin, "treatment", "sps")  # a snippet with many sources
    answer = bot.responder.service.ask(Command.TREATMENT, "sps")
    assert len(answer.sources) > 4
    shown = "\n".join(f["value"] for f in body["data"]["embeds"][0]["fields"])
    assert shown.count("](") == 4 and "All sources" in shown
    sources_button = next(b for b in buttons(body) if b["label"] == "All sources")
    press = await standin.send_component(sources_button["custom_id"], user=standin.new_user("c"))
    listed = await standin.wait_for_callback(press)
    assert listed["type"] == 4 and listed["data"]["flags"] & EPHEMERAL
    text = listed["data"]["embeds"][0]["description"]
    assert text.count("](") == len(answer.sources)
    assert text.index(answer.sources[0].url.replace(")", "%29")) < text.index(
        answer.sources[-1].url.replace(")", "%29")
    )


async def test_share_posts_the_same_answer_publicly(bot: SupportBot, standin) -> None:
    private = await ask(standin, "sideeffects", "valium")
    share = buttons(private)[0]
    press = await standin.send_component(share["custom_id"], user=standin.user)
    edited = await standin.wait_for_callback(press)
    assert edited["type"] == 7
    assert buttons(edited)[0]["disabled"] is True
    followups = await standin.wait_for_messages(1)
    public = [m for m in followups if m.kind == "followup"][-1].body
    assert not (public.get("flags") or 0) & EPHEMERAL
    assert public["embeds"][0] == private["data"]["embeds"][0]
    assert public["allowed_mentions"] == {"parse": []}


async def test_only_the_asker_can_share(bot: SupportBot, standin) -> None:
    private = await ask(standin, "sideeffects", "ivig")
    someone_else = standin.new_user("curious")
    press = await standin.send_component(buttons(private)[0]["custom_id"], user=someone_else)
    reply = await standin.wait_for_callback(press)
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert "Only the person who asked" in reply["data"]["content"]
    assert not [m for m in standin.messages if m.kind == "followup"]


async def test_no_match_is_private_escaped_and_pings_nobody(bot: SupportBot, standin) -> None:
    body = await ask(standin, "treatment", "@everyone **pizza**")
    data = body["data"]
    assert data["flags"] & EPHEMERAL
    assert data["allowed_mentions"] == {"parse": []}
    assert "No topic matches" in data["content"]
    assert "@everyone" not in data["content"] and "**pizza**" not in data["content"]
    assert buttons(body) == []


async def test_suggestion_buttons_answer_with_that_topic(bot: SupportBot, standin, catalog) -> None:
    body = await ask(standin, "sideeffects", "pyrido")
    suggestions = buttons(body)
    assert 1 <= len(suggestions) <= 3
    assert suggestions[0]["label"] == catalog.topics["pyridostigmine"].title
    press = await standin.send_component(suggestions[0]["custom_id"], user=standin.user)
    answer = await standin.wait_for_callback(press)
    assert answer["data"]["embeds"][0]["title"] == catalog.topics["pyridostigmine"].title
    assert answer["data"]["flags"] & EPHEMERAL


async def test_wrong_kind_offers_the_right_topics(bot: SupportBot, standin, catalog) -> None:
    body = await ask(standin, "sideeffects", "sps")
    assert "is a condition" in body["data"]["content"]
    labels = [b["label"] for b in buttons(body)]
    assert 1 <= len(labels) <= 5
    titles_for_sps = {t.title for t in catalog.treatments_for("sps")}
    assert set(labels) <= titles_for_sps


async def test_mg_caution_instead_of_no_match(bot: SupportBot, standin) -> None:
    body = await ask(standin, "sideeffects", "ciprofloxacin")
    embed = body["data"]["embeds"][0]
    assert "Fluoroquinolone" in embed["title"] and "MG" in embed["description"]


async def test_autocomplete_offers_titles_with_ids(bot: SupportBot, standin, catalog) -> None:
    empty = await standin.wait_for_callback(
        await standin.send_autocomplete("treatment", "topic", "")
    )
    assert empty["type"] == 8
    choices = empty["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert [c["value"] for c in choices[:3]] == ["ae", "mg", "sps"]
    for choice in choices:
        assert catalog.topics[choice["value"]].title == choice["name"]
    typed = await standin.wait_for_callback(
        await standin.send_autocomplete("sideeffects", "treatment", "ritu")
    )
    assert typed["data"]["choices"][0]["value"] == "rituximab"
    conditions = await standin.wait_for_callback(
        await standin.send_autocomplete("resistance", "condition", "")
    )
    assert {c["value"] for c in conditions["data"]["choices"]} == {"sps", "ae", "mg"}


async def test_cooldown_per_member(bot: SupportBot, standin) -> None:
    for _ in range(5):
        assert "embeds" in (await ask(standin, "treatment", "mg"))["data"]
    sixth = await ask(standin, "treatment", "mg")
    assert sixth["data"]["flags"] & EPHEMERAL
    assert "wait" in sixth["data"]["content"] and "embeds" not in sixth["data"]
    other = await ask(standin, "treatment", "mg", user=standin.new_user("another"))
    assert "embeds" in other["data"]


async def test_about_and_topics(bot: SupportBot, standin, catalog) -> None:
    about = await standin.wait_for_callback(await standin.send_command("about"))
    embed = about["data"]["embeds"][0]
    assert about["data"]["flags"] & EPHEMERAL
    assert "not medical advice" in embed["description"]
    assert f"{len(catalog.topics)} topics" in str(embed["fields"])
    assert "mistake" in str(embed["fields"]).lower()
    topics = await standin.wait_for_callback(await standin.send_command("topics"))
    fields = {f["name"]: f["value"] for f in topics["data"]["embeds"][0]["fields"]}
    assert set(fields) == {t.title for t in catalog.of_kind(Kind.CONDITION)}
    assert "Pyridostigmine" in fields[catalog.topics["mg"].title]


async def test_errors_reply_privately_and_are_logged_without_member_data(
    bot: SupportBot, standin, monkeypatch, caplog
) -> None:
    class Broken:  # the served core, but every question fails
        def __init__(self, real: object) -> None:
            self.real = real

        def __getattr__(self, name: str) -> object:
            return getattr(self.real, name)

        def ask(self, *_args: object, **_kwargs: object) -> None:
            raise RuntimeError("boom")

    monkeypatch.setattr(bot.responder, "service", Broken(bot.service))
    caplog.set_level(logging.INFO, logger="bot")
    secret_query = "my-private-question-xyz"
    body = await ask(standin, "treatment", secret_query)
    assert body["data"]["flags"] & EPHEMERAL
    assert "Sorry, something went wrong" in body["data"]["content"]
    assert "Traceback" not in body["data"]["content"]
    await eventually(lambda: any("error in /treatment" in r.getMessage() for r in caplog.records))
    assert secret_query not in caplog.text


async def test_logs_one_line_per_interaction_without_the_member_or_query(
    bot: SupportBot, standin, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    keep_discord_logs_quiet("DEBUG")  # as `python -m bot run` does at LOG_LEVEL=DEBUG
    user = standin.new_user("Jane Patient", global_name="Jane P")
    await ask(standin, "sideeffects", "baclofen pump beeping", user=user)
    await ask(standin, "treatment", "pizza", user=user)

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.getMessage().startswith("interaction ")]

    await eventually(lambda: len(lines()) == 2)
    lines = lines()
    assert "command=sideeffects" in lines[0] and "topic=baclofen" in lines[0]
    assert "latency_ms=" in lines[0]
    assert "topic=none" in lines[1]
    for forbidden in (user["id"], "Jane", "pizza", "beeping", "stand-in-token"):
        assert forbidden not in caplog.text


async def test_reconnects_after_the_connection_drops(bot: SupportBot, standin) -> None:
    before = standin.identifies + standin.resumes
    await standin.drop_connection()
    await standin.wait_until_reconnected()
    assert standin.identifies + standin.resumes > before
    body = await ask(standin, "resistance", "mg")
    assert body["data"]["embeds"][0]["title"].startswith("Myasthenia gravis")


async def test_sighup_reloads_and_sigterm_closes_the_running_bot(
    standin: DiscordStandIn, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, content)
    process = await start_bot(
        standin, tmp_path / "data", BOT_CONTENT_DIR=str(content), LOG_LEVEL="INFO"
    )
    try:
        await standin.wait_until_ready(timeout=20)
        body = await ask(standin, "treatment", "ivig")
        assert body["data"]["embeds"][0]["title"].startswith("Intravenous immunoglobulin")
        ivig = content / "topics" / "ivig.yaml"
        ivig.write_text(
            ivig.read_text(encoding="utf-8").replace(
                "title: Intravenous immunoglobulin (IVIG)", "title: IVIG after SIGHUP"
            ),
            encoding="utf-8",
        )
        process.send_signal(signal.SIGHUP)
        async with asyncio.timeout(10):
            while True:
                body = await ask(standin, "treatment", "ivig", user=standin.new_user("next"))
                if body["data"]["embeds"][0]["title"] == "IVIG after SIGHUP":
                    break
                await asyncio.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "content reloaded" in log and "shutting down" in log
    assert "stand-in-token" not in log and "Traceback" not in log
    assert (tmp_path / "data" / "bot.sqlite3").is_file()


async def test_buttons_expire_with_the_interaction(bot: SupportBot, standin) -> None:
    interaction = await standin.send_command("sideeffects", {"treatment": "ivig"})
    await standin.wait_for_callback(interaction)
    message = dict(standin.original_response(interaction))
    sixteen_minutes_ago = discord.utils.utcnow() - timedelta(minutes=16)
    message["id"] = str(discord.utils.time_snowflake(sixteen_minutes_ago))
    press = await standin.send_component("share", message=message, user=standin.user)
    reply = await standin.wait_for_callback(press)
    assert reply["data"]["flags"] & EPHEMERAL
    assert "expired" in reply["data"]["content"]
    assert not [m for m in standin.messages if m.kind == "followup"]


async def test_forged_button_ids_are_ignored(bot: SupportBot, standin, caplog) -> None:
    interaction = await standin.send_command("sideeffects", {"treatment": "pyrido"})
    await standin.wait_for_callback(interaction)
    message = dict(standin.original_response(interaction))
    forged = [
        await standin.send_component(custom_id, message=message, user=standin.user)
        for custom_id in ("suggest:dosage:ivig", "suggest:sideeffects:../../x", "share:other")
    ]
    await asyncio.sleep(0.3)
    assert not [c for c in standin.callbacks if c.interaction_id in forged]
    assert "Traceback" not in caplog.text and "Error" not in caplog.text


async def test_a_rate_limited_callback_is_retried(bot: SupportBot, standin) -> None:
    standin.rate_limit_next("POST", "/interactions/*/callback", retry_after=0.05)
    body = await ask(standin, "treatment", "ae")
    assert body["data"]["embeds"][0]["title"].startswith("Autoimmune encephalitis")
    statuses = [r.status for r in standin.requested("POST", "/interactions/*/callback")]
    assert statuses[-2:] == [429, 200]


async def test_explicit_shards_connect_without_asking_for_a_count(standin) -> None:
    settings = Settings(
        token="stand-in-token",
        content_dir=BUNDLED_CONTENT,
        api_base=standin.api_base,
        gateway_url=standin.gateway_url,
        shard_count=1,
        shard_ids=(0,),
    )
    sharded = build_bot(settings, guild_ready_timeout=0.1)
    async with running_bot(sharded, standin) as running:
        assert running.shard_count == 1
        assert standin.identify_payloads[-1]["shard"] == [0, 1]
        assert not standin.requested("GET", "/gateway/bot")
        await running.tree.sync()
        body = await ask(standin, "resistance", "sps")
        assert body["data"]["embeds"][0]["title"].startswith("Stiff person")
