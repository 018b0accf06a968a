"""Moderator tools end to end: settings, reports, stats, privacy, reload, server removal.

The real bot and discord.py client against the local stand-in, with a real SQLite file.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.core.catalog import Kind
from bot.discord_app.client import SupportBot
from bot.server_settings import SETTINGS, SettingKind
from bot.storage.base import GuildSettings, StorageBusy, Visibility
from tests.discord_standin import APPLICATION_COMMAND, AUTOCOMPLETE, DiscordStandIn
from tests.helpers import EPHEMERAL, buttons, eventually


@pytest.fixture
def bot(bot_with_storage: SupportBot) -> SupportBot:
    return bot_with_storage


async def command(standin: DiscordStandIn, name: str, options=None, user=None) -> dict:
    return await standin.wait_for_reply(await standin.send_command(name, options, user=user))


async def subcommand(standin: DiscordStandIn, group: str, name: str, **values) -> dict:
    options = [
        {
            "name": name,
            "type": 1,
            "options": [{"name": k, "type": 3, "value": v} for k, v in values.items()],
        }
    ]
    return await command(standin, group, options)


def test_command_permissions_in_the_registration(bot: SupportBot, standin) -> None:
    registered = {c["name"]: c for c in standin.command_puts[-1].body}
    assert str(registered["settings"]["default_member_permissions"]) == "32"  # Manage Server
    assert str(registered["stats"]["default_member_permissions"]) == "32"
    assert str(registered["reload"]["default_member_permissions"]) == "8"  # administrators only
    for everyone in ("report", "privacy", "treatment", "about"):
        assert registered[everyone].get("default_member_permissions") is None
    subcommands = {o["name"] for o in registered["settings"]["options"]}
    assert subcommands == {"show", "reset", "emergency", "visibility", "focus", "channel"}


async def test_settings_round_trip_and_effects(bot: SupportBot, standin, storage) -> None:
    guild = int(standin.guild_id)
    shown = await subcommand(standin, "settings", "focus", condition="mg")
    assert shown["data"]["flags"] & EPHEMERAL
    assert storage.settings(guild).focus == "mg"
    choices = await standin.wait_for_callback(
        await standin.send_autocomplete("treatment", "topic", "")
    )
    assert choices["data"]["choices"][0]["value"] == "mg"

    await subcommand(standin, "settings", "emergency", text="Ring 000 (Australia) or 13 11 14.")
    crisis = await command(standin, "treatment", {"topic": "mg can't breathe"})
    assert "Ring 000 (Australia)" in crisis["data"]["content"]
    assert "911" not in crisis["data"]["content"]

    await subcommand(standin, "settings", "visibility", mode="public")
    assert storage.settings(guild).visibility is Visibility.PUBLIC
    public = await command(standin, "treatment", {"topic": "sps"})
    assert not (public["data"].get("flags") or 0) & EPHEMERAL
    assert [b["label"] for b in buttons(public)] == ["Remove", "All sources"]  # sps cites many

    show = await subcommand(standin, "settings", "show")
    fields = {f["name"]: f["value"] for f in show["data"]["embeds"][0]["fields"]}
    assert "Ring 000" in fields["Emergency notice"] and fields["Focus condition"] == "mg"

    await subcommand(standin, "settings", "reset")
    assert storage.settings(guild).visibility is Visibility.PRIVATE
    private = await command(standin, "treatment", {"topic": "sps"})
    assert private["data"]["flags"] & EPHEMERAL


def test_the_settings_subcommands_follow_the_declarations(bot: SupportBot, standin) -> None:
    registered = {c["name"]: c for c in standin.command_puts[-1].body}
    subcommands = {o["name"]: o for o in registered["settings"]["options"]}
    assert [o["name"] for o in registered["settings"]["options"]] == [
        "show",
        "reset",
        *(spec.command for spec in SETTINGS),
    ]
    option_types = {
        SettingKind.TEXT: 3,
        SettingKind.CHOICE: 3,
        SettingKind.CONDITION: 3,
        SettingKind.CHANNEL: 7,
    }
    for spec in SETTINGS:
        command = subcommands[spec.command]
        assert command["description"] == spec.description
        [option] = command["options"]
        assert option["name"] == spec.option, spec.name
        assert option["description"] == spec.option_description
        assert option["type"] == option_types[spec.kind]
        assert option.get("required", False) == (
            spec.kind in (SettingKind.CHOICE, SettingKind.CONDITION)
        )
        assert option.get("autocomplete", False) == (spec.kind is SettingKind.CONDITION)
        if spec.kind is SettingKind.TEXT:
            assert option["max_length"] == spec.max_length
        if spec.kind is SettingKind.CHOICE:
            assert [(c["name"], c["value"]) for c in option["choices"]] == [
                (choice.label, choice.value.value) for choice in spec.choices
            ]
        if spec.kind is SettingKind.CHANNEL:
            assert option["channel_types"] == [0, 5]  # text and announcement channels


async def autocomplete_focus(standin: DiscordStandIn, typed: str) -> list[dict]:
    focused = {"name": "condition", "type": 3, "value": typed, "focused": True}
    data = standin._command_data(
        "settings", [{"name": "focus", "type": 1, "options": [focused]}], True, "auto"
    )
    reply = await standin.wait_for_callback(await standin.send_interaction(AUTOCOMPLETE, data))
    return reply["data"]["choices"]


async def test_focus_offers_the_catalogues_conditions(bot: SupportBot, standin) -> None:
    conditions = bot.responder.service.catalog.of_kind(Kind.CONDITION)
    everything = await autocomplete_focus(standin, "")
    assert [c["value"] for c in everything] == [*(t.id for t in conditions), "none"]
    assert [c["name"] for c in everything][:-1] == [t.title for t in conditions]
    myasthenia = await autocomplete_focus(standin, "myasth")
    assert [c["value"] for c in myasthenia] == ["mg"]


async def test_focus_refuses_an_unknown_condition_privately(
    bot: SupportBot, standin, storage
) -> None:
    guild = int(standin.guild_id)
    await storage.update_settings(guild, focus="sps")
    reply = await subcommand(standin, "settings", "focus", condition="lupus")
    assert reply["data"]["flags"] & EPHEMERAL
    assert "“lupus” is not a condition this bot covers" in reply["data"]["content"]
    assert "Myasthenia gravis" in reply["data"]["content"]
    assert storage.settings(guild).focus == "sps"

    await subcommand(standin, "settings", "focus", condition="Myasthenia Gravis (MG)")
    assert storage.settings(guild).focus == "mg"
    shown = await subcommand(standin, "settings", "focus", condition="none")
    assert storage.settings(guild).focus is None
    assert "Focus condition updated." in shown["data"]["content"]


async def test_channel_and_emergency_set_and_clear(bot: SupportBot, standin, storage) -> None:
    guild = int(standin.guild_id)
    option = {"name": "channel", "type": 7, "value": standin.channel_id}
    data = standin._command_data(
        "settings", [{"name": "channel", "type": 1, "options": [option]}], True, "auto"
    )
    data["resolved"] = {
        "channels": {standin.channel_id: {**standin.text_channel(), "permissions": "8"}}
    }
    shown = await standin.wait_for_reply(await standin.send_interaction(APPLICATION_COMMAND, data))
    assert storage.settings(guild).report_channel_id == int(standin.channel_id)
    fields = {f["name"]: f["value"] for f in shown["data"]["embeds"][0]["fields"]}
    assert fields["Moderator channel for reports"] == f"<#{standin.channel_id}>"
    assert fields["Answer visibility"] == "Private to the asker, with a Share button"

    await subcommand(standin, "settings", "emergency", text="   ")  # blank: the generic notice
    await subcommand(standin, "settings", "channel")  # empty: stop posting reports
    shown = await subcommand(standin, "settings", "show")
    assert storage.settings(guild) == GuildSettings(guild)
    fields = {f["name"]: f["value"] for f in shown["data"]["embeds"][0]["fields"]}
    assert fields["Moderator channel for reports"] == "None (reports are still stored)"
    assert fields["Emergency notice"].startswith("The generic notice: ")
    assert list(fields) == [spec.title for spec in SETTINGS]


async def test_remove_button_deletes_a_public_answer(bot: SupportBot, standin, storage) -> None:
    await storage.update_settings(int(standin.guild_id), visibility=Visibility.PUBLIC)
    interaction = await standin.send_command("sideeffects", {"treatment": "ivig"})
    await standin.wait_for_callback(interaction)
    press = await standin.send_component("remove", user=standin.user)
    await standin.wait_for_callback(press)
    await standin.wait_for(
        lambda: any(m.kind == "delete_original" for m in standin.messages), what="the deletion"
    )


async def test_report_flow(bot: SupportBot, standin, storage) -> None:
    guild = int(standin.guild_id)
    await storage.update_settings(guild, report_channel_id=int(standin.channel_id))
    reply = await command(
        standin, "report", {"topic": "ivig", "what": "The kidney part is unclear"}
    )
    assert reply["data"]["flags"] & EPHEMERAL and "Thank you" in reply["data"]["content"]
    posted = await standin.wait_for_messages(1)
    embed = [m for m in posted if m.kind == "channel"][-1].body["embeds"][0]
    assert "ivig" in embed["title"] and "kidney" in embed["description"]
    assert "did not ask to be contacted" in embed["footer"]["text"]

    user = standin.new_user("Helpful Carer")
    await command(
        standin,
        "report",
        {"topic": "mg", "what": "Outdated approval date", "contact": True},
        user=user,
    )
    reports = await storage.reports()
    assert [(r.topic, r.contact is None) for r in reports] == [("ivig", True), ("mg", False)]
    assert user["id"] in (reports[1].contact or "")


async def test_counts_and_stats_without_member_data(
    bot: SupportBot, standin, storage, caplog
) -> None:
    caplog.set_level(logging.INFO)
    user = standin.new_user("Jane Patient", global_name="Jane P")
    for topic in ("ivig", "ivig", "sps", "zzzqqq unknown thing"):
        await command(standin, "treatment", {"topic": topic}, user=user)
    guild = int(standin.guild_id)

    async def counted() -> bool:
        stats = await storage.stats(guild)
        return dict(stats.topics).get("ivig") == 2 and bool(stats.unanswered)

    async with asyncio.timeout(5):
        while not await counted():
            await asyncio.sleep(0.02)
    stats = await command(standin, "stats")
    fields = {f["name"]: f["value"] for f in stats["data"]["embeds"][0]["fields"]}
    assert "2× Intravenous immunoglobulin (IVIG)" in fields["Top topics"]
    assert "zzzqqq unknown thing" in fields["Top unanswered questions"]

    dump = "\n".join(sqlite3.connect(storage.path).iterdump())
    for secret in (user["id"], "Jane"):
        assert secret not in dump
        assert secret not in caplog.text


async def test_privacy_explains_what_is_kept(bot: SupportBot, standin) -> None:
    reply = await command(standin, "privacy")
    text = reply["data"]["embeds"][0]["description"]
    assert reply["data"]["flags"] & EPHEMERAL
    assert "90 days" in text and "contact me" in text and "leaves a server" in text


async def test_leaving_a_server_deletes_its_data(bot: SupportBot, standin, storage) -> None:
    guild = int(standin.guild_id)
    await storage.update_settings(guild, focus="sps")
    await storage.add_report(guild, "sps", "typo")
    await command(standin, "treatment", {"topic": "sps"})
    await standin.dispatch("GUILD_DELETE", {"id": standin.guild_id})

    async def forgotten() -> bool:
        return storage.settings(guild).focus is None and not await storage.reports()

    async with asyncio.timeout(5):
        while not await forgotten():
            await asyncio.sleep(0.02)
    assert (await storage.stats(guild)).topics == []


async def test_reload_keeps_old_content_on_errors_and_swaps_on_good(
    bot: SupportBot, standin, content_copy: Path
) -> None:
    ivig = content_copy / "topics" / "ivig.yaml"
    original = ivig.read_text(encoding="utf-8")
    ivig.write_text(original.replace("aliases:", "alaises:"), encoding="utf-8")
    (content_copy / "topics" / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    reply = await standin.wait_for_callback(await standin.send_command("reload"))
    assert reply["type"] == 5  # deferred while it reads
    message = (await standin.wait_for_messages(1))[-1].body
    assert "Kept the old content" in message["content"]
    assert "alaises" in message["content"] and "broken.yaml" in message["content"]
    still = await command(standin, "sideeffects", {"treatment": "ivig"})
    assert still["data"]["embeds"][0]["title"] == "Intravenous immunoglobulin (IVIG)"

    (content_copy / "topics" / "broken.yaml").unlink()
    ivig.write_text(
        original.replace("title: Intravenous immunoglobulin (IVIG)", "title: IVIG (reloaded)"),
        encoding="utf-8",
    )
    assert await bot.reload_content() == []
    swapped = await command(standin, "sideeffects", {"treatment": "ivig"})
    assert swapped["data"]["embeds"][0]["title"] == "IVIG (reloaded)"


async def test_only_the_owner_may_reload(bot: SupportBot, standin) -> None:
    stranger = standin.new_user("not the owner")
    reply = await command(standin, "reload", user=stranger)
    assert "Only the bot's owner" in reply["data"]["content"]


async def test_a_failing_database_never_costs_an_answer_and_keeps_the_counts(
    bot: SupportBot, standin, storage, monkeypatch, caplog
) -> None:
    real = storage.add_counts
    failures = 0

    async def broken(counts) -> None:
        nonlocal failures
        failures += 1
        if failures <= 3:
            raise StorageBusy("disk I/O error")
        await real(counts)

    monkeypatch.setattr(storage, "add_counts", broken)
    caplog.set_level(logging.WARNING, logger="bot")
    reply = await command(standin, "treatment", {"topic": "ae"})
    assert reply["data"]["embeds"][0]["title"].startswith("Autoimmune encephalitis")
    await eventually(lambda: "will retry" in caplog.text)

    async def counted() -> bool:
        return dict((await storage.stats(int(standin.guild_id))).topics).get("ae") == 1

    async with asyncio.timeout(5):
        while not await counted():  # kept in memory, written once the database is back
            await asyncio.sleep(0.02)
