"""The SQLite storage adapter: one file, WAL mode, forward migrations, all work on one thread.

Privacy: no table has a column for a member's id, name or message id, except `reports.contact`,
which is filled only when the reporter agreed to be contacted and cleared when the report is
closed. Deleted rows are overwritten on disk (`secure_delete`), and after every deletion the
write-ahead log is checkpointed and truncated, so deleted data does not linger in the -wal file
either. A new database file is readable by its owner only.

One data folder, one bot: open() takes an exclusive lock on a `.lock` file beside the database
(`bot.lock` for `bot.sqlite3`), so a second bot on the same folder stops with StorageInUse
instead of silently diverging. Tools that only look beside a running bot open it with
`exclusive=False`.

Every call is time-boxed (`call_timeout`): StorageBusy instead of a hang on a locked file.

The schema changes only by numbered migrations (bot/storage/migrations.py), each recorded with
its checksum: open() applies them, unless `auto_migrate` is off (BOT_AUTO_MIGRATE=0), when
`python -m bot migrate` does (migrate()). Events (subscribe/publish) stay in this process: one
data folder has one bot. Server settings are generic (server, name, value) rows, described by
bot.server_settings, so no setting is named here and a new one needs no migration; every
server's settings are kept in memory too, as a copy-on-write mapping (see `_publish`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.server_settings import (
    GuildSettings,
    check_changes,
    stored_values,
    with_changes,
)
from bot.storage.base import (
    REPORT_CLOSED_DAYS,
    REPORT_OPEN_DAYS,
    RETENTION_DAYS,
    STATS_DAYS,
    CountKey,
    Report,
    Stats,
    StorageBusy,
    StorageCorrupt,
    StorageError,
    StorageInUse,
)
from bot.storage.common import (
    DataDump,
    Subscribers,
    as_date,
    as_utc,
    check_event,
    check_stats_arguments,
    checked_counts,
    count_key,
    settings_from_rows,
    utc_now,
)
from bot.storage.migrations import LATEST_VERSION as LATEST_VERSION
from bot.storage.migrations import (
    MigrationEdited,
    behind_message,
    check_checksums,
    newer_message,
)
from bot.storage.migrations import migrate as migrate
from bot.storage.migrations import schema_version as schema_version

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system: no lock, a warning instead
    _HAS_FLOCK = False
else:
    _HAS_FLOCK = True

log = logging.getLogger("bot.storage")

_T = TypeVar("_T")

DB_FILE_NAME = "bot.sqlite3"
"""The database's file name inside the data directory."""

THREAD_NAME_PREFIX = "sqlite-storage"
"""The name of the one worker thread that owns the connection."""

LOCK_SUFFIX = ".lock"
"""The lock file is the database's name with this suffix (`bot.lock` beside `bot.sqlite3`)."""

DEFAULT_CALL_TIMEOUT = 2.0
"""Seconds a storage call may take before it raises StorageBusy."""

CHECKPOINT_WAIT_MS = 250
"""How long a checkpoint after a deletion waits for other programs' reads to finish."""

BUSY_MESSAGE = (
    "The database is busy (locked by another program or a slow disk); try again in a moment."
)
"""The message of StorageBusy when a call runs out of time."""


def _connect(path: Path, timeout: float = DEFAULT_CALL_TIMEOUT) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable by this thread only.

    `timeout` is how long a statement waits for another program's lock before failing.
    """
    return sqlite3.connect(path, isolation_level=None, timeout=timeout)


def _error_name(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def _is_busy(exc: sqlite3.Error) -> bool:
    return _error_name(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or (
        "database is locked" in str(exc).lower()
    )


def _is_corrupt(exc: sqlite3.Error) -> bool:
    return _error_name(exc).startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or (
        "not a database" in str(exc).lower()
    )


def _error_class(exc: sqlite3.Error) -> type[StorageError]:
    """StorageCorrupt, StorageBusy or plain StorageError, for what went wrong."""
    if _is_corrupt(exc):
        return StorageCorrupt
    if _is_busy(exc):
        return StorageBusy
    return StorageError


def _error(path: Path, exc: sqlite3.Error) -> StorageError:
    """The StorageError (of the right kind) with a plain message for an SQLite error."""
    return _error_class(exc)(_explain(path, exc))


def in_use_message(data_dir: Path, pid: int | None) -> str:
    """What StorageInUse says: who holds the data folder, and the ways out."""
    holder = f"pid {pid}" if pid is not None else "pid unknown"
    return (
        f"Another copy of the bot is using {data_dir} ({holder}). Stop it, or give each copy "
        "its own BOT_DATA_DIR; several processes sharing their data need a shared database: "
        "set DATABASE_URL to a PostgreSQL database (`python -m bot move-data` copies this one)."
    )


def _read_pid(descriptor: int) -> int | None:
    """The pid the lock's holder wrote into the lock file, if it is there yet."""
    try:
        text = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _unlock(descriptor: int | None) -> None:
    """Release the lock taken by SqliteStorage._lock (closing the file releases it)."""
    if descriptor is not None:
        with contextlib.suppress(OSError):
            os.close(descriptor)


def _explain(path: Path, exc: sqlite3.Error) -> str:
    """A plain message for an SQLite error: what went wrong with which file, and what to do."""
    name = _error_name(exc)
    text = str(exc)
    if _is_corrupt(exc):
        return (
            f"{path} is not a usable SQLite database ({text}). Stop the bot, then either restore "
            f"it from a backup (one made with `python -m bot backup FILE`: copy FILE to {path} "
            f"and delete any {path.name}-wal and {path.name}-shm beside it), or move the damaged "
            "file away so the bot starts a new, empty one."
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return (
            f"Cannot open or write {path} ({text}). Check that its directory exists and that the "
            "bot's user may write to the file, the directory and the -wal and -shm files beside it."
        )
    if _is_busy(exc):
        return (
            f"{path} is locked by another program ({text}). Stop any other copy of the bot using "
            "it and try again."
        )
    if name.startswith("SQLITE_FULL"):
        return f"Cannot write {path}: the disk is full ({text}). Free some space and try again."
    return f"Database error with {path}: {text}."


def _as_time(moment: datetime) -> str:
    """A moment as the ISO text stored in `created` and `closed` (UTC, microseconds).

    Every timestamp is written in this one fixed format, so comparing the text compares times.
    A naive datetime counts as UTC.
    """
    return as_utc(moment).isoformat(timespec="microseconds")


def _as_day(day: date) -> str:
    """A date as the ISO text stored in `day` columns (a datetime counts as its date)."""
    return as_date(day).isoformat()


def _rollback(connection: sqlite3.Connection) -> None:
    """Roll back the open transaction, if there is one."""
    if connection.in_transaction:
        connection.execute("ROLLBACK")


_REPORT_COLUMNS = "id, guild_id, topic, text, created, contact, status, closed"


def _report_from_row(row: Sequence[Any]) -> Report:
    report_id, guild_id, topic, text, created, contact, status, closed = row
    return Report(
        id=report_id,
        guild_id=guild_id,
        topic=topic,
        text=text,
        created=datetime.fromisoformat(created),
        contact=contact,
        status=status,
        closed=datetime.fromisoformat(closed) if closed else None,
    )


class SqliteStorage:
    """Storage in one SQLite file; every query runs on a single worker thread, off the loop."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], date] = date.today,
        now: Callable[[], datetime] = utc_now,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        auto_migrate: bool = True,
    ) -> None:
        """Storage in the file `path`.

        `clock` gives today's date (question counts, stats), `now` the current moment (report
        times; a naive datetime counts as UTC). `call_timeout` is how many seconds a call may
        take before it raises StorageBusy; it is also how long SQLite waits for a lock. Without
        `auto_migrate`, open() refuses a database that needs migrations (run migrate()).
        """
        if not call_timeout > 0:
            raise ValueError(f"call_timeout must be more than 0 seconds, not {call_timeout}")
        self.path = Path(path)
        self._clock = clock
        self._now = now
        self._call_timeout = float(call_timeout)
        self._auto_migrate = auto_migrate
        self._subscribers = Subscribers()
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        """Created, used and closed only by the worker thread."""
        self._lock_descriptor: int | None = None
        """The open lock file while this object holds the data folder (exclusive open)."""
        self._scrub_pending = False
        """A checkpoint after a deletion could not finish; retried after the next call."""
        self._settings: Mapping[int, GuildSettings] = {}
        """Every server with a setting changed, read on the event loop without a lock.

        Copy-on-write: the worker thread never changes the mapping in place. After a database
        write succeeds it builds a new mapping and swaps the reference in one assignment
        (`_publish`), so a reader sees the old mapping or the new one, whole: never one being
        changed ("dictionary changed size during iteration"), never half a change.
        """

    @classmethod
    def in_data_dir(
        cls,
        data_dir: Path,
        *,
        clock: Callable[[], date] = date.today,
        now: Callable[[], datetime] = utc_now,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        auto_migrate: bool = True,
    ) -> SqliteStorage:
        """Storage in `data_dir`/bot.sqlite3; open() creates the directory if it is missing."""
        return cls(
            Path(data_dir) / DB_FILE_NAME,
            clock=clock,
            now=now,
            call_timeout=call_timeout,
            auto_migrate=auto_migrate,
        )

    @property
    def lock_path(self) -> Path:
        """The lock file an exclusive open() holds: `bot.lock` beside `bot.sqlite3`."""
        return self.path.with_name(self.path.stem + LOCK_SUFFIX)

    # Life cycle

    async def open(self, *, exclusive: bool = True) -> None:
        """Open (creating or migrating as needed); StorageError when that is impossible.

        With `exclusive` (the bot), first lock the data folder: StorageInUse if another
        process holds it; the lock is held until close(). Curators' tools used beside the
        running bot (`python -m bot reports`, `stats`) pass False and take no lock.

        Also deletes what is past its retention period (see purge_expired) and loads every
        server's settings into memory. Does nothing if already open.
        """
        if self._executor is not None:
            return
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME_PREFIX)
        self._executor = executor
        try:
            await asyncio.get_running_loop().run_in_executor(
                executor, self._open_in_worker, exclusive
            )
        except BaseException:
            self._executor = None
            executor.shutdown(wait=False)
            raise

    async def close(self) -> None:
        """Flush and close; later calls raise StorageError until open() is called again."""
        executor = self._executor
        if executor is None:
            return
        self._executor = None  # new calls fail at once; queued ones still run first
        try:
            await asyncio.get_running_loop().run_in_executor(executor, self._close_in_worker)
        finally:
            executor.shutdown(wait=False)

    # Settings

    def settings(self, guild_id: int) -> GuildSettings:
        """The server's settings from memory (no I/O: used on every answer).

        Safe on any thread: it reads one immutable snapshot (see `_publish`).
        """
        self._require_open()
        return self._settings.get(guild_id) or GuildSettings(guild_id)

    async def update_settings(self, guild_id: int, **changes: object) -> GuildSettings:
        """Change some of a server's settings and return the result.

        The names and values allowed are those of bot.server_settings.SETTINGS (a choice as its
        StrEnum member or its text); None restores a default. Anything else raises ValueError, and
        nothing changes. Only the settings whose value changed are written, in one transaction.
        """
        clean = check_changes(changes)  # ValueError now, on the caller's side, before any I/O

        def job(connection: sqlite3.Connection) -> GuildSettings:
            current = self._settings.get(guild_id) or GuildSettings(guild_id)
            new = with_changes(current, clean)
            before, after = stored_values(current), stored_values(new)
            changed = {name for name in before | after if before.get(name) != after.get(name)}
            if not changed:
                return current
            connection.execute("BEGIN IMMEDIATE")
            try:
                for name in sorted(changed):
                    if name in after:
                        connection.execute(
                            "INSERT INTO guild_setting (guild_id, name, value) VALUES (?, ?, ?) "
                            "ON CONFLICT (guild_id, name) DO UPDATE SET value = excluded.value",
                            (guild_id, name, after[name]),
                        )
                    else:
                        connection.execute(
                            "DELETE FROM guild_setting WHERE guild_id = ? AND name = ?",
                            (guild_id, name),
                        )
                connection.execute("COMMIT")
            except BaseException:
                _rollback(connection)
                raise
            self._publish(guild_id, new if after else None)
            return new

        return await self._run(job)

    async def reset_settings(self, guild_id: int) -> GuildSettings:
        """Back to the defaults (the server's rows are deleted)."""

        def job(connection: sqlite3.Connection) -> GuildSettings:
            connection.execute("DELETE FROM guild_setting WHERE guild_id = ?", (guild_id,))
            self._publish(guild_id, None)
            return GuildSettings(guild_id)

        return await self._run(job)

    # Reports

    async def add_report(
        self, guild_id: int, topic: str, text: str, contact: str | None = None
    ) -> Report:
        """Store a report and return it with its id."""
        created = datetime.fromisoformat(_as_time(self._now()))
        contact = contact or None

        def job(connection: sqlite3.Connection) -> Report:
            cursor = connection.execute(
                "INSERT INTO reports (guild_id, topic, text, created, contact) "
                "VALUES (?, ?, ?, ?, ?)",
                (guild_id, topic, text, _as_time(created), contact),
            )
            assert cursor.lastrowid is not None
            return Report(cursor.lastrowid, guild_id, topic, text, created, contact)

        return await self._run(job)

    async def reports(self, status: str = "open") -> list[Report]:
        """Reports across all servers, oldest first."""

        def job(connection: sqlite3.Connection) -> list[Report]:
            rows = connection.execute(
                f"SELECT {_REPORT_COLUMNS} FROM reports WHERE status = ? ORDER BY created, id",
                (status,),
            ).fetchall()
            return [_report_from_row(row) for row in rows]

        return await self._run(job)

    async def close_report(self, report_id: int) -> bool:
        """Mark a report done and forget its contact; False if there is no such open report.

        The closing time is recorded: the report is deleted REPORT_CLOSED_DAYS later.
        """
        closed = _as_time(self._now())

        def job(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE reports SET status = 'closed', contact = NULL, closed = ? "
                "WHERE id = ? AND status = 'open'",
                (closed, report_id),
            )
            if cursor.rowcount != 1:
                return False
            self._scrub(connection)
            return True

        return await self._run(job)

    # Question counts

    async def count(
        self, guild_id: int, day: date, topic: str | None, unanswered: str | None = None
    ) -> None:
        """Add one to a matched topic's count, or to an unanswered normalised query's count.

        Exactly one of `topic` and `unanswered` must be given (and not empty), else ValueError.
        """
        kind, key = count_key(topic, unanswered)
        row = (guild_id, _as_day(day), kind, key)

        def job(connection: sqlite3.Connection) -> None:
            connection.execute(
                "INSERT INTO question_counts (guild_id, day, kind, key, count) "
                "VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT (guild_id, day, kind, key) DO UPDATE SET count = count + 1",
                row,
            )

        await self._run(job)

    async def add_counts(self, counts: Mapping[CountKey, int]) -> None:
        """Add many counts at once, in one transaction (all or none).

        ValueError (and nothing written) for a kind other than "topic" or "unanswered", an
        empty key or a number under 1.
        """
        rows = [
            (guild_id, day.isoformat(), kind, key, number)
            for guild_id, day, kind, key, number in checked_counts(counts)
        ]
        if not rows:
            return

        def job(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(
                    "INSERT INTO question_counts (guild_id, day, kind, key, count) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, day, kind, key) "
                    "DO UPDATE SET count = count + excluded.count",
                    rows,
                )
                connection.execute("COMMIT")
            except BaseException:
                _rollback(connection)
                raise

        await self._run(job)

    async def stats(self, guild_id: int | None, days: int = STATS_DAYS, limit: int = 10) -> Stats:
        """Top topics and unanswered queries of the last `days` days (all servers if None).

        The window is today (from the clock) and the `days - 1` days before it (a count dated
        after today, from a caller in another time zone, is included); counts are summed over
        days (and servers), sorted by count, highest first, then by name.
        """
        check_stats_arguments(days, limit)
        since = _as_day(self._clock() - timedelta(days=days - 1))

        def top(connection: sqlite3.Connection, kind: str) -> list[tuple[str, int]]:
            where = "kind = ? AND day >= ?"
            params: list[object] = [kind, since]
            if guild_id is not None:
                where += " AND guild_id = ?"
                params.append(guild_id)
            rows = connection.execute(
                f"SELECT key, SUM(count) AS total FROM question_counts WHERE {where} "
                "GROUP BY key ORDER BY total DESC, key LIMIT ?",
                (*params, limit),
            ).fetchall()
            return [(key, total) for key, total in rows]

        def job(connection: sqlite3.Connection) -> Stats:
            return Stats(
                days=days,
                topics=top(connection, "topic"),
                unanswered=top(connection, "unanswered"),
            )

        return await self._run(job)

    async def purge(self, before: date) -> int:
        """Delete counts dated before `before`; return how many rows went."""
        cutoff = _as_day(before)

        def job(connection: sqlite3.Connection) -> int:
            removed = connection.execute(
                "DELETE FROM question_counts WHERE day < ?", (cutoff,)
            ).rowcount
            if removed:
                self._scrub(connection)
            return removed

        return await self._run(job)

    async def purge_expired(self) -> int:
        """Delete everything past its retention period; return how many rows went.

        Counts dated more than RETENTION_DAYS days before today (from `clock`), reports closed
        more than REPORT_CLOSED_DAYS days ago and open reports made more than REPORT_OPEN_DAYS
        days ago (from `now`). open() runs this too.
        """
        return await self._run(self._purge_expired)

    async def forget_guild(self, guild_id: int) -> None:
        """Delete everything about a server: settings, reports, counts."""

        def job(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            try:
                for table in ("guild_setting", "reports", "question_counts"):
                    connection.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
                connection.execute("COMMIT")
            except BaseException:
                _rollback(connection)
                raise
            self._publish(guild_id, None)
            self._scrub(connection)

        await self._run(job)

    # Events: one data folder has one bot process, so they stay in this process

    def subscribe(self, handler: Callable[[str], Awaitable[None]]) -> None:
        """Call `handler` with every event published from now on (by this process: one bot)."""
        self._subscribers.add(handler)

    async def publish(self, event: str) -> None:
        """Call every subscriber with `event`, one after the other, and wait for them.

        ValueError for an event publish() must not send (see Storage.publish); StorageError if
        the storage is not open. A handler that raises is logged; the others still run.
        """
        check_event(event)
        self._require_open()
        await self._subscribers.deliver(event)

    # Migrations and moving data

    async def migrate(self) -> tuple[int, int]:
        """Apply every pending migration now; return the schema versions before and after.

        What `python -m bot migrate` runs (whether or not BOT_AUTO_MIGRATE is on); works with
        the storage open or closed, beside a running bot too. Creates the file if missing.
        """

        def work() -> tuple[int, int]:
            self._prepare_file()
            try:
                connection = _connect(self.path, self._call_timeout)
            except sqlite3.Error as exc:
                raise _error(self.path, exc) from None
            try:
                before = self._check_schema(connection)
                self._configure(connection)
                self._migrate(connection, before)
                if before < LATEST_VERSION:
                    self._scrub(connection)  # an upgrade may have cleared contacts
                return before, LATEST_VERSION
            finally:
                connection.close()

        return await asyncio.to_thread(work)

    async def export_data(self) -> DataDump:
        """Every setting row, report and question count, for copying to another database."""

        def job(connection: sqlite3.Connection) -> DataDump:
            connection.execute("BEGIN")  # one consistent view of the three tables
            try:
                settings = connection.execute(
                    "SELECT guild_id, name, value FROM guild_setting ORDER BY guild_id, name"
                ).fetchall()
                reports = connection.execute(
                    f"SELECT {_REPORT_COLUMNS} FROM reports ORDER BY id"
                ).fetchall()
                counts = connection.execute(
                    "SELECT guild_id, day, kind, key, count FROM question_counts "
                    "ORDER BY day, guild_id, kind, key"
                ).fetchall()
            finally:
                _rollback(connection)
            return DataDump(
                settings=[(int(g), str(n), str(v)) for g, n, v in settings],
                reports=[_report_from_row(row) for row in reports],
                counts=[
                    (int(g), date.fromisoformat(d), str(k), str(key), int(c))
                    for g, d, k, key, c in counts
                ],
            )

        return await self._run(job)

    # Internals

    def _publish(self, guild_id: int, settings: GuildSettings | None) -> None:
        """Make `settings` the server's in memory (None: its defaults); worker thread only.

        Copy-on-write: a new mapping replaces the old in one assignment, which readers on the
        event loop see whole or not at all. Copying costs one entry per server with settings,
        and settings change rarely.
        """
        updated = dict(self._settings)
        if settings is None:
            updated.pop(guild_id, None)
        else:
            updated[guild_id] = settings
        self._settings = updated

    def _require_open(self) -> None:
        if self._executor is None:
            raise StorageError(self._not_open_message())

    def _not_open_message(self) -> str:
        return f"The database {self.path} is not open: open() it first (or again after close())."

    async def _run(self, job: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `job` with the connection on the worker thread and await its result.

        StorageBusy if it takes longer than `call_timeout` seconds. A job still waiting in the
        queue then never runs; one already running finishes (SQLite gives up waiting for a lock
        after the same time).
        """
        self._require_open()
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self._in_worker, job)
        try:
            return await asyncio.wait_for(future, self._call_timeout)
        except TimeoutError:
            if not future.cancelled():  # the job itself raised TimeoutError
                raise
            raise StorageBusy(BUSY_MESSAGE) from None

    def _in_worker(self, job: Callable[[sqlite3.Connection], _T]) -> _T:
        connection = self._connection
        if connection is None:
            raise StorageError(self._not_open_message())
        try:
            result = job(connection)
        except sqlite3.Error as exc:
            if _is_busy(exc):
                raise StorageBusy(BUSY_MESSAGE) from exc
            raise _error(self.path, exc) from exc
        if self._scrub_pending:
            self._scrub(connection, wait_ms=0)
        return result

    def _purge_expired(self, connection: sqlite3.Connection) -> int:
        """Delete expired counts and reports in one transaction; return how many rows went."""
        counts_cutoff = _as_day(self._clock() - timedelta(days=RETENTION_DAYS))
        now = self._now()
        closed_cutoff = _as_time(now - timedelta(days=REPORT_CLOSED_DAYS))
        open_cutoff = _as_time(now - timedelta(days=REPORT_OPEN_DAYS))
        connection.execute("BEGIN IMMEDIATE")
        try:
            removed = connection.execute(
                "DELETE FROM question_counts WHERE day < ?", (counts_cutoff,)
            ).rowcount
            removed += connection.execute(
                "DELETE FROM reports WHERE (closed IS NOT NULL AND closed < ?) "
                "OR (closed IS NULL AND created < ?)",
                (closed_cutoff, open_cutoff),
            ).rowcount
            connection.execute("COMMIT")
        except BaseException:
            _rollback(connection)
            raise
        if removed:
            self._scrub(connection)
        return removed

    def _scrub(self, connection: sqlite3.Connection, wait_ms: int = CHECKPOINT_WAIT_MS) -> None:
        """Copy the log into the file and truncate it, so deleted data leaves the disk.

        `secure_delete` zeroes deleted rows in the database pages, but the write-ahead log
        still holds the pages as they were until a checkpoint. If another program is reading,
        the checkpoint cannot finish: it is retried after the next call and at close().
        """
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
            try:
                busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                connection.execute(f"PRAGMA busy_timeout = {int(self._call_timeout * 1000)}")
            reason = "another program is reading the database"
        except sqlite3.Error as exc:
            busy, reason = 1, f"checkpoint failed ({_error_name(exc) or 'error'})"
        if busy and not self._scrub_pending:
            log.warning(
                "%s: %s; deleted data stays in the write-ahead log until a later checkpoint",
                self.path,
                reason,
            )
        self._scrub_pending = bool(busy)

    def _lock(self) -> int | None:
        """Lock the data folder for this process; StorageInUse if another one holds it.

        Returns the open lock file (the lock lasts until it is closed), or None where file
        locks are unavailable. The holder's pid is written into the file for the message.
        """
        path = self.lock_path
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(
                f"Cannot create the lock file {path} ({exc.strerror or exc}). Check that the "
                "bot's user may write to that directory."
            ) from None
        if not _HAS_FLOCK:  # pragma: no cover - not POSIX
            log.warning("%s: file locks are unavailable; not checking for another bot", path)
            os.close(descriptor)
            return None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(descriptor)
            os.close(descriptor)
            raise StorageInUse(in_use_message(self.path.parent, holder)) from None
        except OSError as exc:  # e.g. a network file system without locks
            log.warning(
                "%s: cannot lock (%s); not checking for another bot", path, exc.strerror or exc
            )
            os.close(descriptor)
            return None
        try:
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # only the message of a second copy loses the pid
        return descriptor

    def _prepare_file(self) -> None:
        """Create the directory and (private to its owner) an empty file if they are missing."""
        path = self.path
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Cannot use {path.parent} as the data directory for {path.name} "
                f"({exc.strerror or exc}). Point the bot at a directory it may create and write, "
                "or move away the file that is in the way."
            ) from None
        if path.is_dir():
            raise StorageError(
                f"{path} is a directory, not a database file. Move it away or choose another path."
            )
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return
        except OSError as exc:
            raise StorageError(
                f"Cannot create {path} ({exc.strerror or exc}). Check that the bot's user may "
                "write to that directory."
            ) from None
        os.close(descriptor)

    def _open_in_worker(self, exclusive: bool) -> None:
        self._prepare_file()
        lock = self._lock() if exclusive else None
        try:
            try:
                connection = _connect(self.path, self._call_timeout)
            except sqlite3.Error as exc:
                raise _error(self.path, exc) from None
            try:
                settings = self._set_up(connection)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            _unlock(lock)
            raise
        self._connection = connection
        self._lock_descriptor = lock
        self._settings = settings

    def _check_schema(self, connection: sqlite3.Connection) -> int:
        """The file's schema version; StorageError if it is not the bot's or is newer."""
        path = self.path
        try:
            version = schema_version(connection)  # the first read: a damaged file fails here
            if version > LATEST_VERSION:
                raise StorageError(newer_message(str(path), version, LATEST_VERSION))
            if (
                version == 0
                and connection.execute(
                    "SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 1"
                ).fetchone()
            ):
                raise StorageError(
                    f"{path} is an SQLite database, but not the bot's. Move it away or choose "
                    "another path."
                )
        except sqlite3.Error as exc:
            raise _error(path, exc) from None
        return version

    def _configure(self, connection: sqlite3.Connection) -> None:
        """Foreign keys, deleted rows overwritten on disk, and WAL mode."""
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA secure_delete = ON")
            (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
            if str(mode).lower() != "wal":
                log.warning("%s: WAL mode unavailable, using journal mode %s", self.path, mode)
        except sqlite3.Error as exc:
            raise _error(self.path, exc) from None

    def _migrate(self, connection: sqlite3.Connection, version: int) -> None:
        """Migrate from `version` to the latest, with a plain StorageError on failure."""
        path = self.path
        try:
            migrate(connection)
        except MigrationEdited as exc:
            raise MigrationEdited(f"Cannot open {path}. {exc}") from None
        except sqlite3.Error as exc:
            try:
                reached = f"version {schema_version(connection)}"
            except sqlite3.Error:
                reached = "an unknown version"
            raise _error_class(exc)(
                f"Could not upgrade {path} from schema version {version} to {LATEST_VERSION}; "
                f"it was left at {reached}. {_explain(path, exc)}"
            ) from None

    def _set_up(self, connection: sqlite3.Connection) -> Mapping[int, GuildSettings]:
        """Check, configure and migrate a new connection; purge; return all servers' settings."""
        path = self.path
        version = self._check_schema(connection)
        if version < LATEST_VERSION and not self._auto_migrate:
            try:
                check_checksums(connection)
            except MigrationEdited as exc:
                raise MigrationEdited(f"Cannot open {path}. {exc}") from None
            except sqlite3.Error as exc:
                raise _error(path, exc) from None
            raise StorageError(behind_message(str(path), version, LATEST_VERSION))
        self._configure(connection)
        self._migrate(connection, version)
        try:
            if version < LATEST_VERSION:
                self._scrub(connection)  # an upgrade may have cleared contacts
            purged = self._purge_expired(connection)
            rows = connection.execute("SELECT guild_id, name, value FROM guild_setting").fetchall()
        except sqlite3.Error as exc:
            raise _error(path, exc) from None
        if purged:
            log.info("%s: purged %d expired row(s)", path, purged)
        return settings_from_rows(rows)

    def _close_in_worker(self) -> None:
        connection, self._connection = self._connection, None
        lock, self._lock_descriptor = self._lock_descriptor, None
        self._settings = {}
        try:
            if connection is not None:
                if self._scrub_pending:
                    self._scrub(connection)
                with contextlib.suppress(sqlite3.Error):  # only a query planner hint
                    connection.execute("PRAGMA optimize")
                connection.close()
        finally:
            _unlock(lock)
