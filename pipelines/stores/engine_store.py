"""What the OpenSearch and Elasticsearch stores share on top of their Haystack integrations.

The integrations (``opensearch-haystack``, ``elasticsearch-haystack``) write, filter and retrieve. Esculape
adds, identically for both engines:

- an :class:`IndexAdmin` per engine: index creation with the project's body (``search_engine.py``),
  aliases, ``_meta``, refresh, counts, a scroll over every hit, server-side copy; every connection
  failure becomes a :class:`~pipelines.stores.errors.SearchEngineUnavailableError` that says what to do;
- :class:`SearchEngineStoreMixin`: bulk writes in bounded batches with bounded retries (idempotent
  upserts by stable id), ``filter_documents`` without the integrations' 10,000-hit cap, the stored
  content hashes for change detection, the manifest kept in the index's ``_meta``, and the French
  analyzer the query checks use.
"""

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from haystack import Document
from haystack.document_stores.errors import DocumentStoreError, DuplicateDocumentError
from haystack.document_stores.types import DuplicatePolicy

from pipelines.analysis.french import FrenchAnalyzer
from pipelines.stores.errors import IndexMismatchError, SearchEngineUnavailableError
from pipelines.stores.search_engine import Engine, mapping_problems

logger = logging.getLogger(__name__)

WRITE_BATCH = 500
WRITE_ATTEMPTS = 4
RETRY_BASE_SECONDS = 1.0
SCROLL_BATCH = 2000
# What the clients' long connection errors boil down to, in the words a user searches for.
_KNOWN_REASONS = (
    "Connection refused",
    "Name or service not known",
    "Temporary failure in name resolution",
    "timed out",
    "certificate verify failed",
    "AuthenticationException",
    "AuthorizationException",
)


class IndexAdmin(ABC):
    """Index-level operations on one cluster; one subclass per client library.

    The two clients (``opensearch-py``, ``elasticsearch-py`` 8) agree on the calls implemented here; each
    subclass implements the calls whose arguments differ. Every call runs inside :meth:`guard`.

    :param url: the cluster URL (``http://127.0.0.1:9250``).
    """

    engine: Engine
    url_setting: str
    start_hint: str
    client: Any
    unreachable_errors: tuple[type[Exception], ...]
    not_found_error: type[Exception]
    scan_helper: Any

    def __init__(self, url: str) -> None:
        self.url = url

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn a failed connection into an actionable error."""
        try:
            yield
        except self.unreachable_errors as error:
            raise self.unavailable(error) from error

    def unavailable(self, error: Exception) -> DocumentStoreError:
        """The actionable error for a failed connection."""
        text = str(getattr(error, "message", "") or error)
        known = [phrase for phrase in _KNOWN_REASONS if phrase.lower() in text.lower()]
        reason = known[0].lower() if known else text.splitlines()[0][:200]
        return SearchEngineUnavailableError(
            self.engine.value, self.url, reason, setting=self.url_setting, hint=self.start_hint
        )

    def info(self) -> dict[str, Any]:
        """The cluster's greeting (name, version); raises SearchEngineUnavailableError when unreachable."""
        with self.guard():
            try:
                return dict(self.client.info())
            except self.unreachable_errors:
                raise
            except Exception as error:  # noqa: BLE001  (any other answer: not a cluster of this engine)
                raise SearchEngineUnavailableError(
                    self.engine.value,
                    self.url,
                    f"something answers there, but not as {self.engine.value}: {str(error)[:120]}",
                    setting=self.url_setting,
                    hint=self.start_hint,
                ) from error

    def health(self) -> dict[str, Any]:
        """The cluster health (status green/yellow/red, nodes)."""
        with self.guard():
            return dict(self.client.cluster.health())

    def exists(self, name: str) -> bool:
        """Whether an index or alias of that name exists."""
        with self.guard():
            return bool(self.client.indices.exists(index=name))

    def is_alias(self, name: str) -> bool:
        """Whether ``name`` is an alias (not a concrete index)."""
        with self.guard():
            return bool(self.client.indices.exists_alias(name=name))

    def alias_targets(self, alias: str) -> list[str]:
        """The concrete indexes the alias points to ([] when the alias does not exist)."""
        with self.guard():
            if not self.client.indices.exists_alias(name=alias):
                return []
            try:
                return sorted(self.client.indices.get_alias(name=alias))
            except self.not_found_error:  # removed in between
                return []

    def delete_index(self, name: str) -> None:
        """Delete a concrete index (missing: no error)."""
        with self.guard():
            self.client.indices.delete(index=name, ignore_unavailable=True)

    def mapping(self, name: str) -> dict[str, Any]:
        """The ``mappings`` of an index, or of the index an alias points to."""
        with self.guard():
            response = self.client.indices.get_mapping(index=name)
        return dict(next(iter(response.values()))["mappings"])

    def refresh(self, name: str) -> None:
        """Make every write visible to search."""
        with self.guard():
            self.client.indices.refresh(index=name)

    def scan(
        self, name: str, query: dict[str, Any] | None, source: list[str] | dict | bool
    ) -> Iterator[dict]:
        """Every hit matching ``query`` (a scroll), with the ``_source`` fields asked for."""
        body = {"query": query or {"match_all": {}}, "_source": source}
        with self.guard():
            yield from self.scan_helper(self.client, query=body, index=name, size=SCROLL_BATCH, scroll="5m")

    @abstractmethod
    def create_index(self, name: str, body: dict[str, Any]) -> None:
        """Create an index with ``settings`` and ``mappings``."""

    @abstractmethod
    def put_meta(self, name: str, meta: dict[str, Any]) -> None:
        """Replace the mapping's ``_meta``."""

    @abstractmethod
    def set_refresh_interval(self, name: str, interval: str) -> None:
        """``-1`` while bulk writing, ``1s`` for searching."""

    @abstractmethod
    def count(self, name: str, query: dict[str, Any] | None = None) -> int:
        """Number of documents (matching ``query``)."""

    @abstractmethod
    def value_counts(self, name: str, field: str = "source") -> dict[str, int]:
        """Number of passages per value of a keyword field (``source`` by default)."""

    @abstractmethod
    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        """Apply alias actions atomically (all or none)."""

    @abstractmethod
    def copy(self, source: str, target: str, query: dict[str, Any]) -> int:
        """Copy the documents matching ``query`` into another index, on the server; returns how many."""


def manifest_of(mapping: dict[str, Any]) -> dict[str, Any]:
    """The ingest manifest kept in an index's ``_meta`` ({} when there is none)."""
    return dict(((mapping.get("_meta") or {}).get("esculape") or {}).get("manifest") or {})


class SearchEngineStoreMixin:
    """Behaviour shared by the OpenSearch and Elasticsearch stores; mixed in before the integration class.

    The subclass sets ``self.admin`` (an :class:`IndexAdmin`) and ``self.index_name`` (the alias or index
    searched and written), and calls :meth:`_init_mixin`.
    """

    admin: IndexAdmin
    index_name: str

    def _init_mixin(self, write_batch: int = WRITE_BATCH, write_attempts: int = WRITE_ATTEMPTS) -> None:
        self.analyzer = FrenchAnalyzer()
        self.write_batch = write_batch
        self.write_attempts = write_attempts
        self._manifest: dict[str, Any] | None = None

    # ------------------------------------------------------------------ index state

    @property
    def manifest(self) -> dict[str, Any]:
        """The manifest of the last ingest (embedder, fingerprint, passages per source, versions)."""
        if self._manifest is None:
            exists = self.admin.exists(self.index_name)
            self._manifest = manifest_of(self.admin.mapping(self.index_name)) if exists else {}
        return self._manifest

    def check_compatible(self, embedding_dim: int | None = None) -> None:
        """Raise :class:`IndexMismatchError` when the index was built with another schema, analysis or
        embedding size than this Esculape would query it with."""
        problems = mapping_problems(self.admin.mapping(self.index_name), self.admin.engine, embedding_dim)
        if problems:
            raise IndexMismatchError(self.index_name, problems)

    # ----------------------------------------------------------------------- writes

    def write_documents(
        self, documents: list[Document], policy: DuplicatePolicy = DuplicatePolicy.NONE, refresh: Any = False
    ) -> int:
        """Bulk-write in batches of ``write_batch``, retrying a failed batch up to ``write_attempts`` times.

        With ``DuplicatePolicy.OVERWRITE`` each passage is an upsert under its stable id, so a retried or
        repeated batch leaves the index as one write would. Writes are not refreshed: call :meth:`refresh`.

        :returns: the number of documents written.
        """
        written = 0
        for start in range(0, len(documents), self.write_batch):
            batch = documents[start : start + self.write_batch]
            written += self._write_batch_with_retries(batch, policy, refresh)
        return written

    def _write_batch_with_retries(self, batch: list[Document], policy: DuplicatePolicy, refresh: Any) -> int:
        for attempt in range(1, self.write_attempts + 1):
            try:
                return super().write_documents(batch, policy=policy, refresh=refresh)  # type: ignore[misc]
            except DuplicateDocumentError:
                raise
            except DocumentStoreError as error:
                if "mapper_parsing_exception" in str(error) or "illegal_argument_exception" in str(error):
                    raise DocumentStoreError(
                        f"{self.admin.engine.value} rejected passages of the batch starting with "
                        f"'{batch[0].id}' (the index mapping does not accept them): {str(error)[:500]}"
                    ) from error
                last_error: Exception = error
            except self.admin.unreachable_errors as error:
                last_error = error
            if attempt < self.write_attempts:
                delay = RETRY_BASE_SECONDS * 2 ** (attempt - 1)
                logger.warning(
                    "Bulk write of %d passages failed (attempt %d of %d): retrying in %.0f s",
                    len(batch),
                    attempt,
                    self.write_attempts,
                    delay,
                )
                time.sleep(delay)
        if isinstance(last_error, DocumentStoreError):
            raise last_error
        raise self.admin.unavailable(last_error) from last_error

    def refresh(self) -> None:
        """Make every write visible to search."""
        self.admin.refresh(self.index_name)

    # ------------------------------------------------------------------------ reads

    def filter_documents(self, filters: dict[str, Any] | None = None) -> list[Document]:
        """Every document matching ``filters`` (the integrations stop at 10,000 hits; this scrolls).

        Embeddings are not returned.
        """
        query = {"bool": {"filter": self._engine_filters(filters)}} if filters else None
        return [
            self._hit_to_document(hit)
            for hit in self.admin.scan(self.index_name, query, source={"excludes": ["embedding"]})
        ]

    def stored_hashes(self) -> dict[str, tuple[str | None, str | None]]:
        """``{id: (content_hash, source)}`` of every stored passage, for change detection."""
        return {
            hit["_id"]: (hit["_source"].get("content_hash"), hit["_source"].get("source"))
            for hit in self.admin.scan(self.index_name, None, source=["content_hash", "source"])
        }

    def document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many passages contain each analysed term, and how many passages there are (as the embedded
        store's method of that name; one count request per distinct term)."""
        counts = {term: self.admin.count(self.index_name, {"term": {"content": term}}) for term in set(terms)}
        return {term: counts[term] for term in terms}, self.admin.count(self.index_name)

    def _hit_to_document(self, hit: dict[str, Any]) -> Document:
        hit.setdefault("_score", None)
        return self._deserialize_document(hit)  # type: ignore[attr-defined]

    def _engine_filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        """Haystack filters in the engine's query language (the integration's own translation)."""
        raise NotImplementedError
