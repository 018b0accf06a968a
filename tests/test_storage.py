"""The storage adapters on real databases: each behaviour against SQLite and PostgreSQL alike
(the `backend` fixture), and what only SQLite has (its file, WAL, worker thread) on files in
tmp_path."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import stat
import threading
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import bot.storage.sqlite as sqlite_module
from bot.storage.base import (
    RETENTION_DAYS,
    CountKey,
    GuildSettings,
    Report,
    Storage,
    StorageError,
    Visibility,
)
from bot.storage.postgres import PostgresStorage
from bot.storage.sqlite import (
    DB_FILE_NAME,
    LATEST_VERSION,
    THREAD_NAME_PREFIX,
    SqliteStorage,
    migrate,
    schema_version,
)
from tests.helpers import eventually
from tests.storage_backends import Backend

TODAY = date(2026, 3, 31)
GUILD_A = 111111111111111111
GUILD_B = 222222222222222222
USER_ID = "123456789012345678"
USER_NAME = "Jane Patient"


def clock() -> date:
    return TODAY


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / DB_FILE_NAME


@pytest.fixture
async def storage(backend: Backend) -> AsyncIterator[Storage]:
    """An open storage on each backend in turn."""
    store = backend.storage(clock=clock)
    await store.open()
    yield store
    await store.close()


def connect(path: Path) -> sqlite3.Connection:
    """A second, independent connection, for looking at the file from outside."""
    return sqlite3.connect(path, isolation_level=None)


def tables(path: Path) -> set[str]:
    with connect(path) as connection:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return {name for (name,) in rows}


def columns(connection: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]


def all_rows(path: Path) -> dict[str, list[dict[str, object]]]:
    """Every row of every table, as column -> value."""
    connection = connect(path)
    try:
        dump: dict[str, list[dict[str, object]]] = {}
        for table in sorted(tables(path)):
            names = columns(connection, table)
            rows = connection.execute(f"SELECT * FROM {table}").fetchall()
            dump[table] = [dict(zip(names, row, strict=True)) for row in rows]
        return dump
    finally:
        connection.close()


def make_version_1(path: Path) -> None:
    """A database as the previous release left it, with two reports and a setting."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = connect(path)
    try:
        assert migrate(connection, target=1) == 1
        connection.executemany(
            "INSERT INTO reports (guild_id, topic, text, created, contact) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    GUILD_A,
                    "mg/treatment",
                    "Outdated dose",
                    "2026-01-02T10:00:00.000000+00:00",
                    None,
                ),
                (GUILD_B, "sps/resistance", "Unclear", "2026-01-03T10:00:00.000000+00:00", "Bo#1"),
            ],
        )
        connection.execute(
            "INSERT INTO guild_settings (guild_id, visibility) VALUES (?, 'public')", (GUILD_A,)
        )
    finally:
        connection.close()


# The interface


@pytest.mark.parametrize("implementation", [SqliteStorage, PostgresStorage])
def test_implements_the_protocol_exactly(implementation: type) -> None:
    methods = [
        name
        for name, value in vars(Storage).items()
        if inspect.isfunction(value) and not name.startswith("_")
    ]
    assert len(methods) == 16
    assert {"purge_expired", "add_counts", "subscribe", "publish"} <= set(methods)
    for name in methods:
        expected, actual = getattr(Storage, name), getattr(implementation, name)
        assert inspect.signature(actual) == inspect.signature(expected), name
        assert inspect.iscoroutinefunction(actual) == inspect.iscoroutinefunction(expected), name


def test_in_data_dir_uses_the_fixed_file_name(tmp_path: Path) -> None:
    assert SqliteStorage.in_data_dir(tmp_path / "data").path == tmp_path / "data" / "bot.sqlite3"


# Opening and migrations


async def test_new_file_is_created_and_migrated_to_latest(db_path: Path) -> None:
    store = SqliteStorage.in_data_dir(db_path.parent, clock=clock)  # the directory is missing
    await store.open()
    try:
        foreign_keys = await store._run(lambda c: c.execute("PRAGMA foreign_keys").fetchone()[0])
        assert foreign_keys == 1
    finally:
        await store.close()
    assert db_path.is_file()
    assert stat.S_IMODE(db_path.stat().st_mode) & 0o077 == 0  # health data: owner only
    with connect(db_path) as connection:
        assert schema_version(connection) == LATEST_VERSION == 5
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        versions = [v for (v,) in connection.execute("SELECT version FROM schema_version")]
        assert versions == [1, 2, 3, 4, 5]
        assert {"status", "closed"} <= set(columns(connection, "reports"))
        assert columns(connection, "guild_setting") == ["guild_id", "name", "value"]
    assert tables(db_path) >= {"schema_version", "guild_setting", "reports", "question_counts"}
    assert "guild_settings" not in tables(db_path)


async def test_empty_existing_file_is_migrated(db_path: Path) -> None:
    db_path.parent.mkdir()
    db_path.touch()
    store = SqliteStorage(db_path, clock=clock)
    await store.open()
    await store.close()
    with connect(db_path) as connection:
        assert schema_version(connection) == LATEST_VERSION


async def test_migrates_from_the_previous_version_keeping_data(db_path: Path) -> None:
    make_version_1(db_path)
    with connect(db_path) as connection:
        assert schema_version(connection) == 1
        assert "status" not in columns(connection, "reports")

    store = SqliteStorage(db_path, clock=clock)
    await store.open()
    try:
        reports = await store.reports()
        assert [(r.guild_id, r.text, r.contact, r.status) for r in reports] == [
            (GUILD_A, "Outdated dose", None, "open"),
            (GUILD_B, "Unclear", "Bo#1", "open"),
        ]
        assert reports[0].created == datetime(2026, 1, 2, 10, tzinfo=UTC)
        assert store.settings(GUILD_A).visibility is Visibility.PUBLIC
        assert await store.close_report(reports[0].id)
        assert [r.text for r in await store.reports("closed")] == ["Outdated dose"]
    finally:
        await store.close()
    with connect(db_path) as connection:
        assert schema_version(connection) == LATEST_VERSION
        assert {"status", "closed"} <= set(columns(connection, "reports"))


async def test_opening_again_is_idempotent(backend: Backend) -> None:
    store = backend.storage(clock=clock)
    await store.open()
    await store.open()  # already open: nothing happens
    await store.count(GUILD_A, TODAY, "mg/treatment")
    await store.close()
    await store.close()  # already closed: nothing happens
    for _ in range(2):
        store = backend.storage(clock=clock)
        await store.open()
        assert (await store.stats(GUILD_A)).topics == [("mg/treatment", 1)]
        await store.close()
    [(applied,)] = backend.query("SELECT COUNT(*) FROM schema_version")
    assert applied == backend.latest_version


async def test_a_newer_schema_version_is_refused(backend: Backend) -> None:
    store = backend.storage(clock=clock)
    await store.open()
    await store.close()
    backend.record_version(backend.latest_version + 1)
    with pytest.raises(StorageError) as caught:
        await backend.storage(clock=clock).open()
    message = str(caught.value)
    assert backend.location in message
    assert "newer version" in message and "Upgrade the bot" in message
    assert backend.schema_version() == backend.latest_version + 1  # left alone


async def test_a_failed_migration_step_is_rolled_back(db_path: Path) -> None:
    make_version_1(db_path)
    with connect(db_path) as connection:  # makes step 2's ALTER TABLE fail
        connection.execute("ALTER TABLE reports ADD COLUMN status TEXT")
    with pytest.raises(StorageError, match="left at version 1") as caught:
        await SqliteStorage(db_path, clock=clock).open()
    assert str(db_path) in str(caught.value)
    with connect(db_path) as connection:
        assert schema_version(connection) == 1


async def test_another_programs_database_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir()
    with connect(db_path) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(StorageError, match="not the bot's"):
        await SqliteStorage(db_path, clock=clock).open()
    assert tables(db_path) == {"recipes"}


def test_migrate_refuses_downgrades_and_unknown_versions(tmp_path: Path) -> None:
    connection = connect(tmp_path / "x.sqlite3")
    try:
        assert migrate(connection) == LATEST_VERSION
        assert migrate(connection) == LATEST_VERSION  # nothing left to do
        with pytest.raises(ValueError, match="down"):
            migrate(connection, target=1)
        with pytest.raises(ValueError, match="between"):
            migrate(connection, target=LATEST_VERSION + 1)
    finally:
        connection.close()


# Errors a server owner can fix


async def test_a_corrupt_file_gives_a_plain_error(db_path: Path) -> None:
    db_path.parent.mkdir()
    garbage = b"this is not a database, just some bytes\n" * 100
    db_path.write_bytes(garbage)
    with pytest.raises(StorageError) as caught:
        await SqliteStorage(db_path, clock=clock).open()
    message = str(caught.value)
    assert str(db_path) in message
    assert "not a usable SQLite database" in message and "backup" in message
    assert caught.value.__cause__ is None  # nothing to print but the message
    assert db_path.read_bytes() == garbage


async def test_data_dir_that_is_a_file_gives_a_plain_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.write_text("I am a file, not a directory\n")  # fails even as root
    with pytest.raises(StorageError) as caught:
        await SqliteStorage.in_data_dir(data_dir).open()
    assert str(data_dir) in str(caught.value)
    with pytest.raises(StorageError, match="data directory"):
        await SqliteStorage(data_dir / "deeper" / DB_FILE_NAME).open()


async def test_a_directory_in_place_of_the_file_gives_a_plain_error(db_path: Path) -> None:
    db_path.mkdir(parents=True)
    with pytest.raises(StorageError, match="is a directory") as caught:
        await SqliteStorage(db_path).open()
    assert str(db_path) in str(caught.value)


async def test_a_failed_open_can_be_retried(db_path: Path) -> None:
    db_path.mkdir(parents=True)
    store = SqliteStorage(db_path, clock=clock)
    with pytest.raises(StorageError):
        await store.open()
    with pytest.raises(StorageError, match="not open"):
        store.settings(GUILD_A)
    db_path.rmdir()
    await store.open()
    assert store.settings(GUILD_A) == GuildSettings(GUILD_A)
    await store.close()


async def test_methods_after_close_raise(storage: Storage) -> None:
    await storage.close()
    with pytest.raises(StorageError, match="not open"):
        storage.settings(GUILD_A)
    calls = [
        storage.publish("reload"),
        storage.add_counts({CountKey(GUILD_A, TODAY, "topic", "mg"): 1}),
        storage.update_settings(GUILD_A, focus="mg"),
        storage.reset_settings(GUILD_A),
        storage.add_report(GUILD_A, "mg/treatment", "text"),
        storage.reports(),
        storage.close_report(1),
        storage.count(GUILD_A, TODAY, "mg/treatment"),
        storage.stats(None),
        storage.purge(TODAY),
        storage.purge_expired(),
        storage.forget_guild(GUILD_A),
    ]
    for call in calls:
        with pytest.raises(StorageError, match="not open"):
            await call


async def test_close_lets_queued_work_finish(backend: Backend) -> None:
    store = backend.storage(clock=clock)
    await store.open()
    tasks = [asyncio.create_task(store.count(GUILD_A, TODAY, "mg/treatment")) for _ in range(20)]
    await asyncio.sleep(0)  # every task has handed its work to the worker thread
    await store.close()
    await asyncio.gather(*tasks)
    await store.open()  # the same object can be opened again
    assert (await store.stats(GUILD_A)).topics == [("mg/treatment", 20)]
    await store.close()


# Work happens off the event loop


async def test_all_database_work_runs_on_one_worker_thread(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[tuple[int, str]] = []
    real_connect = sqlite_module._connect

    def traced_connect(path: Path, timeout: float) -> sqlite3.Connection:
        connection = real_connect(path, timeout)
        connection.set_trace_callback(
            lambda _sql: threads.append((threading.get_ident(), threading.current_thread().name))
        )
        threads.append((threading.get_ident(), threading.current_thread().name))
        return connection

    monkeypatch.setattr(sqlite_module, "_connect", traced_connect)
    store = SqliteStorage(db_path, clock=clock)
    await store.open()
    await store.update_settings(GUILD_A, focus="mg")
    await store.count(GUILD_A, TODAY, "mg/treatment")
    await store.add_report(GUILD_A, "mg/treatment", "text")
    await store.stats(None)
    await store.reports()
    await store.purge_expired()
    await store.forget_guild(GUILD_A)
    seen = len(threads)
    store.settings(GUILD_A)  # from memory: not a single statement
    assert len(threads) == seen
    await store.close()

    assert len(threads) > 10
    assert threading.get_ident() not in {ident for ident, _ in threads}
    assert len({ident for ident, _ in threads}) == 1
    assert all(name.startswith(THREAD_NAME_PREFIX) for _, name in threads)


# Settings


async def test_settings_round_trip(backend: Backend, storage: Storage) -> None:
    assert storage.settings(GUILD_A) == GuildSettings(GUILD_A)  # unknown server: defaults
    updated = await storage.update_settings(
        GUILD_A, emergency_text="Call 112.", visibility="public", report_channel_id=42
    )
    assert updated == GuildSettings(
        GUILD_A, emergency_text="Call 112.", visibility=Visibility.PUBLIC, report_channel_id=42
    )
    assert updated.visibility is Visibility.PUBLIC
    again = await storage.update_settings(GUILD_A, focus="mg", visibility=Visibility.PRIVATE)
    assert (again.emergency_text, again.visibility, again.focus) == ("Call 112.", "private", "mg")
    assert storage.settings(GUILD_A) == again
    assert storage.settings(GUILD_B) == GuildSettings(GUILD_B)
    await storage.close()

    reopened = backend.storage(clock=clock)
    await reopened.open()
    try:
        assert reopened.settings(GUILD_A) == again
        assert await reopened.reset_settings(GUILD_A) == GuildSettings(GUILD_A)
        assert reopened.settings(GUILD_A) == GuildSettings(GUILD_A)
        assert backend.query("SELECT COUNT(*) FROM guild_setting") == [(0,)]
    finally:
        await reopened.close()


async def test_settings_are_served_from_memory(backend: Backend, storage: Storage) -> None:
    await storage.update_settings(GUILD_A, focus="sps")
    await asyncio.sleep(0.1)  # PostgreSQL: its own change's notification has been handled
    backend.execute("UPDATE guild_setting SET value = 'ae' WHERE name = 'focus'")  # behind its back
    for _ in range(100):  # no I/O: the copy in memory, however often it is read
        assert storage.settings(GUILD_A).focus == "sps"


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"colour": "blue"}, "unknown setting colour"),
        ({"guild_ids": 1}, "unknown setting"),
        ({"visibility": "everyone"}, "visibility must be one of private, public"),
        ({"visibility": None}, "visibility"),
        ({"report_channel_id": "42"}, "report_channel_id"),
        ({"report_channel_id": True}, "report_channel_id"),
        ({"emergency_text": 112}, "emergency_text"),
        ({"emergency_text": "  "}, "blank"),
        ({"focus": "mg", "bogus": 1}, "unknown setting bogus"),
    ],
)
async def test_invalid_settings_are_refused(
    storage: Storage, changes: dict[str, object], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        await storage.update_settings(GUILD_A, **changes)
    assert storage.settings(GUILD_A) == GuildSettings(GUILD_A)


async def test_none_restores_a_default(storage: Storage) -> None:
    await storage.update_settings(GUILD_A, emergency_text="Call 112.", report_channel_id=7)
    settings = await storage.update_settings(GUILD_A, emergency_text=None)
    assert (settings.emergency_text, settings.report_channel_id) == (None, 7)


# Reports


async def test_report_flow(storage: Storage) -> None:
    first = await storage.add_report(GUILD_A, "mg/treatment", "The dose is outdated.")
    second = await storage.add_report(
        GUILD_B, "sps/resistance", "Unclear wording.", contact="Sam#0001 (42)"
    )
    third = await storage.add_report(GUILD_A, "ae/sideeffects", "Missing source.")
    assert isinstance(first, Report)
    assert first.id < second.id < third.id
    assert (first.contact, second.contact, first.status) == (None, "Sam#0001 (42)", "open")
    assert first.created.tzinfo is not None and first.created.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - first.created) < timedelta(minutes=1)

    assert await storage.reports() == [first, second, third]  # both servers, oldest first
    assert await storage.close_report(second.id) is True
    assert await storage.close_report(second.id) is False  # not open any more
    assert await storage.close_report(999) is False  # no such report
    assert [r.id for r in await storage.reports()] == [first.id, third.id]
    closed = await storage.reports("closed")
    assert [(r.id, r.status, r.contact) for r in closed] == [(second.id, "closed", None)]
    assert closed[0].closed is not None and closed[0].closed.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - closed[0].closed) < timedelta(minutes=1)
    assert all(r.closed is None for r in await storage.reports())


# Counting, stats and purging


async def test_counting(storage: Storage) -> None:
    await storage.count(GUILD_A, TODAY, "mg/treatment")
    await storage.count(GUILD_A, TODAY, "mg/treatment")
    await storage.count(GUILD_A, TODAY, None, "ivig shortage")
    await storage.count(GUILD_A, TODAY, None, unanswered="mg/treatment")  # same text, other kind
    stats = await storage.stats(GUILD_A)
    assert stats.days == 30
    assert stats.topics == [("mg/treatment", 2)]
    assert stats.unanswered == [("ivig shortage", 1), ("mg/treatment", 1)]


@pytest.mark.parametrize(
    ("topic", "unanswered"), [(None, None), ("mg/treatment", "ivig"), ("", None), (None, "")]
)
async def test_count_needs_exactly_one_of_topic_and_unanswered(
    storage: Storage, topic: str | None, unanswered: str | None
) -> None:
    with pytest.raises(ValueError):
        await storage.count(GUILD_A, TODAY, topic, unanswered)
    assert (await storage.stats(None)).topics == []


async def test_stats_window_order_limit_and_all_servers(storage: Storage) -> None:
    async def count(guild_id: int, days_ago: int, topic: str, times: int = 1) -> None:
        for _ in range(times):
            await storage.count(guild_id, TODAY - timedelta(days=days_ago), topic)

    await count(GUILD_A, 0, "b", times=2)
    await count(GUILD_A, 29, "b")  # the window's first day
    await count(GUILD_A, 30, "b", times=5)  # one day too old
    await count(GUILD_A, 3, "a", times=3)
    await count(GUILD_A, 1, "c")
    await count(GUILD_B, 0, "c", times=4)
    await count(GUILD_B, 0, "d")
    await count(GUILD_B, -1, "d")  # tomorrow, for a caller in another time zone

    assert (await storage.stats(GUILD_A)).topics == [("a", 3), ("b", 3), ("c", 1)]
    assert (await storage.stats(GUILD_A, days=1)).topics == [("b", 2)]
    assert (await storage.stats(GUILD_A, days=31)).topics == [("b", 8), ("a", 3), ("c", 1)]
    assert (await storage.stats(GUILD_B)).topics == [("c", 4), ("d", 2)]
    assert (await storage.stats(None)).topics == [("c", 5), ("a", 3), ("b", 3), ("d", 2)]
    assert (await storage.stats(None, limit=2)).topics == [("c", 5), ("a", 3)]
    assert (await storage.stats(None, limit=0)).topics == []
    assert (await storage.stats(12345)).topics == []
    with pytest.raises(ValueError):
        await storage.stats(None, days=0)


async def test_add_counts_adds_many_at_once(storage: Storage) -> None:
    await storage.count(GUILD_A, TODAY, "mg/treatment")
    await storage.add_counts(
        {
            CountKey(GUILD_A, TODAY, "topic", "mg/treatment"): 4,
            CountKey(GUILD_A, TODAY - timedelta(days=1), "topic", "mg/treatment"): 2,
            CountKey(GUILD_B, TODAY, "topic", "sps/treatment"): 3,
            CountKey(GUILD_A, TODAY, "unanswered", "ivig shortage"): 2,
        }
    )
    await storage.add_counts({})  # nothing to write
    assert (await storage.stats(GUILD_A)).topics == [("mg/treatment", 7)]
    assert (await storage.stats(None)).topics == [("mg/treatment", 7), ("sps/treatment", 3)]
    assert (await storage.stats(GUILD_A)).unanswered == [("ivig shortage", 2)]


@pytest.mark.parametrize(
    ("key", "number", "match"),
    [
        (CountKey(GUILD_A, TODAY, "question", "mg"), 1, "kind"),
        (CountKey(GUILD_A, TODAY, "topic", ""), 1, "empty"),
        (CountKey(GUILD_A, TODAY, "topic", "mg"), 0, "at least 1"),
        (CountKey(GUILD_A, TODAY, "topic", "mg"), True, "whole number"),
    ],
)
async def test_add_counts_refuses_a_bad_count_and_writes_none(
    storage: Storage, key: CountKey, number: int, match: str
) -> None:
    good = CountKey(GUILD_A, TODAY, "topic", "sps/treatment")
    with pytest.raises(ValueError, match=match):
        await storage.add_counts({good: 2, key: number})
    assert (await storage.stats(None)).topics == []


async def test_stats_ties_sort_by_code_point_like_sqlite(storage: Storage) -> None:
    for key in ("b", "B", "a", "_x", "é"):
        await storage.count(GUILD_A, TODAY, key)
    assert [key for key, _ in (await storage.stats(GUILD_A)).topics] == ["B", "_x", "a", "b", "é"]


async def test_purge_before_a_date(backend: Backend, storage: Storage) -> None:
    for days_ago in (0, 10, 11, 12):
        await storage.count(GUILD_A, TODAY - timedelta(days=days_ago), "mg/treatment")
        await storage.count(GUILD_B, TODAY - timedelta(days=days_ago), None, "ivig")
    assert await storage.purge(TODAY - timedelta(days=10)) == 4
    assert await storage.purge(TODAY - timedelta(days=10)) == 0
    days = {row["day"] for row in backend.rows("question_counts")}
    assert days == {TODAY.isoformat(), (TODAY - timedelta(days=10)).isoformat()}


async def test_old_counts_are_purged_at_open_and_daily(backend: Backend) -> None:
    older, oldest_kept = TODAY - timedelta(days=RETENTION_DAYS + 1), TODAY - timedelta(days=90)
    store = backend.storage(clock=lambda: date(2025, 1, 1))  # long before TODAY
    await store.open()
    for day in (older, oldest_kept, TODAY):
        await store.count(GUILD_A, day, "mg/treatment")
    await store.close()

    store = backend.storage(clock=clock)
    await store.open()  # purges on its own
    days = {row["day"] for row in backend.rows("question_counts")}
    assert days == {oldest_kept.isoformat(), TODAY.isoformat()}
    await store.count(GUILD_A, older, None, "ivig")
    assert await store.purge_expired() == 1
    assert await store.purge_expired() == 0
    await store.close()


# Forgetting a server


async def test_forget_guild_deletes_only_that_server(backend: Backend, storage: Storage) -> None:
    for guild_id in (GUILD_A, GUILD_B):
        await storage.update_settings(guild_id, focus="mg")
        await storage.add_report(guild_id, "mg/treatment", "text", contact="Sam#0001")
        await storage.count(guild_id, TODAY, "mg/treatment")
        await storage.count(guild_id, TODAY, None, "ivig")

    await storage.forget_guild(GUILD_A)

    assert storage.settings(GUILD_A) == GuildSettings(GUILD_A)
    assert storage.settings(GUILD_B).focus == "mg"
    assert [r.guild_id for r in await storage.reports()] == [GUILD_B]
    assert (await storage.stats(GUILD_A)).topics == []
    assert (await storage.stats(None)).topics == [("mg/treatment", 1)]
    for table, rows in backend.all_rows().items():
        if table != "schema_version":
            assert rows and {row["guild_id"] for row in rows} == {GUILD_B}, table


# Privacy


async def test_nothing_identifies_a_member_unless_they_agreed(
    backend: Backend, storage: Storage
) -> None:
    await storage.count(GUILD_A, TODAY, "mg/treatment")
    await storage.count(GUILD_A, TODAY, None, "can i take ivig while pregnant")
    await storage.add_report(GUILD_A, "mg/treatment", "The dose is outdated.")
    await storage.update_settings(GUILD_A, focus="mg", report_channel_id=42)

    for table in backend.tables():
        for name in backend.columns(table):
            assert not any(word in name for word in ("user", "member", "author", "message"))
    dump = repr(backend.all_rows())
    assert "ivig" in dump  # the dump really holds the data
    assert USER_ID not in dump and USER_NAME not in dump

    contact = f"{USER_NAME} ({USER_ID})"
    await storage.add_report(GUILD_A, "mg/treatment", "Wrong source.", contact=contact)
    found = [
        (table, column)
        for table, rows in backend.all_rows().items()
        for row in rows
        for column, value in row.items()
        if USER_ID in str(value) or USER_NAME in str(value)
    ]
    assert found == [("reports", "contact")]


async def test_forgotten_data_is_overwritten_on_disk(db_path: Path) -> None:
    store = SqliteStorage(db_path, clock=clock)
    await store.open()
    await store.add_report(GUILD_A, "mg/treatment", "Wrong.", contact=f"{USER_NAME} ({USER_ID})")
    await store.close()
    assert USER_ID.encode() in db_path.read_bytes()

    await store.open()
    await store.forget_guild(GUILD_A)
    await store.close()
    files = [db_path, *db_path.parent.glob(f"{DB_FILE_NAME}-*")]
    assert all(USER_ID.encode() not in file.read_bytes() for file in files)


# Events


async def test_publish_reaches_every_subscriber(storage: Storage) -> None:
    seen: list[tuple[str, str]] = []

    async def first(event: str) -> None:
        seen.append(("first", event))

    async def broken(event: str) -> None:
        raise RuntimeError("a subscriber's bug")

    async def last(event: str) -> None:
        seen.append(("last", event))

    for handler in (first, broken, last):
        storage.subscribe(handler)
    await storage.publish("reload")
    await storage.publish("reload content")
    await eventually(lambda: len(seen) == 4)
    assert seen == [
        ("first", "reload"),
        ("last", "reload"),
        ("first", "reload content"),
        ("last", "reload content"),
    ]


async def test_settings_changes_are_not_events(storage: Storage) -> None:
    seen: list[str] = []

    async def handler(event: str) -> None:
        seen.append(event)

    storage.subscribe(handler)
    await storage.update_settings(GUILD_A, focus="mg")
    await storage.reset_settings(GUILD_A)
    await storage.forget_guild(GUILD_A)
    await storage.publish("after")
    await eventually(lambda: seen == ["after"])


@pytest.mark.parametrize(
    ("event", "match"),
    [("", "non-empty"), ("  ", "non-empty"), ("settings:1", "storage's own"), ("x" * 1001, "1000")],
)
async def test_publish_refuses_events_it_must_not_send(
    storage: Storage, event: str, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        await storage.publish(event)
