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


def test_env_file_inline_comments_and_quotes(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "DISCORD_TOKEN=abc.def # from the portal\n"
        'BOT_DATA_DIR="/srv/bot data" # quoted, with a space\n'
        "LOG_LEVEL='debug'\n"
        "LONELY_KEY\n"
        "BOT_CONTENT_DIR=$HOME/content\n",
        encoding="utf-8",
    )
    values = read_env_file(env)
    assert values["DISCORD_TOKEN"] == "abc.def"
    assert values["BOT_DATA_DIR"] == "/srv/bot data"
    assert values["LOG_LEVEL"] == "debug"
    assert "LONELY_KEY" not in values
    assert values["BOT_CONTENT_DIR"] == "$HOME/content"  # taken literally
    settings = Settings.load(environ={"DISCORD_TOKEN": "from.env.var"}, env_file=env)
    assert settings.require_token() == "from.env.var"  # the environment still wins
    assert settings.data_dir == Path("/srv/bot data")
    assert read_env_file(tmp_path / "missing.env") == {}


def test_an_unreadable_env_file_is_a_settings_error(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(b"DISCORD_TOKEN=\xff\xfe\n")
    with pytest.raises(SettingsError, match="Cannot read"):
        read_env_file(env)


SECRET = "MTIzNDU2Nzg5.secret-part"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (f"{SECRET}\r\nsecond-line", "line break or control character"),
        (f"{SECRET}\nx", "line break or control character"),
        (f"{SECRET}\tx", "line break or control character"),
        (f"{SECRET}\x00x", "line break or control character"),
        (f"{SECRET}\u200bx", "line break or control character"),  # zero width space
        (f"{SECRET} x", "contains a space"),
        (f"\u201c{SECRET}\u201d", "never has"),
    ],
)
def test_a_mangled_token_is_a_clear_message(token: str, message: str) -> None:
    settings = Settings.load(environ={"DISCORD_TOKEN": token}, env_file=None)
    with pytest.raises(SettingsError, match=message) as caught:
        settings.require_token()
    assert "copy it again" in str(caught.value)
    assert SECRET not in str(caught.value) and "secret" not in str(caught.value)


def test_a_token_from_env_file_with_a_line_break_is_refused(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f'DISCORD_TOKEN="{SECRET}\\nsecond-line"\n', encoding="utf-8")
    settings = Settings.load(environ={}, env_file=env)
    with pytest.raises(SettingsError, match="line break"):
        settings.require_token()


def test_surrounding_whitespace_is_not_an_error() -> None:
    settings = Settings.load(environ={"DISCORD_TOKEN": f"  {SECRET}\r\n"}, env_file=None)
    assert settings.require_token() == SECRET


def test_a_mangled_token_stops_the_bot_without_a_traceback(tmp_path: Path, python: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "BOT_"))}
    result = subprocess.run(
        [python, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **environment,
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": f"{SECRET}\r\nx",
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
            "BOT_DATA_DIR": str(tmp_path / "data"),
        },
        timeout=60,
    )
    assert result.returncode == 2
    assert "DISCORD_TOKEN contains a line break or control character" in result.stderr
    assert "Traceback" not in result.stderr and SECRET not in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "example"),
    [
        ("DISCORD_API_BASE", "discord.com/api/v10", "https://discord.com/api/v10"),
        ("DISCORD_API_BASE", "ftp://discord.com/api", "https://discord.com/api/v10"),
        ("DISCORD_API_BASE", "https://", "https://discord.com/api/v10"),
        ("DISCORD_API_BASE", "http://127.0.0.1:port/api", "https://discord.com/api/v10"),
        ("DISCORD_API_BASE", "http://127.0.0.1:9/api\nv10", "https://discord.com/api/v10"),
        ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg", "wss://gateway.discord.gg"),
        ("DISCORD_GATEWAY_URL", "gateway.discord.gg", "wss://gateway.discord.gg"),
        ("DISCORD_GATEWAY_URL", "wss://", "wss://gateway.discord.gg"),
    ],
)
def test_a_malformed_url_names_the_variable_and_an_example(
    name: str, value: str, example: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.load(environ={name: value}, env_file=None)
    message = str(caught.value)
    assert message.startswith(f"{name} must be a URL")
    assert f"e.g. {name}={example}" in message


def test_good_urls_are_kept() -> None:
    settings = Settings.load(
        environ={
            "DISCORD_API_BASE": "https://discord.com/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gateway",
        },
        env_file=None,
    )
    assert settings.api_base == "https://discord.com/api/v10"
    assert settings.gateway_url == "ws://127.0.0.1:8080/gateway"
    assert Settings.load(environ={}, env_file=None).api_base is None
