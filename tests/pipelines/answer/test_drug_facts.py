"""Drug cards and interaction checks come from the data, level for level."""

import pytest

from corpora.thesaurus import ThesaurusIndex
from pipelines.answer.drug_facts import DrugFacts

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def facts(searcher) -> DrugFacts:
    return DrugFacts.from_store(searcher.store)


def test_brand_and_substance_interaction_copies_the_thesaurus_levels(facts, searcher, answer_settings):
    mentions = searcher.lexicon.find("Sous Eliquis, puis-je prescrire de la clarithromycine ?")
    checks = facts.interaction_checks(mentions)
    assert len(checks) == 1
    thesaurus = ThesaurusIndex.from_folder(answer_settings.corpus / "ansm_thesaurus_interactions_2020-10")
    expected = {
        e.doc_id: e.level_names for e in thesaurus.interactions_between("apixaban", "clarithromycine")
    }
    assert {entry.doc_id: entry.levels for entry in checks[0].entries} == expected
    assert "Association DECONSEILLEE" in checks[0].to_text()


def test_misspelt_names_are_still_found(facts, searcher):
    mentions = searcher.lexicon.find("apixabane et clarythromycine ensemble ?")
    assert [m.substances for m in mentions] == [("apixaban",), ("clarithromycine",)]
    assert facts.interaction_checks(mentions)[0].entries


def test_pair_without_entry_says_so(facts, searcher):
    checks = facts.interaction_checks(searcher.lexicon.find("metformine et apixaban"))
    assert checks and checks[0].entries == []
    assert "aucune interaction n'est répertoriée" in checks[0].to_text()


def test_drug_card_holds_composition_reimbursement_and_dated_opinions(facts, searcher):
    cards = facts.drug_cards(searcher.lexicon.find("Quel est le SMR de l'Eliquis ?"))
    assert len(cards) == 1
    card = cards[0]
    assert card.substances == ["apixaban"]
    assert any("APIXABAN" in line for spec in card.specialties for line in spec.composition)
    assert all(spec.reimbursement for spec in card.specialties)
    smr = [o for o in card.opinions if o.kind == "smr"]
    assert smr and smr[0].date[:4].isdigit() and smr[0].level
    assert f"SMR {smr[0].level}" in card.to_text()


def test_unknown_name_gives_no_card(facts, searcher):
    assert facts.drug_cards(searcher.lexicon.find("Quelle est la posologie du zorvexamab ?")) == []
