"""Question counts gathered in memory and written together, off every member's path.

Answering never waits for the database: a count is a dictionary increment. Every few seconds
(and when the bot stops) the counts gathered so far go to storage in one write. If storage is
slow, locked or down, they stay here and are retried on the next round, up to a limit beyond
which the oldest are dropped with a warning. A crash loses at most one interval of counts.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date

from bot.storage.base import CountKey, Storage, StorageError

log = logging.getLogger("bot.counts")

FLUSH_SECONDS = 5.0
"""How often gathered counts are written (also the most a crash can lose)."""
MAX_PENDING_KEYS = 50_000
"""Distinct (server, day, topic or question) counts kept while storage is unavailable."""


class CountBuffer:
    """Counts waiting to be written; `add` is instant, `flush` writes them all at once."""

    def __init__(self, storage: Storage, max_pending: int = MAX_PENDING_KEYS) -> None:
        self.storage = storage
        self.max_pending = max_pending
        self._pending: Counter[CountKey] = Counter()
        self.dropped = 0
        """Counts given up because storage stayed unavailable too long (logged)."""

    def __len__(self) -> int:
        """How many distinct counts are waiting."""
        return len(self._pending)

    def add(self, guild_id: int, day: date, topic: str | None, unanswered: str | None) -> None:
        """Count one answer (a topic) or one unanswered question (its kept text)."""
        if (topic is None) == (unanswered is None):
            raise ValueError("give exactly one of topic and unanswered")
        kind, key = ("topic", topic) if topic is not None else ("unanswered", unanswered)
        if not key:
            return
        entry = CountKey(guild_id, day, kind, key)
        if entry not in self._pending and len(self._pending) >= self.max_pending:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("storage is behind: %d count(s) dropped so far", self.dropped)
            return
        self._pending[entry] += 1

    async def flush(self) -> int:
        """Write every waiting count in one go; on a storage error keep them for the next try."""
        if not self._pending:
            return 0
        batch, self._pending = self._pending, Counter()
        try:
            await self.storage.add_counts(dict(batch))
        except StorageError as error:
            batch.update(self._pending)  # counts that arrived while writing
            self._pending = batch
            log.warning("could not write %d count(s), will retry: %s", len(batch), error)
            return 0
        return sum(batch.values())
