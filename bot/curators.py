"""`python -m bot reports` and `python -m bot stats`: what curators need, across servers."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import TextIO

from bot.settings import Settings, SettingsError
from bot.storage.base import StorageError
from bot.storage.sqlite import SqliteStorage


async def _reports(storage: SqliteStorage, close: int | None, as_json: bool, out: TextIO) -> int:
    if close is not None:
        if not await storage.close_report(close):
            print(f"No open report #{close}.", file=out)
            return 1
        print(f"Report #{close} closed.", file=out)
        return 0
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
        return 0
    if not reports:
        print("No open reports.", file=out)
    for r in reports:
        contact = f" (contact: {r.contact})" if r.contact else ""
        print(f"#{r.id} {r.created:%Y-%m-%d} server {r.guild_id} [{r.topic}]{contact}", file=out)
        print(f"    {r.text}", file=out)
    return 0


async def _stats(storage: SqliteStorage, days: int, as_json: bool, out: TextIO) -> int:
    stats = await storage.stats(None, days)
    if as_json:
        data = {"days": stats.days, "topics": stats.topics, "unanswered": stats.unanswered}
        print(json.dumps(data, ensure_ascii=False, indent=2), file=out)
        return 0
    print(f"All servers, last {stats.days} days", file=out)
    print("Top topics:", file=out)
    for topic, count in stats.topics or [("(none yet)", 0)]:
        print(f"  {count:>6}  {topic}", file=out)
    print("Top unanswered questions:", file=out)
    for query, count in stats.unanswered or [("(none)", 0)]:
        print(f"  {count:>6}  {query}", file=out)
    return 0


async def _run(args: argparse.Namespace, out: TextIO) -> int:
    settings = Settings.load(content_dir=args.content_dir)
    storage = SqliteStorage.in_data_dir(settings.data_dir)
    await storage.open()
    try:
        if args.action == "reports":
            return await _reports(storage, args.close, args.json, out)
        return await _stats(storage, max(1, args.days), args.json, out)
    finally:
        await storage.close()


def run_curator_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `reports` or `stats` against the database in BOT_DATA_DIR."""
    try:
        return asyncio.run(_run(args, out))
    except (SettingsError, StorageError) as error:
        print(error, file=err)
        return 2
