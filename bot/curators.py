"""`python -m bot reports`, `stats` and `backup`: what curators need, across servers.

Errors (SettingsError, StorageError) are raised for bot.cli.main to print with their exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
from pathlib import Path
from typing import TextIO

from bot.errors import EXIT_NOT_FOUND, EXIT_OK
from bot.settings import Settings
from bot.storage.base import StorageError
from bot.storage.sqlite import DB_FILE_NAME, SqliteStorage
from bot.terminal_text import printable


async def _reports(storage: SqliteStorage, close: int | None, as_json: bool, out: TextIO) -> int:
    if close is not None:
        if not await storage.close_report(close):
            print(f"No open report #{close}.", file=out)
            return EXIT_NOT_FOUND
        print(f"Report #{close} closed.", file=out)
        return EXIT_OK
    reports = await storage.reports()
    if as_json:
        rows = [
            {
                "id": r.id,
                "server": str(r.guild_id),
                "topic": r.topic,
                "text": r.text,
                "created": r.created.isoformat(),
                "contact": r.contact,
            }
            for r in reports
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    if not reports:
        print("No open reports.", file=out)
    for r in reports:  # members wrote the text and their names: no control characters raw
        contact = f" (contact: {printable(r.contact)})" if r.contact else ""
        print(
            f"#{r.id} {r.created:%Y-%m-%d} server {r.guild_id} [{printable(r.topic)}]{contact}",
            file=out,
        )
        print(f"    {printable(r.text)}", file=out)
    return EXIT_OK


async def _stats(storage: SqliteStorage, days: int, as_json: bool, out: TextIO) -> int:
    stats = await storage.stats(None, days)
    if as_json:
        data = {"days": stats.days, "topics": stats.topics, "unanswered": stats.unanswered}
        print(json.dumps(data, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    print(f"All servers, last {stats.days} days", file=out)
    print("Top topics:", file=out)
    for topic, count in stats.topics or [("(none yet)", 0)]:
        print(f"  {count:>6}  {printable(topic)}", file=out)
    print("Top unanswered questions:", file=out)
    for query, count in stats.unanswered or [("(none)", 0)]:
        print(f"  {count:>6}  {printable(query)}", file=out)
    return EXIT_OK


async def _run(args: argparse.Namespace, out: TextIO) -> int:
    settings = Settings.load(content_dir=args.content_dir)
    storage = SqliteStorage.in_data_dir(settings.data_dir)
    await storage.open(exclusive=False)  # works beside the running bot, which holds the lock
    try:
        if args.action == "reports":
            return await _reports(storage, args.close, args.json, out)
        return await _stats(storage, max(1, args.days), args.json, out)
    finally:
        await storage.close()


def backup(data_dir: Path, target: Path) -> Path:
    """Copy the database with SQLite's online backup (consistent while the bot writes)."""
    source = data_dir / DB_FILE_NAME
    if not source.is_file():
        raise StorageError(f"There is no database at {source} to back up (check BOT_DATA_DIR).")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            contextlib.closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
        target.chmod(0o600)
    except sqlite3.Error as error:
        raise StorageError(f"Could not back up {source} to {target}: {error}") from None
    return target


def run_curator_command(args: argparse.Namespace, out: TextIO) -> int:
    """Run `reports`, `stats` or `backup` against the database in BOT_DATA_DIR.

    SettingsError or StorageError when the settings or the database are not usable.
    """
    if args.action == "backup":
        copy = backup(Settings.load().data_dir, Path(args.target))
        print(f"Backed up to {copy}.", file=out)
        return EXIT_OK
    return asyncio.run(_run(args, out))
