"""The safety suite: member-style questions for every warning sign, interaction and look-alike.

Cases live in tests/safety_cases.yaml, beside the content they pin. Each test checks every case
and reports all that fail, not just the first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.answers import Answer, AnswerService, Status
from bot.core.catalog import Catalog, Command, Level

CASES: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "safety_cases.yaml").read_text(encoding="utf-8")
)
T = Command.TREATMENT
MIN_PHRASINGS = 3


def _report(failures: list[str]) -> None:
    assert not failures, f"{len(failures)} case(s) failed:\n" + "\n".join(failures)


def _shown(answer: Answer) -> str:
    first = answer.warnings[0].level.value if answer.warnings else "none"
    return f"first={first} signs={[w.id for w in answer.warnings]}"


def test_every_sign_interaction_and_look_alike_has_cases(catalog: Catalog) -> None:
    failures = [
        f"sign {sign.id}: {len(CASES['signs'].get(sign.id) or [])} phrasings"
        for sign in catalog.warning_signs
        if len(CASES["signs"].get(sign.id) or []) < MIN_PHRASINGS
    ]
    failures += [
        f"interaction {i.id}: fewer than {MIN_PHRASINGS} questions"
        for i in catalog.interactions
        if len(CASES["interactions"].get(i.id) or []) < MIN_PHRASINGS
    ]
    covered = set(CASES["lookalikes"].values())
    failures += [
        f"look-alike {note.name}: no question"
        for note in catalog.notes
        if note.kind.value == "out_of_scope" and not any(note.name.startswith(c) for c in covered)
    ]
    failures += [
        f"cases name unknown sign {s}"
        for s in set(CASES["signs"]) - {sign.id for sign in catalog.warning_signs}
    ]
    _report(failures)


def test_every_warning_sign_is_raised_and_its_level_shown_first(
    service: AnswerService, catalog: Catalog
) -> None:
    signs = {sign.id: sign for sign in catalog.warning_signs}
    failures = []
    for sign_id, questions in CASES["signs"].items():
        sign = signs.get(sign_id)
        if sign is None:
            continue  # reported by the coverage test
        for question in questions:
            answer = service.ask(T, question)
            raised = {w.id for w in answer.warnings}
            # a more precise sign may stand in for a general one (`instead_of`)
            covered = sign_id in raised or any(
                sign_id in signs[other].instead_of for other in raised
            )
            first = answer.warnings[0].level if answer.warnings else None
            ok = covered and first is not None and first.rank <= sign.level.rank
            if sign.level is Level.EMERGENCY:
                ok = ok and answer.emergency == catalog.emergency_notice
            if not ok:
                failures.append(f"{sign_id} ({sign.level.value}): {question!r} -> {_shown(answer)}")
    _report(failures)


def test_calm_questions_raise_no_emergency(service: AnswerService) -> None:
    failures = [
        f"{question!r} -> {_shown(answer)}"
        for question in CASES["calm"]
        if (answer := service.ask(T, question)).emergency is not None
    ]
    _report(failures)


@pytest.mark.parametrize("command", list(Command))
def test_interaction_notes_show_for_the_combination(
    service: AnswerService, catalog: Catalog, command: Command
) -> None:
    names = {i.id: i.name for i in catalog.interactions}
    failures = []
    for interaction_id, questions in CASES["interactions"].items():
        for question in questions:
            answer = service.ask(command, question)
            shown = [n.name for n in answer.notes]
            if answer.status is Status.INTERACTION:
                shown.append(answer.title or "")
            if names.get(interaction_id) not in shown:
                failures.append(f"/{command.value} {interaction_id}: {question!r} -> {shown}")
    _report(failures)


def test_look_alikes_get_their_note_never_a_condition_snippet(service: AnswerService) -> None:
    failures = []
    for question, name in CASES["lookalikes"].items():
        for command in (Command.TREATMENT, Command.RESISTANCE):
            answer = service.ask(command, question)
            if answer.status is not Status.OUT_OF_SCOPE or not (answer.title or "").startswith(
                name
            ):
                failures.append(
                    f"/{command.value} {question!r} -> {answer.status.value} {answer.title}"
                )
    _report(failures)


AE_SUBTYPES = [
    "anti-nmdar encephalitis",
    "LGI1 encephalitis",
    "caspr2",
    "GAD65 encephalitis",
    "seronegative autoimmune encephalitis",
    "limbic encephalitis",
]


def test_autoimmune_subtypes_still_reach_ae_beside_the_infection_look_alike(
    service: AnswerService,
) -> None:
    failures = [
        f"{question!r} -> {answer.status.value} {answer.topic or answer.title}"
        for question in AE_SUBTYPES
        if (answer := service.ask(Command.RESISTANCE, question)).topic != "ae"
    ]
    _report(failures)
