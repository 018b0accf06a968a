"""Numbered migrations with recorded checksums (bot/storage/migrations.py), on real SQLite files
and a real PostgreSQL server (each backend has its own numbered list)."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

import bot.storage.migrations as migrations_module
import bot.storage.postgres as postgres_module
from bot.server_settings import GuildSettings, Visibility
from bot.storage.base import StorageError
from bot.storage.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    POSTGRES_LATEST_VERSION,
    POSTGRES_MIGRATIONS,
    Migration,
    MigrationEdited,
    migrate,
    recorded_checksums,
    schema_version,
)
from bot.storage.postgres import PostgresStorage
from bot.storage.sqlite import DB_FILE_NAME, SqliteStorage
from tests.storage_backends import Backend

SHIPPED_CHECKSUMS = {
    1: "cbba58d03c560de36f86657f86e75197b707b93618e56e697f5d310bee1e2505",
    2: "db2a5b9bffe80f8335a68f49dd8416fb536e740de86cdca5ff8d496c579b7985",
    3: "16088ec5265fe7238f54cf7a73ba76b48408f9a0de64addf2e13a13a086e904c",
    4: "94d5bc074b52fbb4770b6b381e7f50d3e83f8d56f109cbad848440eb96c3d823",
    5: "7b8997238af44af85889af791df9d6e1a59188c3ff6f30be088acf9ac3a7dc3f",
}
"""The checksum of every migration that has shipped. Never change one: databases out there ran
the migration as it was. When a new migration ships, add its checksum here."""

SHIPPED_POSTGRES_CHECKSUMS = {
    1: "1ffb14b9c1c431343d77bd2741a265cf848330d58a140d5a4ebae945f3e06847",
}
"""The same for PostgreSQL's own numbered list."""

ALL_MIGRATIONS = [("sqlite", m, SHIPPED_CHECKSUMS) for m in MIGRATIONS] + [
    ("postgres", m, SHIPPED_POSTGRES_CHECKSUMS) for m in POSTGRES_MIGRATIONS
]

GUILD_A = 111111111111111111
GUILD_B = 222222222222222222
GUILD_C = 333333333333333333


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "data" / DB_FILE_NAME
    path.parent.mkdir(parents=True)
    return path


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def at_version(path: Path, version: int) -> None:
    """A database as an older release left it."""
    connection = connect(path)
    try:
        assert migrate(connection, target=version) == version
    finally:
        connection.close()


def checksums_in(path: Path) -> dict[int, str | None]:
    connection = connect(path)
    try:
        return recorded_checksums(connection)
    finally:
        connection.close()


# The shipped migrations never change


@pytest.mark.parametrize(
    ("backend_name", "migration", "shipped"),
    ALL_MIGRATIONS,
    ids=[f"{name}-migration-{m.number}" for name, m, _ in ALL_MIGRATIONS],
)
def test_a_shipped_migration_is_never_edited(
    backend_name: str, migration: Migration, shipped: dict[int, str]
) -> None:
    pinned = shipped.get(migration.number)
    if pinned is None:
        table = "SHIPPED_CHECKSUMS" if backend_name == "sqlite" else "SHIPPED_POSTGRES_CHECKSUMS"
        pytest.fail(
            f"{backend_name} migration {migration.number} ({migration.name}) has no pinned "
            f"checksum: when it ships, add {migration.number}: {migration.checksum!r} to {table}."
        )
    assert migration.checksum == pinned, (
        f"Migration {migration.number} ({migration.name}) was edited after it shipped "
        f"(checksum {migration.checksum}, shipped {pinned}). Databases out there ran the old "
        "one: undo the edit and add a new migration instead."
    )


def test_every_shipped_migration_is_still_there() -> None:
    assert set(SHIPPED_CHECKSUMS) <= {m.number for m in MIGRATIONS}, (
        "a shipped migration was removed; add a new migration instead"
    )
    assert set(SHIPPED_POSTGRES_CHECKSUMS) <= {m.number for m in POSTGRES_MIGRATIONS}


def test_migrations_are_numbered_in_order() -> None:
    assert [m.number for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))
    assert len({m.name for m in MIGRATIONS}) == len(MIGRATIONS)
    assert [m.number for m in POSTGRES_MIGRATIONS] == list(range(1, POSTGRES_LATEST_VERSION + 1))


def test_the_checksum_sees_words_not_indentation() -> None:
    migration = Migration(9, "x", ("CREATE TABLE t (\n    a INTEGER\n)",))
    assert replace(migration, statements=("CREATE TABLE t ( a INTEGER )",)).checksum == (
        migration.checksum
    )
    assert replace(migration, name="another name").checksum == migration.checksum
    assert replace(migration, statements=("CREATE TABLE t (a TEXT)",)).checksum != (
        migration.checksum
    )
    assert replace(migration, statements=("CREATE TABLE t (", "a INTEGER)")).checksum != (
        migration.checksum
    )
    assert len(migration.checksum) == 64


# The database records them


def test_each_migration_records_its_checksum(db_path: Path) -> None:
    at_version(db_path, LATEST_VERSION)
    assert checksums_in(db_path) == {m.number: m.checksum for m in MIGRATIONS}


def test_upgrading_fills_in_the_checksums_of_earlier_migrations(db_path: Path) -> None:
    at_version(db_path, 3)
    connection = connect(db_path)
    try:
        assert "checksum" not in [
            r[1] for r in connection.execute("PRAGMA table_info(schema_version)")
        ]
        assert recorded_checksums(connection) == {}
        assert migrate(connection) == LATEST_VERSION
    finally:
        connection.close()
    assert checksums_in(db_path) == {m.number: m.checksum for m in MIGRATIONS}


async def test_open_records_every_checksum(db_path: Path) -> None:
    store = SqliteStorage(db_path)
    await store.open()
    await store.close()
    assert checksums_in(db_path) == {m.number: m.checksum for m in MIGRATIONS}


async def test_a_missing_checksum_is_filled_in_on_open(db_path: Path) -> None:
    at_version(db_path, LATEST_VERSION)
    with connect(db_path) as connection:
        connection.execute("UPDATE schema_version SET checksum = NULL WHERE version = 2")
    store = SqliteStorage(db_path)
    await store.open()
    await store.close()
    assert checksums_in(db_path)[2] == MIGRATIONS[1].checksum


async def test_a_database_that_ran_an_edited_migration_is_refused(db_path: Path) -> None:
    at_version(db_path, 4)
    forged = "0" * 64
    with connect(db_path) as connection:
        connection.execute("UPDATE schema_version SET checksum = ? WHERE version = 3", (forged,))
    with pytest.raises(StorageError) as caught:
        await SqliteStorage(db_path).open()
    message = str(caught.value)
    assert isinstance(caught.value, MigrationEdited)
    assert str(db_path) in message
    assert f"migration 3 ({MIGRATIONS[2].name})" in message
    assert "000000000000" in message and MIGRATIONS[2].checksum[:12] in message
    assert "add a new migration instead" in message
    assert caught.value.__cause__ is None
    with connect(db_path) as connection:  # left alone: not migrated further
        assert schema_version(connection) == 4
        connection.execute("SELECT 1 FROM guild_settings")  # the old table is still there


def test_migrate_refuses_an_edited_migration_too(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_version(db_path, LATEST_VERSION)
    edited = replace(MIGRATIONS[1], statements=("ALTER TABLE reports ADD COLUMN status TEXT",))
    monkeypatch.setattr(migrations_module, "MIGRATIONS", (MIGRATIONS[0], edited, *MIGRATIONS[2:]))
    connection = connect(db_path)
    try:
        with pytest.raises(MigrationEdited, match="migration 2 "):
            migrate(connection)
    finally:
        connection.close()


# Migration 5: settings become (server, name, value) rows


async def test_settings_move_to_rows_keeping_every_choice(db_path: Path) -> None:
    at_version(db_path, 4)
    with connect(db_path) as connection:
        connection.executemany(
            "INSERT INTO guild_settings "
            "(guild_id, emergency_text, visibility, focus, report_channel_id) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (GUILD_A, "Call 112.", "public", "mg", 987654321098765432),
                (GUILD_B, None, "private", "sps", None),
                (GUILD_C, None, "private", None, None),  # nothing but the column default
            ],
        )
    store = SqliteStorage(db_path)
    await store.open()
    try:
        assert store.settings(GUILD_A) == GuildSettings(
            GUILD_A,
            emergency_text="Call 112.",
            visibility=Visibility.PUBLIC,
            focus="mg",
            report_channel_id=987654321098765432,
        )
        assert store.settings(GUILD_B) == GuildSettings(GUILD_B, focus="sps")
        assert store.settings(GUILD_C) == GuildSettings(GUILD_C)
    finally:
        await store.close()
    with connect(db_path) as connection:
        rows = connection.execute(
            "SELECT guild_id, name, value FROM guild_setting ORDER BY guild_id, name"
        ).fetchall()
        tables = {n for (n,) in connection.execute("SELECT name FROM sqlite_master")}
    assert rows == [
        (GUILD_A, "emergency_text", "Call 112."),
        (GUILD_A, "focus", "mg"),
        (GUILD_A, "report_channel_id", "987654321098765432"),
        (GUILD_A, "visibility", "public"),
        (GUILD_B, "focus", "sps"),
    ]
    assert "guild_settings" not in tables


async def test_a_failed_settings_migration_leaves_the_old_table(db_path: Path) -> None:
    at_version(db_path, 4)
    with connect(db_path) as connection:
        connection.execute("INSERT INTO guild_settings (guild_id, focus) VALUES (?, 'mg')", (1,))
        connection.execute("CREATE TABLE guild_setting (x INTEGER)")  # in the way
    with pytest.raises(StorageError, match="left at version 4"):
        await SqliteStorage(db_path).open()
    with connect(db_path) as connection:
        assert connection.execute("SELECT focus FROM guild_settings").fetchall() == [("mg",)]


# Both backends: recorded on open, verified on open, and only applied on demand when asked


def checksums(backend: Backend) -> dict[int, str | None]:
    return dict(backend.query("SELECT version, checksum FROM schema_version"))


def migrations_of(backend: Backend) -> tuple[Migration, ...]:
    return MIGRATIONS if backend.is_sqlite else POSTGRES_MIGRATIONS


async def test_open_records_every_checksum_on_both(backend: Backend) -> None:
    store = backend.storage()
    await store.open()
    await store.close()
    assert checksums(backend) == {m.number: m.checksum for m in migrations_of(backend)}


async def test_a_database_that_ran_an_edited_migration_is_refused_on_both(
    backend: Backend,
) -> None:
    store = backend.storage()
    await store.open()
    await store.close()
    backend.execute("UPDATE schema_version SET checksum = ? WHERE version = 1", ("0" * 64,))
    with pytest.raises(MigrationEdited) as caught:
        await backend.storage().open()
    message = str(caught.value)
    assert backend.location in message
    assert f"migration 1 ({migrations_of(backend)[0].name})" in message
    assert "000000000000" in message and "add a new migration instead" in message
    with pytest.raises(MigrationEdited):
        await backend.storage().migrate()


async def test_without_auto_migrate_a_database_behind_is_refused(backend: Backend) -> None:
    with pytest.raises(StorageError) as caught:
        await backend.storage(auto_migrate=False).open()
    message = str(caught.value)
    assert backend.location in message and "schema version 0" in message
    assert "Run `python -m bot migrate`" in message and "BOT_AUTO_MIGRATE=0" in message
    if not backend.is_sqlite:  # nothing was created (SQLite creates the empty file)
        assert backend.tables() == set()

    assert await backend.storage().migrate() == (0, backend.latest_version)
    assert await backend.storage().migrate() == (backend.latest_version, backend.latest_version)
    store = backend.storage(auto_migrate=False)
    await store.open()  # up to date: opens
    await store.close()


async def test_without_auto_migrate_an_older_sqlite_file_is_left_alone(db_path: Path) -> None:
    at_version(db_path, 3)
    with pytest.raises(StorageError, match="schema version 3"):
        await SqliteStorage(db_path, auto_migrate=False).open()
    with connect(db_path) as connection:
        assert schema_version(connection) == 3


# PostgreSQL's runner


async def test_postgres_migrate_refuses_downgrades_and_unknown_versions(postgres_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as connection:
        assert await postgres_module.migrate(connection, target=0) == 0
        assert await postgres_module.schema_version(connection) == 0
        assert await postgres_module.migrate(connection) == POSTGRES_LATEST_VERSION
        assert await postgres_module.migrate(connection) == POSTGRES_LATEST_VERSION
        with pytest.raises(ValueError, match="between"):
            await postgres_module.migrate(connection, target=POSTGRES_LATEST_VERSION + 1)
        with pytest.raises(ValueError, match="down"):
            await postgres_module.migrate(connection, target=0)
        assert await postgres_module.recorded_checksums(connection) == {
            m.number: m.checksum for m in POSTGRES_MIGRATIONS
        }


async def test_postgres_processes_starting_together_migrate_once(postgres_url: str) -> None:
    stores = [PostgresStorage(postgres_url) for _ in range(4)]
    await asyncio.gather(*(store.open() for store in stores))
    try:
        await stores[0].update_settings(GUILD_A, focus="mg")
    finally:
        await asyncio.gather(*(store.close() for store in stores))
    with psycopg.connect(postgres_url) as connection:
        rows = connection.execute("SELECT version FROM schema_version").fetchall()
    assert rows == [(v,) for v in range(1, POSTGRES_LATEST_VERSION + 1)]


async def test_postgres_a_failed_migration_is_rolled_back(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = replace(
        POSTGRES_MIGRATIONS[0],
        statements=(*POSTGRES_MIGRATIONS[0].statements, "SELECT no_such_column FROM reports"),
    )
    monkeypatch.setattr(postgres_module, "POSTGRES_MIGRATIONS", (broken,))
    with pytest.raises(StorageError, match="left at version 0") as caught:
        await PostgresStorage(postgres_url).open()
    assert "no_such_column" in str(caught.value)
    with psycopg.connect(postgres_url) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    assert tables == []  # DDL is transactional in PostgreSQL: nothing half-made
