"""What both storage adapters share: row conversions, argument checks and event subscribers.

Both adapters (SQLite and PostgreSQL) behave the same for every Storage method; the checks and
conversions that make them agree live here, once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.server_settings import GuildSettings, from_stored
from bot.storage.base import CountKey, Report

log = logging.getLogger("bot.storage")

EventHandler = Callable[[str], Awaitable[None]]
"""A subscriber: called with each event published by any process using the database."""

SETTINGS_EVENT_PREFIX = "settings:"
"""Events storage sends itself when a server's settings change; publish() refuses them."""

ALL_GUILDS = "*"
"""`settings:*`: every server's settings changed (after `move-data`)."""

MAX_EVENT_LENGTH = 1000
"""The longest event text publish() accepts (PostgreSQL's NOTIFY takes under 8000 bytes)."""


@dataclass(frozen=True)
class DataDump:
    """Every row of the bot's data, as `python -m bot move-data` copies it between backends."""

    settings: list[tuple[int, str, str]]
    """(guild_id, name, value) of every setting a server changed."""
    reports: list[Report]
    """Every report, open and closed, with its id."""
    counts: list[tuple[int, date, str, str, int]]
    """(guild_id, day, kind, key, count) of every question count."""


def utc_now() -> datetime:
    """The current time in UTC (the default `now` clock)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A moment in UTC, as stored (a naive datetime counts as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def as_date(day: date) -> date:
    """A date as stored in `day` columns (a datetime counts as its date)."""
    if isinstance(day, datetime):
        return day.date()
    return day


def count_key(topic: str | None, unanswered: str | None) -> tuple[str, str]:
    """The (kind, key) a count() call adds to; ValueError unless exactly one is given."""
    if (topic is None) == (unanswered is None):
        raise ValueError("give exactly one of topic and unanswered")
    kind, key = ("topic", topic) if topic is not None else ("unanswered", unanswered)
    if not key:
        raise ValueError(f"{kind} must not be empty")
    return kind, key


COUNT_KINDS = ("topic", "unanswered")
"""The kinds of question count."""


def checked_counts(counts: Mapping[CountKey, int]) -> list[tuple[int, date, str, str, int]]:
    """add_counts()' rows, sorted (so concurrent writers take row locks in one order).

    ValueError for a kind that is not a COUNT_KINDS one, an empty key or a number under 1.
    """
    rows: list[tuple[int, date, str, str, int]] = []
    for (guild_id, day, kind, key), number in counts.items():
        if kind not in COUNT_KINDS:
            raise ValueError(f"kind must be topic or unanswered, not {kind!r}")
        if not isinstance(key, str) or not key:
            raise ValueError(f"{kind} must not be empty")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"a count must be a whole number of at least 1, not {number!r}")
        rows.append((int(guild_id), as_date(day), kind, key, number))
    rows.sort()
    return rows


def check_stats_arguments(days: int, limit: int) -> None:
    """ValueError for a stats() window under one day or a negative limit."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    if limit < 0:
        raise ValueError(f"limit must not be negative, not {limit}")


def check_event(event: str) -> str:
    """The event, or ValueError for one publish() must not send."""
    if not isinstance(event, str) or not event.strip():
        raise ValueError("an event must be a non-empty text")
    if event.startswith(SETTINGS_EVENT_PREFIX):
        raise ValueError(
            f"events starting with {SETTINGS_EVENT_PREFIX!r} are storage's own: settings "
            "changes are sent by update_settings, reset_settings and forget_guild"
        )
    if len(event) > MAX_EVENT_LENGTH:
        raise ValueError(f"an event must be at most {MAX_EVENT_LENGTH} characters long")
    return event


def settings_event(guild_id: int | None) -> str:
    """The event that tells every process to re-read a server's settings (None: all)."""
    return f"{SETTINGS_EVENT_PREFIX}{ALL_GUILDS if guild_id is None else guild_id}"


def settings_from_rows(rows: Sequence[Sequence[object]]) -> dict[int, GuildSettings]:
    """Every server's settings from its (guild_id, name, value) rows; problems are logged."""
    stored: dict[int, dict[str, str]] = {}
    for guild_id, name, value in rows:
        stored.setdefault(int(str(guild_id)), {})[str(name)] = str(value)
    settings: dict[int, GuildSettings] = {}
    for guild_id, values in stored.items():
        settings[guild_id], problems = from_stored(guild_id, values)
        for problem in problems:
            log.warning("stored settings: %s", problem)
    return settings


class Subscribers:
    """The handlers subscribed to a storage's events, and their delivery.

    A handler that fails is logged and the others still run: one subscriber's bug never stops
    another's event, nor the storage.
    """

    def __init__(self) -> None:
        """No subscribers yet."""
        self._handlers: list[EventHandler] = []
        self._running: set[asyncio.Task[None]] = set()

    def add(self, handler: EventHandler) -> None:
        """Call `handler` with every event from now on."""
        self._handlers.append(handler)

    async def deliver(self, event: str) -> None:
        """Call every handler with `event`, one after the other, and wait for them."""
        for handler in list(self._handlers):
            try:
                await handler(event)
            except Exception:
                log.exception("an event handler failed on %r", event)

    def deliver_soon(self, event: str) -> None:
        """Deliver `event` in the background (the caller, e.g. a listener, goes on at once)."""
        if not self._handlers:
            return
        task = asyncio.create_task(self.deliver(event))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def wait(self) -> None:
        """Wait for the deliveries running in the background (tests, and close())."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
