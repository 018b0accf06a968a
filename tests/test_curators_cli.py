"""Curators' command line over a real database: reports and stats across servers."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

from bot.storage.sqlite import SqliteStorage
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def bot(python: str, data_dir: Path, *args: str, env: dict[str, str] | None = None):
    return run_cli(*args, env={"BOT_DATA_DIR": str(data_dir), **(env or {})})


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


def test_reports_and_stats_across_servers(python: str, tmp_path: Path) -> None:
    asyncio.run(_fill(tmp_path))
    listed = bot(python, tmp_path, "reports")
    assert listed.returncode == 0, listed.stderr
    assert "[ivig]" in listed.stdout and "server 2 [mg] (contact: carer (42))" in listed.stdout
    rows = json.loads(bot(python, tmp_path, "reports", "--json").stdout)
    assert [r["topic"] for r in rows] == ["ivig", "mg"]
    closed = bot(python, tmp_path, "reports", "--close", str(rows[0]["id"]))
    assert closed.returncode == 0 and "closed" in closed.stdout
    assert [r["topic"] for r in json.loads(bot(python, tmp_path, "reports", "--json").stdout)] == [
        "mg"
    ]
    assert bot(python, tmp_path, "reports", "--close", "999").returncode == 1

    stats = json.loads(bot(python, tmp_path, "stats", "--days", "7", "--json").stdout)
    assert stats["topics"] == [["sps", 2]] and stats["unanswered"] == [["lupus", 1]]
    assert "All servers, last 30 days" in bot(python, tmp_path, "stats").stdout


def test_a_corrupt_database_is_a_clear_error(python: str, tmp_path: Path) -> None:
    (tmp_path / "bot.sqlite3").write_bytes(b"this is not a database" * 100)
    for args, env in (
        (("reports",), None),
        (("run",), {"DISCORD_TOKEN": "x", "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10"}),
    ):
        result = bot(python, tmp_path, *args, env=env)
        assert result.returncode == 2
        assert "bot.sqlite3" in result.stderr and "Traceback" not in result.stderr


def test_backup_makes_a_consistent_copy(python: str, tmp_path: Path) -> None:
    asyncio.run(_fill(tmp_path))
    target = tmp_path / "backups" / "copy.sqlite3"
    result = bot(python, tmp_path, "backup", str(target))
    assert result.returncode == 0, result.stderr
    copy = SqliteStorage(target)
    asyncio.run(copy.open())
    try:
        reports = asyncio.run(copy.reports())
    finally:
        asyncio.run(copy.close())
    assert [r.topic for r in reports] == ["ivig", "mg"]
    missing = bot(python, tmp_path / "empty", "backup", str(target))
    assert missing.returncode == 2 and "no database" in missing.stderr
