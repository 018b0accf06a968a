"""Issue 16's proof: the names a standard drug dictionary lists for every covered medicine reach
the right topic through /sideeffects, and none reaches a wrong one.

The dictionary (`drug-named-entity-recognition`, in the test and curate extras) is loaded once.
Names with digits or commas or longer than three words are not counted (issue 16), nor the names
a topic's `left_out:` records with its reason. It must not skip in CI: a missing package fails.
"""

from __future__ import annotations

import pytest

from bot.core.answers import AnswerService, Status
from bot.core.catalog import Catalog, Command, Kind
from bot.core.normalize import compact, normalise
from bot.suggest_aliases import Dictionary, load_dictionary, reaches, usable

FLOOR = 0.90


@pytest.fixture(scope="module")
def dictionary() -> Dictionary:
    return load_dictionary()  # raises, never skips, without the package


def _counted(catalog: Catalog, dictionary: Dictionary) -> list[tuple[str, str, list[str]]]:
    rows = []
    for topic in catalog.topics.values():
        left_out = {compact(normalise(item.name)) for item in topic.left_out}
        for medicine in topic.medicines:
            names = sorted(
                n
                for n in dictionary.names.get(medicine.casefold(), ())
                if usable(n) and compact(normalise(n)) not in left_out
            )
            rows.append((topic.id, medicine, names))
    return rows


def test_bundled_medicines_are_listed(catalog: Catalog, dictionary: Dictionary) -> None:
    medicines = [m for t in catalog.topics.values() for m in t.medicines]
    assert len(medicines) >= 26
    assert {"sertraline", "citalopram", "escitalopram", "fluoxetine"} <= set(
        catalog.topics["antidepressants"].medicines
    )
    unknown = [m for m in medicines if m.casefold() not in dictionary.names]
    assert unknown == [], "every covered medicine is in the dictionary"


def test_bundled_dictionary_names_reach_their_topic(
    catalog: Catalog, service: AnswerService, dictionary: Dictionary
) -> None:
    short: list[str] = []
    wrong: list[str] = []
    for topic_id, medicine, names in _counted(catalog, dictionary):
        topic = catalog.topics[topic_id]
        good = 0
        for name in names:
            hit, other = reaches(service, topic, name)
            good += hit
            if not hit and other is not None:
                wrong.append(f"{name} ({medicine}) -> {other}, not {topic_id}")
        if names and good / len(names) < FLOOR:
            short.append(f"{medicine}: {good}/{len(names)}")
    assert wrong == [], "no dictionary name may reach a wrong topic or note"
    assert short == [], f"under {FLOOR:.0%} of a medicine's names reach its topic"


def test_bundled_left_out_names_are_dictionary_names(
    catalog: Catalog, dictionary: Dictionary
) -> None:
    """A left-out entry is about a real dictionary name of one of the topic's medicines."""
    stray = []
    for topic in catalog.topics.values():
        names = {
            compact(normalise(n))
            for m in topic.medicines
            for n in dictionary.names.get(m.casefold(), ())
        }
        stray += [
            f"{topic.id}: {i.name}"
            for i in topic.left_out
            if compact(normalise(i.name)) not in names
        ]
    assert stray == []


def test_bundled_treatment_topics_only_list_medicines(catalog: Catalog) -> None:
    for topic in catalog.topics.values():
        if topic.kind is Kind.CONDITION:
            assert topic.medicines == () and topic.left_out == ()


def test_bundled_sideeffects_answers_a_brand(service: AnswerService) -> None:
    for name, topic in [
        ("Zoloft", "antidepressants"),
        ("Decortin", "corticosteroids"),
        ("Stesolid", "benzodiazepines"),
        ("Imurel", "azathioprine"),
        ("Neosar", "cyclophosphamide"),
        ("ciclofosfamida", "cyclophosphamide"),
    ]:
        answer = service.ask(Command.SIDEEFFECTS, name)
        assert answer.status is Status.ANSWER and answer.topic == topic, name


# every new alias of six letters or fewer from issue 16: the exact name reaches its topic and
# nearby everyday words (or other medicines' names) do not
SHORT_NEW_ALIASES = {
    "paxil": ("antidepressants", ["pixel", "axil", "paxel", "pails"]),
    "lebic": ("baclofen", ["label", "lyric", "lebanon", "relic"]),
    "zoloft": ("antidepressants", ["aloft", "zolpidem"]),
    "celexa": ("antidepressants", ["celery", "relax", "alexa"]),
    "prozac": ("antidepressants", ["prose", "proxy", "prize"]),
    "cortan": ("corticosteroids", ["carton", "certain", "curtain", "cortex", "tartan"]),
    "imurel": ("azathioprine", ["imperil", "immune", "mural"]),
    "neosar": ("cyclophosphamide", ["neon", "caesar", "nectar"]),
    "lyflex": ("baclofen", ["reflex", "flex", "lyrics"]),
    "aremis": ("antidepressants", ["armies", "premise", "remiss"]),
    "vupral": ("valproate", ["rural", "viral", "plural"]),
    "liofen": ("baclofen", ["linen", "lion", "often"]),
    "vensir": ("antidepressants", ["venue", "visor"]),
    "azamun": ("azathioprine", ["amazon", "human", "zaman"]),
    "aropax": ("antidepressants", ["apex", "aroma"]),
    "adofen": ("antidepressants", ["adorn", "often"]),
}


@pytest.mark.parametrize("alias", sorted(SHORT_NEW_ALIASES))
def test_bundled_short_new_alias_is_exact_and_safe(service: AnswerService, alias: str) -> None:
    topic, near = SHORT_NEW_ALIASES[alias]
    answer = service.ask(Command.SIDEEFFECTS, alias)
    assert answer.status is Status.ANSWER and answer.topic == topic
    for word in near:
        other = service.ask(Command.SIDEEFFECTS, word)
        assert other.topic != topic, f"{word!r} must not reach {topic} through {alias!r}"


def test_left_out_short_names_stay_out(service: AnswerService) -> None:
    """`clofen` (cloven), `gladem` (glade), `sone`, `rayos`: left out so the words stay free."""
    for word in ("cloven", "glade", "some", "sore", "rays"):
        assert service.ask(Command.SIDEEFFECTS, word).status is not Status.ANSWER, word


def test_bot_never_imports_the_dictionary(python: str) -> None:
    import subprocess

    code = (
        "import sys, bot.cli, bot.core.answers, bot.core.loader, bot.core.matcher;"
        "from bot.cli import main; import io;"
        "main(['ask', 'sideeffects', 'zoloft'], io.StringIO(), io.StringIO());"
        "print('drug_named_entity_recognition' in sys.modules)"
    )
    result = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_suggest_aliases_lists_and_writes(content_copy, cli) -> None:  # type: ignore[no-untyped-def]
    topic = content_copy / "topics" / "antidepressants.yaml"
    text = topic.read_text(encoding="utf-8")
    text = text.replace("  - zoloft\n", "").replace("  - lustral\n", "")
    topic.write_text(text, encoding="utf-8")
    listed = cli("suggest-aliases", "antidepressants", "--content-dir", str(content_copy))
    assert listed.returncode == 0, listed.stderr
    assert "+ zoloft" in listed.stdout and "+ lustral" in listed.stdout
    assert "gladem" in listed.stdout  # shown as left out, with its reason
    accept = content_copy / "accept.txt"
    accept.write_text("# curator's choice\nzoloft\n", encoding="utf-8")
    written = cli(
        "suggest-aliases",
        "antidepressants",
        "--write",
        "--accept",
        str(accept),
        "--content-dir",
        str(content_copy),
    )
    assert written.returncode == 0, written.stderr
    after = topic.read_text(encoding="utf-8")
    assert after.count("\n  - zoloft\n") == 1 and "lustral" not in after
    assert after.startswith("# yaml-language-server")  # comments kept
    assert after.replace("  - zoloft\n", "") == text  # nothing else moved
    assert cli("check", "--content-dir", str(content_copy)).returncode == 0


def test_unknown_topic_is_an_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("suggest-aliases", "nosuch")
    assert result.returncode != 0 and "No topic 'nosuch'" in result.stderr


def test_loader_checks_medicines(content_copy) -> None:  # type: ignore[no-untyped-def]
    from bot.core.loader import ContentError, load_catalog

    path = content_copy / "topics" / "baclofen.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("medicines: [baclofen]", "medicines: [baclofen, sertraline, '']").replace(
            '    reason: "chemical name nobody types"\n', "", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as error:
        load_catalog(content_copy)
    messages = " | ".join(str(p) for p in error.value.problems)
    assert "empty entry" in messages
    assert "medicine 'sertraline' is already covered by topic 'antidepressants'" in messages
    assert "reason" in messages
