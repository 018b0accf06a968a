"""Settings in the SQLite adapter: generic rows, and a cache safe to read during writes."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.server_settings import GuildSettings, Visibility
from bot.storage.sqlite import DB_FILE_NAME, SqliteStorage

GUILD_A = 111111111111111111


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / DB_FILE_NAME


@pytest.fixture
async def storage(db_path: Path) -> AsyncIterator[SqliteStorage]:
    store = SqliteStorage(db_path)
    await store.open()
    yield store
    await store.close()


@pytest.fixture
def fast_thread_switching() -> Iterator[None]:
    """Switch threads as often as possible, so a race shows up in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def rows(path: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT guild_id, name, value FROM guild_setting ORDER BY guild_id, name"
        ).fetchall()


async def test_only_changed_non_default_values_are_rows(
    db_path: Path, storage: SqliteStorage
) -> None:
    await storage.update_settings(GUILD_A, visibility="private")  # the default: no row
    assert rows(db_path) == []
    await storage.update_settings(GUILD_A, visibility="public", report_channel_id=42)
    assert rows(db_path) == [
        (GUILD_A, "report_channel_id", "42"),
        (GUILD_A, "visibility", "public"),
    ]
    settings = await storage.update_settings(GUILD_A, visibility=Visibility.PRIVATE)
    assert rows(db_path) == [(GUILD_A, "report_channel_id", "42")]
    assert settings == GuildSettings(GUILD_A, report_channel_id=42)
    await storage.update_settings(GUILD_A, report_channel_id=None)
    assert rows(db_path) == []
    assert storage.settings(GUILD_A) == GuildSettings(GUILD_A)
    assert GUILD_A not in storage._settings  # all defaults: nothing kept in memory either


async def test_a_stored_value_that_no_longer_fits_gives_the_default(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStorage(db_path)
    await store.open()
    await store.update_settings(GUILD_A, focus="mg")
    await store.close()
    with sqlite3.connect(db_path) as connection:
        connection.executemany(
            "INSERT INTO guild_setting (guild_id, name, value) VALUES (?, ?, ?)",
            [(GUILD_A, "visibility", "everyone"), (GUILD_A, "retired_setting", "x")],
        )
    caplog.set_level(logging.WARNING, logger="bot.storage")
    await store.open()
    try:
        assert store.settings(GUILD_A) == GuildSettings(GUILD_A, focus="mg")
    finally:
        await store.close()
    assert "retired_setting" in caplog.text and "visibility must be one of" in caplog.text


async def test_a_failed_write_changes_nothing(db_path: Path) -> None:
    store = SqliteStorage(db_path, call_timeout=0.5)
    await store.open()
    try:
        await store.update_settings(GUILD_A, focus="mg")
        with sqlite3.connect(db_path) as connection:  # the second row's insert fails
            connection.execute(
                "CREATE TRIGGER no_channel BEFORE INSERT ON guild_setting "
                "WHEN NEW.name = 'report_channel_id' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        with pytest.raises(Exception, match="refused"):
            await store.update_settings(GUILD_A, focus="sps", report_channel_id=42)
        assert store.settings(GUILD_A) == GuildSettings(GUILD_A, focus="mg")
        assert rows(db_path) == [(GUILD_A, "focus", "mg")]  # rolled back, both or neither
    finally:
        await store.close()


async def test_reading_settings_on_another_thread_while_the_worker_writes(
    storage: SqliteStorage, fast_thread_switching: None
) -> None:
    """Copy-on-write: a reader never sees a mapping being changed, nor half a change."""
    stop = threading.Event()
    failures: list[BaseException] = []
    reads = 0

    def consistent(settings: GuildSettings) -> None:
        # Every write sets both, to the same round number.
        if settings.emergency_text is None:
            assert settings.focus is None
        else:
            assert settings.focus == "focus " + settings.emergency_text.removeprefix("round ")

    def reader() -> None:
        nonlocal reads
        try:
            while not stop.is_set():
                for guild_id, settings in storage._settings.items():  # iterates the snapshot
                    assert settings.guild_id == guild_id
                    consistent(settings)
                    reads += 1
                for guild_id in range(1, 60):
                    consistent(storage.settings(guild_id))
        except BaseException as error:  # reported on the test's thread
            failures.append(error)

    thread = threading.Thread(target=reader, name="settings-reader")
    thread.start()
    try:
        for round_number in range(6):
            for guild_id in range(1, 60):  # new servers appear: the mapping grows
                await storage.update_settings(
                    guild_id,
                    emergency_text=f"round {round_number}",
                    focus=f"focus {round_number}",
                )
            await storage.reset_settings(round_number + 1)  # and servers go
            await asyncio.sleep(0)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert failures == []
    assert reads > 0
    assert storage.settings(59).focus == "focus 5"
