"""Faults that must never take the bot down, stall it, or keep data it should not.

The real bot and discord.py client against the local stand-in (which refuses a first reply
later than Discord's three seconds), with real SQLite files and, where the fault is about a
process, real `python -m bot run` processes.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest

import bot.discord_app.client as client_module
from bot.content_dir import BUNDLED_CONTENT
from bot.discord_app.client import SupportBot, build_bot
from bot.discord_app.pacing import PACE_SECONDS, AnswerPace, ShareOnce
from bot.health import check_health, heartbeat_path, read_heartbeat
from bot.settings import Settings
from bot.storage.base import StorageError
from tests.discord_standin import DiscordStandIn, running_bot
from tests.helpers import EPHEMERAL, buttons, eventually, run_cli, start_bot, stop_bot

ROOT = Path(__file__).resolve().parent.parent


def settings_for(standin: DiscordStandIn, content: Path = BUNDLED_CONTENT, **extra) -> Settings:
    return Settings(
        token="stand-in-token",
        content_dir=content,
        api_base=standin.api_base,
        gateway_url=standin.gateway_url,
        **extra,
    )


@pytest.fixture
def bot(bot_with_storage: SupportBot) -> SupportBot:
    return bot_with_storage


async def command(standin: DiscordStandIn, name: str, options=None, user=None) -> dict:
    return await standin.wait_for_callback(await standin.send_command(name, options, user=user))


def rename_ivig(content: Path, title: str) -> None:
    ivig = content / "topics" / "ivig.yaml"
    text = ivig.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("title:"))
    ivig.write_text(text.replace(old, f"title: {title}"), encoding="utf-8")


async def ivig_title(standin: DiscordStandIn) -> str:
    body = await command(standin, "sideeffects", {"treatment": "ivig"}, standin.new_user("x"))
    return body["data"]["embeds"][0]["title"]


# -- content reloads -------------------------------------------------------------------------


async def test_a_slow_reload_never_stalls_the_event_loop(
    bot: SupportBot, standin, content_copy, monkeypatch
) -> None:
    real_service = client_module.AnswerService

    def slow_to_index(*args, **kwargs):  # the compiled AnswerService takes no subclass
        time.sleep(1.0)  # a very large content folder: indexing takes a while
        return real_service(*args, **kwargs)

    monkeypatch.setattr(client_module, "AnswerService", slow_to_index)
    rename_ivig(content_copy, "IVIG reloaded")
    gaps: list[float] = []

    async def tick() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.02)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    reload = asyncio.create_task(bot.reload_content())
    await asyncio.sleep(0.2)
    during = await ivig_title(standin)  # answered while the reload is still indexing
    assert await reload == []
    ticker.cancel()
    assert during == "Intravenous immunoglobulin (IVIG)"
    assert max(gaps) < 0.5, f"the loop stalled for {max(gaps):.2f} s"
    assert await ivig_title(standin) == "IVIG reloaded"


async def test_overlapping_reloads_serve_the_newest_files(
    bot: SupportBot, standin, content_copy, monkeypatch
) -> None:
    real_load = client_module.load_catalog
    first_loaded = threading.Event()
    calls = 0

    def slow_first_load(content_dir):
        nonlocal calls
        calls += 1
        catalog = real_load(content_dir)
        if calls == 1:
            first_loaded.set()
            time.sleep(1.0)  # the first reload read the old files and is slow to finish
        return catalog

    monkeypatch.setattr(client_module, "load_catalog", slow_first_load)
    first = asyncio.create_task(bot.reload_content())
    await asyncio.to_thread(first_loaded.wait, 5)
    rename_ivig(content_copy, "IVIG fixed")  # a curator fixes the file and reloads again
    second = asyncio.create_task(bot.reload_content())
    assert await first == [] and await second == []
    assert await ivig_title(standin) == "IVIG fixed"


# -- periodic work and health -----------------------------------------------------------------


async def test_periodic_purge_and_heartbeat_survive_errors(
    standin, storage, tmp_path, monkeypatch, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    purges = 0
    real_purge = storage.purge_expired

    async def flaky_purge() -> int:
        nonlocal purges
        purges += 1
        if purges <= 2:
            raise StorageError("database is locked")
        return await real_purge()

    monkeypatch.setattr(storage, "purge_expired", flaky_purge)
    writes = 0
    real_write = client_module.write_heartbeat

    def flaky_write(*args, **kwargs) -> None:
        nonlocal writes
        writes += 1
        if writes <= 2:
            raise OSError(28, "No space left on device")
        real_write(*args, **kwargs)

    monkeypatch.setattr(client_module, "write_heartbeat", flaky_write)
    path = heartbeat_path(tmp_path)
    support_bot = build_bot(
        settings_for(standin),
        storage,
        heartbeat_file=path,
        guild_ready_timeout=0.1,
    )
    support_bot._heartbeat_loop.change_interval(seconds=0.05)
    support_bot._purge_loop.change_interval(seconds=0.05)
    async with running_bot(support_bot, standin):
        await eventually(lambda: purges >= 4 and path.exists())
        assert check_health(path)[0]
    assert "purge failed, will retry" in caplog.text
    assert "could not write the heartbeat file" in caplog.text


async def test_heartbeat_is_written_when_the_first_shard_is_ready(standin, tmp_path) -> None:
    path = heartbeat_path(tmp_path)
    support_bot = build_bot(
        settings_for(standin), heartbeat_file=path, heartbeat_every=600, guild_ready_timeout=0.1
    )
    async with running_bot(support_bot, standin):
        await eventually(path.exists, timeout=3)
        assert check_health(path)[0]


async def test_health_counts_only_this_processes_shards(standin, tmp_path) -> None:
    path = heartbeat_path(tmp_path)
    settings = settings_for(standin, shard_count=2, shard_ids=(0,))
    support_bot = build_bot(settings, heartbeat_file=path, guild_ready_timeout=0.1)
    async with running_bot(support_bot, standin):
        await eventually(path.exists, timeout=3)
        beat = read_heartbeat(path)
        assert (beat.shards_ready, beat.shard_count) == (1, 1)
        healthy, reason = check_health(path)
        assert healthy, reason


# -- what is kept of unanswered questions ------------------------------------------------------


async def test_unanswered_text_keeps_no_crisis_and_no_personal_details(
    bot: SupportBot, standin, storage
) -> None:
    guild = int(standin.guild_id)
    crisis = await command(standin, "treatment", {"topic": "i want to die"})
    assert "emergency" in crisis["data"]["content"].lower()
    pasted = "<@123456789012345678> zzqqx wibble https://example.com/me?id=42 call 07700 900123"
    await command(standin, "treatment", {"topic": pasted})
    await command(standin, "treatment", {"topic": "zzqqy"})

    async def unanswered() -> list[str]:
        return [key for key, _ in (await storage.stats(guild)).unanswered]

    async with asyncio.timeout(5):
        while "zzqqy" not in await unanswered():
            await asyncio.sleep(0.02)
    kept = await unanswered()
    assert "zzqqx wibble call" in kept
    dump = "\n".join(sqlite3.connect(storage.path).iterdump())
    for secret in ("die", "123456789012345678", "example.com", "07700"):
        assert secret not in dump


# -- abuse: every answer path is paced, an answer is shared once ---------------------------------


async def test_suggestion_and_share_buttons_obey_the_members_pace(bot: SupportBot, standin) -> None:
    asked = await standin.send_command("sideeffects", {"treatment": "sps"})  # a condition
    first = await standin.wait_for_callback(asked)
    suggestion = next(b for b in buttons(first) if b["custom_id"].startswith("suggest:"))
    message = standin.original_response(asked)
    presses = [
        await standin.send_component(suggestion["custom_id"], message=message, user=standin.user)
        for _ in range(40)
    ]
    replies = [await standin.wait_for_callback(p) for p in presses]
    answered = [r for r in replies if r["data"].get("embeds")]
    refused = [r for r in replies if "wait" in (r["data"].get("content") or "")]
    assert len(answered) == 4  # the command took one of five; the buttons get the rest
    assert len(refused) == 36 and all(r["data"]["flags"] & EPHEMERAL for r in refused)

    answer_message = standin.original_response(presses[0])
    shares = await asyncio.gather(
        *(
            standin.send_component("share", message=answer_message, user=standin.user)
            for _ in range(10)
        )
    )
    for share in shares:
        await standin.wait_for_callback(share)
    await asyncio.sleep(0.2)
    public = [m for m in standin.messages if m.kind == "followup" and not m.body.get("flags")]
    assert len(public) == 1


# -- slow storage and a slow moderators' channel never miss Discord's three seconds -------------


async def test_settings_answer_in_time_while_the_database_is_locked(
    bot: SupportBot, standin, storage
) -> None:
    locker = sqlite3.connect(storage.path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        emergency = {"name": "text", "type": 3, "value": "Call 112"}
        interaction = await standin.send_command(
            "settings", [{"name": "emergency", "type": 1, "options": [emergency]}]
        )
        first = await standin.wait_for_callback(interaction)
        assert first["type"] == 5  # deferred at once
        followup = (await standin.wait_for_messages(1, timeout=15))[-1].body
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert followup["flags"] & EPHEMERAL
    assert "database" in followup["content"] and "Traceback" not in followup["content"]
    assert standin.late_callbacks == 0


async def test_report_answers_in_time_while_the_channel_is_rate_limited(
    bot: SupportBot, standin, storage
) -> None:
    await storage.update_settings(int(standin.guild_id), report_channel_id=int(standin.channel_id))
    standin.rate_limit_next("POST", f"/channels/{standin.channel_id}/messages", retry_after=4.0)
    interaction = await standin.send_command(
        "report", {"topic": "ivig", "what": "The kidney part is unclear"}
    )
    first = await standin.wait_for_callback(interaction)
    assert first["type"] == 5

    def thanked() -> bool:
        return any("Thank you" in (m.body.get("content") or "") for m in standin.messages)

    await standin.wait_for(thanked, timeout=15, what="the thank-you follow-up")
    assert standin.late_callbacks == 0
    assert len(await storage.reports()) == 1


# -- storage that is broken or shared: real processes -------------------------------------------


async def test_a_corrupt_database_still_starts_answers_and_says_so(standin, tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "bot.sqlite3").write_bytes(b"this is not a database" * 100)
    process = await start_bot(standin, data)
    try:
        await standin.wait_until_ready(timeout=20)
        body = await command(standin, "treatment", {"topic": "mg"})
        assert body["data"]["embeds"][0]["title"].startswith("Myasthenia gravis")
        interaction = await standin.send_command("stats")
        await standin.wait_for_callback(interaction)
        stats = (await standin.wait_for_messages(1))[-1].body["content"]
        assert "database is unavailable" in stats and "backup" in stats
        await eventually(lambda: heartbeat_path(data).exists(), timeout=10)
        health = await asyncio.to_thread(run_cli, "health", env={"BOT_DATA_DIR": str(data)})
        assert health.returncode == 0, health.stdout
        assert "storage unavailable" in health.stdout and "backup" in health.stdout
    finally:
        log = await stop_bot(process)
    assert process.returncode == 0, log
    assert "storage unavailable" in log and "Traceback" not in log


async def test_a_second_bot_on_the_same_data_folder_is_refused(standin, tmp_path) -> None:
    data = tmp_path / "data"
    first = await start_bot(standin, data)
    try:
        await standin.wait_until_ready(timeout=20)
        second = await start_bot(standin, data)
        _, stderr = await asyncio.wait_for(second.communicate(), timeout=30)
        message = stderr.decode()
        assert second.returncode == 2, message
        assert "Another copy of the bot" in message and "Traceback" not in message
        assert first.returncode is None  # the first copy keeps running
    finally:
        await stop_bot(first)


def test_the_pace_forgets_a_member_once_the_window_has_passed() -> None:
    pace = AnswerPace(rate=5, per=30.0)
    for second in range(5):
        assert pace.retry_after(1, now=1000.0 + second) == 0
    assert pace.retry_after(1, now=1005.0) > 0  # the sixth answer in the window waits
    assert pace.held(now=1020.0) == 1
    assert pace.held(now=1036.0) == 0  # 30 s after the last answer, the member id is gone
    assert pace.retry_after(1, now=1036.0) == 0


def test_an_answer_is_shared_once_within_its_lifetime() -> None:
    shared = ShareOnce(memory=900.0)
    assert shared.first(42, now=0.0)
    assert not shared.first(42, now=10.0)
    assert shared.first(43, now=10.0)


def test_privacy_states_every_retention_period_the_code_enforces() -> None:
    from bot.discord_app.moderation import PRIVACY_TEXT
    from bot.storage.base import REPORT_CLOSED_DAYS, REPORT_OPEN_DAYS, RETENTION_DAYS

    assert f"deleted after {RETENTION_DAYS} days" in PRIVACY_TEXT
    assert f"deleted {REPORT_CLOSED_DAYS} days later" in PRIVACY_TEXT
    assert f"after {REPORT_OPEN_DAYS} days" in PRIVACY_TEXT
    assert "until the report is closed" in PRIVACY_TEXT
    assert f"for {PACE_SECONDS:.0f} seconds" in PRIVACY_TEXT
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for days, name in (
        (RETENTION_DAYS, "RETENTION_DAYS"),
        (REPORT_CLOSED_DAYS, "REPORT_CLOSED_DAYS"),
        (REPORT_OPEN_DAYS, "REPORT_OPEN_DAYS"),
    ):
        assert f"{days} days" in readme and f"`{name}`" in readme
