"""Medical corrections from the source review (issue 10), pinned on the text a member sees.

Each test names the fact it protects. The regexes are written so that the wrong claim, if it
came back in a later edit, would make the test fail.
"""

from __future__ import annotations

import re

from bot.core.catalog import Catalog, Command, NoteKind


def _text(catalog: Catalog, topic: str, command: str) -> str:
    return catalog.topics[topic].snippets[Command(command)].text


def _both(catalog: Catalog, topic: str) -> str:
    return "\n".join(s.text for s in catalog.topics[topic].snippets.values())


def _all_member_texts(catalog: Catalog) -> list[tuple[str, str]]:
    """(where, text) for every snippet, warning sign, note and interaction note."""
    texts = []
    for topic in catalog.topics.values():
        texts += [(f"{topic.id}/{c.value}", s.text) for c, s in topic.snippets.items()]
        texts += [(sign.id, sign.text) for sign in topic.warning_signs]
    texts += [(sign.id, sign.text) for sign in catalog.general_signs]
    texts += [(note.name, note.text) for note in catalog.notes]
    texts += [(i.id, i.note) for i in catalog.interactions]
    return texts


def _lines_with(text: str, word: str) -> list[str]:
    return [line for line in text.splitlines() if word.lower() in line.lower()]


# Stem cell transplant -------------------------------------------------------------------------


def test_stem_cell_transplant_is_not_presented_as_an_ae_treatment(catalog: Catalog) -> None:
    topic = catalog.topics["stem-cell-transplant"]
    assert "ae" not in topic.used_for
    text = _both(catalog, "stem-cell-transplant")
    claim = r"(?i)\b(used|mentioned|given|tried|an option|considered)\b[^.\n]*\b(AE|encephalitis)\b"
    assert not re.search(claim, text)
    assert re.search(r"(?i)\bAE\b[^\n]*do not support it", text)


def test_stem_cell_transplant_relapse_is_stated_plainly(catalog: Catalog) -> None:
    treatment = _text(catalog, "stem-cell-transplant", "treatment")
    assert re.search(r"47% stayed in remission", treatment)
    assert re.search(r"3\.5 years", treatment)
    assert re.search(r"(?i)about half[^.\n]*did not stay in remission", treatment)
    sideeffects = _text(catalog, "stem-cell-transplant", "sideeffects")
    assert re.search(r"(?i)about half relapsed", sideeffects)
    assert not re.search(r"(?i)\bsome who improved later relapsed", sideeffects)


def test_stem_cell_transplant_is_called_high_risk_by_sps_experts(catalog: Catalog) -> None:
    for command in ("treatment", "sideeffects"):
        text = _text(catalog, "stem-cell-transplant", command)
        assert re.search(r"SPS Research Foundation[^.\n]*high risk", text), command


# Bortezomib -----------------------------------------------------------------------------------


def test_unverified_bortezomib_side_effects_are_not_published(catalog: Catalog) -> None:
    text = _both(catalog, "bortezomib")
    unverified = r"(?i)neuropath|nerve damage|tingl|\bnumb(ness)?\b|platelet|bruis"
    assert not re.search(unverified, text)
    sideeffects = _text(catalog, "bortezomib", "sideeffects")
    assert re.search(r"(?i)left out rather than guessed", sideeffects)


# Benzodiazepines ------------------------------------------------------------------------------


def test_diazepam_in_mg_is_hedged_not_stated_as_a_us_label_ban(catalog: Catalog) -> None:
    text = _both(catalog, "benzodiazepines")
    ban = r"(?i)(US|Valium)[^.\n]{0,20}label[^.\n]*(rules? (it )?out|does not allow|contraindicat)"
    assert not re.search(ban, text)
    for command in ("treatment", "sideeffects"):
        snippet = _text(catalog, "benzodiazepines", command)
        assert re.search(r"(?i)some list MG as a reason not to use it", snippet), command
        assert re.search(r"(?i)others advise caution", snippet), command
        assert re.search(r"(?i)prescriber checks the current label", snippet), command


def test_opioid_boxed_warning_is_dated_2016_and_the_2020_one_is_misuse(catalog: Catalog) -> None:
    text = _text(catalog, "benzodiazepines", "sideeffects")
    opioid_lines = _lines_with(text, "opioid")
    assert opioid_lines
    for line in opioid_lines:
        assert "2016" in line and "2020" not in line, line
    assert re.search(r"2020[^\n]*misuse[^\n]*dependence", text)
    # no heading dating the whole list, opioids included, to 2020
    assert not re.search(r"(?i)boxed warnings? \([^)]*2020\)", text)


# MG treatment ---------------------------------------------------------------------------------


def test_methotrexate_and_tacrolimus_are_not_presented_as_proven_steroid_sparing(
    catalog: Catalog,
) -> None:
    sparing = r"(?i)steroid[- ]sparing|fewer steroids|less steroid|steroid doses can come down"
    for where, text in _all_member_texts(catalog):
        for line in text.splitlines():
            if re.search(r"(?i)methotrexate|tacrolimus", line) and re.search(sparing, line):
                assert re.search(r"(?i)not proven|did not|missed", line), (where, line)
    mg = _text(catalog, "mg", "treatment")
    assert re.search(r"(?i)methotrexate did not", mg)
    assert re.search(r"(?i)tacrolimus just missed its main goal", mg)


# Methocarbamol --------------------------------------------------------------------------------


def test_methocarbamol_darker_urine_is_not_called_harmless(catalog: Catalog) -> None:
    text = _both(catalog, "methocarbamol")
    assert not re.search(r"(?i)harmless|not a sign of harm", text)
    assert re.search(r"(?i)dark urine can also be a sign of liver", text)


def test_methocarbamol_points_to_the_liver_signs_of_medicines_taken_with_it(
    catalog: Catalog,
) -> None:
    text = _text(catalog, "methocarbamol", "sideeffects")
    for medicine in ("tizanidine", "dantrolene", "valproate"):
        assert medicine in text
    assert re.search(r"(?i)yellow skin or eyes", text)
    assert re.search(r"(?i)severe stomach pain[^.\n]*medical care", text)


# Oral baclofen --------------------------------------------------------------------------------


def test_running_out_of_oral_baclofen_needs_urgent_care_the_same_day(catalog: Catalog) -> None:
    text = _text(catalog, "baclofen", "sideeffects")
    paragraph = next(p for p in text.split("\n\n") if re.search(r"(?i)ran out|run out", p))
    assert re.search(r"(?i)urgent medical care the same day", paragraph)
    assert re.search(r"(?i)seizure", paragraph)
    assert re.search(r"(?i)hallucination", paragraph)
    assert not re.search(r"(?i)running out is urgent: the care team needs to know", text)


# Antidepressants and tiagabine ----------------------------------------------------------------


def test_antidepressants_are_not_stopped_suddenly(catalog: Catalog) -> None:
    for command in ("treatment", "sideeffects"):
        text = _text(catalog, "antidepressants", command)
        assert re.search(r"(?i)do not stop an antidepressant suddenly", text), command
        assert re.search(r"(?i)plan any change with the prescriber", text), command


def test_tiagabine_is_not_stopped_on_your_own_after_the_fda_advisory(catalog: Catalog) -> None:
    for command in ("treatment", "sideeffects"):
        text = _text(catalog, "tiagabine", command)
        assert re.search(r"(?i)do not stop it on your own", text), command
    sideeffects = _text(catalog, "tiagabine", "sideeffects")
    assert sideeffects.index("FDA discouraged") < sideeffects.lower().index("do not stop it")


# Valproate ------------------------------------------------------------------------------------


def test_valproate_contraindication_is_polg_disease_not_all_young_children(
    catalog: Catalog,
) -> None:
    text = _text(catalog, "valproate", "sideeffects")
    assert re.search(r"POLG-related mitochondrial disease[^.\n]*must not take it", text)
    assert re.search(r"(?i)children under 2 have the highest risk", text)
    assert re.search(r"(?i)not ruled out for them", text)
    # the old wording let "they must not take it" cover children under 2 as well
    assert not re.search(r"(?i)children under 2[^.]*(must not take|rules? it out)", text)


# MGTX and the RAPID factors -------------------------------------------------------------------


def test_mgtx_entry_criteria_are_given_where_the_trial_is_described(catalog: Catalog) -> None:
    described = 0
    for topic in catalog.topics.values():
        for command, snippet in topic.snippets.items():
            for line in _lines_with(snippet.text, "MGTX"):
                described += 1
                where = (topic.id, command.value)
                assert re.search(r"(?i)generali[sz]ed MG", line), where
                assert re.search(r"(?i)(under|less than) 5 years", line), where
                assert re.search(r"18[–-]65|18 to 65", line), where
                assert "AChR" in line, where
                assert re.search(r"(?i)no thymoma", line), where
    assert described >= 3  # thymectomy, MG and steroid snippets describe the trial


def test_rapid_factors_for_antibody_negative_ae_are_complete(catalog: Catalog) -> None:
    lines = _lines_with(_text(catalog, "ae", "resistance"), "RAPID")
    assert len(lines) == 1
    line = lines[0]
    assert re.search(r"(?i)refractory status epilepticus", line)
    assert re.search(r"(?i)age 60 or over", line)
    assert re.search(r"(?i)probable[^;]*no antibody", line)
    assert re.search(r"(?i)brainstem or cerebellum", line)
    assert re.search(r"(?i)a month or more late", line)


# MG cautions ----------------------------------------------------------------------------------


def test_every_mg_caution_ends_with_what_to_do_if_breathing_or_swallowing_gets_harder(
    catalog: Catalog,
) -> None:
    cautions = [note for note in catalog.notes if note.kind is NoteKind.MG_CAUTION]
    assert len(cautions) >= 10
    ending = r"Call your local emergency number now if breathing or swallowing gets harder\.$"
    for note in cautions:
        assert re.search(ending, note.text.strip()), note.name


# Jargon ---------------------------------------------------------------------------------------


def test_iga_deficiency_is_explained_wherever_it_appears(catalog: Catalog) -> None:
    for where, text in _all_member_texts(catalog):
        if "IgA" in text:
            assert re.search(r"(?i)IgA, one of the body's antibody types", text), where


def test_car_t_is_explained_wherever_it_appears(catalog: Catalog) -> None:
    for where, text in _all_member_texts(catalog):
        for match in re.finditer(r"CAR-T", text):
            after = text[match.end() : match.end() + 120]
            assert re.match(r" cell therapy \([^)]*immune cells are changed in a lab", after), where


def test_phase_2_and_cpic_are_not_used_as_jargon(catalog: Catalog) -> None:
    for where, text in _all_member_texts(catalog):
        assert not re.search(r"(?i)\bphase (2|ii|two)\b", text), where
        assert not re.search(r"\bCPIC\b", text), where


def test_trial_scores_and_antibody_classes_are_explained(catalog: Catalog) -> None:
    thymectomy = _text(catalog, "thymectomy", "treatment")
    assert re.search(r"QMG, a doctor's test of MG strength", thymectomy)
    for topic in ("efgartigimod", "nipocalimab", "rozanolixizumab"):
        text = _text(catalog, topic, "treatment")
        assert re.search(r"IgG antibodies \(the most common antibody type\)", text), topic
