"""ANSM interaction thesaurus passages and the ThesaurusIndex lookup."""

import pytest

from corpora.report import LoadReport
from corpora.thesaurus import load_thesaurus

pytestmark = pytest.mark.corpus


def test_apixaban_clarithromycin_is_found_through_the_cyp3a4_class(thesaurus_index) -> None:
    found = thesaurus_index.interactions_between("apixaban", "Clarithromycine")
    pairs = {(i.main_drug, i.plus_drug): i.level_names for i in found}

    assert pairs[("APIXABAN", "INHIBITEURS PUISSANTS DU CYP3A4")] == ["Association DECONSEILLEE"]
    assert pairs[("INHIBITEURS PUISSANTS DU CYP3A4", "APIXABAN")] == ["Association DECONSEILLEE"]
    # Argument order, case and accents do not matter.
    assert thesaurus_index.interactions_between("CLARITHROMYCINE", "Apixaban") == found


def test_substance_and_class_lookups(thesaurus_index) -> None:
    assert "inhibiteurs puissants du CYP3A4" in thesaurus_index.classes_of("clarithromycine")
    assert "clarithromycine" in thesaurus_index.members_of("INHIBITEURS PUISSANTS DU CYP3A4")
    assert thesaurus_index.interactions_between("apixaban", "paracetamol") == []


def test_class_passage_lists_its_members(corpus_dir) -> None:
    report = LoadReport()
    passages = {p.id: p for p in load_thesaurus(corpus_dir / "ansm_thesaurus_interactions_2020-10", report)}
    passage = passages["interaction:apixaban--inhibiteurs-puissants-du-cyp3a4"]

    assert (
        "INHIBITEURS PUISSANTS DU CYP3A4 — substances de la classe (index ANSM) : clarithromycine"
        in passage.content
    )
    assert "clarithromycine" in passage.meta["substances"]
    assert passage.meta["interaction_level"] == ["Association DECONSEILLEE"]
    assert passage.meta["interaction_sides"] == ["APIXABAN", "INHIBITEURS PUISSANTS DU CYP3A4"]
    assert passage.meta["dense_text"].startswith(
        "interaction APIXABAN + INHIBITEURS PUISSANTS DU CYP3A4 : Association DECONSEILLEE"
    )
    # 3,139 entries; two differ only by an accent and are merged into one passage.
    assert len(passages) == 3_138 and report.skipped["interaction"] == 0
