"""The container image, checked without a Docker engine: what its Dockerfile promises."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions(DOCKERFILE):
        if keyword == "FROM":
            found.append([])
        found[-1].append((keyword, rest))
    return found


def pip_installs(commands: list[str]) -> list[str]:
    """The targets of every `pip install` (flags dropped), e.g. ['.'] or ['.[test]']."""
    targets = []
    for command in commands:
        for part in re.split(r"&&|;", command):
            words = shlex.split(part)
            if "pip" in words and "install" in words:
                after = words[words.index("install") + 1 :]
                targets += [w for w in after if not w.startswith("-")]
    return targets


def test_multi_stage_on_a_slim_python_311_base() -> None:
    built = stages()
    assert len(built) >= 2
    for stage in built:
        image = stage[0][1].split()[0]
        assert re.fullmatch(r"python:3\.(1[1-9])-slim(-\w+)?", image), image


def test_final_stage_runs_as_a_non_root_user_without_compilers() -> None:
    final = stages()[-1]
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    runs = " ".join(rest for keyword, rest in final if keyword == "RUN")
    for compiler in ("gcc", "build-essential", "g++", "clang", "pip install"):
        assert compiler not in runs


def test_final_stage_carries_content_and_keeps_data_on_a_volume() -> None:
    final = stages()[-1]
    env = " ".join(rest for keyword, rest in final if keyword == "ENV")
    assert "BOT_DATA_DIR=/data" in env and "BOT_CONTENT_DIR=/app/content" in env
    assert any(k == "COPY" and rest.startswith("content ") for k, rest in final)
    assert any(k == "VOLUME" and "/data" in rest for k, rest in final)


def test_healthcheck_runs_the_real_health_command() -> None:
    final = stages()[-1]
    checks = [rest for keyword, rest in final if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert '"python", "-m", "bot", "health"' in checks[0]
    assert any(k == "CMD" and '"bot", "run"' in rest for k, rest in final)


def test_install_steps_match_the_makefile_and_readme() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    runtime_recipe = makefile.split("$(VENV)/.runtime:")[1].split("\n\n")[0]
    make_targets = pip_installs(runtime_recipe.splitlines())
    docker_targets = pip_installs([rest for k, rest in instructions(DOCKERFILE) if k == "RUN"])
    assert make_targets == docker_targets == ["pip", "."]  # upgrade pip, then the project
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme and "make docker" in readme


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".env", ".venv", ".git", ".pytest_cache", "data/"):
        assert entry in ignored


def test_compose_example() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["bot"]
    assert service["env_file"] == ".env"
    assert any(v.endswith(":/data") for v in service["volumes"])
    assert service["restart"] == "unless-stopped"
