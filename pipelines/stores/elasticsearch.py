"""Elasticsearch store: ``elasticsearch-haystack``'s document store on the index Esculape defines.

Same index as on OpenSearch (:mod:`pipelines.stores.search_engine`), with a ``dense_vector`` field
(HNSW, cosine) in place of ``knn_vector``. The integration creates indexes with a mapping only, without
settings, so it would lose the French analyzer: the index is therefore created by
:mod:`pipelines.stores.alias`, and this store only reads and writes it through the alias.

Usage example (a cluster at ``ESCULAPE_ES_URL``, an index built with
``ESCULAPE_STORE=elasticsearch esculape ingest``):

```python
from pipelines.stores.elasticsearch import EsculapeElasticsearchStore, text_retrievers

store = EsculapeElasticsearchStore(url="http://127.0.0.1:9200", index="esculape")
bm25, dense = text_retrievers(store, top_k=50)
```
"""

import logging
import os
from typing import Any

from elasticsearch import (
    AuthenticationException,
    AuthorizationException,
    ConnectionError,  # noqa: A004  (the client's name)
    ConnectionTimeout,
    Elasticsearch,
    NotFoundError,
    helpers,
)
from haystack_integrations.components.retrievers.elasticsearch import (
    ElasticsearchBM25Retriever,
    ElasticsearchEmbeddingRetriever,
)
from haystack_integrations.document_stores.elasticsearch import ElasticsearchDocumentStore
from haystack_integrations.document_stores.elasticsearch.filters import _normalize_filters

from pipelines.stores.engine_store import IndexAdmin, SearchEngineStoreMixin
from pipelines.stores.search_engine import Engine, index_mappings

logger = logging.getLogger(__name__)
# The client logs failed requests and retries at WARNING; Esculape reports connection failures itself, as
# one actionable line (errors.SearchEngineUnavailableError).
logging.getLogger("elastic_transport").setLevel(logging.ERROR)

DEFAULT_URL = "http://127.0.0.1:9200"
REQUEST_TIMEOUT = 120
# Candidates each shard examines per k-NN query, as a multiple of top_k (the integration's default).
NUM_CANDIDATES_FACTOR = 10
_UNREACHABLE = (ConnectionError, ConnectionTimeout, AuthenticationException, AuthorizationException)


class ElasticsearchAdmin(IndexAdmin):
    """Index-level operations through ``elasticsearch-py`` (8.x).

    :param url: the cluster URL; an API key, when needed, in ``ELASTIC_API_KEY``.
    :param timeout: seconds allowed per request.
    """

    engine = Engine.ELASTICSEARCH
    url_setting = "ESCULAPE_ES_URL"
    start_hint = "Start a cluster as the README shows (Search engines section)."
    unreachable_errors = _UNREACHABLE
    not_found_error = NotFoundError
    scan_helper = staticmethod(helpers.scan)

    def __init__(self, url: str = DEFAULT_URL, timeout: int = REQUEST_TIMEOUT) -> None:
        super().__init__(url)
        api_key = os.environ.get("ELASTIC_API_KEY") or None
        self.client = Elasticsearch(hosts=url, api_key=api_key, request_timeout=timeout, max_retries=0)

    def create_index(self, name: str, body: dict[str, Any]) -> None:
        with self.guard():
            self.client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])

    def put_meta(self, name: str, meta: dict[str, Any]) -> None:
        with self.guard():
            self.client.indices.put_mapping(index=name, meta=meta)

    def set_refresh_interval(self, name: str, interval: str) -> None:
        with self.guard():
            self.client.indices.put_settings(index=name, settings={"index": {"refresh_interval": interval}})

    def count(self, name: str, query: dict[str, Any] | None = None) -> int:
        with self.guard():
            return int(self.client.count(index=name, query=query)["count"])

    def value_counts(self, name: str, field: str = "source") -> dict[str, int]:
        aggs = {"values": {"terms": {"field": field, "size": 1000}}}
        with self.guard():
            buckets = self.client.search(index=name, size=0, aggs=aggs)["aggregations"]["values"]["buckets"]
        return {bucket["key"]: bucket["doc_count"] for bucket in buckets}

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        with self.guard():
            self.client.indices.update_aliases(actions=actions)

    def copy(self, source: str, target: str, query: dict[str, Any]) -> int:
        with self.guard():
            response = self.client.reindex(
                source={"index": source, "query": query},
                dest={"index": target},
                wait_for_completion=True,
                refresh=True,
            )
        return int(response.get("created", 0)) + int(response.get("updated", 0))


class EsculapeElasticsearchStore(SearchEngineStoreMixin, ElasticsearchDocumentStore):
    """``ElasticsearchDocumentStore`` on an Esculape index.

    :param url: the cluster URL.
    :param index: the alias (or concrete index) to search and write.
    :param embedding_dim: dimensions of the passage vectors (only used if the integration ever had to
        create the index itself, which Esculape avoids).
    :param timeout: seconds allowed per request.
    :param write_batch: passages per bulk request.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        index: str = "esculape",
        embedding_dim: int = 512,
        timeout: int = REQUEST_TIMEOUT,
        write_batch: int = 500,
    ) -> None:
        ElasticsearchDocumentStore.__init__(
            self,
            hosts=url,
            index=index,
            custom_mapping=index_mappings(Engine.ELASTICSEARCH, embedding_dim),
            request_timeout=timeout,
        )
        self.url = url
        self.index_name = index
        self.admin = ElasticsearchAdmin(url, timeout=timeout)
        self._init_mixin(write_batch=write_batch)

    def _engine_filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        return _normalize_filters(filters)


def text_retrievers(
    store: EsculapeElasticsearchStore, top_k: int
) -> tuple[ElasticsearchBM25Retriever, ElasticsearchEmbeddingRetriever]:
    """The BM25 and k-NN retrievers of the query pipeline.

    BM25 is exact (``fuzziness`` 0; the integration's default ``AUTO`` would match « apixaban » with
    « apixabar ») and searches ``content`` only (the index's ``query.default_field``). k-NN examines
    ``NUM_CANDIDATES_FACTOR`` × ``top_k`` candidates per shard and filters during the search.
    """
    return (
        ElasticsearchBM25Retriever(document_store=store, top_k=top_k, fuzziness="0"),
        ElasticsearchEmbeddingRetriever(
            document_store=store, top_k=top_k, num_candidates=top_k * NUM_CANDIDATES_FACTOR
        ),
    )
