"""Conditions are content: a fourth condition works end to end with no code change.

The Discord layer names no condition: colours come from each condition's `colour` field, the
conditions listed to a member from the catalogue, and button patterns from the Command enum.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord
import jsonschema
import pytest

from bot.content_dir import BUNDLED_CONTENT
from bot.core.answers import AnswerService, Status
from bot.core.catalog import Catalog, Command, Kind
from bot.core.loader import ContentError, load_catalog
from bot.core.yaml_reader import read_yaml
from bot.discord_app.client import SupportBot, build_bot
from bot.discord_app.embeds import NEUTRAL, colour_for, suggestion_content
from bot.discord_app.replies import SourcesButton, SuggestionButton
from bot.render_text import render_answer
from bot.settings import Settings
from bot.storage.sqlite import SqliteStorage
from tests.conftest import CONDITION, TREATMENT, write_content
from tests.discord_standin import DiscordStandIn, running_bot
from tests.helpers import EPHEMERAL, buttons

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((BUNDLED_CONTENT / "schema" / "topic.schema.json").read_text(encoding="utf-8"))

NMOSD_COLOUR = 0xC0392B

NMOSD_SOURCE = """
- id: TEST-NMOSD
  kind: guideline
  citation: A made-up guideline on NMOSD, for tests only
  url: https://example.org/nmosd-guideline
"""

NMOSD = """\
id: nmosd
kind: condition
title: Neuromyelitis optica spectrum disorder (NMOSD)
short_title: NMOSD
colour: "#c0392b"
aliases: [nmosd, neuromyelitis optica, devics disease]
snippets:
  treatment:
    text: Test text about treating NMOSD.
    disclaimer: general
    sources: [TEST-NMOSD]
    reviewed: 2026-01-02
  resistance:
    text: Test text about treatment resistance in NMOSD.
    disclaimer: general
    sources: [TEST-NMOSD]
    reviewed: 2026-01-02
"""

SATRALIZUMAB = """\
id: satralizumab
kind: treatment
title: Satralizumab (Enspryng)
used_for: [nmosd]
aliases: [satralizumab, enspryng]
snippets:
  treatment:
    text: Test text about satralizumab for NMOSD.
    disclaimer: medicine
    sources: [TEST-NMOSD]
    reviewed: 2026-01-02
  sideeffects:
    text: Test text about the side effects of satralizumab.
    disclaimer: medicine
    sources: [TEST-NMOSD]
    reviewed: 2026-01-02
"""


def add_nmosd(content: Path) -> Path:
    """A fourth condition, with a colour, and a treatment used for it alone: content only."""
    with (content / "sources.yaml").open("a", encoding="utf-8") as sources:
        sources.write(NMOSD_SOURCE)
    (content / "topics" / "nmosd.yaml").write_text(NMOSD, encoding="utf-8")
    (content / "topics" / "satralizumab.yaml").write_text(SATRALIZUMAB, encoding="utf-8")
    return content


# -- the catalogue ---------------------------------------------------------------------------


def test_a_fourth_condition_loads_with_its_colour_and_short_title(content_copy: Path) -> None:
    catalog = load_catalog(add_nmosd(content_copy))
    nmosd = catalog.topics["nmosd"]
    assert nmosd.kind is Kind.CONDITION
    assert nmosd.colour == "#C0392B"  # written in any case, kept in upper case
    assert nmosd.short_name == "NMOSD"
    assert [t.id for t in catalog.conditions] == ["ae", "mg", "nmosd", "sps"]
    assert catalog.condition_names() == "AE, MG, NMOSD, SPS"
    assert catalog.condition_names(" and ") == "AE, MG, NMOSD and SPS"
    assert catalog.colour_for("nmosd") == catalog.colour_for("satralizumab") == "#C0392B"
    assert [t.id for t in catalog.treatments_for("nmosd")] == ["satralizumab"]


def test_the_bundled_conditions_keep_their_colours(catalog: Catalog) -> None:
    assert {t.id: t.colour for t in catalog.conditions} == {
        "sps": "#2A9D8F",
        "ae": "#7B5EA7",
        "mg": "#3A6EA5",
    }
    assert colour_for(catalog, "sps") == discord.Colour(0x2A9D8F)
    assert colour_for(catalog, "tiagabine") == discord.Colour(0x2A9D8F)  # used for SPS alone
    assert colour_for(catalog, "ivig") == NEUTRAL  # used for all three
    assert colour_for(catalog, None) == colour_for(catalog, "no-such-topic") == NEUTRAL


def test_a_condition_without_a_colour_is_neutral(content: Path) -> None:
    catalog = load_catalog(content)  # the example condition has no colour and no short title
    assert catalog.colour_for("cond") is None and catalog.colour_for("drug") is None
    assert colour_for(catalog, "drug") == NEUTRAL
    assert catalog.condition_names() == "Example condition"


def problems_for(tmp_path: Path, **topics: str) -> list[str]:
    root = write_content(tmp_path / "content", topics)
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    return [str(p) for p in caught.value.problems]


def with_line(text: str, line: str) -> str:
    """`text` (a topic file) with `line` added after its title."""
    return re.sub(r"^(title: .*)$", rf"\1\n{line}", text, count=1, flags=re.M)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('colour: "2A9D8F"', "'2A9D8F' is not a colour like \"#2A9D8F\""),
        ('colour: "#2A9D8"', "'#2A9D8' is not a colour"),
        ('colour: "teal"', "'teal' is not a colour"),
        ("colour: 0x2A9D8F", "is not a colour"),
        ("colour: #2A9D8F", "write the colour in quotes"),  # YAML reads a comment: no value
        ("color: '#2A9D8F'", "did you mean 'colour'?"),
        ("short_title: ''", "missing or empty"),
        (f"short_title: {'X' * 41}", "more than the 40 allowed"),
    ],
)
def test_a_bad_colour_or_short_title_is_a_problem(tmp_path: Path, line: str, message: str) -> None:
    found = problems_for(tmp_path, cond=with_line(CONDITION, line))
    assert len(found) == 1, found
    assert "topics/cond.yaml" in found[0] and "topic cond" in found[0]
    assert message in found[0]


@pytest.mark.parametrize("line", ['colour: "#2A9D8F"', "short_title: DRUG"])
def test_only_conditions_have_a_colour_or_a_short_title(tmp_path: Path, line: str) -> None:
    found = problems_for(tmp_path, drug=with_line(TREATMENT, line))
    key = line.partition(":")[0]
    assert len(found) == 1 and f"only conditions have {key}" in found[0]
    assert f"field {key}" in found[0]


def test_the_editor_schema_agrees(tmp_path: Path) -> None:
    sps = json.loads(json.dumps(read_yaml(BUNDLED_CONTENT / "topics" / "sps.yaml")))
    jsonschema.validate(sps, SCHEMA)
    for bad in ("#2A9D8", "teal", "2A9D8F"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**sps, "colour": bad}, SCHEMA)
    ivig = json.loads(json.dumps(read_yaml(BUNDLED_CONTENT / "topics" / "ivig.yaml")))
    jsonschema.validate(ivig, SCHEMA)
    for key, value in (("colour", "#2A9D8F"), ("short_title", "IVIG")):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**ivig, key: value}, SCHEMA)


# -- the core and the terminal ---------------------------------------------------------------


def test_nothing_matched_names_the_conditions_of_the_content(content_copy: Path) -> None:
    service = AnswerService(load_catalog(add_nmosd(content_copy)))
    answer = service.ask(Command.TREATMENT, "pizza")
    assert answer.status is Status.NO_MATCH and not answer.suggestions
    assert answer.hint == "Try a condition (AE, MG, NMOSD, SPS) or a treatment name"
    assert answer.message == f"No topic matches that. {answer.hint}."
    assert render_answer(answer).splitlines()[:2] == [
        'No topic matches "pizza".',
        "Try a condition (AE, MG, NMOSD, SPS) or a treatment name.",
    ]
    content = suggestion_content(answer)
    assert content.endswith(
        "Try a condition (AE, MG, NMOSD, SPS) or a treatment name, or see `/topics`."
    )


# -- the Discord layer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", sorted((ROOT / "bot" / "discord_app").glob("*.py")), ids=lambda p: p.name
)
def test_the_discord_layer_names_no_condition_and_no_colour_table(
    path: Path, catalog: Catalog
) -> None:
    source = path.read_text(encoding="utf-8")
    for condition in catalog.conditions:
        assert not re.search(rf"""["']{condition.id}["']""", source), condition.id
        assert condition.title not in source
    colours = re.findall(r"Colour\(0x[0-9A-Fa-f]{6}\)", source)
    assert len(colours) <= 2, colours  # the neutral and the note colours, nothing per condition


def test_button_patterns_admit_exactly_the_commands() -> None:
    for item in (SuggestionButton, SourcesButton):
        template = item.__discord_ui_compiled_template__
        prefix = "suggest" if item is SuggestionButton else "sources"
        for command in Command:
            match = template.fullmatch(f"{prefix}:{command.value}:ivig")
            assert match is not None and match["command"] == command.value
        for forged in (f"{prefix}:dosage:ivig", f"{prefix}:treatment:../x", f"{prefix}:treatment:"):
            assert template.fullmatch(forged) is None, forged


@dataclass
class Running:
    bot: SupportBot
    standin: DiscordStandIn
    storage: SqliteStorage


@pytest.fixture
async def nmosd_bot(
    standin: DiscordStandIn, storage: SqliteStorage, content_copy: Path
) -> AsyncIterator[Running]:
    settings = Settings(
        token="stand-in-token",
        content_dir=add_nmosd(content_copy),
        api_base=standin.api_base,
        gateway_url=standin.gateway_url,
    )
    support_bot = build_bot(settings, storage, guild_ready_timeout=0.1)
    async with running_bot(support_bot, standin) as running:
        await running.tree.sync()
        yield Running(running, standin, storage)


async def ask(standin: DiscordStandIn, command: str, value: str, user: dict | None = None) -> dict:
    option = {"treatment": "topic", "sideeffects": "treatment", "resistance": "condition"}[command]
    user = user or standin.new_user(f"member-{command}-{value}")  # one each: no answer pace
    interaction = await standin.send_command(command, {option: value}, user=user)
    return await standin.wait_for_callback(interaction)


async def offered(standin: DiscordStandIn, command: str, option: str, typed: str) -> list[str]:
    body = await standin.wait_for_callback(await standin.send_autocomplete(command, option, typed))
    return [choice["value"] for choice in body["data"]["choices"]]


async def test_a_fourth_condition_works_end_to_end(nmosd_bot: Running) -> None:
    standin = nmosd_bot.standin
    # autocomplete offers it, and its treatment
    assert (await offered(standin, "treatment", "topic", ""))[:4] == ["ae", "mg", "nmosd", "sps"]
    assert set(await offered(standin, "resistance", "condition", "")) == {
        "ae",
        "mg",
        "nmosd",
        "sps",
    }
    assert (await offered(standin, "treatment", "topic", "neuromyelitis"))[0] == "nmosd"
    assert (await offered(standin, "sideeffects", "treatment", "enspr"))[0] == "satralizumab"

    # it answers in its own colour, and so does the treatment used for it alone
    for command, value, title in (
        ("treatment", "nmosd", "Neuromyelitis optica spectrum disorder (NMOSD)"),
        ("resistance", "devics disease", "Neuromyelitis optica spectrum disorder (NMOSD)"),
        ("sideeffects", "enspryng", "Satralizumab (Enspryng)"),
    ):
        body = await ask(standin, command, value)
        embed = body["data"]["embeds"][0]
        assert (embed["title"], embed["color"]) == (title, NMOSD_COLOUR), (command, value)
        assert body["data"]["flags"] & EPHEMERAL

    # a suggestion button for it answers with it, in its colour
    asker = standin.new_user("asker")
    pointer = await ask(standin, "sideeffects", "nmosd", user=asker)
    assert "is a condition" in pointer["data"]["content"]
    [button] = buttons(pointer)
    assert (button["label"], button["custom_id"]) == (
        "Satralizumab (Enspryng)",
        "suggest:sideeffects:satralizumab",
    )
    press = await standin.send_component(button["custom_id"], user=asker)
    answer = await standin.wait_for_callback(press)
    embed = answer["data"]["embeds"][0]
    assert (embed["title"], embed["color"]) == ("Satralizumab (Enspryng)", NMOSD_COLOUR)

    # what to try, when nothing matches, names it
    nothing = await ask(standin, "treatment", "pizza")
    assert "(AE, MG, NMOSD, SPS)" in nothing["data"]["content"]


async def test_a_server_focused_on_the_fourth_condition_gets_it_first(
    nmosd_bot: Running,
) -> None:
    standin = nmosd_bot.standin
    assert (await offered(standin, "treatment", "topic", ""))[0] == "ae"
    await nmosd_bot.storage.update_settings(int(standin.guild_id), focus="nmosd")
    assert (await offered(standin, "treatment", "topic", ""))[:2] == ["nmosd", "satralizumab"]
    assert (await offered(standin, "resistance", "condition", ""))[0] == "nmosd"
    assert (await offered(standin, "sideeffects", "treatment", ""))[0] == "satralizumab"
