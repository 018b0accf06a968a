"""Shared fixtures: the bundled catalogue, and a small valid content tree to break on purpose."""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content_dir import BUNDLED_CONTENT
from bot.core.answers import AnswerService
from bot.core.catalog import Catalog
from bot.core.loader import load_catalog
from bot.discord_app.client import SupportBot, build_bot
from bot.settings import Settings
from bot.storage.sqlite import SqliteStorage
from tests.discord_standin import DiscordStandIn, running_bot, serving_standin

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
    support_bot = build_bot(settings, storage, guild_ready_timeout=0.1)
    async with running_bot(support_bot, standin) as running:
        await running.tree.sync()
        yield running
