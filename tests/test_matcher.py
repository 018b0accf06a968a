"""Matching what members type to topics, over the bundled content."""

from __future__ import annotations

import pytest

from bot.core.answers import AnswerService, Status
from bot.core.catalog import Command
from bot.core.matcher import How, allowed_typos, in_focus
from bot.core.normalize import compact, normalise

T, S, R = Command.TREATMENT, Command.SIDEEFFECTS, Command.RESISTANCE


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("sps", "sps"),
        ("SPS", "sps"),
        ("Stiff-Person Syndrome", "sps"),
        ("stiff man syndrome", "sps"),
        ("ae", "ae"),
        ("MG", "mg"),
        ("myasthenia gravis", "mg"),
        ("anti-NMDA receptor encephalitis", "ae"),
        ("IVIg", "ivig"),
        ("ＩＶＩＧ", "ivig"),  # full-width letters, folded by NFKC
        ("i\u200bvig", "ivig"),  # a zero-width space pasted from a phone
        ("PLEX", "plasma-exchange"),
        ("plasmapheresis", "plasma-exchange"),
    ],
)
def test_exact_names_and_abbreviations(service: AnswerService, query: str, topic: str) -> None:
    answer = service.ask(T, query)
    assert answer.status is Status.ANSWER
    assert answer.topic == topic
    assert answer.score == 100.0


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("valium", "benzodiazepines"),
        ("Klonopin", "benzodiazepines"),
        ("clonazepam", "benzodiazepines"),
        ("Mestinon", "pyridostigmine"),
        ("Lioresal", "baclofen"),
        ("Rituxan", "rituximab"),
        ("Solu-Medrol", "corticosteroids"),
        ("prednisone", "corticosteroids"),
        ("Gamunex", "ivig"),
    ],
)
def test_brand_and_generic_names(service: AnswerService, query: str, topic: str) -> None:
    assert service.ask(S, query).topic == topic


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("baclofim", "baclofen"),
        ("ritiximab", "rituximab"),
        ("diazepma", "benzodiazepines"),
        ("mestinnon", "pyridostigmine"),
        ("myasthenai gravis", "mg"),
        ("stif persn syndrom", "sps"),
        ("plasmapheersis", "plasma-exchange"),
        ("iivg", "ivig"),
        ("ivigg", "ivig"),
        ("pyridostigmne", "pyridostigmine"),
        ("autoimune encefalitis", "ae"),
        ("prednisoen", "corticosteroids"),
    ],
)
def test_typos(service: AnswerService, catalog, query: str, topic: str) -> None:
    every_alias = {
        compact(normalise(a)) for t in catalog.topics.values() for a in (t.id, t.title, *t.aliases)
    }
    assert compact(normalise(query)) not in every_alias, "pick a typo that is not an alias"
    answer = service.ask(T, query)
    assert (answer.status, answer.topic) == (Status.ANSWER, topic)
    assert 0 < answer.score < 100


@pytest.mark.parametrize(
    "query",
    ["ms", "als", "ra", "mgs", "sp", "a", "aes"],
)
def test_short_queries_need_an_exact_alias(service: AnswerService, query: str) -> None:
    answer = service.ask(T, query)
    assert answer.topic is None, f"{query!r} matched {answer.topic}"


@pytest.mark.parametrize(
    "query",
    [
        "diabetes",
        "aspirin",
        "pizza",
        "lupus",
        "multiple sclerosis",
        "parkinsons disease",
        "migraine",
        "ibuprofen",
        "covid vaccine",
        "cancer",
        "fibromyalgia",
        "hello",
        "flex",
        "nurse",
        "ivog",
    ],
)
def test_out_of_scope_gets_no_answer(service: AnswerService, query: str) -> None:
    for command in Command:
        answer = service.ask(command, query)
        assert answer.topic is None, f"/{command} {query!r} answered with {answer.topic}"
        assert answer.status is Status.NO_MATCH
        assert len(answer.suggestions) <= 3


@pytest.mark.parametrize(
    "query",
    ["Lambert-Eaton", "LEMS", "hyperekplexia", "stiff baby syndrome", "congenital myasthenia"],
)
def test_look_alike_disorders_are_named_as_not_covered(service: AnswerService, query: str) -> None:
    answer = service.ask(T, query)
    assert answer.status is Status.OUT_OF_SCOPE
    assert answer.topic is None
    assert "different" in (answer.message or "")
    assert answer.sources


@pytest.mark.parametrize(
    ("command", "query", "topic"),
    [
        (S, "side effects of ivig", "ivig"),
        (T, "what helps stiff person syndrome", "sps"),
        (T, "my mum has MG, what are the options?", "mg"),
        (S, "is valium addictive", "benzodiazepines"),
        (R, "why does my mg not respond", "mg"),
        (S, "ivig for mg", "ivig"),
        (R, "ivig for mg", "mg"),
    ],
)
def test_names_inside_a_sentence(
    service: AnswerService, command: Command, query: str, topic: str
) -> None:
    answer = service.ask(command, query)
    assert (answer.status, answer.topic) == (Status.ANSWER, topic)


def test_sideeffects_of_a_condition_suggests_its_treatments(service: AnswerService) -> None:
    answer = service.ask(S, "sps")
    assert answer.status is Status.WRONG_KIND
    assert answer.text is None  # not a wrong snippet
    ids = [s.id for s in answer.suggestions]
    assert {"baclofen", "benzodiazepines", "ivig"} <= set(ids)
    assert "pyridostigmine" not in ids  # an MG drug
    assert all(s.kind == "treatment" for s in answer.suggestions)


def test_resistance_of_a_treatment_points_to_its_conditions(service: AnswerService) -> None:
    answer = service.ask(R, "Mestinon")
    assert answer.status is Status.WRONG_KIND
    assert [s.id for s in answer.suggestions] == ["mg"]


def test_treatment_command_accepts_both_kinds(service: AnswerService) -> None:
    assert service.ask(T, "sps").kind == "condition"
    assert service.ask(T, "ivig").kind == "treatment"


def test_each_command_serves_its_own_snippet(service: AnswerService, catalog) -> None:
    assert service.ask(T, "ivig").text == catalog.topics["ivig"].snippets[T].text
    assert service.ask(S, "ivig").text == catalog.topics["ivig"].snippets[S].text
    assert service.ask(R, "mg").text == catalog.topics["mg"].snippets[R].text


def test_near_miss_offers_up_to_three_suggestions(service: AnswerService) -> None:
    answer = service.ask(T, "ritux maybe rituxi")
    assert answer.topic in (None, "rituximab")
    answer = service.ask(S, "pyrido")
    assert answer.status is Status.NO_MATCH
    assert 1 <= len(answer.suggestions) <= 3
    assert answer.suggestions[0].id == "pyridostigmine"


def test_typo_allowance_grows_with_length() -> None:
    assert [allowed_typos(n) for n in (2, 3, 4, 7, 8, 12, 13)] == [0, 0, 1, 1, 2, 2, 3]


def test_very_long_and_strange_input_never_raises(service: AnswerService) -> None:
    for query in [
        "x" * 10_000,
        "🙂" * 500,
        "\x00\x07\x1b[31m",
        "@everyone",
        "<@123456789>",
        " \t\n",
    ]:
        for command in Command:
            answer = service.ask(command, query)
            assert answer.status in Status
            assert len(answer.query) <= 100


def test_the_match_reports_how_it_was_found(service: AnswerService) -> None:
    matcher = service.matcher
    assert matcher.match(T, "ivig").how is How.EXACT
    assert matcher.match(T, "side effects of ivig").how is How.PHRASE
    assert matcher.match(T, "iivg").how is How.TYPO
    assert matcher.match(T, "pizza").how is How.NONE


class TestAutocomplete:
    def test_empty_input_offers_conditions_then_common_treatments(
        self, service: AnswerService
    ) -> None:
        choices = service.autocomplete(T, "")
        ids = [value for _, value in choices]
        assert ids[:3] == ["ae", "mg", "sps"]
        assert "ivig" in ids[:8]
        assert len(choices) <= 25

    def test_values_are_ids_and_labels_are_titles(self, service: AnswerService, catalog) -> None:
        for label, value in service.autocomplete(T, "") + service.autocomplete(S, "ri"):
            assert catalog.topics[value].title == label

    def test_prefix_ranks_first(self, service: AnswerService) -> None:
        assert service.autocomplete(S, "ritu")[0][1] == "rituximab"
        assert service.autocomplete(S, "mest")[0][1] == "pyridostigmine"
        assert service.autocomplete(T, "stiff")[0][1] == "sps"

    def test_typo_while_typing(self, service: AnswerService) -> None:
        assert "baclofen" in [v for _, v in service.autocomplete(S, "baclof")]
        assert "baclofen" in [v for _, v in service.autocomplete(S, "baclofn")]

    def test_filters_by_command(self, service: AnswerService, catalog) -> None:
        assert {catalog.topics[v].kind.value for _, v in service.autocomplete(R, "")} == {
            "condition"
        }
        assert {catalog.topics[v].kind.value for _, v in service.autocomplete(S, "")} == {
            "treatment"
        }
        assert "sps" not in [v for _, v in service.autocomplete(S, "sps")]

    def test_at_most_25_for_any_input(self, service: AnswerService) -> None:
        for partial in ["", "a", "e", "in", "x" * 300]:
            assert len(service.autocomplete(T, partial)) <= 25


@pytest.mark.parametrize(
    ("query", "name_part"),
    [
        ("cipro", "Fluoroquinolone"),
        ("ciprofloxacin", "Fluoroquinolone"),
        ("azithromycin", "Macrolide"),
        ("Z-Pak", "Macrolide"),
        ("magnesium", "Magnesium"),
        ("metoprolol", "Beta-blockers"),
        ("a beta blocker", "Beta-blockers"),
        ("keytruda", "checkpoint"),
        ("is levofloxacin ok with mg", "Fluoroquinolone"),
        ("azithromycine", "Macrolide"),  # a typo
    ],
)
def test_medicines_that_can_worsen_mg_get_their_caution(
    service: AnswerService, query: str, name_part: str
) -> None:
    answer = service.ask(S, query)
    assert answer.status is Status.MG_CAUTION
    assert answer.topic is None and answer.text is None
    assert name_part in (answer.title or "")
    assert "MG" in (answer.message or "") and "Not a treatment this bot covers" in answer.message
    assert answer.sources


def test_a_covered_treatment_wins_over_a_caution(service: AnswerService) -> None:
    assert service.ask(S, "botox").topic == "botulinum-toxin"
    assert service.ask(S, "prednisone").topic == "corticosteroids"


def test_focus_condition_ranks_first_but_everything_stays_reachable(service: AnswerService) -> None:
    plain = [v for _, v in service.autocomplete(T, "")]
    focused = [v for _, v in service.autocomplete(T, "", focus="mg")]
    assert focused[0] == "mg"
    focus_count = sum(1 for t in service.catalog.topics.values() if in_focus(t, "mg"))
    assert all(in_focus(service.catalog.topics[v], "mg") for v in focused[:focus_count])
    assert "pyridostigmine" in focused[:focus_count] and "pyridostigmine" not in plain[:10]
    for topic in service.catalog.topics.values():  # every topic stays reachable
        assert service.autocomplete(T, topic.title, focus="mg")[0][1] == topic.id
    # a typed exact name still wins over the focus
    assert service.autocomplete(S, "valium", focus="mg")[0][1] == "benzodiazepines"
    # suggestions: the focus condition's topics first
    assert service.ask(S, "a", focus="mg").status is Status.NO_MATCH
    assert service.ask(T, "anti").suggestions[0].id == "antidepressants"
    assert service.ask(T, "anti", focus="mg").suggestions[0].id == "mg"
