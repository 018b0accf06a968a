"""`python -m bot suggest-aliases [TOPIC] [--write] [--accept FILE]`: curators' alias finder.

For each medicine a topic covers (its `medicines:`), the names a standard drug dictionary lists
(the `drug-named-entity-recognition` package, `pip install .[curate]`) that do not reach the
topic yet, each marked by kind. `--write` adds the suggested names (or only those listed in the
`--accept` file, one a line) to the topic files by editing the `aliases:` block as text, so
comments and order stay. The bot never imports the dictionary: only this command does, lazily.

A name is never suggested for a topic when it also names a medicine another topic covers, or a
medicine no topic covers; a name of a medicine from `mg_cautions.yaml` is offered for that note's
`aliases` instead; names in the topic's `left_out:` are skipped (they carry their reason).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.core.answers import AnswerService, Status
from bot.core.catalog import Catalog, Command, Kind, NoteKind, Topic
from bot.core.normalize import compact, normalise
from bot.errors import EXIT_OK, BotError

DICTIONARY_PACKAGE = "drug_named_entity_recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"
MAX_WORDS = 3
"""Names longer than this are descriptions, not what a member types (issue 16)."""
SALT_WORDS = frozenset(
    [
        "hydrochloride",
        "hydrobromide",
        "sodium",
        "potassium",
        "calcium",
        "magnesium",
        "acetate",
        "maleate",
        "mesylate",
        "bromide",
        "succinate",
        "phosphate",
        "sulfate",
        "sulphate",
        "oxalate",
        "tartrate",
        "citrate",
        "fumarate",
        "besylate",
        "hemihydrate",
        "anhydrous",
        "monohydrate",
        "dihydrate",
        "mofetil",
        "hcl",
    ]
)
CHEMICAL_PARTS = (
    "chloro",
    "fluoro",
    "methyl",
    "dehydro",
    "hydroxy",
    "delta-",
    "gaba",
    "carbamate",
    "diazepinone",
    "cortol",
    "cortine",
    "androlone",
    "propyl",
    "acetic",
)
CAUTIONS_FILE = "mg_cautions.yaml"


class CurateError(BotError):
    """The curators' extra is not installed, or a topic or file named is unknown."""


@dataclass(frozen=True)
class Dictionary:
    """The drug dictionary's names: canonical medicine -> names, name -> medicines, brands."""

    names: dict[str, frozenset[str]]
    medicines: dict[str, tuple[str, ...]]
    brand: dict[str, bool]


def usable(name: str) -> bool:
    """Kept from the dictionary: no digits, no commas, at most three words (issue 16)."""
    return not re.search(r"[\d,]", name) and len(name.split()) <= MAX_WORDS


def load_dictionary() -> Dictionary:
    """Read the package's dictionary (about 0.6 s); raise CurateError without the extra."""
    import bz2
    import importlib.resources
    import pickle

    try:
        data_file = importlib.resources.files(DICTIONARY_PACKAGE) / DICTIONARY_FILE
        with data_file.open("rb") as raw, bz2.open(raw, "rb") as handle:
            data: dict[str, Any] = pickle.load(handle)  # the installed package's own data file
    except ModuleNotFoundError:
        raise CurateError(
            "suggest-aliases needs the curators' extra: pip install '.[curate]'"
        ) from None
    names: dict[str, set[str]] = {}
    medicines: dict[str, tuple[str, ...]] = {}
    for variant, canonicals in data["drug_variant_to_canonical"].items():
        medicines[variant] = tuple(canonicals)
        for canonical in canonicals:
            names.setdefault(canonical, set()).add(variant)
    brand = {
        variant: bool(info["is_brand"])
        for variant, info in data["drug_variant_to_variant_data"].items()
        if isinstance(info, dict) and "is_brand" in info
    }
    return Dictionary({k: frozenset(v) for k, v in names.items()}, medicines, brand)


def kind_of(name: str, medicine: str, dictionary: Dictionary) -> str:
    """What sort of name this is: the dictionary's word where it has one, else a guess."""
    if dictionary.brand.get(name):
        return "brand"
    if name == medicine.casefold():
        return "generic"
    words = re.split(r"[\s-]+", name)
    if any(word in SALT_WORDS for word in words) and medicine.split()[0] in words:
        return "salt form"
    if any(part in name for part in CHEMICAL_PARTS):
        return "chemical name"
    if medicine.split()[0] in words:
        return "maker's generic"
    if dictionary.brand.get(name) is False:
        return "generic"
    if _similar(name, medicine):
        return "international spelling"
    return "brand (likely)"


def _similar(name: str, medicine: str) -> bool:
    import difflib

    a, b = compact(normalise(name)), compact(normalise(medicine))
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.7


@dataclass
class Finding:
    """One dictionary name for one medicine of a topic, and what to do with it."""

    name: str
    medicine: str
    kind: str
    verdict: str
    """"suggest" (add to the topic), "caution" (add to a note), or "skip"."""
    why: str = ""
    target: str = ""
    """The topic id, or the MG caution note's name, the name would be added to."""


@dataclass
class Report:
    """What the dictionary has for the topics asked about."""

    topics: list[Topic]
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    reached: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per medicine: (names that reach the topic, names counted), left-out names not counted."""


def covered_medicines(catalog: Catalog) -> dict[str, str]:
    """Compact medicine -> the id of the topic that covers it."""
    return {
        compact(normalise(medicine)): topic.id
        for topic in catalog.topics.values()
        for medicine in topic.medicines
    }


def caution_medicines(catalog: Catalog, dictionary: Dictionary) -> dict[str, str]:
    """Compact medicine -> MG caution note name, for note aliases the dictionary knows."""
    found: dict[str, str] = {}
    for note in catalog.notes:
        if note.kind is NoteKind.MG_CAUTION:
            for alias in note.aliases:
                if alias.casefold() in dictionary.names:
                    found[compact(normalise(alias))] = note.name
    return found


def reaches(service: AnswerService, topic: Topic, name: str) -> tuple[bool, str | None]:
    """Whether `name` asked as a member would reaches `topic`; and what it reaches instead."""
    command = Command.SIDEEFFECTS if topic.kind is Kind.TREATMENT else Command.TREATMENT
    answer = service.ask(command, name)
    if answer.status is Status.ANSWER:
        return answer.topic == topic.id, answer.topic
    if answer.status.is_note:
        return False, answer.title
    return False, None


def survey(catalog: Catalog, dictionary: Dictionary, topic_id: str | None) -> Report:
    """Look up every medicine of the chosen topic (or of all topics that list medicines)."""
    if topic_id is not None and topic_id not in catalog.topics:
        raise CurateError(f"No topic '{topic_id}'. Topics: {', '.join(sorted(catalog.topics))}.")
    chosen = [
        t for t in catalog.topics.values() if t.medicines and (topic_id is None or t.id == topic_id)
    ]
    service = AnswerService(catalog)
    covered = covered_medicines(catalog)
    cautions = caution_medicines(catalog, dictionary)
    owners: dict[str, str] = {}
    for topic in catalog.topics.values():
        for alias in (topic.id, *topic.aliases):
            owners[compact(normalise(alias))] = f"topic '{topic.id}'"
    for note in catalog.notes:
        for alias in note.aliases:
            owners[compact(normalise(alias))] = f"note '{note.name}'"
    report = Report(chosen)
    for topic in chosen:
        left_out = {compact(normalise(item.name)): item.reason for item in topic.left_out}
        findings: list[Finding] = []
        for medicine in topic.medicines:
            names = sorted(n for n in dictionary.names.get(medicine.casefold(), ()) if usable(n))
            good = counted = 0
            for name in names:
                key = compact(normalise(name))
                kind = kind_of(name, medicine, dictionary)
                if key in left_out:
                    findings.append(Finding(name, medicine, kind, "skip", left_out[key]))
                    continue
                counted += 1
                hit, other = reaches(service, topic, name)
                if hit:
                    good += 1
                    continue
                findings.append(
                    _verdict(name, medicine, kind, topic, dictionary, covered, cautions, owners)
                )
                if other is not None:
                    findings[-1].why += f" (now reaches {other})"
            report.reached[f"{topic.id}:{medicine}"] = (good, counted)
        report.findings[topic.id] = findings
    return report


def _verdict(
    name: str,
    medicine: str,
    kind: str,
    topic: Topic,
    dictionary: Dictionary,
    covered: dict[str, str],
    cautions: dict[str, str],
    owners: dict[str, str],
) -> Finding:
    key = compact(normalise(name))
    if key in owners:
        return Finding(name, medicine, kind, "skip", f"already an alias of {owners[key]}")
    others = [m for m in dictionary.medicines.get(name, ()) if m != medicine.casefold()]
    for other in others:
        other_key = compact(normalise(other))
        if other_key in cautions:
            return Finding(
                name, medicine, kind, "caution", f"also {other}", target=cautions[other_key]
            )
        owner = covered.get(other_key)
        if owner is None:
            return Finding(name, medicine, kind, "skip", f"also names {other}, not covered")
        if owner != topic.id:
            return Finding(name, medicine, kind, "skip", f"also names {other} (topic '{owner}')")
    return Finding(name, medicine, kind, "suggest", target=topic.id)


def read_accepted(path: Path) -> set[str]:
    """Names listed one a line (blank lines and `#` comments ignored), compacted."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CurateError(f"Cannot read {path}: {error.strerror}") from None
    return {
        compact(normalise(line.split("#", 1)[0]))
        for line in text.splitlines()
        if line.split("#", 1)[0].strip()
    }


def add_aliases(text: str, names: Iterable[str]) -> str:
    """`text` (a topic file) with `names` added at the end of its `aliases:` block, as text."""
    names = list(names)
    if not names:
        return text
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("aliases:")), None)
    if start is None:
        raise CurateError("no top-level 'aliases:' line to add to")
    head = lines[start]
    if "[" in head:  # a flow list on one line: aliases: [a, b]
        closing = head.rindex("]")
        inner = head[head.index("[") + 1 : closing].strip()
        joined = ", ".join(([inner] if inner else []) + names)
        lines[start] = f"{head[: head.index('[')]}[{joined}]{head[closing + 1 :]}"
        return "".join(lines)
    last = start
    indent = "  "
    for i in range(start + 1, len(lines)):
        stripped = lines[i].lstrip()
        if not stripped.strip() or stripped.startswith("#"):
            continue
        if not lines[i].startswith((" ", "-")):
            break
        if stripped.startswith("- "):
            last = i
            indent = lines[i][: len(lines[i]) - len(stripped)]
    newline = "\n" if lines[last].endswith("\n") else ""
    added = [f"{indent}- {_quoted(name)}\n" for name in names]
    if not newline:
        lines[last] += "\n"
    lines[last + 1 : last + 1] = added
    return "".join(lines)


def add_caution_aliases(text: str, note_name: str, names: Iterable[str]) -> str:
    """`text` (mg_cautions.yaml) with `names` added to the flow `aliases:` of one note."""
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if line.strip() == f"- name: {note_name}"), None
    )
    if start is None:
        raise CurateError(f"no note '{note_name}' in {CAUTIONS_FILE}")
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("aliases:"):
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            block = add_aliases(lines[i][len(indent) :], names)
            lines[i] = indent + block
            return "".join(lines)
        if lines[i].startswith("- "):
            break
    raise CurateError(f"note '{note_name}' has no aliases line")


def _quoted(name: str) -> str:
    plain = re.fullmatch(r"[^\W\d][\w .'-]*", name) and not name.endswith(":")
    return name if plain else "'" + name.replace("'", "''") + "'"


def run_suggest(
    catalog: Catalog,
    content_dir: Path,
    topic_id: str | None,
    write: bool,
    accept: str | None,
    out: TextIO,
) -> int:
    """The command: print the report; with `write`, add the accepted names to the files."""
    dictionary = load_dictionary()
    report = survey(catalog, dictionary, topic_id)
    accepted = read_accepted(Path(accept)) if accept is not None else None
    to_topics: dict[str, list[str]] = {}
    to_cautions: dict[str, list[str]] = {}
    for topic in report.topics:
        print(f"{topic.id}: {', '.join(topic.medicines)}", file=out)
        for medicine in topic.medicines:
            good, counted = report.reached[f"{topic.id}:{medicine}"]
            share = f"{100 * good / counted:.0f}%" if counted else "-"
            print(f"  {medicine}: {good}/{counted} names reach the topic ({share})", file=out)
        for finding in report.findings[topic.id]:
            mark = {"suggest": "+", "caution": ">", "skip": "-"}[finding.verdict]
            why = f"  [{finding.why.strip()}]" if finding.why.strip() else ""
            where = f" -> {CAUTIONS_FILE}: {finding.target}" if finding.verdict == "caution" else ""
            print(f"    {mark} {finding.name:<32} {finding.kind}{where}{why}", file=out)
            if finding.verdict == "skip":
                continue
            if accepted is not None and compact(normalise(finding.name)) not in accepted:
                continue
            bucket = to_topics if finding.verdict == "suggest" else to_cautions
            names = bucket.setdefault(finding.target, [])
            if compact(normalise(finding.name)) not in {compact(normalise(n)) for n in names}:
                names.append(finding.name)  # "nu baclo" and "nu-baclo" are one alias
    if not write:
        print(
            "\n+ add to the topic, > add to an MG caution, - not added. --write adds them.",
            file=out,
        )
        return EXIT_OK
    written = 0
    for tid, names in to_topics.items():
        path = content_dir / "topics" / f"{tid}.yaml"
        path.write_text(add_aliases(path.read_text(encoding="utf-8"), names), encoding="utf-8")
        written += len(names)
        print(f"Added {len(names)} alias(es) to {path.name}: {', '.join(names)}", file=out)
    if to_cautions:
        path = content_dir / CAUTIONS_FILE
        text = path.read_text(encoding="utf-8")
        for note_name, names in to_cautions.items():
            text = add_caution_aliases(text, note_name, names)
            written += len(names)
            print(f"Added {len(names)} alias(es) to {note_name}: {', '.join(names)}", file=out)
        path.write_text(text, encoding="utf-8")
    print(f"{written} name(s) written; run `python -m bot check` next.", file=out)
    return EXIT_OK
