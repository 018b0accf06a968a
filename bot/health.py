"""A real health check: the running bot refreshes a heartbeat file; `health` checks it is fresh.

The bot writes `BOT_DATA_DIR/heartbeat.json` every few seconds with the wall-clock time of the
last gateway heartbeat ACK (the oldest across its shards), how many of the shards this process
runs are connected (SHARD_IDS, or all shards), and whether its database works. It is first
written as soon as a shard is ready. `python -m bot health` exits 0 only if that ACK is recent
and every shard of this process is connected, so a hung process, a dead gateway connection or a
stopped bot all read as unhealthy. A bot without its database still answers, so it stays healthy,
and the health line says plainly that storage is unavailable and why.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

HEARTBEAT_FILE = "heartbeat.json"
MAX_AGE_SECONDS = 120.0
"""Discord asks for a heartbeat about every 41 seconds; two missed ACKs and more is unhealthy."""


@dataclass(frozen=True)
class Heartbeat:
    """What the running bot last reported."""

    last_ack: float
    """Wall-clock time (epoch seconds) of the oldest shard's last heartbeat ACK."""
    shards_ready: int
    shard_count: int
    """The shards this process runs."""
    written: float
    storage: str | None = None
    """Why the database is unavailable, or None when it works."""


def heartbeat_path(data_dir: Path) -> Path:
    """Where the heartbeat file lives."""
    return data_dir / HEARTBEAT_FILE


def write_heartbeat(
    path: Path,
    last_ack: float,
    shards_ready: int,
    shard_count: int,
    *,
    storage: str | None = None,
) -> None:
    """Replace the heartbeat file atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "last_ack": last_ack,
        "shards_ready": shards_ready,
        "shard_count": shard_count,
        "written": time.time(),
        "pid": os.getpid(),
        "storage": storage,
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(temporary, path)


def read_heartbeat(path: Path) -> Heartbeat:
    """Parse the heartbeat file; OSError or ValueError when it is missing or malformed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Heartbeat(
        last_ack=float(data["last_ack"]),
        shards_ready=int(data["shards_ready"]),
        shard_count=int(data["shard_count"]),
        written=float(data["written"]),
        storage=str(data["storage"]) if data.get("storage") else None,
    )


def check_health(
    path: Path, max_age: float = MAX_AGE_SECONDS, now: float | None = None
) -> tuple[bool, str]:
    """(healthy, a one-line reason) for the heartbeat file at `path`."""
    now = time.time() if now is None else now
    try:
        beat = read_heartbeat(path)
    except FileNotFoundError:
        return False, f"unhealthy: no heartbeat file at {path} (is the bot running?)"
    except (OSError, ValueError, KeyError, TypeError) as error:
        return False, f"unhealthy: unreadable heartbeat file {path} ({type(error).__name__})"
    age = now - beat.last_ack
    if age > max_age:
        return (
            False,
            f"unhealthy: last gateway heartbeat ACK {age:.0f} s ago (limit {max_age:.0f} s)",
        )
    if beat.shards_ready < max(1, beat.shard_count):
        return False, f"unhealthy: {beat.shards_ready} of {beat.shard_count} shard(s) connected"
    shards = f"last ACK {age:.0f} s ago, {beat.shards_ready} shard(s) connected"
    if beat.storage:
        return True, f"healthy but storage unavailable: {shards}; {beat.storage}"
    return True, f"healthy: {shards}"
