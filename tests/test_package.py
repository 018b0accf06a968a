"""The installable package: built as pip builds it, installed in a fresh venv, run elsewhere.

The module builds once (about 10 s, see `built`): the [build-system] requirements go into a
build venv, which makes the sdist and the wheel from a clean copy of the checkout (no stale
`build/` or egg-info); the wheel, with its declared dependencies, goes into a fresh venv that
cannot see this checkout or this venv, and the bot is run from an empty folder with no BOT_*
variable. Needs the package index pip uses (as `make test` does to install the test extras).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.content_dir import BUNDLED_CONTENT, CHECKOUT_CONTENT, resolve_content_dir
from tests.conftest import PURE_PYTHON
from tests.helpers import CliResult

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
BIN = "Scripts" if os.name == "nt" else "bin"
# what never goes into a build: local state, caches, earlier builds
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "data", "*.egg-info", "__pycache__", "*.pyc", ".*cache",
    ".hypothesis", ".env", "*.so",
)  # fmt: skip


def content_files() -> set[str]:
    """Every file of the curators' content/, relative to it ('topics/sps.yaml', ...)."""
    return {
        path.relative_to(CHECKOUT_CONTENT).as_posix()
        for path in CHECKOUT_CONTENT.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def module_files() -> set[str]:
    """Every module of the bot package, relative to the checkout ('bot/cli.py', ...)."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "bot").rglob("*.py")
        if "__pycache__" not in path.parts
    }


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a build step; fail the test with its output if it fails."""
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def pip(*args: str | Path, python: Path, cwd: Path) -> str:
    """This venv's pip acting on another interpreter (pip --python), which needs no pip."""
    return run(sys.executable, "-m", "pip", "--python", python, *args, "--quiet", cwd=cwd)


def outside_env() -> dict[str, str]:
    """The environment of a stranger's shell: no bot settings, nothing pointing at this checkout."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BOT_", "DISCORD_", "SHARD_", "DATABASE_", "PYTHON", "VIRTUAL_ENV"))
    }


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    venv: Path
    elsewhere: Path

    def module_file(self, module: str) -> str:
        """Where the installed bot imports `module` from, run from the empty folder."""
        return subprocess.run(
            [self.venv / BIN / "python", "-c", f"import {module} as m; print(m.__file__)"],
            cwd=self.elsewhere,
            env=outside_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def bot(
        self, *args: str, program: str = "python", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the installed bot from the empty folder: `python -m bot ...` or a script."""
        command = [str(self.venv / BIN / program)]
        if program == "python":
            command += ["-m", "bot"]
        return subprocess.run(
            [*command, *args],
            cwd=self.elsewhere,
            env={**outside_env(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=60,
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build the sdist and the wheel, install the wheel in a fresh venv: once per module."""
    tmp = tmp_path_factory.mktemp("package")
    source, dist = tmp / "source", tmp / "dist"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    # the build venv holds exactly the [build-system] requirements, as pip's isolated build does
    build_env = tmp / "build-env"
    run(sys.executable, "-m", "venv", "--without-pip", build_env, cwd=tmp)
    build_python = build_env / BIN / "python"
    pip("install", *PYPROJECT["build-system"]["requires"], python=build_python, cwd=tmp)
    backend = PYPROJECT["build-system"]["build-backend"]
    run(
        build_python,
        "-c",
        f"import sys, {backend} as b; b.build_sdist(sys.argv[1])",
        dist,
        cwd=source,
    )
    # `pip wheel . --no-deps`: the wheel `pip install .` (or a Git URL) would build and install
    wheel_args = ("wheel", ".", "--no-deps", "--no-build-isolation", "-w", dist)
    pip(*wheel_args, python=build_python, cwd=source)
    # a fresh venv: no --system-site-packages, so no `bot` but the wheel's can be imported
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    pip("install", wheel, python=venv / BIN / "python", cwd=tmp)
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return Built(sdist, wheel, venv, elsewhere)


# What the packages ship


def test_every_package_is_listed_in_pyproject() -> None:
    """[tool.setuptools] packages is a list (content/ maps to bot.content): none may be missed."""
    on_disk = {
        path.parent.relative_to(ROOT).as_posix().replace("/", ".")
        for path in (ROOT / "bot").rglob("__init__.py")
    }
    content = {"bot.content"} | {
        f"bot.content.{p.name}" for p in CHECKOUT_CONTENT.iterdir() if p.is_dir()
    }
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]) == on_disk | content
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"bot.content": "content"}


def test_console_script_is_the_cli_entry_point() -> None:
    assert PYPROJECT["project"]["scripts"] == {"rare-neuro-bot": "bot.cli:run"}


def test_the_wheel_holds_every_module_and_all_the_content(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = wheel.read(entry_points).decode()
    assert {f"bot/content/{name}" for name in content_files()} <= names
    assert {"bot/content/topics/sps.yaml", "bot/content/schema/topic.schema.json"} <= names
    assert module_files() <= names
    assert not any(name.startswith("content/") for name in names)  # no top-level `content`
    assert "rare-neuro-bot = bot.cli:run" in scripts


def test_the_sdist_holds_every_module_and_all_the_content(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        members = sdist.getmembers()
    top = members[0].name.split("/")[0]
    names = {m.name.removeprefix(f"{top}/") for m in members if m.isfile()}
    assert "content/topics/sps.yaml" in names
    assert {f"content/{name}" for name in content_files()} <= names
    assert module_files() <= names
    assert {"pyproject.toml", "README.md"} <= names
    assert not any(m.issym() or m.islnk() for m in members)


# The installed bot, run from an empty folder


def test_installed_bot_answers_from_any_folder(built: Built, cli: Callable[..., CliResult]) -> None:
    result = built.bot("ask", "treatment", "sps")
    assert result.returncode == 0, result.stderr
    assert "Stiff person syndrome" in result.stdout
    # the very answer the checkout gives
    assert result.stdout == cli("ask", "treatment", "sps").stdout


def test_installed_bot_runs_its_compiled_core(built: Built, cli: Callable[..., CliResult]) -> None:
    """The wheel carries the core modules mypyc compiled (setup.py), and they answer alike."""
    where = built.module_file("bot.core.matcher")
    # BOT_PURE_PYTHON=1: the build compiles nothing
    assert where.endswith(".py" if PURE_PYTHON else str(sysconfig.get_config_var("EXT_SUFFIX")))
    for question in ("ritxuimab", "my legs stiffen up what helps"):  # a typo, a look-alike
        result, here = built.bot("ask", "treatment", question), cli("ask", "treatment", question)
        assert (result.returncode, result.stdout) == (here.returncode, here.stdout)
        assert "Rituximab" in result.stdout or "Did you mean" in result.stdout


def test_installed_bot_reads_its_own_copy_of_the_content(built: Built) -> None:
    package = Path(built.module_file("bot.content_dir")).parent
    assert package.is_relative_to(built.venv)  # not this checkout's bot
    assert not package.is_symlink() and (package / "content" / "topics" / "sps.yaml").is_file()
    assert not (package / "content").is_symlink()


def test_console_script_checks_the_installed_content(built: Built) -> None:
    result = built.bot("check", program="rare-neuro-bot")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")
    checked = Path(result.stdout.rsplit(" in ", 1)[1].strip().rstrip("."))
    assert checked.is_relative_to(built.venv) and checked.name == "content"


def test_installed_bot_still_follows_the_option_and_the_environment(
    built: Built, content: Path
) -> None:
    by_option = built.bot("--content-dir", str(content), "topics", program="rare-neuro-bot")
    assert by_option.returncode == 0, by_option.stderr
    assert "cond" in by_option.stdout and "sps" not in by_option.stdout
    by_env = built.bot("topics", env={"BOT_CONTENT_DIR": str(content)})
    assert by_env.stdout == by_option.stdout
    missing = built.bot("check", env={"BOT_CONTENT_DIR": str(built.elsewhere / "nowhere")})
    assert missing.returncode != 0 and "content folder not found" in missing.stdout


# In the checkout


def test_in_a_checkout_the_bundled_content_is_the_curators_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert BUNDLED_CONTENT == CHECKOUT_CONTENT == ROOT / "content"
    monkeypatch.delenv("BOT_CONTENT_DIR", raising=False)
    assert resolve_content_dir() == ROOT / "content"
    monkeypatch.setenv("BOT_CONTENT_DIR", str(tmp_path))
    assert resolve_content_dir() == tmp_path
    assert resolve_content_dir(str(tmp_path / "mine")) == tmp_path / "mine"
