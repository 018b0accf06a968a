"""The command line as a person or a script uses it.

Most tests call `main(argv, out, err)` in this process (the `cli` fixture: a clean environment,
an empty working directory). The few at the end start real `python -m bot` processes, for what
is about the process: the entry point and its exit status, the environment and .env, piped
standard input, and no traceback whatever is typed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest

import bot.cli
import bot.core.catalog_cache
from bot.content_dir import BUNDLED_CONTENT
from bot.errors import BotError
from bot.storage.sqlite import SqliteStorage
from bot.terminal_text import printable
from tests.conftest import TREATMENT, write_content
from tests.helpers import CliResult, run_cli

Cli = Callable[..., CliResult]


def test_ask_prints_the_answer_with_sources_and_disclaimer(cli: Cli) -> None:
    result = cli("ask", "treatment", "sps")
    assert result.returncode == 0, result.stderr
    assert "Stiff person syndrome" in result.stdout
    assert "Sources:" in result.stdout and "http" in result.stdout
    assert "not medical advice" in result.stdout
    assert result.stderr == ""


def test_ask_json_shape(cli: Cli) -> None:
    result = cli("ask", "sideeffects", "valium", "--json")
    data = json.loads(result.stdout)
    assert data["command"] == "sideeffects" and data["query"] == "valium"
    assert data["topic"] == "benzodiazepines"
    assert data["score"] == 100.0
    assert data["title"] and data["text"] and data["disclaimer"]
    assert data["sources"] and {"id", "title", "url"} <= set(data["sources"][0])
    assert data["suggestions"] == []


def test_ask_no_match_exits_1_with_json_null_topic(cli: Cli) -> None:
    result = cli("ask", "treatment", "pizza", "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["topic"] is None and data["text"] is None


def test_batch_gives_one_json_line_per_line_in_order(cli: Cli, tmp_path: Path) -> None:
    batch = tmp_path / "questions.tsv"
    batch.write_text(
        "treatment\tsps\nno tab here\nsideeffects\tMestinon\nfrobnicate\tx\n\nresistance\tmg\n",
        encoding="utf-8",
    )
    result = cli("ask", "--batch", str(batch), "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 6
    assert lines[0]["topic"] == "sps"
    assert "error" in lines[1] and lines[1]["line"] == 2
    assert lines[2]["topic"] == "pyridostigmine"
    assert "Unknown command" in lines[3]["error"]
    assert "error" in lines[4]
    assert lines[5]["topic"] == "mg" and lines[5]["command"] == "resistance"


def test_batch_from_stdin(cli: Cli) -> None:
    result = cli("ask", "--batch", "-", "--json", stdin="treatment\tivig\n")
    assert json.loads(result.stdout)["topic"] == "ivig"


def test_batch_missing_file_is_a_clear_message(cli: Cli, tmp_path: Path) -> None:
    result = cli("ask", "--batch", str(tmp_path / "nope.tsv"), "--json")
    assert result.returncode == 2
    assert result.stderr.startswith("Cannot read") and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask",), "ask: which command? Usage: python -m bot ask COMMAND QUERY"),
        (("ask", "treatment", "sps", "--batch", "-"), "give either --batch FILE or COMMAND QUERY"),
        (("ask", "--batch", "-"), "ask --batch writes JSON lines: add --json."),
        (("export", "-o", "missing/folder/out.md"), "Cannot write missing/folder/out.md"),
    ],
)
def test_usage_errors_exit_2_with_one_plain_line(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    result = cli(*args)
    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_topics_json_lists_every_topic(cli: Cli) -> None:
    result = cli("topics", "--json")
    rows = json.loads(result.stdout)
    ids = {row["id"] for row in rows}
    assert {"sps", "ae", "mg", "ivig"} <= ids
    assert all({"id", "kind", "title", "aliases"} <= set(row) for row in rows)


def test_check_exit_codes(cli: Cli, tmp_path: Path) -> None:
    good = cli("check")
    assert good.returncode == 0 and good.stdout.startswith("OK:")
    bad_root = write_content(
        tmp_path / "content", {"drug": TREATMENT.replace("aliases:", "alaises:")}
    )
    bad = cli("check", "--content-dir", str(bad_root))
    assert bad.returncode == 1
    assert "topics/drug.yaml" in bad.stdout and "alaises" in bad.stdout
    assert "problem(s)" in bad.stdout


def test_bad_content_is_never_served(cli: Cli, tmp_path: Path) -> None:
    root = write_content(
        tmp_path / "content", {"drug": TREATMENT.replace("text: Drug", "txet: Drug", 1)}
    )
    for args in (("ask", "treatment", "brandname"), ("topics",), ("export",)):
        result = cli("--content-dir", str(root), *args)
        assert result.returncode == 2
        assert result.stdout == ""
        assert "problem(s)" in result.stderr and "python -m bot check" in result.stderr


def test_unknown_command_lists_commands(cli: Cli) -> None:
    result = cli("ask", "dosage", "ivig")
    assert result.returncode == 2
    assert "/treatment, /sideeffects, /resistance" in result.stderr


class _Odd(BotError):
    exit_code: ClassVar[int] = 7


def test_any_bot_error_ends_a_command_with_its_exit_code_and_escaped_words(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_content_dir: Path, _directory: Path | None = None) -> None:
        raise _Odd("Cannot use /tmp/\x1b[2Jevil\nFAKE LINE")

    monkeypatch.setattr(bot.core.catalog_cache, "cached_catalog", broken)
    result = cli("topics")
    assert (result.returncode, result.stdout) == (7, "")
    assert result.stderr == "Cannot use /tmp/\\x1b[2Jevil\\nFAKE LINE\n"


@pytest.mark.parametrize(
    "query",
    ["🙂🙂🙂", "x" * 10_000, "\x01\x02\x1b[2J", "@everyone", "<@&123>", "'; DROP TABLE topics; --"],
)
def test_whatever_is_typed_gives_an_answer_or_no_match(cli: Cli, query: str) -> None:
    result = cli("ask", "treatment", query)
    assert result.returncode in (0, 1)
    assert "\x1b" not in result.stdout


def test_console_reads_lines_until_quit(cli: Cli) -> None:
    script = (
        "/treatment sps\n/sideeffects valium\n/resistance mg\n/help\n/dose x\n\n"
        "/treatment\nquit\n/treatment ivig\n"
    )
    result = cli(stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Stiff person syndrome" in out
    assert "Benzodiazepines" in out
    assert "Myasthenia gravis" in out
    assert "Ask like on Discord" in out
    assert "Unknown command '/dose'" in out
    assert "/treatment covers these topics" in out
    assert "Intravenous immunoglobulin" not in out.split("/treatment covers these topics")[0]
    assert out.count("== Intravenous immunoglobulin") == 0  # after quit nothing more is read


def test_bundled_content_is_the_default(cli: Cli) -> None:
    assert BUNDLED_CONTENT.is_dir()
    result = cli("topics")
    assert result.returncode == 0 and "sps" in result.stdout


# Member text on the terminal

FORGED = "\x1b[2J\rFAKE LINE\nreport #99"


async def _forge(data_dir: Path) -> None:
    store = SqliteStorage.in_data_dir(data_dir)
    await store.open()
    await store.add_report(1, "ivig", FORGED, contact="Jane\x1b]0;owned\x07 (42)")
    await store.count(1, date.today(), None, "lupus\x1b[31m\r\nreport #98 \u202eevil")
    await store.close()


def test_reports_and_stats_print_no_control_characters(cli: Cli, tmp_path: Path) -> None:
    asyncio.run(_forge(tmp_path))
    env = {"BOT_DATA_DIR": str(tmp_path)}

    listed = cli("reports", env=env)
    stats = cli("stats", env=env)
    for result in (listed, stats):
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\r" not in result.stdout
        assert "\u202e" not in result.stdout
        lines = result.stdout.splitlines()
        assert not any(line.lstrip().startswith(("FAKE LINE", "report #9")) for line in lines)
    assert "    \\x1b[2J\\rFAKE LINE\\nreport #99" in listed.stdout.splitlines()
    assert "(contact: Jane\\x1b]0;owned\\x07 (42))" in listed.stdout
    assert "lupus\\x1b[31m\\r\\nreport #98 \\u202eevil" in stats.stdout

    as_json = cli("reports", "--json", env=env)  # JSON escapes on its own: exact text
    assert json.loads(as_json.stdout)[0]["text"] == FORGED


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text, émoji 🙂", "plain text, émoji 🙂"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x1b[2J\x00\x7f\x9b", "\\x1b[2J\\x00\\x7f\\x9b"),
        ("\u2028\u202e\u2066", "\\u2028\\u202e\\u2066"),
    ],
)
def test_printable_shows_control_characters_as_escapes(text: str, shown: str) -> None:
    assert printable(text) == shown


# Real `python -m bot` processes: what is about the process itself


def test_python_m_bot_exits_with_the_commands_status(tmp_path: Path) -> None:
    answered = run_cli("ask", "treatment", "sps")
    assert answered.returncode == 0, answered.stderr
    assert "Stiff person syndrome" in answered.stdout and answered.stderr == ""
    assert run_cli("ask", "treatment", "pizza").returncode == 1
    bad = write_content(tmp_path / "content", {"drug": TREATMENT.replace("aliases:", "alaises:")})
    refused = run_cli("--content-dir", str(bad), "ask", "treatment", "brandname")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "problem(s)" in refused.stderr and "Traceback" not in refused.stderr


def test_a_batch_into_a_pipe_is_the_same_as_into_text(cli: Cli, tmp_path: Path) -> None:
    """Into a file or pipe the JSON lines skip the text layer; they must not change."""
    batch = tmp_path / "questions.tsv"
    batch.write_text(
        "treatment\tsps\nsideeffects\tMestinon\nask\tcan I take ivig while pregnant\n"
        "no tab here\ntreatment\tvaliüm ☃\n",
        encoding="utf-8",
    )
    piped = run_cli("ask", "--batch", str(batch), "--json")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == cli("ask", "--batch", str(batch), "--json").stdout
    assert len(piped.stdout.splitlines()) == 5 and "valiüm ☃" in piped.stdout  # UTF-8 as is


def test_no_traceback_from_strange_arguments() -> None:
    result = run_cli("ask", "treatment", "🙂\x01\x1b[2J <@&123> " + "x" * 10_000)
    assert result.returncode in (0, 1)
    assert "Traceback" not in result.stderr + result.stdout


def test_content_dir_from_environment(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    result = run_cli("ask", "treatment", "brandname", env={"BOT_CONTENT_DIR": str(root)})
    assert "Example drug" in result.stdout


def test_a_token_in_dot_env_starts_the_bot_instead_of_the_console(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=stand-in-token  # a comment\n"
        "DISCORD_API_BASE=http://127.0.0.1:9/api/v10\n"
        f"BOT_DATA_DIR={tmp_path / 'data'}\n",
        encoding="utf-8",
    )
    started = run_cli(cwd=tmp_path, stdin="/treatment sps\n")
    assert started.returncode == 2  # the bot, which cannot reach Discord
    assert "Could not reach Discord" in started.stderr and "Traceback" not in started.stderr
    assert "Stiff person syndrome" not in started.stdout

    (tmp_path / ".env").write_bytes(b"DISCORD_TOKEN=\xff\xfe\n")
    unreadable = run_cli(cwd=tmp_path, stdin="/treatment sps\n")
    assert unreadable.returncode == 2 and unreadable.stdout == ""
    assert "Cannot read .env (not UTF-8 text)" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr


def test_console_ends_at_end_of_piped_input_without_quit() -> None:
    result = run_cli(stdin="/treatment mg")
    assert result.returncode == 0 and "Myasthenia gravis" in result.stdout


async def test_reports_stats_and_backup_work_while_the_bot_holds_the_data_folder(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    running_bot = SqliteStorage.in_data_dir(data_dir)
    await running_bot.open()  # exclusive, as `python -m bot run` opens it
    try:
        report = await running_bot.add_report(1, "ivig", "Unclear kidney wording")
        await running_bot.count(1, date.today(), "sps")
        env = {"BOT_DATA_DIR": str(data_dir)}

        listed = run_cli("reports", env=env)
        assert listed.returncode == 0, listed.stderr
        assert "[ivig]" in listed.stdout
        stats = run_cli("stats", "--json", env=env)
        assert stats.returncode == 0, stats.stderr
        assert json.loads(stats.stdout)["topics"] == [["sps", 1]]
        copy = tmp_path / "copy.sqlite3"
        backup = run_cli("backup", str(copy), env=env)
        assert backup.returncode == 0 and copy.is_file(), backup.stderr
        closed = run_cli("reports", "--close", str(report.id), env=env)
        assert closed.returncode == 0, closed.stderr
        assert await running_bot.reports() == []

        second_bot = run_cli(
            "run",
            env={**env, "DISCORD_TOKEN": "x", "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10"},
        )
        assert second_bot.returncode == 2
        assert f"Another copy of the bot is using {data_dir}" in second_bot.stderr
        assert "Traceback" not in second_bot.stderr
    finally:
        await running_bot.close()
