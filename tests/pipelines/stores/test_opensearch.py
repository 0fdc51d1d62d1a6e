"""The OpenSearch store on a real node: French analysis parity, versioned indexes and the alias switch,
bulk writes, filters past the integration's 10,000-hit cap, and the errors a user can act on.

Skipped, with the way to start a node, when none answers (``make opensearch-start``); ``.ci/run`` starts one.
"""

import pytest
from haystack import Document
from haystack.document_stores.types import DuplicatePolicy

from esculape.settings import Settings
from pipelines.analysis.french import FrenchAnalyzer
from pipelines.stores.alias import VersionedIndex
from pipelines.stores.errors import IndexCheckError, IndexMismatchError
from pipelines.stores.factory import open_store
from pipelines.stores.opensearch import EsculapeOpenSearchStore, OpenSearchAdmin
from pipelines.stores.search_engine import ANALYZER_NAME, Engine, index_body
from tests.pipelines.clusters import unique_index_name

# Clinical sentences exercising each step of the French analysis (elisions, negation, compounds, numbers,
# units, ligatures, accents, kept words).
SENTENCES = [
    "L'insuffisance rénale contre-indique l'association.",
    "Ne pas associer chez l'enfant de moins de 6 ans.",
    "Les AINS sont contre-indiqués pendant la grossesse ; contre indication absolue.",
    "n'associez pas d'anti-inflammatoire ni de bêta-bloquant",
    "2.5mg puis 1\u00a0000 mg par jour, 100 mcg de vitamine B12 et HbA1c < 7 %",
    "Œdème et sécurité d'emploi après la prise ; cutanee, derniere dose",
    "jusqu'à 3 fois par jour, sans adaptation posologique chez le sujet âgé",
]


@pytest.fixture
def admin(opensearch_url):
    return OpenSearchAdmin(opensearch_url)


@pytest.fixture
def alias(admin):
    """A fresh alias name; every index behind it (and the name itself) is deleted afterwards."""
    name = unique_index_name("alias")
    yield name
    for index in admin.alias_targets(name):
        admin.delete_index(index)
    if admin.exists(name) and not admin.is_alias(name):
        admin.delete_index(name)


def _analyze(admin: OpenSearchAdmin, index: str, text: str) -> list[str]:
    response = admin.client.indices.analyze(index=index, body={"analyzer": ANALYZER_NAME, "text": text})
    return [token["token"] for token in response["tokens"]]


def _passages(count: int, prefix: str = "p") -> list[Document]:
    return [
        Document(id=f"{prefix}{i}", content=f"Passage {i} sur la clarithromycine", meta={"source": "bdpm"})
        for i in range(count)
    ]


def test_index_analyzer_gives_the_terms_of_the_python_analysis(admin, alias):
    versions = VersionedIndex(admin, alias, embedding_dim=8)
    index = versions.create()
    analyzer = FrenchAnalyzer()
    for sentence in SENTENCES:
        assert _analyze(admin, index, sentence) == analyzer(sentence), sentence


def test_switch_moves_the_alias_then_deletes_the_old_index(admin, alias):
    versions = VersionedIndex(admin, alias, embedding_dim=8)
    first = versions.create()
    store = EsculapeOpenSearchStore(admin.url, index=first, embedding_dim=8)
    store.write_documents(_passages(3), policy=DuplicatePolicy.OVERWRITE)
    versions.check(first, {"bdpm": 3}, embedded=False)
    assert versions.switch(first) is None and admin.alias_targets(alias) == [first]

    second = versions.create()
    EsculapeOpenSearchStore(admin.url, index=second, embedding_dim=8).write_documents(
        _passages(5), policy=DuplicatePolicy.OVERWRITE
    )
    versions.check(second, {"bdpm": 5}, embedded=False)
    assert versions.switch(second) == first
    assert admin.alias_targets(alias) == [second] and not admin.exists(first)
    assert EsculapeOpenSearchStore(admin.url, index=alias, embedding_dim=8).count_documents() == 5


def test_a_new_index_that_fails_its_checks_never_goes_live(admin, alias):
    versions = VersionedIndex(admin, alias, embedding_dim=8)
    live = versions.create()
    EsculapeOpenSearchStore(admin.url, index=live, embedding_dim=8).write_documents(
        _passages(3), policy=DuplicatePolicy.OVERWRITE
    )
    versions.check(live, {"bdpm": 3}, embedded=False)
    versions.switch(live)

    broken = versions.create()
    EsculapeOpenSearchStore(admin.url, index=broken, embedding_dim=8).write_documents(
        _passages(2), policy=DuplicatePolicy.OVERWRITE
    )
    with pytest.raises(IndexCheckError, match="still points to the previous index"):
        versions.check(broken, {"bdpm": 3}, embedded=False)
    versions.discard(broken)
    assert admin.alias_targets(alias) == [live] and not admin.exists(broken)
    with pytest.raises(IndexCheckError, match="Refusing to delete"):
        versions.discard(live)


def test_a_concrete_index_holding_the_alias_name_is_reported(admin, alias):
    admin.create_index(alias, index_body(Engine.OPENSEARCH, 8))
    with pytest.raises(IndexCheckError, match="concrete index, not an alias"):
        VersionedIndex(admin, alias, embedding_dim=8).current()


def test_writes_are_idempotent_upserts_by_id(admin, alias):
    index = VersionedIndex(admin, alias, embedding_dim=8).create()
    store = EsculapeOpenSearchStore(admin.url, index=index, embedding_dim=8, write_batch=2)
    assert store.write_documents(_passages(5), policy=DuplicatePolicy.OVERWRITE) == 5
    assert store.write_documents(_passages(5), policy=DuplicatePolicy.OVERWRITE) == 5
    store.refresh()
    assert store.count_documents() == 5


def test_filter_documents_returns_more_than_ten_thousand_passages(admin, alias):
    index = VersionedIndex(admin, alias, embedding_dim=8).create()
    store = EsculapeOpenSearchStore(admin.url, index=index, embedding_dim=8, write_batch=2000)
    store.write_documents(_passages(10_050), policy=DuplicatePolicy.OVERWRITE)
    store.refresh()
    found = store.filter_documents({"field": "meta.source", "operator": "==", "value": "bdpm"})
    assert len(found) == 10_050 and len({doc.id for doc in found}) == 10_050


def test_an_index_with_other_dimensions_is_refused_with_the_fix(admin, alias):
    versions = VersionedIndex(admin, alias, embedding_dim=8)
    index = versions.create()
    versions.switch(index)
    store = EsculapeOpenSearchStore(admin.url, index=alias, embedding_dim=8)
    with pytest.raises(IndexMismatchError, match="8 dimensions but the embedder gives 512") as raised:
        store.check_compatible(embedding_dim=512)
    assert "esculape ingest --force" in str(raised.value)


def test_searching_before_any_ingest_says_to_ingest(opensearch_url, alias):
    from pipelines.stores.in_memory import IndexNotFoundError

    settings = Settings()
    settings.store, settings.opensearch_url, settings.index_name = "opensearch", opensearch_url, alias
    with pytest.raises(IndexNotFoundError, match="ESCULAPE_STORE=opensearch esculape ingest"):
        open_store(settings)


@pytest.mark.corpus
def test_reingest_builds_a_new_index_and_keeps_unloaded_sources(opensearch_url, mini_corpus, tmp_path, alias):
    from pipelines.indexing.indexer import Indexer

    settings = Settings()
    settings.corpus, settings.data_dir, settings.embedder = mini_corpus, tmp_path, "use"
    settings.store, settings.opensearch_url, settings.index_name = "opensearch", opensearch_url, alias
    first = Indexer(settings, progress_bar=False).run()
    admin = OpenSearchAdmin(opensearch_url)
    [first_index] = admin.alias_targets(alias)

    # Only the thesaurus is reloaded: the other sources are copied from the live index on the server.
    partial = Indexer(settings, progress_bar=False).run(sources=["interaction"])
    [second_index] = admin.alias_targets(alias)
    assert second_index != first_index and not admin.exists(first_index)
    assert partial.passages_per_source == first.passages_per_source
    assert partial.changes["unchanged"] == first.passages_per_source["interaction"]
    assert partial.embedding.get("embedded", 0) == 0
