"""The source policy: refused hosts, identifier forms, and a primary source under every answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.catalog import SourceKind
from bot.core.loader import ContentError, load_catalog
from bot.core.source_policy import SourcePolicy, host_of, link_for
from tests.conftest import write_content

POLICY = """\
refused_hosts:
  - {host: pdfslide.net, reason: document-sharing copy}
  - {host: scribd.com, reason: document-sharing copy}
  - {host: medilib.ir, reason: pirated copy}
  - {host: orderrobaxin.com, reason: pharmacy or pill page}
  - {host: droracle.ai, reason: AI-generated answer}
  - {host: uat.mimsdev.com, reason: test or development server}
  - {host: stocktitan.net, reason: stock news}
  - {host: seekhealthz.com, reason: content farm}
  - {host: proxy.weglot.com, reason: mirror or proxy}
  - {host: bigfooty.com, reason: forum}
"""


def problems(tmp_path: Path, sources: str, policy: str = POLICY) -> list[str]:
    root = write_content(tmp_path / "content")
    (root / "source_policy.yaml").write_text(policy, encoding="utf-8")
    (root / "sources.yaml").write_text(sources, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    return [str(p) for p in caught.value.problems]


GOOD = """\
- {id: SRC-ONE, kind: patient-organisation, citation: Org, url: 'https://example.org/one'}
- {id: SRC-TWO, kind: journal, citation: Doe 2020, doi: 10.1234/example.2}
"""


@pytest.mark.parametrize(
    "url",
    [
        "https://pdfslide.net/documents/soliris-label.html",
        "https://www.scribd.com/document/698453313/drugs-to-avoid",
        "https://medilib.ir/uptodate/show/5125",
        "https://orderrobaxin.com/robaxin-side-effects/",
        "https://droracle.ai/articles/valium-mg",
        "https://uat.mimsdev.com/thailand/drug/info/cellcept",
        "https://www.stocktitan.net/news/AMGN/uplizna.html",
        "https://seekhealthz.com/health/steroids",
        "https://proxy.weglot.com/wg_31e3/nl/en/pubmed.ncbi.nlm.nih.gov/39387235",
        "https://forums.bigfooty.com/threads/mg.123",  # a subdomain of a refused host
    ],
)
def test_every_refused_kind_of_host_is_reported_with_its_reason(tmp_path: Path, url: str) -> None:
    sources = GOOD + f"- {{id: BAD-COPY, kind: other, citation: copy, url: '{url}'}}\n"
    found = [p for p in problems(tmp_path, sources) if "BAD-COPY.url" in p]
    assert found and "refused by the source policy" in found[0], found


@pytest.mark.parametrize(
    ("field", "value", "advice"),
    [
        ("doi", "https://doi.org/10.1056/NEJMoa010790", "no https://doi.org/ prefix"),
        ("doi", "10.12/x", "10.1234/abc"),
        ("pmid", "'PMID 17142493'", "digits"),
        ("pmid", "'0123'", "digits"),
        ("pmc", "4977114", "PMC1234567"),
    ],
)
def test_malformed_identifiers_are_reported(
    tmp_path: Path, field: str, value: str, advice: str
) -> None:
    sources = GOOD + f"- {{id: BAD-ID, kind: journal, citation: x, {field}: {value}}}\n"
    found = [p for p in problems(tmp_path, sources) if f"BAD-ID.{field}" in p]
    assert found and advice in found[0], found


def test_a_journal_needs_an_identifier_and_a_kind_must_be_known(tmp_path: Path) -> None:
    sources = GOOD + (
        "- {id: NO-DOI, kind: journal, citation: x, url: 'https://journal.example/x'}\n"
        "- {id: ODD-KIND, kind: blog, citation: y, url: 'https://blog.example/y'}\n"
    )
    found = "\n".join(problems(tmp_path, sources))
    assert "NO-DOI.kind: a journal source needs its doi, pmid or pmc" in found
    assert "ODD-KIND.kind: 'blog' must be one of: journal, label, government" in found


def test_a_snippet_citing_only_secondary_sources_is_reported(tmp_path: Path) -> None:
    sources = (
        "- {id: SRC-ONE, kind: clinical-reference, citation: Ref, url: 'https://ref.example'}\n"
        "- {id: SRC-TWO, kind: journal, citation: Doe 2020, doi: 10.1234/example.2}\n"
    )
    found = problems(tmp_path, sources)
    # the condition's treatment snippet and its warning sign cite only SRC-ONE
    assert any(
        "topic cond, field snippets.treatment: cites no primary source (only clinical-reference)"
        in p
        for p in found
    ), found
    assert any("warning_signs[breathing-crisis]" in p and "no primary" in p for p in found)
    assert not any("snippets.resistance" in p for p in found)  # that one cites SRC-TWO


def test_policy_mistakes_are_reported(tmp_path: Path) -> None:
    policy = "primary_kinds: [journal, blogs]\nrefused_hosts:\n  - {host: 'not a host'}\n"
    found = "\n".join(problems(tmp_path, GOOD, policy))
    assert "'blogs' is not a source kind" in found
    assert "refused_hosts[0].reason: missing or empty" in found
    assert "'not a host' is not a host name" in found


def test_links_prefer_the_url_then_doi_then_pubmed() -> None:
    assert link_for("", "10.1056/x", "", "") == "https://doi.org/10.1056/x"
    assert link_for("", "", "17142493", "") == "https://pubmed.ncbi.nlm.nih.gov/17142493/"
    assert link_for("", "", "", "PMC4977114").endswith("/articles/PMC4977114/")
    assert host_of("https://WWW.Scribd.com./doc") == "scribd.com"
    assert SourcePolicy({"scribd.com": "copy"}).refusal("https://fr.scribd.com/x")


def test_the_bundled_content_follows_its_policy() -> None:
    from bot.content_dir import BUNDLED_CONTENT

    catalog = load_catalog(BUNDLED_CONTENT)
    assert (BUNDLED_CONTENT / "source_policy.yaml").is_file()
    kinds = {source.kind for source in catalog.sources.values()}
    assert SourceKind.JOURNAL in kinds and SourceKind.LABEL in kinds


def test_every_snippet_sign_and_note_of_the_bundled_content_cites_a_primary_source() -> None:
    from bot.content_dir import BUNDLED_CONTENT

    catalog = load_catalog(BUNDLED_CONTENT)
    cited = [(t.id, s.sources) for t in catalog.topics.values() for s in t.snippets.values()]
    cited += [(sign.id, sign.sources) for sign in catalog.warning_signs]
    cited += [(note.name, note.sources) for note in catalog.notes]
    cited += [(i.id, i.sources) for i in catalog.interactions]
    lacking = [name for name, ids in cited if not any(catalog.sources[i].primary for i in ids)]
    assert lacking == []
