"""The embedded default store: Haystack's in-memory store with French BM25 (bm25s) and fast dense search.

Haystack's ``InMemoryDocumentStore`` tokenises BM25 text with a regular expression and scores dense
queries by rebuilding a matrix from Python lists at every query; on the ~55,000 passages of the French
drug corpus both are too slow and the regex knows nothing of French. This store keeps Haystack's
document storage and filter semantics, so that the stock ``InMemoryBM25Retriever`` and
``InMemoryEmbeddingRetriever`` work unchanged on top of it, and replaces the two scoring paths:

- BM25 runs on a ``bm25s`` index built from the French analysis of ``pipelines.analysis.french``;
- dense retrieval is one matrix-vector product over a float32 matrix kept beside the documents.

Both indexes are rebuilt lazily after writes and persisted with the documents by :meth:`save_to_disk`,
so that the app starts without re-tokenising or re-embedding anything.

Usage example:

```python
from haystack import Document
from pipelines.stores.in_memory import EsculapeInMemoryStore

store = EsculapeInMemoryStore()
store.write_documents([Document(id="a", content="Contre-indication avec la clarithromycine")])
store.bm25_retrieval("clarithromycine contre-indiquée", top_k=1)[0].id  # 'a'
```
"""

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from haystack import Document
from haystack.document_stores.errors import DocumentStoreError, DuplicateDocumentError
from haystack.document_stores.in_memory import InMemoryDocumentStore
from haystack.document_stores.types import DuplicatePolicy
from haystack.utils.filters import document_matches_filter

from pipelines.analysis.french import FrenchAnalyzer

logger = logging.getLogger(__name__)

STORE_FORMAT_VERSION = 1

# Metadata fields whose equality and membership filters are answered from precomputed arrays,
# because the app filters on them at every query and a Python scan of 55,000 documents costs ~100 ms.
FAST_FILTER_FIELDS = ("source", "publisher")


def _analyzer_signature(analyzer: Callable[[str], list[str]]) -> str:
    """A string that changes when the analysis changes (the analyzer's ``signature`` if it has one)."""
    return str(getattr(analyzer, "signature", type(analyzer).__name__))


class IndexNotFoundError(FileNotFoundError):
    """Raised when no persisted index exists where one was expected."""


class EsculapeInMemoryStore(InMemoryDocumentStore):
    """In-memory document store with French BM25 and a float32 embedding matrix, persisted to a folder.

    :param analyzer: callable turning a text into BM25 terms; the same one serves indexing and queries.
    :param bm25_k1: BM25 term-frequency saturation.
    :param bm25_b: BM25 length normalisation.
    """

    def __init__(
        self,
        analyzer: Callable[[str], list[str]] | None = None,
        bm25_k1: float = 1.2,
        bm25_b: float = 0.75,
        index: str | None = None,
    ) -> None:
        super().__init__(
            embedding_similarity_function="cosine", index=index, shared=False, return_embedding=False
        )
        self.analyzer = analyzer or FrenchAnalyzer()
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b
        self._vectors: dict[str, np.ndarray] = {}
        self._bm25: bm25s.BM25 | None = None
        self._bm25_ids: list[str] = []
        self._matrix: np.ndarray | None = None
        self._matrix_ids: list[str] = []
        self._field_values: dict[str, np.ndarray] = {}
        self._matrix_rows = np.zeros(0, dtype=np.int64)
        self._dirty = True
        self.manifest: dict[str, Any] = {}

    # ------------------------------------------------------------------ writes

    def write_documents(
        self, documents: list[Document], policy: DuplicatePolicy = DuplicatePolicy.NONE
    ) -> int:
        """Store documents; embeddings move to the float32 matrix, the rest to Haystack's storage.

        :returns: the number of documents written.
        :raises DuplicateDocumentError: with the default policy, when an id already exists.
        """
        if not isinstance(documents, list) or any(not isinstance(doc, Document) for doc in documents):
            raise ValueError("Please provide a list of Documents.")
        if policy == DuplicatePolicy.NONE:
            policy = DuplicatePolicy.FAIL

        written = 0
        for doc in documents:
            if doc.id in self.storage:
                if policy == DuplicatePolicy.FAIL:
                    raise DuplicateDocumentError(f"ID '{doc.id}' already exists.")
                if policy == DuplicatePolicy.SKIP:
                    continue
            if doc.embedding is not None:
                vector = np.asarray(doc.embedding, dtype=np.float32)
                self._vectors[doc.id] = vector / max(float(np.linalg.norm(vector)), 1e-12)
            else:
                self._vectors.pop(doc.id, None)
            self.storage[doc.id] = replace(doc, embedding=None, score=None)
            written += 1

        if written:
            self._dirty = True
        return written

    def delete_documents(self, document_ids: list[str]) -> None:
        """Delete documents by id; unknown ids are ignored."""
        for doc_id in document_ids:
            if self.storage.pop(doc_id, None) is not None:
                self._dirty = True
            self._vectors.pop(doc_id, None)

    def delete_all_documents(self) -> None:
        """Delete every document and both indexes."""
        self.storage.clear()
        self._vectors.clear()
        self._dirty = True

    def get_embedding(self, doc_id: str) -> np.ndarray | None:
        """The stored (normalised) embedding of a document, or ``None``."""
        return self._vectors.get(doc_id)

    # ----------------------------------------------------------------- indexes

    def _ensure_indexes(self) -> None:
        if not self._dirty:
            return

        ids = sorted(self.storage)
        self._bm25_ids = ids
        corpus_tokens = [self.analyzer(self.storage[doc_id].content or "") for doc_id in ids]
        self._bm25 = self._build_bm25(corpus_tokens)

        self._matrix_ids = [doc_id for doc_id in ids if doc_id in self._vectors]
        self._matrix = (
            np.vstack([self._vectors[doc_id] for doc_id in self._matrix_ids]).astype(np.float32)
            if self._matrix_ids
            else None
        )
        self._build_field_arrays()
        self._dirty = False

    def document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many passages contain each analysed term, and how many passages there are.

        Used to weigh a question's terms by rarity when judging whether the retrieved passages answer it.
        """
        self._ensure_indexes()
        if self._bm25 is None:
            return {term: 0 for term in terms}, 0
        indptr = self._bm25.scores["indptr"]
        vocab = self._bm25.vocab_dict
        frequencies = {}
        for term in terms:
            column = vocab.get(term)
            frequencies[term] = int(indptr[column + 1] - indptr[column]) if column is not None else 0
        return frequencies, int(self._bm25.scores["num_docs"])

    def _build_bm25(self, corpus_tokens: list[list[str]]) -> bm25s.BM25 | None:
        if not corpus_tokens:
            return None
        index = bm25s.BM25(k1=self.bm25_k1, b=self.bm25_b)
        # bm25s needs at least one token per document to build its vocabulary; an empty passage gets a
        # placeholder term that no analysed query can produce.
        index.index([tokens or ["\u2205"] for tokens in corpus_tokens], show_progress=False)
        return index

    def _build_field_arrays(self) -> None:
        # Position of each embedded passage among all passages: maps a filter mask onto the matrix rows.
        position = {doc_id: i for i, doc_id in enumerate(self._bm25_ids)}
        self._matrix_rows = np.array([position[doc_id] for doc_id in self._matrix_ids], dtype=np.int64)
        self._field_values = {
            name: np.array([str(self.storage[doc_id].meta.get(name, "")) for doc_id in self._bm25_ids])
            for name in FAST_FILTER_FIELDS
        }

    def _candidate_mask(self, filters: dict[str, Any] | None, ids: list[str]) -> np.ndarray | None:
        """Boolean mask over ``ids`` of the documents matching ``filters`` (``None``: all match)."""
        if not filters:
            return None
        self._validate_filters(filters)

        fast = self._fast_mask(filters)
        if fast is not None:
            return fast if ids is self._bm25_ids else fast[self._matrix_rows]

        return np.array(
            [document_matches_filter(filters=filters, document=self.storage[doc_id]) for doc_id in ids],
            dtype=bool,
        )

    def _fast_mask(self, filters: dict[str, Any]) -> np.ndarray | None:
        """Vectorised mask for AND/OR of ``==``/``in`` conditions on FAST_FILTER_FIELDS, else ``None``."""
        if "conditions" in filters:
            masks = [self._fast_mask(condition) for condition in filters["conditions"]]
            if any(mask is None for mask in masks) or filters["operator"] not in ("AND", "OR"):
                return None
            combine = np.logical_and if filters["operator"] == "AND" else np.logical_or
            result = masks[0]
            for mask in masks[1:]:
                result = combine(result, mask)
            return result

        field_name = filters.get("field", "").removeprefix("meta.")
        if field_name not in self._field_values:
            return None
        values = self._field_values[field_name]
        if filters["operator"] == "==":
            return values == str(filters["value"])
        if filters["operator"] == "in":
            return np.isin(values, [str(value) for value in filters["value"]])
        return None

    @staticmethod
    def _top_k(scores: np.ndarray, top_k: int) -> np.ndarray:
        if top_k >= len(scores):
            return np.argsort(-scores, kind="stable")
        candidates = np.argpartition(-scores, top_k)[:top_k]
        return candidates[np.argsort(-scores[candidates], kind="stable")]

    # --------------------------------------------------------------- retrieval

    def bm25_retrieval(
        self, query: str, filters: dict[str, Any] | None = None, top_k: int = 10, scale_score: bool = False
    ) -> list[Document]:
        """BM25 over the French analysis of every passage's content.

        A query whose analysis is empty (stop words only) returns no document: callers check for it first
        to tell the user (see ``pipelines.retrieval``).
        """
        if not query:
            raise ValueError("Query should be a non-empty string")
        self._ensure_indexes()
        if self._bm25 is None:
            return []

        query_tokens = self.analyzer(query)
        if not query_tokens:
            logger.info("BM25 query has no searchable term after French analysis; returning nothing")
            return []
        token_ids = self._bm25.get_tokens_ids(query_tokens)
        if not token_ids:
            return []

        scores = self._bm25.get_scores(token_ids).astype(np.float32)
        mask = self._candidate_mask(filters, self._bm25_ids)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)

        results = []
        for position in self._top_k(scores, top_k):
            score = float(scores[position])
            if score <= 0.0:
                break
            if scale_score:
                score = float(1 / (1 + np.exp(-score / 8)))
            results.append(replace(self.storage[self._bm25_ids[position]], score=score))
        return results

    def embedding_retrieval(
        self,
        query_embedding: list[float],
        filters: dict[str, Any] | None = None,
        top_k: int = 10,
        scale_score: bool = False,
        return_embedding: bool | None = False,
    ) -> list[Document]:
        """Cosine similarity between the query embedding and every stored passage embedding."""
        if len(query_embedding) == 0:
            raise ValueError("query_embedding should be a non-empty list of floats.")
        self._ensure_indexes()
        if self._matrix is None:
            logger.warning(
                "No passage has an embedding: dense retrieval returns nothing. Run `esculape ingest`."
            )
            return []

        query = np.asarray(query_embedding, dtype=np.float32)
        if query.shape[0] != self._matrix.shape[1]:
            raise DocumentStoreError(
                f"The query embedding has {query.shape[0]} dimensions but the index has "
                f"{self._matrix.shape[1]}: the index was built with another embedder. "
                "Set ESCULAPE_EMBEDDER to the one used at ingest, or run `esculape ingest` again."
            )
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        scores = self._matrix @ query
        mask = self._candidate_mask(filters, self._matrix_ids)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)

        results = []
        for position in self._top_k(scores, top_k):
            score = float(scores[position])
            if score == -np.inf:
                break
            if scale_score:
                score = (score + 1) / 2
            doc_id = self._matrix_ids[position]
            embedding = self._vectors[doc_id].tolist() if return_embedding else None
            results.append(replace(self.storage[doc_id], score=score, embedding=embedding))
        return results

    # ------------------------------------------------------------- persistence

    def to_dict(self) -> dict[str, Any]:
        """Serialise the settings (not the documents: see :meth:`save_to_disk`)."""
        return {
            "type": f"{type(self).__module__}.{type(self).__name__}",
            "init_parameters": {"bm25_k1": self.bm25_k1, "bm25_b": self.bm25_b, "index": self.index},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EsculapeInMemoryStore":
        """Rebuild an empty store from :meth:`to_dict` output."""
        return cls(**data.get("init_parameters", {}))

    def save_to_disk(self, path: str | os.PathLike, manifest: dict[str, Any] | None = None) -> None:
        """Persist documents, embeddings and the BM25 index to the folder ``path``, atomically.

        Everything is written to a sibling temporary folder first, then swapped in with two renames, so
        that an interruption leaves either the previous index or the new one, never a mix.

        :param manifest: extra facts to record (corpus fingerprints, embedder, timings).
        """
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._ensure_indexes()
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        try:
            with open(staging / "documents.jsonl", "w", encoding="utf-8") as handle:
                for doc_id in self._bm25_ids:
                    record = self.storage[doc_id].to_dict(flatten=False)
                    record.pop("embedding", None)
                    record.pop("score", None)
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            if self._matrix is not None:
                np.save(staging / "embeddings.npy", self._matrix)
            with open(staging / "embedding_ids.json", "w", encoding="utf-8") as handle:
                json.dump(self._matrix_ids, handle)
            if self._bm25 is not None:
                self._bm25.save(str(staging / "bm25"), show_progress=False)
            info = {
                "format": STORE_FORMAT_VERSION,
                "documents": len(self._bm25_ids),
                "embedded": len(self._matrix_ids),
                "bm25_k1": self.bm25_k1,
                "bm25_b": self.bm25_b,
                "analyzer": _analyzer_signature(self.analyzer),
                **(manifest or {}),
            }
            with open(staging / "manifest.json", "w", encoding="utf-8") as handle:
                json.dump(info, handle, ensure_ascii=False, indent=1)

            previous = target.with_name(target.name + ".old")
            if previous.exists():
                shutil.rmtree(previous)
            if target.exists():
                target.rename(previous)
            staging.rename(target)
            if previous.exists():
                shutil.rmtree(previous)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    @classmethod
    def load_from_disk(
        cls, path: str | os.PathLike, analyzer: Callable[[str], list[str]] | None = None
    ) -> "EsculapeInMemoryStore":
        """Load a store saved by :meth:`save_to_disk`, recovering from an interrupted swap.

        :raises IndexNotFoundError: when no index exists at ``path``.
        :raises DocumentStoreError: when the folder is unreadable or damaged, saying how to rebuild it.
        """
        target = Path(path)
        previous = target.with_name(target.name + ".old")
        if not (target / "manifest.json").exists() and (previous / "manifest.json").exists():
            logger.warning("Index swap at %s was interrupted; using the previous index", target)
            target = previous
        if not (target / "manifest.json").exists():
            raise IndexNotFoundError(f"No index at '{path}': run `esculape ingest` first.")

        try:
            manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
            store = cls(analyzer=analyzer, bm25_k1=manifest["bm25_k1"], bm25_b=manifest["bm25_b"])
            with open(target / "documents.jsonl", encoding="utf-8") as handle:
                for line in handle:
                    doc = Document.from_dict(json.loads(line))
                    store.storage[doc.id] = doc
            store._bm25_ids = sorted(store.storage)
            store._matrix_ids = json.loads((target / "embedding_ids.json").read_text(encoding="utf-8"))
            if store._matrix_ids:
                store._matrix = np.load(target / "embeddings.npy")
                store._vectors = dict(zip(store._matrix_ids, store._matrix, strict=True))
            store._bm25 = (
                bm25s.BM25.load(str(target / "bm25"), show_progress=False) if store._bm25_ids else None
            )
            store._build_field_arrays()
            store.manifest = manifest
            # An index analysed with another version of the French analysis would silently miss terms.
            store._dirty = manifest.get("analyzer") != _analyzer_signature(store.analyzer)
            if store._dirty:
                logger.warning("The French analysis changed since this index was built; rebuilding BM25")
        except (OSError, ValueError, KeyError) as error:
            raise DocumentStoreError(
                f"The index at '{target}' is damaged ({error}). Delete that folder and run `esculape ingest`."
            ) from error
        return store
