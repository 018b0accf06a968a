"""The command line as a person or a script uses it: real `python -m bot` processes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.content_dir import BUNDLED_CONTENT
from bot.storage.sqlite import SqliteStorage
from bot.terminal_text import printable
from tests.conftest import TREATMENT, write_content
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def bot(python: str, *args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    return run_cli(*args, stdin=stdin, env=env)


def test_ask_prints_the_answer_with_sources_and_disclaimer(python: str) -> None:
    result = bot(python, "ask", "treatment", "sps")
    assert result.returncode == 0, result.stderr
    assert "Stiff person syndrome" in result.stdout
    assert "Sources:" in result.stdout and "http" in result.stdout
    assert "not medical advice" in result.stdout
    assert result.stderr == ""


def test_ask_json_shape(python: str) -> None:
    result = bot(python, "ask", "sideeffects", "valium", "--json")
    data = json.loads(result.stdout)
    assert data["command"] == "sideeffects" and data["query"] == "valium"
    assert data["topic"] == "benzodiazepines"
    assert data["score"] == 100.0
    assert data["title"] and data["text"] and data["disclaimer"]
    assert data["sources"] and {"id", "title", "url"} <= set(data["sources"][0])
    assert data["suggestions"] == []


def test_ask_no_match_exits_1_with_json_null_topic(python: str) -> None:
    result = bot(python, "ask", "treatment", "pizza", "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["topic"] is None and data["text"] is None


def test_batch_gives_one_json_line_per_line_in_order(python: str, tmp_path: Path) -> None:
    batch = tmp_path / "questions.tsv"
    batch.write_text(
        "treatment\tsps\nno tab here\nsideeffects\tMestinon\nfrobnicate\tx\n\nresistance\tmg\n",
        encoding="utf-8",
    )
    result = bot(python, "ask", "--batch", str(batch), "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 6
    assert lines[0]["topic"] == "sps"
    assert "error" in lines[1] and lines[1]["line"] == 2
    assert lines[2]["topic"] == "pyridostigmine"
    assert "Unknown command" in lines[3]["error"]
    assert "error" in lines[4]
    assert lines[5]["topic"] == "mg" and lines[5]["command"] == "resistance"


def test_batch_from_stdin(python: str) -> None:
    result = bot(python, "ask", "--batch", "-", "--json", stdin="treatment\tivig\n")
    assert json.loads(result.stdout)["topic"] == "ivig"


def test_batch_missing_file_is_a_clear_message(python: str, tmp_path: Path) -> None:
    result = bot(python, "ask", "--batch", str(tmp_path / "nope.tsv"), "--json")
    assert result.returncode == 2
    assert "Cannot read" in result.stderr and "Traceback" not in result.stderr


def test_topics_json_lists_every_topic(python: str) -> None:
    result = bot(python, "topics", "--json")
    rows = json.loads(result.stdout)
    ids = {row["id"] for row in rows}
    assert {"sps", "ae", "mg", "ivig"} <= ids
    assert all({"id", "kind", "title", "aliases"} <= set(row) for row in rows)


def test_check_exit_codes(python: str, tmp_path: Path) -> None:
    good = bot(python, "check")
    assert good.returncode == 0 and good.stdout.startswith("OK:")
    bad_root = write_content(
        tmp_path / "content", {"drug": TREATMENT.replace("aliases:", "alaises:")}
    )
    bad = bot(python, "check", "--content-dir", str(bad_root))
    assert bad.returncode == 1
    assert "topics/drug.yaml" in bad.stdout and "alaises" in bad.stdout
    assert "problem(s)" in bad.stdout


def test_content_dir_from_environment(python: str, tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    result = bot(python, "ask", "treatment", "brandname", env={"BOT_CONTENT_DIR": str(root)})
    assert "Example drug" in result.stdout


def test_bad_content_is_never_served(python: str, tmp_path: Path) -> None:
    root = write_content(
        tmp_path / "content", {"drug": TREATMENT.replace("text: Drug", "txet: Drug", 1)}
    )
    result = bot(python, "--content-dir", str(root), "ask", "treatment", "brandname")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "problem(s)" in result.stderr and "python -m bot check" in result.stderr


def test_unknown_command_lists_commands(python: str) -> None:
    result = bot(python, "ask", "dosage", "ivig")
    assert result.returncode == 2
    assert "/treatment, /sideeffects, /resistance" in result.stderr


@pytest.mark.parametrize(
    "query",
    ["🙂🙂🙂", "x" * 10_000, "\x01\x02\x1b[2J", "@everyone", "<@&123>", "'; DROP TABLE topics; --"],
)
def test_no_traceback_whatever_is_typed(python: str, query: str) -> None:
    result = bot(python, "ask", "treatment", query)
    assert result.returncode in (0, 1)
    assert "Traceback" not in result.stderr + result.stdout


def test_console_reads_piped_lines_until_end(python: str) -> None:
    script = (
        "/treatment sps\n/sideeffects valium\n/resistance mg\n/help\n/dose x\n\n"
        "/treatment\nquit\n/treatment ivig\n"
    )
    result = bot(python, stdin=script)
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
    assert "Traceback" not in result.stderr


def test_console_ends_at_end_of_input_without_quit(python: str) -> None:
    result = bot(python, stdin="/treatment mg")
    assert result.returncode == 0 and "Myasthenia gravis" in result.stdout


def test_bundled_content_is_the_default(python: str) -> None:
    assert BUNDLED_CONTENT.is_dir()
    result = bot(python, "topics")
    assert result.returncode == 0 and "sps" in result.stdout


# Curators' tools beside the running bot, and member text on the terminal


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


FORGED = "\x1b[2J\rFAKE LINE\nreport #99"


async def test_reports_and_stats_print_no_control_characters(tmp_path: Path) -> None:
    store = SqliteStorage.in_data_dir(tmp_path)
    await store.open()
    await store.add_report(1, "ivig", FORGED, contact="Jane\x1b]0;owned\x07 (42)")
    await store.count(1, date.today(), None, "lupus\x1b[31m\r\nreport #98 \u202eevil")
    await store.close()
    env = {"BOT_DATA_DIR": str(tmp_path)}

    listed = run_cli("reports", env=env)
    stats = run_cli("stats", env=env)
    for result in (listed, stats):
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\r" not in result.stdout
        assert "\u202e" not in result.stdout
        lines = result.stdout.splitlines()
        assert not any(line.lstrip().startswith(("FAKE LINE", "report #9")) for line in lines)
    assert "    \\x1b[2J\\rFAKE LINE\\nreport #99" in listed.stdout.splitlines()
    assert "(contact: Jane\\x1b]0;owned\\x07 (42))" in listed.stdout
    assert "lupus\\x1b[31m\\r\\nreport #98 \\u202eevil" in stats.stdout

    as_json = run_cli("reports", "--json", env=env)  # JSON escapes on its own: exact text
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
