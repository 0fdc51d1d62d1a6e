"""Reciprocal rank fusion as run by the query pipeline, checked against a hand computation."""

import pytest
from haystack import Document
from haystack.components.joiners import DocumentJoiner

from pipelines.retrieval.fusion_trace import FusionTrace


def _hits(ids, scores):
    return [Document(id=i, content=i, score=s) for i, s in zip(ids, scores, strict=True)]


def test_weighted_rrf_matches_hand_computation_and_keeps_per_retriever_ranks():
    bm25 = _hits(["a", "b", "c"], [12.0, 9.0, 3.0])
    dense = _hits(["c", "d", "a"], [0.9, 0.8, 0.7])
    joiner = DocumentJoiner(join_mode="reciprocal_rank_fusion", weights=[0.75, 0.25])
    fused = joiner.run(documents=[bm25, dense])["documents"]

    # Haystack's RRF: score = sum_i w_i * n / (61 + rank_i), divided by n / 61 (n lists, rank from 0).
    def rrf(*terms):
        return sum(w * 2 / (61 + r) for w, r in terms) / (2 / 61)

    expected = {
        "a": rrf((0.75, 0), (0.25, 2)),
        "b": rrf((0.75, 1)),
        "c": rrf((0.75, 2), (0.25, 0)),
        "d": rrf((0.25, 1)),
    }
    assert [doc.id for doc in fused] == sorted(expected, key=expected.get, reverse=True)
    for doc in fused:
        assert doc.score == pytest.approx(expected[doc.id])

    traced = FusionTrace(mode="hybrid").run(documents=fused, bm25_documents=bm25, dense_documents=dense)
    by_id = {doc.id: doc.meta for doc in traced["documents"]}
    assert by_id["a"]["ranks"] == {"bm25": 1, "dense": 3, "drug": None, "hybrid": 1}
    assert by_id["d"]["ranks"]["bm25"] is None
    assert by_id["c"]["scores"]["dense"] == pytest.approx(0.9)
    assert by_id["b"]["scores"]["bm25"] == pytest.approx(9.0)


def test_single_retriever_trace():
    bm25 = _hits(["x", "y"], [2.0, 1.0])
    traced = FusionTrace(mode="bm25").run(documents=bm25, bm25_documents=bm25)["documents"]
    assert [doc.meta["ranks"]["bm25"] for doc in traced] == [1, 2]
    assert traced[0].meta["ranks"]["dense"] is None
