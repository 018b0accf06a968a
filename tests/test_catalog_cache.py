"""The compiled catalogue cache: used when nothing changed, rebuilt when anything did."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import bot.core.loader as loader_module
from bot.content_dir import BUNDLED_CONTENT
from bot.core.catalog_cache import PREFIX, cached_catalog
from bot.core.loader import ContentError


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(BUNDLED_CONTENT, target)
    return target


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{PREFIX}*.pickle"))


def test_a_second_load_comes_from_the_cache(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = cached_catalog(content, cache)
    assert len(_entries(cache)) == 1

    def no_yaml(*_args: object) -> None:
        raise AssertionError("the content was read again")

    monkeypatch.setattr(loader_module, "load_catalog", no_yaml)
    second = cached_catalog(content, cache)
    assert second.topics.keys() == first.topics.keys()
    assert second.topics["ivig"].title == first.topics["ivig"].title


def test_editing_any_content_file_rebuilds_it(content: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert cached_catalog(content, cache).topics["ivig"].title.startswith("Intravenous")
    ivig = content / "topics" / "ivig.yaml"
    ivig.write_text(
        ivig.read_text(encoding="utf-8").replace(
            "title: Intravenous immunoglobulin (IVIG)", "title: IVIG edited"
        ),
        encoding="utf-8",
    )
    assert cached_catalog(content, cache).topics["ivig"].title == "IVIG edited"
    (content / "topics" / "ivig.yaml").write_text("id: [broken\n", encoding="utf-8")
    with pytest.raises(ContentError):  # bad content is refused, never served from the cache
        cached_catalog(content, cache)


def test_a_corrupt_cache_is_rebuilt(content: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cached_catalog(content, cache)
    (entry,) = _entries(cache)
    entry.write_bytes(b"not a pickle at all")
    assert "sps" in cached_catalog(content, cache).topics
    assert entry.read_bytes().startswith(b"\x80")  # written again as a real pickle


def test_an_unwritable_cache_folder_is_not_an_error(content: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("in the way", encoding="utf-8")
    assert "sps" in cached_catalog(content, blocked / "cache").topics


def test_the_command_lines_export_formats_are_the_exports() -> None:
    from bot.cli import EXPORT_FORMATS
    from bot.export import FORMATS

    assert EXPORT_FORMATS == FORMATS
