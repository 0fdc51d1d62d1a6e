"""Keep, on every returned passage, its rank and score from each retriever and after fusion."""

from dataclasses import replace

from haystack import Document, component


@component
class FusionTrace:
    """Annotate fused passages with where each retriever ranked them.

    Haystack's ``DocumentJoiner`` keeps one copy of a passage found by both retrievers and replaces its
    score by the fused one, so the per-retriever evidence is lost; the app shows it to let informaticians
    see why a passage came up. This component reads the retrievers' own lists and writes into each
    passage's ``meta``:

    - ``ranks``: ``{"bm25": 3, "dense": None, "drug": 1, "hybrid": 1}`` (1-based; ``None`` = not retrieved);
    - ``scores``: the same keys with the raw scores (BM25 score, cosine similarity, fused RRF score).

    Usage example:

    ```python
    trace = FusionTrace(mode="hybrid")
    trace.run(documents=fused, bm25_documents=bm25_hits, dense_documents=dense_hits)["documents"]
    ```
    """

    def __init__(self, mode: str = "hybrid") -> None:
        """:param mode: the name recorded for the final ranking (``bm25``, ``dense`` or ``hybrid``)."""
        self.mode = mode

    @component.output_types(documents=list[Document])
    def run(
        self,
        documents: list[Document],
        bm25_documents: list[Document] | None = None,
        dense_documents: list[Document] | None = None,
        drug_documents: list[Document] | None = None,
    ) -> dict[str, list[Document]]:
        """Return ``documents`` in the same order, each with ``meta['ranks']`` and ``meta['scores']``.

        :param documents: the final ranking (fused, or a single retriever's list).
        :param bm25_documents: the BM25 retriever's ranking, if it ran.
        :param dense_documents: the dense retriever's ranking, if it ran.
        :param drug_documents: the drug retriever's ranking, if it ran.
        """
        per_retriever = {"bm25": bm25_documents, "dense": dense_documents, "drug": drug_documents}
        positions = {
            name: {doc.id: (rank, doc.score) for rank, doc in enumerate(hits, start=1)}
            for name, hits in per_retriever.items()
            if hits is not None
        }

        traced = []
        for rank, doc in enumerate(documents, start=1):
            ranks = {name: None for name in ("bm25", "dense", "drug")}
            scores = dict(ranks)
            for name, found in positions.items():
                if doc.id in found:
                    ranks[name], scores[name] = found[doc.id]
            ranks[self.mode], scores[self.mode] = rank, doc.score
            traced.append(replace(doc, meta={**doc.meta, "ranks": ranks, "scores": scores}))
        return {"documents": traced}
