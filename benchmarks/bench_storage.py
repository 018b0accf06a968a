"""Storage operations per second, SQLite and PostgreSQL, under the bot's pattern.

    .venv/bin/python benchmarks/bench_storage.py [--seconds 2] [--concurrency 8]
                                                 [--database-url postgresql://...]

The bot counts every answer (`count`, from many interactions at once; or its count buffer's
`add_counts` every few seconds), reads a server's settings on every answer (`settings`, from
memory) and writes settings rarely (`/settings`). For each backend (SQLite in a temporary
folder; PostgreSQL at --database-url or DATABASE_URL, else a throwaway local server started as
the tests start it, tests/postgres_server.py), each operation runs for --seconds with
--concurrency tasks at once, and the figures printed are operations per second. For
PostgreSQL, also how long a settings change takes to reach a second process's memory
(LISTEN/NOTIFY), median and max.

The throwaway server runs with fsync off (as in the tests), so its write figures are an upper
bound; a real server's disk sets the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.storage.base import CountKey, Storage  # noqa: E402
from bot.storage.postgres import PostgresStorage, redact_url  # noqa: E402
from bot.storage.sqlite import SqliteStorage  # noqa: E402

TODAY = date.today()
TOPICS = ["sps", "ivig", "mg", "valium", "baclofen", "rituximab", "ae", "mestinon"]
GUILDS = [111111111111111111 + n for n in range(20)]


async def rate(
    operation: Callable[[int], Awaitable[object]], seconds: float, concurrency: int
) -> float:
    """Operations per second: `concurrency` tasks calling operation(i) until time is up."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal done
        i = offset
        while time.perf_counter() < deadline:
            await operation(i)
            done += 1
            i += concurrency

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return done / (time.perf_counter() - started)


def reads_per_second(storage: Storage, seconds: float) -> float:
    """settings() as every answer calls it: from memory, no I/O."""
    reads = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for guild in GUILDS:
            storage.settings(guild)
        reads += len(GUILDS)
    return reads / (time.perf_counter() - started)


async def measure(storage: Storage, seconds: float, concurrency: int) -> dict[str, float]:
    """Every figure for one open storage."""
    for guild in GUILDS[::2]:
        await storage.update_settings(guild, focus="mg", visibility="public")

    async def count(i: int) -> None:
        await storage.count(GUILDS[i % len(GUILDS)], TODAY, TOPICS[i % len(TOPICS)])

    async def batch(i: int) -> None:
        await storage.add_counts(
            {
                CountKey(GUILDS[(i + n) % len(GUILDS)], TODAY, "topic", TOPICS[n % len(TOPICS)]): 1
                + n % 3
                for n in range(100)
            }
        )

    async def write(i: int) -> None:
        guild = GUILDS[i % len(GUILDS)]
        await storage.update_settings(guild, emergency_text=f"Call 112 ({i}).")

    return {
        "count()": await rate(count, seconds, concurrency),
        "add_counts() of 100 keys": await rate(batch, seconds, concurrency),
        "settings() read": reads_per_second(storage, seconds),
        "update_settings()": await rate(write, seconds, 1),
    }


async def propagation(url: str, rounds: int = 50) -> list[float]:
    """Milliseconds from update_settings() returning in one process to another's memory."""
    writer, reader = PostgresStorage(url), PostgresStorage(url)
    await writer.open()
    await reader.open()
    delays: list[float] = []
    try:
        for n in range(rounds):
            text = f"Propagation {n}."
            await writer.update_settings(GUILDS[0], emergency_text=text)
            started = time.perf_counter()
            while reader.settings(GUILDS[0]).emergency_text != text:
                await asyncio.sleep(0.0002)
            delays.append((time.perf_counter() - started) * 1000)
    finally:
        await writer.close()
        await reader.close()
    return delays


@contextlib.contextmanager
def postgres_url(given: str | None) -> Iterator[str]:
    """The server to measure: the one given, or a throwaway one (as the tests start)."""
    if given:
        yield given
        return
    from tests.postgres_server import running_postgres

    with running_postgres() as server:
        yield server.create_database()


async def main(arguments: argparse.Namespace) -> None:
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteStorage.in_data_dir(Path(folder))
        await sqlite.open()
        try:
            rows["SQLite"] = await measure(sqlite, arguments.seconds, arguments.concurrency)
        finally:
            await sqlite.close()
    with postgres_url(arguments.database_url or os.environ.get("DATABASE_URL")) as url:
        print(f"PostgreSQL: {redact_url(url)}")
        postgres = PostgresStorage(url)
        await postgres.open()
        try:
            rows["PostgreSQL"] = await measure(postgres, arguments.seconds, arguments.concurrency)
        finally:
            await postgres.close()
        delays = await propagation(url)

    names = list(next(iter(rows.values())))
    print(f"\nOperations per second ({arguments.concurrency} tasks at once; writes: 1)")
    print(f"| operation | {' | '.join(rows)} |")
    print(f"| --- | {' | '.join('---:' for _ in rows)} |")
    for name in names:
        print(f"| {name} | {' | '.join(f'{rows[b][name]:,.0f}' for b in rows)} |")
    print(
        f"\nPostgreSQL settings change to another process's memory: median "
        f"{statistics.median(delays):.2f} ms, max {max(delays):.2f} ms ({len(delays)} changes)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per operation (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="tasks at once (default 8)")
    parser.add_argument("--database-url", help="PostgreSQL to measure (default: a throwaway one)")
    asyncio.run(main(parser.parse_args()))
