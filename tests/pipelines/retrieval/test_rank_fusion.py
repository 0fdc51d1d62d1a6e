"""Reciprocal rank fusion as run by the query pipeline, checked against a hand computation."""

import pytest
from haystack import Document

from pipelines.retrieval.rank_fusion import RankFusion


def _hits(ids, scores):
    return [Document(id=i, content=i, score=s) for i, s in zip(ids, scores, strict=True)]


# Haystack's RRF: score = sum_i w_i * n / (61 + rank_i), divided by n / 61 (n lists, ranks from 0).
def _rrf(n, *terms):
    return sum(w * n / (61 + r) for w, r in terms) / (n / 61)


def test_weighted_rrf_matches_hand_computation_and_keeps_per_retriever_ranks():
    bm25 = _hits(["a", "b", "c"], [12.0, 9.0, 3.0])
    dense = _hits(["c", "d", "a"], [0.9, 0.8, 0.7])
    fused = RankFusion({"bm25": 0.75, "dense": 0.25}).run(bm25_documents=bm25, dense_documents=dense)[
        "documents"
    ]

    expected = {
        "a": _rrf(2, (0.75, 0), (0.25, 2)),
        "b": _rrf(2, (0.75, 1)),
        "c": _rrf(2, (0.75, 2), (0.25, 0)),
        "d": _rrf(2, (0.25, 1)),
    }
    assert [doc.id for doc in fused] == sorted(expected, key=expected.get, reverse=True)
    by_id = {doc.id: doc for doc in fused}
    for doc_id, score in expected.items():
        assert by_id[doc_id].score == pytest.approx(score)
    assert by_id["a"].meta["ranks"] == {"bm25": 1, "dense": 3, "pairs": None, "records": None, "hybrid": 1}
    assert by_id["d"].meta["ranks"]["bm25"] is None
    assert by_id["c"].meta["scores"]["dense"] == pytest.approx(0.9)
    assert by_id["b"].meta["scores"]["bm25"] == pytest.approx(9.0)


def test_each_weight_applies_to_the_retriever_it_names():
    bm25 = _hits(["lexical"], [5.0])
    dense = _hits(["semantic"], [0.9])
    pairs = _hits(["interaction"], [2.0])
    fusion = RankFusion({"bm25": 0.1, "dense": 0.2, "pairs": 0.7})
    # Whatever the keyword order, the pair list carries 0.7.
    fused = fusion.run(pair_documents=pairs, dense_documents=dense, bm25_documents=bm25)["documents"]
    assert [doc.id for doc in fused] == ["interaction", "semantic", "lexical"]
    assert fused[0].meta["ranks"]["pairs"] == 1


def test_a_missing_list_counts_as_empty_and_top_k_applies():
    bm25 = _hits(["x", "y", "z"], [3.0, 2.0, 1.0])
    fused = RankFusion({"bm25": 0.6, "dense": 0.1, "pairs": 0.3}).run(bm25_documents=bm25, top_k=2)[
        "documents"
    ]
    assert [doc.id for doc in fused] == ["x", "y"]


def test_single_retriever_keeps_its_order_and_scores():
    bm25 = _hits(["x", "y"], [2.0, 1.0])
    traced = RankFusion({"bm25": 1.0}, mode="bm25").run(bm25_documents=bm25)["documents"]
    assert [doc.meta["ranks"]["bm25"] for doc in traced] == [1, 2]
    assert [doc.score for doc in traced] == [2.0, 1.0]
    assert traced[0].meta["ranks"]["dense"] is None


def test_unknown_retriever_is_rejected_with_the_valid_names():
    with pytest.raises(ValueError, match="bm25, dense, pairs, records"):
        RankFusion({"sparse": 1.0})
