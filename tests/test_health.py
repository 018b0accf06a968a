"""The health check: fresh, stale, missing and malformed heartbeat files, and the real writer."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content_dir import BUNDLED_CONTENT
from bot.discord_app.client import build_bot
from bot.health import check_health, heartbeat_path, read_heartbeat, write_heartbeat
from bot.settings import Settings
from tests.discord_standin import DiscordStandIn, running_bot, serving_standin
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def health(python: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("health", *args, env={"BOT_DATA_DIR": str(data_dir)})


def test_fresh_heartbeat_is_healthy(python: str, tmp_path: Path) -> None:
    write_heartbeat(heartbeat_path(tmp_path), time.time() - 5, 2, 2)
    result = health(python, tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("healthy")


def test_stale_heartbeat_is_unhealthy(python: str, tmp_path: Path) -> None:
    write_heartbeat(heartbeat_path(tmp_path), time.time() - 600, 1, 1)
    result = health(python, tmp_path)
    assert result.returncode == 1 and "600 s ago" in result.stdout
    assert health(python, tmp_path, "--max-age", "900").returncode == 0


def test_missing_or_malformed_heartbeat_is_unhealthy(python: str, tmp_path: Path) -> None:
    missing = health(python, tmp_path)
    assert missing.returncode == 1 and "no heartbeat file" in missing.stdout
    heartbeat_path(tmp_path).write_text("{not json", encoding="utf-8")
    malformed = health(python, tmp_path)
    assert malformed.returncode == 1 and "unreadable" in malformed.stdout


def test_a_missing_shard_is_unhealthy(tmp_path: Path) -> None:
    path = heartbeat_path(tmp_path)
    write_heartbeat(path, time.time(), 1, 2)
    healthy, reason = check_health(path)
    assert not healthy and "1 of 2 shard(s)" in reason


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with serving_standin(heartbeat_interval=50) as server:
        yield server


async def test_the_running_bot_keeps_the_heartbeat_fresh(standin, tmp_path: Path) -> None:
    settings = Settings(
        token="stand-in-token",
        content_dir=BUNDLED_CONTENT,
        api_base=standin.api_base,
        gateway_url=standin.gateway_url,
    )
    path = heartbeat_path(tmp_path)
    bot = build_bot(settings, heartbeat_file=path, heartbeat_every=0.05, guild_ready_timeout=0.1)
    async with running_bot(bot, standin):
        await standin.wait_for(lambda: standin.heartbeats >= 2, what="heartbeats")
        deadline = time.monotonic() + 5
        while not path.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        first = read_heartbeat(path)
        assert first.shards_ready == 1 and first.shard_count == 1
        assert time.time() - first.last_ack < 5
        assert check_health(path)[0]
        standin.ack_heartbeats = False  # the gateway stops answering: the ACK time freezes
        await asyncio.sleep(0.2)  # let an ACK already on its way land
        frozen = read_heartbeat(path).last_ack
        await asyncio.sleep(0.3)
        assert read_heartbeat(path).last_ack - frozen < 0.02
        assert not check_health(path, max_age=0.2)[0]
    assert not path.exists()  # a stopped bot leaves no heartbeat behind
