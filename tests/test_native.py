"""The compiled core: `make` builds the modules setup.py lists, and nothing stale is tested."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from tests.conftest import CORE, PURE_PYTHON, stale_compiled_modules

ROOT = Path(__file__).resolve().parent.parent


def compiled_sources() -> list[str]:
    """The COMPILED list of setup.py ('bot/core/matcher.py', ...), read without running it."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMPILED":
            return list(ast.literal_eval(node.value))
    raise AssertionError("setup.py has no COMPILED list")


def test_the_suite_runs_the_modules_as_built() -> None:
    """Compiled by `make test`; plain Python with BOT_PURE_PYTHON=1 (the fallback is tested)."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    sources = compiled_sources()
    assert "bot/core/matcher.py" in sources
    for source in sources:
        module = importlib.import_module(source.removesuffix(".py").replace("/", "."))
        loaded = str(module.__file__)
        if PURE_PYTHON:
            assert loaded.endswith(".py"), loaded
        else:
            assert loaded.endswith(suffix), f"{source} is not compiled: run `make test`"


def test_a_module_edited_after_compiling_is_reported_stale(tmp_path: Path) -> None:
    core = tmp_path / "core"
    core.mkdir()
    for name in ("matcher", "typos"):
        (core / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
        (core / f"{name}.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    assert stale_compiled_modules(core) == []
    later = time.time() + 5
    os.utime(core / "typos.py", (later, later))
    assert stale_compiled_modules(core) == ["typos.py"]
    assert stale_compiled_modules(CORE) == []  # this checkout: `make` rebuilt what changed


def test_a_build_without_a_c_compiler_says_what_to_do(tmp_path: Path) -> None:
    env = {**os.environ, "CC": str(tmp_path / "no-such-cc")}
    env.pop("BOT_PURE_PYTHON", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "setup.py"), "--version"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "no C compiler found" in done.stderr and "BOT_PURE_PYTHON=1" in done.stderr
    assert "Traceback" not in done.stderr
