"""Opening the files of a content folder safely, before any YAML is read from them.

Every file and folder is checked the same way: it must resolve inside the content folder (a
link out of it is refused, never read), be the kind expected (a file, or a folder), fit the
size limit by its size on disk before a byte is read, and hold data. Each failure is a
ContentFileError with a message a content editor can act on; no OSError escapes.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

from bot.core.yaml_reader import YamlSyntaxError, parse_yaml

OUTSIDE = "links outside the content folder; refused"
NO_DATA = "file has no data (empty, only comments or null)"
LINK_LOOP = "is a link that leads back to itself (a link loop)"


class ContentFileError(Exception):
    """A content file or folder that cannot be used; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _reason(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return LINK_LOOP
    return error.strerror or str(error)


def resolve_folder(folder: Path) -> Path:
    """The real path of the content folder itself (which may be a link); it must be a folder."""
    try:
        real = folder.resolve()
        info = real.stat()
    except RuntimeError:  # Python < 3.13 reports a link loop this way
        raise ContentFileError(LINK_LOOP) from None
    except FileNotFoundError:
        raise ContentFileError("content folder not found") from None
    except OSError as error:
        raise ContentFileError(f"cannot read the folder: {_reason(error)}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise ContentFileError("is a file, not a folder")
    return real


def exists(path: Path) -> bool:
    """Whether anything (a file, a folder, even a broken link) is at `path`.

    An error other than "not there" counts as present, so that reading it reports the error.
    """
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True


def _inside(path: Path, root: Path) -> Path:
    """`path` resolved; ContentFileError if that is outside the resolved folder `root`."""
    try:
        real = path.resolve()
    except RuntimeError:  # Python < 3.13 reports a link loop this way
        raise ContentFileError(LINK_LOOP) from None
    except OSError as error:
        raise ContentFileError(f"cannot read: {_reason(error)}") from None
    if not real.is_relative_to(root):
        raise ContentFileError(OUTSIDE)
    return real


def _stat(path: Path, real: Path, what: str) -> os.stat_result:
    try:
        return real.stat()
    except FileNotFoundError:
        if os.path.islink(path):
            raise ContentFileError(f"links to a {what} that does not exist") from None
        raise ContentFileError(f"{what} not found") from None
    except OSError as error:
        raise ContentFileError(f"cannot read the {what}: {_reason(error)}") from None


def list_folder(folder: Path, root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The entries of `folder` ending in one of `suffixes`, sorted; hidden names are skipped.

    Entries are listed whatever they are (file, folder, broken link) so that reading each one
    reports what is wrong with it instead of skipping it.
    """
    real = _inside(folder, root)
    if not stat.S_ISDIR(_stat(folder, real, "folder").st_mode):
        raise ContentFileError("is a file, not a folder")
    try:
        with os.scandir(real) as entries:
            names = [entry.name for entry in entries]
    except OSError as error:
        raise ContentFileError(f"cannot read the folder: {_reason(error)}") from None
    return sorted(
        folder / name for name in names if not name.startswith(".") and name.endswith(suffixes)
    )


def read_content_file(path: Path, root: Path, max_bytes: int) -> Any:
    """The YAML data in `path`, which must resolve inside `root` (resolved) and hold data.

    The size is checked on disk before reading, and no more than `max_bytes` + 1 bytes are read
    in case the file grows meanwhile. Raise ContentFileError for anything that is refused.
    """
    real = _inside(path, root)
    info = _stat(path, real, "file")
    if stat.S_ISDIR(info.st_mode):
        raise ContentFileError("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ContentFileError("is not a regular file")
    if info.st_size > max_bytes:
        raise ContentFileError(_too_big(info.st_size, max_bytes))
    try:
        with real.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        raise ContentFileError(f"cannot read the file: {_reason(error)}") from None
    if len(raw) > max_bytes:
        raise ContentFileError(_too_big(len(raw), max_bytes))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContentFileError(f"not UTF-8 text ({error.reason})") from None
    try:
        data = parse_yaml(text)
    except YamlSyntaxError as error:
        raise ContentFileError(error.message, error.line) from None
    if data is None:
        raise ContentFileError(NO_DATA)
    return data


def _too_big(size: int, max_bytes: int) -> str:
    return f"{size:,} bytes, more than the {max_bytes:,} allowed for one file"
