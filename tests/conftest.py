"""Shared fixtures: the bundled catalogue, and a small valid content tree to break on purpose."""

from __future__ import annotations

import io
import os
import shutil
import sys
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

import bot.cli
import bot.core.catalog_cache
from bot.content_dir import BUNDLED_CONTENT
from bot.core.answers import AnswerService
from bot.core.catalog import Catalog
from bot.core.loader import load_catalog
from bot.discord_app.client import SupportBot, build_bot
from bot.settings import Settings
from bot.storage.sqlite import SqliteStorage
from tests.discord_standin import DiscordStandIn, running_bot, serving_standin
from tests.helpers import CliResult, call_cli
from tests.postgres_server import PostgresServer, running_postgres
from tests.storage_backends import BACKENDS, Backend

CORE = Path(bot.core.catalog_cache.__file__).parent
PURE_PYTHON = bool(os.environ.get("BOT_PURE_PYTHON"))
"""Whether this run built the core as plain Python (read before any test empties BOT_*)."""


def stale_compiled_modules(core: Path = CORE) -> list[str]:
    """Core modules edited since `make` compiled them in place (the compiled copy is imported)."""
    return sorted(
        source.name
        for compiled in core.glob("*.so")
        for source in (core / f"{compiled.name.split('.')[0]}.py",)
        if source.exists() and source.stat().st_mtime > compiled.stat().st_mtime
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test stale compiled modules: they, not the edited sources, would be tested."""
    stale = stale_compiled_modules()
    if stale:
        pytest.exit(
            f"bot/core: {', '.join(stale)} changed since compiled; `make test` rebuilds "
            "(or BOT_PURE_PYTHON=1 make test, to test them as plain Python)",
            returncode=2,
        )


SOURCES = """\
- id: SRC-ONE
  kind: patient-organisation
  citation: Example Org. A first source. 2024
  url: https://example.org/one
- id: SRC-TWO
  kind: journal
  citation: Doe J et al. A second source. J Example 2020
  doi: 10.1234/example.2
"""

CONDITION = """\
id: cond
kind: condition
title: Example condition
aliases: [example condition, excon]
warning_signs:
  - id: breathing-crisis
    level: emergency
    means: Trouble breathing can be a crisis of this condition.
    do: Call your local emergency number now.
    sources: [SRC-ONE]
    phrases: [(cant|cannot) breath*]
snippets:
  treatment:
    text: Condition treatment text.
    disclaimer: general
    sources: [SRC-ONE]
    reviewed: 2026-01-02
  resistance:
    text: Condition resistance text.
    disclaimer: general
    sources: [SRC-TWO]
    reviewed: 2026-01-02
"""

TREATMENT = """\
id: drug
kind: treatment
title: Example drug
used_for: [cond]
aliases: [exampledrug, brandname]
warning_signs:
  - id: yellow-eyes
    level: urgent
    means: Yellow eyes on this drug can mean liver trouble.
    do: Get medical care today.
    sources: [SRC-TWO]
    phrases: [yellow ... (eyes|skin)]
    with_any: [drug]
snippets:
  treatment:
    text: Drug treatment text.
    disclaimer: medicine
    sources: [SRC-ONE, SRC-TWO]
    reviewed: 2026-01-02
  sideeffects:
    text: Drug side effects text.
    disclaimer: medicine
    sources: [SRC-TWO]
    reviewed: 2026-01-02
"""


def write_content(root: Path, topics: dict[str, str] | None = None) -> Path:
    """Write a valid content tree (or with `topics` replacing/adding topic files) under root."""
    (root / "topics").mkdir(parents=True, exist_ok=True)
    (root / "disclaimers.yaml").write_text(
        (BUNDLED_CONTENT / "disclaimers.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (root / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    files = {"cond": CONDITION, "drug": TREATMENT}
    files.update(topics or {})
    for name, text in files.items():
        path = root / "topics" / f"{name}.yaml"
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A small, valid content folder."""
    return write_content(tmp_path / "content")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The bundled content, loaded once."""
    return load_catalog(BUNDLED_CONTENT)


@pytest.fixture(scope="session")
def service(catalog: Catalog) -> AnswerService:
    """The core service over the bundled content."""
    return AnswerService(catalog)


@pytest.fixture
def python() -> str:
    """The interpreter running the tests (the project's venv)."""
    return sys.executable


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    """A local Discord stand-in with discord.py pointed at it (test modules may override)."""
    async with serving_standin() as server:
        yield server


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A copy of the bundled content that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, target)
    return target


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    """A real SQLite storage in a temporary data folder, open for the test."""
    store = SqliteStorage(tmp_path / "data" / "bot.sqlite3")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def bot_with_storage(
    standin: DiscordStandIn, storage: SqliteStorage, content_copy: Path
) -> AsyncIterator[SupportBot]:
    """The real bot with real storage and an editable content copy, running and synced."""
    settings = Settings(
        token="stand-in-token",
        content_dir=content_copy,
        api_base=standin.api_base,
        gateway_url=standin.gateway_url,
    )
    # counts are written every 0.1 s here (5 s in production), so tests see them soon
    support_bot = build_bot(settings, storage, guild_ready_timeout=0.1, count_every=0.1)
    async with running_bot(support_bot, standin) as running:
        await running.tree.sync()
        yield running


# A small catalogue of made-up topics, for matcher tests that no content edit can break


def condition_yaml(topic_id: str, title: str, aliases: list[str]) -> str:
    """A valid condition topic file with both of a condition's snippets."""
    return (
        f"id: {topic_id}\nkind: condition\ntitle: {title}\naliases: [{', '.join(aliases)}]\n"
        "snippets:\n"
        f"  treatment:\n    text: {title} treatment text.\n    disclaimer: general\n"
        "    sources: [SRC-ONE]\n    reviewed: 2026-01-02\n"
        f"  resistance:\n    text: {title} resistance text.\n    disclaimer: general\n"
        "    sources: [SRC-TWO]\n    reviewed: 2026-01-02\n"
    )


def treatment_yaml(topic_id: str, title: str, used_for: list[str], aliases: list[str]) -> str:
    """A valid treatment topic file with both of a treatment's snippets."""
    return (
        f"id: {topic_id}\nkind: treatment\ntitle: {title}\nused_for: [{', '.join(used_for)}]\n"
        f"aliases: [{', '.join(aliases)}]\n"
        "snippets:\n"
        f"  treatment:\n    text: {title} treatment text.\n    disclaimer: medicine\n"
        "    sources: [SRC-ONE]\n    reviewed: 2026-01-02\n"
        f"  sideeffects:\n    text: {title} side effects text.\n    disclaimer: medicine\n"
        "    sources: [SRC-TWO]\n    reviewed: 2026-01-02\n"
    )


SMALL_TOPICS: dict[str, str | None] = {
    "cond": None,  # replaces the two example topics of write_content
    "drug": None,
    "gx": condition_yaml(
        "gx", "Glimmer syndrome (GX)", ["gx", "glimmer syndrome", "glimmer disease"]
    ),
    "tm": condition_yaml("tm", "Torvald myopathy (TM)", ["tm", "torvald myopathy"]),
    "zentoril": treatment_yaml("zentoril", "Zentoril", ["gx"], ["zentorex", "zen-tab"]),
    "mabicept": treatment_yaml("mabicept", "Mabicept", ["gx", "tm"], ["calvira", "calvira xr"]),
    "plexolane": treatment_yaml("plexolane", "Plexolane", ["tm"], ["pyrolane"]),
    "plexolate": treatment_yaml("plexolate", "Plexolate", ["gx"], ["plexolate"]),
    "ivex": treatment_yaml("ivex", "Infused vexamab (IVEX)", ["gx", "tm"], ["ivex", "vexamab"]),
}
"""Two conditions with two-letter abbreviations (gx, tm); treatments with brand names
(Zentorex, Zen-Tab, Calvira XR), a four-letter abbreviation (IVEX), and two names one letter
apart (Plexolane for TM, Plexolate for GX)."""

SMALL_OUT_OF_SCOPE = """\
- name: Shimmer syndrome
  aliases: [shimmer syndrome, baby glimmer]
  note: Shimmer syndrome is a different condition from glimmer syndrome; not covered here.
  sources: [SRC-ONE]
"""

SMALL_CAUTIONS = """\
- name: Korvacillin antibiotics
  aliases: [korvacillin, korvax]
  note: Not a treatment this bot covers, and one that can make TM worse.
  sources: [SRC-TWO]
"""


def write_small_catalogue(root: Path) -> Path:
    """The small catalogue's content folder (topics, a look-alike note, a caution) under root."""
    write_content(root, SMALL_TOPICS)
    (root / "out_of_scope.yaml").write_text(SMALL_OUT_OF_SCOPE, encoding="utf-8")
    (root / "mg_cautions.yaml").write_text(SMALL_CAUTIONS, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def small_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The small made-up catalogue (SMALL_TOPICS), loaded once."""
    return load_catalog(write_small_catalogue(tmp_path_factory.mktemp("small") / "content"))


@pytest.fixture(scope="session")
def small_service(small_catalog: Catalog) -> AnswerService:
    """The core service over the small made-up catalogue."""
    return AnswerService(small_catalog)


# The command line in this process


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, catalog: Catalog
) -> Callable[..., CliResult]:
    """`python -m bot ARGS` as `main(argv, out, err)` in this process, in a clean environment.

    No DISCORD_*, BOT_* or SHARD_* variable and no .env of the developer's is seen (the working
    directory is an empty folder); `env` and `stdin` apply to one call only. The bundled content
    is the session's `catalog`, loaded once; any other folder is loaded at each call.
    """
    for name in list(os.environ):
        if name.startswith(("DISCORD_", "BOT_", "SHARD_")):
            monkeypatch.delenv(name)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    load_folder = bot.core.catalog_cache.cached_catalog

    def load(content_dir: Path, directory: Path | None = None) -> Catalog:
        if Path(content_dir) == BUNDLED_CONTENT:
            return catalog
        return load_folder(content_dir, directory)

    monkeypatch.setattr(bot.core.catalog_cache, "cached_catalog", load)

    def call(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> CliResult:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            if stdin is not None:
                patch.setattr(sys, "stdin", io.StringIO(stdin))
            return call_cli(*args)

    return call


# Storage backends: SQLite and a real, throwaway PostgreSQL server (tests/postgres_server.py)


@pytest.fixture(autouse=True)
def _no_developer_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test (nor a process it starts) uses a DATABASE_URL of the developer's environment."""
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session, started on first use; a missing one fails."""
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of an empty database on the session's server, emptied again afterwards."""
    url = postgres_server.create_database()
    yield url
    postgres_server.give_back(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each storage backend in turn: an SQLite file in tmp_path, an empty PostgreSQL database."""
    if request.param == "sqlite":
        yield Backend("sqlite", tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    chosen = Backend("postgres", tmp_path, server)
    yield chosen
    server.give_back(chosen.url)


@pytest.fixture(autouse=True, scope="session")
def _private_catalogue_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compiled catalogues (bot/core/catalog_cache.py) go to a folder of this test session,
    for this process and every `python -m bot` it starts, never the developer's ~/.cache."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous
