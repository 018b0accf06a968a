"""Past one machine: two `python -m bot run` processes, each running one shard of two, share one
real PostgreSQL database, against the Discord stand-in.

A settings change through one process shows in an answer from the other, /reload through one
reloads both, and a database restart in the middle of traffic costs no answer.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bot.content_dir import BUNDLED_CONTENT
from tests.discord_standin import DiscordStandIn
from tests.helpers import start_bot, stop_bot
from tests.postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parent.parent


async def _answer(standin: DiscordStandIn, guild: str, topic: str, shard: int) -> dict:
    interaction = await standin.send_command(
        "treatment", {"topic": topic}, user=standin.new_user("m"), guild_id=guild, shard=shard
    )
    return await standin.wait_for_callback(interaction, timeout=10)


async def test_two_processes_share_settings_reloads_and_survive_a_database_restart(
    standin: DiscordStandIn, postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, content)
    first = standin.add_guild(shard=0, shard_count=2)
    second = standin.add_guild(shard=1, shard_count=2)
    processes = [
        await start_bot(
            standin,
            tmp_path / f"data{shard}",
            BOT_CONTENT_DIR=str(content),
            DATABASE_URL=postgres_url,
            SHARD_COUNT="2",
            SHARD_IDS=str(shard),
        )
        for shard in (0, 1)
    ]
    logs: list[str] = []
    try:
        await standin.wait_for_shards(2, timeout=40)

        # a moderator changes the first server's emergency notice through process 0 ...
        emergency = {"name": "text", "type": 3, "value": "Ring 000 now (Australia)."}
        changed = await standin.wait_for_reply(
            await standin.send_command(
                "settings",
                [{"name": "emergency", "type": 1, "options": [emergency]}],
                guild_id=first,
                shard=0,
            ),
            timeout=10,
        )
        assert "updated" in changed["data"]["content"]
        # ... and process 1 answers that server with it within a second or so
        async with asyncio.timeout(5):
            while True:
                reply = await _answer(standin, first, "mg cant breathe", shard=1)
                if "Ring 000 now (Australia)." in (reply["data"].get("content") or ""):
                    break
                await asyncio.sleep(0.1)

        # a curator fixes a file and reloads through process 0: process 1 serves it too
        ivig = content / "topics" / "ivig.yaml"
        ivig.write_text(
            ivig.read_text(encoding="utf-8").replace(
                "title: Intravenous immunoglobulin (IVIG)", "title: IVIG (reloaded everywhere)"
            ),
            encoding="utf-8",
        )
        reloaded = await standin.wait_for_reply(
            await standin.send_command("reload", guild_id=first, shard=0), timeout=15
        )
        assert "Content reloaded" in reloaded["data"]["content"]
        async with asyncio.timeout(10):
            while True:
                reply = await _answer(standin, second, "ivig", shard=1)
                if reply["data"]["embeds"][0]["title"] == "IVIG (reloaded everywhere)":
                    break
                await asyncio.sleep(0.1)

        # the database restarts in the middle of traffic: every member still gets an answer
        async def traffic() -> list[dict]:
            replies = []
            for number in range(30):
                guild, shard = (first, 0) if number % 2 == 0 else (second, 1)
                replies.append(await _answer(standin, guild, "sps", shard=shard))
                await asyncio.sleep(0.02)
            return replies

        async def restart() -> None:
            await asyncio.sleep(0.1)
            await asyncio.to_thread(postgres_server.stop)
            await asyncio.sleep(0.3)
            await asyncio.to_thread(postgres_server.start)

        replies, _ = await asyncio.gather(traffic(), restart())
        assert len(replies) == 30
        assert all(r["data"]["embeds"][0]["title"].startswith("Stiff person") for r in replies)
        assert standin.late_callbacks == 0
    finally:
        for process in processes:
            logs.append(await stop_bot(process))
    for process, log in zip(processes, logs, strict=True):
        assert process.returncode == 0, log
        assert "Traceback" not in log and "stand-in-token" not in log
