"""The evaluation runner, with a lexical search test double and with a real bm25s index over real passages."""

import json
from types import SimpleNamespace

import pytest

from corpora.schema import slug
from esculape.settings import SHARED_DATA
from evals.retrieval.gold import resolve_gold
from evals.retrieval.run import evaluate, format_table, load_sets


def _document(doc_id: str, content: str, **meta):
    return SimpleNamespace(id=doc_id, content=content, meta={"doc_id": doc_id, **meta})


DOCUMENTS = [
    _document(
        "interaction:apixaban--inhibiteurs-puissants-du-cyp3a4",
        "APIXABAN + INHIBITEURS PUISSANTS DU CYP3A4 : association déconseillée",
    ),
    _document("bdpm:61902218", "ELIQUIS 5 mg, comprimé pelliculé. Substance active : apixaban"),
    _document("notice:FR107777:3:0", "Si vous avez pris plus de KARDEGIC que vous n'auriez dû, prévenez"),
    _document("notice:FR107777:4:0", "Quels sont les effets indésirables éventuels ? Saignements"),
]

QUESTIONS = {
    "generated": [
        {
            "id": "g1",
            "question": "apixaban et inhibiteurs du CYP3A4",
            "intent": "interaction",
            "split": "test",
            "gold": ["interaction:apixaban--inhibiteurs-puissants-du-cyp3a4"],
        },
        {
            "id": "g2",
            "question": "substance active de eliquis",
            "intent": "composition",
            "split": "test",
            "gold": ["bdpm:61902218"],
        },
    ],
    "hand": [
        {
            "id": "h1",
            "question": "trop de kardegic pris",
            "intent": "leaflet",
            "gold": [],
            "gold_selector": {"notice": "FR107777", "contains": "si vous avez pris PLUS"},
        },
    ],
}


def lexical_search_double(question: str, mode: str, top_k: int) -> list[str]:
    """Test double of the pipeline: ranks DOCUMENTS by shared folded words; ``dense`` reverses the ranking."""
    words = set(slug(question).split("-"))
    scored = sorted(DOCUMENTS, key=lambda d: (-len(words & set(slug(d.content).split("-"))), d.id))
    ranked = [d.id for d in scored]
    return (ranked[::-1] if mode == "dense" else ranked)[:top_k]


def test_resolve_gold_selects_leaflet_passages_by_phrase_and_section():
    question = QUESTIONS["hand"][0]
    assert resolve_gold(question, DOCUMENTS) == ["notice:FR107777:3:0"]
    by_section = {"gold": [], "gold_selector": [{"notice": "FR107777", "section": 4}]}
    assert resolve_gold(by_section, DOCUMENTS) == ["notice:FR107777:4:0"]
    assert resolve_gold({"gold": ["bdpm:1"]}, []) == ["bdpm:1"]


def test_evaluate_scores_each_set_mode_and_intent(tmp_path):
    result = evaluate(
        lexical_search_double,
        QUESTIONS,
        modes=("bm25", "dense"),
        k_max=10,
        documents=DOCUMENTS,
        settings={"k1": 1.2},
        results_dir=tmp_path,
    )

    assert result["generated"]["bm25"]["recall@1"] == 1.0
    assert result["generated"]["dense"]["recall@1"] == 0.0
    assert result["hand"]["bm25"]["mrr"] == 1.0
    assert result["by_intent"]["generated"]["composition"]["bm25"]["ndcg@10"] == 1.0
    assert result["counts"] == {"generated": 2, "hand": 1}

    with open(result["records_file"], encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    assert len(records) == 6
    assert {r["mode"] for r in records} == {"bm25", "dense"}
    assert json.loads(records[0]["settings"]) == {"k1": 1.2}
    assert records[0]["timestamp"]


def test_questions_whose_selector_resolves_to_nothing_are_skipped_not_scored():
    result = evaluate(lexical_search_double, {"hand": QUESTIONS["hand"]}, modes=("bm25",), results_dir=None)
    assert result["skipped"] == {"hand": ["h1"]}
    assert result["counts"] == {"hand": 0}
    assert result["records_file"] is None


def test_format_table_has_one_row_per_mode_and_one_table_per_set():
    result = evaluate(lexical_search_double, QUESTIONS, documents=DOCUMENTS, results_dir=None)
    table = format_table(result)
    assert "**generated** (2 questions)" in table and "**hand** (1 questions)" in table
    assert "| mode | recall@1 | recall@5 | recall@10 | mrr | ndcg@10 |" in table
    assert table.count("| hybrid |") == 2
    assert "| bm25 | 1.000 |" in table


def test_load_sets_filters_the_generated_split_only():
    sets = load_sets(split="tune")
    assert sets["generated"] and all(q["split"] == "tune" for q in sets["generated"])
    assert len(sets["hand"]) == len(load_sets()["hand"])
    with pytest.raises(ValueError, match="Unknown split 'dev'"):
        load_sets(split="dev")


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"shared data folder {SHARED_DATA} is absent")
def test_a_real_bm25_index_finds_interaction_passages(tmp_path):
    """A plain bm25s index over the real thesaurus passages answers most templated substance pairs."""
    import bm25s

    from corpora.catalog import load_corpus
    from corpora.report import LoadReport

    documents = list(load_corpus(SHARED_DATA, LoadReport(), sources={"interaction"}))
    questions = [
        q for q in load_sets()["generated"] if q["intent"] == "interaction" and q["naming"] != "brand"
    ]

    retriever = bm25s.BM25()
    retriever.index([slug(d.content).split("-") for d in documents], show_progress=False)

    def bm25_search(question: str, mode: str, top_k: int) -> list[str]:
        hits, _scores = retriever.retrieve([slug(question).split("-")], k=top_k, show_progress=False)
        return [documents[i].id for i in hits[0]]

    result = evaluate(bm25_search, {"generated": questions}, modes=("bm25",), k_max=50, results_dir=tmp_path)
    assert result["counts"]["generated"] >= 80
    assert result["generated"]["bm25"]["recall@10"] >= 0.6
