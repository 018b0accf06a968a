"""The database's schema history: numbered migrations, each recorded with its checksum.

Migration n brings a database from schema version n - 1 to n, in one transaction, and records
its number, the time and the sha256 checksum of its statements in `schema_version`. A migration
that has shipped never changes, since databases out there already ran it as it was: to change
the schema, add a new migration at the end. Opening a database whose recorded checksum differs
from this code's raises MigrationEdited, and tests/test_migrations.py pins every shipped
checksum, so an edit fails the tests first.

Server settings need no migration: they are (server, name, value) rows (bot.server_settings).

Each backend has its own numbered list: MIGRATIONS for SQLite, POSTGRES_MIGRATIONS for
PostgreSQL (which started at SQLite's version 5 schema, so its history is shorter). Both are
recorded and checked the same way; the PostgreSQL runner is in bot/storage/postgres.py.

Migrations are Python, not .sql files, so they ship inside the package with no data files.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.storage.base import StorageError


@dataclass(frozen=True)
class Migration:
    """One step of the schema history: its number, a short name and its SQL statements."""

    number: int
    """The schema version it brings a database to (counted from 1, no gaps)."""
    name: str
    """What it does, in a few words (for messages; not part of the checksum)."""
    statements: tuple[str, ...]
    """Run in order, in one transaction."""

    @property
    def checksum(self) -> str:
        """The sha256 (hex) of the statements, with runs of whitespace made one space.

        Re-indenting a statement keeps the checksum; changing any word of it does not.
        """
        text = "\n".join(" ".join(statement.split()) for statement in self.statements)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class MigrationEdited(StorageError):
    """The database ran a migration that differs from this code's migration of that number."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "the initial schema",
        (
            """
            CREATE TABLE schema_version (
                version INTEGER PRIMARY KEY,
                applied TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE guild_settings (
                guild_id INTEGER PRIMARY KEY,
                emergency_text TEXT,
                visibility TEXT NOT NULL DEFAULT 'private'
                    CHECK (visibility IN ('private', 'public')),
                focus TEXT,
                report_channel_id INTEGER
            )
            """,
            """
            CREATE TABLE reports (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                guild_id INTEGER NOT NULL,
                topic TEXT NOT NULL,
                text TEXT NOT NULL,
                created TEXT NOT NULL,
                contact TEXT
            )
            """,
            "CREATE INDEX reports_guild ON reports (guild_id)",
            # `kind` says which of topic/unanswered `key` is: no NULL in the unique key, since
            # NULLs never conflict and the upsert would insert duplicates instead of counting.
            """
            CREATE TABLE question_counts (
                guild_id INTEGER NOT NULL,
                day TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('topic', 'unanswered')),
                key TEXT NOT NULL CHECK (key <> ''),
                count INTEGER NOT NULL CHECK (count > 0),
                PRIMARY KEY (guild_id, day, kind, key)
            )
            """,
            "CREATE INDEX question_counts_day ON question_counts (day)",
        ),
    ),
    Migration(
        2,
        "reports get a status, so handled ones can be closed",
        ("ALTER TABLE reports ADD COLUMN status TEXT NOT NULL DEFAULT 'open'",),
    ),
    # Reports closed before this version forget their contact now, and their time starts now
    # (in the same fixed text format as every other timestamp, so text order is time order).
    Migration(
        3,
        "when a report was closed, so it can be deleted REPORT_CLOSED_DAYS later",
        (
            "ALTER TABLE reports ADD COLUMN closed TEXT",
            """
            UPDATE reports
            SET contact = NULL, closed = strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000+00:00'
            WHERE status <> 'open'
            """,
        ),
    ),
    # migrate() fills in the checksums of the migrations applied before this one.
    Migration(
        4,
        "each applied migration's checksum",
        ("ALTER TABLE schema_version ADD COLUMN checksum TEXT",),
    ),
    # One row per setting a server changed, so a new setting needs no migration. The old
    # table's 'private' visibility was its column default, not a choice: it is not copied.
    Migration(
        5,
        "server settings as (server, name, value) rows",
        (
            """
            CREATE TABLE guild_setting (
                guild_id INTEGER NOT NULL,
                name TEXT NOT NULL CHECK (name <> ''),
                value TEXT NOT NULL,
                PRIMARY KEY (guild_id, name)
            ) WITHOUT ROWID
            """,
            """
            INSERT INTO guild_setting (guild_id, name, value)
            SELECT guild_id, 'emergency_text', emergency_text FROM guild_settings
                WHERE emergency_text IS NOT NULL
            UNION ALL
            SELECT guild_id, 'visibility', visibility FROM guild_settings
                WHERE visibility <> 'private'
            UNION ALL
            SELECT guild_id, 'focus', focus FROM guild_settings
                WHERE focus IS NOT NULL
            UNION ALL
            SELECT guild_id, 'report_channel_id', CAST(report_channel_id AS TEXT)
                FROM guild_settings WHERE report_channel_id IS NOT NULL
            """,
            "DROP TABLE guild_settings",
        ),
    ),
)
"""Every migration, in order: MIGRATIONS[n - 1] is migration n. Append; never edit."""

if [m.number for m in MIGRATIONS] != list(range(1, len(MIGRATIONS) + 1)):  # pragma: no cover
    raise RuntimeError("MIGRATIONS must be numbered 1, 2, 3, ... in order, with no gaps")

LATEST_VERSION = len(MIGRATIONS)
"""The schema version this code writes."""

CHECKSUMS_SINCE = 4
"""The migration that added `schema_version.checksum`."""

# PostgreSQL came later: its migration 1 is SQLite's schema at version 5, in PostgreSQL's types
# (BIGINT server ids, TIMESTAMPTZ moments, DATE days), with the checksum column from the start.
POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "the initial schema",
        (
            """
            CREATE TABLE schema_version (
                version INTEGER PRIMARY KEY,
                applied TIMESTAMPTZ NOT NULL,
                checksum TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE guild_setting (
                guild_id BIGINT NOT NULL,
                name TEXT NOT NULL CHECK (name <> ''),
                value TEXT NOT NULL,
                PRIMARY KEY (guild_id, name)
            )
            """,
            """
            CREATE TABLE reports (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                guild_id BIGINT NOT NULL,
                topic TEXT NOT NULL,
                text TEXT NOT NULL,
                created TIMESTAMPTZ NOT NULL,
                contact TEXT,
                status TEXT NOT NULL DEFAULT 'open',
                closed TIMESTAMPTZ
            )
            """,
            "CREATE INDEX reports_guild ON reports (guild_id)",
            """
            CREATE TABLE question_counts (
                guild_id BIGINT NOT NULL,
                day DATE NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('topic', 'unanswered')),
                key TEXT NOT NULL CHECK (key <> ''),
                count BIGINT NOT NULL CHECK (count > 0),
                PRIMARY KEY (guild_id, day, kind, key)
            )
            """,
            "CREATE INDEX question_counts_day ON question_counts (day)",
        ),
    ),
)
"""Every PostgreSQL migration, in order: POSTGRES_MIGRATIONS[n - 1] is migration n."""

if [m.number for m in POSTGRES_MIGRATIONS] != list(  # pragma: no cover
    range(1, len(POSTGRES_MIGRATIONS) + 1)
):
    raise RuntimeError("POSTGRES_MIGRATIONS must be numbered 1, 2, 3, ... in order, with no gaps")

POSTGRES_LATEST_VERSION = len(POSTGRES_MIGRATIONS)
"""The PostgreSQL schema version this code writes."""


def verify_checksums(
    recorded: Mapping[int, str | None], migrations: Sequence[Migration] = MIGRATIONS
) -> None:
    """MigrationEdited if a recorded checksum differs from the migration of that number.

    `recorded` maps applied versions to their recorded checksums (None: none recorded yet);
    versions `migrations` does not know (a newer bot's) are not checked.
    """
    edited = [
        (migrations[version - 1], checksum)
        for version, checksum in sorted(recorded.items())
        if checksum is not None
        and 1 <= version <= len(migrations)
        and checksum != migrations[version - 1].checksum
    ]
    if not edited:
        return
    listing = "; ".join(
        f"migration {m.number} ({m.name}) ran with checksum {checksum[:12]}, "
        f"this bot's has {m.checksum[:12]}"
        for m, checksum in edited
    )
    raise MigrationEdited(
        f"The database ran different migrations than this version of the bot has: {listing}. "
        "A migration was edited after it shipped; never edit one, add a new migration instead. "
        "Run the version of the bot that wrote this database, or restore a backup made by "
        "this version."
    )


def behind_message(where: str, version: int, latest: int) -> str:
    """What StorageError says when BOT_AUTO_MIGRATE=0 and the database needs migrations."""
    return (
        f"{where} is at schema version {version}; this version of the bot needs version "
        f"{latest}. Run `python -m bot migrate` to upgrade it (BOT_AUTO_MIGRATE=0 keeps the bot "
        "from upgrading it when it starts)."
    )


def newer_message(where: str, version: int, latest: int) -> str:
    """What StorageError says when a newer version of the bot wrote the database."""
    return (
        f"{where} was written by a newer version of the bot (schema version {version}; "
        f"this version knows up to {latest}). Upgrade the bot, or restore a backup made by "
        "this version."
    )


def schema_version(connection: sqlite3.Connection) -> int:
    """The database's schema version; 0 for a database without the bot's tables."""
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if found is None:
        return 0
    (version,) = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(version or 0)


def recorded_checksums(connection: sqlite3.Connection) -> dict[int, str | None]:
    """The checksum recorded for each applied migration (None where none is recorded yet)."""
    if schema_version(connection) < CHECKSUMS_SINCE:
        return {}
    rows = connection.execute("SELECT version, checksum FROM schema_version").fetchall()
    return {int(version): checksum for version, checksum in rows}


def check_checksums(connection: sqlite3.Connection) -> None:
    """MigrationEdited if a recorded checksum differs from this code's migration of that number.

    Versions this code does not know (a newer bot's) are not checked.
    """
    verify_checksums(recorded_checksums(connection), MIGRATIONS)


def _fill_in_checksums(connection: sqlite3.Connection) -> None:
    """Record this code's checksum for every applied migration that has none (in a transaction)."""
    for version, recorded in recorded_checksums(connection).items():
        if recorded is None and 1 <= version <= LATEST_VERSION:
            connection.execute(
                "UPDATE schema_version SET checksum = ? WHERE version = ?",
                (MIGRATIONS[version - 1].checksum, version),
            )


def _rollback(connection: sqlite3.Connection) -> None:
    """Roll back the open transaction, if there is one."""
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def migrate(connection: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the migrations from the current version up to `target` (default: latest).

    First checks the recorded checksums (MigrationEdited if a migration was edited since it
    ran). Each migration runs in its own transaction and records its number and checksum, so a
    failure leaves the database at the last complete version. Returns the version reached.
    Raises ValueError for a target outside 0..LATEST_VERSION or below the current version
    (there are no downgrades).
    """
    target = LATEST_VERSION if target is None else target
    if not 0 <= target <= LATEST_VERSION:
        raise ValueError(f"target must be between 0 and {LATEST_VERSION}, not {target}")
    if connection.in_transaction:
        raise ValueError("commit or roll back the open transaction before migrating")
    current = schema_version(connection)
    if current > target:
        raise ValueError(f"cannot migrate down from version {current} to {target}")
    check_checksums(connection)
    for migration in MIGRATIONS[current:target]:
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in migration.statements:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_version (version, applied) VALUES (?, ?)",
                (migration.number, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            _fill_in_checksums(connection)
            connection.execute("COMMIT")
        except BaseException:
            _rollback(connection)
            raise
    if None in recorded_checksums(connection).values():  # recorded by hand, without one
        connection.execute("BEGIN IMMEDIATE")
        try:
            _fill_in_checksums(connection)
            connection.execute("COMMIT")
        except BaseException:
            _rollback(connection)
            raise
    return target
