"""Settings from the environment and an optional `.env` file; the token is never shown."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.content_dir import resolve_content_dir


class SettingsError(ValueError):
    """A setting that is missing or malformed; the message says which and how to fix it."""


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines (comments, blank lines, `export` and quotes allowed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


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

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: Path | None = Path(".env"),
        content_dir: str | None = None,
    ) -> Settings:
        """Read settings; the environment wins over `.env`. The token may be empty here."""
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
            api_base=values.get("DISCORD_API_BASE", "").strip().rstrip("/") or None,
            gateway_url=values.get("DISCORD_GATEWAY_URL", "").strip() or None,
            shard_count=count,
            shard_ids=ids,
        )

    def require_token(self) -> str:
        """The token, or a SettingsError that says how to provide one."""
        if not self.token:
            raise SettingsError(
                "DISCORD_TOKEN is not set. Put DISCORD_TOKEN=... in .env or the environment "
                "(Discord developer portal > your application > Bot > Reset Token)."
            )
        return self.token
