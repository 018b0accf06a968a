"""Whatever a member types, the core answers or says no match: it never raises."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.answers import AnswerService, Status
from bot.core.catalog import Command
from bot.core.normalize import MAX_QUERY_CHARS, normalise

texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["sps", "ivig", "mg", "valium", "@everyone", "\u200b", "ms"]).flatmap(
        lambda word: st.text(max_size=20).map(lambda noise: f"{noise}{word}{noise}")
    ),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(list(Command)), query=texts)
def test_any_string_gives_an_answer_or_no_match(
    service: AnswerService, command: Command, query: str
) -> None:
    answer = service.ask(command, query)
    assert answer.status in Status
    if answer.status is Status.ANSWER:
        assert answer.text and answer.sources and answer.disclaimer
    else:
        assert answer.text is None
    if answer.status is Status.NO_MATCH:
        assert len(answer.suggestions) <= 3
    assert len(service.autocomplete(command, query)) <= 25


@given(st.text(max_size=2000))
def test_normalise_is_idempotent_and_capped(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert len(once) <= MAX_QUERY_CHARS
    assert once == once.strip() and "  " not in once
