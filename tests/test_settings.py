"""Settings from the environment and .env: clear errors, and the token never shown."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, read_env_file

ROOT = Path(__file__).resolve().parent.parent


def test_env_file_and_environment(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# comment\nexport DISCORD_TOKEN='abc.def'\nLOG_LEVEL=debug\nSHARD_COUNT=4\n"
        'SHARD_IDS="0, 1"\nDISCORD_API_BASE=http://127.0.0.1:9/api/v10/\n',
        encoding="utf-8",
    )
    assert read_env_file(env)["DISCORD_TOKEN"] == "abc.def"
    settings = Settings.load(environ={"LOG_LEVEL": "warning"}, env_file=env)
    assert settings.token == "abc.def"
    assert settings.log_level == "WARNING"  # the environment wins over .env
    assert (settings.shard_count, settings.shard_ids) == (4, (0, 1))
    assert settings.api_base == "http://127.0.0.1:9/api/v10"
    assert "abc.def" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "below SHARD_COUNT"),
        ({"SHARD_COUNT": "two"}, "whole numbers"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be"),
    ],
)
def test_bad_settings_say_what_to_fix(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.load(environ=environ, env_file=None)


def test_missing_token_is_a_clear_message(tmp_path: Path, python: str) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    for action in ("run", "sync"):
        result = subprocess.run(
            [python, "-m", "bot", action],
            capture_output=True,
            text=True,
            cwd=tmp_path,  # no .env here
            env={**environment, "PYTHONPATH": str(ROOT)},
            timeout=60,
        )
        assert result.returncode == 2
        assert "DISCORD_TOKEN is not set" in result.stderr
        assert "Traceback" not in result.stderr
