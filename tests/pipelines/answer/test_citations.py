"""Citation checks: what a clinician would otherwise be misled by."""

from pipelines.analysis.french import FrenchAnalyzer
from pipelines.answer.citations import resolve, split_sentences

ANALYZER = FrenchAnalyzer()
SOURCES = [
    "Interaction APIXABAN + INHIBITEURS PUISSANTS DU CYP3A4. Niveau : Association DECONSEILLEE. "
    "Augmentation des concentrations plasmatiques de l'apixaban avec majoration du risque de saignement.",
    "ELIQUIS 5 mg, comprimé pelliculé. Remboursement 65 %. Liste I.",
]


def test_citation_to_a_missing_source_is_removed_and_reported():
    resolved = resolve("Association déconseillée [1]. Remboursé à 65 % [2, 7].", 2, SOURCES, ANALYZER)
    assert "[7]" not in resolved.text and "[2]" in resolved.text
    assert resolved.invalid == [7]
    assert resolved.cited == [1, 2]


def test_ranges_and_lists_are_understood():
    resolved = resolve("Les deux fiches concordent sur ce point précis [1-2].", 2, SOURCES, ANALYZER)
    assert resolved.cited == [1, 2]


def test_sentence_without_citation_is_flagged_but_headings_are_not():
    text = "Synthèse :\nL'association est déconseillée [1].\nUne surveillance rénale annuelle est conseillée."
    resolved = resolve(text, 2, SOURCES, ANALYZER)
    assert resolved.uncited == ["Une surveillance rénale annuelle est conseillée."]


def test_answer_without_any_citation_gets_reconstructed_ones():
    text = (
        "Le risque de saignement augmente car les concentrations d'apixaban augmentent. "
        "Le comprimé est remboursé."
    )
    resolved = resolve(text, 2, SOURCES, ANALYZER)
    assert resolved.reconstructed
    assert resolved.sentences[0].cited == [1] and resolved.sentences[0].reconstructed
    assert "[1]" in resolved.sentences[0].text


def test_sentences_keep_their_brackets():
    assert split_sentences("A est vrai [1]. B aussi [2] !") == ["A est vrai [1].", " B aussi [2] !"]
