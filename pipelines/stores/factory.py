"""Store selection: ``ESCULAPE_STORE`` names the store, this module opens it and gives its retrievers.

``memory`` (default) is the embedded store persisted under ``ESCULAPE_DATA_DIR``; ``opensearch`` and
``elasticsearch`` are the search-engine stores, searched through the alias ``ESCULAPE_INDEX``. The query
pipeline on top is the same for all three: a BM25 retriever and an embedding retriever of the store's
family, the drug retriever, and client-side reciprocal rank fusion.

Usage example:

```python
from esculape.settings import Settings
from pipelines.stores.factory import open_store, text_retrievers

store = open_store(Settings.from_env())
bm25, dense = text_retrievers(store, top_k=50)
```
"""

from collections.abc import Iterable
from typing import Any

from haystack import Document
from haystack.components.retrievers.in_memory import InMemoryBM25Retriever, InMemoryEmbeddingRetriever

from esculape.choices import Choice
from esculape.settings import Settings
from pipelines.stores.in_memory import EsculapeInMemoryStore, IndexNotFoundError
from pipelines.stores.search_engine import Engine


class StoreKind(Choice):
    """The document stores Esculape runs on."""

    MEMORY = "memory"
    OPENSEARCH = "opensearch"
    ELASTICSEARCH = "elasticsearch"

    @classmethod
    def noun(cls) -> str:
        return "store (ESCULAPE_STORE)"


def engine_store(settings: Settings, index: str | None = None, embedding_dim: int = 512) -> Any:
    """An OpenSearch or Elasticsearch store for the settings, on ``index`` (default: the alias).

    Nothing is sent to the cluster until the store is used.
    """
    kind = StoreKind.from_str(settings.store)
    if kind is StoreKind.OPENSEARCH:
        from pipelines.stores.opensearch import EsculapeOpenSearchStore

        return EsculapeOpenSearchStore(
            settings.opensearch_url, index=index or settings.index_name, embedding_dim=embedding_dim
        )
    if kind is StoreKind.ELASTICSEARCH:
        from pipelines.stores.elasticsearch import EsculapeElasticsearchStore

        return EsculapeElasticsearchStore(
            settings.es_url, index=index or settings.index_name, embedding_dim=embedding_dim
        )
    raise ValueError(f"'{settings.store}' is not a search-engine store")


def open_store(settings: Settings) -> Any:
    """The store named by the settings, ready to search.

    :raises IndexNotFoundError: when nothing was ingested yet (no folder, or no alias on the cluster).
    :raises SearchEngineUnavailableError: when the cluster does not answer.
    :raises IndexMismatchError: when the alias points to an index built differently.
    """
    kind = StoreKind.from_str(settings.store)
    if kind is StoreKind.MEMORY:
        return EsculapeInMemoryStore.load_from_disk(settings.index_dir)

    store = engine_store(settings)
    store.admin.info()
    if not store.admin.exists(store.index_name):
        url = store.admin.url
        raise IndexNotFoundError(
            f"No index '{store.index_name}' on {kind.value} at {url}: run "
            f"`ESCULAPE_STORE={kind.value} esculape ingest` first."
        )
    store.check_compatible()
    return store


def text_retrievers(store: Any, top_k: int) -> tuple[Any, Any]:
    """The BM25 and embedding retrievers of ``store``'s family (Haystack components)."""
    if isinstance(store, EsculapeInMemoryStore):
        return (
            InMemoryBM25Retriever(document_store=store, top_k=top_k),
            InMemoryEmbeddingRetriever(document_store=store, top_k=top_k),
        )
    if store.admin.engine is Engine.OPENSEARCH:
        from pipelines.stores.opensearch import text_retrievers as opensearch_retrievers

        return opensearch_retrievers(store, top_k)
    from pipelines.stores.elasticsearch import text_retrievers as elasticsearch_retrievers

    return elasticsearch_retrievers(store, top_k)


def all_documents(store: Any) -> Iterable[Document]:
    """Every stored passage (without embeddings on the search engines): the embedded store's own
    documents, or a scroll over the index."""
    if isinstance(store, EsculapeInMemoryStore):
        return store.storage.values()
    return store.filter_documents()
