"""The server settings declarations (bot/server_settings.py): one place per setting, pure."""

from __future__ import annotations

import dataclasses
import re
import typing
from enum import StrEnum
from pathlib import Path

import pytest

import bot.server_settings as server_settings
from bot.server_settings import (
    CLEAR,
    SETTINGS,
    SETTINGS_BY_NAME,
    GuildSettings,
    SettingChoice,
    SettingKind,
    UnknownCondition,
    Visibility,
    check_changes,
    from_stored,
    resolve_condition,
    setting,
    stored_values,
    with_changes,
)

ROOT = Path(__file__).resolve().parent.parent
GUILD = 111111111111111111

SAMPLES: dict[SettingKind, object] = {
    SettingKind.TEXT: "Ring 000 (Australia) or 13 11 14.",
    SettingKind.CHOICE: None,  # each setting's last choice, below
    SettingKind.CHANNEL: 987654321098765432,
    SettingKind.CONDITION: "mg",
}


def sample(spec: server_settings.SettingSpec) -> object:
    """A valid value of the setting other than its default."""
    return spec.choices[-1].value if spec.kind is SettingKind.CHOICE else SAMPLES[spec.kind]


def test_the_declarations_are_the_dataclass_fields() -> None:
    names = [f.name for f in dataclasses.fields(GuildSettings)]
    assert names == ["guild_id", *(spec.name for spec in SETTINGS)]
    assert list(SETTINGS_BY_NAME) == [spec.name for spec in SETTINGS]
    defaults = GuildSettings(GUILD)
    for spec in SETTINGS:
        assert getattr(defaults, spec.name) == spec.default, spec.name


def test_each_fields_type_agrees_with_its_kind() -> None:
    hints = typing.get_type_hints(GuildSettings)
    assert hints["guild_id"] is int
    for spec in SETTINGS:
        if spec.kind is SettingKind.CHOICE:
            (enum,) = {type(choice.value) for choice in spec.choices}
            assert hints[spec.name] is enum, spec.name
            assert set(enum) == {choice.value for choice in spec.choices}, "every member offered"
        else:
            expected = {
                SettingKind.TEXT: str,
                SettingKind.CHANNEL: int,
                SettingKind.CONDITION: str,
            }[spec.kind]
            assert hints[spec.name] == expected | None, spec.name


def test_the_existing_settings_and_their_subcommands() -> None:
    assert [(s.name, s.kind, s.command, s.option) for s in SETTINGS] == [
        ("emergency_text", SettingKind.TEXT, "emergency", "text"),
        ("visibility", SettingKind.CHOICE, "visibility", "mode"),
        ("focus", SettingKind.CONDITION, "focus", "condition"),
        ("report_channel_id", SettingKind.CHANNEL, "channel", "channel"),
    ]
    assert GuildSettings(GUILD).visibility is Visibility.PRIVATE


def test_discord_limits_and_names_hold() -> None:
    for spec in SETTINGS:
        assert re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", spec.command), spec.command
        assert re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", spec.option), spec.option
        assert 1 <= len(spec.description) <= 100 and 1 <= len(spec.option_description) <= 100
        assert all(len(choice.label) <= 100 for choice in spec.choices)
        assert spec.title and spec.unset


def test_a_bad_declaration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    @dataclasses.dataclass(frozen=True)
    class Undeclared:
        guild_id: int
        colour: str | None = None

    @dataclasses.dataclass(frozen=True)
    class TextWithDefault:
        guild_id: int
        motto: str | None = dataclasses.field(
            default="hi",
            metadata=setting(
                kind=SettingKind.TEXT,
                title="Motto",
                description="d",
                command="motto",
                option="text",
                option_description="d",
                max_length=10,
            ),
        )

    @dataclasses.dataclass(frozen=True)
    class ClashingCommand:
        guild_id: int
        motto: str | None = dataclasses.field(
            default=None,
            metadata=setting(
                kind=SettingKind.TEXT,
                title="Motto",
                description="d",
                command="show",
                option="text",
                option_description="d",
                max_length=10,
            ),
        )

    for broken, message in (
        (Undeclared, "must be declared with setting"),
        (TextWithDefault, "default of a text setting is None"),
        (ClashingCommand, "other than show and reset"),
    ):
        monkeypatch.setattr(server_settings, "GuildSettings", broken)
        with pytest.raises(TypeError, match=message):
            server_settings._declarations()


def test_a_new_setting_is_one_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    @dataclasses.dataclass(frozen=True)
    class WithGreeting(GuildSettings):
        greeting: str | None = dataclasses.field(
            default=None,
            metadata=setting(
                kind=SettingKind.TEXT,
                title="Greeting",
                description="A greeting",
                command="greeting",
                option="text",
                option_description="The greeting",
                max_length=50,
            ),
        )

    monkeypatch.setattr(server_settings, "GuildSettings", WithGreeting)
    specs = server_settings._declarations()
    assert [spec.name for spec in specs][-1] == "greeting"
    assert specs[-1].check("Hello") == "Hello"
    with pytest.raises(ValueError, match="at most 50"):
        specs[-1].check("x" * 51)


@pytest.mark.parametrize("spec", SETTINGS, ids=lambda spec: spec.name)
def test_values_round_trip_through_storage_text(spec: server_settings.SettingSpec) -> None:
    value = sample(spec)
    assert spec.check(value) == value
    text = spec.encode(spec.check(value))
    assert isinstance(text, str)
    assert spec.decode(text) == value
    assert type(spec.decode(text)) is type(value)


def test_none_restores_a_default_and_choices_take_their_text() -> None:
    assert check_changes({"emergency_text": None, "focus": None, "report_channel_id": None}) == {
        "emergency_text": None,
        "focus": None,
        "report_channel_id": None,
    }
    assert check_changes({"visibility": "public"})["visibility"] is Visibility.PUBLIC
    changed = with_changes(GuildSettings(GUILD), {"visibility": "public", "focus": "sps"})
    assert changed == GuildSettings(GUILD, visibility=Visibility.PUBLIC, focus="sps")


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"colour": "blue"}, "unknown setting colour; allowed: emergency_text, visibility"),
        ({"guild_id": 1}, "unknown setting guild_id"),
        ({"visibility": "everyone"}, "visibility must be one of private, public"),
        ({"visibility": None}, "visibility must be one of"),
        ({"report_channel_id": "42"}, "report_channel_id must be a channel id"),
        ({"report_channel_id": True}, "report_channel_id must be a channel id"),
        ({"report_channel_id": -1}, "report_channel_id must be a channel id"),
        ({"emergency_text": 112}, "emergency_text must be text"),
        ({"emergency_text": " \n "}, "must not be blank"),
        ({"emergency_text": "x" * 1001}, "at most 1000 characters"),
        ({"focus": ""}, "focus must not be blank"),
    ],
)
def test_invalid_values_are_refused(changes: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        check_changes(changes)


def test_storage_keeps_only_what_differs_from_the_defaults() -> None:
    assert stored_values(GuildSettings(GUILD)) == {}
    assert stored_values(GuildSettings(GUILD, visibility=Visibility.PRIVATE)) == {}
    settings = GuildSettings(
        GUILD, emergency_text="Call 112.", visibility=Visibility.PUBLIC, report_channel_id=42
    )
    assert stored_values(settings) == {
        "emergency_text": "Call 112.",
        "visibility": "public",
        "report_channel_id": "42",
    }
    assert from_stored(GUILD, stored_values(settings)) == (settings, [])


def test_stored_rows_that_no_longer_fit_give_defaults_and_a_problem() -> None:
    settings, problems = from_stored(
        GUILD,
        {
            "visibility": "everyone",
            "report_channel_id": "#general",
            "colour": "blue",
            "focus": "ae",
        },
    )
    assert settings == GuildSettings(GUILD, focus="ae")
    assert len(problems) == 3
    assert any("unknown setting 'colour'" in p for p in problems)
    assert any("visibility must be one of" in p and "default" in p for p in problems)
    assert all(str(GUILD) in p for p in problems)


CONDITIONS = {"ae": "Autoimmune encephalitis (AE)", "mg": "Myasthenia gravis (MG)"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mg", "mg"),
        ("MG ", "mg"),
        ("myasthenia gravis (mg)", "mg"),
        ("Autoimmune encephalitis (AE)", "ae"),
        ("none", None),
        ("None", None),
    ],
)
def test_a_condition_is_picked_by_id_or_title(typed: str, expected: str | None) -> None:
    assert resolve_condition(typed, CONDITIONS) == expected
    assert CLEAR == "none"


def test_an_unknown_condition_says_which_are_known() -> None:
    with pytest.raises(UnknownCondition) as caught:
        resolve_condition("lupus", CONDITIONS)
    assert caught.value.text == "lupus"
    assert caught.value.known == tuple(CONDITIONS.values())
    assert isinstance(caught.value, ValueError)


def test_choice_lookup() -> None:
    spec = SETTINGS_BY_NAME["visibility"]
    assert spec.choice("public") == SettingChoice(
        Visibility.PUBLIC,
        "public (everyone; Remove button)",
        "Public in the channel, with a Remove button for the asker",
    )
    with pytest.raises(ValueError):
        spec.choice("everyone")


def test_storage_names_no_setting() -> None:
    """Storage is generic: no setting's name appears in its code (migrations are history)."""
    storage = (ROOT / "bot" / "storage" / "sqlite.py").read_text(encoding="utf-8")
    for spec in SETTINGS:
        assert not re.search(rf"\b{spec.name}\b", storage), spec.name
    for word in ("emergency", "visibility", "focus"):
        assert not re.search(rf"\b{word}\b", storage), word


def test_the_module_is_pure() -> None:
    source = (ROOT / "bot" / "server_settings.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+(discord|sqlite3|bot\.)", source, re.MULTILINE)


def test_visibility_is_a_str_enum() -> None:
    assert issubclass(Visibility, StrEnum)
    assert [v.value for v in Visibility] == ["private", "public"]
