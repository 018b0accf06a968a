"""Counts are gathered in memory and written together: none lost to a slow or absent database."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.content_dir import BUNDLED_CONTENT
from bot.discord_app.client import build_bot
from bot.discord_app.counting import CountBuffer
from bot.settings import Settings
from bot.storage.base import CountKey, StorageBusy
from bot.storage.sqlite import SqliteStorage
from tests.discord_standin import DiscordStandIn, running_bot

DAY = date(2026, 11, 30)


class Recording:
    """A storage stand-in for add_counts only: records batches, fails when told to."""

    def __init__(self) -> None:
        self.batches: list[dict[CountKey, int]] = []
        self.failing = False

    async def add_counts(self, counts: dict[CountKey, int]) -> None:
        if self.failing:
            raise StorageBusy("locked")
        self.batches.append(dict(counts))


async def test_counts_are_gathered_and_written_in_one_batch() -> None:
    storage = Recording()
    buffer = CountBuffer(storage)  # type: ignore[arg-type]
    for _ in range(3):
        buffer.add(1, DAY, "ivig", None)
    buffer.add(1, DAY, None, "zzq question")
    buffer.add(2, DAY, "ivig", None)
    assert storage.batches == []  # nothing written while members are answered
    assert await buffer.flush() == 5
    assert storage.batches == [
        {
            CountKey(1, DAY, "topic", "ivig"): 3,
            CountKey(1, DAY, "unanswered", "zzq question"): 1,
            CountKey(2, DAY, "topic", "ivig"): 1,
        }
    ]
    assert await buffer.flush() == 0 and len(storage.batches) == 1


async def test_counts_survive_a_failed_write_and_a_full_buffer_drops_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    storage = Recording()
    buffer = CountBuffer(storage, max_pending=2)  # type: ignore[arg-type]
    buffer.add(1, DAY, "ivig", None)
    storage.failing = True
    assert await buffer.flush() == 0
    buffer.add(1, DAY, "ivig", None)
    buffer.add(1, DAY, "sps", None)
    caplog.set_level(logging.WARNING, logger="bot")
    buffer.add(1, DAY, "mg", None)  # a third distinct count while storage is away: dropped
    assert buffer.dropped == 1 and "dropped" in caplog.text
    storage.failing = False
    assert await buffer.flush() == 3
    assert storage.batches[-1] == {
        CountKey(1, DAY, "topic", "ivig"): 2,
        CountKey(1, DAY, "topic", "sps"): 1,
    }


async def test_counts_reach_storage_at_shutdown(
    standin: DiscordStandIn, storage: SqliteStorage
) -> None:
    settings = Settings(
        token="stand-in-token",
        content_dir=BUNDLED_CONTENT,
        api_base=standin.api_base,
        gateway_url=standin.gateway_url,
    )
    bot = build_bot(settings, storage, guild_ready_timeout=0.1, count_every=3600)
    async with running_bot(bot, standin):
        for topic in ("ivig", "ivig", "mg"):
            interaction = await standin.send_command("treatment", {"topic": topic})
            await standin.wait_for_callback(interaction)
        assert (await storage.stats(int(standin.guild_id))).topics == []  # not yet written
    stats = await storage.stats(int(standin.guild_id))
    assert dict(stats.topics) == {"ivig": 2, "mg": 1}
