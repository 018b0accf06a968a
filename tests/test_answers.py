"""Answers as a member would receive them: sources, disclaimers, emergency notices first."""

from __future__ import annotations

import json

import pytest

from bot.core.answers import AnswerService, Status, UnknownCommandError, parse_command
from bot.core.catalog import Catalog, Command, Level

T, S, R = Command.TREATMENT, Command.SIDEEFFECTS, Command.RESISTANCE


def test_an_answer_carries_sources_disclaimer_and_review_date(
    service: AnswerService, catalog: Catalog
) -> None:
    answer = service.ask(S, "ivig")
    snippet = catalog.topics["ivig"].snippets[S]
    assert answer.title == catalog.topics["ivig"].title
    links = {catalog.sources[i].url for i in snippet.sources}
    assert {s.url for s in answer.sources} == links  # every page cited, each once
    assert len(answer.sources) == len(links)
    assert all(s.url.startswith("http") and s.title for s in answer.sources)
    primary = [s.primary for s in answer.sources]
    assert primary == sorted(primary, reverse=True)  # primary sources first
    assert primary[0]  # and there is at least one
    assert answer.disclaimer == catalog.disclaimers[snippet.disclaimer].text
    assert answer.reviewed == snippet.reviewed
    assert answer.emergency is None


@pytest.mark.parametrize(
    ("command", "query"),
    [
        (T, "mg and I can't breathe"),
        (T, "MG choking on saliva"),
        (T, "sps spasms, cannot breathe properly"),
        (T, "ae seizure that won't stop"),
        (S, "baclofen pump alarm going off"),
        (T, "I have suicidal thoughts"),
        (T, "can't swallow"),
    ],
)
def test_crisis_words_lead_with_the_emergency_notice(
    service: AnswerService, catalog: Catalog, command: Command, query: str
) -> None:
    answer = service.ask(command, query)
    assert answer.emergency == catalog.emergency_notice
    assert answer.emergency.lower().startswith("call your local emergency number now")
    assert all(word in answer.emergency for word in ("911", "112", "999", "988"))


def test_warning_signs_come_with_the_notice(service: AnswerService, catalog: Catalog) -> None:
    answer = service.ask(T, "mg trouble breathing")
    assert answer.topic == "mg"
    assert answer.warnings
    assert answer.warnings[0].level is Level.EMERGENCY
    mg_signs = {s.id for s in catalog.topics["mg"].warning_signs}
    assert answer.warnings[0].id in mg_signs  # the MG-specific sign, not only the general one


@pytest.mark.parametrize(
    ("command", "query"),
    [(T, "mg"), (T, "sps"), (R, "ae"), (S, "baclofen"), (S, "valium"), (T, "treatment for mg")],
)
def test_ordinary_questions_carry_no_emergency_notice(
    service: AnswerService, command: Command, query: str
) -> None:
    assert service.ask(command, query).emergency is None


def test_empty_query_lists_the_topics_of_that_command(
    service: AnswerService, catalog: Catalog
) -> None:
    answer = service.ask(R, "   ")
    assert answer.status is Status.TOPIC_LIST
    assert {s.id for s in answer.suggestions} == {t.id for t in catalog.of_kind(*catalog_kinds(R))}
    assert service.ask(S, "").suggestions and all(
        s.kind == "treatment" for s in service.ask(S, "").suggestions
    )


def catalog_kinds(command: Command):
    from bot.core.catalog import KINDS_FOR_COMMAND

    return KINDS_FOR_COMMAND[command]


def test_answers_serialise_to_json(service: AnswerService) -> None:
    for command, query in [(T, "sps"), (S, "sps"), (T, "pizza"), (T, ""), (T, "lems")]:
        data = json.loads(json.dumps(service.ask(command, query).to_dict()))
        for key in (
            "command",
            "query",
            "topic",
            "score",
            "suggestions",
            "title",
            "text",
            "sources",
            "disclaimer",
            "lead",
            "hint",
        ):
            assert key in data


def test_statuses_are_grouped_once_on_the_enum() -> None:
    notes = {Status.OUT_OF_SCOPE, Status.MG_CAUTION, Status.INTERACTION}
    assert {s for s in Status if s.is_note} == notes
    assert {s for s in Status if s.shows_snippet} == notes | {Status.ANSWER}
    assert {s for s in Status if s.offers_suggestions} == {Status.NO_MATCH, Status.WRONG_KIND}
    assert {s for s in Status if s.lists_suggestions} == {Status.WRONG_KIND, Status.TOPIC_LIST}
    for status in Status:  # an answer either shows a text or points at topics, never both
        assert status.shows_snippet != (status.offers_suggestions or status.lists_suggestions)


@pytest.mark.parametrize(
    ("command", "query", "status", "lead"),
    [
        (T, "pyrido", Status.NO_MATCH, "Did you mean one of these?"),
        (S, "sps", Status.WRONG_KIND, "Stiff person syndrome (SPS) is a condition."),
        (R, "ivig", Status.WRONG_KIND, "Intravenous immunoglobulin (IVIG) is a treatment."),
        (R, "", Status.TOPIC_LIST, "/resistance covers these topics"),
    ],
)
def test_pointers_carry_their_lead_apart_from_the_topics(
    service: AnswerService, command: Command, query: str, status: Status, lead: str
) -> None:
    answer = service.ask(command, query)
    assert answer.status is status and answer.suggestions
    assert answer.lead is not None and answer.lead.startswith(lead)
    assert answer.hint is None  # a hint only when nothing is suggested


def test_nothing_matched_hints_at_the_conditions_covered(
    service: AnswerService, catalog: Catalog
) -> None:
    answer = service.ask(T, "zzzqqq")
    assert answer.status is Status.NO_MATCH and not answer.suggestions and answer.lead is None
    assert answer.hint == "Try a condition (AE, MG, SPS) or a treatment name"
    assert all(f"{t.short_title}" in answer.hint for t in catalog.conditions)
    assert (
        answer.message
        == "No topic matches that. Try a condition (AE, MG, SPS) or a treatment name."
    )


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("treatment", T),
        ("/Treatment", T),
        ("side-effects", S),
        ("side effects", S),
        ("RESISTANCE", R),
    ],
)
def test_command_names(name: str, command: Command) -> None:
    assert parse_command(name) is command


def test_unknown_command_lists_the_commands() -> None:
    with pytest.raises(UnknownCommandError) as caught:
        parse_command("/dose")
    assert "/treatment, /sideeffects, /resistance" in str(caught.value)


def test_recent_answers_are_remembered_and_the_memory_is_bounded(catalog) -> None:
    from bot.core.answers import RECENT_ANSWERS

    service = AnswerService(catalog)
    first = service.ask(Command.TREATMENT, "sps")
    assert service.ask(Command.TREATMENT, "sps") is first  # answered from memory
    assert service.ask(Command.TREATMENT, "sps", focus="mg") is not first  # focus is part of it
    for number in range(RECENT_ANSWERS + 10):
        service.ask(Command.TREATMENT, f"zzq {number}")
    assert len(service._recent) <= RECENT_ANSWERS
