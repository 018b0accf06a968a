"""Warning signs, interaction notes and their phrases: how curators write and the bot reads them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.core.answers import AnswerService, Status
from bot.core.catalog import Command, Level
from bot.core.loader import ContentError, load_catalog
from bot.core.phrases import PhraseError, close, compile_phrase, found_in
from tests.conftest import CONDITION, write_content

T = Command.TREATMENT

GENERAL = """\
- id: self-harm
  level: emergency
  means: Thoughts of suicide or self-harm need help now.
  do: Call your local emergency number or a crisis line now.
  sources: [SRC-ONE]
  phrases: [suicid*, kill myself, want to die]
- id: any-breathing
  level: emergency
  means: Trouble breathing needs help now.
  do: Call your local emergency number now.
  sources: [SRC-ONE]
  phrases: ['(cant|cannot) breath*', short of breath]
"""

INTERACTIONS = """\
- id: drug-with-other
  name: Example drug with otherdrug
  between:
    - [drug]
    - [otherdrug, othr*]
  note: Do not take these together without asking your prescriber.
  sources: [SRC-TWO]
"""


def tree(
    tmp_path: Path,
    general: str | None = GENERAL,
    interactions: str | None = INTERACTIONS,
    **topics: str,
) -> Path:
    root = write_content(tmp_path / "content", topics)
    if general is not None:
        (root / "warning_signs.yaml").write_text(textwrap.dedent(general), encoding="utf-8")
    if interactions is not None:
        (root / "interactions.yaml").write_text(textwrap.dedent(interactions), encoding="utf-8")
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    return [str(p) for p in caught.value.problems]


# -- phrases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("(cant|cannot) breath*", "i cant breathe"),
        ("(cant|cannot) breath*", "she cannot breath properly"),
        ("(cant|cannot) breath*", "cnat breahting"),  # swapped letters in a short and a long word
        ("seiz* ... stop*", "siezures that just wont stop"),
        ("stiff neck", "soliris fever and a stiff neck"),
        (
            "yellow ... (eyes|skin)",
            "my eyes look yellow"[::-1][::-1].replace("my eyes look", "yellow looking") + " eyes",
        ),
        ("unconscious", "he is unconscous"),
        ("double vision & worse*", "worse since friday: the double vision"),  # any order
        ("seiz* & (another|one after another)", "seizure and then one after another"),
        ("(what is|whats) ... crisis", "whats a crisis"),
    ],
)
def test_phrases_find_what_members_type(phrase: str, text: str) -> None:
    assert found_in(compile_phrase(phrase), text.split())


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("(cant|cannot) breath*", "can breathing exercises help"),  # `can` is not `cant`
        ("stiff neck", "neck feels stiff"),  # order matters unless written both ways
        ("seiz* ... stop*", "seizure meds made me feel sick and tired so i stopped"),  # gap > 4
        ("fever", "fewer spasms"),  # a different word, not a typo
        ("pump alarm*", "pump"),
        ("double vision & worse*", "double vision since friday"),  # every part must be there
    ],
)
def test_phrases_do_not_reach_too_far(phrase: str, text: str) -> None:
    assert not found_in(compile_phrase(phrase), text.split())


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        ("", "empty"),
        ("... breath", "cannot start"),
        ("breath ...", "cannot end"),
        ("br*", "at least 3 letters"),
        ("b*eath", "only end a word"),
        ("x-ray", "more than one word"),
        ("!!", "no letters or digits"),
        ("worse &", "both sides"),
        ("(what is|) crisis", "empty choice"),
        ("(what (is) crisis", "unbalanced"),
    ],
)
def test_phrases_that_cannot_work_are_refused_with_a_reason(phrase: str, message: str) -> None:
    with pytest.raises(PhraseError, match=message):
        compile_phrase(phrase)


def test_typo_tolerance_grows_with_the_word() -> None:
    assert close("cnat", "cant") and not close("can", "cant")
    assert close("siezure", "seizure") and close("seizre", "seizure")
    assert not close("heizure", "seizure")  # the first letter must agree
    assert close("unresponsve", "unresponsive") and close("unrepsonsve", "unresponsive")


def test_choices_need_brackets_so_their_reach_is_visible() -> None:
    bracketed = compile_phrase("seiz* & (straight after|again)")
    assert found_in(bracketed, ["seizure", "and", "again"])
    assert found_in(bracketed, ["seizure", "straight", "after"])
    # `straight after|again` could mean two things; the curator is asked to write which
    with pytest.raises(PhraseError, match=r"put choices in brackets, e.g. \(after\|again\)"):
        compile_phrase("seiz* & straight after|again")


# -- loading ---------------------------------------------------------------------------


def test_signs_and_interactions_load_from_every_place(tmp_path: Path) -> None:
    catalog = load_catalog(tree(tmp_path))
    assert [s.id for s in catalog.general_signs] == ["self-harm", "any-breathing"]
    assert [s.id for s in catalog.topics["cond"].warning_signs] == ["breathing-crisis"]
    assert catalog.topics["drug"].warning_signs[0].level is Level.URGENT
    assert [i.id for i in catalog.interactions] == ["drug-with-other"]
    assert {s.id for s in catalog.warning_signs} == {
        "self-harm",
        "any-breathing",
        "breathing-crisis",
        "yellow-eyes",
    }


def test_every_sign_mistake_is_reported_at_once(tmp_path: Path) -> None:
    broken = """\
    - id: Bad_Id
      level: severe
      means: ""
      do: Call now.
      sources: [NOPE]
      phrases: ["... x", "br*"]
      with_any: ["!!"]
      instead_of: [no-such-sign]
      keywords: [old]
    """
    found = problems(tree(tmp_path, general=broken))
    text = "\n".join(found)
    assert "warning_signs.yaml" in text
    for expected in (
        "lowercase letters",
        "'severe' must be one of: emergency, urgent, contact",
        "means: missing or empty",
        "unknown source id 'NOPE'",
        "cannot start with '...'",
        "at least 3 letters",
        "no letters or digits",
        "'no-such-sign' is not the id of another warning sign",
        "'keywords' is now 'phrases'",
    ):
        assert expected in text, expected


def test_a_sign_id_used_twice_is_reported(tmp_path: Path) -> None:
    doubled = GENERAL + GENERAL.split("- id: any-breathing")[0].replace(
        "- id: self-harm", "- id: any-breathing", 1
    )
    assert any("also used in" in p for p in problems(tree(tmp_path, general=doubled)))


def test_old_red_flags_get_a_pointer_to_the_new_key(tmp_path: Path) -> None:
    old = CONDITION.replace("warning_signs:", "red_flags:")
    assert any(
        "'red_flags' is now 'warning_signs'" in p for p in problems(tree(tmp_path, cond=old))
    )


@pytest.mark.parametrize(
    ("interactions", "message"),
    [
        (
            "- {id: x, name: X, between: [[drug]], note: N, sources: [SRC-ONE]}",
            "at least two groups",
        ),
        ("- {id: x, name: X, between: [[drug], []], note: N, sources: [SRC-ONE]}", "non-empty"),
        ('- {id: x, name: X, between: [[drug], ["b*"]], note: N, sources: [SRC-ONE]}', "3 letters"),
        (
            '- {id: x, name: X, between: [[drug], [y]], note: "", sources: [SRC-ONE]}',
            "note: missing",
        ),
        ("- {id: x, name: X, between: [[drug], [y]], note: N, sources: [NOPE]}", "unknown source"),
        ("[]", "non-empty list"),
    ],
)
def test_interaction_mistakes_are_reported(tmp_path: Path, interactions: str, message: str) -> None:
    found = problems(tree(tmp_path, interactions=interactions))
    assert any("interactions.yaml" in p and message in p for p in found), found


# -- answering -------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> AnswerService:
    return AnswerService(load_catalog(tree(tmp_path)))


def test_an_emergency_leads_with_the_notice_and_the_specific_sign_first(
    small: AnswerService,
) -> None:
    answer = small.ask(T, "excon and i cant breathe")
    assert answer.emergency == small.catalog.emergency_notice
    assert [w.id for w in answer.warnings] == ["breathing-crisis", "any-breathing"]
    assert answer.topic == "cond"  # the snippet still follows


def test_a_sign_with_context_needs_its_topic_named(small: AnswerService) -> None:
    assert small.ask(T, "my eyes are yellow").warnings == ()
    answer = small.ask(T, "brandname and yellow eyes")  # a brand name of the topic counts
    assert [w.id for w in answer.warnings] == ["yellow-eyes"]
    assert answer.warnings[0].level is Level.URGENT
    assert answer.emergency is None  # urgent, not an emergency


def test_signs_are_read_whatever_the_topic_or_command(small: AnswerService) -> None:
    answer = small.ask(Command.SIDEEFFECTS, "exampledrug but i want to die")
    assert answer.emergency and answer.warnings[0].id == "self-harm"
    assert small.ask(Command.RESISTANCE, "short of breath").emergency


CALM = """\
openers: ["(what is|whats)", "tips"]
happening_now: ["(now|help)", "(she is|hes)"]
not_now: ["(years ago|healed)"]
acute: ["(cant|right now)"]
"""


def test_a_question_asking_for_information_raises_no_sign(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "calm_questions.yaml").write_text(CALM, encoding="utf-8")
    service = AnswerService(load_catalog(root))
    assert service.ask(T, "what is short of breath in excon").warnings == ()
    assert service.ask(T, "tips for when i cant breathe").emergency is None
    # the same opener with something happening now keeps every sign
    assert service.ask(T, "what is happening, she is short of breath").emergency
    assert service.ask(T, "whats wrong i cant breathe help").emergency
    # and an opener only counts at the start
    assert service.ask(T, "i cant breathe what is wrong").emergency
    # a story that is over is calm; the same story with something acute is not
    assert service.ask(T, "two years ago i was short of breath in excon").warnings == ()
    assert service.ask(T, "two years ago the same, right now short of breath").emergency


def test_calm_question_mistakes_are_reported(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "calm_questions.yaml").write_text("openers: ['br*']\nhapening_now: []\n")
    found = problems(root)
    assert any("calm_questions.yaml" in p and "3 letters" in p for p in found), found
    assert any("did you mean 'happening_now'" in p for p in found), found


def test_an_interaction_note_comes_before_the_answer(small: AnswerService) -> None:
    answer = small.ask(T, "exampledrug with otherdrug ok?")
    assert answer.status is Status.ANSWER and answer.topic == "drug"
    assert [n.name for n in answer.notes] == ["Example drug with otherdrug"]
    both_ways = small.ask(T, "othrs and brandname")
    assert [n.name for n in both_ways.notes] == ["Example drug with otherdrug"]


def test_a_medicine_known_only_from_an_interaction_answers_with_its_note(
    small: AnswerService,
) -> None:
    answer = small.ask(T, "otherdrug")
    assert answer.status is Status.INTERACTION
    assert answer.title == "Example drug with otherdrug"
    assert [s.id for s in answer.sources] == ["SRC-TWO"]
    assert answer.notes == ()  # not repeated beside itself
