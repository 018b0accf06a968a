"""Which storage the bot and the command line use: PostgreSQL if DATABASE_URL is set, else SQLite.

SQLite (`BOT_DATA_DIR/bot.sqlite3`) stays the default and needs nothing set up. PostgreSQL is
imported only when configured. Both implement bot.storage.base.Storage and behave alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.storage.base import Storage
from bot.storage.sqlite import SqliteStorage

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.storage.postgres import PostgresStorage


def storage_for(data_dir: Path, database_url: str | None, *, auto_migrate: bool = True) -> Storage:
    """The storage to use, not yet open: PostgreSQL at `database_url`, else SQLite in `data_dir`.

    Without `auto_migrate` (BOT_AUTO_MIGRATE=0), open() refuses a database that needs
    migrations and says to run `python -m bot migrate`.
    """
    if database_url:
        return postgres_storage(database_url, auto_migrate=auto_migrate)
    return SqliteStorage.in_data_dir(data_dir, auto_migrate=auto_migrate)


def storage_from_settings(settings: Settings) -> Storage:
    """storage_for() with the settings' BOT_DATA_DIR, DATABASE_URL and BOT_AUTO_MIGRATE."""
    return storage_for(settings.data_dir, settings.database_url, auto_migrate=settings.auto_migrate)


def postgres_storage(database_url: str, *, auto_migrate: bool = True) -> PostgresStorage:
    """A PostgresStorage (importing psycopg only now, when PostgreSQL is configured)."""
    from bot.storage.postgres import PostgresStorage

    return PostgresStorage(database_url, auto_migrate=auto_migrate)


def describe(data_dir: Path, database_url: str | None) -> str:
    """The configured database for messages and logs, never with a password."""
    if database_url:
        from bot.storage.postgres import redact_url

        return redact_url(database_url)
    return str(Path(data_dir) / "bot.sqlite3")


async def migrate_database(data_dir: Path, database_url: str | None) -> tuple[str, int, int]:
    """Apply every pending migration to the configured database (`python -m bot migrate`).

    Returns the database (as describe() names it) and its schema versions before and after.
    StorageError (MigrationEdited for an edited migration) when it cannot be migrated.
    """
    storage: SqliteStorage | PostgresStorage
    if database_url:
        storage = postgres_storage(database_url)
    else:
        storage = SqliteStorage.in_data_dir(data_dir)
    before, after = await storage.migrate()
    return describe(data_dir, database_url), before, after
