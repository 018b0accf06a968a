"""Curators' command line over a real database: reports, stats and backup across servers.

In this process through `main(argv, out, err)` (the `cli` fixture); `run` beside a damaged
database is a real process (it configures logging and points discord.py at a fake address).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.storage.sqlite import SqliteStorage
from tests.helpers import CliResult, run_cli

Cli = Callable[..., CliResult]


async def _fill(data_dir: Path) -> None:
    storage = SqliteStorage.in_data_dir(data_dir)
    await storage.open()
    today = date.today()
    await storage.add_report(1, "ivig", "Unclear kidney wording")
    await storage.add_report(2, "mg", "Outdated date", contact="carer (42)")
    for guild in (1, 2):
        await storage.count(guild, today, "sps")
    await storage.count(1, today, None, "lupus")
    await storage.close()


def test_reports_and_stats_across_servers(cli: Cli, tmp_path: Path) -> None:
    asyncio.run(_fill(tmp_path))
    env = {"BOT_DATA_DIR": str(tmp_path)}
    listed = cli("reports", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "[ivig]" in listed.stdout and "server 2 [mg] (contact: carer (42))" in listed.stdout
    rows = json.loads(cli("reports", "--json", env=env).stdout)
    assert [r["topic"] for r in rows] == ["ivig", "mg"]
    closed = cli("reports", "--close", str(rows[0]["id"]), env=env)
    assert closed.returncode == 0 and "closed" in closed.stdout
    assert [r["topic"] for r in json.loads(cli("reports", "--json", env=env).stdout)] == ["mg"]
    missing = cli("reports", "--close", "999", env=env)
    assert (missing.returncode, missing.stdout, missing.stderr) == (1, "No open report #999.\n", "")

    stats = json.loads(cli("stats", "--days", "7", "--json", env=env).stdout)
    assert stats["topics"] == [["sps", 2]] and stats["unanswered"] == [["lupus", 1]]
    assert "All servers, last 30 days" in cli("stats", env=env).stdout


def test_a_corrupt_database_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "bot.sqlite3").write_bytes(b"this is not a database" * 100)
    env = {"BOT_DATA_DIR": str(tmp_path)}
    for command in ("reports", "stats"):
        result = cli(command, env=env)
        assert (result.returncode, result.stdout) == (2, "")
        assert "bot.sqlite3" in result.stderr

    started = run_cli(
        "run",
        env={**env, "DISCORD_TOKEN": "x", "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10"},
    )
    assert started.returncode == 2
    assert "bot.sqlite3" in started.stderr and "Traceback" not in started.stderr


def test_settings_that_do_not_load_are_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("reports", env={"BOT_DATA_DIR": str(tmp_path), "LOG_LEVEL": "LOUD"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL\n"


def test_backup_makes_a_consistent_copy(cli: Cli, tmp_path: Path) -> None:
    asyncio.run(_fill(tmp_path))
    target = tmp_path / "backups" / "copy.sqlite3"
    result = cli("backup", str(target), env={"BOT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Backed up to {target}.\n"
    copy = SqliteStorage(target)
    asyncio.run(copy.open())
    try:
        reports = asyncio.run(copy.reports())
    finally:
        asyncio.run(copy.close())
    assert [r.topic for r in reports] == ["ivig", "mg"]
    missing = cli("backup", str(target), env={"BOT_DATA_DIR": str(tmp_path / "empty")})
    assert missing.returncode == 2 and "no database" in missing.stderr
