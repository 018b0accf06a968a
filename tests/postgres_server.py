"""A real, throwaway PostgreSQL server for the tests (and the storage benchmark).

`initdb` into a fresh temporary folder, then `pg_ctl start` on 127.0.0.1 with a free port; the
folder goes when the server stops. initdb and postgres refuse to run as root, so as root they
run as the `postgres` system user (`runuser -u postgres --`), which owns the folder.

Binaries are looked for on PATH, then in /usr/lib/postgresql/*/bin. A missing server is a
failure, not a skip: `.ci/run` installs PostgreSQL on a machine that lacks it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

SERVICE_USER = "postgres"
"""Who runs initdb and the server when the tests run as root."""

FAST_AND_UNSAFE = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=300 -c shared_buffers=32MB"
)
"""Server options for a throwaway server: no durability, several test processes at once."""


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries, or the server would not start: the message says what to do."""


def find_bin_dir() -> Path:
    """The folder holding initdb, pg_ctl and postgres."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    raise PostgresUnavailable(
        "PostgreSQL's initdb and pg_ctl were not found (on PATH or in /usr/lib/postgresql/*/"
        "bin); the storage tests need a real server. Install it: apt-get install postgresql "
        "(.ci/run does this in CI)."
    )


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One PostgreSQL server in a temporary folder; `url(name)` gives a database's URL."""

    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="bot-postgres-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._databases = 0
        self._free: list[str] = []
        if self.as_root:
            shutil.chown(self.root, SERVICE_USER)

    def _command(self, name: str, *args: str) -> list[str]:
        command = [str(self.bin_dir / name), *args]
        return ["runuser", "-u", SERVICE_USER, "--", *command] if self.as_root else command

    def _run(self, name: str, *args: str) -> None:
        result = subprocess.run(
            self._command(name, *args), capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{name} failed ({result.returncode}): {result.stderr.strip()}\n{log}"
            )

    def init(self) -> None:
        """Create the cluster: trust authentication on 127.0.0.1 only, UTF-8, no locale."""
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "--auth=trust",
            f"--username={SERVICE_USER}",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )

    def start(self) -> None:
        """Start (or start again, on the same port) and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {FAST_AND_UNSAFE}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop now: every client's connection ends (as in a server restart)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop if running, and delete the folder."""
        with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        """The URL of a database on this server (any password works: trust authentication)."""
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{SERVICE_USER}{secret}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """An empty database (new, or one a finished test gave back); returns its URL."""
        if self._free:
            return self._free.pop()
        self._databases += 1
        name = f"test_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def give_back(self, url: str) -> None:
        """Empty a test's database for the next test (20 times faster than a new one).

        Its connections are ended and its schema dropped and made again; a database that cannot
        be emptied is left as it is (a new one is made instead).
        """
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
                connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                connection.execute("SET lock_timeout = '2s'")
                connection.execute("DROP SCHEMA public CASCADE")
                connection.execute("CREATE SCHEMA public")
        except psycopg.Error:
            return
        self._free.append(url)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A started throwaway server, stopped and deleted afterwards."""
    server = PostgresServer()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()
