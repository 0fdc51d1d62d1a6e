"""OpenSearch store: ``opensearch-haystack``'s document store on the index Esculape defines.

The index (French analysis, ``knn_vector`` with the Lucene HNSW engine, metadata mapped for filters) is
created by :mod:`pipelines.stores.alias` from :func:`pipelines.stores.search_engine.index_body`; this
store reads and writes it through the alias, with the integration's retrievers on top.

Usage example (a node started with ``make opensearch-start`` and an index built with
``ESCULAPE_STORE=opensearch esculape ingest``):

```python
from pipelines.stores.opensearch import EsculapeOpenSearchStore, text_retrievers

store = EsculapeOpenSearchStore(url="http://127.0.0.1:9250", index="esculape")
bm25, dense = text_retrievers(store, top_k=50)
bm25.run(query="apixaban clarithromycine")["documents"][0].meta["title"]
```
"""

import logging
import os
from typing import Any

from haystack_integrations.components.retrievers.opensearch import (
    OpenSearchBM25Retriever,
    OpenSearchEmbeddingRetriever,
)
from haystack_integrations.document_stores.opensearch import OpenSearchDocumentStore
from haystack_integrations.document_stores.opensearch.filters import normalize_filters
from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import (
    AuthenticationException,
    AuthorizationException,
    ConnectionError,  # noqa: A004  (the client's name)
    ConnectionTimeout,
    NotFoundError,
)

from pipelines.stores.engine_store import IndexAdmin, SearchEngineStoreMixin
from pipelines.stores.search_engine import Engine

logger = logging.getLogger(__name__)
# The client logs every failed request with its traceback at WARNING; Esculape reports connection failures
# itself, as one actionable line (errors.SearchEngineUnavailableError).
logging.getLogger("opensearch").setLevel(logging.ERROR)

DEFAULT_URL = "http://127.0.0.1:9250"
REQUEST_TIMEOUT = 120
# HNSW candidates examined per k-NN query (Lucene engine). With k alone (50), the top 10 shared 82 % of the
# exact cosine top 10 of the embedded store on 269 evaluation questions; with 400, 95 % (the rest are ties
# between passages with the same embedded text), for about the same latency on the full corpus.
EF_SEARCH = 400
_UNREACHABLE = (ConnectionError, ConnectionTimeout, AuthenticationException, AuthorizationException)


class OpenSearchAdmin(IndexAdmin):
    """Index-level operations through ``opensearch-py``.

    :param url: the cluster URL; credentials, when needed, in ``OPENSEARCH_USERNAME`` and
        ``OPENSEARCH_PASSWORD`` (as for the integration's store).
    :param timeout: seconds allowed per request (bulk writes and server-side copies take the longest).
    """

    engine = Engine.OPENSEARCH
    url_setting = "ESCULAPE_OPENSEARCH_URL"
    start_hint = "Start the test node with `make opensearch-start`."
    unreachable_errors = _UNREACHABLE
    not_found_error = NotFoundError
    scan_helper = staticmethod(helpers.scan)

    def __init__(self, url: str = DEFAULT_URL, timeout: int = REQUEST_TIMEOUT) -> None:
        super().__init__(url)
        user, password = os.environ.get("OPENSEARCH_USERNAME"), os.environ.get("OPENSEARCH_PASSWORD")
        auth = (user, password) if user and password else None
        self.client = OpenSearch(hosts=url, http_auth=auth, timeout=timeout, max_retries=0)

    def create_index(self, name: str, body: dict[str, Any]) -> None:
        with self.guard():
            self.client.indices.create(index=name, body=body)

    def put_meta(self, name: str, meta: dict[str, Any]) -> None:
        with self.guard():
            self.client.indices.put_mapping(index=name, body={"_meta": meta})

    def set_refresh_interval(self, name: str, interval: str) -> None:
        with self.guard():
            self.client.indices.put_settings(index=name, body={"index": {"refresh_interval": interval}})

    def count(self, name: str, query: dict[str, Any] | None = None) -> int:
        with self.guard():
            return int(self.client.count(index=name, body={"query": query} if query else None)["count"])

    def value_counts(self, name: str, field: str = "source") -> dict[str, int]:
        body = {"size": 0, "aggs": {"values": {"terms": {"field": field, "size": 1000}}}}
        with self.guard():
            buckets = self.client.search(index=name, body=body)["aggregations"]["values"]["buckets"]
        return {bucket["key"]: bucket["doc_count"] for bucket in buckets}

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        with self.guard():
            self.client.indices.update_aliases(body={"actions": actions})

    def copy(self, source: str, target: str, query: dict[str, Any]) -> int:
        body = {"source": {"index": source, "query": query}, "dest": {"index": target}}
        with self.guard():
            response = self.client.reindex(body=body, wait_for_completion=True, refresh=True)
        return int(response.get("created", 0)) + int(response.get("updated", 0))


class EsculapeOpenSearchStore(SearchEngineStoreMixin, OpenSearchDocumentStore):
    """``OpenSearchDocumentStore`` on an Esculape index (never created with the integration's defaults).

    :param url: the cluster URL.
    :param index: the alias (or concrete index) to search and write.
    :param embedding_dim: dimensions of the passage vectors.
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
        OpenSearchDocumentStore.__init__(
            self, hosts=url, index=index, embedding_dim=embedding_dim, create_index=False, timeout=timeout
        )
        self.url = url
        self.index_name = index
        self.admin = OpenSearchAdmin(url, timeout=timeout)
        self._init_mixin(write_batch=write_batch)

    def _engine_filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        return normalize_filters(filters)


def text_retrievers(
    store: EsculapeOpenSearchStore, top_k: int
) -> tuple[OpenSearchBM25Retriever, OpenSearchEmbeddingRetriever]:
    """The BM25 and k-NN retrievers of the query pipeline.

    BM25 is exact (no fuzziness, like the embedded store) and searches ``content`` only (the index's
    ``query.default_field``). k-NN examines ``EF_SEARCH`` graph candidates and filters inside the HNSW
    search (Lucene efficient filtering), so a filtered query still gets ``top_k`` passages.
    """
    return (
        OpenSearchBM25Retriever(document_store=store, top_k=top_k, fuzziness=0),
        OpenSearchEmbeddingRetriever(
            document_store=store,
            top_k=top_k,
            efficient_filtering=True,
            search_kwargs={"method_parameters": {"ef_search": max(EF_SEARCH, top_k)}},
        ),
    )
