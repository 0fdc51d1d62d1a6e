"""The index Esculape creates and the requests its stores send, checked without a cluster.

Elasticsearch cannot be started from the registries here, so its index body and the BM25 / k-NN bodies its
store sends are checked as built; the live suite (``tests/pipelines/retrieval/test_stores.py``) runs them
against a cluster when ``ESCULAPE_ES_URL`` names one.
"""

import pytest

from esculape.settings import Settings
from pipelines.analysis.stopwords import CLINICAL_KEEP_WORDS, FRENCH_STOPWORDS
from pipelines.stores.elasticsearch import EsculapeElasticsearchStore, text_retrievers
from pipelines.stores.errors import IndexMismatchError, SearchEngineUnavailableError
from pipelines.stores.factory import StoreKind, open_store
from pipelines.stores.search_engine import (
    ANALYZER_NAME,
    Engine,
    expected_meta,
    index_body,
    mapping_problems,
)

FILTERS = {"field": "meta.source", "operator": "in", "value": ["interaction", "bdpm"]}


@pytest.mark.parametrize("engine", list(Engine))
def test_passage_text_uses_the_french_clinical_analyzer(engine):
    body = index_body(engine, embedding_dim=512)
    analyzer = body["settings"]["index"]["analysis"]["analyzer"][ANALYZER_NAME]
    assert body["mappings"]["properties"]["content"] == {"type": "text", "analyzer": ANALYZER_NAME}
    # Elision and lower case first, then stop words, the stemmer, and accent folding last (Snowball needs
    # the accents), as in pipelines.analysis.french.
    chain = analyzer["filter"]
    assert chain[:3] == ["esculape_elision", "lowercase", "esculape_stop"]
    assert chain[-2:] == ["esculape_stemmer", "asciifolding"]
    filters = body["settings"]["index"]["analysis"]["filter"]
    assert filters["esculape_stemmer"] == {"type": "stemmer", "language": "french"}
    assert body["settings"]["index"]["query"]["default_field"] == ["content"]


def test_stop_list_is_the_curated_one_that_keeps_negations():
    stop = set(
        index_body(Engine.OPENSEARCH, 512)["settings"]["index"]["analysis"]["filter"]["esculape_stop"][
            "stopwords"
        ]
    )
    assert stop >= FRENCH_STOPWORDS
    assert not stop & CLINICAL_KEEP_WORDS
    assert {"pas", "ne", "sans", "jamais", "avant", "chez"}.isdisjoint(stop)
    assert {"déjà", "deja", "été", "ete"} <= stop


def test_opensearch_vector_field_is_lucene_hnsw_cosine():
    body = index_body(Engine.OPENSEARCH, embedding_dim=384)
    vector = body["mappings"]["properties"]["embedding"]
    assert vector["type"] == "knn_vector" and vector["dimension"] == 384
    assert vector["method"]["engine"] == "lucene" and vector["method"]["space_type"] == "cosinesimil"
    assert body["settings"]["index"]["knn"] is True


def test_elasticsearch_vector_field_is_dense_vector_cosine():
    body = index_body(Engine.ELASTICSEARCH, embedding_dim=512)
    vector = body["mappings"]["properties"]["embedding"]
    assert vector == {
        "type": "dense_vector",
        "dims": 512,
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "hnsw", "m": 16, "ef_construction": 128},
    }
    assert "knn" not in body["settings"]["index"]


@pytest.mark.parametrize("engine", list(Engine))
def test_metadata_fields_are_mapped_for_filtering(engine):
    properties = index_body(engine, 512)["mappings"]["properties"]
    for name in ("source", "publisher", "cis", "substances", "date", "version", "interaction_sides"):
        assert properties[name]["type"] == "keyword", name
    assert properties["commercialised"] == {"type": "boolean"}
    assert properties["dense_text"] == {"type": "text", "index": False}


@pytest.mark.parametrize("engine", list(Engine))
def test_an_index_built_differently_is_described(engine):
    mapping = index_body(engine, 512)["mappings"]
    assert mapping_problems(mapping, engine, 512) == []
    assert "384" in " ".join(mapping_problems(mapping, engine, 384))
    assert mapping_problems({"properties": {"content": {"type": "text"}}}, engine, 512) == [
        "it was not created by Esculape (no _meta.esculape in its mapping)"
    ]
    other = {**mapping, "_meta": {"esculape": {**expected_meta(512), "analyzer": "french-v0"}}}
    assert "french-v0" in " ".join(mapping_problems(other, engine, 512))


def test_mismatch_error_says_what_to_do_in_both_languages():
    error = IndexMismatchError("esculape", ["its vectors have 384 dimensions but the embedder gives 512"])
    assert "esculape ingest --force" in str(error) and "384" in str(error)
    assert "relancez l'indexation" in error.french


@pytest.mark.parametrize(
    ("store", "variable", "hint"),
    [
        ("opensearch", "ESCULAPE_OPENSEARCH_URL", "make opensearch-start"),
        ("elasticsearch", "ESCULAPE_ES_URL", "README"),
    ],
)
def test_unreachable_cluster_is_an_actionable_error(store, variable, hint):
    settings = Settings()
    settings.store = store
    settings.opensearch_url = settings.es_url = "http://127.0.0.1:1"
    with pytest.raises(SearchEngineUnavailableError) as raised:
        open_store(settings)
    assert (
        "http://127.0.0.1:1" in str(raised.value)
        and variable in str(raised.value)
        and hint in str(raised.value)
    )
    assert "ne répond pas" in raised.value.french


def test_unknown_store_lists_the_valid_ones():
    with pytest.raises(ValueError, match="memory, opensearch, elasticsearch"):
        StoreKind.from_str("solr")


class RecordingElasticsearchStore(EsculapeElasticsearchStore):
    """Records the search bodies instead of sending them (no cluster here)."""

    def __init__(self) -> None:
        super().__init__(url="http://127.0.0.1:1", index="esculape")
        self.sent: list[dict] = []

    def _search_documents(self, **kwargs):
        self.sent.append(kwargs)
        return []


def test_elasticsearch_bm25_query_is_exact_on_the_passage_text_with_filters():
    store = RecordingElasticsearchStore()
    bm25, _ = text_retrievers(store, top_k=50)
    bm25.run(query="apixaban clarithromycine", filters=FILTERS)
    body = store.sent[0]
    match = body["query"]["bool"]["must"][0]["multi_match"]
    # No fields: the index's query.default_field (content) applies; no fuzziness: like the embedded store.
    assert "fields" not in match and match["fuzziness"] == "0" and match["operator"] == "OR"
    assert body["size"] == 50
    assert body["query"]["bool"]["filter"] == {
        "bool": {"must": {"terms": {"source": ["interaction", "bdpm"]}}}
    }


def test_elasticsearch_knn_query_filters_during_the_search():
    store = RecordingElasticsearchStore()
    _, dense = text_retrievers(store, top_k=50)
    dense.run(query_embedding=[0.1] * 512, filters=FILTERS)
    knn = store.sent[0]["knn"]
    assert knn["field"] == "embedding" and knn["k"] == 50 and knn["num_candidates"] == 500
    assert knn["filter"] == {"bool": {"must": {"terms": {"source": ["interaction", "bdpm"]}}}}


@pytest.mark.parametrize("command", [["search", "apixaban"], ["ingest", "--quiet"]])
def test_cli_reports_an_unreachable_cluster_without_a_traceback(command, tmp_path):
    import os
    import subprocess
    import sys

    # A one-file corpus of its own, so that the cluster is what fails, with or without ../shared/data.
    documents = tmp_path / "corpus" / "documents"
    documents.mkdir(parents=True)
    protocol = "# Protocole local\n\nLe paracétamol est un antalgique.\n"
    (documents / "protocole.md").write_text(protocol, encoding="utf-8")
    env = {
        **os.environ,
        "ESCULAPE_STORE": "opensearch",
        "ESCULAPE_OPENSEARCH_URL": "http://127.0.0.1:1",
        "ESCULAPE_DATA_DIR": str(tmp_path / "data"),
        "ESCULAPE_CORPUS": str(tmp_path / "corpus"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "esculape.cli", *command], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 2, result.stderr
    assert "Cannot reach opensearch at http://127.0.0.1:1" in result.stderr
    assert "make opensearch-start" in result.stderr and "Traceback" not in result.stderr


def test_bulk_writes_retry_a_bounded_number_of_times_then_say_what_to_do(caplog):
    from haystack import Document

    from pipelines.stores.opensearch import EsculapeOpenSearchStore

    store = EsculapeOpenSearchStore(url="http://127.0.0.1:1", index="esculape", embedding_dim=8)
    store.write_attempts = 3
    with pytest.raises(SearchEngineUnavailableError, match="connection refused"):
        store.write_documents([Document(id="a", content="apixaban")])
    retries = [record for record in caplog.records if "Bulk write" in record.getMessage()]
    assert [record.getMessage().split("(")[1].split(")")[0] for record in retries] == [
        "attempt 1 of 3",
        "attempt 2 of 3",
    ]
