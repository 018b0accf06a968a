"""Settings in both storage adapters (SQLite and PostgreSQL): generic rows, and a copy in memory
safe to read during writes."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.server_settings import GuildSettings, Visibility
from bot.storage.base import Storage
from tests.storage_backends import Backend

GUILD_A = 111111111111111111


@pytest.fixture
async def storage(backend: Backend) -> AsyncIterator[Storage]:
    store = backend.storage()
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


def rows(backend: Backend) -> list[tuple[int, str, str]]:
    return backend.query("SELECT guild_id, name, value FROM guild_setting ORDER BY guild_id, name")


async def test_only_changed_non_default_values_are_rows(backend: Backend, storage: Storage) -> None:
    await storage.update_settings(GUILD_A, visibility="private")  # the default: no row
    assert rows(backend) == []
    await storage.update_settings(GUILD_A, visibility="public", report_channel_id=42)
    assert rows(backend) == [
        (GUILD_A, "report_channel_id", "42"),
        (GUILD_A, "visibility", "public"),
    ]
    settings = await storage.update_settings(GUILD_A, visibility=Visibility.PRIVATE)
    assert rows(backend) == [(GUILD_A, "report_channel_id", "42")]
    assert settings == GuildSettings(GUILD_A, report_channel_id=42)
    await storage.update_settings(GUILD_A, report_channel_id=None)
    assert rows(backend) == []
    assert storage.settings(GUILD_A) == GuildSettings(GUILD_A)
    assert GUILD_A not in storage._settings  # all defaults: nothing kept in memory either


async def test_a_stored_value_that_no_longer_fits_gives_the_default(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    store = backend.storage()
    await store.open()
    await store.update_settings(GUILD_A, focus="mg")
    await store.close()
    for name, value in [("visibility", "everyone"), ("retired_setting", "x")]:
        backend.execute(
            "INSERT INTO guild_setting (guild_id, name, value) VALUES (?, ?, ?)",
            (GUILD_A, name, value),
        )
    caplog.set_level(logging.WARNING, logger="bot.storage")
    await store.open()
    try:
        assert store.settings(GUILD_A) == GuildSettings(GUILD_A, focus="mg")
    finally:
        await store.close()
    assert "retired_setting" in caplog.text and "visibility must be one of" in caplog.text


REFUSE_CHANNEL_ROWS = {
    "sqlite": [
        "CREATE TRIGGER no_channel BEFORE INSERT ON guild_setting "
        "WHEN NEW.name = 'report_channel_id' BEGIN SELECT RAISE(ABORT, 'refused'); END"
    ],
    "postgres": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused'; END $$",
        "CREATE TRIGGER no_channel BEFORE INSERT ON guild_setting FOR EACH ROW "
        "WHEN (NEW.name = 'report_channel_id') EXECUTE FUNCTION refuse()",
    ],
}
"""A trigger that makes inserting a report_channel_id row fail, in each backend's SQL."""


async def test_a_failed_write_changes_nothing(backend: Backend) -> None:
    store = backend.storage(call_timeout=0.5)
    await store.open()
    try:
        await store.update_settings(GUILD_A, focus="mg")
        for statement in REFUSE_CHANNEL_ROWS[backend.name]:  # the second row's insert fails
            backend.execute(statement)
        with pytest.raises(Exception, match="refused"):
            await store.update_settings(GUILD_A, focus="sps", report_channel_id=42)
        assert store.settings(GUILD_A) == GuildSettings(GUILD_A, focus="mg")
        assert rows(backend) == [(GUILD_A, "focus", "mg")]  # rolled back, both or neither
    finally:
        await store.close()


async def test_reading_settings_on_another_thread_while_the_worker_writes(
    storage: Storage, fast_thread_switching: None
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
