"""The indexing pipeline: load → clean → split → detect changes → embed → write, then persist.

Idempotent (passage ids come from the data, see ``corpora.schema``), incremental (only new or changed
passages are embedded and written; vanished ones are deleted) and resumable (embeddings are committed to
the on-disk cache batch by batch, and the index on disk is replaced atomically at the end, so an
interrupted ingest loses at most one batch of work and never the previous index).

With ``ESCULAPE_STORE=opensearch`` or ``elasticsearch`` the same pipeline writes into a new versioned index
that replaces the live one only once checked (:mod:`pipelines.indexing.search_engine_ingest`).

Usage example:

```python
from esculape.settings import Settings
from pipelines.indexing.indexer import Indexer

summary = Indexer(Settings.from_env()).run()
print(summary.format())
```
"""

import hashlib
import json
import logging
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from haystack import Document, Pipeline, component
from haystack.components.joiners import DocumentJoiner
from haystack.components.preprocessors import DocumentCleaner
from haystack.components.writers import DocumentWriter
from haystack.core.errors import PipelineRuntimeError
from haystack.document_stores.errors import DocumentStoreError
from haystack.document_stores.types import DuplicatePolicy

from corpora.catalog import CorpusError, discover, load_corpus
from corpora.report import LoadReport
from esculape.settings import Settings
from pipelines.analysis.french import FrenchAnalyzer
from pipelines.embedders.cache import EmbeddingCacheError
from pipelines.embedders.components import CachedDocumentEmbedder
from pipelines.indexing.change_detector import ChangeDetector
from pipelines.indexing.embed_selection import EmbedSelection
from pipelines.indexing.passage_splitter import OversizePassageSplitter
from pipelines.stores.factory import StoreKind
from pipelines.stores.in_memory import EsculapeInMemoryStore, IndexNotFoundError, _analyzer_signature

logger = logging.getLogger(__name__)

CORPORA_CODE = Path(__file__).resolve().parents[2] / "corpora"


@dataclass
class IngestSummary:
    """What an ingest did, printed at the end of ``esculape ingest``."""

    passages_per_source: dict[str, int] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    embedding: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    skip_reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_memory_mb: float = 0.0
    up_to_date: bool = False

    def as_dict(self) -> dict:
        """Plain dictionary for ``--json`` and the benchmark."""
        return {
            "passages_per_source": self.passages_per_source,
            "total_passages": sum(self.passages_per_source.values()),
            "changes": self.changes,
            "embedding": self.embedding,
            "skipped": self.skipped,
            "skip_reasons": self.skip_reasons,
            "seconds": round(self.seconds, 1),
            "peak_memory_mb": round(self.peak_memory_mb),
            "up_to_date": self.up_to_date,
        }

    def format(self) -> str:
        """A short Markdown report."""
        lines = ["| source | passages |", "|---|---:|"]
        lines += [f"| {name} | {count:,} |" for name, count in sorted(self.passages_per_source.items())]
        lines.append(f"| **total** | **{sum(self.passages_per_source.values()):,}** |")
        if self.up_to_date:
            lines.append(
                "\nNothing changed since the last ingest (corpus files, loaders and embedder identical)."
            )
        else:
            changes = ", ".join(f"{key} {value:,}" for key, value in sorted(self.changes.items()))
            embedding = ", ".join(
                f"{key} {value:,}" if isinstance(value, int) else f"{key} {value}"
                for key, value in sorted(self.embedding.items())
            )
            lines.append(f"\nChanges: {changes or 'none'}")
            lines.append(f"Embeddings: {embedding or 'none needed'}")
        if self.skipped:
            lines.append(
                "Skipped records: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.skipped.items()))
            )
            lines += [f"  - {reason}" for reason in self.skip_reasons[:10]]
        lines.append(f"Wall time {self.seconds:.1f} s, peak memory {self.peak_memory_mb:,.0f} MB")
        return "\n".join(lines)


@component
class CorpusLoader:
    """Load every known source of a corpus folder into passages (see ``corpora.catalog``)."""

    def __init__(self, corpus_dir: str, sources: list[str] | None = None) -> None:
        """:param corpus_dir: folder holding the source folders.
        :param sources: restrict to these ``source`` values (``None``: all found)."""
        self.corpus_dir = corpus_dir
        self.sources = sources
        self.report = LoadReport()

    @component.output_types(documents=list[Document], loaded_sources=list[str])
    def run(self) -> dict:
        """Load the passages; skipped records are counted in ``self.report``."""
        self.report = LoadReport()
        wanted = set(self.sources) if self.sources else None
        documents = list(load_corpus(Path(self.corpus_dir), self.report, sources=wanted))
        loaded = sorted({doc.meta["source"] for doc in documents} | set(self.report.skipped))
        return {"documents": documents, "loaded_sources": loaded}


def corpus_fingerprint(corpus_dir: Path, embedder: str, analyzer_signature: str) -> str:
    """A hash that changes when any corpus file, any loader's code, the embedder or the analysis changes."""
    digest = hashlib.sha256()
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(corpus_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    for path in sorted(CORPORA_CODE.glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(f"{embedder}|{analyzer_signature}".encode())
    return digest.hexdigest()


class Indexer:
    """Runs the indexing pipeline for the corpus and store named by the settings.

    :param settings: corpus folder, data folder, embedder.
    :param embed_sources: which ``source`` values get a dense embedding (``None``: all).
    :param batch_size: embedding batch size (also the most work an interruption can lose).
    :param progress_bar: show a progress bar while embedding.
    """

    def __init__(
        self,
        settings: Settings,
        embed_sources: list[str] | None = None,
        batch_size: int = 64,
        progress_bar: bool = True,
    ) -> None:
        self.settings = settings
        self.embed_sources = embed_sources
        self.batch_size = batch_size
        self.progress_bar = progress_bar

    def _open_store(self) -> EsculapeInMemoryStore:
        try:
            return EsculapeInMemoryStore.load_from_disk(self.settings.index_dir)
        except IndexNotFoundError:
            return EsculapeInMemoryStore()

    def run(self, corpus_dir: Path | None = None, sources: list[str] | None = None, force: bool = False):
        """Ingest ``corpus_dir`` (default: the settings' corpus) and persist the index.

        :param corpus_dir: folder holding the source folders.
        :param sources: restrict the load to these ``source`` values.
        :param force: reload and compare every passage even if nothing seems to have changed.
        :returns: an :class:`IngestSummary`.
        """
        started = time.perf_counter()
        corpus_dir = corpus_dir or self.settings.corpus
        if corpus_dir is None:
            raise FileNotFoundError(
                "No corpus folder: set ESCULAPE_CORPUS, pass --corpus, "
                "or run `esculape ingest --download bdpm`."
            )

        discover(Path(corpus_dir))  # fails fast, with the fix in the message, on a missing or empty folder
        fingerprint = corpus_fingerprint(
            Path(corpus_dir),
            f"{self.settings.embedder}|{self.embed_sources}",
            _analyzer_signature(FrenchAnalyzer()),
        )
        if StoreKind.from_str(self.settings.store) is not StoreKind.MEMORY:
            from pipelines.indexing.search_engine_ingest import SearchEngineIngest

            return SearchEngineIngest(self).run(Path(corpus_dir), sources, force, fingerprint, started)

        # Only the manifest is read to decide that nothing changed: loading the whole index takes seconds.
        manifest = read_manifest(self.settings)
        if not force and not sources and manifest.get("fingerprint") == fingerprint:
            summary = IngestSummary(passages_per_source=manifest.get("passages_per_source", {}))
            summary.up_to_date = True
            return self._finish(summary, started)

        store = self._open_store()
        if store.manifest and (
            store.manifest.get("embedder") != self.settings.embedder
            or store.manifest.get("embed_sources") != self.embed_sources
        ):
            # Vectors of another model (or of other sources) cannot be mixed with the new ones: rebuild the
            # index from scratch; the embedding cache still spares every text embedded before.
            logger.warning("Embedder or embedded sources changed since the last ingest: rebuilding the index")
            store = EsculapeInMemoryStore()

        pipeline = self._pipeline(store, Path(corpus_dir), sources)
        output = self._run_pipeline(pipeline)
        report = pipeline.get_component("loader").report

        summary = IngestSummary(
            passages_per_source=dict(Counter(doc.meta.get("source", "?") for doc in store.storage.values())),
            changes=output["changes"]["stats"],
            embedding=output["embedder"]["meta"],
            skipped=dict(report.skipped),
            skip_reasons=list(report.reasons),
        )
        manifest = {
            "embedder": self.settings.embedder,
            "embed_sources": self.embed_sources,
            "corpus": str(corpus_dir),
            "fingerprint": None if sources else fingerprint,
            "passages_per_source": summary.passages_per_source,
            "ingested_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "versions": sorted({str(doc.meta.get("version", "")) for doc in store.storage.values()} - {""}),
        }
        store.save_to_disk(self.settings.index_dir, manifest=manifest)
        return self._finish(summary, started)

    @staticmethod
    def _run_pipeline(pipeline: Pipeline) -> dict:
        try:
            return pipeline.run({}, include_outputs_from={"changes", "embedder", "loader"})
        except PipelineRuntimeError as error:
            # Haystack wraps a component's exception; the user needs the original, actionable message.
            if isinstance(error.__cause__, (CorpusError, EmbeddingCacheError, DocumentStoreError)):
                raise error.__cause__ from None
            raise

    def _pipeline(
        self,
        store: EsculapeInMemoryStore,
        corpus_dir: Path,
        sources: list[str] | None,
        changes: ChangeDetector | None = None,
    ) -> Pipeline:
        pipeline = Pipeline()
        pipeline.add_component("loader", CorpusLoader(str(corpus_dir), sources))
        pipeline.add_component(
            "cleaner",
            DocumentCleaner(
                remove_empty_lines=True,
                remove_extra_whitespaces=False,
                unicode_normalization="NFC",
                strip_whitespaces=True,
                keep_id=True,
            ),
        )
        pipeline.add_component("splitter", OversizePassageSplitter())
        pipeline.add_component("changes", changes if changes is not None else ChangeDetector(store))
        pipeline.add_component("selection", EmbedSelection(self.embed_sources))
        pipeline.add_component("join", DocumentJoiner(join_mode="concatenate", sort_by_score=False))
        pipeline.add_component(
            "embedder",
            CachedDocumentEmbedder(
                self.settings.embedder,
                cache_dir=str(self.settings.cache_dir),
                batch_size=self.batch_size,
                progress_bar=self.progress_bar,
            ),
        )
        pipeline.add_component(
            "writer", DocumentWriter(document_store=store, policy=DuplicatePolicy.OVERWRITE)
        )
        pipeline.connect("loader.documents", "cleaner.documents")
        pipeline.connect("cleaner.documents", "splitter.documents")
        pipeline.connect("splitter.documents", "changes.documents")
        pipeline.connect("loader.loaded_sources", "changes.loaded_sources")
        pipeline.connect("changes.documents", "selection.documents")
        pipeline.connect("selection.to_embed", "embedder.documents")
        pipeline.connect("embedder.documents", "join.documents")
        pipeline.connect("selection.bm25_only", "join.documents")
        pipeline.connect("join.documents", "writer.documents")
        return pipeline

    @staticmethod
    def _finish(summary: IngestSummary, started: float) -> IngestSummary:
        summary.seconds = time.perf_counter() - started
        summary.peak_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        logger.info("Ingest finished in %.1f s", summary.seconds)
        return summary


def read_manifest(settings: Settings) -> dict:
    """The manifest of the persisted index, or ``{}`` when there is none."""
    path = settings.index_dir / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
