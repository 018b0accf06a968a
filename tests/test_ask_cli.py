"""/ask on the command line: `ask ask`, `ask<TAB>` batch lines, the console's /ask, `explain`.

All in this process through the `cli` fixture. The facts pinned about the bundled content (the
azathioprine TPMT question leads with "Serious risks") are what bot.core.ask returns today; a
content edit that moves them should change these tests with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from tests.helpers import CliResult

Cli = Callable[..., CliResult]

TPMT = "imuran TPMT test needed?"


def _add_examples(content: Path) -> None:
    """Give azathioprine's Monitoring section example questions of its own and a source."""
    path = content / "topics" / "azathioprine.yaml"
    text = path.read_text(encoding="utf-8")
    heading = '      - heading: "Monitoring"\n'
    assert text.count(heading) == 1
    path.write_text(
        text.replace(
            heading,
            heading + "        examples:\n"
            "          - how often do I need bloodwork on imuran\n"
            "          - which checks while on azathioprine\n"
            "        sources: [CPIC-UF]\n",
        ),
        encoding="utf-8",
    )


# ask ask


def test_ask_ask_leads_with_the_part_that_fits_then_the_full_answer(cli: Cli) -> None:
    result = cli("ask", "ask", TPMT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("== Azathioprine (Imuran) ==\nSerious risks:\n")
    lead, full = out.split("\nFull answer:\n")
    assert "TPMT or" in lead and "Boxed warning" not in lead
    assert full.index("Boxed warning") < full.index("Serious risks:")  # the whole snippet
    assert "Sources:" in full and "not medical advice" in full
    assert "**" not in out and result.stderr == ""


def test_ask_ask_keeps_warnings_first_and_the_whole_answer_when_no_part_fits(cli: Cli) -> None:
    result = cli("ask", "ask", "can't breathe on mestinon")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("!! Call your local emergency number now")
    assert result.stdout.index("!! In MG") < result.stdout.index("== Pyridostigmine")
    assert "Full answer:" not in result.stdout


def test_ask_ask_not_covered_exits_1(cli: Cli) -> None:
    result = cli("ask", "ask", "pizza", "recipe")
    assert result.returncode == 1
    assert 'Not covered: no topic matches "pizza recipe".' in result.stdout
    data = json.loads(cli("ask", "ask", "pizza recipe", "--json").stdout)
    assert data["command"] == "ask" and data["status"] == "no_match"
    assert data["topic"] is None and data["section"] is None and data["passage"] is None


def test_ask_ask_json_fields(cli: Cli) -> None:
    result = cli("ask", "ask", TPMT, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["command"] == "ask" and data["answered_command"] == "sideeffects"
    assert data["query"] == TPMT and data["status"] == "answer"
    assert data["topic"] == "azathioprine" and data["title"] == "Azathioprine (Imuran)"
    assert data["section"] == "Serious risks"
    assert "TPMT or NUDT15" in data["passage"] and data["passage"].strip() in data["text"]
    assert data["sources"] and data["disclaimer"]


def test_ask_ask_needs_a_question(cli: Cli) -> None:
    result = cli("ask", "ask")
    assert result.returncode == 2 and result.stdout == ""
    assert (
        result.stderr.strip() == 'ask ask: which question? Usage: python -m bot ask ask "QUESTION"'
    )


def test_batch_accepts_ask_lines_beside_the_commands(cli: Cli) -> None:
    lines = f"ask\t{TPMT}\n/Ask\tpizza recipe\nask\t  \ntreatment\tsps\n"
    result = cli("ask", "--batch", "-", "--json", stdin=lines)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 4
    assert answers[0]["command"] == "ask" and answers[0]["section"] == "Serious risks"
    assert answers[0]["answered_command"] == "sideeffects"
    assert answers[1]["command"] == "ask" and answers[1]["status"] == "no_match"
    assert answers[2] == {"line": 3, "error": "ask: an empty question"}
    assert answers[3]["command"] == "treatment" and answers[3]["topic"] == "sps"


def test_console_takes_ask_lines(cli: Cli) -> None:
    script = f"/ask {TPMT}\n/ask\n/help\nask pizza recipe\nquit\n/ask {TPMT}\n"
    result = cli("console", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("Full answer:") == 1  # nothing is read after quit
    assert "Serious risks:" in out.split("Full answer:")[0]
    assert "Type a question after /ask" in out
    assert "/ask QUESTION" in out  # in the help
    assert 'Not covered: no topic matches "pizza recipe".' in out


# explain


def test_explain_prints_each_step_and_the_answer(cli: Cli) -> None:
    result = cli("explain", TPMT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert 'Question as read: "imuran tpmt test needed"' in out
    assert "  - azathioprine (exact)" in out
    assert "Kind of answer: sideeffects" in out
    assert '  - "(tpmt|nudt15)" -> sideeffects (+2)' in out
    assert "Topic: azathioprine (the first treatment named)" in out
    rows = re.findall(r"^  - (.+): ([\d.]+)(   <- leads)?$", out, re.MULTILINE)
    assert rows[0][0] == "Serious risks"
    assert rows[0][2] and not any(leads for _, _, leads in rows[1:])
    scores = [float(score) for _, score, _ in rows]
    assert scores == sorted(scores, reverse=True) and len(rows) == 5
    assert "Answer: answer, topic azathioprine, /sideeffects" in out
    assert "leads with: Serious risks" in out
    assert "content/ask_cues.yaml" in out and "`examples:`" in out


def test_explain_shows_typos_and_questions_not_covered(cli: Cli) -> None:
    typo = cli("explain", "imuarn", "tpmt", "test")
    assert "  - azathioprine (typo)" in typo.stdout
    result = cli("explain", "pizza recipe")
    assert result.returncode == 0, result.stderr
    assert "Topics named:\n  none\n" in result.stdout
    assert "no cue phrase found: treatment, the default" in result.stdout
    assert "Topic: none (no topic named)" in result.stdout
    assert "Answer: no_match, topic none, /treatment" in result.stdout


def test_explain_json(cli: Cli) -> None:
    result = cli("explain", TPMT, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["question"] == "imuran tpmt test needed"
    assert data["named"] == [{"topic": "azathioprine", "how": "exact"}]
    assert {"phrase": "(tpmt|nudt15)", "kind": "sideeffects", "points": 2} in data["cue_phrases"]
    assert data["kind_points"] == {"sideeffects": 2}
    assert data["command"] == "sideeffects" and data["topic"] == "azathioprine"
    assert data["why_topic"] == "the first treatment named"
    sections = data["sections"]
    assert sections[0] == {"heading": "Serious risks", "score": sections[0]["score"], "leads": True}
    assert not any(s["leads"] for s in sections[1:])
    assert [s["score"] for s in sections] == sorted((s["score"] for s in sections), reverse=True)
    assert data["answer"] == {
        "status": "answer",
        "topic": "azathioprine",
        "command": "sideeffects",
        "section": "Serious risks",
        "passage": True,
        "warnings": [],
    }


def test_section_examples_steer_ask_and_explain_shows_it(cli: Cli, content_copy: Path) -> None:
    question = "how often do I need bloodwork on imuran"
    before = json.loads(cli("explain", question, "--json").stdout)
    assert before["answer"]["section"] != "Monitoring"
    _add_examples(content_copy)
    folder = ("--content-dir", str(content_copy))
    after = json.loads(cli("explain", question, "--json", *folder).stdout)
    assert after["sections"][0]["heading"] == "Monitoring" and after["sections"][0]["leads"]
    answer = cli("ask", "ask", question, *folder)
    assert answer.stdout.split("\n")[1].startswith("Monitoring: regular blood counts")
    assert "Sources for this part:" in answer.stdout.split("Full answer:")[0]
