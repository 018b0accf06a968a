"""What only the PostgreSQL adapter has, on a real server: several processes on one database,
settings and events that reach every process, a server restart mid-test, and a password that
never shows. (Everything both adapters do alike runs against it in test_storage*.py.)"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

import bot.storage.postgres as postgres_module
from bot.server_settings import GuildSettings
from bot.storage.base import StorageBusy, StorageError
from bot.storage.migrations import POSTGRES_MIGRATIONS
from bot.storage.postgres import CHANNEL, PostgresStorage, redact_url
from tests.helpers import eventually
from tests.postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 3, 31)
GUILD_A = 111111111111111111
GUILD_B = 222222222222222222
PASSWORD = "s3cret-Pa55word"


def clock() -> date:
    return TODAY


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture
async def pair(postgres_url: str) -> AsyncIterator[tuple[PostgresStorage, PostgresStorage]]:
    """Two storages on one database, as two bot processes would have."""
    first, second = PostgresStorage(postgres_url), PostgresStorage(postgres_url)
    await first.open()
    await second.open()
    yield first, second
    await first.close()
    await second.close()


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql)  # type: ignore[call-overload]
        return cursor.fetchall() if cursor.description else []


# Opening


async def test_a_new_database_is_migrated_to_latest(postgres_url: str) -> None:
    store = PostgresStorage(postgres_url)
    await store.open()
    await store.close()
    tables = {
        name
        for (name,) in query(
            postgres_url,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
    }
    assert tables == {"schema_version", "guild_setting", "reports", "question_counts"}
    assert query(postgres_url, "SELECT version, checksum FROM schema_version") == [
        (m.number, m.checksum) for m in POSTGRES_MIGRATIONS
    ]
    types = dict(
        query(
            postgres_url,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name IN ('reports', 'question_counts') AND column_name IN "
            "('guild_id', 'created', 'closed', 'day', 'count')",
        )
    )
    assert types == {
        "guild_id": "bigint",
        "created": "timestamp with time zone",
        "closed": "timestamp with time zone",
        "day": "date",
        "count": "bigint",
    }


async def test_another_programs_tables_are_refused(postgres_url: str) -> None:
    query(postgres_url, "CREATE TABLE reports (name TEXT)")
    with pytest.raises(StorageError, match="not the bot's database"):
        await PostgresStorage(postgres_url).open()
    assert query(postgres_url, "SELECT to_regclass('schema_version')") == [(None,)]


async def test_no_lock_file_and_exclusive_is_ignored(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing is written here (nor anywhere): no lock file
    first = PostgresStorage(postgres_url, clock=clock)
    second = PostgresStorage(postgres_url, clock=clock)
    await first.open(exclusive=True)
    await second.open(exclusive=True)  # a second "bot" on the same database: the point
    try:
        await first.count(GUILD_A, TODAY, "mg")
        await second.count(GUILD_A, TODAY, "mg")
        assert (await first.stats(GUILD_A)).topics == [("mg", 2)]
    finally:
        await first.close()
        await second.close()
    assert list(tmp_path.iterdir()) == []


async def test_a_failed_open_can_be_retried(postgres_server: PostgresServer) -> None:
    url = postgres_server.url(f"later_{os.getpid()}", password=PASSWORD)
    store = PostgresStorage(url)
    with pytest.raises(StorageError) as caught:
        await store.open()
    message = str(caught.value)
    assert "does not exist" in message and redact_url(url) in message
    assert PASSWORD not in message
    with pytest.raises(StorageError, match="not open"):
        store.settings(GUILD_A)
    query(postgres_server.url(), f"CREATE DATABASE later_{os.getpid()}")
    await store.open()
    assert store.settings(GUILD_A) == GuildSettings(GUILD_A)
    await store.close()


# The password never shows


def test_redact_url_drops_the_password() -> None:
    assert redact_url("postgresql://bot:pw@db.example.org:5432/bot") == (
        "postgresql://bot@db.example.org:5432/bot"
    )
    assert redact_url("postgres://db/bot?password=pw&sslmode=require") == (
        "postgres://db/bot?sslmode=require"
    )
    assert redact_url("postgresql:///bot") == "postgresql:///bot"
    assert "pw" not in repr(PostgresStorage("postgresql://bot:pw@db/bot"))


async def test_errors_and_logs_never_show_the_password(
    postgres_server: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    closed_port = f"postgresql://bot:{PASSWORD}@127.0.0.1:1/bot?password={PASSWORD}"
    with pytest.raises(StorageError) as caught:
        await PostgresStorage(closed_port, call_timeout=0.5).open()
    message = str(caught.value)
    assert "Cannot connect to the database at postgresql://bot@127.0.0.1:1/bot" in message
    assert "Check DATABASE_URL" in message
    assert caught.value.__cause__ is None
    malformed = f"postgresql://bot:{PASSWORD}@127.0.0.1:{postgres_server.port}/x?nonsense=1"
    with pytest.raises(StorageError) as malformed_caught:
        await PostgresStorage(malformed).open()
    for text in (message, str(malformed_caught.value), caplog.text):
        assert PASSWORD not in text


# Several processes: settings, events and counts


async def test_settings_changes_reach_the_other_process_within_a_second(
    pair: tuple[PostgresStorage, PostgresStorage],
) -> None:
    first, second = pair
    started = time.monotonic()
    await first.update_settings(GUILD_A, focus="mg", visibility="public")
    await eventually(lambda: second.settings(GUILD_A).focus == "mg", timeout=1.0)
    assert second.settings(GUILD_A) == first.settings(GUILD_A)
    await second.update_settings(GUILD_A, emergency_text="Call 112.")
    await eventually(lambda: first.settings(GUILD_A).emergency_text == "Call 112.", timeout=1.0)
    assert first.settings(GUILD_A).focus == "mg"  # a change merges with the stored rows
    await second.reset_settings(GUILD_A)
    await eventually(lambda: first.settings(GUILD_A) == GuildSettings(GUILD_A), timeout=1.0)
    await first.update_settings(GUILD_B, focus="sps")
    await eventually(lambda: second.settings(GUILD_B).focus == "sps", timeout=1.0)
    await first.forget_guild(GUILD_B)
    await eventually(lambda: second.settings(GUILD_B) == GuildSettings(GUILD_B), timeout=1.0)
    assert time.monotonic() - started < 5


async def test_events_reach_every_process_the_publisher_too(
    pair: tuple[PostgresStorage, PostgresStorage],
) -> None:
    first, second = pair
    seen: list[tuple[str, str]] = []

    def recorder(name: str):
        async def handler(event: str) -> None:
            seen.append((name, event))

        return handler

    first.subscribe(recorder("first"))
    second.subscribe(recorder("second"))
    await first.publish("reload")
    await eventually(lambda: len(seen) == 2, timeout=1.0)
    assert sorted(seen) == [("first", "reload"), ("second", "reload")]


async def test_a_slow_subscriber_does_not_hold_up_settings(
    pair: tuple[PostgresStorage, PostgresStorage],
) -> None:
    first, second = pair
    release = asyncio.Event()

    async def slow(event: str) -> None:
        await release.wait()

    second.subscribe(slow)
    await first.publish("reload")
    await first.update_settings(GUILD_A, focus="ae")
    await eventually(lambda: second.settings(GUILD_A).focus == "ae", timeout=1.0)
    release.set()


COUNTER = """
import asyncio, sys
from datetime import date
from bot.storage.base import CountKey
from bot.storage.postgres import PostgresStorage

async def main(url: str, rounds: int) -> None:
    store = PostgresStorage(url)
    await store.open()
    print("READY", flush=True)
    sys.stdin.readline()
    day = date(2026, 3, 31)
    await asyncio.gather(*(store.count(1, day, "mg") for _ in range(rounds)))
    for _ in range(rounds // 10):
        await store.add_counts({CountKey(1, day, "topic", "mg"): 10,
                                CountKey(1, day, "unanswered", "lupus"): 1})
    await store.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def test_two_processes_counting_at_once_lose_nothing(postgres_url: str) -> None:
    store = PostgresStorage(postgres_url, clock=clock)
    await store.open()  # the schema exists before the children start
    rounds = 200
    children = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTER, postgres_url, str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        for _ in range(2)
    ]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "READY"
        for child in children:  # go: both at once
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            assert child.wait(timeout=60) == 0
        stats = await store.stats(None)
        assert stats.topics == [("mg", 2 * (rounds + rounds))]
        assert stats.unanswered == [("lupus", 2 * rounds // 10)]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
        await store.close()


SETTER = """
import asyncio, sys
from bot.storage.postgres import PostgresStorage

async def main(url: str) -> None:
    store = PostgresStorage(url)
    seen = []
    async def handler(event):
        seen.append(event)
    store.subscribe(handler)
    await store.open()
    await store.update_settings(111111111111111111, focus="mg")
    await store.publish("reload")
    for _ in range(200):
        if seen:
            break
        await asyncio.sleep(0.01)
    print("SEEN", seen, flush=True)
    await store.close()

asyncio.run(main(sys.argv[1]))
"""


async def test_another_process_changes_settings_and_sends_events(postgres_url: str) -> None:
    store = PostgresStorage(postgres_url)
    events: list[str] = []

    async def handler(event: str) -> None:
        events.append(event)

    store.subscribe(handler)
    await store.open()
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SETTER,
            postgres_url,
            stdout=asyncio.subprocess.PIPE,
            env=child_env(),
        )
        output, _ = await asyncio.wait_for(child.communicate(), timeout=60)
        assert child.returncode == 0
        assert "SEEN ['reload']" in output.decode()  # the publisher's own subscribers too
        await eventually(lambda: store.settings(GUILD_A).focus == "mg", timeout=1.0)
        await eventually(lambda: events == ["reload"], timeout=1.0)
    finally:
        await store.close()


# Busy and down


async def test_a_locked_table_raises_storage_busy_in_time(postgres_url: str) -> None:
    store = PostgresStorage(postgres_url, call_timeout=0.5)
    await store.open()
    await store.update_settings(GUILD_A, focus="mg")
    try:
        with psycopg.connect(postgres_url) as other:
            other.execute("LOCK TABLE guild_setting IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(StorageBusy) as caught:
                await store.update_settings(GUILD_A, focus="sps")
            assert time.monotonic() - started < 2
            assert "try again" in str(caught.value)
            assert store.settings(GUILD_A).focus == "mg"
            other.rollback()
        assert (await store.update_settings(GUILD_A, focus="sps")).focus == "sps"
    finally:
        await store.close()


async def test_a_server_restart_mid_test(
    postgres_server: PostgresServer, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres_module, "RETRY_MAX", 0.2)  # the listener retries sooner
    url = postgres_url
    bot = PostgresStorage(url, clock=clock, call_timeout=1.0)
    other = PostgresStorage(url, call_timeout=1.0)
    await bot.open()
    await other.open()
    try:
        await bot.update_settings(GUILD_A, focus="mg")
        await bot.count(GUILD_A, TODAY, "mg")
        postgres_server.stop()
        try:
            for call in (
                lambda: bot.count(GUILD_A, TODAY, "mg"),
                lambda: bot.update_settings(GUILD_A, focus="sps"),
                lambda: bot.publish("reload"),
                bot.reports,
            ):
                started = time.monotonic()
                with pytest.raises(StorageBusy) as caught:
                    await call()
                assert time.monotonic() - started < 1.5  # quickly, never a hang
                assert "try again" in str(caught.value)
            assert bot.settings(GUILD_A).focus == "mg"  # served from memory meanwhile
        finally:
            postgres_server.start()

        async def works() -> bool:
            try:
                await bot.count(GUILD_A, TODAY, "mg")
            except StorageBusy:
                await asyncio.sleep(0.1)
                return False
            return True

        async with asyncio.timeout(10):  # the pool reconnects on its own
            while not await works():
                pass
        assert (await bot.stats(GUILD_A, days=1)).topics == [("mg", 2)]
        # the listener is back too: changes reach the other process again
        async with asyncio.timeout(10):
            while True:
                try:
                    await other.update_settings(GUILD_A, focus="ae")
                    break
                except StorageBusy:
                    await asyncio.sleep(0.1)
        await eventually(lambda: bot.settings(GUILD_A).focus == "ae", timeout=3.0)
        seen: list[str] = []

        async def handler(event: str) -> None:
            seen.append(event)

        bot.subscribe(handler)
        await other.publish("reload")
        await eventually(lambda: seen == ["reload"], timeout=3.0)
    finally:
        await bot.close()
        await other.close()


async def test_settings_changed_while_a_process_was_cut_off_are_picked_up(
    pair: tuple[PostgresStorage, PostgresStorage], postgres_url: str
) -> None:
    first, second = pair
    # cut the second process's listener off (as a network blip would) ...
    query(
        postgres_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE pid <> pg_backend_pid() AND query ILIKE 'LISTEN {CHANNEL}%'",
    )
    # ... and change settings straight away, perhaps before it listens again
    await first.update_settings(GUILD_A, focus="sps")
    await eventually(lambda: second.settings(GUILD_A).focus == "sps", timeout=3.0)
