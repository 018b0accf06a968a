"""The storage interface the bot talks to; SQLite and PostgreSQL implement it, alike.

SQLite (one file, one bot process) is the default; PostgreSQL (DATABASE_URL) is the shared
store for several processes, which also tell each other about changes (subscribe/publish).

Nothing here links a member to a question: counts carry no user id, name or message id, and a
report names its reporter only when they ticked "you may contact me", and only until the report
is closed. Nothing is kept for ever: see the retention periods below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple, Protocol

from bot.errors import BotError

# Declared with the other settings machinery; re-exported here, where storage callers look.
from bot.server_settings import GuildSettings as GuildSettings
from bot.server_settings import Visibility as Visibility

RETENTION_DAYS = 90
"""Question counts older than this are purged automatically."""
REPORT_CLOSED_DAYS = 30
"""A closed report is deleted this many days after it was closed.

Its contact details go at once, when it is closed; the rest stays this long so curators can
look back at what they fixed.
"""
REPORT_OPEN_DAYS = 365
"""An open report is deleted this many days after it was made: nobody handled it in a year."""
STATS_DAYS = 30
"""The window /stats shows."""


class StorageError(BotError):
    """The database cannot be opened, migrated or written; the message says what to do."""

    member_message = (
        "Sorry, the bot's database is busy or unavailable right now, so this did not work. "
        "Answers to questions still work; please try again in a moment."
    )


class StorageInUse(StorageError):
    """Another bot process already uses this database (one data folder, one bot)."""


class StorageBusy(StorageError):
    """A call did not finish in time, or the database server is unreachable; retrying may work.

    The file may be locked or the disk slow (SQLite), or the server busy, restarting or down
    (PostgreSQL, which reconnects on its own when it is back).
    """


class StorageCorrupt(StorageError):
    """The database file is damaged or not a database: restore a backup or move it away.

    Unlike StorageBusy, retrying does not help; the bot cannot store anything until an operator
    acts on the message.
    """


@dataclass(frozen=True)
class Report:
    """A member's report of a wrong, outdated or unclear snippet."""

    id: int
    guild_id: int
    topic: str
    text: str
    created: datetime
    contact: str | None = None
    """The reporter's name and id, only if they agreed to be contacted; cleared on closing."""
    status: str = "open"
    closed: datetime | None = None
    """When the report was closed (None while open); it is deleted REPORT_CLOSED_DAYS later."""


class CountKey(NamedTuple):
    """What one question count counts: a server, a day, and a topic or an unanswered query."""

    guild_id: int
    day: date
    kind: str
    """"topic" (key is a matched topic) or "unanswered" (key is a normalised query)."""
    key: str


@dataclass(frozen=True)
class Stats:
    """Most asked topics and most common unanswered questions over a window of days."""

    days: int
    topics: list[tuple[str, int]] = field(default_factory=list)
    unanswered: list[tuple[str, int]] = field(default_factory=list)


class Storage(Protocol):
    """What the bot needs from a database. All methods are coroutines and never block the loop."""

    async def open(self, *, exclusive: bool = True) -> None:
        """Open (creating or migrating as needed); StorageError when that is impossible.

        `exclusive` (the bot): StorageInUse if another process already opened it exclusively.
        Tools that only look (or make small changes) beside a running bot pass False.
        """

    async def close(self) -> None:
        """Flush and close."""

    def settings(self, guild_id: int) -> GuildSettings:
        """The server's settings from memory (no I/O: used on every answer)."""

    async def update_settings(self, guild_id: int, **changes: object) -> GuildSettings:
        """Change some of a server's settings and return the result.

        The names and allowed values are bot.server_settings.SETTINGS'; None restores a
        default. ValueError for an unknown name or a value that is not allowed.
        """

    async def reset_settings(self, guild_id: int) -> GuildSettings:
        """Back to the defaults."""

    async def add_report(
        self, guild_id: int, topic: str, text: str, contact: str | None = None
    ) -> Report:
        """Store a report and return it with its id."""

    async def reports(self, status: str = "open") -> list[Report]:
        """Reports across all servers, oldest first."""

    async def close_report(self, report_id: int) -> bool:
        """Mark a report done and forget its contact; False if there is no such open report."""

    async def count(
        self, guild_id: int, day: date, topic: str | None, unanswered: str | None = None
    ) -> None:
        """Add one to a matched topic's count, or to an unanswered normalised query's count."""

    async def add_counts(self, counts: Mapping[CountKey, int]) -> None:
        """Add many counts at once, all or none (what the bot's count buffer writes).

        ValueError (and nothing written) for a kind other than "topic" or "unanswered", an
        empty key or a number under 1. Several processes adding at once lose nothing.
        """

    async def stats(self, guild_id: int | None, days: int = STATS_DAYS, limit: int = 10) -> Stats:
        """Top topics and unanswered queries of the last `days` days (all servers if None)."""

    async def purge(self, before: date) -> int:
        """Delete counts dated before `before`; return how many rows went."""

    async def purge_expired(self) -> int:
        """Delete everything past its retention period; return how many rows went.

        Counts older than RETENTION_DAYS, reports closed more than REPORT_CLOSED_DAYS ago and
        open reports made more than REPORT_OPEN_DAYS ago.
        """

    async def forget_guild(self, guild_id: int) -> None:
        """Delete everything about a server: settings, reports, counts."""

    def subscribe(self, handler: Callable[[str], Awaitable[None]]) -> None:
        """Call `handler` with every event published from now on, by any process.

        Every process using the same database gets every event, the publisher included. A
        handler that raises is logged; the other handlers still run. Settings changes need no
        handler: every process's settings() follows them on its own.
        """

    async def publish(self, event: str) -> None:
        """Send `event` (e.g. "reload") to the subscribers of every process, this one included.

        ValueError for an empty event, one longer than 1000 characters, or one starting with
        "settings:" (storage's own). StorageError if it cannot be sent.
        """
