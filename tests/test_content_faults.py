"""Content that must be refused, not half-loaded (issue 11).

Empty files, YAML alias bombs, links out of the content folder, unreadable folders and files
that are too big: each is a listed problem with its file, never a crash and never a silent drop.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli
from bot.content_dir import BUNDLED_CONTENT
from bot.core import loader
from bot.core.loader import ContentError, load_catalog
from bot.core.yaml_reader import YamlSyntaxError, read_yaml
from tests.conftest import TREATMENT, write_content
from tests.helpers import run_cli

NO_DATA = "file has no data (empty, only comments or null)"
OUTSIDE = "links outside the content folder; refused"
ANCHORS = "YAML anchors and aliases (&name, *name) are not allowed in content"
SECRET = "TOP-SECRET-VALUE"
"""A value that lives only outside the content folder and must never appear in a message."""


def problems(root: Path) -> list[str]:
    """Every problem `load_catalog(root)` reports, as printed by `python -m bot check`."""
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    """A writable copy of the bundled content, named `content` like the real one."""
    return Path(shutil.copytree(BUNDLED_CONTENT, tmp_path / "content"))


@pytest.fixture
def deny(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make a path fail with PermissionError, as for a non-root user (the tests run as root)."""
    blocked: set[str] = set()

    def guard(real: Callable[..., object]) -> Callable[..., object]:
        def wrapper(target: object = ".", *args: object, **kwargs: object) -> object:
            if isinstance(target, str | os.PathLike) and os.fspath(target) in blocked:
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(target))
            return real(target, *args, **kwargs)

        return wrapper

    for name in ("stat", "scandir", "listdir"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))

    def block(path: Path) -> None:
        blocked.update({str(path), str(path.resolve())})

    return block


# 1. Files with no data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "# emptied for now\n", "null\n", "~\n", "---\n# nothing\n"], ids=repr
)
def test_a_topic_file_with_no_data_is_refused_not_dropped(bundled: Path, text: str) -> None:
    (bundled / "topics" / "sps.yaml").write_text(text, encoding="utf-8")
    found = problems(bundled)
    assert f"content/topics/sps.yaml: {NO_DATA}" in found


@pytest.mark.parametrize(
    "name",
    [
        "sources.yaml",
        "disclaimers.yaml",
        "warning_signs.yaml",
        "calm_questions.yaml",
        "interactions.yaml",
        "mg_cautions.yaml",
        "out_of_scope.yaml",
        "source_policy.yaml",
    ],
)
def test_every_present_file_with_no_data_is_refused(bundled: Path, name: str) -> None:
    (bundled / name).write_text("# emptied for now\n", encoding="utf-8")
    found = problems(bundled)
    assert f"content/{name}: {NO_DATA}" in found
    assert [p for p in found if p.startswith(f"content/{name}")] == [f"content/{name}: {NO_DATA}"]


def test_optional_files_may_be_absent(bundled: Path) -> None:
    for name in ("calm_questions.yaml", "mg_cautions.yaml", "out_of_scope.yaml"):
        (bundled / name).unlink()
    assert load_catalog(bundled).topics


def test_used_for_a_condition_whose_file_has_no_data_fails(bundled: Path) -> None:
    (bundled / "topics" / "sps.yaml").write_text("# sps is being rewritten\n", encoding="utf-8")
    found = problems(bundled)  # today's loader says OK, with one topic fewer
    assert f"content/topics/sps.yaml: {NO_DATA}" in found


def test_used_for_a_condition_whose_file_is_missing_fails(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"cond": None})
    found = problems(root)
    assert any("topics/drug.yaml" in p and "'cond' is not a condition topic" in p for p in found)


def test_used_for_a_condition_with_no_data_fails_in_a_small_tree(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"cond": "# nothing yet\n"})
    assert problems(root)[0] == f"content/topics/cond.yaml: {NO_DATA}"


# 2. Anchors, aliases and other limits ---------------------------------------------------


def _bomb(levels: int = 9) -> str:
    """The billion-laughs file: each level repeats the one before nine times."""
    lines = ["  l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"  l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_built(bundled: Path) -> None:
    path = bundled / "topics" / "ivig.yaml"
    text = path.read_text(encoding="utf-8")
    bombed = text.replace("kind: treatment\n", "kind:\n" + _bomb(), 1)
    assert bombed != text and len(_bomb()) < 1200
    path.write_text(bombed, encoding="utf-8")
    line = bombed.splitlines().index("  l0: &l0 [x, x, x, x, x, x, x, x, x]") + 1
    found = problems(bundled)  # 9**9 list entries if built: a minute and a MemoryError
    assert [p for p in found if "ivig.yaml" in p] == [
        f"content/topics/ivig.yaml:{line}: {ANCHORS}; write the value out"
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("names: &names [a, b]\nother: [c]\n", 1),
        ("names: [a, b]\nother: *names\n", 2),
        ("base: {a: 1}\nentry:\n  <<: *base\n", 3),
        ("- &first x\n- y\n", 1),
        ("list: [x,&a y]\n", 1),
        ('map: {"a":&b c}\n', 1),
        ("url: https://x.org/?a=1&b=2\nnext: *b\n", 2),
    ],
    ids=["anchor", "alias", "merge-alias", "anchor-in-list", "flow", "json-like", "alias-only"],
)
def test_any_anchor_or_alias_is_refused_with_its_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(YamlSyntaxError) as caught:
        read_yaml(path)
    assert caught.value.line == line
    assert ANCHORS in caught.value.message


def test_star_and_ampersand_in_text_are_still_fine(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        "phrases: [breath*, 'double vision & worse*']\ntext: '**bold**'\n"
        "url: https://example.org/search?a=1&b=2\n",
        encoding="utf-8",
    )
    assert read_yaml(path) == {
        "phrases": ["breath*", "double vision & worse*"],
        "text": "**bold**",
        "url": "https://example.org/search?a=1&b=2",
    }


@pytest.mark.parametrize("nesting", ["[" * 900 + "]" * 900, "{a: " * 2000 + "}" * 2000])
def test_values_nested_too_deeply_are_a_problem_not_a_crash(tmp_path: Path, nesting: str) -> None:
    root = write_content(tmp_path / "content")
    path = root / "topics" / "drug.yaml"
    path.write_text(TREATMENT.replace("title: Example drug", f"title: {nesting}"), "utf-8")
    found = problems(root)
    assert found[0].startswith("content/topics/drug.yaml: ")
    assert "nested too deeply" in found[0] or "maximum nesting depth" in found[0]


def test_a_file_over_the_size_limit_is_refused_without_reading_it(bundled: Path) -> None:
    path = bundled / "topics" / "sps.yaml"
    with path.open("r+b") as handle:  # sparse: stat says huge, the disk holds almost nothing
        handle.truncate(loader.MAX_FILE_BYTES * 64)
    found = [p for p in problems(bundled) if "sps.yaml" in p]
    size = loader.MAX_FILE_BYTES * 64
    assert found == [
        f"content/topics/sps.yaml: {size:,} bytes, more than the "
        f"{loader.MAX_FILE_BYTES:,} allowed for one file"
    ]


def test_too_many_aliases_in_one_topic(tmp_path: Path) -> None:
    names = ", ".join(f"name{n}" for n in range(loader.MAX_ALIASES_PER_TOPIC + 1))
    drug = TREATMENT.replace("aliases: [exampledrug, brandname]", f"aliases: [{names}]")
    found = problems(write_content(tmp_path / "content", {"drug": drug}))
    assert len(found) == 1
    assert "topics/drug.yaml:5: topic drug, field aliases" in found[0]
    assert f"{loader.MAX_ALIASES_PER_TOPIC + 1} aliases" in found[0]


def test_too_many_topic_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_TOPIC_FILES", 1)
    found = problems(write_content(tmp_path / "content"))
    assert found == ["content/topics: 2 topic files, more than the 1 allowed"]


def test_limits_leave_room_for_ten_thousand_topics() -> None:
    assert loader.MAX_TOPIC_FILES >= 10_000
    assert loader.MAX_ALIAS_CHARS <= 100 and loader.MAX_FILE_BYTES <= 1024 * 1024


# 3. Links out of the content folder -----------------------------------------------------


def _outside_topic(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "drug.yaml"
    secret.parent.mkdir()
    secret.write_text(TREATMENT.replace("kind: treatment", f"kind: {SECRET}"), encoding="utf-8")
    return secret


def test_a_topic_file_linking_outside_is_refused_and_not_read(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"drug": None})
    (root / "topics" / "drug.yaml").symlink_to(_outside_topic(tmp_path))
    found = problems(root)
    assert f"content/topics/drug.yaml: {OUTSIDE}" in found
    assert not any(SECRET in p or "elsewhere" in p for p in found)


def test_a_linked_sources_file_outside_is_refused(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    outside = tmp_path / "sources.yaml"
    outside.write_text(f"- id: {SECRET}\n  kind: nonsense\n", encoding="utf-8")
    (root / "sources.yaml").unlink()
    (root / "sources.yaml").symlink_to(outside)
    found = problems(root)
    assert f"content/sources.yaml: {OUTSIDE}" in found
    assert not any(SECRET in p for p in found)


def test_a_topics_folder_linking_outside_is_refused(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    shutil.move(root / "topics", tmp_path / "elsewhere")
    (root / "topics").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere" / "drug.yaml").write_text(
        TREATMENT.replace("kind: treatment", f"kind: {SECRET}"), encoding="utf-8"
    )
    found = problems(root)
    assert found == [f"content/topics: {OUTSIDE}"]


def test_links_that_stay_inside_are_allowed(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"drug": None})
    (root / "shared").mkdir()
    (root / "shared" / "drug.yaml").write_text(TREATMENT, encoding="utf-8")
    (root / "topics" / "drug.yaml").symlink_to(Path("..") / "shared" / "drug.yaml")
    assert set(load_catalog(root).topics) == {"cond", "drug"}


def test_the_content_folder_itself_may_be_a_link(tmp_path: Path) -> None:
    real = write_content(tmp_path / "real-content")
    link = tmp_path / "content"
    link.symlink_to(real, target_is_directory=True)
    assert set(load_catalog(link).topics) == {"cond", "drug"}
    (link / "topics" / "drug.yaml").write_text("# gone\n", encoding="utf-8")
    assert f"content/topics/drug.yaml: {NO_DATA}" in problems(link)


def test_a_broken_link_is_reported_not_skipped(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"drug": None})
    (root / "topics" / "drug.yaml").symlink_to("missing.yaml")
    found = problems(root)
    assert any(p.startswith("content/topics/drug.yaml: ") and "does not exist" in p for p in found)


def test_hidden_files_in_topics_are_not_topics(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    (root / "topics" / ".#drug.yaml").symlink_to("root@host.1234:1700000000")  # an editor lock
    (root / "topics" / ".drug.yaml").write_text("# a backup\n", encoding="utf-8")
    assert set(load_catalog(root).topics) == {"cond", "drug"}


def test_a_link_loop_is_reported(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"drug": None})
    (root / "topics" / "drug.yaml").symlink_to("drug.yaml")
    found = problems(root)
    assert any(p.startswith("content/topics/drug.yaml: ") and "loop" in p for p in found)


# 4. Folders and files that cannot be read -----------------------------------------------


def test_content_folder_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "content"
    path.write_text("not a folder\n", encoding="utf-8")
    assert problems(path) == [f"{path}: is a file, not a folder"]


def test_topics_that_is_a_file(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    shutil.rmtree(root / "topics")
    (root / "topics").write_text("id: cond\n", encoding="utf-8")
    assert problems(root) == ["content/topics: is a file, not a folder"]


def test_a_topic_file_that_is_a_folder(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"drug": None})
    (root / "topics" / "drug.yaml").mkdir()
    found = problems(root)
    assert "content/topics/drug.yaml: is a folder, not a file" in found


def test_an_optional_file_that_is_a_folder(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    (root / "calm_questions.yaml").mkdir()
    assert problems(root) == ["content/calm_questions.yaml: is a folder, not a file"]


def test_a_topic_file_that_is_not_utf8(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    (root / "topics" / "drug.yaml").write_bytes(b"id: drug\ntitle: \xff\xfe\n")
    found = problems(root)
    assert any(p.startswith("content/topics/drug.yaml: not UTF-8 text") for p in found)


def test_unlistable_topics_folder(tmp_path: Path, deny: Callable[[Path], None]) -> None:
    root = write_content(tmp_path / "content")
    deny(root / "topics")
    found = problems(root)
    assert found[0] == "content/topics: cannot read the folder: Permission denied"


def test_unreadable_content_folder(tmp_path: Path, deny: Callable[[Path], None]) -> None:
    root = write_content(tmp_path / "content")
    deny(root)
    assert problems(root) == [f"{root}: cannot read the folder: Permission denied"]


def test_unreadable_topic_file(tmp_path: Path, deny: Callable[[Path], None]) -> None:
    root = write_content(tmp_path / "content")
    deny(root / "topics" / "drug.yaml")
    found = problems(root)
    assert "content/topics/drug.yaml: cannot read the file: Permission denied" in found


def test_any_other_os_error_is_a_problem_too(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise OSError(errno.EIO, "Input/output error", str(content / "interactions.yaml"))

    monkeypatch.setattr(loader, "_load_interactions", broken)
    found = problems(content)
    assert found == ["content/interactions.yaml: cannot read: Input/output error"]


def test_check_lists_an_unreadable_folder_without_a_traceback(
    tmp_path: Path, deny: Callable[[Path], None]
) -> None:
    root = write_content(tmp_path / "content")
    deny(root / "topics")
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["check", "--content-dir", str(root)], out=out, err=err) == 1
    assert "content/topics: cannot read the folder: Permission denied" in out.getvalue()


def test_check_command_reports_a_topics_file_and_exits_1(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    shutil.rmtree(root / "topics")
    (root / "topics").write_text("", encoding="utf-8")
    result = run_cli("check", "--content-dir", str(root))
    assert result.returncode == 1
    assert "content/topics: is a file, not a folder" in result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_check_command_reports_an_emptied_topic(bundled: Path) -> None:
    (bundled / "topics" / "sps.yaml").write_text("# only a comment\n", encoding="utf-8")
    result = run_cli("check", "--content-dir", str(bundled))
    assert result.returncode == 1
    assert f"content/topics/sps.yaml: {NO_DATA}" in result.stdout
    assert "OK" not in result.stdout
