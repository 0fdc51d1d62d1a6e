"""Decide which passages are new, changed, unchanged or removed since the last ingest."""

import hashlib
import json
import logging
from collections import Counter

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
    """

    def __init__(self, store: EsculapeInMemoryStore) -> None:
        """:param store: the store being updated."""
        self.store = store

    @component.output_types(documents=list[Document], stats=dict)
    def run(self, documents: list[Document], loaded_sources: list[str]) -> dict:
        """Compare ``documents`` with the store.

        :param documents: every passage of the sources that were loaded.
        :param loaded_sources: the ``source`` values those passages cover.
        :returns: ``documents`` to embed and write, and ``stats`` (new, changed, unchanged, removed).
        """
        existing = {doc_id: doc.meta.get(HASH_KEY) for doc_id, doc in self.store.storage.items()}
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
                continue
            stats["changed" if doc.id in existing else "new"] += 1
            doc.meta[HASH_KEY] = digest
            to_write.append(doc)

        loaded = set(loaded_sources)
        removed = [
            doc_id
            for doc_id, doc in self.store.storage.items()
            if doc_id not in seen and doc.meta.get("source") in loaded
        ]
        if removed:
            self.store.delete_documents(removed)
        stats["removed"] = len(removed)
        return {"documents": to_write, "stats": dict(stats)}
