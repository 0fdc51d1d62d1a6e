"""The same retrieval behaviour on every store: embedded (``memory``), OpenSearch and Elasticsearch.

Each store gets the small real corpus through ``esculape ingest``'s indexer, then the query pipeline a
user runs (BM25 + dense + drug retriever, client-side reciprocal rank fusion). OpenSearch runs on the node
``.ci/run`` starts (skipped with the way to start one when there is none); Elasticsearch runs when
``ESCULAPE_ES_URL`` names a cluster.
"""

import pytest

from esculape.settings import Settings
from pipelines.indexing.indexer import Indexer
from pipelines.retrieval.searcher import QueryError, Searcher
from tests.pipelines.clusters import STORE_KINDS, cluster_url_or_skip, unique_index_name

pytestmark = pytest.mark.corpus

INTERACTION_QUESTION = "Peut-on associer apixaban et clarithromycine ?"
INTERACTION_GOLD = "interaction:apixaban--inhibiteurs-puissants-du-cyp3a4"


def _settings(kind: str, corpus, data_dir) -> Settings:
    settings = Settings()
    settings.corpus = corpus
    settings.data_dir = data_dir
    settings.embedder = "use"
    settings.store = kind
    settings.index_name = unique_index_name(kind)
    url = cluster_url_or_skip(kind)
    if kind == "opensearch":
        settings.opensearch_url = url
    if kind == "elasticsearch":
        settings.es_url = url
    return settings


@pytest.fixture(scope="module")
def shared_data_dir(tmp_path_factory):
    """One data folder for every store, so the embedding cache is filled once."""
    return tmp_path_factory.mktemp("stores-data")


@pytest.fixture(scope="module", params=STORE_KINDS)
def ingested(request, mini_corpus, shared_data_dir):
    """The mini corpus ingested into one store; the search-engine indexes are deleted afterwards."""
    settings = _settings(request.param, mini_corpus, shared_data_dir)
    summary = Indexer(settings, progress_bar=False).run()
    yield settings, summary
    if settings.store != "memory":
        from pipelines.stores.factory import engine_store

        admin = engine_store(settings).admin
        for index in admin.alias_targets(settings.index_name):
            admin.delete_index(index)


@pytest.fixture(scope="module")
def searcher(ingested):
    return Searcher.from_settings(ingested[0])


@pytest.fixture(scope="module")
def memory_searcher(mini_corpus, shared_data_dir):
    """The embedded store's searcher, the reference the search engines are compared with."""
    settings = _settings("memory", mini_corpus, shared_data_dir)
    Indexer(settings, progress_bar=False).run()
    return Searcher.from_settings(settings)


def test_ingest_reports_every_source(ingested):
    _, summary = ingested
    assert set(summary.passages_per_source) == {"bdpm", "has_opinion", "interaction", "notice", "case_report"}
    assert summary.changes["new"] == sum(summary.passages_per_source.values())


def test_second_ingest_with_nothing_changed_is_up_to_date(ingested):
    settings, _ = ingested
    assert Indexer(settings, progress_bar=False).run().up_to_date


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_interaction_question_finds_the_thesaurus_entry_first(searcher, mode):
    result = searcher.search(INTERACTION_QUESTION, mode=mode, top_k=5)
    assert result.documents[0].id == INTERACTION_GOLD


def test_hybrid_keeps_each_retrievers_rank_and_score(searcher):
    first = searcher.search(INTERACTION_QUESTION, mode="hybrid", top_k=5).documents[0]
    assert first.meta["ranks"]["bm25"] == 1 and first.meta["ranks"]["pairs"] == 1
    assert first.meta["scores"]["bm25"] > 0 and first.meta["ranks"]["hybrid"] == 1


def test_dense_retrieval_answers_from_the_vectors(searcher):
    documents = searcher.search(INTERACTION_QUESTION, mode="dense", top_k=10).documents
    assert len(documents) == 10
    assert all(doc.meta["ranks"]["dense"] == rank for rank, doc in enumerate(documents, 1))


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_filters_apply_to_every_retriever(searcher, mode):
    filters = {"field": "meta.source", "operator": "in", "value": ["has_opinion"]}
    documents = searcher.search("apixaban", mode=mode, top_k=10, filters=filters).documents
    assert documents and {doc.meta["source"] for doc in documents} == {"has_opinion"}


def test_stop_words_only_query_is_refused_in_french(searcher):
    with pytest.raises(QueryError, match="aucun terme recherchable"):
        searcher.search("est-ce que c'est", mode="hybrid")


@pytest.mark.parametrize(
    "question",
    [
        "contre-indications de la clarithromycine",
        "metformine insuffisance rénale",
        "simvastatine et amiodarone : quelle dose maximale ?",
        "Eliquis SMR",
    ],
)
def test_bm25_top10_agrees_with_the_embedded_store(searcher, memory_searcher, question):
    if searcher.store is memory_searcher.store:
        pytest.skip("the embedded store is the reference")
    engine = [doc.id for doc in searcher.search(question, mode="bm25", top_k=10).documents]
    memory = [doc.id for doc in memory_searcher.search(question, mode="bm25", top_k=10).documents]
    # Same analysis and BM25 parameters; Lucene's lossy length norms reorder near ties only.
    assert len(set(engine) & set(memory)) >= 8, (engine, memory)
    assert engine[0] in memory[:3]


def test_document_frequencies_count_passages_per_analysed_term(searcher, memory_searcher):
    terms = searcher.store.analyzer("clarithromycine apixaban contre-indiqué")
    frequencies, total = searcher.store.document_frequencies(terms)
    expected, expected_total = memory_searcher.store.document_frequencies(terms)
    assert total == expected_total and frequencies == expected
    assert frequencies[terms[0]] > 0
