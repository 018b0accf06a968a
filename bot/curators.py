"""`python -m bot reports`, `stats`, `backup`, `migrate` and `move-data`: curators' and operators'.

They use the configured database (bot.storage.factory: PostgreSQL with DATABASE_URL, else the
SQLite file in BOT_DATA_DIR). Errors (SettingsError, StorageError) are raised for bot.cli.main
to print with their exit code.
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
from bot.settings import Settings, SettingsError, check_database_url
from bot.storage.base import Storage, StorageError, StorageInUse
from bot.storage.factory import describe, migrate_database, postgres_storage, storage_from_settings
from bot.storage.sqlite import DB_FILE_NAME, SqliteStorage
from bot.terminal_text import printable


async def _reports(storage: Storage, close: int | None, as_json: bool, out: TextIO) -> int:
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


async def _stats(storage: Storage, days: int, as_json: bool, out: TextIO) -> int:
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
    storage = storage_from_settings(settings)
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


class NotAFile(StorageError):
    """`backup` with PostgreSQL: there is no file to copy; pg_dump is the way."""


def postgres_backup_message(database_url: str) -> str:
    """What `backup` says with DATABASE_URL set: how to back PostgreSQL up (never the password)."""
    where = describe(Path(), database_url)
    return (
        f"The bot's data is in PostgreSQL ({where}), not in a file: `python -m bot backup` "
        "copies the SQLite file only, so nothing was backed up. Back PostgreSQL up with its own "
        f"tool, also while the bot runs: pg_dump --format=custom --file=FILE '{where}' (give "
        "the password with PGPASSWORD or ~/.pgpass); restore with "
        f"pg_restore --clean --if-exists --dbname='{where}' FILE."
    )


async def _migrate(settings: Settings, out: TextIO) -> int:
    where, before, after = await migrate_database(settings.data_dir, settings.database_url)
    if before < after:
        print(f"{where}: migrated from schema version {before} to {after}.", file=out)
    else:
        print(f"{where}: schema version {after}, up to date.", file=out)
    return EXIT_OK


async def _move_data(settings: Settings, target: str | None, force: bool, out: TextIO) -> int:
    url = check_database_url(target or "", "--to") or settings.database_url
    if not url:
        raise SettingsError(
            "move-data: where to? Give --to postgresql://USER:PASSWORD@HOST:5432/DATABASE "
            "(or set DATABASE_URL)."
        )
    source = SqliteStorage.in_data_dir(settings.data_dir)
    if not source.path.is_file():
        raise StorageError(f"There is no database at {source.path} to move (check BOT_DATA_DIR).")
    try:
        await source.open()  # exclusive: rows written after the copy would be lost
    except StorageInUse as error:
        raise StorageInUse(f"Stop the bot before moving its data. {error}") from None
    try:
        dump = await source.export_data()
    finally:
        await source.close()
    destination = postgres_storage(url)
    await destination.open(exclusive=False)
    try:
        before = await destination.import_data(dump, replace=force)
    finally:
        await destination.close()
    print(
        f"Copied {source.path} to {destination.where}: {len(dump.settings)} setting row(s), "
        f"{len(dump.reports)} report(s), {len(dump.counts)} question count row(s).",
        file=out,
    )
    if any(before.values()):
        print(
            f"Replaced what was there: {before['guild_setting']} setting row(s), "
            f"{before['reports']} report(s), {before['question_counts']} question count row(s).",
            file=out,
        )
    print(
        f"Set DATABASE_URL to that database to use it; {source.path} is left as it was.",
        file=out,
    )
    return EXIT_OK


def run_curator_command(args: argparse.Namespace, out: TextIO) -> int:
    """Run `reports`, `stats`, `backup`, `migrate` or `move-data` on the configured database.

    SettingsError or StorageError when the settings or the database are not usable.
    """
    if args.action == "backup":
        settings = Settings.load()
        if settings.database_url:
            raise NotAFile(postgres_backup_message(settings.database_url))
        copy = backup(settings.data_dir, Path(args.target))
        print(f"Backed up to {copy}.", file=out)
        return EXIT_OK
    if args.action == "migrate":
        return asyncio.run(_migrate(Settings.load(), out))
    if args.action == "move-data":
        return asyncio.run(_move_data(Settings.load(), args.to, args.force, out))
    return asyncio.run(_run(args, out))
