"""Per-member pacing of answers, and share-once for answers: the limits every answer path obeys.

Member ids live here in memory only, for as long as the pacing window lasts: they are never
logged or stored, and never kept next to what was asked.
"""

from __future__ import annotations

import time

import discord
from discord import app_commands
from discord.ext import commands

PACE_RATE = 5
"""Answers a member may receive in one window, whatever the path (command or button)."""
PACE_SECONDS = 30.0
"""The length of the window."""
SHARE_MEMORY_SECONDS = 15 * 60.0
"""How long an answer's message id is remembered as shared (an interaction's lifetime)."""


def wait_message(retry_after: float) -> str:
    """What a member reads when they have asked too often."""
    return (
        "You've asked several questions in a short time. Please wait "
        f"{max(1, round(retry_after))} seconds and ask again."
    )


SWEEP_SECONDS = 1.0
"""How often members whose window has passed are forgotten (at most this late)."""


class AnswerPace:
    """At most PACE_RATE answers per PACE_SECONDS per member, across commands and buttons.

    Each member has a discord.py cooldown bucket. Members whose window has passed are forgotten
    at the next answer after it (checked at most once a second, so that with thousands of
    members each answer does not walk every bucket, as discord.py's own mapping does).
    """

    def __init__(self, rate: int = PACE_RATE, per: float = PACE_SECONDS) -> None:
        self.rate = rate
        self.per = per
        self._buckets: dict[int, commands.Cooldown] = {}
        self._swept = 0.0

    def retry_after(self, user_id: int, now: float | None = None) -> float:
        """Take one answer from the member's allowance; seconds to wait, or 0 when allowed."""
        now = time.time() if now is None else now
        self._forget_expired(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = commands.Cooldown(self.rate, self.per)
        return bucket.update_rate_limit(now) or 0.0

    def held(self, now: float | None = None) -> int:
        """How many members are remembered right now (after forgetting expired windows)."""
        self._forget_expired(time.time() if now is None else now, force=True)
        return len(self._buckets)

    def _forget_expired(self, now: float, force: bool = False) -> None:
        if not force and now - self._swept < SWEEP_SECONDS:
            return
        self._swept = now
        self._buckets = {
            user: bucket
            for user, bucket in self._buckets.items()
            if now <= bucket._last + bucket.per
        }

    def check(self, interaction: discord.Interaction) -> bool:
        """Pass, or raise CommandOnCooldown with how long to wait (for slash commands)."""
        retry_after = self.retry_after(interaction.user.id)
        if retry_after:
            cooldown = app_commands.Cooldown(self.rate, self.per)
            raise app_commands.CommandOnCooldown(cooldown, retry_after)
        return True


class ShareOnce:
    """Remembers which answers were shared, so each is posted publicly at most once."""

    def __init__(self, memory: float = SHARE_MEMORY_SECONDS) -> None:
        self.memory = memory
        self._shared: dict[int, float] = {}

    def first(self, message_id: int, now: float | None = None) -> bool:
        """True the first time an answer's message is shared; False on every later press."""
        now = time.monotonic() if now is None else now
        if len(self._shared) > 1000:
            self._shared = {m: t for m, t in self._shared.items() if now - t < self.memory}
        if message_id in self._shared and now - self._shared[message_id] < self.memory:
            return False
        self._shared[message_id] = now
        return True
