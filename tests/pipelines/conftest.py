"""Fixtures of the pipeline tests: a live OpenSearch node, or a skip that says how to start one."""

import pytest

from tests.pipelines.clusters import opensearch_url_or_skip


@pytest.fixture
def opensearch_url() -> str:
    """A live OpenSearch node's URL (see :func:`opensearch_url_or_skip`)."""
    return opensearch_url_or_skip()
