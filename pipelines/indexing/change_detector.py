"""Decide which passages are new, changed, unchanged or removed since the last ingest."""

import hashlib
import json
import logging
from collections import Counter
from typing import Any

from haystack import Document, component

from pipelines.stores.in_memory import EsculapeInMemoryStore

logger = logging.getLogger(__name__)

HASH_KEY = "content_hash"


def passage_hash(doc: Document) -> str:
    """Hash of what a user would see change: the text and every metadata value (except the hash itself)."""
    meta = {key: value for key, value in doc.meta.items() if key != HASH_KEY}
    payload = json.dumps([doc.content, meta], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@component
class ChangeDetector:
    """Pass on only the passages that are new or changed, and delete from the store those that vanished.

    Each passage gets ``meta['content_hash']``; a passage whose id and hash are already in the store is
    dropped from the flow (nothing to embed or write). Ids present in the store for the sources that were
    loaded but absent from this load are deleted, so that a drug withdrawn from the BDPM disappears from
    the index. Sources that were not loaded this time are left alone.

    For a search-engine store, an ingest writes every passage into a new versioned index
    (``pipelines.stores.alias``): ``keep_unchanged`` then passes unchanged passages on too, and nothing is
    deleted from the live index; the statistics still compare with it.
    """

    def __init__(self, store: EsculapeInMemoryStore | Any | None, keep_unchanged: bool = False) -> None:
        """:param store: the store being updated (or, with ``keep_unchanged``, the live index compared
            with; ``None`` when there is none yet).
        :param keep_unchanged: pass every passage on, and delete nothing."""
        self.store = store
        self.keep_unchanged = keep_unchanged
        self.passed_per_source: Counter = Counter()

    def _stored(self) -> tuple[dict[str, str | None], dict[str, str | None]]:
        """Content hash and source of each stored passage, by id."""
        if self.store is None:
            return {}, {}
        if hasattr(self.store, "stored_hashes"):
            stored = self.store.stored_hashes()
            hashes = {doc_id: digest for doc_id, (digest, _) in stored.items()}
            return hashes, {doc_id: source for doc_id, (_, source) in stored.items()}
        storage = self.store.storage
        return (
            {doc_id: doc.meta.get(HASH_KEY) for doc_id, doc in storage.items()},
            {doc_id: doc.meta.get("source") for doc_id, doc in storage.items()},
        )

    @component.output_types(documents=list[Document], stats=dict)
    def run(self, documents: list[Document], loaded_sources: list[str]) -> dict:
        """Compare ``documents`` with the store.

        :param documents: every passage of the sources that were loaded.
        :param loaded_sources: the ``source`` values those passages cover.
        :returns: ``documents`` to embed and write, and ``stats`` (new, changed, unchanged, removed).
        """
        existing, stored_sources = self._stored()
        stats: Counter = Counter()
        seen = set()
        to_write = []
        for doc in documents:
            if doc.id in seen:
                stats["duplicate_ids"] += 1
                logger.warning("Passage id %s produced twice by the loaders; keeping the first", doc.id)
                continue
            seen.add(doc.id)
            digest = passage_hash(doc)
            if existing.get(doc.id) == digest:
                stats["unchanged"] += 1
                if self.keep_unchanged:
                    doc.meta[HASH_KEY] = digest
                    to_write.append(doc)
                continue
            stats["changed" if doc.id in existing else "new"] += 1
            doc.meta[HASH_KEY] = digest
            to_write.append(doc)

        loaded = set(loaded_sources)
        removed = [
            doc_id for doc_id, source in stored_sources.items() if doc_id not in seen and source in loaded
        ]
        if removed and not self.keep_unchanged:
            self.store.delete_documents(removed)
        stats["removed"] = len(removed)
        self.passed_per_source = Counter(doc.meta.get("source") for doc in to_write)
        return {"documents": to_write, "stats": dict(stats)}
