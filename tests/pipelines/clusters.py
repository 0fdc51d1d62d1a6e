"""Search-engine clusters for the store tests: a live node, or a skip that says how to start one.

``.ci/run`` starts a node and sets ``ESCULAPE_OPENSEARCH_URL``: there, a node that does not answer fails
the tests. A developer's plain ``make test`` without a node skips them, naming ``make opensearch-start``.
Elasticsearch tests run only when ``ESCULAPE_ES_URL`` names a cluster.
"""

import os
import uuid

import pytest

from esculape.settings import DEFAULT_OPENSEARCH_URL
from pipelines.stores.errors import SearchEngineUnavailableError

STORE_KINDS = ("memory", "opensearch", "elasticsearch")


def opensearch_url_or_skip() -> str:
    """The URL of a live OpenSearch node, or skip (fail in CI, where the node must be up)."""
    from pipelines.stores.opensearch import OpenSearchAdmin

    configured = os.environ.get("ESCULAPE_OPENSEARCH_URL")
    url = configured or DEFAULT_OPENSEARCH_URL
    try:
        OpenSearchAdmin(url, timeout=5).info()
    except SearchEngineUnavailableError as error:
        if configured:
            pytest.fail(f"ESCULAPE_OPENSEARCH_URL is set but the node does not answer: {error}")
        pytest.skip(f"no OpenSearch node at {url}: start one with `make opensearch-start` (CI starts it)")
    return url


def elasticsearch_url_or_skip() -> str:
    """The URL given by ``ESCULAPE_ES_URL``, or skip: no Elasticsearch can be started from packages here."""
    from pipelines.stores.elasticsearch import ElasticsearchAdmin

    url = os.environ.get("ESCULAPE_ES_URL")
    if not url:
        pytest.skip(
            "ESCULAPE_ES_URL is not set: the live Elasticsearch suite needs a cluster (see the README)"
        )
    try:
        ElasticsearchAdmin(url, timeout=5).info()
    except SearchEngineUnavailableError as error:
        pytest.fail(f"ESCULAPE_ES_URL is set but the cluster does not answer: {error}")
    return url


def cluster_url_or_skip(kind: str) -> str | None:
    """The cluster URL for a store kind (``None`` for the embedded store), or skip."""
    if kind == "opensearch":
        return opensearch_url_or_skip()
    if kind == "elasticsearch":
        return elasticsearch_url_or_skip()
    return None


def unique_index_name(prefix: str = "test") -> str:
    """An alias name no other test (or developer index) uses."""
    return f"esculape-{prefix}-{uuid.uuid4().hex[:8]}"
