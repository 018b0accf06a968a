"""The layers stay apart: `bot.core` (content, matching, answers) never needs Discord or storage.

The core is what the console, the command line, the exporter and the tests use without a
network, a token or a database; importing discord.py (and aiohttp) there would make every one of
them pay for it, and let Discord types leak into the answers.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "bot" / "core"

FORBIDDEN = ("discord", "aiohttp", "bot.discord_app", "bot.storage")
"""Modules (and their submodules) that nothing in bot.core may import."""

_IMPORT_EVERY_CORE_MODULE = """
import json, pkgutil, importlib, sys
import bot.core
names = [m.name for m in pkgutil.walk_packages(bot.core.__path__, "bot.core.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def _forbidden(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in FORBIDDEN)


def imported_modules(source: str, package: str) -> set[str]:
    """Every module an `import` or `from ... import` in `source` names, also names that may be
    submodules (`from bot import storage` gives bot.storage) and relative imports resolved
    against `package`; imports under `if TYPE_CHECKING:` or inside functions count too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_importing_every_core_module_loads_no_discord_aiohttp_or_storage() -> None:
    result = subprocess.run(  # a fresh interpreter: this one has discord.py loaded already
        [sys.executable, "-c", _IMPORT_EVERY_CORE_MODULE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    files = {path.stem for path in CORE.glob("*.py")} - {"__init__"}
    assert {name.removeprefix("bot.core.") for name in report["imported"]} >= files
    assert [name for name in report["loaded"] if _forbidden(name)] == []


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_no_core_file_imports_discord_aiohttp_or_storage(path: Path) -> None:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    imports = imported_modules(path.read_text(encoding="utf-8"), package)
    assert sorted(name for name in imports if _forbidden(name)) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import discord", "discord"),
        ("import discord.ui as ui", "discord.ui"),
        ("from discord.ext import commands", "discord.ext"),
        ("import aiohttp", "aiohttp"),
        ("from bot.storage.sqlite import SqliteStorage", "bot.storage.sqlite"),
        ("from bot import storage", "bot.storage"),
        ("from bot.discord_app import client", "bot.discord_app"),
        ("from ..discord_app.embeds import x", "bot.discord_app.embeds"),
        ("from .. import storage", "bot.storage"),
        ("if TYPE_CHECKING:\n    import discord", "discord"),
        ("def later():\n    import discord", "discord"),
    ],
)
def test_the_scan_sees_every_way_of_importing(source: str, found: str) -> None:
    imports = imported_modules(source, "bot.core")
    assert found in imports and _forbidden(found)


def test_the_scan_lets_the_core_import_its_own_modules() -> None:
    source = "from bot.core.catalog import Catalog\nfrom .matcher import Matcher\nimport yaml"
    assert not any(_forbidden(name) for name in imported_modules(source, "bot.core"))
