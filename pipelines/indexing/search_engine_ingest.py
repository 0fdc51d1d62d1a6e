"""Ingest into OpenSearch or Elasticsearch: a new versioned index, checked, then the alias switched.

The same Haystack pipeline as the embedded store's (load → clean → split → detect changes → embed with the
on-disk cache → write), with two differences:

- every passage is written into a new index ``<alias>-<date>``, not only the changed ones: the live index
  keeps serving searches untouched until the new one is complete and checked (see
  :mod:`pipelines.stores.alias`); embeddings come from the cache, so only new or changed texts are
  embedded;
- with ``--sources``, the passages of the other sources are copied from the live index on the server.

An ingest whose corpus, loaders, embedder and analysis did not change reads the manifest in the index's
``_meta`` and stops there.

Usage example::

    ESCULAPE_STORE=opensearch esculape ingest
"""

import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pipelines.embedders.backends import load_backend
from pipelines.indexing.change_detector import ChangeDetector
from pipelines.stores.alias import VersionedIndex
from pipelines.stores.errors import IndexMismatchError
from pipelines.stores.factory import engine_store
from pipelines.stores.search_engine import expected_meta, mapping_problems

logger = logging.getLogger(__name__)


class SearchEngineIngest:
    """Runs an :class:`~pipelines.indexing.indexer.Indexer`'s pipeline into a new versioned index.

    :param indexer: the indexer whose settings (store, URL, alias, embedder) and options are used.
    """

    def __init__(self, indexer: Any) -> None:
        self.indexer = indexer
        self.settings = indexer.settings

    def run(
        self, corpus_dir: Path, sources: list[str] | None, force: bool, fingerprint: str, started: float
    ) -> Any:
        """Ingest ``corpus_dir``; see :meth:`Indexer.run` for the parameters.

        :returns: an ``IngestSummary``.
        :raises SearchEngineUnavailableError: when the cluster does not answer (nothing is changed).
        :raises IndexCheckError: when the new index fails its checks (the alias still points to the old one).
        """
        from pipelines.indexing.indexer import IngestSummary

        embedding_dim = load_backend(self.settings.embedder).dim
        live = engine_store(self.settings, embedding_dim=embedding_dim)
        versions = VersionedIndex(live.admin, self.settings.index_name, embedding_dim)
        current = versions.current()
        manifest = live.manifest if current else {}

        if not force and not sources and current and manifest.get("fingerprint") == fingerprint:
            summary = IngestSummary(passages_per_source=manifest.get("passages_per_source", {}))
            summary.up_to_date = True
            return self.indexer._finish(summary, started)

        previous = live if current and self._reusable(live, manifest, embedding_dim) else None
        if sources and current and previous is None:
            raise IndexMismatchError(
                self.settings.index_name,
                [
                    "it was built with another embedder, analysis or schema, so it cannot be updated "
                    "source by source; run the ingest without --sources"
                ],
            )

        name = versions.create()
        target = engine_store(self.settings, index=name, embedding_dim=embedding_dim)
        try:
            summary, expected = self._fill(target, previous, current, corpus_dir, sources)
            found = versions.check(name, expected, embedded=self.indexer.embed_sources != [])
            summary.passages_per_source = found
            new_manifest = self._manifest(corpus_dir, sources, fingerprint, found, target)
            live.admin.put_meta(
                name, {"esculape": {**expected_meta(embedding_dim), "manifest": new_manifest}}
            )
            versions.switch(name)
        except BaseException:
            try:
                versions.discard(name)
            except Exception:  # noqa: BLE001  (the original error matters more than the clean-up's)
                logger.exception("Could not delete the unfinished index %s; delete it by hand", name)
            raise
        return self.indexer._finish(summary, started)

    def _reusable(self, live: Any, manifest: dict, embedding_dim: int) -> bool:
        """Whether the live index's passages can be compared with and copied (same vectors, same analysis)."""
        same_vectors = (
            manifest.get("embedder") == self.settings.embedder
            and manifest.get("embed_sources") == self.indexer.embed_sources
        )
        return same_vectors and not mapping_problems(
            live.admin.mapping(live.index_name), live.admin.engine, embedding_dim
        )

    def _fill(
        self, target: Any, previous: Any, current: str | None, corpus_dir: Path, sources: list[str] | None
    ) -> tuple[Any, dict[str, int]]:
        """Write the passages into the new index; returns the summary and the passages expected per source."""
        from pipelines.indexing.indexer import IngestSummary

        expected: Counter = Counter()
        if sources and current:
            kept = {"bool": {"must_not": {"terms": {"source": list(sources)}}}}
            copied = target.admin.copy(current, target.index_name, kept)
            expected.update({s: n for s, n in target.admin.value_counts(current).items() if s not in sources})
            logger.info("Copied %d passages of the other sources from %s", copied, current)

        changes = ChangeDetector(previous, keep_unchanged=True)
        pipeline = self.indexer._pipeline(target, corpus_dir, sources, changes=changes)
        output = self.indexer._run_pipeline(pipeline)
        expected.update(changes.passed_per_source)
        report = pipeline.get_component("loader").report
        summary = IngestSummary(
            changes=output["changes"]["stats"],
            embedding=output["embedder"]["meta"],
            skipped=dict(report.skipped),
            skip_reasons=list(report.reasons),
        )
        return summary, dict(expected)

    def _manifest(
        self,
        corpus_dir: Path,
        sources: list[str] | None,
        fingerprint: str,
        found: dict[str, int],
        target: Any,
    ) -> dict[str, Any]:
        versions = sorted(set(target.admin.value_counts(target.index_name, "version")) - {""})
        return {
            "embedder": self.settings.embedder,
            "embed_sources": self.indexer.embed_sources,
            "corpus": str(corpus_dir),
            "fingerprint": None if sources else fingerprint,
            "passages_per_source": found,
            "ingested_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "versions": versions,
            "index": target.index_name,
        }
