"""Matching what members type to topics.

Most tests run over a small made-up catalogue (the `small_service` fixture, tests/conftest.py:
Glimmer syndrome (GX), Torvald myopathy (TM) and their treatments), so a content edit cannot
break them and a matcher change cannot hide behind the bundled content. `TestBundledContent`
checks that real questions find the right bundled topic.
"""

from __future__ import annotations

import pytest

from bot.core.answers import AnswerService, Status
from bot.core.catalog import KINDS_FOR_COMMAND, Catalog, Command, Kind, Topic
from bot.core.matcher import How, Matcher, in_focus
from bot.core.normalize import compact, normalise
from bot.core.typos import allowed_typos

T, S, R = Command.TREATMENT, Command.SIDEEFFECTS, Command.RESISTANCE


def every_alias(catalog: Catalog) -> set[str]:
    """Every name a catalogue's topics are known by, as the matcher compares them."""
    return {
        compact(normalise(a)) for t in catalog.topics.values() for a in (t.id, t.title, *t.aliases)
    }


# Matcher behaviour, over the small catalogue


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("gx", "gx"),
        ("GX", "gx"),
        ("Glimmer-Syndrome", "gx"),
        ("glimmer disease", "gx"),
        ("Glimmer syndrome (GX)", "gx"),  # the title
        ("torvald myopathy", "tm"),
        ("IVEX", "ivex"),
        ("ＩＶＥＸ", "ivex"),  # full-width letters, folded by NFKC
        ("i\u200bvex", "ivex"),  # a zero-width space pasted from a phone
        ("vexamab", "ivex"),
    ],
)
def test_exact_names_and_abbreviations(
    small_service: AnswerService, query: str, topic: str
) -> None:
    answer = small_service.ask(T, query)
    assert (answer.status, answer.topic, answer.score) == (Status.ANSWER, topic, 100.0)


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("Zentorex", "zentoril"),
        ("zen-tab", "zentoril"),
        ("zen tab", "zentoril"),
        ("ZenTab", "zentoril"),
        ("Calvira", "mabicept"),
        ("Calvira XR", "mabicept"),
        ("pyrolane", "plexolane"),
    ],
)
def test_brand_names_find_their_treatment(
    small_service: AnswerService, query: str, topic: str
) -> None:
    answer = small_service.ask(S, query)
    assert (answer.status, answer.topic) == (Status.ANSWER, topic)


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("zentorli", "zentoril"),  # two letters swapped
        ("mabicpet", "mabicept"),
        ("calvria", "mabicept"),  # in a brand name
        ("glimer syndrom", "gx"),  # two letters dropped in a longer name
        ("torvlad myopathy", "tm"),
        ("plexolnae", "plexolane"),  # one typo from Plexolane, two from Plexolate
        ("plexolat", "plexolate"),
        ("ivexx", "ivex"),  # a short name: a letter added
        ("ievx", "ivex"),  # a short name: two letters swapped
    ],
)
def test_typos_within_the_allowance(
    small_service: AnswerService, small_catalog: Catalog, query: str, topic: str
) -> None:
    assert compact(normalise(query)) not in every_alias(small_catalog), "pick a non-alias"
    answer = small_service.ask(T, query)
    assert (answer.status, answer.topic) == (Status.ANSWER, topic)
    assert 0 < answer.score < 100
    assert small_service.matcher.match(T, query).how is How.TYPO


@pytest.mark.parametrize(
    "query",
    [
        "g",
        "gy",  # one letter from gx
        "tn",  # one letter from tm
        "gxs",  # three letters: exact aliases only
        "ivx",  # IVEX with a letter dropped, but three letters
        "ivox",  # a four-letter word: a different letter is another word, not a typo
        "xvex",  # the first letter must agree
        "iexv",  # two swaps
    ],
)
def test_short_words_only_match_exactly_or_by_a_small_slip(
    small_service: AnswerService, query: str
) -> None:
    answer = small_service.ask(T, query)
    assert answer.topic is None, f"{query!r} matched {answer.topic}"


def test_two_equally_close_names_are_suggested_not_guessed(small_service: AnswerService) -> None:
    answer = small_service.ask(S, "plexolace")  # one letter from Plexolane and from Plexolate
    assert (answer.status, answer.topic) == (Status.NO_MATCH, None)
    assert [s.id for s in answer.suggestions] == ["plexolane", "plexolate"]


@pytest.mark.parametrize(
    "query", ["pizza", "aspirin", "hello", "diabetes", "syndrome", "glamour", "torvalds linux"]
)
def test_unknown_words_get_no_answer(small_service: AnswerService, query: str) -> None:
    for command in Command:
        answer = small_service.ask(command, query)
        assert answer.topic is None, f"/{command} {query!r} answered with {answer.topic}"
        assert answer.status is Status.NO_MATCH
        assert len(answer.suggestions) <= 3


@pytest.mark.parametrize("query", ["baby glimmer", "Shimmer syndrome", "is it shimmer syndrome"])
def test_a_look_alike_condition_is_named_as_not_covered(
    small_service: AnswerService, query: str
) -> None:
    answer = small_service.ask(T, query)
    assert (answer.status, answer.topic) == (Status.OUT_OF_SCOPE, None)
    assert (
        answer.message == "Shimmer syndrome is a different condition from glimmer syndrome; "
        "not covered here."
    )
    assert [s.id for s in answer.sources] == ["SRC-ONE"]


@pytest.mark.parametrize("query", ["korvacillin", "Korvax", "korvacilin", "is korvax safe"])
def test_a_medicine_with_a_caution_gets_its_note(small_service: AnswerService, query: str) -> None:
    answer = small_service.ask(S, query)
    assert answer.status is Status.MG_CAUTION
    assert answer.topic is None and answer.text is None
    assert answer.title == "Korvacillin antibiotics"
    assert answer.message == "Not a treatment this bot covers, and one that can make TM worse."
    assert [s.id for s in answer.sources] == ["SRC-TWO"]


def test_a_covered_treatment_named_beside_a_caution_is_answered_with_the_caution(
    small_service: AnswerService,
) -> None:
    answer = small_service.ask(S, "is korvax ok with calvira")
    assert (answer.status, answer.topic) == (Status.ANSWER, "mabicept")
    assert [note.name for note in answer.notes] == ["Korvacillin antibiotics"]


@pytest.mark.parametrize(
    ("command", "query", "topic"),
    [
        (S, "side effects of calvira", "mabicept"),
        (T, "what helps glimmer syndrome", "gx"),
        (T, "my mum has TM, what are the options?", "tm"),
        (S, "is zentorex addictive", "zentoril"),
        (R, "why does my gx not respond", "gx"),
        (S, "mabicept for gx", "mabicept"),  # the command's kind wins
        (R, "mabicept for gx", "gx"),
        (T, "mabicept for glimmer syndrome", "gx"),  # the longer name wins
    ],
)
def test_names_inside_a_sentence(
    small_service: AnswerService, command: Command, query: str, topic: str
) -> None:
    answer = small_service.ask(command, query)
    assert (answer.status, answer.topic) == (Status.ANSWER, topic)


def test_sideeffects_of_a_condition_suggests_its_treatments(small_service: AnswerService) -> None:
    answer = small_service.ask(S, "gx")
    assert (answer.status, answer.topic) == (Status.WRONG_KIND, "gx")
    assert answer.text is None  # not a wrong snippet
    # every treatment used for GX, none used only for TM (Plexolane)
    assert {s.id for s in answer.suggestions} == {"ivex", "mabicept", "plexolate", "zentoril"}
    assert all(s.kind == "treatment" for s in answer.suggestions)


def test_resistance_of_a_treatment_points_to_its_conditions(small_service: AnswerService) -> None:
    assert [s.id for s in small_service.ask(R, "Zentorex").suggestions] == ["gx"]
    assert [s.id for s in small_service.ask(R, "calvira").suggestions] == ["gx", "tm"]
    assert small_service.ask(R, "calvira").status is Status.WRONG_KIND


def test_treatment_command_accepts_both_kinds(small_service: AnswerService) -> None:
    assert small_service.ask(T, "gx").kind == "condition"
    assert small_service.ask(T, "ivex").kind == "treatment"


def test_each_command_serves_its_own_snippet(small_service: AnswerService) -> None:
    assert small_service.ask(T, "ivex").text == "Infused vexamab (IVEX) treatment text."
    assert small_service.ask(S, "ivex").text == "Infused vexamab (IVEX) side effects text."
    assert small_service.ask(R, "tm").text == "Torvald myopathy (TM) resistance text."


def test_a_near_miss_offers_up_to_three_suggestions(small_service: AnswerService) -> None:
    answer = small_service.ask(S, "mabi")  # the start of a name
    assert answer.status is Status.NO_MATCH
    assert [s.id for s in answer.suggestions] == ["mabicept"]
    assert [s.id for s in small_service.ask(S, "plexo").suggestions] == ["plexolane", "plexolate"]
    assert small_service.ask(T, "torva").suggestions[0].id == "tm"
    assert small_service.ask(S, "torva").suggestions == ()  # a condition: not for /sideeffects


def test_typo_allowance_grows_with_length() -> None:
    assert [allowed_typos(n) for n in (2, 3, 4, 7, 8, 12, 13)] == [0, 0, 1, 1, 2, 2, 3]


def test_very_long_and_strange_input_never_raises(small_service: AnswerService) -> None:
    for query in [
        "x" * 10_000,
        "🙂" * 500,
        "\x00\x07\x1b[31m",
        "@everyone",
        "<@123456789>",
        " \t\n",
        "gx " * 1_000,
    ]:
        for command in Command:
            answer = small_service.ask(command, query)
            assert answer.status in Status
            assert len(answer.query) <= 100


def test_the_match_reports_how_it_was_found(small_service: AnswerService) -> None:
    matcher = small_service.matcher
    assert matcher.match(T, "ivex").how is How.EXACT
    assert matcher.match(T, "side effects of ivex").how is How.PHRASE
    assert matcher.match(T, "ievx").how is How.TYPO
    assert matcher.match(T, "pizza").how is How.NONE


def names_by_owner(catalog: Catalog) -> dict[str, Topic]:
    """Every compact name and its topic; the first topic to claim a name has it."""
    owner: dict[str, Topic] = {}
    for topic in catalog.topics.values():
        for name in (topic.id, topic.title, *topic.aliases):
            owner.setdefault(compact(normalise(name)), topic)
    return owner


def prefix_choices_by_rule(
    owner: dict[str, Topic], command: Command, typed: str, limit: int, focus: str | None
) -> list[tuple[str, str]] | None:
    """What autocomplete offers where more than `limit` topics have a name starting with
    `typed` (None otherwise), by its rule: the exact name's topic, then the focus condition's
    topics, then the rest by title, then id (names of three letters or fewer only exactly)."""
    kinds = KINDS_FOR_COMMAND[command]
    key = compact(normalise(typed))
    exact = owner.get(key)
    exact = exact if exact is not None and exact.kind in kinds else None
    prefixed = {
        topic.id: topic
        for name, topic in owner.items()
        if len(name) > 3 and name.startswith(key) and topic.kind in kinds
    }
    if exact is not None:
        prefixed[exact.id] = exact
    if len(prefixed) <= limit:
        return None
    ranked = sorted(
        prefixed.values(),
        key=lambda t: (t is not exact, not in_focus(t, focus), t.title, t.id),
    )
    return [(t.title, t.id) for t in ranked[:limit]]


def test_many_prefix_matches_are_offered_by_rule_without_ranking_each(catalog: Catalog) -> None:
    """With thousands of topics, a first letter matches thousands of names: autocomplete picks
    the first few by its rule without ranking each (issue 15); small limits make the bundled
    content such a case."""
    matcher, owner = Matcher(catalog), names_by_owner(catalog)
    # first letters, and whole names (`antigad`: exact for SPS, and the start of an AE name)
    keys = sorted({name[:n] for name in owner for n in (1, 2, 3)} | set(owner))
    compared = 0
    for command in Command:
        for focus in (None, *[t.id for t in catalog.of_kind(Kind.CONDITION)]):
            for limit in (1, 8):
                for key in keys:
                    expected = prefix_choices_by_rule(owner, command, key, limit, focus)
                    if expected is not None:
                        compared += 1
                        assert matcher.autocomplete(command, key, limit, focus) == expected
    assert compared > 500


class TestAutocomplete:
    def test_empty_input_offers_conditions_then_the_most_used_treatments(
        self, small_service: AnswerService
    ) -> None:
        ids = [value for _, value in small_service.autocomplete(T, "")]
        assert ids == ["gx", "tm", "ivex", "mabicept", "plexolane", "plexolate", "zentoril"]

    def test_values_are_ids_and_labels_are_titles(
        self, small_service: AnswerService, small_catalog: Catalog
    ) -> None:
        choices = small_service.autocomplete(T, "") + small_service.autocomplete(S, "ple")
        for label, value in choices:
            assert small_catalog.topics[value].title == label

    def test_prefix_ranks_first(self, small_service: AnswerService) -> None:
        assert small_service.autocomplete(S, "calv")[0][1] == "mabicept"
        assert small_service.autocomplete(S, "zen")[0][1] == "zentoril"
        assert small_service.autocomplete(T, "glim")[0][1] == "gx"
        assert small_service.autocomplete(T, "myopathy")[0][1] == "tm"  # a later word

    def test_typo_while_typing(self, small_service: AnswerService) -> None:
        assert "zentoril" in [v for _, v in small_service.autocomplete(S, "zentor")]
        assert "zentoril" in [v for _, v in small_service.autocomplete(S, "zentorx")]

    def test_filters_by_command(self, small_service: AnswerService, small_catalog: Catalog) -> None:
        kinds = {
            command: {
                small_catalog.topics[v].kind.value
                for _, v in small_service.autocomplete(command, "")
            }
            for command in (R, S)
        }
        assert kinds == {R: {"condition"}, S: {"treatment"}}
        assert "gx" not in [v for _, v in small_service.autocomplete(S, "gx")]

    def test_at_most_the_limit_for_any_input(self, small_service: AnswerService) -> None:
        for partial in ["", "a", "e", "in", "x" * 300]:
            assert len(small_service.matcher.autocomplete(T, partial, limit=3)) <= 3


def test_focus_condition_ranks_first_but_everything_stays_reachable(
    small_service: AnswerService, small_catalog: Catalog
) -> None:
    focused = [v for _, v in small_service.autocomplete(T, "", focus="tm")]
    assert focused == ["tm", "ivex", "mabicept", "plexolane", "gx", "plexolate", "zentoril"]
    assert all(in_focus(small_catalog.topics[v], "tm") for v in focused[:4])
    for topic in small_catalog.topics.values():  # every topic stays reachable
        assert small_service.autocomplete(T, topic.title, focus="tm")[0][1] == topic.id
    # a typed exact name still wins over the focus
    assert small_service.autocomplete(S, "zentorex", focus="tm")[0][1] == "zentoril"
    # typing: the focus condition's topics first among equally good matches
    assert [v for _, v in small_service.autocomplete(S, "plexo")] == ["plexolane", "plexolate"]
    assert small_service.autocomplete(S, "plexo", focus="gx")[0][1] == "plexolate"
    # suggestions: the focus condition's topics first
    assert [s.id for s in small_service.ask(S, "plexo", focus="gx").suggestions] == [
        "plexolate",
        "plexolane",
    ]
    assert small_service.ask(S, "gx", focus="tm").status is Status.WRONG_KIND


# The bundled content: what members really type finds the right real topic


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
def test_bundled_exact_names_and_abbreviations(
    service: AnswerService, query: str, topic: str
) -> None:
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
def test_bundled_brand_and_generic_names(service: AnswerService, query: str, topic: str) -> None:
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
def test_bundled_typos(service: AnswerService, catalog: Catalog, query: str, topic: str) -> None:
    assert compact(normalise(query)) not in every_alias(catalog), "pick a typo that is not an alias"
    answer = service.ask(T, query)
    assert (answer.status, answer.topic) == (Status.ANSWER, topic)
    assert 0 < answer.score < 100


@pytest.mark.parametrize(
    "query",
    ["ms", "als", "ra", "mgs", "sp", "a", "aes"],
)
def test_bundled_short_queries_need_an_exact_alias(service: AnswerService, query: str) -> None:
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
def test_bundled_out_of_scope_gets_no_answer(service: AnswerService, query: str) -> None:
    for command in Command:
        answer = service.ask(command, query)
        assert answer.topic is None, f"/{command} {query!r} answered with {answer.topic}"
        assert answer.status is Status.NO_MATCH
        assert len(answer.suggestions) <= 3


@pytest.mark.parametrize(
    "query",
    ["Lambert-Eaton", "LEMS", "hyperekplexia", "stiff baby syndrome", "congenital myasthenia"],
)
def test_bundled_look_alike_disorders_are_named_as_not_covered(
    service: AnswerService, query: str
) -> None:
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
def test_bundled_names_inside_a_sentence(
    service: AnswerService, command: Command, query: str, topic: str
) -> None:
    answer = service.ask(command, query)
    assert (answer.status, answer.topic) == (Status.ANSWER, topic)


def test_bundled_sideeffects_of_a_condition_suggests_its_treatments(service: AnswerService) -> None:
    answer = service.ask(S, "sps")
    assert answer.status is Status.WRONG_KIND
    assert answer.text is None  # not a wrong snippet
    ids = [s.id for s in answer.suggestions]
    assert {"baclofen", "benzodiazepines", "ivig"} <= set(ids)
    assert "pyridostigmine" not in ids  # an MG drug
    assert all(s.kind == "treatment" for s in answer.suggestions)


def test_bundled_resistance_of_a_treatment_points_to_its_conditions(service: AnswerService) -> None:
    answer = service.ask(R, "Mestinon")
    assert answer.status is Status.WRONG_KIND
    assert [s.id for s in answer.suggestions] == ["mg"]


def test_bundled_treatment_command_accepts_both_kinds(service: AnswerService) -> None:
    assert service.ask(T, "sps").kind == "condition"
    assert service.ask(T, "ivig").kind == "treatment"


def test_bundled_each_command_serves_its_own_snippet(
    service: AnswerService, catalog: Catalog
) -> None:
    assert service.ask(T, "ivig").text == catalog.topics["ivig"].snippets[T].text
    assert service.ask(S, "ivig").text == catalog.topics["ivig"].snippets[S].text
    assert service.ask(R, "mg").text == catalog.topics["mg"].snippets[R].text


def test_bundled_near_miss_offers_up_to_three_suggestions(service: AnswerService) -> None:
    answer = service.ask(T, "ritux maybe rituxi")
    assert answer.topic in (None, "rituximab")
    answer = service.ask(S, "pyrido")
    assert answer.status is Status.NO_MATCH
    assert 1 <= len(answer.suggestions) <= 3
    assert answer.suggestions[0].id == "pyridostigmine"


def test_bundled_very_long_and_strange_input_never_raises(service: AnswerService) -> None:
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


class TestBundledAutocomplete:
    def test_empty_input_offers_conditions_then_common_treatments(
        self, service: AnswerService
    ) -> None:
        choices = service.autocomplete(T, "")
        ids = [value for _, value in choices]
        assert ids[:3] == ["ae", "mg", "sps"]
        assert "ivig" in ids[:8]
        assert len(choices) <= 25

    def test_values_are_ids_and_labels_are_titles(
        self, service: AnswerService, catalog: Catalog
    ) -> None:
        for label, value in service.autocomplete(T, "") + service.autocomplete(S, "ri"):
            assert catalog.topics[value].title == label

    def test_prefix_ranks_first(self, service: AnswerService) -> None:
        assert service.autocomplete(S, "ritu")[0][1] == "rituximab"
        assert service.autocomplete(S, "mest")[0][1] == "pyridostigmine"
        assert service.autocomplete(T, "stiff")[0][1] == "sps"

    def test_typo_while_typing(self, service: AnswerService) -> None:
        assert "baclofen" in [v for _, v in service.autocomplete(S, "baclof")]
        assert "baclofen" in [v for _, v in service.autocomplete(S, "baclofn")]

    def test_filters_by_command(self, service: AnswerService, catalog: Catalog) -> None:
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
def test_bundled_medicines_that_can_worsen_mg_get_their_caution(
    service: AnswerService, query: str, name_part: str
) -> None:
    answer = service.ask(S, query)
    assert answer.status is Status.MG_CAUTION
    assert answer.topic is None and answer.text is None
    assert name_part in (answer.title or "")
    assert "MG" in (answer.message or "") and "Not a treatment this bot covers" in answer.message
    assert answer.sources


def test_bundled_a_covered_treatment_wins_over_a_caution(service: AnswerService) -> None:
    assert service.ask(S, "botox").topic == "botulinum-toxin"
    assert service.ask(S, "prednisone").topic == "corticosteroids"


def test_bundled_focus_condition_ranks_first_but_everything_stays_reachable(
    service: AnswerService,
) -> None:
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


def test_prepare_builds_every_index_that_is_otherwise_built_on_first_use(
    small_catalog: Catalog,
) -> None:
    """The Discord bot prepares its matcher, so no member's first question builds an index."""
    matcher = Matcher(small_catalog)
    assert matcher.match(T, "zentorex").how is How.EXACT
    assert matcher._built is None  # a command by exact name needs none
    matcher.prepare()
    built = matcher._built
    assert built is not None
    assert matcher.match(T, "zentroex").how is How.TYPO
    assert matcher.autocomplete(T, "calvria")
    assert matcher._built is built  # nothing built again
