"""/ask in the core: routing on the development set, sections, and what the reply leads with.

The development set (tests/ask_cases.yaml) holds 265 member-style questions, each with the topic,
the kind of answer and, where one part clearly fits, the section. The floors below sit just
under today's figures, so a change that costs accuracy fails here; every emergency must lead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.answers import AnswerService, Status
from bot.core.ask import Asker
from bot.core.catalog import Command
from bot.core.loader import ContentError, load_catalog
from bot.core.sections import Section, render, split
from tests.conftest import TREATMENT, write_content

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "ask_cases.yaml").read_text(encoding="utf-8")
)
SAFETY: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "safety_cases.yaml").read_text(encoding="utf-8")
)
TOPIC_FLOOR = 0.95
KIND_FLOOR = 0.93
SECTION_FLOOR = 0.68


@pytest.fixture(scope="module")
def asker(service: AnswerService) -> Asker:
    return Asker(service)


def _expected_topic(case: dict[str, Any]) -> str | None:
    topic = case["topic"]
    return topic[0] if isinstance(topic, list) else topic


def test_the_development_set_is_answered_above_its_floors(asker: Asker) -> None:
    topic = kind = section = with_section = 0
    misses: list[str] = []
    for case in CASES:
        answer = asker.ask(case["q"])
        want = _expected_topic(case)
        topic_ok = (answer.topic or None) == want
        kind_ok = (want is None and not answer.topic) or answer.command.value == case["kind"]
        topic += topic_ok
        kind += kind_ok
        if "section" in case:
            with_section += 1
            section += answer.section == case["section"]
        if not (topic_ok and kind_ok):
            misses.append(f"{case['q']!r}: {answer.topic}/{answer.command.value}")
    total = len(CASES)
    assert total >= 150
    assert topic / total >= TOPIC_FLOOR, misses
    assert kind / total >= KIND_FLOOR, misses
    assert section / with_section >= SECTION_FLOOR


def test_every_emergency_question_leads_with_the_notice(asker: Asker) -> None:
    emergencies = [c["q"] for c in CASES if c.get("emergency")]
    emergencies += [
        question
        for sign, questions in SAFETY["signs"].items()
        for question in questions
        if sign in {s.id for s in asker.catalog.warning_signs if s.level.value == "emergency"}
    ]
    missed = [q for q in emergencies if asker.ask(q).emergency is None]
    assert len(emergencies) > 100 and not missed, missed


def test_the_reply_leads_with_the_part_that_fits(asker: Asker) -> None:
    answer = asker.ask("imuran TPMT test needed?")
    assert (answer.topic, answer.command, answer.section) == (
        "azathioprine",
        Command.SIDEEFFECTS,
        "Serious risks",
    )
    assert answer.passage is not None and "TPMT" in answer.passage
    assert answer.text is not None and len(answer.text) > len(answer.passage)  # the full answer
    shape = answer.to_dict()
    assert shape["command"] == "ask" and shape["answered_command"] == "sideeffects"
    assert shape["section"] == "Serious risks" and "TPMT" in shape["passage"]


def test_a_treatment_that_did_not_help_asks_about_the_condition(asker: Asker) -> None:
    answer = asker.ask("rituxan didnt help my stiff person, whats next")
    assert (answer.topic, answer.command) == ("sps", Command.RESISTANCE)
    route = asker.route("rituxan didnt help my stiff person, whats next")
    assert ("rituximab", "exact") in route.named
    assert any(command is Command.RESISTANCE for command, _ in route.kind_words)


def test_a_dose_in_mg_is_not_myasthenia_gravis(asker: Asker) -> None:
    assert asker.ask("is 10 mg of valium a lot for sps").topic == "benzodiazepines"
    assert "mg" not in {t for t, _ in asker.route("baclofen 20 mg side effects").named}
    assert "mg" in {t for t, _ in asker.route("baclofen with mg side effects").named}


def test_symptoms_without_a_name_reach_their_condition(asker: Asker) -> None:
    assert asker.ask("legs keep locking up and jerking at night what meds help").topic == "sps"
    assert asker.ask("droopy eyelid and double vision by evening").topic == "mg"


def test_an_unplaced_question_is_not_covered_with_suggestions(asker: Asker) -> None:
    answer = asker.ask("how do i renew my passport")
    assert answer.status is Status.NO_MATCH and answer.topic is None
    assert asker.ask("ivigg for a passport").topic == "ivig"  # a typo still places it
    lookalike = asker.ask("rituximb for passports")
    assert lookalike.topic == "rituximab"


def test_a_question_that_matches_no_part_leads_with_the_whole_answer(asker: Asker) -> None:
    answer = asker.ask("ivig")
    assert answer.topic == "ivig" and answer.section is None and answer.passage is None


def test_the_route_explains_every_step(asker: Asker) -> None:
    route = asker.route("azathioprinn bloodwork?")
    assert route.topic == "azathioprine" and route.command is Command.SIDEEFFECTS
    assert dict(route.named)["azathioprine"] == "typo"
    assert route.kind_points and route.sections
    assert route.sections == tuple(sorted(route.sections, key=lambda s: -s.score))


# -- sections -----------------------------------------------------------------------------


def test_bold_lead_ins_split_into_sections_and_back() -> None:
    text = (
        "Intro line.\n\n**What it is:** a tablet.\n\n**Where it sits:**\n- **MG:** first.\n\n"
        "**How strong is the evidence?** Weak.\n\n**Never stop it suddenly.** Plan it."
    )
    parts = split(text)
    assert [p.heading for p in parts] == [
        None,
        "What it is",
        "Where it sits",
        "How strong is the evidence?",
        "Never stop it suddenly.",
    ]
    assert parts[2].text == "- **MG:** first."  # bold inside a list item starts no section
    assert render(parts).strip() == text


def test_every_bundled_snippet_has_sections_with_their_text(service: AnswerService) -> None:
    for topic in service.catalog.topics.values():
        for snippet in topic.snippets.values():
            assert snippet.sections, topic.id
            assert snippet.text == render(snippet.sections).rstrip("\n")


SECTIONED = TREATMENT.replace(
    "    text: Drug side effects text.\n",
    """    sections:
      - heading: Common
        text: Tiredness and nausea.
        examples: [does it make you sleepy]
      - heading: Monitoring
        text: Blood counts every month.
        sources: [SRC-ONE]
""",
)


def test_sections_load_with_examples_and_their_own_sources(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"drug": SECTIONED})
    (root / "ask_cues.yaml").write_text(
        "sideeffects: [(sleepy|drowsy), blood (count*|test*)]\n", encoding="utf-8"
    )
    catalog = load_catalog(root)
    snippet = catalog.topics["drug"].snippets[Command.SIDEEFFECTS]
    assert snippet.sections == (
        Section("Common", "Tiredness and nausea.", (), ("does it make you sleepy",)),
        Section("Monitoring", "Blood counts every month.", ("SRC-ONE",), ()),
    )
    assert (
        snippet.text
        == "**Common:** Tiredness and nausea.\n\n**Monitoring:** Blood counts every month."
    )
    asker = Asker(AnswerService(catalog))
    answer = asker.ask("exampledrug makes me sleepy")
    assert answer.section == "Common"  # found through the example question
    monitoring = asker.ask("exampledrug blood counts")
    assert monitoring.section == "Monitoring"
    assert [s.id for s in monitoring.passage_sources] == ["SRC-ONE"]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            SECTIONED.replace("      - heading: Monitoring\n        text:", "      - text:"),
            "sections[1].heading",
        ),
        (SECTIONED.replace("heading: Monitoring", "heading: common"), "'common' is used twice"),
        (SECTIONED.replace("[SRC-ONE]\n", "[NOPE]\n"), "unknown source id 'NOPE'"),
        (SECTIONED.replace("[does it make you sleepy]", "['']"), "sections[0].examples"),
    ],
)
def test_bad_sections_are_listed_with_file_and_field(
    tmp_path: Path, broken: str, message: str
) -> None:
    with pytest.raises(ContentError) as caught:
        load_catalog(write_content(tmp_path / "content", {"drug": broken}))
    problems = [str(p) for p in caught.value.problems]
    assert any(message in p and "drug.yaml" in p for p in problems), problems


def test_text_and_sections_together_are_refused(tmp_path: Path) -> None:
    both = SECTIONED.replace("    sections:\n", "    text: Also text.\n    sections:\n")
    with pytest.raises(ContentError) as caught:
        load_catalog(write_content(tmp_path / "content", {"drug": both}))
    assert any("not both" in str(p) for p in caught.value.problems)
