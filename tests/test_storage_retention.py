"""Storage guarantees of issue 11: retention (on SQLite and PostgreSQL alike), and on real
SQLite files: deleted data gone from disk, one bot per data folder, time-boxed calls and a
damaged file that says what to do."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.base import (
    REPORT_CLOSED_DAYS,
    REPORT_OPEN_DAYS,
    RETENTION_DAYS,
    GuildSettings,
    Storage,
    StorageBusy,
    StorageCorrupt,
    StorageError,
    StorageInUse,
)
from bot.storage.postgres import PostgresStorage
from bot.storage.sqlite import DB_FILE_NAME, LATEST_VERSION, SqliteStorage, migrate
from tests.storage_backends import Backend

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
GUILD_A = 111111111111111111
GUILD_B = 222222222222222222


class Clock:
    """A clock the test moves: `now` for reports, `today` for question counts."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def today(self) -> date:
        return self.moment.date()

    def days_ago(self, days: int) -> None:
        self.moment = NOW - timedelta(days=days)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / DB_FILE_NAME


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def storage(backend: Backend, clock: Clock) -> AsyncIterator[Storage]:
    """An open storage on each backend in turn, on the test's clock."""
    clock.days_ago(1000)  # open() purges: start long before anything is written
    store = backend.storage(clock=clock.today, now=clock.now)
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def sqlite_storage(db_path: Path, clock: Clock) -> AsyncIterator[SqliteStorage]:
    """For what only SQLite has: the file's bytes on disk."""
    clock.days_ago(1000)
    store = SqliteStorage(db_path, clock=clock.today, now=clock.now)
    await store.open()
    yield store
    await store.close()


def on_disk(db_path: Path) -> bytes:
    """The raw bytes of the database and its write-ahead log, as anyone reading the disk sees."""
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    return b"".join(file.read_bytes() for file in files if file.exists())


def marker(name: str) -> str:
    """A string that appears nowhere else on disk."""
    return f"MARKER-{name}-{os.getpid()}-{time.monotonic_ns()}"


# Retention


def test_the_retention_periods() -> None:
    assert (RETENTION_DAYS, REPORT_CLOSED_DAYS, REPORT_OPEN_DAYS) == (90, 30, 365)


async def test_closing_a_report_forgets_its_contact_at_once(storage: Storage, clock: Clock) -> None:
    clock.days_ago(0)
    report = await storage.add_report(GUILD_A, "mg", "Outdated dose", contact="Jane (42)")
    assert await storage.close_report(report.id)
    [closed] = await storage.reports("closed")
    assert (closed.id, closed.contact, closed.closed) == (report.id, None, NOW)
    assert closed.created == NOW and closed.text == "Outdated dose"


async def test_closed_reports_go_report_closed_days_after_closing(
    storage: Storage, clock: Clock
) -> None:
    clock.days_ago(REPORT_OPEN_DAYS + 40)
    made_long_ago = await storage.add_report(GUILD_A, "mg", "made long ago")
    closing = {REPORT_CLOSED_DAYS + 1: "one day past", REPORT_CLOSED_DAYS - 1: "one day inside"}
    for days_ago, text in closing.items():
        clock.days_ago(days_ago)
        report = await storage.add_report(GUILD_A, "mg", text)
        assert await storage.close_report(report.id)
    clock.days_ago(REPORT_CLOSED_DAYS - 1)
    assert await storage.close_report(made_long_ago.id)  # its age no longer counts

    clock.days_ago(0)
    assert await storage.purge_expired() == 1
    assert await storage.purge_expired() == 0
    assert [r.text for r in await storage.reports("closed")] == ["made long ago", "one day inside"]


async def test_open_reports_go_report_open_days_after_they_were_made(
    storage: Storage, clock: Clock
) -> None:
    for days_ago, text in ((REPORT_OPEN_DAYS + 1, "one day past"), (REPORT_OPEN_DAYS - 1, "in")):
        clock.days_ago(days_ago)
        await storage.add_report(GUILD_A, "mg", text, contact="Jane (42)")
    clock.days_ago(0)
    assert await storage.purge_expired() == 1
    assert [(r.text, r.contact) for r in await storage.reports()] == [("in", "Jane (42)")]


async def test_purge_expired_counts_and_reports_together(storage: Storage, clock: Clock) -> None:
    today = NOW.date()
    for days_ago in (RETENTION_DAYS + 1, RETENTION_DAYS - 1):
        await storage.count(GUILD_A, today - timedelta(days=days_ago), "mg/treatment")
        await storage.count(GUILD_B, today - timedelta(days=days_ago), None, "lupus")
    clock.days_ago(REPORT_OPEN_DAYS + 1)
    await storage.add_report(GUILD_B, "mg", "old and open")
    clock.days_ago(0)
    assert await storage.purge_expired() == 3  # two counts and a report
    assert (await storage.stats(None, days=RETENTION_DAYS)).topics == [("mg/treatment", 1)]
    assert await storage.reports() == []


async def test_open_purges_expired_reports(backend: Backend, clock: Clock) -> None:
    clock.days_ago(REPORT_OPEN_DAYS + 1)
    store = backend.storage(clock=clock.today, now=clock.now)
    await store.open()
    await store.add_report(GUILD_A, "mg", "nobody handled me")
    closed = await store.add_report(GUILD_A, "mg", "handled")
    assert await store.close_report(closed.id)
    await store.close()

    clock.days_ago(0)
    await store.open()  # purges on its own
    try:
        assert await store.reports() == [] and await store.reports("closed") == []
    finally:
        await store.close()


async def test_upgrading_forgets_the_contact_of_reports_closed_before(db_path: Path) -> None:
    contact = marker("old-contact")
    db_path.parent.mkdir(parents=True)
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        assert migrate(connection, target=2) == 2
        connection.executemany(
            "INSERT INTO reports (guild_id, topic, text, created, contact, status) "
            "VALUES (?, 'mg', ?, '2026-01-02T10:00:00.000000+00:00', ?, ?)",
            [(GUILD_A, "was closed", contact, "closed"), (GUILD_A, "still open", "Bo", "open")],
        )
    finally:
        connection.close()
    assert contact.encode() in on_disk(db_path)

    store = SqliteStorage(db_path)
    await store.open()
    try:
        [was_closed] = await store.reports("closed")
        assert was_closed.contact is None and was_closed.closed is not None
        assert abs(datetime.now(UTC) - was_closed.closed) < timedelta(minutes=1)  # starts now
        [still_open] = await store.reports()
        assert (still_open.contact, still_open.closed) == ("Bo", None)
        assert contact.encode() not in on_disk(db_path)
    finally:
        await store.close()
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == 5
    assert LATEST_VERSION == 5


async def test_migrate_alone_also_forgets_the_contact_of_reports_closed_before(
    db_path: Path,
) -> None:
    contact = marker("old-contact")
    db_path.parent.mkdir(parents=True)
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        assert migrate(connection, target=2) == 2
        connection.execute(
            "INSERT INTO reports (guild_id, topic, text, created, contact, status) "
            "VALUES (?, 'mg', 'was closed', '2026-01-02T10:00:00.000000+00:00', ?, 'closed')",
            (GUILD_A, contact),
        )
    finally:
        connection.close()
    assert await SqliteStorage(db_path).migrate() == (2, LATEST_VERSION)  # python -m bot migrate
    assert contact.encode() not in on_disk(db_path)


# Deleted data leaves the disk while the bot runs


async def test_forget_guild_leaves_nothing_on_disk(
    db_path: Path, sqlite_storage: SqliteStorage
) -> None:
    text, contact, query = marker("text"), marker("contact"), marker("query")
    storage = sqlite_storage
    await storage.add_report(GUILD_A, "mg", text, contact=contact)
    await storage.count(GUILD_A, NOW.date(), None, query)
    await storage.add_report(GUILD_B, "mg", "another server's report")
    assert all(m.encode() in on_disk(db_path) for m in (text, contact, query))

    await storage.forget_guild(GUILD_A)

    raw = on_disk(db_path)  # the storage is still open
    assert text.encode() not in raw
    assert contact.encode() not in raw
    assert query.encode() not in raw
    assert b"another server's report" in raw


async def test_purge_expired_leaves_nothing_on_disk(
    db_path: Path, sqlite_storage: SqliteStorage, clock: Clock
) -> None:
    storage = sqlite_storage
    text, query = marker("expired-text"), marker("expired-query")
    clock.days_ago(REPORT_OPEN_DAYS + 1)
    await storage.add_report(GUILD_A, "mg", text, contact="Jane (42)")
    await storage.count(GUILD_A, NOW.date() - timedelta(days=RETENTION_DAYS + 1), None, query)
    assert text.encode() in on_disk(db_path) and query.encode() in on_disk(db_path)

    clock.days_ago(0)
    assert await storage.purge_expired() == 2

    raw = on_disk(db_path)
    assert text.encode() not in raw and query.encode() not in raw


async def test_closing_a_report_wipes_its_contact_from_disk(
    db_path: Path, sqlite_storage: SqliteStorage
) -> None:
    storage = sqlite_storage
    contact = marker("contact")
    report = await storage.add_report(GUILD_A, "mg", "Wrong source.", contact=contact)
    assert contact.encode() in on_disk(db_path)

    assert await storage.close_report(report.id)

    raw = on_disk(db_path)
    assert contact.encode() not in raw
    assert b"Wrong source." in raw  # the report itself stays until REPORT_CLOSED_DAYS


# One data folder, one bot

HOLDER = """
import asyncio, sys
from pathlib import Path
from bot.storage.base import StorageInUse
from bot.storage.sqlite import SqliteStorage

async def main(path: str, hold: bool) -> int:
    store = SqliteStorage(Path(path))
    try:
        await store.open()
    except StorageInUse as error:
        print("IN USE:", error, flush=True)
        return 3
    print("OPEN", flush=True)
    if hold:
        sys.stdin.readline()
    await store.close()
    return 0

sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2] == "hold")))
"""


def holder(db_path: Path, mode: str) -> list[str]:
    """A command that opens the storage exclusively; with "hold", until a line on stdin."""
    return [sys.executable, "-c", HOLDER, str(db_path), mode]


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


async def test_a_second_instance_in_the_same_process_is_refused(db_path: Path) -> None:
    first, second = SqliteStorage(db_path), SqliteStorage(db_path)
    await first.open()
    try:
        with pytest.raises(StorageInUse) as caught:
            await second.open()
        message = str(caught.value)
        assert isinstance(caught.value, StorageError)
        assert f"Another copy of the bot is using {db_path.parent} (pid {os.getpid()})" in message
        assert "give each copy its own BOT_DATA_DIR" in message
        assert "set DATABASE_URL to a PostgreSQL database" in message
        with pytest.raises(StorageError, match="not open"):
            second.settings(GUILD_A)
        assert first.lock_path == db_path.parent / "bot.lock"
        assert first.lock_path.read_text().strip() == str(os.getpid())
    finally:
        await first.close()
    await second.open()  # the lock went with close()
    await second.close()


async def test_read_only_tools_open_beside_the_bot(db_path: Path) -> None:
    bot = SqliteStorage(db_path)
    await bot.open()
    try:
        await bot.add_report(GUILD_A, "mg", "seen by the curator")
        tool = SqliteStorage(db_path)
        await tool.open(exclusive=False)
        try:
            assert [r.text for r in await tool.reports()] == ["seen by the curator"]
        finally:
            await tool.close()
        assert await bot.reports()  # the bot's lock and connection are untouched
    finally:
        await bot.close()


async def test_a_bot_in_another_process_holds_the_folder(db_path: Path) -> None:
    child = subprocess.Popen(
        holder(db_path, "hold"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "OPEN"
        store = SqliteStorage(db_path)
        with pytest.raises(StorageInUse, match=f"pid {child.pid}\\)"):
            await store.open()
        child.kill()  # a crash: the lock file stays, with a stale pid, but the lock goes
        child.wait(timeout=30)
        await store.open()
        await store.close()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)


async def test_another_process_is_refused_while_the_bot_runs(db_path: Path) -> None:
    store = SqliteStorage(db_path)
    await store.open()
    try:
        result = subprocess.run(
            holder(db_path, "once"), capture_output=True, text=True, env=child_env(), timeout=60
        )
    finally:
        await store.close()
    assert result.returncode == 3, result.stderr
    assert f"IN USE: Another copy of the bot is using {db_path.parent} (pid {os.getpid()})" in (
        result.stdout
    )
    again = subprocess.run(
        holder(db_path, "once"), capture_output=True, text=True, env=child_env(), timeout=60
    )
    assert again.returncode == 0 and again.stdout.strip() == "OPEN", again.stderr


# Time-boxed calls


async def test_a_locked_file_raises_storage_busy(db_path: Path) -> None:
    store = SqliteStorage(db_path, call_timeout=1.0)
    await store.open()
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        async with asyncio.timeout(10):
            with pytest.raises(StorageBusy) as caught:
                await store.update_settings(GUILD_A, focus="mg")
        assert "The database is busy" in str(caught.value) and "try again" in str(caught.value)
        assert isinstance(caught.value, StorageError)
        assert store.settings(GUILD_A) == GuildSettings(GUILD_A)
        other.execute("ROLLBACK")
        assert (await store.update_settings(GUILD_A, focus="mg")).focus == "mg"
    finally:
        other.close()
        await store.close()


async def test_a_call_that_waits_too_long_is_abandoned(db_path: Path) -> None:
    store = SqliteStorage(db_path, call_timeout=0.5)
    await store.open()
    try:
        slow = asyncio.create_task(store._run(lambda _connection: time.sleep(1.2)))
        await asyncio.sleep(0)  # the slow job occupies the worker first
        with pytest.raises(StorageBusy):
            await store.update_settings(GUILD_A, focus="mg")  # queued behind it
        with pytest.raises(StorageBusy):
            await slow
        await asyncio.sleep(1.2)
        assert await store.reports() == []  # the worker is free again
        assert store.settings(GUILD_A).focus is None  # the abandoned change never ran
    finally:
        await store.close()
    reopened = SqliteStorage(db_path)
    await reopened.open()
    assert reopened.settings(GUILD_A).focus is None
    await reopened.close()


def test_call_timeout_must_be_positive(db_path: Path) -> None:
    with pytest.raises(ValueError, match="call_timeout"):
        SqliteStorage(db_path, call_timeout=0)
    with pytest.raises(ValueError, match="call_timeout"):
        PostgresStorage("postgresql://bot@127.0.0.1/bot", call_timeout=0)


# A damaged file


async def test_a_damaged_file_says_how_to_restore(db_path: Path) -> None:
    db_path.parent.mkdir()
    db_path.write_bytes(b"this is not a database, just some bytes\n" * 100)
    with pytest.raises(StorageCorrupt) as caught:
        await SqliteStorage(db_path).open()
    message = str(caught.value)
    assert isinstance(caught.value, StorageError)
    assert "python -m bot backup" in message and f"copy FILE to {db_path}" in message
    assert "bot.sqlite3-wal" in message and "move the damaged file away" in message
    assert caught.value.__cause__ is None
