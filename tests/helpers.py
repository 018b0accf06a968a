"""Small helpers shared by the test modules."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.cli import main

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
