"""Invariants of the bundled content, and the editor schema that moderators rely on."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from bot.content_dir import BUNDLED_CONTENT
from bot.core import loader
from bot.core.catalog import SNIPPETS_BY_KIND, Catalog, Command, Kind
from bot.core.yaml_reader import read_yaml

CONDITIONS = ("sps", "ae", "mg")
TREATMENTS = [
    "baclofen",
    "benzodiazepines",
    "tizanidine",
    "methocarbamol",
    "botulinum-toxin",
    "dantrolene",
    "gabapentin",
    "pregabalin",
    "tiagabine",
    "valproate",
    "antidepressants",
    "ivig",
    "scig",
    "corticosteroids",
    "plasma-exchange",
    "rituximab",
    "cyclophosphamide",
    "mycophenolate",
    "azathioprine",
    "stem-cell-transplant",
    "bortezomib",
    "tocilizumab",
    "pyridostigmine",
    "thymectomy",
    "eculizumab",
    "ravulizumab",
    "zilucoplan",
    "efgartigimod",
    "rozanolixizumab",
    "nipocalimab",
    "inebilizumab",
    "physical-therapy",
]
REQUIRED = {
    **dict.fromkeys(CONDITIONS, Kind.CONDITION),
    **dict.fromkeys(TREATMENTS, Kind.TREATMENT),
}
SCHEMA = json.loads((BUNDLED_CONTENT / "schema" / "topic.schema.json").read_text(encoding="utf-8"))
TOPIC_FILES = sorted((BUNDLED_CONTENT / "topics").glob("*.yaml"))
CONDITION_NAMES = {
    "sps": r"\bSPS\b|stiff person",
    "ae": r"\bAE\b|encephalitis",
    "mg": r"\bMG\b|myasthenia",
}


@pytest.mark.parametrize(("topic_id", "kind"), sorted(REQUIRED.items()))
def test_required_topics_exist_complete(catalog: Catalog, topic_id: str, kind: Kind) -> None:
    topic = catalog.topics[topic_id]
    assert topic.kind is kind
    assert set(topic.snippets) == set(SNIPPETS_BY_KIND[kind])
    for snippet in topic.snippets.values():
        assert len(snippet.text) >= 300, "a real answer, not a stub"


def test_at_least_the_four_disclaimers_exist(catalog: Catalog) -> None:
    assert {"general", "medicine", "procedure", "emergency"} <= set(catalog.disclaimers)


def test_procedures_carry_the_procedure_disclaimer(catalog: Catalog) -> None:
    for topic_id in ("plasma-exchange", "thymectomy", "stem-cell-transplant"):
        for snippet in catalog.topics[topic_id].snippets.values():
            assert snippet.disclaimer == "procedure", topic_id


def test_every_snippet_resolves_its_disclaimer_and_sources(catalog: Catalog) -> None:
    for topic in catalog.topics.values():
        for snippet in topic.snippets.values():
            assert snippet.disclaimer in catalog.disclaimers
            assert snippet.sources and all(s in catalog.sources for s in snippet.sources)


def test_every_source_is_cited_somewhere(catalog: Catalog) -> None:
    cited = {s for t in catalog.topics.values() for sn in t.snippets.values() for s in sn.sources}
    cited |= {s for sign in catalog.warning_signs for s in sign.sources}
    cited |= {s for note in catalog.notes for s in note.sources}
    cited |= {s for i in catalog.interactions for s in i.sources}
    assert set(catalog.sources) - cited == set()


def test_conditions_have_warning_signs_and_treatments_name_their_conditions(
    catalog: Catalog,
) -> None:
    for topic in catalog.of_kind(Kind.CONDITION):
        assert topic.warning_signs, topic.id
    for topic in catalog.of_kind(Kind.TREATMENT):
        assert topic.used_for, topic.id
        text = topic.snippets["treatment"].text
        assert any(re.search(CONDITION_NAMES[c], text, re.I) for c in topic.used_for), topic.id


def test_snippets_fit_one_discord_embed(catalog: Catalog) -> None:
    for topic in catalog.topics.values():
        for snippet in topic.snippets.values():
            assert len(snippet.text) <= loader.MAX_SNIPPET_CHARS


def test_no_dosing_advice_or_you_should(catalog: Catalog) -> None:
    for topic in catalog.topics.values():
        for command, snippet in topic.snippets.items():
            assert not re.search(r"\byou should\b", snippet.text, re.I), (topic.id, command)
            assert not re.search(r"\btake \d+\s?mg\b", snippet.text, re.I), (topic.id, command)


def test_emergency_notice_leads_with_the_instruction(catalog: Catalog) -> None:
    assert catalog.emergency_notice.lower().startswith("call your local emergency number now")


@pytest.mark.parametrize("path", TOPIC_FILES, ids=lambda p: p.name)
def test_topic_files_pass_the_editor_schema(path) -> None:
    jsonschema.validate(json.loads(json.dumps(read_yaml(path))), SCHEMA)


def test_schema_and_loader_agree_on_keys() -> None:
    assert set(SCHEMA["properties"]) == set(loader.TOPIC_KEYS)
    for command in ("treatment", "sideeffects", "resistance"):
        assert SCHEMA["properties"]["snippets"]["properties"][command] == {
            "$ref": "#/$defs/snippet"
        }
    assert set(SCHEMA["$defs"]["snippet"]["properties"]) == set(loader.SNIPPET_KEYS)
    assert set(SCHEMA["$defs"]["section"]["properties"]) == set(loader.SECTION_KEYS)
    sign = SCHEMA["properties"]["warning_signs"]["items"]
    assert set(sign["properties"]) == set(loader.SIGN_KEYS)


@pytest.mark.parametrize(
    "mutation",
    [
        lambda d: d.update(alaises=d.pop("aliases")),
        lambda d: d.update(id="Bad_Id"),
        lambda d: d["snippets"]["treatment"].update(reviewed="21/11/2026"),
        lambda d: d["snippets"]["treatment"].pop("sources"),
    ],
    ids=["unknown-key", "bad-id", "bad-date", "no-sources"],
)
def test_schema_flags_what_the_loader_rejects(mutation) -> None:
    data = json.loads(json.dumps(read_yaml(BUNDLED_CONTENT / "topics" / "ivig.yaml")))
    mutation(data)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


@pytest.mark.parametrize(
    ("typed", "topic_id"),
    [
        ("stiff man syndrome", "sps"),
        ("PERM", "sps"),
        ("anti-GAD", "sps"),
        ("anti-NMDA receptor encephalitis", "ae"),
        ("LGI1", "ae"),
        ("CASPR2", "ae"),
        ("limbic encephalitis", "ae"),
        ("ocular myasthenia", "mg"),
        ("generalized MG", "mg"),
        ("AChR", "mg"),
        ("MuSK", "mg"),
        ("Gabatril", "tiagabine"),
        ("Gabitril", "tiagabine"),
        ("IVIg", "ivig"),
        ("PLEX", "plasma-exchange"),
        ("MMF", "mycophenolate"),
        ("HSCT", "stem-cell-transplant"),
        ("Truxima", "rituximab"),
        ("Vyvgart Hytrulo", "efgartigimod"),
        ("Bkemv", "eculizumab"),
        ("Zanaflex", "tizanidine"),
        ("Lyrica", "pregabalin"),
        ("Depakote", "valproate"),
        ("duloxetine", "antidepressants"),
        ("Hizentra", "scig"),
        ("Velcade", "bortezomib"),
        ("Actemra", "tocilizumab"),
        ("physio", "physical-therapy"),
    ],
)
def test_subtypes_old_names_brands_and_abbreviations(service, typed: str, topic_id: str) -> None:
    assert service.ask(Command.TREATMENT, typed).topic == topic_id


def test_different_disorders_are_not_aliases(catalog: Catalog) -> None:
    every_alias = " | ".join(a.lower() for t in catalog.topics.values() for a in t.aliases)
    for other in ("hyperekplexia", "stiff baby", "lambert", "lems", "congenital myasthenic"):
        assert other not in every_alias


def _text(catalog: Catalog, topic_id: str, command: str) -> str:
    return catalog.topics[topic_id].snippets[command].text


@pytest.mark.parametrize(
    ("topic_id", "command", "pattern"),
    [
        ("corticosteroids", "sideeffects", r"worse"),  # steroids can worsen MG at first
        ("antidepressants", "sideeffects", r"SNRI"),
        ("antidepressants", "treatment", r"SNRI"),
        ("baclofen", "sideeffects", r"[Nn]ever stop"),
        ("benzodiazepines", "sideeffects", r"(?i)never stop|abrupt|suddenly"),
        ("eculizumab", "sideeffects", r"(?i)meningococcal"),
        ("ravulizumab", "sideeffects", r"(?i)meningococcal"),
        ("zilucoplan", "sideeffects", r"(?i)meningococcal"),
    ],
)
def test_condition_specific_cautions(
    catalog: Catalog, topic_id: str, command: str, pattern: str
) -> None:
    assert re.search(pattern, _text(catalog, topic_id, command))


def test_the_brief_corrections_are_followed(catalog: Catalog) -> None:
    everything = "\n".join(s.text for t in catalog.topics.values() for s in t.snippets.values())
    assert not re.search(r"20\s*[–-]\s*40\s*%", everything)  # unverified AE non-response figure
    assert re.search(r"47%", _text(catalog, "ae", "resistance"))
    assert not re.search(r"[$£]\s?\d|RMB", everything)  # unverified IVIG cost figures
    assert not re.search(r"(?i)antibodies against (IVIG|immunoglobulin)", everything)
    assert not re.search(r"(?i)transcranial magnetic|\bTMS\b", everything)
    assert "Gabitril" in _text(catalog, "tiagabine", "treatment")  # not the seed's "Gabatril"


def test_no_doses_in_snippets(catalog: Catalog) -> None:
    for topic in catalog.topics.values():
        for command, snippet in topic.snippets.items():
            # trial results such as "44 vs 60 mg" compare groups; they are not instructions
            text = re.sub(r"\d+ vs \d+ mg", "", snippet.text)
            dose = re.search(r"\d\s?(mg|mcg|µg|g)/?(kg|day)?\b", text)
            assert dose is None, (topic.id, command, dose)
