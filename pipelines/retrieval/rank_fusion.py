"""Weighted reciprocal rank fusion of named retriever lists, keeping each passage's per-retriever ranks."""

from dataclasses import replace

from haystack import Document, component
from haystack.components.joiners import DocumentJoiner

RETRIEVERS = ("bm25", "dense", "pairs", "records")


@component
class RankFusion:
    """Fuse the BM25, dense and drug rankings with Haystack's ``DocumentJoiner`` (reciprocal rank fusion).

    The drug retriever gives two rankings: ``pairs`` (interaction entries covering two drugs named) and
    ``records`` (the BDPM record of each drug named).

    The lists arrive on named inputs and are handed to the joiner in a fixed order, so each weight applies
    to the retriever it names: a variadic joiner input receives its lists in an order the pipeline does not
    promise, and a weight meant for BM25 could land on the dense list. The joiner also keeps one copy of a
    passage found by several retrievers and replaces its score, so the per-retriever evidence is written
    back into each passage's ``meta`` for the app:

    - ``ranks``: ``{"bm25": 3, "dense": None, "pairs": 1, "records": None, "hybrid": 1}`` (1-based; ``None``:
      not retrieved by that retriever);
    - ``scores``: the same keys with the raw scores (BM25 score, cosine similarity, match score, fused).

    With a single list, the passages keep that retriever's order and score, and ``mode`` names the list.

    Usage example:

    ```python
    fusion = RankFusion(weights={"bm25": 0.5, "dense": 0.1, "pairs": 0.3, "records": 0.1})
    fusion.run(bm25_documents=bm25_hits, dense_documents=dense_hits, pair_documents=pairs)["documents"]
    ```

    :param weights: weight of each ranking fused (``bm25``, ``dense``, ``pairs``, ``records``).
    :param mode: name recorded for the final ranking (``hybrid``, or the single retriever's name).
    """

    def __init__(self, weights: dict[str, float], mode: str = "hybrid") -> None:
        unknown = set(weights) - set(RETRIEVERS)
        if unknown:
            raise ValueError(
                f"Unknown retrievers {sorted(unknown)}: expected some of {', '.join(RETRIEVERS)}"
            )
        self.names = [name for name in RETRIEVERS if name in weights]
        self.weights = weights
        self.mode = mode
        self._joiner = (
            DocumentJoiner(join_mode="reciprocal_rank_fusion", weights=[weights[name] for name in self.names])
            if len(self.names) > 1
            else None
        )

    @component.output_types(documents=list[Document])
    def run(
        self,
        bm25_documents: list[Document] | None = None,
        dense_documents: list[Document] | None = None,
        pair_documents: list[Document] | None = None,
        record_documents: list[Document] | None = None,
        top_k: int | None = None,
    ) -> dict[str, list[Document]]:
        """Fuse the lists given at construction and annotate each passage.

        :param bm25_documents: the BM25 ranking.
        :param dense_documents: the dense ranking.
        :param pair_documents: the drug retriever's interaction ranking.
        :param record_documents: the drug retriever's BDPM record ranking.
        :param top_k: number of passages returned (all when ``None``).
        :returns: ``documents``, best first, with ``meta['ranks']`` and ``meta['scores']``.
        """
        given = {
            "bm25": bm25_documents,
            "dense": dense_documents,
            "pairs": pair_documents,
            "records": record_documents,
        }
        lists = [given[name] or [] for name in self.names]
        fused = self._joiner.run(documents=lists)["documents"] if self._joiner else lists[0]
        if top_k is not None:
            fused = fused[:top_k]

        positions = {
            name: {doc.id: (rank, doc.score) for rank, doc in enumerate(given[name] or [], start=1)}
            for name in self.names
        }
        traced = []
        for rank, doc in enumerate(fused, start=1):
            ranks: dict[str, int | None] = dict.fromkeys(RETRIEVERS)
            scores: dict[str, float | None] = dict.fromkeys(RETRIEVERS)
            for name, found in positions.items():
                if doc.id in found:
                    ranks[name], scores[name] = found[doc.id]
            ranks[self.mode], scores[self.mode] = rank, doc.score
            traced.append(replace(doc, meta={**doc.meta, "ranks": ranks, "scores": scores}))
        return {"documents": traced}
