"""Content validation: every kind of mistake is reported with file, topic and field, at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.loader import ContentError, load_catalog
from tests.conftest import CONDITION, TREATMENT, write_content


def problems_for(tmp_path: Path, **topics: str) -> list[str]:
    root = write_content(tmp_path / "content", topics)
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    return [str(p) for p in caught.value.problems]


def test_valid_content_loads(content: Path) -> None:
    catalog = load_catalog(content)
    assert set(catalog.topics) == {"cond", "drug"}
    drug = catalog.topics["drug"]
    assert drug.used_for == ("cond",)
    assert catalog.sources["SRC-TWO"].url == "https://doi.org/10.1234/example.2"
    assert str(drug.snippets["sideeffects"].reviewed) == "2026-01-02"


def test_unknown_disclaimer(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, drug=TREATMENT.replace("disclaimer: medicine", "disclaimer: medecine", 1)
    )
    assert len(found) == 1
    assert "topics/drug.yaml" in found[0]
    assert "snippets.treatment.disclaimer" in found[0]
    assert "unknown disclaimer 'medecine'" in found[0]


def test_unknown_source_id_suggests_the_close_one(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, cond=CONDITION.replace("sources: [SRC-TWO]", "sources: [SRC-TOW]")
    )
    assert found == [next(p for p in found if "SRC-TOW" in p)]
    assert "snippets.resistance.sources" in found[0]
    assert "did you mean 'SRC-TWO'" in found[0]


@pytest.mark.parametrize(
    "replacement",
    ["text: ''", "text:", "text: '   '"],
    ids=["empty-string", "null", "blank"],
)
def test_missing_or_empty_text(tmp_path: Path, replacement: str) -> None:
    found = problems_for(
        tmp_path, drug=TREATMENT.replace("text: Drug side effects text.", replacement)
    )
    assert len(found) == 1
    assert "snippets.sideeffects.text" in found[0] and "missing or empty" in found[0]


def test_missing_text_key(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, drug=TREATMENT.replace("    text: Drug side effects text.\n", "")
    )
    assert any("snippets.sideeffects.text" in p and "missing" in p for p in found)


def test_alias_claimed_by_two_topics_after_normalisation(tmp_path: Path) -> None:
    other = (
        TREATMENT.replace("id: drug", "id: other")
        .replace("id: yellow-eyes", "id: other-yellow-eyes")
        .replace("aliases: [exampledrug, brandname]", "aliases: [Brand-Name]")
        .replace("title: Example drug", "title: Other drug")
    )
    found = problems_for(tmp_path, other=other)
    assert len(found) == 1
    assert "alias 'brandname' also belongs to topic 'drug'" in found[0]
    assert "field aliases" in found[0]


def test_snippet_too_long_for_an_embed(tmp_path: Path) -> None:
    long_text = "x" * 4097
    found = problems_for(tmp_path, drug=TREATMENT.replace("Drug treatment text.", long_text))
    assert len(found) == 1
    assert "4097 characters, more than the 4096 allowed" in found[0]
    assert "snippets.treatment.text" in found[0]


@pytest.mark.parametrize(
    "bad", ["2026-13-01", "21/11/2026", "2026-02-30", "yesterday", "2126-01-01"]
)
def test_malformed_date(tmp_path: Path, bad: str) -> None:
    found = problems_for(
        tmp_path, cond=CONDITION.replace("reviewed: 2026-01-02", f"reviewed: {bad}", 1)
    )
    assert len(found) == 1
    assert "snippets.treatment.reviewed" in found[0]
    assert bad in found[0]


@pytest.mark.parametrize("bad_id", ["Drug", "drug_1", "-drug", "drug--x", "dr ug"])
def test_id_that_breaks_the_pattern(tmp_path: Path, bad_id: str) -> None:
    found = problems_for(tmp_path, drug=TREATMENT.replace("id: drug", f"id: '{bad_id}'"))
    assert any("field id" in p and "lowercase letters" in p for p in found)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    found = problems_for(tmp_path, drug=TREATMENT.replace("id: drug", "id: medicine"))
    assert any("does not match the file name 'drug.yaml'" in p for p in found)


def test_unknown_key_is_an_error_with_a_hint(tmp_path: Path) -> None:
    found = problems_for(tmp_path, drug=TREATMENT.replace("aliases:", "alaises:"))
    assert any("unknown key 'alaises' (did you mean 'aliases'?)" in p for p in found)
    assert any("field aliases" in p and "missing" in p for p in found)


def test_unknown_key_inside_a_snippet(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path,
        drug=TREATMENT.replace(
            "    disclaimer: medicine\n", "    disclaimer: medicine\n    sorces: [SRC-ONE]\n", 1
        ),
    )
    assert found and "snippets.treatment.sorces" in found[0]
    assert "did you mean 'sources'" in found[0]


def test_yaml_syntax_error_has_a_line_number(tmp_path: Path) -> None:
    broken = CONDITION.replace(
        "aliases: [example condition, excon]", "aliases: [example condition, excon"
    )
    found = problems_for(tmp_path, cond=broken)
    assert len(found) == 1
    assert found[0].startswith("content/topics/cond.yaml:")
    line = int(found[0].split(":")[1])
    assert 4 <= line <= 6
    assert "YAML syntax error" in found[0]


def test_duplicate_key_is_reported_with_its_line(tmp_path: Path) -> None:
    doubled = TREATMENT.replace("title: Example drug", "title: Example drug\ntitle: Again")
    found = problems_for(tmp_path, drug=doubled)
    assert len(found) == 1
    assert "content/topics/drug.yaml:4" in found[0]
    assert "'title' appears twice" in found[0]


def test_missing_snippet_is_an_error_no_stubs(tmp_path: Path) -> None:
    without = CONDITION.split("  resistance:")[0]
    found = problems_for(tmp_path, cond=without)
    assert any("missing snippet 'resistance'" in p for p in found)


def test_snippet_of_the_wrong_kind(tmp_path: Path) -> None:
    found = problems_for(tmp_path, drug=TREATMENT.replace("  sideeffects:", "  resistance:"))
    assert any("'resistance' is not a snippet a treatment has" in p for p in found)
    assert any("missing snippet 'sideeffects'" in p for p in found)


def test_used_for_must_name_a_condition(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, drug=TREATMENT.replace("used_for: [cond]", "used_for: [cond, drug]")
    )
    assert found == [next(p for p in found if "'drug' is not a condition topic" in p)]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad_drug = (
        TREATMENT.replace("aliases:", "alaises:")
        .replace("disclaimer: medicine", "disclaimer: nope", 1)
        .replace("reviewed: 2026-01-02", "reviewed: 2026-1-2", 1)
    )
    bad_cond = CONDITION.replace("sources: [SRC-ONE]", "sources: [MISSING-SRC]", 1)
    found = problems_for(tmp_path, drug=bad_drug, cond=bad_cond)
    joined = "\n".join(found)
    for expected in ("alaises", "nope", "2026-1-2", "MISSING-SRC"):
        assert expected in joined
    assert any("cond.yaml" in p for p in found) and any("drug.yaml" in p for p in found)


def test_bad_sources_and_disclaimers_files(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    (root / "sources.yaml").write_text(
        "- id: bad id\n  citation: x\n  url: https://x.org\n"
        "- id: NO-LINK\n  citation: y\n"
        "- id: BAD-URL\n  citation: z\n  url: ftp://x\n"
        "- id: SRC-ONE\n  citation: one\n  url: https://example.org\n  titel: typo\n",
        encoding="utf-8",
    )
    (root / "disclaimers.yaml").write_text("general:\n  text: ''\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    found = "\n".join(map(str, caught.value.problems))
    assert "UPPERCASE letters" in found
    assert "NO-LINK: needs a url, doi, pmid or pmc" in found
    assert "SRC-ONE.kind" in found  # every source says what kind it is
    assert "must start with http" in found
    assert "unknown key 'titel'" in found
    assert "general.text: missing or empty" in found
    assert "the 'emergency' disclaimer is required" in found
    assert "SRC-TWO" in found  # the topics' references to the now-missing source


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        load_catalog(tmp_path / "nowhere")
    assert "content folder not found" in str(caught.value.problems[0])


def test_note_files_are_validated_too(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    (root / "mg_cautions.yaml").write_text(
        "- name: Example antibiotic\n  aliases: [brandname, exampleotic]\n"
        "  nte: typo\n  sources: [SRC-ONE, NOPE]\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    found = "\n".join(map(str, caught.value.problems))
    assert "unknown key 'nte' (did you mean 'note'?)" in found
    assert "[0].note: missing or empty" in found
    assert "unknown source id 'NOPE'" in found
    assert "alias 'brandname' also belongs to note 'Example antibiotic'" in found


def test_notes_load_with_their_kind(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content")
    (root / "out_of_scope.yaml").write_text(
        "- name: Other disorder\n  aliases: [otherdis]\n"
        "  note: Not covered.\n  sources: [SRC-ONE]\n",
        encoding="utf-8",
    )
    notes = load_catalog(root).notes
    assert [(n.kind.value, n.name, n.aliases) for n in notes] == [
        ("out_of_scope", "Other disorder", ("otherdis",))
    ]


@pytest.mark.parametrize("value", ["1", "[condition]", "Condition", "''"])
def test_a_kind_that_is_not_one_of_the_choices(tmp_path: Path, value: str) -> None:
    found = problems_for(tmp_path, cond=CONDITION.replace("kind: condition", f"kind: {value}"))
    assert any("field kind" in p and "must be one of: condition, treatment" in p for p in found), (
        found
    )


def test_a_condition_may_carry_a_short_title_and_a_colour(tmp_path: Path) -> None:
    condition = CONDITION.replace(
        "title: Example condition", 'title: Example condition\nshort_title: EC\ncolour: "#123abc"'
    )
    catalog = load_catalog(write_content(tmp_path / "content", {"cond": condition}))
    cond = catalog.topics["cond"]
    assert (cond.short_title, cond.colour) == ("EC", "#123ABC")
    assert catalog.colour_for("drug") == "#123ABC"  # used for this condition alone
    assert catalog.condition_names() == "EC"
