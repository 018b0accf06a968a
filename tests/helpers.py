"""Small helpers shared by the test modules."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import main
from bot.content_dir import BUNDLED_CONTENT

if TYPE_CHECKING:
    from tests.discord_standin import DiscordStandIn

ROOT = Path(__file__).resolve().parent.parent
EPHEMERAL = 64
"""Discord's message flag for a reply only the asker sees."""


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` as a member or operator would, with a clean bot environment."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "BOT_", "SHARD_"))
    }
    environment.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=60,
    )


@dataclass(frozen=True)
class CliResult:
    """What `main(argv, out, err)` returned and wrote: read like a CompletedProcess."""

    returncode: int
    stdout: str
    stderr: str


def call_cli(*args: str) -> CliResult:
    """Run the command line in this process: `main(args, out, err)` with captured streams.

    Use the `cli` fixture (tests/conftest.py), which also gives a clean environment; use
    run_cli only for what is about the process itself.
    """
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return CliResult(code, out.getvalue(), err.getvalue())


def buttons(body: dict) -> list[dict]:
    """The buttons of an interaction callback body, in order."""
    return [c for row in body["data"].get("components", []) for c in row.get("components", [])]


async def eventually(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll `condition` (for things the stand-in does not see, such as log lines)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def bot_environment(standin: DiscordStandIn, data: Path, **settings: str) -> dict[str, str]:
    """A clean environment for `python -m bot run` against `standin`, data in `data`.

    The developer's DISCORD_*, SHARD_*, BOT_* and DATABASE_* settings are left out; `settings`
    (e.g. SHARD_IDS="1", DATABASE_URL=...) come on top of the stand-in's.
    """
    prefixes = ("DISCORD_", "SHARD_", "BOT_", "DATABASE_")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(prefixes)},
        "DISCORD_TOKEN": "stand-in-token",
        "DISCORD_API_BASE": standin.api_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
        "BOT_CONTENT_DIR": str(BUNDLED_CONTENT),
        "BOT_DATA_DIR": str(data),
        "PYTHONPATH": str(ROOT),
        **settings,
    }


async def start_bot(
    standin: DiscordStandIn, data: Path, **settings: str
) -> asyncio.subprocess.Process:
    """Start a real `python -m bot run` process against the stand-in (see bot_environment)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=data.parent,
        env=bot_environment(standin, data, **settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def stop_bot(process: asyncio.subprocess.Process, timeout: float = 20.0) -> str:
    """SIGTERM the process (killing it if it does not stop) and return what it logged."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return stderr.decode()
