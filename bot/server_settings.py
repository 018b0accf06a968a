"""Per-server settings as data: one declaration per setting, and everything else follows from it.

Each setting is one field of GuildSettings, declared once: the field gives its name, type and
default, and `setting(...)` in the field's metadata its kind (which decides validation, storage
and the /settings option type), description and how it is shown. From these declarations
(SETTINGS):

- storage keeps settings generically, one (server, name, value) row each, so a new setting
  needs no database migration (see `encode` and `decode`);
- `/settings` gets one subcommand per setting, with the option type of its kind;
- the `/settings show` embed gets one field per setting.

To add a setting, add one field to GuildSettings, `name: type = field(default=...,
metadata=setting(...))`; nothing else changes. Code reads settings by attribute
(`settings.focus`), fully typed.

Pure: no Discord and no database here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

_SPEC_KEY = "setting"
"""The key of a GuildSettings field's metadata that holds its SettingSpec."""

CLEAR = "none"
"""What a moderator picks as a condition to clear it."""


class SettingKind(StrEnum):
    """What kind of value a setting holds; decides validation, storage and the /settings option."""

    TEXT = "text"
    """Free text up to `max_length` characters; empty clears it (None, the default)."""
    CHOICE = "choice"
    """One of `choices` (StrEnum members); the option lists them."""
    CHANNEL = "channel"
    """A text channel's id; empty clears it (None, the default)."""
    CONDITION = "condition"
    """A condition topic id of the served catalogue, picked by autocomplete; `none` clears it."""


class Visibility(StrEnum):
    """Who sees an answer first."""

    PRIVATE = "private"
    """Only the asker (ephemeral), with a button to share it in the channel (the default)."""
    PUBLIC = "public"
    """Everyone in the channel, with a button for the asker to remove it."""


@dataclass(frozen=True)
class SettingChoice:
    """One allowed value of a CHOICE setting."""

    value: StrEnum
    """The value stored and returned by attribute access."""
    label: str
    """Its name in the /settings option's list (at most 100 characters)."""
    shown: str
    """How the settings embed describes it."""


@dataclass(frozen=True)
class SettingSpec:
    """The declaration of one server setting; see `setting` for the meaning of each field."""

    name: str
    kind: SettingKind
    default: Any
    title: str
    description: str
    command: str
    option: str
    option_description: str
    unset: str = "None"
    max_length: int | None = None
    choices: tuple[SettingChoice, ...] = ()

    def check(self, value: object) -> Any:
        """The value as stored in GuildSettings; ValueError names the setting and what is allowed.

        None restores the default of TEXT, CHANNEL and CONDITION settings; a CHOICE setting
        takes a choice's value (the StrEnum member or its text).
        """
        if self.kind is SettingKind.CHOICE:
            for choice in self.choices:
                if value == choice.value:
                    return choice.value
            allowed = ", ".join(str(choice.value) for choice in self.choices)
            raise ValueError(f"{self.name} must be one of {allowed}, not {value!r}")
        if value is None:
            return None
        if self.kind is SettingKind.CHANNEL:
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{self.name} must be a channel id or None, not {value!r}")
            return value
        if not isinstance(value, str):
            raise ValueError(f"{self.name} must be text or None, not {value!r}")
        if not value.strip():
            raise ValueError(f"{self.name} must not be blank; use None for the default")
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"{self.name} must be at most {self.max_length} characters long")
        return value

    def encode(self, value: Any) -> str:
        """A checked, non-None value as the text storage keeps."""
        return str(value)

    def decode(self, text: str) -> Any:
        """A stored text back as the value (checked); ValueError if it is not a valid value."""
        if self.kind is SettingKind.CHANNEL:
            if not text.isdigit():
                raise ValueError(f"{self.name} must be a channel id, not {text!r}")
            return self.check(int(text))
        return self.check(text)

    def choice(self, value: object) -> SettingChoice:
        """The declared choice for a CHOICE setting's value; ValueError if there is none."""
        for choice in self.choices:
            if choice.value == value:
                return choice
        raise ValueError(f"{value!r} is not a choice of {self.name}")


def setting(
    *,
    kind: SettingKind,
    title: str,
    description: str,
    command: str,
    option: str,
    option_description: str,
    unset: str = "None",
    max_length: int | None = None,
    choices: tuple[SettingChoice, ...] = (),
) -> Mapping[str, SettingSpec]:
    """The metadata that makes a GuildSettings field a server setting.

    Use it as `name: type = field(default=..., metadata=setting(...))`. The field gives the
    name, the type and the default (the value of a server that never set it: None for every
    kind but CHOICE).
    `title`: the field's name in the settings embed; "<title> updated." confirms a change.
    `description`: the /settings subcommand's description (at most 100 characters).
    `command`, `option`: the subcommand's name and its one option's name.
    `option_description`: the option's description (at most 100 characters).
    `unset`: what the embed shows while the value is None; `{emergency_notice}` in it stands
    for the catalogue's generic emergency notice.
    `max_length`: TEXT only, the longest text allowed. `choices`: CHOICE only, in option order.
    """
    spec = SettingSpec(
        name="",  # the field's name and default, filled in by _declarations()
        kind=kind,
        default=None,
        title=title,
        description=description,
        command=command,
        option=option,
        option_description=option_description,
        unset=unset,
        max_length=max_length,
        choices=choices,
    )
    return {_SPEC_KEY: spec}


@dataclass(frozen=True)
class GuildSettings:
    """One server's settings; every setting has a default, so an unknown server needs no row.

    Every field but guild_id is a setting, declared here once (see `setting`).
    """

    guild_id: int
    emergency_text: str | None = field(
        default=None,
        metadata=setting(
            kind=SettingKind.TEXT,
            title="Emergency notice",
            description="The emergency notice for your country or language",
            command="emergency",
            option="text",
            option_description=(
                "e.g. your country's emergency and crisis numbers; "
                "leave empty for the generic notice"
            ),
            unset="The generic notice: {emergency_notice}",
            max_length=1000,
        ),
    )
    """Replaces the generic emergency notice for this server's country or language."""
    visibility: Visibility = field(
        default=Visibility.PRIVATE,
        metadata=setting(
            kind=SettingKind.CHOICE,
            title="Answer visibility",
            description="Who sees answers first",
            command="visibility",
            option="mode",
            option_description="private: only the asker, who can share; public: everyone",
            choices=(
                SettingChoice(
                    Visibility.PRIVATE,
                    "private (only the asker; Share button)",
                    "Private to the asker, with a Share button",
                ),
                SettingChoice(
                    Visibility.PUBLIC,
                    "public (everyone; Remove button)",
                    "Public in the channel, with a Remove button for the asker",
                ),
            ),
        ),
    )
    """Who sees an answer first."""
    focus: str | None = field(
        default=None,
        metadata=setting(
            kind=SettingKind.CONDITION,
            title="Focus condition",
            description="A condition whose topics come first in suggestions",
            command="focus",
            option="condition",
            option_description="The community's condition; none to clear",
        ),
    )
    """A condition id whose topics rank first in autocomplete and suggestions."""
    report_channel_id: int | None = field(
        default=None,
        metadata=setting(
            kind=SettingKind.CHANNEL,
            title="Moderator channel for reports",
            description="Where mistake reports are posted",
            command="channel",
            option="channel",
            option_description="A moderators' channel; leave empty to stop posting reports",
            unset="None (reports are still stored)",
        ),
    )
    """Where mistake reports are posted."""


def _declarations() -> tuple[SettingSpec, ...]:
    """The SettingSpec of every setting field of GuildSettings, checked, in field order."""
    specs: list[SettingSpec] = []
    for item in fields(GuildSettings):
        if item.name == "guild_id":
            continue
        declared = item.metadata.get(_SPEC_KEY)
        if not isinstance(declared, SettingSpec):
            raise TypeError(f"GuildSettings.{item.name} must be declared with setting(...)")
        spec = replace(declared, name=item.name, default=item.default)
        if spec.kind is SettingKind.CHOICE:
            if not spec.choices:
                raise TypeError(f"setting {spec.name}: a choice setting needs choices")
            spec.choice(spec.default)  # the default must be one of them
        elif spec.default is not None:
            raise TypeError(f"setting {spec.name}: the default of a {spec.kind} setting is None")
        if (spec.kind is SettingKind.TEXT) != (spec.max_length is not None):
            raise TypeError(f"setting {spec.name}: max_length is for text settings, and required")
        specs.append(spec)
    commands = [spec.command for spec in specs]
    if len(set(commands)) != len(commands) or {"show", "reset"} & set(commands):
        raise TypeError(f"settings need distinct commands other than show and reset: {commands}")
    return tuple(specs)


SETTINGS: tuple[SettingSpec, ...] = _declarations()
"""Every server setting, in declaration order (the order of /settings and its embed)."""

SETTINGS_BY_NAME: Mapping[str, SettingSpec] = {spec.name: spec for spec in SETTINGS}
"""Every server setting by name (GuildSettings' attribute, storage's key)."""


def check_changes(changes: Mapping[str, object]) -> dict[str, Any]:
    """Validated setting changes by name; ValueError names the bad setting and what is allowed."""
    unknown = sorted(set(changes) - set(SETTINGS_BY_NAME))
    if unknown:
        raise ValueError(
            f"unknown setting {', '.join(unknown)}; allowed: {', '.join(SETTINGS_BY_NAME)}"
        )
    return {name: SETTINGS_BY_NAME[name].check(value) for name, value in changes.items()}


def with_changes(settings: GuildSettings, changes: Mapping[str, object]) -> GuildSettings:
    """`settings` with `changes` applied (validated by check_changes: ValueError if invalid)."""
    return replace(settings, **check_changes(changes))


def from_stored(guild_id: int, stored: Mapping[str, str]) -> tuple[GuildSettings, list[str]]:
    """A server's settings from storage's (name, text) pairs, and what was wrong with them.

    A name no setting has (one removed from the code) is left out; a value that is no longer
    valid gives the default. Each becomes a line of the returned problems, for the log.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, text in stored.items():
        spec = SETTINGS_BY_NAME.get(name)
        if spec is None:
            problems.append(f"server {guild_id}: ignoring unknown setting {name!r}")
            continue
        try:
            values[name] = spec.decode(text)
        except ValueError as error:
            problems.append(f"server {guild_id}: {error}; using the default")
    return GuildSettings(guild_id, **values), problems


def stored_values(settings: GuildSettings) -> dict[str, str]:
    """The (name, text) pairs storage keeps for these settings: each value but the defaults.

    A server that never changed a setting follows its default, even if the default changes.
    """
    values: dict[str, str] = {}
    for spec in SETTINGS:
        value = getattr(settings, spec.name)
        if value != spec.default:
            values[spec.name] = spec.encode(value)
    return values


class UnknownCondition(ValueError):
    """A condition a moderator typed is not one of the catalogue's conditions."""

    def __init__(self, text: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown condition {text!r}; known: {', '.join(known) or 'none'}")
        self.text = text
        """What the moderator typed."""
        self.known = known
        """The titles of the catalogue's conditions."""


def resolve_condition(text: str, conditions: Mapping[str, str]) -> str | None:
    """The condition id a moderator picked or typed, or None for CLEAR ("none").

    `conditions` maps each condition id of the served catalogue to its title; an id or a title
    is matched whatever its case. UnknownCondition for anything else.
    """
    wanted = text.strip().casefold()
    if wanted == CLEAR:
        return None
    for condition_id, title in conditions.items():
        if wanted in (condition_id.casefold(), title.casefold()):
            return condition_id
    raise UnknownCondition(text, tuple(conditions.values()))
