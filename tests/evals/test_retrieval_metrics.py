"""Parity of the retrieval metrics with values computed by hand."""

import math

import pytest

from evals.retrieval.metrics import mean_metrics, ndcg_at_k, question_metrics, recall_at_k, reciprocal_rank

RANKED = ["a", "b", "c", "d", "e"]
GOLD = {"c", "e", "z"}  # "z" is never retrieved


@pytest.mark.parametrize(("k", "expected"), [(1, 0.0), (2, 0.0), (3, 1.0), (5, 1.0), (100, 1.0)])
def test_recall_counts_a_question_once_any_gold_is_in_the_top_k(k, expected):
    assert recall_at_k(RANKED, GOLD, k) == expected


def test_recall_is_not_the_share_of_gold_retrieved():
    # Two of three gold passages retrieved: the question is answered, recall@5 is 1, not 2/3.
    assert recall_at_k(RANKED, GOLD, 5) == 1.0


def test_reciprocal_rank_uses_the_first_gold_rank():
    assert reciprocal_rank(RANKED, GOLD) == pytest.approx(1 / 3)
    assert reciprocal_rank(RANKED, {"a"}) == 1.0
    assert reciprocal_rank(RANKED, {"x"}) == 0.0


def test_reciprocal_rank_is_zero_past_the_cutoff():
    assert reciprocal_rank(RANKED, {"e"}, cutoff=4) == 0.0
    assert reciprocal_rank(RANKED, {"e"}, cutoff=5) == pytest.approx(0.2)


def test_ndcg_matches_a_hand_computation():
    # Gold at ranks 3 and 5: DCG = 1/log2(4) + 1/log2(6) = 0.5 + 0.3868528 = 0.8868528.
    # Three gold ids: ideal DCG = 1 + 1/log2(3) + 1/log2(4) = 1 + 0.6309298 + 0.5 = 2.1309298.
    assert ndcg_at_k(RANKED, GOLD, 10) == pytest.approx(0.8868528 / 2.1309298, abs=1e-6)


def test_ndcg_ideal_is_capped_at_k_gold_passages():
    gold = {f"g{i}" for i in range(15)}
    ranked = sorted(gold)[:10]
    assert ndcg_at_k(ranked, gold, 10) == pytest.approx(1.0)
    # One gold at rank 1 among 15 gold: DCG 1 over the ideal DCG of 10 relevant passages.
    ideal = sum(1 / math.log2(i + 1) for i in range(1, 11))
    assert ndcg_at_k(["g0", "x"], gold, 10) == pytest.approx(1 / ideal)


def test_ndcg_counts_a_repeated_id_once():
    assert ndcg_at_k(["c", "c"], {"c", "d"}, 10) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_ndcg_of_a_perfect_single_gold_ranking_is_one():
    assert ndcg_at_k(["a", "b"], {"a"}, 10) == 1.0
    assert ndcg_at_k([], {"a"}, 10) == 0.0
    assert ndcg_at_k(["a"], set(), 10) == 0.0


@pytest.mark.parametrize("function", [recall_at_k, ndcg_at_k])
def test_k_below_one_is_refused(function):
    with pytest.raises(ValueError, match="k >= 1"):
        function(RANKED, GOLD, 0)


def test_question_metrics_and_their_mean():
    first = question_metrics(RANKED, GOLD)
    second = question_metrics(["c"], {"c"})
    assert first["recall@1"] == 0.0 and first["recall@5"] == 1.0 and first["mrr"] == pytest.approx(1 / 3)
    assert second == {"recall@1": 1.0, "recall@5": 1.0, "recall@10": 1.0, "mrr": 1.0, "ndcg@10": 1.0}

    mean = mean_metrics([first, second])
    assert mean["recall@1"] == 0.5
    assert mean["mrr"] == pytest.approx((1 / 3 + 1) / 2)
    assert mean_metrics([]) == {}
