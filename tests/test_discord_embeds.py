"""Every answer fits Discord's limits, for every topic and command, and echoes input safely."""

from __future__ import annotations

import pytest

from bot.core.answers import AnswerService, Status
from bot.core.catalog import Catalog, Command
from bot.discord_app.embeds import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    FOOTER_LIMIT,
    TITLE_LIMIT,
    answer_embed,
    answer_embeds,
    suggestion_content,
    warning_content,
)


def assert_within_limits(embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= TITLE_LIMIT
    assert len(data.get("description", "")) <= DESCRIPTION_LIMIT
    assert len(data.get("fields", [])) <= FIELDS_LIMIT
    for field in data.get("fields", []):
        assert 0 < len(field["value"]) <= FIELD_VALUE_LIMIT
        assert len(field["name"]) <= 256
    assert len(data.get("footer", {}).get("text", "")) <= FOOTER_LIMIT
    assert len(embed) <= EMBED_TOTAL_LIMIT


def every_answer(service: AnswerService, catalog: Catalog):
    for topic in catalog.topics.values():
        for command in Command:
            yield service.ask(command, topic.id)
    for note in catalog.notes:
        yield service.ask(Command.SIDEEFFECTS, note.aliases[0])


def test_every_topic_and_command_fits_one_embed(service: AnswerService, catalog: Catalog) -> None:
    count = 0
    for answer in every_answer(service, catalog):
        if answer.status in (Status.ANSWER, Status.OUT_OF_SCOPE, Status.MG_CAUTION):
            embed = answer_embed(catalog, answer)
            assert_within_limits(embed)
            assert embed.description == (answer.text or answer.message)
            assert answer.disclaimer in embed.footer.text
            sources = "\n".join(f.value for f in embed.fields)
            shown = sources.count("](")
            assert shown == min(len(answer.sources), 4) or "more" in sources
            if len(answer.sources) > 4:
                assert "press **All sources**" in sources
            count += 1
        else:
            assert len(suggestion_content(answer)) <= CONTENT_LIMIT
    assert count >= 70


def test_a_maximal_snippet_with_many_sources_still_fits(
    service: AnswerService, catalog: Catalog
) -> None:
    from dataclasses import replace

    answer = service.ask(Command.TREATMENT, "sps")
    huge = replace(answer, text="x" * 4096, sources=answer.sources * 5, title="T" * 300)
    embed = answer_embed(catalog, huge)
    assert_within_limits(embed)
    assert "All sources" in embed.fields[-1].value


def test_warning_content_leads_and_fits(service: AnswerService) -> None:
    answer = service.ask(Command.TREATMENT, "mg can't breathe and choking")
    content = warning_content(answer)
    assert content is not None and len(content) <= CONTENT_LIMIT
    assert content.startswith("🚨 **Call your local emergency number now")
    assert warning_content(service.ask(Command.TREATMENT, "mg")) is None


@pytest.mark.parametrize(
    "typed", ["@everyone", "<@123456789012345678>", "**bold** _x_ `code`", "<@&987654321098765432>"]
)
def test_echoed_input_is_escaped(service: AnswerService, typed: str) -> None:
    content = suggestion_content(service.ask(Command.TREATMENT, typed + " zzzqqq"))
    assert "No topic matches" in content
    assert "@everyone" not in content.replace("@\u200beveryone", "")
    assert "**bold**" not in content


def test_notes_come_first_and_all_embeds_together_stay_within_6000(
    service: AnswerService, catalog: Catalog
) -> None:
    from dataclasses import replace

    answer = service.ask(Command.TREATMENT, "zanaflex + cipro together ok?")
    assert [n.kind for n in answer.notes] == ["interaction", "mg_caution"]
    embeds = answer_embeds(catalog, answer)
    assert embeds[0].title.startswith("Taken together") and embeds[-1].title == answer.title
    long_notes = tuple(replace(n, text="n" * 1200) for n in answer.notes)
    huge = replace(answer, text="x" * 4096, sources=answer.sources * 6, notes=long_notes)
    embeds = answer_embeds(catalog, huge)
    assert sum(len(e) for e in embeds) <= EMBED_TOTAL_LIMIT
    assert embeds[-1].description == "x" * 4096  # the answer is never the part that is cut
    assert [e.title for e in embeds[:-1]] == [e.title for e in answer_embeds(catalog, answer)[:-1]]
    for embed in embeds:
        assert_within_limits(embed)


def test_every_warning_sign_fits_the_message_content(service: AnswerService) -> None:
    answer = service.ask(
        Command.TREATMENT, "soliris fever stiff neck and cant breathe, want to die"
    )
    assert len(answer.warnings) >= 2
    content = warning_content(answer)
    assert content is not None and len(content) <= CONTENT_LIMIT
    assert content.startswith("🚨 **Call your local emergency number now")


# -- the embed cache -----------------------------------------------------------------------------


def test_the_embed_cache_never_shows_one_answer_in_another(
    service: AnswerService, catalog: Catalog
) -> None:
    from dataclasses import replace
    from datetime import date

    from bot.discord_app.replies import Responder

    responder = Responder(service)
    answer = service.ask(Command.TREATMENT, "sps")
    first = responder.embed_for(answer)
    assert responder.embed_for(service.ask(Command.TREATMENT, "stiff person syndrome")) is first
    # each shares the old key (command, status, topic) but differs in something the embed shows
    others = [
        replace(answer, text="Another text."),
        replace(answer, title="Another title"),
        replace(answer, disclaimer="Another disclaimer."),
        replace(answer, reviewed=date(2020, 1, 1)),
        replace(answer, sources=answer.sources[:1]),
        replace(answer, status=Status.OUT_OF_SCOPE, text=None, message="A note."),
    ]
    for other in others:
        embed = responder.embed_for(other)
        assert embed.to_dict() == answer_embed(catalog, other).to_dict()
        assert embed.to_dict() != first.to_dict()
    assert responder.embed_for(answer).to_dict() == first.to_dict()  # the first is unchanged


def test_notes_use_the_note_colour_and_answers_their_conditions(
    service: AnswerService, catalog: Catalog
) -> None:
    from bot.discord_app.embeds import NOTE_COLOUR

    caution = service.ask(Command.SIDEEFFECTS, "ciprofloxacin")
    assert caution.status.is_note
    assert answer_embed(catalog, caution).colour == NOTE_COLOUR
    for topic_id, colour in (("sps", 0x2A9D8F), ("ae", 0x7B5EA7), ("mg", 0x3A6EA5)):
        embed = answer_embed(catalog, service.ask(Command.RESISTANCE, topic_id))
        assert embed.colour is not None and embed.colour.value == colour
