"""Read `content/` and validate all of it, reporting every problem at once."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from bot.core.catalog import (
    NOTE_FILES,
    PRIMARY_KINDS,
    REQUIRED_DISCLAIMERS,
    SNIPPETS_BY_KIND,
    CalmQuestions,
    Catalog,
    Command,
    Disclaimer,
    Interaction,
    Kind,
    LeftOut,
    Level,
    Note,
    NoteKind,
    Snippet,
    Source,
    SourceKind,
    Topic,
    TopicName,
    WarningSign,
)
from bot.core.content_files import (
    ContentFileError,
    exists,
    list_folder,
    read_content_file,
    resolve_folder,
)
from bot.core.normalize import compact, normalise
from bot.core.phrases import Phrase, PhraseError, compile_phrase
from bot.core.problems import ContentError as ContentError  # re-exported: the loader raises it
from bot.core.problems import Problem as Problem
from bot.core.sections import Section, render, split
from bot.core.source_policy import IDENTIFIERS, SourcePolicy, link_for
from bot.core.yaml_reader import LineMap

_Choice = TypeVar("_Choice", bound=StrEnum)

TOPIC_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SOURCE_ID = re.compile(r"^[A-Z0-9]+(?:-[A-Za-z0-9]+)*$")
DISCLAIMER_ID = TOPIC_ID
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL = re.compile(r"^https?://\S+$")
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
"""A condition's colour: `#` and six hexadecimal digits, as in "#2A9D8F"."""

MAX_SNIPPET_CHARS = 4096
"""Discord's limit for an embed description: a snippet must fit one embed."""
MAX_TITLE_CHARS = 200
MAX_SHORT_TITLE_CHARS = 40
"""The longest short title: a name like "SPS" that lists of the conditions use."""
MAX_ALIAS_CHARS = 100
"""The longest alias: what a member types, never a sentence."""
MAX_ALIASES_PER_TOPIC = 200
"""The most aliases one topic may list (the bundled maximum is about 50)."""
MAX_FILE_BYTES = 512 * 1024
"""The largest YAML file read, judged by its size on disk before reading (bundled: 32 KB)."""
MAX_TOPIC_FILES = 20_000
"""The most files topics/ may hold: room for 10,000 topics and more, not for a runaway folder."""

TOPIC_KEYS = (
    "id",
    "kind",
    "title",
    "short_title",
    "colour",
    "aliases",
    "used_for",
    "medicines",
    "left_out",
    "warning_signs",
    "snippets",
)
CONDITION_ONLY_KEYS = ("short_title", "colour")
LEFT_OUT_KEYS = ("name", "reason")
"""Keys only a condition topic may have."""
SNIPPET_KEYS = ("text", "sections", "disclaimer", "sources", "reviewed")
SECTION_KEYS = ("heading", "text", "sources", "examples")
MAX_HEADING_CHARS = 120
"""Longest section heading (it is shown as a title on Discord)."""
MAX_EXAMPLES = 20
"""Example questions one section may carry."""
MAX_EXAMPLE_CHARS = 200
"""Longest example question (as long as a member's /ask question)."""
SIGN_KEYS = ("id", "level", "means", "do", "sources", "phrases", "with_any", "instead_of")
INTERACTION_KEYS = ("id", "name", "between", "note", "sources")
SIGN_ID = TOPIC_ID
MAX_MEANS_CHARS = 400
MAX_DO_CHARS = 300
GENERAL_SIGNS_FILE = "warning_signs.yaml"
CALM_FILE = "calm_questions.yaml"
ASK_CUES_FILE = "ask_cues.yaml"
CALM_KEYS = ("openers", "happening_now", "not_now", "acute")
INTERACTIONS_FILE = "interactions.yaml"
SOURCE_KEYS = ("id", "kind", "citation", "url", "doi", "pmid", "pmc", "note")
POLICY_FILE = "source_policy.yaml"
POLICY_KEYS = ("primary_kinds", "refused_hosts")
DISCLAIMER_KEYS = ("text",)
NOTE_KEYS = ("name", "aliases", "note", "sources")
TOPIC_SUFFIXES = (".yaml", ".yml")


def _line(mapping: Any, key: str) -> int | None:
    if isinstance(mapping, LineMap):
        return mapping.lines.get(key, mapping.line)
    return None


RENAMED_KEYS = {"red_flags": "warning_signs", "keywords": "phrases", "text": "means"}
"""Keys of older content and what replaced them, for a helpful message."""


def _suggest_key(key: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if RENAMED_KEYS.get(str(key)) in allowed:
        return f"'{key}' is now '{RENAMED_KEYS[str(key)]}' (see content/README.md)"
    close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{key}'{hint}; allowed: {', '.join(allowed)}"


class _Checker:
    """Collects problems while turning raw YAML data into catalogue objects."""

    def __init__(self, root: Path, real_root: Path) -> None:
        self.root = root
        self.real_root = real_root
        self.problems: list[Problem] = []
        self.today = date.today()

    def name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def add(
        self,
        file: str,
        message: str,
        *,
        topic: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.problems.append(Problem(file, line, topic, field, message))

    def read(self, path: Path) -> Any:
        """The data in `path`; None only once a problem with the file has been added."""
        try:
            return read_content_file(path, self.real_root, MAX_FILE_BYTES)
        except ContentFileError as error:
            self.add(self.name(path), error.message, line=error.line)
            return None

    def failed_files(self) -> set[str]:
        """The files that have at least one problem so far."""
        return {problem.file for problem in self.problems}

    def unknown_keys(
        self, file: str, mapping: LineMap, allowed: tuple[str, ...], topic: str | None, prefix: str
    ) -> None:
        for key in mapping:
            if key not in allowed:
                field = f"{prefix}{key}"
                self.add(
                    file,
                    _suggest_key(key, allowed),
                    topic=topic,
                    field=field,
                    line=_line(mapping, key),
                )

    def choice(
        self,
        file: str,
        mapping: LineMap,
        key: str,
        kind: type[_Choice],
        topic: str | None,
        field: str,
    ) -> _Choice | None:
        """The value of `key` as one of the enum `kind`'s values; None (and a problem) if not."""
        raw = mapping.get(key)
        if isinstance(raw, str) and raw in {member.value for member in kind}:
            return kind(raw)
        allowed = ", ".join(member.value for member in kind)
        self.add(
            file,
            f"'{raw}' must be one of: {allowed}",
            topic=topic,
            field=field,
            line=_line(mapping, key),
        )
        return None

    def text(
        self,
        file: str,
        mapping: LineMap,
        key: str,
        topic: str | None,
        field: str,
        limit: int | None = None,
    ) -> str:
        value = mapping.get(key)
        line = _line(mapping, key)
        if value is None:
            self.add(file, "missing or empty", topic=topic, field=field, line=line)
            return ""
        if not isinstance(value, str):
            self.add(file, "must be text", topic=topic, field=field, line=line)
            return ""
        value = value.strip()
        if not value:
            self.add(file, "missing or empty", topic=topic, field=field, line=line)
        elif limit is not None and len(value) > limit:
            self.add(
                file,
                f"{len(value)} characters, more than the {limit} allowed",
                topic=topic,
                field=field,
                line=line,
            )
        return value

    def text_list(
        self, file: str, mapping: LineMap, key: str, topic: str | None, field: str
    ) -> tuple[str, ...]:
        value = mapping.get(key)
        line = _line(mapping, key)
        if value is None or value == []:
            self.add(file, "missing or empty list", topic=topic, field=field, line=line)
            return ()
        if not isinstance(value, list):
            self.add(file, "must be a list", topic=topic, field=field, line=line)
            return ()
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                self.add(file, "must be text", topic=topic, field=f"{field}[{index}]", line=line)
            elif not str(item).strip():
                self.add(file, "empty entry", topic=topic, field=f"{field}[{index}]", line=line)
            else:
                items.append(str(item).strip())
        return tuple(items)

    def source_ids(
        self, file: str, mapping: LineMap, topic: str, field: str, sources: dict[str, Source]
    ) -> tuple[str, ...]:
        ids = self.text_list(file, mapping, "sources", topic, field)
        for source_id in ids:
            if source_id not in sources:
                close = difflib.get_close_matches(source_id, list(sources), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.add(
                    file,
                    f"unknown source id '{source_id}'{hint}; add it to sources.yaml",
                    topic=topic,
                    field=field,
                    line=_line(mapping, "sources"),
                )
        if len(set(ids)) != len(ids):
            self.add(
                file,
                "a source is listed twice",
                topic=topic,
                field=field,
                line=_line(mapping, "sources"),
            )
        return ids

    def reviewed(self, file: str, mapping: LineMap, topic: str, field: str) -> date:
        raw = mapping.get("reviewed")
        line = _line(mapping, "reviewed")
        if raw is None:
            self.add(file, "missing date (YYYY-MM-DD)", topic=topic, field=field, line=line)
            return date.min
        text = str(raw).strip()
        try:
            if not ISO_DATE.match(text):
                raise ValueError
            value = date.fromisoformat(text)
        except ValueError:
            self.add(
                file,
                f"'{text}' is not a date of the form YYYY-MM-DD",
                topic=topic,
                field=field,
                line=line,
            )
            return date.min
        if value > self.today + timedelta(days=1):
            self.add(file, f"{text} is in the future", topic=topic, field=field, line=line)
        return value


def _load_disclaimers(checker: _Checker, root: Path) -> dict[str, Disclaimer]:
    path = root / "disclaimers.yaml"
    file = checker.name(path)
    if not exists(path):
        checker.add(file, "file is missing")
        return {}
    data = checker.read(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        checker.add(file, "must be a mapping of disclaimer id to {text: ...}")
        return {}
    disclaimers = {}
    for key, entry in data.items():
        field = str(key)
        if not isinstance(key, str) or not DISCLAIMER_ID.match(key):
            checker.add(
                file,
                "id must be lowercase letters, digits and hyphens",
                field=field,
                line=_line(data, key),
            )
            continue
        if not isinstance(entry, LineMap):
            checker.add(file, "must be a mapping with 'text'", field=field, line=_line(data, key))
            continue
        checker.unknown_keys(file, entry, DISCLAIMER_KEYS, None, f"{field}.")
        text = checker.text(file, entry, "text", None, f"{field}.text", limit=1000)
        disclaimers[key] = Disclaimer(key, text)
    for required in REQUIRED_DISCLAIMERS:
        if required not in disclaimers and required not in data:
            checker.add(file, f"the '{required}' disclaimer is required")
    return disclaimers


def _load_policy(checker: _Checker, root: Path) -> SourcePolicy:
    """content/source_policy.yaml: refused hosts with reasons, and the primary kinds."""
    path = root / POLICY_FILE
    if not exists(path):
        return SourcePolicy()
    file = checker.name(path)
    data = checker.read(path)
    if data is None:
        return SourcePolicy()
    if not isinstance(data, LineMap):
        checker.add(file, "must be a mapping with refused_hosts: [...] (and primary_kinds)")
        return SourcePolicy()
    checker.unknown_keys(file, data, POLICY_KEYS, None, "")
    kinds: tuple[SourceKind, ...] = PRIMARY_KINDS
    if "primary_kinds" in data:
        listed = checker.text_list(file, data, "primary_kinds", None, "primary_kinds")
        known = {k.value: k for k in SourceKind}
        for value in listed:
            if value not in known:
                checker.add(
                    file,
                    f"'{value}' is not a source kind; kinds: {', '.join(known)}",
                    field="primary_kinds",
                    line=_line(data, "primary_kinds"),
                )
        kinds = tuple(known[v] for v in listed if v in known)
    hosts: dict[str, str] = {}
    raw = data.get("refused_hosts") or []
    if not isinstance(raw, list):
        checker.add(file, "must be a list of {host, reason}", field="refused_hosts")
        raw = []
    for index, entry in enumerate(raw):
        field = f"refused_hosts[{index}]"
        if not isinstance(entry, LineMap):
            checker.add(file, "must be a mapping with host and reason", field=field)
            continue
        checker.unknown_keys(file, entry, ("host", "reason"), None, f"{field}.")
        host = checker.text(file, entry, "host", None, f"{field}.host").lower()
        reason = checker.text(file, entry, "reason", None, f"{field}.reason", limit=200)
        if host and ("/" in host or " " in host or "." not in host):
            checker.add(
                file, f"'{host}' is not a host name like example.com", field=f"{field}.host"
            )
        elif host:
            hosts[host.removeprefix("www.")] = reason
    return SourcePolicy(hosts, kinds)


def _load_sources(checker: _Checker, root: Path, policy: SourcePolicy) -> dict[str, Source]:
    path = root / "sources.yaml"
    file = checker.name(path)
    if not exists(path):
        checker.add(file, "file is missing")
        return {}
    data = checker.read(path)
    if data is None:
        return {}
    if not isinstance(data, list):
        checker.add(
            file, "must be a list of sources (- id: ..., kind: ..., citation: ..., url: ...)"
        )
        return {}
    sources: dict[str, Source] = {}
    for index, entry in enumerate(data):
        if not isinstance(entry, LineMap):
            checker.add(file, "each source must be a mapping", field=f"[{index}]")
            continue
        source_id = entry.get("id")
        label = str(source_id) if source_id is not None else f"[{index}]"
        checker.unknown_keys(file, entry, SOURCE_KEYS, None, f"{label}.")
        if not isinstance(source_id, str) or not SOURCE_ID.match(source_id):
            checker.add(
                file,
                "id must be UPPERCASE letters, digits and hyphens "
                "(e.g. DALAKAS-2001, ABBOUD-2021a)",
                field=f"{label}.id",
                line=_line(entry, "id"),
            )
            continue
        if source_id in sources:
            checker.add(file, "duplicate source id", field=f"{label}.id", line=_line(entry, "id"))
            continue
        citation = checker.text(file, entry, "citation", None, f"{label}.citation", limit=500)
        kind = checker.choice(file, entry, "kind", SourceKind, None, f"{label}.kind")
        url = str(entry.get("url") or "").strip()
        if url and not URL.match(url):
            checker.add(
                file,
                "must start with http:// or https://",
                field=f"{label}.url",
                line=_line(entry, "url"),
            )
        elif url and (refusal := policy.refusal(url)):
            checker.add(file, refusal, field=f"{label}.url", line=_line(entry, "url"))
        ids = {key: str(entry.get(key) or "").strip() for key in IDENTIFIERS}
        for key, (pattern, advice) in IDENTIFIERS.items():
            if ids[key] and not pattern.match(ids[key]):
                checker.add(file, advice, field=f"{label}.{key}", line=_line(entry, key))
        if not url and not any(ids.values()):
            checker.add(file, "needs a url, doi, pmid or pmc", field=label, line=entry.line)
        if kind is SourceKind.JOURNAL and not any(ids.values()):
            checker.add(
                file,
                "a journal source needs its doi, pmid or pmc (confirmed, never guessed)",
                field=f"{label}.kind",
                line=_line(entry, "kind"),
            )
        link = link_for(url, ids["doi"], ids["pmid"], ids["pmc"])
        kind = kind or SourceKind.OTHER
        sources[source_id] = Source(source_id, citation, link, kind, kind in policy.primary_kinds)
    return sources


def _check_primary(
    checker: _Checker,
    sources: dict[str, Source],
    cited: list[tuple[str, str | None, str, tuple[str, ...]]],
) -> None:
    """Every snippet, sign and note cites at least one primary source."""
    for file, topic, field, ids in cited:
        known = [sources[i] for i in ids if i in sources]
        if known and len(known) == len(ids) and not any(s.primary for s in known):
            kinds = ", ".join(sorted({s.kind.value for s in known}))
            checker.add(
                file,
                f"cites no primary source (only {kinds}); add a journal, label, government, "
                "guideline or patient-organisation source",
                topic=topic,
                field=field,
            )


def _load_notes(
    checker: _Checker, path: Path, kind: NoteKind, sources: dict[str, Source]
) -> tuple[Note, ...]:
    if not exists(path):
        return ()
    file = checker.name(path)
    data = checker.read(path)
    if data is None:
        return ()
    if not isinstance(data, list):
        checker.add(file, "must be a list of entries (- name: ..., aliases: ..., note: ...)")
        return ()
    entries = []
    for index, entry in enumerate(data):
        field = f"[{index}]"
        if not isinstance(entry, LineMap):
            checker.add(file, "each entry must be a mapping", field=field)
            continue
        checker.unknown_keys(file, entry, NOTE_KEYS, None, f"{field}.")
        name = checker.text(file, entry, "name", None, f"{field}.name", limit=MAX_TITLE_CHARS)
        aliases = checker.text_list(file, entry, "aliases", None, f"{field}.aliases")
        note = checker.text(file, entry, "note", None, f"{field}.note", limit=1000)
        ids = checker.source_ids(file, entry, name, f"{field}.sources", sources)
        entries.append(Note(kind, name, aliases, note, ids))
    return tuple(entries)


@dataclass
class _RawTopic:
    topic: Topic
    file: str
    aliases_line: int | None
    signs: list[_RawSign]


def _load_topic(
    checker: _Checker,
    path: Path,
    sources: dict[str, Source],
    disclaimers: dict[str, Disclaimer],
) -> _RawTopic | None:
    file = checker.name(path)
    data = checker.read(path)
    if data is None:
        return None
    if not isinstance(data, LineMap):
        checker.add(file, "a topic file must be a mapping (id:, kind:, title:, ...)")
        return None
    raw_id = data.get("id")
    topic_id = str(raw_id) if raw_id is not None else path.stem
    checker.unknown_keys(file, data, TOPIC_KEYS, topic_id, "")

    if raw_id is None:
        checker.add(file, "missing", topic=topic_id, field="id")
    elif not isinstance(raw_id, str) or not TOPIC_ID.match(raw_id):
        checker.add(
            file,
            f"'{raw_id}' must be lowercase letters, digits and single hyphens "
            "(e.g. plasma-exchange)",
            topic=topic_id,
            field="id",
            line=_line(data, "id"),
        )
    elif raw_id != path.stem:
        checker.add(
            file,
            f"id '{raw_id}' does not match the file name '{path.name}'",
            topic=topic_id,
            field="id",
            line=_line(data, "id"),
        )

    kind = checker.choice(file, data, "kind", Kind, topic_id, "kind")

    title = checker.text(file, data, "title", topic_id, "title", limit=MAX_TITLE_CHARS)
    aliases = checker.text_list(file, data, "aliases", topic_id, "aliases")
    if len(aliases) > MAX_ALIASES_PER_TOPIC:
        checker.add(
            file,
            f"{len(aliases)} aliases, more than the {MAX_ALIASES_PER_TOPIC} allowed for one topic",
            topic=topic_id,
            field="aliases",
            line=_line(data, "aliases"),
        )
    for alias in aliases:
        if len(alias) > MAX_ALIAS_CHARS:
            checker.add(
                file,
                f"alias '{alias[:30]}...' is longer than {MAX_ALIAS_CHARS} characters",
                topic=topic_id,
                field="aliases",
                line=_line(data, "aliases"),
            )
        elif not normalise(alias):
            checker.add(
                file,
                f"alias '{alias}' has no letters or digits",
                topic=topic_id,
                field="aliases",
                line=_line(data, "aliases"),
            )

    used_for: tuple[str, ...] = ()
    if "used_for" in data:
        if kind is Kind.CONDITION:
            checker.add(
                file,
                "only treatments have used_for",
                topic=topic_id,
                field="used_for",
                line=_line(data, "used_for"),
            )
        else:
            used_for = checker.text_list(file, data, "used_for", topic_id, "used_for")
    elif kind is Kind.TREATMENT:
        checker.add(
            file,
            "missing: list the condition ids this treatment is used for",
            topic=topic_id,
            field="used_for",
        )

    medicines, left_out = _medicines(checker, file, data, topic_id, kind)
    signs = (
        _load_signs(
            checker,
            file,
            data.get("warning_signs"),
            topic_id,
            _line(data, "warning_signs"),
            sources,
        )
        if "warning_signs" in data
        else []
    )
    snippets = _load_snippets(checker, file, data, topic_id, kind, sources, disclaimers)
    short_title, colour = _condition_looks(checker, file, data, topic_id, kind)

    topic = Topic(
        id=topic_id,
        kind=kind or Kind.TREATMENT,
        title=title,
        aliases=aliases,
        snippets=snippets,
        used_for=used_for,
        file=file,
        colour=colour,
        short_title=short_title,
        medicines=medicines,
        left_out=left_out,
    )
    return _RawTopic(topic, file, _line(data, "aliases"), signs)


def _medicines(
    checker: _Checker, file: str, data: LineMap, topic_id: str, kind: Kind | None
) -> tuple[tuple[str, ...], tuple[LeftOut, ...]]:
    """A treatment's optional `medicines` (generic names) and `left_out` names with reasons."""
    medicines: tuple[str, ...] = ()
    left_out: list[LeftOut] = []
    for key in ("medicines", "left_out"):
        if key in data and kind is Kind.CONDITION:
            checker.add(
                file,
                f"only treatments have {key}",
                topic=topic_id,
                field=key,
                line=_line(data, key),
            )
    if "medicines" in data:
        medicines = checker.text_list(file, data, "medicines", topic_id, "medicines")
        seen: set[str] = set()
        for medicine in medicines:
            key = compact(normalise(medicine))
            if key in seen:
                checker.add(
                    file,
                    f"medicine '{medicine}' is listed twice",
                    topic=topic_id,
                    field="medicines",
                    line=_line(data, "medicines"),
                )
            seen.add(key)
    if "left_out" in data:
        raw = data.get("left_out")
        line = _line(data, "left_out")
        if not isinstance(raw, list) or not raw:
            checker.add(
                file,
                "must be a list of entries (- name: ..., reason: ...)",
                topic=topic_id,
                field="left_out",
                line=line,
            )
            raw = []
        names: set[str] = set()
        for index, entry in enumerate(raw):
            where = f"left_out[{index}]"
            if not isinstance(entry, LineMap):
                checker.add(
                    file,
                    "must be an entry (name: ..., reason: ...)",
                    topic=topic_id,
                    field=where,
                    line=line,
                )
                continue
            checker.unknown_keys(file, entry, LEFT_OUT_KEYS, topic_id, where)
            name = checker.text(file, entry, "name", topic_id, f"{where}.name")
            reason = checker.text(file, entry, "reason", topic_id, f"{where}.reason")
            key = compact(normalise(name))
            if key in names:
                checker.add(
                    file,
                    f"left-out name '{name}' is listed twice",
                    topic=topic_id,
                    field=where,
                    line=_line(entry, "name"),
                )
            names.add(key)
            if name and reason:
                left_out.append(LeftOut(name, reason))
    return medicines, tuple(left_out)


def _condition_looks(
    checker: _Checker, file: str, data: LineMap, topic_id: str, kind: Kind | None
) -> tuple[str | None, str | None]:
    """A condition's optional `short_title` and `colour` ("#RRGGBB", upper case)."""
    for key in CONDITION_ONLY_KEYS:
        if key in data and kind is Kind.TREATMENT:
            checker.add(
                file,
                f"only conditions have {key}",
                topic=topic_id,
                field=key,
                line=_line(data, key),
            )
    if kind is Kind.TREATMENT:
        return None, None
    short_title = None
    if "short_title" in data:
        short_title = checker.text(
            file, data, "short_title", topic_id, "short_title", limit=MAX_SHORT_TITLE_CHARS
        )
    colour = None
    if "colour" in data:
        raw = data.get("colour")
        line = _line(data, "colour")
        if raw is None:
            checker.add(
                file,
                'missing: write the colour in quotes, e.g. colour: "#2A9D8F" '
                "(an unquoted # starts a comment)",
                topic=topic_id,
                field="colour",
                line=line,
            )
        elif not isinstance(raw, str) or not COLOUR.match(raw.strip()):
            checker.add(
                file,
                f"'{raw}' is not a colour like \"#2A9D8F\" (# and six hexadecimal digits)",
                topic=topic_id,
                field="colour",
                line=line,
            )
        else:
            colour = raw.strip().upper()
    return short_title or None, colour


@dataclass
class _RawSign:
    """A warning sign read from YAML, before its `with_any` and `instead_of` are resolved."""

    sign: WarningSign
    with_any: list[tuple[str, int | None]]
    instead_of: tuple[str, ...]
    line: int | None


def _phrases(
    checker: _Checker, file: str, entry: LineMap, key: str, topic: str | None, field: str
) -> list[tuple[str, Phrase | None]]:
    """The phrases listed under `key`, each compiled (None where it does not compile)."""
    compiled: list[tuple[str, Phrase | None]] = []
    for index, text in enumerate(checker.text_list(file, entry, key, topic, field)):
        try:
            compiled.append((text, compile_phrase(text)))
        except PhraseError as error:
            checker.add(
                file, str(error), topic=topic, field=f"{field}[{index}]", line=_line(entry, key)
            )
            compiled.append((text, None))
    return compiled


def _load_signs(
    checker: _Checker,
    file: str,
    raw: Any,
    topic_id: str | None,
    line: int | None,
    sources: dict[str, Source],
) -> list[_RawSign]:
    """Warning signs from a topic's `warning_signs` or from warning_signs.yaml."""
    if not isinstance(raw, list) or not raw:
        checker.add(
            file,
            "must be a non-empty list of signs",
            topic=topic_id,
            field="warning_signs",
            line=line,
        )
        return []
    signs = []
    for index, entry in enumerate(raw):
        field = f"warning_signs[{index}]"
        if not isinstance(entry, LineMap):
            checker.add(
                file,
                "must be a mapping with id, level, means, do, sources, phrases",
                topic=topic_id,
                field=field,
                line=line,
            )
            continue
        raw_id = entry.get("id")
        sign_id = str(raw_id) if raw_id is not None else ""
        if not isinstance(raw_id, str) or not SIGN_ID.match(raw_id):
            checker.add(
                file,
                "missing, or not lowercase letters, digits and hyphens (e.g. mg-crisis)",
                topic=topic_id,
                field=f"{field}.id",
                line=_line(entry, "id"),
            )
        else:
            field = f"warning_signs[{sign_id}]"
        checker.unknown_keys(file, entry, SIGN_KEYS, topic_id, f"{field}.")
        level = checker.choice(file, entry, "level", Level, topic_id, f"{field}.level")
        means = checker.text(
            file, entry, "means", topic_id, f"{field}.means", limit=MAX_MEANS_CHARS
        )
        do = checker.text(file, entry, "do", topic_id, f"{field}.do", limit=MAX_DO_CHARS)
        ids = checker.source_ids(file, entry, topic_id or sign_id, f"{field}.sources", sources)
        phrases = tuple(
            p
            for _, p in _phrases(checker, file, entry, "phrases", topic_id, f"{field}.phrases")
            if p
        )
        with_any: list[tuple[str, int | None]] = []
        if "with_any" in entry:
            with_any = [
                (text, _line(entry, "with_any"))
                for text in checker.text_list(
                    file, entry, "with_any", topic_id, f"{field}.with_any"
                )
            ]
        instead_of: tuple[str, ...] = ()
        if "instead_of" in entry:
            instead_of = checker.text_list(
                file, entry, "instead_of", topic_id, f"{field}.instead_of"
            )
        sign = WarningSign(
            id=sign_id,
            level=level or Level.EMERGENCY,
            means=means,
            do=do,
            sources=ids,
            phrases=phrases,
            topic=topic_id,
            file=file,
        )
        signs.append(_RawSign(sign, with_any, instead_of, entry.line))
    return signs


def _cue(text: str, topic_ids: set[str]) -> Phrase | TopicName:
    """A context entry: a topic id stands for any of the topic's names; anything else, a phrase."""
    if text in topic_ids:
        return TopicName(text)
    return compile_phrase(text)


def _resolve_signs(
    checker: _Checker, raw_signs: list[_RawSign], topic_ids: set[str]
) -> dict[str, WarningSign]:
    """Check ids across all signs and resolve `with_any` and `instead_of`; by id."""
    seen: dict[str, str] = {}
    for raw in raw_signs:
        sign = raw.sign
        if sign.id and sign.id in seen:
            checker.add(
                sign.file,
                f"sign id '{sign.id}' is also used in {seen[sign.id]}",
                topic=sign.topic,
                field=f"warning_signs[{sign.id}].id",
                line=raw.line,
            )
        seen.setdefault(sign.id, sign.file)
    resolved: dict[str, WarningSign] = {}
    for raw in raw_signs:
        sign = raw.sign
        field = f"warning_signs[{sign.id}]"
        cues: list[Phrase | TopicName] = []
        for text, line in raw.with_any:
            try:
                cues.append(_cue(text, topic_ids))
            except PhraseError as error:
                checker.add(
                    sign.file, str(error), topic=sign.topic, field=f"{field}.with_any", line=line
                )
        for other in raw.instead_of:
            if other not in seen or other == sign.id:
                checker.add(
                    sign.file,
                    f"'{other}' is not the id of another warning sign",
                    topic=sign.topic,
                    field=f"{field}.instead_of",
                    line=raw.line,
                )
        resolved.setdefault(sign.id, replace(sign, with_any=tuple(cues), instead_of=raw.instead_of))
    return resolved


def _load_general_signs(
    checker: _Checker, root: Path, sources: dict[str, Source]
) -> list[_RawSign]:
    path = root / GENERAL_SIGNS_FILE
    if not exists(path):
        return []
    file = checker.name(path)
    data = checker.read(path)
    if data is None:
        return []
    return _load_signs(checker, file, data, None, None, sources)


def _load_calm(checker: _Checker, root: Path) -> CalmQuestions | None:
    path = root / CALM_FILE
    if not exists(path):
        return None
    file = checker.name(path)
    data = checker.read(path)
    if data is None:
        return None
    if not isinstance(data, LineMap):
        checker.add(file, "must be a mapping with openers: [...] and happening_now: [...]")
        return None
    checker.unknown_keys(file, data, CALM_KEYS, None, "")
    lists = {
        key: tuple(p for _, p in _phrases(checker, file, data, key, None, key) if p)
        for key in CALM_KEYS
        if key in data or key in ("openers", "happening_now")
    }
    return CalmQuestions(
        lists["openers"], lists["happening_now"], lists.get("not_now", ()), lists.get("acute", ())
    )


AskCues = tuple[dict[Command, tuple[Phrase, ...]], dict[str, tuple[Phrase, ...]]]


def _load_ask_cues(checker: _Checker, root: Path, topic_kinds: dict[str, Kind]) -> AskCues:
    """/ask's phrases: per command (the kind of answer), and per condition (its symptoms)."""
    path = root / ASK_CUES_FILE
    if not exists(path):
        return {}, {}
    file = checker.name(path)
    data = checker.read(path)
    if data is None:
        return {}, {}
    if not isinstance(data, LineMap):
        checker.add(file, "must be a mapping of command (treatment, ...) to a list of phrases")
        return {}, {}
    checker.unknown_keys(file, data, (*(c.value for c in Command), "symptoms"), None, "")
    by_command = {
        command: tuple(
            p for _, p in _phrases(checker, file, data, command.value, None, command) if p
        )
        for command in Command
        if command.value in data
    }
    symptoms: dict[str, tuple[Phrase, ...]] = {}
    raw = data.get("symptoms")
    if raw is not None and not isinstance(raw, LineMap):
        checker.add(
            file,
            "must map condition ids to phrases",
            field="symptoms",
            line=_line(data, "symptoms"),
        )
    elif raw is not None:
        for condition in raw:
            if topic_kinds.get(str(condition)) is not Kind.CONDITION:
                checker.add(
                    file,
                    f"'{condition}' is not a condition topic",
                    field=f"symptoms.{condition}",
                    line=_line(raw, str(condition)),
                )
                continue
            symptoms[str(condition)] = tuple(
                p
                for _, p in _phrases(
                    checker, file, raw, str(condition), None, f"symptoms.{condition}"
                )
                if p
            )
    return by_command, symptoms


def _load_interactions(
    checker: _Checker, root: Path, sources: dict[str, Source], topic_ids: set[str]
) -> tuple[Interaction, ...]:
    path = root / INTERACTIONS_FILE
    if not exists(path):
        return ()
    file = checker.name(path)
    data = checker.read(path)
    if data is None:
        return ()
    if not isinstance(data, list) or not data:
        checker.add(
            file, "must be a non-empty list of entries (- id: ..., between: ..., note: ...)"
        )
        return ()
    found: dict[str, Interaction] = {}
    for index, entry in enumerate(data):
        field = f"[{index}]"
        if not isinstance(entry, LineMap):
            checker.add(file, "each entry must be a mapping", field=field)
            continue
        raw_id = entry.get("id")
        if not isinstance(raw_id, str) or not SIGN_ID.match(raw_id):
            checker.add(
                file,
                "missing, or not lowercase letters, digits and hyphens",
                field=f"{field}.id",
                line=_line(entry, "id"),
            )
            raw_id = f"{field}"
        elif raw_id in found:
            checker.add(
                file, "duplicate interaction id", field=f"{raw_id}.id", line=_line(entry, "id")
            )
        else:
            field = raw_id
        checker.unknown_keys(file, entry, INTERACTION_KEYS, None, f"{field}.")
        name = checker.text(file, entry, "name", None, f"{field}.name", limit=MAX_TITLE_CHARS)
        note = checker.text(file, entry, "note", None, f"{field}.note", limit=1000)
        ids = checker.source_ids(file, entry, name or field, f"{field}.sources", sources)
        groups = _groups(checker, file, entry, field, topic_ids)
        found.setdefault(raw_id, Interaction(raw_id, name, groups, note, ids))
    return tuple(found.values())


def _groups(
    checker: _Checker, file: str, entry: LineMap, field: str, topic_ids: set[str]
) -> tuple[tuple[Phrase | TopicName, ...], ...]:
    raw = entry.get("between")
    line = _line(entry, "between")
    if not isinstance(raw, list) or len(raw) < 2:
        checker.add(
            file,
            "must list at least two groups, e.g. [[tizanidine], [cipro*, fluvoxamine]]",
            field=f"{field}.between",
            line=line,
        )
        return ()
    groups = []
    for number, group in enumerate(raw):
        where = f"{field}.between[{number}]"
        if not isinstance(group, list) or not group:
            checker.add(file, "each group must be a non-empty list", field=where, line=line)
            continue
        cues: list[Phrase | TopicName] = []
        for item in group:
            if not isinstance(item, str) or not item.strip():
                checker.add(file, "entries must be text", field=where, line=line)
                continue
            try:
                cues.append(_cue(item.strip(), topic_ids))
            except PhraseError as error:
                checker.add(file, str(error), field=where, line=line)
        groups.append(tuple(cues))
    return tuple(groups)


def _load_snippets(
    checker: _Checker,
    file: str,
    data: LineMap,
    topic_id: str,
    kind: Kind | None,
    sources: dict[str, Source],
    disclaimers: dict[str, Disclaimer],
) -> dict[Command, Snippet]:
    raw = data.get("snippets")
    if not isinstance(raw, LineMap) or not raw:
        checker.add(
            file,
            "missing: a mapping of command name to snippet",
            topic=topic_id,
            field="snippets",
            line=_line(data, "snippets"),
        )
        return {}
    expected = SNIPPETS_BY_KIND[kind] if kind else tuple(Command)
    snippets: dict[Command, Snippet] = {}
    for key, entry in raw.items():
        field = f"snippets.{key}"
        if key not in {c.value for c in expected}:
            allowed = ", ".join(c.value for c in expected)
            checker.add(
                file,
                f"'{key}' is not a snippet a {kind or 'topic'} has; allowed: {allowed}",
                topic=topic_id,
                field=field,
                line=_line(raw, key),
            )
            continue
        if not isinstance(entry, LineMap):
            checker.add(
                file,
                "must be a mapping with text, disclaimer, sources, reviewed",
                topic=topic_id,
                field=field,
                line=_line(raw, key),
            )
            continue
        checker.unknown_keys(file, entry, SNIPPET_KEYS, topic_id, f"{field}.")
        parts = _load_sections(checker, file, entry, topic_id, field, sources)
        text = render(parts).rstrip("\n") if parts else ""
        if len(text) > MAX_SNIPPET_CHARS:
            checker.add(
                file,
                f"{len(text)} characters, more than the {MAX_SNIPPET_CHARS} allowed",
                topic=topic_id,
                field=f"{field}.{'text' if 'text' in entry else 'sections'}",
                line=_line(raw, key),
            )
        disclaimer = checker.text(file, entry, "disclaimer", topic_id, f"{field}.disclaimer")
        if disclaimer and disclaimer not in disclaimers:
            known = ", ".join(sorted(disclaimers)) or "none defined"
            checker.add(
                file,
                f"unknown disclaimer '{disclaimer}'; known: {known}",
                topic=topic_id,
                field=f"{field}.disclaimer",
                line=_line(entry, "disclaimer"),
            )
        ids = checker.source_ids(file, entry, topic_id, f"{field}.sources", sources)
        reviewed = checker.reviewed(file, entry, topic_id, f"{field}.reviewed")
        snippets[Command(key)] = Snippet(text, disclaimer, ids, reviewed, parts)
    for command in expected:
        if command not in snippets and command.value not in raw:
            checker.add(
                file,
                f"missing snippet '{command.value}': every {kind or 'topic'} needs "
                f"{' and '.join(c.value for c in expected)}",
                topic=topic_id,
                field=f"snippets.{command.value}",
                line=_line(data, "snippets"),
            )
    return snippets


def _load_sections(
    checker: _Checker,
    file: str,
    entry: LineMap,
    topic_id: str,
    field: str,
    sources: dict[str, Source],
) -> tuple[Section, ...]:
    """A snippet's parts: its `sections:` list, or its `text` split at the bold lead-ins."""
    if ("text" in entry) == ("sections" in entry):
        checker.add(
            file,
            "missing: give text (one block) or sections (a list of parts), not both",
            topic=topic_id,
            field=f"{field}.text",
            line=entry.line,
        )
        return ()
    if "text" in entry:
        text = checker.text(file, entry, "text", topic_id, f"{field}.text")
        return split(text) if text else ()
    raw = entry["sections"]
    if not isinstance(raw, list) or not raw:
        checker.add(
            file,
            "must be a list of parts, each with a heading and text",
            topic=topic_id,
            field=f"{field}.sections",
            line=_line(entry, "sections"),
        )
        return ()
    parts: list[Section] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"{field}.sections[{index}]"
        if not isinstance(item, LineMap):
            checker.add(
                file,
                "must be a mapping with heading and text",
                topic=topic_id,
                field=where,
                line=_line(entry, "sections"),
            )
            continue
        checker.unknown_keys(file, item, SECTION_KEYS, topic_id, f"{where}.")
        heading: str | None = None
        if "heading" in item or index > 0:
            heading = checker.text(
                file, item, "heading", topic_id, f"{where}.heading", limit=MAX_HEADING_CHARS
            )
            if heading and normalise(heading) in seen:
                checker.add(
                    file,
                    f"heading '{heading}' is used twice in this snippet",
                    topic=topic_id,
                    field=f"{where}.heading",
                    line=_line(item, "heading"),
                )
            seen.add(normalise(heading or ""))
        text = checker.text(file, item, "text", topic_id, f"{where}.text")
        own = (
            checker.source_ids(file, item, topic_id, f"{where}.sources", sources)
            if "sources" in item
            else ()
        )
        examples = (
            checker.text_list(file, item, "examples", topic_id, f"{where}.examples")
            if "examples" in item
            else ()
        )
        if len(examples) > MAX_EXAMPLES:
            checker.add(
                file,
                f"{len(examples)} examples, more than the {MAX_EXAMPLES} allowed",
                topic=topic_id,
                field=f"{where}.examples",
                line=_line(item, "examples"),
            )
        for example in examples:
            if len(example) > MAX_EXAMPLE_CHARS:
                checker.add(
                    file,
                    f"example '{example[:30]}...' is longer than {MAX_EXAMPLE_CHARS} characters",
                    topic=topic_id,
                    field=f"{where}.examples",
                    line=_line(item, "examples"),
                )
        parts.append(Section(heading or None, text, own, examples))
    return tuple(parts)


def _check_across_topics(
    checker: _Checker,
    raw_topics: list[_RawTopic],
    unreadable: set[str],
    notes: tuple[tuple[Note, str], ...],
) -> None:
    owners: dict[str, tuple[str, str]] = {}  # compact alias -> (owner label, file)
    for note, file in notes:
        label = f"note '{note.name}'"
        for alias in note.aliases:
            key = compact(normalise(alias))
            owner = owners.setdefault(key, (label, file))
            if owner != (label, file):
                checker.add(
                    file,
                    f"alias '{alias}' also belongs to {owner[0]} ({owner[1]})",
                    field="aliases",
                )
    ids = {raw.topic.id: raw.topic for raw in raw_topics}
    medicine_owners: dict[str, str] = {}  # compact medicine -> topic id
    for raw in raw_topics:
        topic = raw.topic
        for medicine in topic.medicines:
            owner_id = medicine_owners.setdefault(compact(normalise(medicine)), topic.id)
            if owner_id != topic.id:
                checker.add(
                    raw.file,
                    f"medicine '{medicine}' is already covered by topic '{owner_id}'",
                    topic=topic.id,
                    field="medicines",
                )
        own = {compact(normalise(n)) for n in (topic.id, topic.title, *topic.aliases)}
        for item in topic.left_out:
            if compact(normalise(item.name)) in own:
                checker.add(
                    raw.file,
                    f"left-out name '{item.name}' is also one of its aliases",
                    topic=topic.id,
                    field="left_out",
                )
        label = f"topic '{topic.id}'"
        names = (topic.id, topic.title, *topic.aliases)
        for name in dict.fromkeys(compact(normalise(n)) for n in names if n):
            owner = owners.setdefault(name, (label, raw.file))
            if name and owner[0] != label:
                checker.add(
                    raw.file,
                    f"alias '{name}' also belongs to {owner[0]} ({owner[1]})",
                    topic=topic.id,
                    field="aliases",
                    line=raw.aliases_line,
                )
        for condition in topic.used_for:
            if condition in unreadable:
                continue  # its file did not load and has a problem; do not report twice
            target = ids.get(condition)
            if target is None or target.kind is not Kind.CONDITION:
                checker.add(
                    raw.file,
                    f"'{condition}' is not a condition topic",
                    topic=topic.id,
                    field="used_for",
                )


def _topic_paths(checker: _Checker, root: Path) -> list[Path]:
    """The topic files to load: every *.yaml entry of topics/, whatever it turns out to be."""
    topics_dir = root / "topics"
    file = checker.name(topics_dir)
    try:
        paths = list_folder(topics_dir, checker.real_root, TOPIC_SUFFIXES)
    except ContentFileError as error:
        checker.add(file, error.message)
        return []
    if not paths:
        checker.add(file, "no topic files (*.yaml) found")
    elif len(paths) > MAX_TOPIC_FILES:
        checker.add(file, f"{len(paths)} topic files, more than the {MAX_TOPIC_FILES} allowed")
        return []
    return paths


def load_catalog(content_dir: Path | str) -> Catalog:
    """Load and validate `content_dir`; raise ContentError listing every problem found.

    Nothing else escapes: a folder or file that cannot be read is a problem like any other.
    """
    root = Path(content_dir)
    try:
        real_root = resolve_folder(root)
    except ContentFileError as error:
        raise ContentError([Problem(str(root), None, None, None, error.message)]) from None
    checker = _Checker(root, real_root)
    try:
        return _load_all(checker, root)
    except OSError as error:  # a safety net: each read above reports its own errors
        where = Path(error.filename) if isinstance(error.filename, str) else root
        checker.add(checker.name(where), f"cannot read: {error.strerror or error}")
        raise ContentError(checker.problems) from None


def _load_all(checker: _Checker, root: Path) -> Catalog:
    """Everything in `root`, checked; raise ContentError if `checker` found any problem."""
    disclaimers = _load_disclaimers(checker, root)
    policy = _load_policy(checker, root)
    sources = _load_sources(checker, root, policy)
    notes = tuple(
        (note, checker.name(root / name))
        for name, kind in NOTE_FILES.items()
        for note in _load_notes(checker, root / name, kind, sources)
    )
    paths = _topic_paths(checker, root)
    raw_topics = [
        raw
        for raw in (_load_topic(checker, path, sources, disclaimers) for path in paths)
        if raw is not None
    ]
    seen: dict[str, str] = {}
    for raw in raw_topics:
        if raw.topic.id in seen:
            checker.add(
                raw.file, f"id also used by {seen[raw.topic.id]}", topic=raw.topic.id, field="id"
            )
        seen.setdefault(raw.topic.id, raw.file)
    failed = checker.failed_files()
    unreadable = {p.stem for p in paths if checker.name(p) in failed} - {
        raw.topic.id for raw in raw_topics
    }
    _check_across_topics(checker, raw_topics, unreadable, notes)
    topic_ids = {raw.topic.id for raw in raw_topics}
    general = _load_general_signs(checker, root, sources)
    signs = _resolve_signs(
        checker, general + [sign for raw in raw_topics for sign in raw.signs], topic_ids
    )
    interactions = _load_interactions(checker, root, sources, topic_ids)
    calm = _load_calm(checker, root)
    topic_kinds = {raw.topic.id: raw.topic.kind for raw in raw_topics}
    ask_cues, ask_symptoms = _load_ask_cues(checker, root, topic_kinds)
    cited: list[tuple[str, str | None, str, tuple[str, ...]]] = [
        (raw.file, raw.topic.id, f"snippets.{command.value}", snippet.sources)
        for raw in raw_topics
        for command, snippet in raw.topic.snippets.items()
    ]
    cited += [
        (sign.file, sign.topic, f"warning_signs[{sign.id}].sources", sign.sources)
        for sign in signs.values()
    ]
    cited += [(file, note.name, "sources", note.sources) for note, file in notes]
    cited += [
        (checker.name(root / INTERACTIONS_FILE), i.id, "sources", i.sources) for i in interactions
    ]
    _check_primary(checker, sources, cited)
    if checker.problems:
        raise ContentError(checker.problems)
    topics = {
        raw.topic.id: replace(raw.topic, warning_signs=tuple(signs[s.sign.id] for s in raw.signs))
        for raw in raw_topics
    }
    return Catalog(
        topics=topics,
        sources=sources,
        disclaimers=disclaimers,
        notes=tuple(note for note, _ in notes),
        general_signs=tuple(signs[s.sign.id] for s in general),
        interactions=interactions,
        calm=calm,
        ask_cues=ask_cues,
        ask_symptoms=ask_symptoms,
    )
