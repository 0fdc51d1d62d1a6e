"""Ranking metrics for retrieval with a set of interchangeable gold passages.

In both evaluation sets a question's ``gold`` lists every passage that would answer it (for instance every
SMR opinion of every specialty sold as « Doliprane »). One of them in the ranking is enough for a reader,
so the metrics below count a question as answered as soon as *any* gold passage is retrieved:

- ``recall@k``: 1 if at least one gold passage is in the top ``k``, else 0 (the mean over questions is the
  share of questions answered within ``k``; it is sometimes called *success@k* or *hit rate*). It is not the
  fraction of gold passages retrieved, which would penalise a question for having many acceptable answers.
- ``mrr``: the reciprocal rank of the first gold passage, 0 when none is in the first ``cutoff`` results.
- ``ndcg@10``: normalised discounted cumulative gain with binary relevance, ``DCG = sum rel_i / log2(i + 1)``
  over ranks ``i = 1..10``, divided by the ideal DCG of ``min(|gold|, 10)`` relevant passages ranked first.
  Unlike the two others it rewards retrieving several gold passages.

Example:
    >>> recall_at_k(["a", "b", "c"], {"c"}, 2)
    0.0
    >>> reciprocal_rank(["a", "b", "c"], {"c"})
    0.3333333333333333
"""

import math
from collections.abc import Collection, Sequence


def _first_gold_rank(ranked: Sequence[str], gold: Collection[str], cutoff: int | None = None) -> int | None:
    """1-based rank of the first gold id in ``ranked[:cutoff]``, or ``None`` (private helper)."""
    limit = len(ranked) if cutoff is None else min(cutoff, len(ranked))
    for position in range(limit):
        if ranked[position] in gold:
            return position + 1
    return None


def recall_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """1.0 when at least one gold id is among the first ``k`` ranked ids, else 0.0.

    Args:
        ranked: retrieved doc ids, best first.
        gold: acceptable doc ids (any one answers the question).
        k: cutoff, at least 1.

    Returns:
        1.0 or 0.0 (average it over questions to get the share answered within ``k``).

    Raises:
        ValueError: when ``k`` is below 1.
    """
    if k < 1:
        raise ValueError(f"recall@k needs k >= 1, got k={k}")
    return 0.0 if _first_gold_rank(ranked, gold, k) is None else 1.0


def reciprocal_rank(ranked: Sequence[str], gold: Collection[str], cutoff: int | None = None) -> float:
    """``1 / rank`` of the first gold id within the first ``cutoff`` results (all when ``None``), else 0.0."""
    rank = _first_gold_rank(ranked, gold, cutoff)
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at_k(ranked: Sequence[str], gold: Collection[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k: DCG of the ranking over the DCG of ``min(|gold|, k)`` gold ids ranked first.

    A doc id repeated in ``ranked`` only counts at its first position. Returns 0.0 when ``gold`` is empty.

    Raises:
        ValueError: when ``k`` is below 1.
    """
    if k < 1:
        raise ValueError(f"nDCG@k needs k >= 1, got k={k}")
    if not gold:
        return 0.0

    seen: set[str] = set()
    dcg = 0.0
    for position, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in gold and doc_id not in seen:
            dcg += 1.0 / math.log2(position + 1)
        seen.add(doc_id)

    ideal = sum(1.0 / math.log2(position + 1) for position in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def question_metrics(
    ranked: Sequence[str], gold: Collection[str], ks: Sequence[int] = (1, 5, 10), mrr_cutoff: int = 100
) -> dict[str, float]:
    """All metrics of one question, keyed ``recall@1``, ``recall@5``, ``recall@10``, ``mrr``, ``ndcg@10``."""
    gold = set(gold)
    scores = {f"recall@{k}": recall_at_k(ranked, gold, k) for k in ks}
    scores["mrr"] = reciprocal_rank(ranked, gold, mrr_cutoff)
    scores["ndcg@10"] = ndcg_at_k(ranked, gold, 10)
    return scores


def mean_metrics(per_question: Sequence[dict[str, float]]) -> dict[str, float]:
    """Average each metric over questions; an empty input gives an empty dict."""
    if not per_question:
        return {}
    keys = per_question[0].keys()
    return {key: sum(scores[key] for scores in per_question) / len(per_question) for key in keys}
