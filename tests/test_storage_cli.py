"""The database from the command line: DATABASE_URL and BOT_AUTO_MIGRATE, `migrate`, `move-data`
from SQLite into PostgreSQL, `backup` with PostgreSQL, and curators' tools on either backend."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import psycopg
import pytest

from bot.server_settings import Visibility
from bot.settings import Settings, SettingsError
from bot.storage.factory import describe, storage_for
from bot.storage.migrations import LATEST_VERSION, POSTGRES_LATEST_VERSION
from bot.storage.postgres import PostgresStorage, redact_url
from bot.storage.sqlite import SqliteStorage
from tests.helpers import CliResult, run_cli
from tests.postgres_server import PostgresServer

Cli = Callable[..., CliResult]
TODAY = date.today()
PASSWORD = "s3cret-Pa55word"


# Settings


def test_database_url_is_read_and_never_shown() -> None:
    url = f"postgresql://bot:{PASSWORD}@db.example.org:5432/bot"
    settings = Settings.load(environ={"DATABASE_URL": f"  {url} "}, env_file=None)
    assert settings.database_url == url
    assert PASSWORD not in repr(settings)
    assert settings.auto_migrate is True
    assert Settings.load(environ={}, env_file=None).database_url is None
    legacy = Settings.load(environ={"DATABASE_URL": "postgres://db/bot"}, env_file=None)
    assert legacy.database_url == "postgres://db/bot"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://bot:pw@db/bot", "must start with postgresql:// or postgres://"),
        ("sqlite:///data/bot.sqlite3", "leave it unset to keep the SQLite file"),
        ("db.example.org/bot", "must start with postgresql://"),
        ("postgresql://bot:pw@db:port/bot", "port that is not a number"),
        ("postgresql://bot:pw@db/bot name", "space"),
    ],
)
def test_a_malformed_database_url_says_what_to_fix(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        Settings.load(environ={"DATABASE_URL": value}, env_file=None)
    assert "pw" not in str(caught.value)  # not even the value given


@pytest.mark.parametrize(
    ("value", "expected"), [("0", False), ("false", False), ("1", True), ("yes", True), ("", True)]
)
def test_bot_auto_migrate(value: str, expected: bool) -> None:
    settings = Settings.load(environ={"BOT_AUTO_MIGRATE": value}, env_file=None)
    assert settings.auto_migrate is expected


def test_bot_auto_migrate_must_be_a_flag() -> None:
    with pytest.raises(SettingsError, match="BOT_AUTO_MIGRATE must be 1 or 0"):
        Settings.load(environ={"BOT_AUTO_MIGRATE": "sometimes"}, env_file=None)


def test_the_factory_chooses_the_backend(tmp_path: Path) -> None:
    sqlite = storage_for(tmp_path, None)
    assert isinstance(sqlite, SqliteStorage) and sqlite.path == tmp_path / "bot.sqlite3"
    url = f"postgresql://bot:{PASSWORD}@db/bot"
    postgres = storage_for(tmp_path, url, auto_migrate=False)
    assert isinstance(postgres, PostgresStorage)
    assert describe(tmp_path, url) == "postgresql://bot@db/bot"
    assert describe(tmp_path, None) == str(tmp_path / "bot.sqlite3")


# migrate


def test_migrate_sqlite(cli: Cli, tmp_path: Path) -> None:
    env = {"BOT_DATA_DIR": str(tmp_path / "data")}
    first = cli("migrate", env=env)
    assert first.returncode == 0, first.stderr
    database = tmp_path / "data" / "bot.sqlite3"
    assert first.stdout == f"{database}: migrated from schema version 0 to {LATEST_VERSION}.\n"
    again = cli("migrate", env=env)
    assert again.stdout == f"{database}: schema version {LATEST_VERSION}, up to date.\n"


def test_migrate_postgres_then_the_bot_opens_without_auto_migrate(
    cli: Cli, postgres_server: PostgresServer
) -> None:
    url = postgres_server.create_database().replace("postgres@", f"postgres:{PASSWORD}@")
    env = {"DATABASE_URL": url, "BOT_AUTO_MIGRATE": "0"}
    refused = cli("stats", env=env)  # a tool opening it, as the bot would: refused
    assert refused.returncode == 2
    assert "Run `python -m bot migrate`" in refused.stderr and PASSWORD not in refused.stderr
    migrated = cli("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout == (
        f"{redact_url(url)}: migrated from schema version 0 to {POSTGRES_LATEST_VERSION}.\n"
    )
    assert PASSWORD not in migrated.stdout
    assert cli("stats", env=env).returncode == 0


def test_migrate_reports_an_unreachable_server(cli: Cli) -> None:
    result = cli("migrate", env={"DATABASE_URL": f"postgresql://bot:{PASSWORD}@127.0.0.1:1/bot"})
    assert result.returncode == 2 and result.stdout == ""
    assert "Cannot connect to the database at postgresql://bot@127.0.0.1:1/bot" in result.stderr
    assert PASSWORD not in result.stderr and "Traceback" not in result.stderr


# move-data


async def fill_sqlite(data_dir: Path) -> None:
    store = SqliteStorage.in_data_dir(data_dir)
    await store.open()
    await store.update_settings(1, focus="mg", visibility="public")
    await store.update_settings(2, emergency_text="Call 112.")
    first = await store.add_report(1, "ivig", "Unclear kidney wording", contact="carer (42)")
    await store.add_report(2, "mg", "Outdated date")
    await store.close_report(first.id)
    await store.add_report(2, "sps", "Missing source")
    for guild in (1, 2):
        await store.count(guild, TODAY, "sps")
    await store.count(1, TODAY, None, "lupus")
    await store.close()


def test_move_data_copies_everything_once(cli: Cli, tmp_path: Path, postgres_url: str) -> None:
    asyncio.run(fill_sqlite(tmp_path))
    env = {"BOT_DATA_DIR": str(tmp_path)}
    url = postgres_url.replace("postgres@", f"postgres:{PASSWORD}@")
    moved = cli("move-data", "--to", url, env=env)
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.splitlines() == [
        f"Copied {tmp_path / 'bot.sqlite3'} to {redact_url(url)}: 3 setting row(s), "
        "3 report(s), 3 question count row(s).",
        f"Set DATABASE_URL to that database to use it; {tmp_path / 'bot.sqlite3'} is left as "
        "it was.",
    ]
    assert PASSWORD not in moved.stdout

    async def check() -> None:
        sqlite, postgres = SqliteStorage.in_data_dir(tmp_path), PostgresStorage(postgres_url)
        await sqlite.open(exclusive=False)
        await postgres.open()
        try:
            for guild in (1, 2):
                assert postgres.settings(guild) == sqlite.settings(guild)
            assert postgres.settings(1).visibility is Visibility.PUBLIC
            for status in ("open", "closed"):
                assert await postgres.reports(status) == await sqlite.reports(status)
            assert await postgres.stats(None) == await sqlite.stats(None)
            new = await postgres.add_report(1, "mg", "after the move")  # ids go on from there
            assert new.id == 4
        finally:
            await sqlite.close()
            await postgres.close()

    asyncio.run(check())

    again = cli("move-data", "--to", url, env=env)
    assert again.returncode == 2 and again.stdout == ""
    assert "already holds the bot's data (3 setting row(s), 4 report(s)" in again.stderr
    assert "nothing was copied" in again.stderr and "--force" in again.stderr
    forced = cli("move-data", "--force", env={**env, "DATABASE_URL": url})  # --to defaults
    assert forced.returncode == 0, forced.stderr
    assert "Replaced what was there: 3 setting row(s), 4 report(s)" in forced.stdout
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT COUNT(*) FROM reports").fetchone() == (3,)


def test_move_data_refuses_while_the_bot_holds_the_folder(
    cli: Cli, tmp_path: Path, postgres_url: str
) -> None:
    asyncio.run(fill_sqlite(tmp_path))

    async def while_running() -> CliResult:
        bot = SqliteStorage.in_data_dir(tmp_path)
        await bot.open()  # exclusive, as `python -m bot run` opens it
        try:
            return await asyncio.to_thread(
                run_cli, "move-data", "--to", postgres_url, env={"BOT_DATA_DIR": str(tmp_path)}
            )
        finally:
            await bot.close()

    result = asyncio.run(while_running())
    assert result.returncode == 2
    assert "Stop the bot before moving its data" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ((), {}, "move-data: where to? Give --to postgresql://"),
        (("--to", "sqlite:///x"), {}, "--to must start with postgresql://"),
        (("--to", "postgresql://127.0.0.1:1/bot"), {"BOT_DATA_DIR": "empty"}, "no database at"),
    ],
)
def test_move_data_says_what_is_missing(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    env = {"BOT_DATA_DIR": str(tmp_path / "empty"), **env}
    result = cli("move-data", *args, env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr


# backup and curators' tools with PostgreSQL


def test_backup_with_postgres_explains_pg_dump(cli: Cli, tmp_path: Path) -> None:
    url = f"postgresql://bot:{PASSWORD}@db.example.org:5432/bot"
    result = cli("backup", str(tmp_path / "copy"), env={"DATABASE_URL": url})
    assert result.returncode == 2 and result.stdout == ""
    assert "The bot's data is in PostgreSQL (postgresql://bot@db.example.org:5432/bot)" in (
        result.stderr
    )
    assert "pg_dump --format=custom --file=FILE" in result.stderr and "pg_restore" in result.stderr
    assert "nothing was backed up" in result.stderr
    assert PASSWORD not in result.stderr
    assert not (tmp_path / "copy").exists()


def test_reports_and_stats_use_postgres_when_configured(cli: Cli, postgres_url: str) -> None:
    async def fill() -> None:
        store = PostgresStorage(postgres_url)
        await store.open()
        await store.add_report(7, "ivig", "Unclear")
        await store.count(7, TODAY, "sps")
        await store.close()

    asyncio.run(fill())
    env = {"DATABASE_URL": postgres_url}
    listed = cli("reports", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    [report] = json.loads(listed.stdout)
    assert (report["server"], report["topic"]) == ("7", "ivig")
    assert cli("reports", "--close", str(report["id"]), env=env).returncode == 0
    stats = json.loads(cli("stats", "--json", env=env).stdout)
    assert stats["topics"] == [["sps", 1]]
