"""Settings from the environment and an optional `.env` file; the token is never shown."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.content_dir import resolve_content_dir
from bot.errors import BotError

API_BASE_EXAMPLE = "https://discord.com/api/v10"
"""Shown when DISCORD_API_BASE is malformed."""
GATEWAY_URL_EXAMPLE = "wss://gateway.discord.gg"
"""Shown when DISCORD_GATEWAY_URL is malformed."""
DATABASE_URL_EXAMPLE = "postgresql://bot:PASSWORD@db.example.org:5432/bot"
"""Shown when DATABASE_URL is malformed (never the value given: it may hold a password)."""
DATABASE_URL_SCHEMES = ("postgresql", "postgres")
"""What DATABASE_URL may start with (followed by ://)."""

_TOKEN_HELP = (
    "copy it again from the Discord developer portal (your application > Bot > Reset Token) "
    "and paste it as one line, with nothing before or after it, in .env or the environment."
)


class SettingsError(BotError, ValueError):
    """A setting that is missing or malformed; the message says which and how to fix it."""


def read_env_file(path: Path) -> dict[str, str]:
    """The KEY=VALUE settings of a `.env` file ({} if there is none), parsed by python-dotenv.

    Comments (also after a value: `KEY=value # note`), blank lines, `export` and quotes are
    allowed; values are taken literally (no `${VAR}` expansion); a key without `=` is ignored.
    SettingsError if the file cannot be read.
    """
    if not path.is_file():
        return {}
    try:
        parsed = dotenv_values(path, interpolate=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise SettingsError(f"Cannot read {path} ({reason}). Fix or remove it.") from None
    return {key: value for key, value in parsed.items() if value is not None}


def _is_control(character: str) -> bool:
    """A line break, tab, or an invisible control or formatting character (e.g. zero width)."""
    return unicodedata.category(character).startswith("C") or character in "\u2028\u2029"


def _check_token(token: str) -> None:
    """SettingsError if the token cannot be a Discord token; never shows the token."""
    if any(_is_control(character) for character in token):
        raise SettingsError(
            f"DISCORD_TOKEN contains a line break or control character; {_TOKEN_HELP}"
        )
    if any(character.isspace() for character in token):
        raise SettingsError(f"DISCORD_TOKEN contains a space; {_TOKEN_HELP}")
    if not token.isascii():
        raise SettingsError(
            "DISCORD_TOKEN contains a character a Discord token never has (such as a curly "
            f"quote); {_TOKEN_HELP}"
        )


def _url(name: str, raw: str, schemes: tuple[str, ...], example: str) -> str | None:
    """A URL setting checked for its scheme and host; None if unset."""
    value = raw.strip()
    if not value:
        return None
    starts = " or ".join(f"{scheme}://" for scheme in schemes)
    problem = SettingsError(
        f"{name} must be a URL that starts with {starts} followed by a host name, "
        f"e.g. {name}={example}"
    )
    if any(_is_control(character) or character.isspace() for character in value):
        raise problem
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise problem from None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        raise problem
    return value


def check_database_url(raw: str, name: str = "DATABASE_URL") -> str | None:
    """A PostgreSQL URL (postgresql:// or postgres://), None if blank; else SettingsError.

    The message never repeats the value, which may hold a password.
    """
    value = raw.strip()
    if not value:
        return None
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in DATABASE_URL_SCHEMES:
        hint = (
            " (leave it unset to keep the SQLite file in BOT_DATA_DIR)"
            if scheme.startswith("sqlite")
            else ""
        )
        raise SettingsError(
            f"{name} must start with postgresql:// or postgres://{hint}, "
            f"e.g. {name}={DATABASE_URL_EXAMPLE}"
        )
    if any(_is_control(character) or character.isspace() for character in value):
        raise SettingsError(
            f"{name} contains a space, line break or control character; "
            f"write it as one line, e.g. {name}={DATABASE_URL_EXAMPLE}"
        )
    try:
        urlsplit(value).port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise SettingsError(
            f"{name} has a port that is not a number, e.g. {name}={DATABASE_URL_EXAMPLE}"
        ) from None
    return value


def _flag(name: str, raw: str, default: bool) -> bool:
    value = raw.strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be 1 or 0 (also true/false, yes/no, on/off)")


def _int_list(name: str, raw: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in raw.replace(",", " ").split())
    except ValueError:
        raise SettingsError(f"{name} must be whole numbers, e.g. {name}=0,1") from None


@dataclass(frozen=True)
class Settings:
    """Everything the Discord front end needs to start."""

    token: str = field(repr=False)
    content_dir: Path
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    api_base: str | None = None
    gateway_url: str | None = None
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    database_url: str | None = field(default=None, repr=False)
    """DATABASE_URL: PostgreSQL instead of the SQLite file (never shown: it may hold a password)."""
    auto_migrate: bool = True
    """BOT_AUTO_MIGRATE: whether opening the database applies pending migrations."""

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: Path | None = Path(".env"),
        content_dir: str | None = None,
    ) -> Settings:
        """Read settings; the environment wins over `.env`. The token may be empty here.

        The token is checked by require_token(); malformed numbers, levels or URLs raise
        SettingsError here.
        """
        values = read_env_file(env_file) if env_file else {}
        values.update(os.environ if environ is None else environ)
        shard_count = values.get("SHARD_COUNT", "").strip()
        shard_ids = values.get("SHARD_IDS", "").strip()
        count = _int_list("SHARD_COUNT", shard_count)[0] if shard_count else None
        ids = _int_list("SHARD_IDS", shard_ids) if shard_ids else None
        if ids is not None and count is None:
            raise SettingsError("SHARD_IDS needs SHARD_COUNT (the total number of shards)")
        if count is not None and ids and max(ids) >= count:
            raise SettingsError(f"SHARD_IDS must be below SHARD_COUNT ({count})")
        level = values.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return cls(
            token=values.get("DISCORD_TOKEN", "").strip(),
            content_dir=resolve_content_dir(content_dir or values.get("BOT_CONTENT_DIR")),
            data_dir=Path(values.get("BOT_DATA_DIR", "").strip() or "data").expanduser(),
            log_level=level,
            api_base=(
                _url(
                    "DISCORD_API_BASE",
                    values.get("DISCORD_API_BASE", "").strip().rstrip("/"),
                    ("http", "https"),
                    API_BASE_EXAMPLE,
                )
            ),
            gateway_url=_url(
                "DISCORD_GATEWAY_URL",
                values.get("DISCORD_GATEWAY_URL", ""),
                ("ws", "wss"),
                GATEWAY_URL_EXAMPLE,
            ),
            shard_count=count,
            shard_ids=ids,
            database_url=check_database_url(values.get("DATABASE_URL", "")),
            auto_migrate=_flag("BOT_AUTO_MIGRATE", values.get("BOT_AUTO_MIGRATE", ""), True),
        )

    def require_token(self) -> str:
        """The token, or a SettingsError that says how to provide or fix it (never showing it).

        Refused: no token, or one with a line break, control character, space or non-ASCII
        character inside (these would otherwise fail deep in the HTTP library).
        """
        if not self.token:
            raise SettingsError(
                "DISCORD_TOKEN is not set. Put DISCORD_TOKEN=... in .env or the environment "
                "(Discord developer portal > your application > Bot > Reset Token)."
            )
        _check_token(self.token)
        return self.token
