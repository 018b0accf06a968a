"""The storage backends under test, alike: new storages on one database, and raw access to it.

The `backend` fixture (conftest.py) gives a Backend for "sqlite" (a file in tmp_path) and for
"postgres" (a fresh database on the session's throwaway server), so one storage test runs
against both. Raw SQL here uses `?` placeholders, turned into `%s` for PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg

from bot.storage import migrations
from bot.storage.postgres import PostgresStorage, redact_url
from bot.storage.sqlite import DB_FILE_NAME, SqliteStorage
from tests.postgres_server import PostgresServer

BACKENDS = ("sqlite", "postgres")


def _plain(value: object) -> object:
    """A value as SQLite stores it (dates and moments as ISO text), to compare rows alike."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


class Backend:
    """One backend's database for a test: `storage(...)` opens storages on it."""

    def __init__(self, name: str, tmp_path: Path, server: PostgresServer | None = None) -> None:
        self.name = name
        self.path = tmp_path / "data" / DB_FILE_NAME
        self.server = server
        self.url = server.create_database() if server is not None else ""

    def __repr__(self) -> str:
        return f"Backend({self.name})"

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"

    @property
    def latest_version(self) -> int:
        if self.is_sqlite:
            return migrations.LATEST_VERSION
        return migrations.POSTGRES_LATEST_VERSION

    @property
    def location(self) -> str:
        """How the storage's messages name the database."""
        return str(self.path) if self.is_sqlite else redact_url(self.url)

    def storage(self, **options: Any) -> SqliteStorage | PostgresStorage:
        """A new storage object on this database (not yet open)."""
        if self.is_sqlite:
            return SqliteStorage(self.path, **options)
        return PostgresStorage(self.url, **options)

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a query run behind the adapter's back."""
        if self.is_sqlite:
            with sqlite3.connect(self.path, isolation_level=None) as connection:
                return connection.execute(sql, params).fetchall()
        with psycopg.connect(self.url, autocommit=True) as connection:
            cursor = connection.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> None:
        """A statement run behind the adapter's back (no notification is sent)."""
        self.query(sql, params)

    def tables(self) -> set[str]:
        if self.is_sqlite:
            found = self.query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        else:
            found = self.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        return {name for (name,) in found}

    def columns(self, table: str) -> list[str]:
        if self.is_sqlite:
            return [row[1] for row in self.query(f"PRAGMA table_info({table})")]
        rows = self.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position",
            (table,),
        )
        return [name for (name,) in rows]

    def rows(self, table: str) -> list[dict[str, object]]:
        """Every row of a table, as column -> value (dates and moments as ISO text)."""
        names = self.columns(table)
        return [
            {name: _plain(value) for name, value in zip(names, row, strict=True)}
            for row in self.query(f"SELECT {', '.join(names)} FROM {table}")
        ]

    def all_rows(self) -> dict[str, list[dict[str, object]]]:
        """Every row of every table."""
        return {table: self.rows(table) for table in sorted(self.tables())}

    def schema_version(self) -> int:
        [(version,)] = self.query("SELECT MAX(version) FROM schema_version")
        return int(version or 0)

    def record_version(self, version: int, checksum: str = "later") -> None:
        """Record a migration as applied, as a newer bot would."""
        if self.is_sqlite:
            self.execute(
                "INSERT INTO schema_version (version, applied) VALUES (?, 'later')", (version,)
            )
        else:
            self.execute(
                "INSERT INTO schema_version (version, applied, checksum) VALUES (?, now(), ?)",
                (version, checksum),
            )
