"""The compare view's marks: which passages each mode alone found, and which some mode missed."""

from haystack import Document

from esculape.workbench.compare import Comparison, card_html
from pipelines.analysis.french import FrenchAnalyzer


def _doc(doc_id: str) -> Document:
    return Document(content=f"passage {doc_id}", meta={"doc_id": doc_id, "title": doc_id, "source": "bdpm"})


def _comparison() -> Comparison:
    comparison = Comparison("apixaban")
    comparison.runs = {
        "bm25": [_doc("a"), _doc("b"), _doc("c")],
        "dense": [_doc("x"), _doc("a")],
        "hybrid": [_doc("a"), _doc("b"), _doc("y")],
    }
    return comparison


def test_passages_found_by_one_mode_only_are_told_apart_from_those_one_mode_missed():
    comparison = _comparison()
    assert comparison.shared == 1  # « a »
    assert comparison.own_counts() == {"bm25": 1, "dense": 1, "hybrid": 1}  # c, x, y
    assert not comparison.only_here(_doc("b")) and comparison.differs(_doc("b"))  # bm25 and hybrid
    assert comparison.only_here(_doc("c"))


def test_cards_carry_the_tier_and_say_which_mode_misses_the_passage():
    comparison, analyzer = _comparison(), FrenchAnalyzer()
    shared = card_html(_doc("a"), 1, "bm25", comparison, set(), analyzer, {})
    missed = card_html(_doc("b"), 2, "bm25", comparison, set(), analyzer, {})
    alone = card_html(_doc("c"), 3, "bm25", comparison, set(), analyzer, {})
    assert 'class="esc-compare"' in shared and "présent dans les trois modes" in shared
    assert "esc-differs" in missed and "esc-only" not in missed and "absent de : dense" in missed
    assert "esc-differs esc-only" in alone and "trouvé par ce seul mode" in alone


def test_a_single_mode_marks_nothing_as_its_own():
    comparison = Comparison("apixaban")
    comparison.runs = {"bm25": [_doc("a")]}
    assert comparison.own_counts() == {"bm25": 0} and not comparison.differs(_doc("a"))
