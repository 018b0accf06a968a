"""The PostgreSQL storage adapter: one database shared by several bot processes.

Chosen by DATABASE_URL (see bot/storage/factory.py); it behaves like the SQLite adapter for
every Storage method, with what several processes need on top:

- No lock file: any number of processes open the same database (`open(exclusive=...)` is
  accepted and ignored). Question counts are upserts that add (`count = count + EXCLUDED.count`),
  so processes counting at once lose nothing.
- Change propagation: every settings change (update, reset, forget) sends a NOTIFY on the
  channel CHANNEL in the same transaction; every process LISTENs on a dedicated connection and
  re-reads that server's settings into its in-memory copy, within milliseconds. Other events
  (publish(), e.g. "reload") reach the subscribers of every process, the publisher's too.
- Connection loss: calls are time-boxed (`call_timeout`, also the server's statement and lock
  timeouts) and raise StorageBusy rather than hang; settings() keeps serving the copy in memory.
  The listener reconnects on its own with backoff; when it is back it takes a fresh connection
  pool and re-reads every server's settings (changes made meanwhile are not missed).
- Migrations: bot/storage/migrations.py's POSTGRES_MIGRATIONS, applied under an advisory lock
  (processes starting together migrate once), recorded with their checksums and verified on
  every open. With `auto_migrate` off (BOT_AUTO_MIGRATE=0) a database behind this code's
  version is refused until `python -m bot migrate` (migrate()) runs.

The URL's password is never shown: messages and logs name the database by `redact_url`.

Privacy is the same as SQLite's (no column for a member, contact cleared on closing, the same
retention); deleted rows leave the tables at once and their space is reclaimed by autovacuum.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.server_settings import GuildSettings, check_changes, stored_values, with_changes
from bot.storage.base import (
    REPORT_CLOSED_DAYS,
    REPORT_OPEN_DAYS,
    RETENTION_DAYS,
    STATS_DAYS,
    CountKey,
    Report,
    Stats,
    StorageBusy,
    StorageError,
)
from bot.storage.common import (
    ALL_GUILDS,
    SETTINGS_EVENT_PREFIX,
    DataDump,
    Subscribers,
    as_date,
    as_utc,
    check_event,
    check_stats_arguments,
    checked_counts,
    count_key,
    settings_event,
    settings_from_rows,
    utc_now,
)
from bot.storage.migrations import (
    POSTGRES_LATEST_VERSION,
    POSTGRES_MIGRATIONS,
    MigrationEdited,
    behind_message,
    newer_message,
    verify_checksums,
)

log = logging.getLogger("bot.storage")

if logging.getLogger("psycopg.pool").level == logging.NOTSET:
    # psycopg_pool logs every connection request at INFO: the bot's INFO log is for people
    logging.getLogger("psycopg.pool").setLevel(logging.WARNING)

_T = TypeVar("_T")
Connection = psycopg.AsyncConnection[TupleRow]
Pool = AsyncConnectionPool[Connection]

LATEST_VERSION = POSTGRES_LATEST_VERSION
"""The PostgreSQL schema version this code writes."""

CHANNEL = "rare_neuro_bot"
"""The LISTEN/NOTIFY channel every process of the bot listens on."""

APPLICATION_NAME = "rare-neuro-bot"
"""How the bot's connections show in pg_stat_activity."""

DEFAULT_CALL_TIMEOUT = 2.0
"""Seconds a storage call may take before it raises StorageBusy."""

DEFAULT_POOL_SIZE = 4
"""Connections a process may open for calls (the listener has one more of its own)."""

UNREACHABLE_WAIT = 0.25
"""Once the server is known to be down, how long a call still waits for a connection."""

RETRY_FIRST = 0.05
"""The listener's and the settings refresher's first wait before trying again (seconds)."""

RETRY_MAX = 1.0
"""Their longest wait between tries: a server that is back is noticed within about this."""

MIGRATION_LOCK = (0x52_4E_42, 1)
"""The advisory lock (two int4 keys) held while checking and applying migrations."""

_TABLES = ("guild_setting", "reports", "question_counts")
_REPORT_COLUMNS = "id, guild_id, topic, text, created, contact, status, closed"


def redact_url(url: str) -> str:
    """The database URL without its password, safe to show and log: `scheme://user@host/db`."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hosts = netloc.rpartition("@")
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}@{hosts}" if user else hosts
        query = urlencode(
            [
                (key, value)
                for key, value in parse_qsl(parts.query, keep_blank_values=True)
                if key.lower() != "password"
            ]
        )
        return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
    except ValueError:
        return "the PostgreSQL database in DATABASE_URL"


def _passwords(url: str) -> set[str]:
    """The password of the URL as written and decoded (to scrub it from any message)."""
    found: set[str] = set()
    try:
        parts = urlsplit(url)
        userinfo = parts.netloc.rpartition("@")[0]
        if ":" in userinfo:
            found.add(userinfo.split(":", 1)[1])
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key.lower() == "password":
                found.add(value)
    except ValueError:
        pass
    found |= {unquote(secret) for secret in found}
    return {secret for secret in found if secret}


def _message_of(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:400] if text else type(exc).__name__


def _is_busy(exc: BaseException) -> bool:
    """A time limit ran out (a statement, a lock wait, or waiting for a connection)."""
    return isinstance(
        exc,
        TimeoutError
        | psycopg.errors.QueryCanceled
        | psycopg.errors.LockNotAvailable
        | psycopg.errors.DeadlockDetected,
    )


def _is_connection_problem(exc: BaseException) -> bool:
    """The connection failed or the server went away (restart, shutdown, network)."""
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError | OSError)


async def _configure(connection: Connection, call_timeout: float) -> None:
    """UTC moments, and the server gives up on a statement or lock wait before the caller."""
    limit = f"{max(1, int(call_timeout * 900))}ms"
    await connection.execute(
        "SELECT set_config('TimeZone', 'UTC', false), "
        "set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false)",
        (limit, limit),
    )


async def schema_version(connection: Connection) -> int:
    """The database's schema version; 0 for a database without the bot's tables."""
    cursor = await connection.execute("SELECT to_regclass('schema_version') IS NOT NULL")
    row = await cursor.fetchone()
    if row is None or not row[0]:
        return 0
    cursor = await connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def recorded_checksums(connection: Connection) -> dict[int, str | None]:
    """The checksum recorded for each applied migration."""
    if await schema_version(connection) == 0:
        return {}
    cursor = await connection.execute("SELECT version, checksum FROM schema_version")
    return {int(version): checksum for version, checksum in await cursor.fetchall()}


async def _has_bot_tables(connection: Connection) -> bool:
    cursor = await connection.execute(
        "SELECT " + ", ".join(f"to_regclass('{table}') IS NOT NULL" for table in _TABLES)
    )
    row = await cursor.fetchone()
    return bool(row and any(row))


async def migrate(connection: Connection, target: int | None = None) -> int:
    """Apply the PostgreSQL migrations from the current version up to `target` (default: latest).

    Holds an advisory lock meanwhile, so processes starting together migrate once. Checks the
    recorded checksums first (MigrationEdited). Each migration runs in its own transaction and
    records its number, time and checksum. Returns the version reached; ValueError for a target
    outside 0..LATEST_VERSION or below the current version.
    """
    target = LATEST_VERSION if target is None else target
    if not 0 <= target <= LATEST_VERSION:
        raise ValueError(f"target must be between 0 and {LATEST_VERSION}, not {target}")
    await connection.execute("SELECT pg_advisory_lock(%s, %s)", MIGRATION_LOCK)
    try:
        current = await schema_version(connection)
        if current > target:
            raise ValueError(f"cannot migrate down from version {current} to {target}")
        verify_checksums(await recorded_checksums(connection), POSTGRES_MIGRATIONS)
        for migration in POSTGRES_MIGRATIONS[current:target]:
            async with connection.transaction():
                for statement in migration.statements:
                    await connection.execute(statement)
                await connection.execute(
                    "INSERT INTO schema_version (version, applied, checksum) "
                    "VALUES (%s, now(), %s)",
                    (migration.number, migration.checksum),
                )
    finally:
        await connection.execute("SELECT pg_advisory_unlock(%s, %s)", MIGRATION_LOCK)
    return target


def _report_from_row(row: TupleRow) -> Report:
    report_id, guild_id, topic, text, created, contact, status, closed = row
    return Report(
        id=int(report_id),
        guild_id=int(guild_id),
        topic=topic,
        text=text,
        created=as_utc(created),
        contact=contact,
        status=status,
        closed=as_utc(closed) if closed is not None else None,
    )


class TargetNotEmpty(StorageError):
    """`move-data` found the bot's data in the target database already (use --force)."""


class PostgresStorage:
    """Storage in a PostgreSQL database, shared by any number of bot processes.

    Open, use and close it on one event loop: its listener and refresher run there.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], date] = date.today,
        now: Callable[[], datetime] = utc_now,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        auto_migrate: bool = True,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        """Storage in the database at `url` (postgresql://...); nothing connects until open().

        `clock`, `now` and `call_timeout` are as SqliteStorage's. Without `auto_migrate`, open()
        refuses a database that needs migrations (run migrate()). `pool_size` is the most
        connections calls use at once.
        """
        if not call_timeout > 0:
            raise ValueError(f"call_timeout must be more than 0 seconds, not {call_timeout}")
        if pool_size < 1:
            raise ValueError(f"pool_size must be at least 1, not {pool_size}")
        self._url = url
        self.where = redact_url(url)
        """The database, for messages and logs: the URL without its password."""
        self._secrets = _passwords(url)
        self._clock = clock
        self._now = now
        self._call_timeout = float(call_timeout)
        self._auto_migrate = auto_migrate
        self._pool_size = pool_size
        self._subscribers = Subscribers()
        self._open = False
        self._pool: Pool | None = None
        self._old_pools: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._reachable = True
        """False after a call or the listener lost the server: calls then wait for a
        connection only UNREACHABLE_WAIT seconds, until one works again."""
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._pending: set[int | None] = set()
        """Servers whose settings the refresher re-reads next (None: every server)."""
        self._wake_refresher = asyncio.Event()
        self._local_writes: dict[int, int] = {}
        """Per server, how many settings writes this process made (see `_refresh`)."""
        self._settings: Mapping[int, GuildSettings] = {}
        """Every server with a setting changed, replaced whole on every change (copy-on-write,
        as in SqliteStorage), so settings() is safe to read from any thread."""

    def __repr__(self) -> str:
        """Names the database without its password."""
        return f"PostgresStorage({self.where!r})"

    # Life cycle

    async def open(self, *, exclusive: bool = True) -> None:
        """Connect, check and migrate the schema, purge, load settings and start listening.

        `exclusive` is accepted and ignored: several processes sharing the database is the
        point. StorageError (password never shown) if the server cannot be reached or the
        database cannot be used. Does nothing if already open.
        """
        del exclusive
        if self._open:
            return
        listener = await self._connect()
        try:
            await listener.execute(f"LISTEN {CHANNEL}")
            settings = await self._set_up(listener)
            pool = self._new_pool()
            try:
                await pool.open(wait=True, timeout=self._call_timeout)
            except BaseException:
                await pool.close()
                raise
        except psycopg.Error as exc:
            await listener.close()
            raise self._error(exc) from None
        except BaseException:
            await listener.close()
            raise
        self._pool = pool
        self._settings = settings
        self._reachable = True
        self._idle = asyncio.Event()  # made on this loop: open() may run on another loop later
        self._idle.set()
        self._wake_refresher = asyncio.Event()
        self._pending.clear()
        self._open = True
        self._listener = asyncio.create_task(self._listen(listener), name="postgres-listener")
        self._refresher = asyncio.create_task(self._refresh_loop(), name="postgres-refresher")

    async def close(self) -> None:
        """Let running calls finish, stop listening and close every connection.

        Later calls raise StorageError until open() is called again.
        """
        if not self._open:
            return
        self._open = False  # new calls fail at once; running ones finish first
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._call_timeout + 1):
                await self._idle.wait()
        for task in (self._listener, self._refresher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._listener = self._refresher = None
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
        if self._old_pools:
            await asyncio.gather(*self._old_pools, return_exceptions=True)
        with contextlib.suppress(TimeoutError):  # events being handled right now
            async with asyncio.timeout(self._call_timeout):
                await self._subscribers.wait()
        self._settings = {}
        self._pending.clear()

    # Settings

    def settings(self, guild_id: int) -> GuildSettings:
        """The server's settings from memory (no I/O: used on every answer).

        Kept up to date with every process's changes; while the server is down, the last known.
        """
        self._require_open()
        return self._settings.get(guild_id) or GuildSettings(guild_id)

    async def update_settings(self, guild_id: int, **changes: object) -> GuildSettings:
        """Change some of a server's settings and return the result; every process follows.

        As SqliteStorage.update_settings: ValueError (before any I/O) for an unknown name or a
        value not allowed; only the settings whose value changed are written, in one
        transaction, against the stored rows (not this process's copy), under a per-server
        advisory lock.
        """
        clean = check_changes(changes)

        async def job(connection: Connection) -> tuple[GuildSettings, bool]:
            async with connection.transaction():
                await connection.execute("SELECT pg_advisory_xact_lock(%s)", (guild_id,))
                cursor = await connection.execute(
                    "SELECT guild_id, name, value FROM guild_setting WHERE guild_id = %s",
                    (guild_id,),
                )
                stored = settings_from_rows(await cursor.fetchall())
                current = stored.get(guild_id) or GuildSettings(guild_id)
                new = with_changes(current, clean)
                before, after = stored_values(current), stored_values(new)
                changed = {name for name in before | after if before.get(name) != after.get(name)}
                if not changed:
                    return current, bool(stored_values(current))
                for name in sorted(changed):
                    if name in after:
                        await connection.execute(
                            "INSERT INTO guild_setting (guild_id, name, value) "
                            "VALUES (%s, %s, %s) ON CONFLICT (guild_id, name) "
                            "DO UPDATE SET value = EXCLUDED.value",
                            (guild_id, name, after[name]),
                        )
                    else:
                        await connection.execute(
                            "DELETE FROM guild_setting WHERE guild_id = %s AND name = %s",
                            (guild_id, name),
                        )
                await self._notify(connection, settings_event(guild_id))
            return new, bool(after)

        result, kept = await self._run(job)
        self._remember(guild_id, result if kept else None)
        return result

    async def reset_settings(self, guild_id: int) -> GuildSettings:
        """Back to the defaults (the server's rows are deleted); every process follows."""

        async def job(connection: Connection) -> None:
            async with connection.transaction():
                await connection.execute(
                    "DELETE FROM guild_setting WHERE guild_id = %s", (guild_id,)
                )
                await self._notify(connection, settings_event(guild_id))

        await self._run(job)
        self._remember(guild_id, None)
        return GuildSettings(guild_id)

    # Reports

    async def add_report(
        self, guild_id: int, topic: str, text: str, contact: str | None = None
    ) -> Report:
        """Store a report and return it with its id."""
        created = as_utc(self._now())
        contact = contact or None

        async def job(connection: Connection) -> Report:
            cursor = await connection.execute(
                "INSERT INTO reports (guild_id, topic, text, created, contact) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (guild_id, topic, text, created, contact),
            )
            row = await cursor.fetchone()
            assert row is not None
            return Report(int(row[0]), guild_id, topic, text, created, contact)

        return await self._run(job)

    async def reports(self, status: str = "open") -> list[Report]:
        """Reports across all servers, oldest first."""

        async def job(connection: Connection) -> list[Report]:
            cursor = await connection.execute(
                f"SELECT {_REPORT_COLUMNS} FROM reports WHERE status = %s ORDER BY created, id",
                (status,),
            )
            return [_report_from_row(row) for row in await cursor.fetchall()]

        return await self._run(job)

    async def close_report(self, report_id: int) -> bool:
        """Mark a report done and forget its contact; False if there is no such open report.

        The closing time is recorded: the report is deleted REPORT_CLOSED_DAYS later.
        """
        closed = as_utc(self._now())

        async def job(connection: Connection) -> bool:
            cursor = await connection.execute(
                "UPDATE reports SET status = 'closed', contact = NULL, closed = %s "
                "WHERE id = %s AND status = 'open'",
                (closed, report_id),
            )
            return cursor.rowcount == 1

        return await self._run(job)

    # Question counts

    async def count(
        self, guild_id: int, day: date, topic: str | None, unanswered: str | None = None
    ) -> None:
        """Add one to a matched topic's count, or to an unanswered normalised query's count.

        Exactly one of `topic` and `unanswered` must be given (and not empty), else ValueError.
        """
        kind, key = count_key(topic, unanswered)
        row = (guild_id, as_date(day), kind, key)

        async def job(connection: Connection) -> None:
            await connection.execute(
                "INSERT INTO question_counts (guild_id, day, kind, key, count) "
                "VALUES (%s, %s, %s, %s, 1) ON CONFLICT (guild_id, day, kind, key) "
                "DO UPDATE SET count = question_counts.count + EXCLUDED.count",
                row,
            )

        await self._run(job)

    async def add_counts(self, counts: Mapping[CountKey, int]) -> None:
        """Add many counts at once, in one statement (all or none).

        ValueError (and nothing written) for a kind other than "topic" or "unanswered", an
        empty key or a number under 1. Rows are written in one order, so processes adding at
        once do not deadlock; if the server still reports one, the write is retried.
        """
        rows = checked_counts(counts)
        if not rows:
            return
        columns = [list(column) for column in zip(*rows, strict=True)]

        async def job(connection: Connection) -> None:
            for attempt in range(3):
                try:
                    await connection.execute(
                        "INSERT INTO question_counts (guild_id, day, kind, key, count) "
                        "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::text[], "
                        "%s::text[], %s::bigint[]) "
                        "ON CONFLICT (guild_id, day, kind, key) "
                        "DO UPDATE SET count = question_counts.count + EXCLUDED.count",
                        columns,
                    )
                    return
                except psycopg.errors.DeadlockDetected:
                    if attempt == 2:
                        raise

        await self._run(job)

    async def stats(self, guild_id: int | None, days: int = STATS_DAYS, limit: int = 10) -> Stats:
        """Top topics and unanswered queries of the last `days` days (all servers if None).

        As SqliteStorage.stats: today (from the clock) and the `days - 1` days before it, later
        days included; summed, highest first, ties by name in code-point order (as SQLite).
        """
        check_stats_arguments(days, limit)
        since = as_date(self._clock() - timedelta(days=days - 1))

        async def top(connection: Connection, kind: str) -> list[tuple[str, int]]:
            where = "kind = %s AND day >= %s"
            params: list[object] = [kind, since]
            if guild_id is not None:
                where += " AND guild_id = %s"
                params.append(guild_id)
            cursor = await connection.execute(
                f"SELECT key, SUM(count)::bigint AS total FROM question_counts WHERE {where} "
                'GROUP BY key ORDER BY total DESC, key COLLATE "C" LIMIT %s',
                (*params, limit),
            )
            return [(str(key), int(total)) for key, total in await cursor.fetchall()]

        async def job(connection: Connection) -> Stats:
            return Stats(
                days=days,
                topics=await top(connection, "topic"),
                unanswered=await top(connection, "unanswered"),
            )

        return await self._run(job)

    async def purge(self, before: date) -> int:
        """Delete counts dated before `before`; return how many rows went."""
        cutoff = as_date(before)

        async def job(connection: Connection) -> int:
            cursor = await connection.execute(
                "DELETE FROM question_counts WHERE day < %s", (cutoff,)
            )
            return max(cursor.rowcount, 0)

        return await self._run(job)

    async def purge_expired(self) -> int:
        """Delete everything past its retention period; return how many rows went.

        As SqliteStorage.purge_expired (open() runs it too).
        """
        return await self._run(self._purge_expired)

    async def forget_guild(self, guild_id: int) -> None:
        """Delete everything about a server: settings, reports, counts; every process follows."""

        async def job(connection: Connection) -> None:
            async with connection.transaction():
                for table in _TABLES:
                    await connection.execute(
                        f"DELETE FROM {table} WHERE guild_id = %s",
                        (guild_id,),
                    )
                await self._notify(connection, settings_event(guild_id))

        await self._run(job)
        self._remember(guild_id, None)

    # Events

    def subscribe(self, handler: Callable[[str], Awaitable[None]]) -> None:
        """Call `handler` with every event published from now on, by any process."""
        self._subscribers.add(handler)

    async def publish(self, event: str) -> None:
        """NOTIFY `event` to every process's subscribers (this one's too, via its listener).

        ValueError for an event publish() must not send (see Storage.publish); StorageError
        (StorageBusy) if the server cannot be reached.
        """
        check_event(event)

        async def job(connection: Connection) -> None:
            await self._notify(connection, event)

        await self._run(job)

    # Migrations and moving data

    async def migrate(self) -> tuple[int, int]:
        """Apply every pending migration now; return the schema versions before and after.

        What `python -m bot migrate` runs (whether or not BOT_AUTO_MIGRATE is on), beside
        running bots too; works with this storage open or closed.
        """
        connection = await self._connect()
        try:
            before = await self._check_schema(connection)
            await self._migrate(connection, before)
            return before, LATEST_VERSION
        except psycopg.Error as exc:
            raise self._error(exc) from None
        finally:
            await connection.close()

    async def import_data(self, dump: DataDump, *, replace: bool = False) -> dict[str, int]:
        """Copy `dump` (from SqliteStorage.export_data) in, in one transaction.

        TargetNotEmpty (nothing copied) if the database holds any of the bot's rows already,
        unless `replace`: then they are deleted first. Returns how many rows each table held
        before. Every process re-reads every server's settings afterwards.
        """

        async def job(connection: Connection) -> dict[str, int]:
            async with connection.transaction():
                await connection.execute("SET LOCAL statement_timeout = 0")
                await connection.execute(
                    "LOCK TABLE guild_setting, reports, question_counts IN EXCLUSIVE MODE"
                )
                existing: dict[str, int] = {}
                for table in _TABLES:
                    cursor = await connection.execute(f"SELECT COUNT(*) FROM {table}")
                    row = await cursor.fetchone()
                    existing[table] = int(row[0]) if row else 0
                if any(existing.values()):
                    if not replace:
                        raise TargetNotEmpty(
                            f"{self.where} already holds the bot's data "
                            f"({existing['guild_setting']} setting row(s), "
                            f"{existing['reports']} report(s), "
                            f"{existing['question_counts']} question count row(s)); nothing "
                            "was copied. Add --force to replace it with the copied data."
                        )
                    for table in _TABLES:
                        await connection.execute(f"DELETE FROM {table}")
                await self._copy_rows(connection, dump)
                await self._notify(connection, settings_event(None))
            return existing

        existing = await self._run(job, bounded=False)
        await self._refresh({None})
        return existing

    # Internals

    def _new_pool(self) -> Pool:
        async def configure(connection: Connection) -> None:
            await _configure(connection, self._call_timeout)

        return AsyncConnectionPool(
            self._url,
            kwargs=self._connect_options(),
            min_size=1,
            max_size=self._pool_size,
            open=False,
            configure=configure,
            name=APPLICATION_NAME,
            timeout=self._call_timeout,
            reconnect_timeout=30.0,
        )

    def _connect_options(self) -> dict[str, Any]:
        return {
            "autocommit": True,
            "application_name": APPLICATION_NAME,
            "connect_timeout": max(2, math.ceil(self._call_timeout)),
            # notice a dead server or network on the listener's otherwise idle connection
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        }

    async def _connect(self) -> Connection:
        """One connection of its own (the listener's, migrations'); StorageError if impossible."""
        try:
            async with asyncio.timeout(max(2.0, self._call_timeout) + 1):
                connection = await psycopg.AsyncConnection.connect(
                    self._url, **self._connect_options()
                )
        except (psycopg.Error, OSError, TimeoutError) as exc:
            reason = self._scrub(_message_of(exc))
            raise StorageBusy(
                f"Cannot connect to the database at {self.where} ({reason}). Check DATABASE_URL "
                "and that the server is running and accepts this bot's connections."
            ) from None
        try:
            await connection.execute("SELECT set_config('TimeZone', 'UTC', false)")
        except psycopg.Error as exc:
            await connection.close()
            raise self._error(exc) from None
        return connection

    async def _check_schema(self, connection: Connection) -> int:
        """The database's schema version; StorageError if it is newer or not the bot's."""
        version = await schema_version(connection)
        if version > LATEST_VERSION:
            raise StorageError(newer_message(self.where, version, LATEST_VERSION))
        if version == 0 and await _has_bot_tables(connection):
            raise StorageError(
                f"{self.where} has tables named like the bot's ({', '.join(_TABLES)}) but no "
                "schema_version: it is not the bot's database. Choose another database (or "
                "schema) in DATABASE_URL."
            )
        try:
            verify_checksums(await recorded_checksums(connection), POSTGRES_MIGRATIONS)
        except MigrationEdited as exc:
            raise MigrationEdited(f"Cannot open {self.where}. {exc}") from None
        return version

    async def _migrate(self, connection: Connection, version: int) -> None:
        if version >= LATEST_VERSION:
            return
        try:
            await migrate(connection)
        except MigrationEdited as exc:
            raise MigrationEdited(f"Cannot open {self.where}. {exc}") from None
        except psycopg.Error as exc:
            try:
                reached = f"version {await schema_version(connection)}"
            except psycopg.Error:
                reached = "an unknown version"
            raise StorageError(
                f"Could not upgrade {self.where} from schema version {version} to "
                f"{LATEST_VERSION}; it was left at {reached}. "
                f"{self._scrub(_message_of(exc))}"
            ) from None

    async def _set_up(self, connection: Connection) -> Mapping[int, GuildSettings]:
        """Check and migrate the schema, purge, and read every server's settings."""
        version = await self._check_schema(connection)
        if version < LATEST_VERSION and not self._auto_migrate:
            raise StorageError(behind_message(self.where, version, LATEST_VERSION))
        await self._migrate(connection, version)
        purged = await self._purge_expired(connection)
        if purged:
            log.info("%s: purged %d expired row(s)", self.where, purged)
        cursor = await connection.execute("SELECT guild_id, name, value FROM guild_setting")
        return settings_from_rows(await cursor.fetchall())

    async def _purge_expired(self, connection: Connection) -> int:
        counts_cutoff = as_date(self._clock() - timedelta(days=RETENTION_DAYS))
        now = as_utc(self._now())
        closed_cutoff = now - timedelta(days=REPORT_CLOSED_DAYS)
        open_cutoff = now - timedelta(days=REPORT_OPEN_DAYS)
        async with connection.transaction():
            cursor = await connection.execute(
                "DELETE FROM question_counts WHERE day < %s", (counts_cutoff,)
            )
            removed = max(cursor.rowcount, 0)
            cursor = await connection.execute(
                "DELETE FROM reports WHERE (closed IS NOT NULL AND closed < %s) "
                "OR (closed IS NULL AND created < %s)",
                (closed_cutoff, open_cutoff),
            )
            removed += max(cursor.rowcount, 0)
        return removed

    async def _copy_rows(self, connection: Connection, dump: DataDump) -> None:
        cursor = connection.cursor()
        async with cursor.copy("COPY guild_setting (guild_id, name, value) FROM STDIN") as copy:
            for setting in dump.settings:
                await copy.write_row(setting)
        async with cursor.copy(f"COPY reports ({_REPORT_COLUMNS}) FROM STDIN") as copy:
            for r in dump.reports:
                await copy.write_row(
                    (r.id, r.guild_id, r.topic, r.text, r.created, r.contact, r.status, r.closed)
                )
        async with cursor.copy(
            "COPY question_counts (guild_id, day, kind, key, count) FROM STDIN"
        ) as copy:
            for count in dump.counts:
                await copy.write_row(count)
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('reports', 'id'), "
            "COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM reports"
        )

    async def _notify(self, connection: Connection, event: str) -> None:
        await connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, event))

    def _remember(self, guild_id: int, settings: GuildSettings | None) -> None:
        """Make `settings` the server's in memory after this process wrote them (None: defaults).

        Counted in `_local_writes`, so a refresh that read the rows before this write does
        not put the older values back.
        """
        self._local_writes[guild_id] = self._local_writes.get(guild_id, 0) + 1
        updated = dict(self._settings)
        if settings is None:
            updated.pop(guild_id, None)
        else:
            updated[guild_id] = settings
        self._settings = updated

    def _require_open(self) -> None:
        if not self._open:
            raise StorageError(
                f"The database {self.where} is not open: open() it first (or again after close())."
            )

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _error(self, exc: BaseException) -> StorageError:
        """The StorageError (StorageBusy when retrying may help) for a failed call."""
        reason = self._scrub(_message_of(exc))
        if isinstance(exc, PoolTimeout) and self._reachable:
            return StorageBusy(
                f"The database at {self.where} is busy (all {self._pool_size} connections in "
                "use); try again in a moment."
            )
        if _is_busy(exc):
            return StorageBusy(
                f"The database at {self.where} is busy (a call took more than "
                f"{self._call_timeout:g} s: {reason}); try again in a moment."
            )
        if _is_connection_problem(exc):
            return StorageBusy(
                f"The database server at {self.where} is unavailable ({reason}); try again in a "
                "moment. The bot reconnects on its own when the server is back."
            )
        return StorageError(f"Database error with {self.where}: {reason}.")

    async def _run(
        self,
        job: Callable[[Connection], Coroutine[Any, Any, _T]],
        *,
        bounded: bool = True,
    ) -> _T:
        """Run `job` with a pooled connection; StorageBusy after `call_timeout` seconds.

        Unless `bounded` is False (moving data), when the job takes as long as it needs.
        """
        self._require_open()
        pool = self._pool
        assert pool is not None
        limit = self._call_timeout if bounded else None
        self._in_flight += 1
        self._idle.clear()
        try:
            async with asyncio.timeout(limit) as budget:
                connection = await self._connection(pool)
                try:
                    result = await job(connection)
                finally:
                    await pool.putconn(connection)  # rolls back or discards a broken one
            self._reachable = True
            return result
        except TimeoutError as exc:
            if budget.expired():
                raise StorageBusy(
                    f"The database at {self.where} did not answer within "
                    f"{self._call_timeout:g} s (busy, restarting or unreachable); try again in "
                    "a moment."
                ) from None
            raise self._error(exc) from None
        except (psycopg.Error, OSError) as exc:
            if _is_connection_problem(exc) and not (isinstance(exc, PoolTimeout) or _is_busy(exc)):
                self._reachable = False  # the next calls wait briefly, until one works again
            raise self._error(exc) from None
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def _connection(self, pool: Pool) -> Connection:
        """A connection from the pool, waiting up to `call_timeout` seconds for one.

        Waits in slices of UNREACHABLE_WAIT: once a call or the listener finds the server
        gone, the calls waiting give up at the end of their slice instead of the full time.
        """
        deadline = asyncio.get_running_loop().time() + self._call_timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                return await pool.getconn(timeout=max(0.001, min(UNREACHABLE_WAIT, remaining)))
            except PoolTimeout:
                if not self._reachable or remaining <= UNREACHABLE_WAIT:
                    raise

    # Listening and refreshing

    async def _listen(self, connection: Connection | None) -> None:
        """LISTEN for ever: reconnect with backoff after any loss, with a fresh pool."""
        delay = RETRY_FIRST
        while True:
            if connection is None:
                try:
                    connection = await self._connect()
                    await connection.execute(f"LISTEN {CHANNEL}")
                except (StorageError, psycopg.Error):
                    if connection is not None:
                        with contextlib.suppress(psycopg.Error):
                            await connection.close()
                        connection = None
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX)
                    continue
                await self._replace_pool()
                self._reachable = True
                log.warning("%s: connection back; listening again", self.where)
            delay = RETRY_FIRST
            self._refresh_soon(None)  # anything changed before (or while) we were away
            try:
                async for notify in connection.notifies():
                    self._on_notify(notify.payload)
            except (psycopg.Error, OSError) as exc:
                self._reachable = False
                log.warning(
                    "%s: lost the connection (%s); reconnecting, and serving settings from "
                    "memory meanwhile",
                    self.where,
                    self._scrub(_message_of(exc)),
                )
            finally:
                with contextlib.suppress(psycopg.Error, OSError):
                    await connection.close()
            connection = None

    async def _replace_pool(self) -> None:
        """Calls get a fresh pool: the old one's connections died with the server."""
        fresh = self._new_pool()
        await fresh.open(wait=False)  # connects in the background; calls wait for it
        old, self._pool = self._pool, fresh
        if old is not None:
            closing = asyncio.create_task(old.close(timeout=1.0))
            self._old_pools.add(closing)
            closing.add_done_callback(self._old_pools.discard)

    def _on_notify(self, payload: str) -> None:
        if not payload.startswith(SETTINGS_EVENT_PREFIX):
            self._subscribers.deliver_soon(payload)
            return
        target = payload.removeprefix(SETTINGS_EVENT_PREFIX)
        if target == ALL_GUILDS:
            self._refresh_soon(None)
        else:
            with contextlib.suppress(ValueError):
                self._refresh_soon(int(target))

    def _refresh_soon(self, guild_id: int | None) -> None:
        self._pending.add(guild_id)
        self._wake_refresher.set()

    async def _refresh_loop(self) -> None:
        """Re-read the servers' settings named by notifications, a batch at a time."""
        delay = RETRY_FIRST
        while True:
            await self._wake_refresher.wait()
            self._wake_refresher.clear()
            pending, self._pending = self._pending, set()
            try:
                await self._refresh(pending)
            except StorageError:
                self._pending |= pending  # the listener also asks for everything on return
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                self._wake_refresher.set()
            else:
                delay = RETRY_FIRST

    async def _refresh(self, pending: set[int | None]) -> None:
        """Re-read the settings of the servers in `pending` (None in it: of every server).

        A server this process wrote to since the read began keeps its value in memory: the
        write is newer than what was read, and its own notification brings a later refresh.
        """
        writes = dict(self._local_writes)
        everything = None in pending
        guild_ids = sorted(g for g in pending if g is not None)

        async def job(connection: Connection) -> dict[int, GuildSettings]:
            if everything:
                cursor = await connection.execute("SELECT guild_id, name, value FROM guild_setting")
            else:
                cursor = await connection.execute(
                    "SELECT guild_id, name, value FROM guild_setting "
                    "WHERE guild_id = ANY(%s::bigint[])",
                    (guild_ids,),
                )
            return settings_from_rows(await cursor.fetchall())

        fresh = await self._run(job)
        current = self._settings
        targets = set(current) | set(fresh) if everything else set(guild_ids)
        updated = dict(current)
        for guild_id in targets:
            if self._local_writes.get(guild_id, 0) != writes.get(guild_id, 0):
                continue
            if guild_id in fresh:
                updated[guild_id] = fresh[guild_id]
            else:
                updated.pop(guild_id, None)
        self._settings = updated
