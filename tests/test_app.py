"""The search workbench renders passages with their source and per-retriever ranks, and French errors."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from esculape.settings import Settings
from pipelines.indexing.indexer import Indexer

APP = Path(__file__).resolve().parents[1] / "app.py"

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def data_dir(mini_corpus, tmp_path_factory):
    settings = Settings()
    settings.corpus = mini_corpus
    settings.data_dir = tmp_path_factory.mktemp("app-data")
    Indexer(settings, progress_bar=False).run(sources=["bdpm", "interaction", "has_opinion"])
    return settings.data_dir


def test_question_shows_ranked_passages_with_sources(data_dir, monkeypatch):
    monkeypatch.setenv("ESCULAPE_DATA_DIR", str(data_dir))
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    app.text_input[0].input("Peut-on associer apixaban et clarithromycine ?").run()
    assert not app.exception
    headers = [expander.label for expander in app.expander]
    assert headers and "APIXABAN" in headers[0]
    assert any("rang BM25" in caption.value for caption in app.caption)


def test_missing_index_is_explained_in_french(tmp_path, monkeypatch):
    monkeypatch.setenv("ESCULAPE_DATA_DIR", str(tmp_path))
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    assert not app.exception
    assert "Aucun index" in app.error[0].value


def test_stop_words_only_question_gets_a_french_warning(data_dir, monkeypatch):
    monkeypatch.setenv("ESCULAPE_DATA_DIR", str(data_dir))
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    app.text_input[0].input("le la les").run()
    assert "aucun terme recherchable" in app.warning[0].value
