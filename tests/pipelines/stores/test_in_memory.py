"""The embedded store: French BM25, vectorised dense search, filters and atomic persistence."""

import numpy as np
import pytest
from haystack import Document
from haystack.components.retrievers.in_memory import InMemoryBM25Retriever, InMemoryEmbeddingRetriever
from haystack.document_stores.errors import DocumentStoreError, DuplicateDocumentError
from haystack.document_stores.types import DuplicatePolicy

from pipelines.stores.in_memory import EsculapeInMemoryStore, IndexNotFoundError


def _doc(doc_id, content, source="notice", publisher="ANSM", vector=None):
    return Document(
        id=doc_id,
        content=content,
        meta={"source": source, "publisher": publisher, "title": doc_id},
        embedding=vector,
    )


@pytest.fixture
def store():
    store = EsculapeInMemoryStore()
    store.write_documents(
        [
            _doc(
                "ci", "Association contre-indiquée avec la clarithromycine.", "interaction", vector=[1, 0, 0]
            ),
            _doc(
                "ind", "Ce médicament est indiqué dans l'insuffisance cardiaque.", "notice", vector=[0, 1, 0]
            ),
            _doc("renal", "Prudence en cas d'insuffisances rénales sévères.", "notice", vector=[0, 0, 1]),
            _doc(
                "smr", "Le service médical rendu est important.", "has_opinion", "HAS", vector=[0.7, 0.7, 0]
            ),
            _doc("novec", "Passage sans vecteur sur l'insuffisance rénale.", "case_report"),
        ]
    )
    return store


def test_bm25_matches_inflected_french_forms(store):
    hits = store.bm25_retrieval("l'insuffisance rénale", top_k=3)
    assert {hit.id for hit in hits} >= {"renal", "novec"}
    assert all(hit.score > 0 for hit in hits)


def test_bm25_does_not_confuse_indique_and_contre_indique(store):
    hits = store.bm25_retrieval("médicament indiqué", top_k=5)
    assert hits[0].id == "ind"
    assert "ci" not in [hit.id for hit in hits]


def test_bm25_of_stop_words_only_returns_nothing(store):
    assert store.bm25_retrieval("le la les de du", top_k=5) == []


def test_dense_retrieval_ranks_by_cosine_and_skips_passages_without_vector(store):
    hits = store.embedding_retrieval([0.0, 0.0, 2.0], top_k=10)
    assert hits[0].id == "renal"
    assert hits[0].score == pytest.approx(1.0)
    assert "novec" not in [hit.id for hit in hits]
    assert hits[0].embedding is None


def test_dense_retrieval_with_wrong_dimension_says_how_to_fix(store):
    with pytest.raises(DocumentStoreError, match="another embedder"):
        store.embedding_retrieval([1.0, 0.0], top_k=3)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"field": "meta.source", "operator": "==", "value": "notice"}, {"ind", "renal"}),
        ({"field": "meta.publisher", "operator": "in", "value": ["HAS"]}, {"smr"}),
        (
            {
                "operator": "OR",
                "conditions": [
                    {"field": "meta.source", "operator": "==", "value": "interaction"},
                    {"field": "meta.publisher", "operator": "==", "value": "HAS"},
                ],
            },
            {"ci", "smr"},
        ),
        ({"field": "meta.title", "operator": "==", "value": "renal"}, {"renal"}),
    ],
)
def test_filters_restrict_both_retrievers(store, filters, expected):
    dense = store.embedding_retrieval([1.0, 1.0, 1.0], filters=filters, top_k=10)
    assert {hit.id for hit in dense} == expected
    bm25 = store.bm25_retrieval(
        "médicament insuffisance rénale service clarithromycine", filters=filters, top_k=10
    )
    assert {hit.id for hit in bm25} <= expected


def test_stock_haystack_retrievers_work_on_the_store(store):
    bm25 = InMemoryBM25Retriever(document_store=store).run(query="clarithromycine", top_k=1)["documents"]
    assert bm25[0].id == "ci"
    dense = InMemoryEmbeddingRetriever(document_store=store).run(query_embedding=[1.0, 0.0, 0.0], top_k=1)
    assert dense["documents"][0].id == "ci"


def test_writes_and_deletes_update_both_indexes(store):
    assert store.bm25_retrieval("clarithromycine", top_k=1)[0].id == "ci"
    store.delete_documents(["ci"])
    assert store.bm25_retrieval("clarithromycine", top_k=1) == []
    store.write_documents([_doc("ci2", "Clarithromycine : précaution d'emploi.", vector=[1, 0, 0])])
    assert store.embedding_retrieval([1.0, 0.0, 0.0], top_k=1)[0].id == "ci2"


def test_duplicate_policy(store):
    with pytest.raises(DuplicateDocumentError):
        store.write_documents([_doc("ci", "autre")])
    store.write_documents([_doc("ci", "texte remplacé")], policy=DuplicatePolicy.OVERWRITE)
    assert (
        store.filter_documents({"field": "id", "operator": "==", "value": "ci"})[0].content
        == "texte remplacé"
    )


def test_save_and_load_round_trip(store, tmp_path):
    store.save_to_disk(tmp_path / "index", manifest={"embedder": "test"})
    loaded = EsculapeInMemoryStore.load_from_disk(tmp_path / "index")
    assert loaded.count_documents() == 5
    assert loaded.manifest["embedder"] == "test"
    assert loaded.bm25_retrieval("clarithromycine", top_k=1)[0].id == "ci"
    assert loaded.embedding_retrieval([0.0, 0.0, 1.0], top_k=1)[0].id == "renal"
    np.testing.assert_allclose(loaded.get_embedding("renal"), [0, 0, 1])


def test_interrupted_swap_falls_back_to_previous_index(store, tmp_path):
    store.save_to_disk(tmp_path / "index")
    (tmp_path / "index").rename(tmp_path / "index.old")  # as if killed between the two renames
    loaded = EsculapeInMemoryStore.load_from_disk(tmp_path / "index")
    assert loaded.count_documents() == 5


def test_missing_and_damaged_index_give_actionable_errors(store, tmp_path):
    with pytest.raises(IndexNotFoundError, match="esculape ingest"):
        EsculapeInMemoryStore.load_from_disk(tmp_path / "nothing")
    store.save_to_disk(tmp_path / "index")
    (tmp_path / "index" / "documents.jsonl").write_text("{not json", encoding="utf-8")
    with pytest.raises(DocumentStoreError, match="Delete that folder"):
        EsculapeInMemoryStore.load_from_disk(tmp_path / "index")
