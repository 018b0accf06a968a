"""The validated catalogue, cached on disk so that a command starts without re-reading YAML.

The cache is keyed by a hash of every content file (path and bytes) and of the core's own code,
so editing any content file or upgrading the bot rebuilds it, with full validation, on the next
run. A cache that cannot be read (corrupt, truncated, written by other code) is rebuilt too.
`python -m bot check` never uses it. The folder is `BOT_CACHE_DIR`, else
`$XDG_CACHE_HOME/rare-neuro-bot`, else `~/.cache/rare-neuro-bot`; it is created readable by its
owner only, since Python will load what it finds there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path

from bot.core.catalog import Catalog

CACHE_ENV = "BOT_CACHE_DIR"
PREFIX = "catalog-"
KEEP = 4
"""Catalogues kept (several content folders, or versions of one); older ones are deleted."""
_CORE = Path(__file__).resolve().parent


def cache_dir(environ: dict[str, str] | None = None) -> Path:
    """Where compiled catalogues are kept."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser()
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rare-neuro-bot"


def fingerprint(content_dir: Path) -> str:
    """A hash of every content file and of the code that turns them into a catalogue."""
    digest = hashlib.sha256()
    for source in sorted(_CORE.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    root = Path(content_dir)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:40]


def cached_catalog(content_dir: Path | str, directory: Path | None = None) -> Catalog:
    """The catalogue of `content_dir`: cached, or loaded with full checks and cached.

    ContentError as from load_catalog when the content has problems (nothing is cached then).
    """
    root = Path(content_dir)
    folder = cache_dir() if directory is None else directory
    try:
        path = folder / f"{PREFIX}{fingerprint(root)}.pickle"
    except OSError:  # an unreadable content folder: the loader says what is wrong
        path = None
    if path is not None:
        with contextlib.suppress(Exception):  # a cache that does not load is simply rebuilt
            with path.open("rb") as handle:
                found = pickle.load(handle)
            if isinstance(found, Catalog):
                return found
    from bot.core.loader import load_catalog  # only on a miss: YAML is not needed otherwise

    catalog = load_catalog(root)
    if path is not None:
        _store(path, catalog)
    return catalog


def _store(path: Path, catalog: Catalog) -> None:
    """Write the cache atomically, keeping the newest KEEP entries.

    A cache that cannot be written is not an error: the next run loads from source again.
    """
    with contextlib.suppress(OSError, pickle.PicklingError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(catalog, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        entries = sorted(
            path.parent.glob(f"{PREFIX}*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
