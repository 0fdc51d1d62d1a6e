"""Ingest end to end on a small real corpus: idempotent, incremental, resumable, then searchable."""

import json
import shutil

import pytest

from esculape.settings import Settings
from pipelines.indexing.indexer import Indexer
from pipelines.retrieval.searcher import QueryError, Searcher
from pipelines.stores.in_memory import EsculapeInMemoryStore

pytestmark = pytest.mark.corpus


def _settings(corpus, data_dir) -> Settings:
    settings = Settings()
    settings.corpus = corpus
    settings.data_dir = data_dir
    settings.embedder = "use"
    return settings


@pytest.fixture(scope="module")
def ingested(mini_corpus, tmp_path_factory):
    """The mini corpus ingested once; tests that change files work on their own copy."""
    data_dir = tmp_path_factory.mktemp("data")
    settings = _settings(mini_corpus, data_dir)
    summary = Indexer(settings, progress_bar=False).run()
    return settings, summary


def test_first_ingest_indexes_every_source_and_embeds_them(ingested):
    settings, summary = ingested
    assert set(summary.passages_per_source) == {"bdpm", "has_opinion", "interaction", "notice", "case_report"}
    total = sum(summary.passages_per_source.values())
    assert summary.changes["new"] == total
    assert summary.embedding["embedded"] + summary.embedding["from_cache"] > 0
    store = EsculapeInMemoryStore.load_from_disk(settings.index_dir)
    assert store.count_documents() == total
    assert store.manifest["embedder"] == "use"


def test_second_ingest_with_nothing_changed_does_nothing(ingested):
    settings, summary = ingested
    again = Indexer(settings, progress_bar=False).run()
    assert again.up_to_date
    forced = Indexer(settings, progress_bar=False).run(force=True)
    assert forced.changes.get("new", 0) == 0 and forced.changes.get("changed", 0) == 0
    assert forced.changes["unchanged"] == sum(summary.passages_per_source.values())
    assert forced.embedding.get("embedded", 0) == 0


def test_changed_and_removed_files_update_only_what_changed(mini_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(mini_corpus, corpus)
    settings = _settings(corpus, tmp_path / "data")
    first = Indexer(settings, progress_bar=False).run()

    # A leaflet withdrawn, and one thesaurus entry whose conduct changed.
    leaflet = sorted((corpus / "bdpm_notices_e3c_fr").glob("*.json"))[0]
    leaflet_id = leaflet.stem
    leaflet.unlink()
    thesaurus_file = next((corpus / "ansm_thesaurus_interactions_2020-10").glob("thesaurus-*.json"))
    entries = json.loads(thesaurus_file.read_text(encoding="utf-8"))
    entries[0]["interaction_mechanism"] += " Surveillance clinique renforcée."
    thesaurus_file.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")

    second = Indexer(settings, progress_bar=False).run()
    assert second.changes["changed"] == 1
    assert second.changes["removed"] >= 1
    assert second.changes.get("new", 0) == 0
    assert second.embedding["embedded"] <= 1  # the changed entry, unless its embedded text did not change

    store = EsculapeInMemoryStore.load_from_disk(settings.index_dir)
    assert not [doc_id for doc_id in store.storage if doc_id.startswith(f"notice:{leaflet_id}:")]
    assert store.count_documents() == sum(first.passages_per_source.values()) - second.changes["removed"]


def test_interrupted_ingest_keeps_the_previous_index_and_resumes_from_the_cache(
    mini_corpus, tmp_path, monkeypatch
):
    settings = _settings(mini_corpus, tmp_path / "data")
    Indexer(settings, progress_bar=False).run(sources=["interaction"])
    before = EsculapeInMemoryStore.load_from_disk(settings.index_dir).count_documents()

    from pipelines.embedders import components

    calls = {"n": 0}
    original = components.CachedDocumentEmbedder._embed_missing

    def crash_after_first_batch(self, cache, missing, *args, **kwargs):
        calls["n"] += 1
        original(self, cache, missing[: self.batch_size], *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(components.CachedDocumentEmbedder, "_embed_missing", crash_after_first_batch)
    with pytest.raises(KeyboardInterrupt):
        Indexer(settings, progress_bar=False, batch_size=8).run(sources=["has_opinion"])
    monkeypatch.undo()

    assert EsculapeInMemoryStore.load_from_disk(settings.index_dir).count_documents() == before
    resumed = Indexer(settings, progress_bar=False, batch_size=8).run(sources=["has_opinion"])
    assert resumed.embedding["from_cache"] >= 8


def test_search_finds_the_interaction_with_per_retriever_traces(ingested):
    settings, _ = ingested
    searcher = Searcher.from_settings(settings)
    result = searcher.search("Peut-on associer apixaban et clarithromycine ?", mode="hybrid", top_k=5)
    top = result.documents[0]
    assert top.meta["source"] == "interaction"
    assert "APIXABAN" in top.content
    assert set(top.meta["ranks"]) == {"bm25", "dense", "pairs", "records", "hybrid"}
    assert top.meta["ranks"]["pairs"] == 1  # the drug retriever found the pair
    assert top.meta["ranks"]["hybrid"] == 1

    only_has = searcher.search(
        "metformine service médical rendu",
        top_k=5,
        filters={"field": "meta.source", "operator": "==", "value": "has_opinion"},
    )
    assert only_has.documents and all(doc.meta["source"] == "has_opinion" for doc in only_has.documents)

    # The drug retriever obeys the filters too: no interaction or BDPM record slips into a filtered search.
    filtered = searcher.search(
        "Peut-on associer apixaban et clarithromycine ?",
        top_k=10,
        filters={"field": "meta.source", "operator": "in", "value": ["has_opinion", "notice"]},
    )
    assert all(doc.meta["source"] in ("has_opinion", "notice") for doc in filtered.documents)


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_bad_queries_get_french_messages(ingested, mode):
    settings, _ = ingested
    searcher = Searcher.from_settings(
        settings, weights={"bm25": 0.5, "dense": 0.1, "pairs": 0.3, "records": 0.1}
    )
    with pytest.raises(QueryError, match="vide"):
        searcher.search("   ", mode=mode)
    with pytest.raises(QueryError, match="aucun terme recherchable"):
        searcher.search("le la les de du et", mode=mode)
    long = searcher.search("amiodarone et simvastatine " * 400, mode=mode, top_k=3)
    assert long.notices and "2000 premiers" in long.notices[0]
    assert long.documents
