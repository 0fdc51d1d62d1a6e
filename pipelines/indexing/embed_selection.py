"""Route passages to the embedder or around it, by source."""

from haystack import Document, component


@component
class EmbedSelection:
    """Split passages into those that get a dense embedding and those indexed for BM25 only.

    Which sources deserve an embedding is a retrieval choice measured by ``esculape eval retrieval``
    (see the README): embedding costs ingest time on a CPU, and a source whose questions name exactly
    what the passage says gains little from it.

    :param embed_sources: ``source`` values to embed; ``None`` embeds every passage.
    """

    def __init__(self, embed_sources: list[str] | None = None) -> None:
        self.embed_sources = set(embed_sources) if embed_sources else None

    @component.output_types(to_embed=list[Document], bm25_only=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """:returns: ``to_embed`` and ``bm25_only``, each in input order."""
        if self.embed_sources is None:
            return {"to_embed": documents, "bm25_only": []}
        to_embed = [doc for doc in documents if doc.meta.get("source") in self.embed_sources]
        bm25_only = [doc for doc in documents if doc.meta.get("source") not in self.embed_sources]
        return {"to_embed": to_embed, "bm25_only": bm25_only}
