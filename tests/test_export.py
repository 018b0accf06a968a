"""The reviewers' export: the whole catalogue, each source once, readable as Markdown or HTML."""

from __future__ import annotations

import html
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.core.catalog import Catalog
from bot.core.loader import load_catalog
from bot.export import export, markdown_to_html

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_every_topic_snippet_and_source_is_in_the_export(catalog: Catalog, fmt: str) -> None:
    document = export(catalog, fmt)
    for topic in catalog.topics.values():
        assert f'id="{topic.id}"' in document
        for snippet in topic.snippets.values():
            assert snippet.reviewed.isoformat() in document
    for note in catalog.notes:
        assert note.name.split(" (")[0] in document
    for source_id, source in catalog.sources.items():
        anchor = f'id="src-{source_id.lower()}"'
        assert document.count(anchor) == 1, source_id
        assert (
            document.count(source.url if fmt == "markdown" else source.url.replace("&", "&amp;"))
            >= 1
        )
    for disclaimer in ("general", "medicine"):
        assert f"Disclaimer ({disclaimer})" in document


def test_markdown_lists_each_source_once_in_its_sources_section(catalog: Catalog) -> None:
    document = export(catalog, "markdown")
    sources_part = document.split('## Sources <a id="sources"></a>')[1]
    for source_id in catalog.sources:
        kind = catalog.sources[source_id].kind.value
        assert sources_part.count(f"**{source_id}** ({kind}):") == 1  # with its kind


def test_snippet_text_is_in_the_export(catalog: Catalog) -> None:
    document = export(catalog, "markdown")
    for topic in catalog.topics.values():
        for snippet in topic.snippets.values():
            assert snippet.text.strip() in document


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.stack: list[str] = []
        self.void = {"meta", "br", "link"}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "a" and attributes.get("href", "").startswith("#"):
            self.links.append(attributes["href"][1:])
        if tag not in self.void:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()


def test_html_is_one_well_formed_page_whose_links_all_land(catalog: Catalog) -> None:
    page = export(catalog, "html")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "http" not in page.split("<body>")[0]  # nothing loaded from elsewhere
    checker = _Checker()
    checker.feed(page)
    assert checker.stack == []
    assert len(checker.ids) == len(set(checker.ids))
    assert set(checker.links) <= set(checker.ids)
    assert "conditions" in checker.links and "sources" in checker.links


def test_markdown_subset_to_html() -> None:
    html = markdown_to_html("**Common:** a <b>tag</b>\n- one *two*\n- three\n\nNext line\nand more")
    assert html == (
        "<p><strong>Common:</strong> a &lt;b&gt;tag&lt;/b&gt;</p>\n"
        "<ul><li>one <em>two</em></li><li>three</li></ul>\n"
        "<p>Next line<br>\nand more</p>"
    )


def test_export_command_writes_a_file(python: str, tmp_path: Path) -> None:
    target = tmp_path / "review.html"
    result = subprocess.run(
        [python, "-m", "bot", "export", "--format", "html", "--output", str(target)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    markdown = subprocess.run(
        [python, "-m", "bot", "export"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert markdown.stdout.startswith("# Content review")


def test_the_heading_names_the_conditions_of_the_content(catalog: Catalog, content: Path) -> None:
    assert export(catalog, "markdown").startswith(
        "# Content review: AE, MG and SPS treatment information\n"
    )
    page = export(catalog, "html")
    assert "<h1>Content review: AE, MG and SPS treatment information</h1>" in page
    assert "<title>Content review: AE, MG and SPS</title>" in page
    other = load_catalog(content)  # one condition, without a short title: its title
    assert export(other, "markdown").startswith(
        "# Content review: Example condition treatment information\n"
    )


def test_sections_show_their_example_questions_and_own_sources(content_copy: Path) -> None:
    path = content_copy / "topics" / "azathioprine.yaml"
    heading = '      - heading: "Monitoring"\n'
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            heading,
            heading + "        examples:\n"
            "          - how often do I need bloodwork on imuran\n"
            "          - which checks while on azathioprine\n"
            "        sources: [CPIC-UF]\n",
        ),
        encoding="utf-8",
    )
    catalog = load_catalog(content_copy)
    questions = "Example questions: “how often do I need bloodwork on imuran”; “which checks"
    markdown = export(catalog, "markdown")
    monitoring = markdown.split("**Monitoring:** regular blood counts")[1].split("**Everyday")[0]
    assert f"*{questions} while on azathioprine”*" in monitoring
    assert "*Sources for this part:* [CPIC-UF](#src-cpic-uf)" in monitoring
    assert markdown.count("Example questions:") == 1
    for topic in catalog.topics.values():  # every section's text is still there, in order
        at = markdown.index(f'<a id="{topic.id}"></a>')
        for snippet in topic.snippets.values():
            for section in snippet.sections:
                at = markdown.index(section.rendered().strip(), at)
    page = export(catalog, "html")
    assert (
        "<p><strong>Monitoring:</strong> regular blood counts and liver tests, and limiting sun "
        f'exposure.</p>\n<p class="meta">{questions} while on azathioprine”<br>'
        'Sources for this part: <a href="#src-cpic-uf">CPIC-UF</a></p>'
    ) in page
    checker = _Checker()
    checker.feed(page)
    assert checker.stack == []


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_medicines_a_topic_covers_are_in_the_export(catalog: Catalog, fmt: str) -> None:
    document = export(catalog, fmt)
    covering = [t for t in catalog.topics.values() if t.medicines]
    assert covering
    label = "**Medicines:** " if fmt == "markdown" else "medicines: "
    for topic in covering:
        listed = ", ".join(topic.medicines)
        assert label + (listed if fmt == "markdown" else html.escape(listed)) in document
