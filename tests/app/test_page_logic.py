"""Page logic that needs no model answer (Streamlit's AppTest on the small real index): abstentions and
their flags, settings that re-run the question, the compare view, French errors when the store or the
model fails, and what long answers and many sources look like."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from evals.app_server import free_port

APP = Path(__file__).resolve().parents[2] / "app.py"

pytestmark = pytest.mark.corpus

# A drug no source knows: the evidence gate abstains before the model, and shows the closest passages.
UNKNOWN_DRUG = "Quelle est la posologie du zorvexamab chez l'adulte ?"


def _app(timeout: int = 300) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=timeout)
    app.run()
    return app


def test_abstention_is_flagged_and_shows_the_closest_sources(app_env):
    app = _app()
    app.chat_input[0].set_value(UNKNOWN_DRUG).run()
    assert not app.exception
    turn = app.session_state["turns"][-1]
    assert turn["result"]["abstained"]
    warnings = " ".join(w.value for w in app.warning)
    assert "zorvexamab" in warnings and "couvrent trop peu" in warnings
    assert len([e for e in app.expander if e.label.startswith("**\\[")]) == len(turn["result"]["sources"]) > 0


def test_changing_a_setting_reruns_the_last_question(app_env):
    app = _app()
    app.chat_input[0].set_value(UNKNOWN_DRUG).run()
    first = app.session_state["turns"][-1]
    app.sidebar.radio(key="mode").set_value("bm25").run()
    assert not app.exception
    turns = app.session_state["turns"]
    assert len(turns) == 1 and turns[0]["id"] != first["id"]
    assert turns[0]["rerun"] and turns[0]["settings"]["mode"] == "bm25"
    assert any("relancée" in c.value for c in app.caption)

    app.sidebar.multiselect(key="sources").set_value(["has_opinion"]).run()
    sources = app.session_state["turns"][0]["result"]["sources"]
    assert app.session_state["turns"][0]["settings"]["sources"] == ["has_opinion"]
    assert sources and {s["source"] for s in sources} == {"has_opinion"}


def test_stop_words_question_gets_a_french_notice(app_env):
    app = _app()
    app.chat_input[0].set_value("le la les").run()
    assert not app.exception
    assert any("aucun terme recherchable" in info.value for info in app.info)


def test_compare_view_puts_the_three_modes_side_by_side(app_env):
    app = _app()
    app.sidebar.radio(key="view").set_value("compare").run()
    assert not app.exception
    assert [h.value for h in app.subheader] == ["Lexical (BM25)", "Sémantique (dense)", "Hybride (fusion)"]
    columns = [h.proto.body for h in app.get("html") if h.proto.body.startswith('<div class="esc-compare')]
    assert len(columns) == 3
    assert any("esc-differs" in body for body in columns)  # dense finds other passages than BM25
    assert all("<mark>" in body for body in columns[:1])


def test_missing_index_is_explained_in_french(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("ESCULAPE_DATA_DIR", str(tmp_path))
    app = _app()
    assert not app.exception
    assert "Aucun index" in app.error[0].value


def test_store_that_does_not_answer_gives_a_french_error_and_the_page_stays_usable(app_env, monkeypatch):
    monkeypatch.setenv("ESCULAPE_STORE", "opensearch")
    monkeypatch.setenv("ESCULAPE_OPENSEARCH_URL", f"http://127.0.0.1:{free_port()}")
    app = _app()
    assert not app.exception
    assert "ne répond pas" in app.error[0].value
    app.chat_input[0].set_value(UNKNOWN_DRUG).run()
    assert not app.exception and "ne répond pas" in app.error[0].value
    app.sidebar.radio(key="view").set_value("feedback").run()
    assert not app.exception and len(app.download_button) == 2


def test_missing_model_gives_a_french_error_and_the_session_goes_on(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("ESCULAPE_LLM", f"llamacpp:{tmp_path / 'absent.gguf'}")
    app = _app()
    assert not app.exception
    assert app.error and "modèle de langue" in app.error[0].value
    app.chat_input[0].set_value("Peut-on associer apixaban et clarithromycine ?").run()
    app.chat_input[0].set_value(UNKNOWN_DRUG).run()
    assert not app.exception
    turns = app.session_state["turns"]
    assert len(turns) == 2 and all("modèle de langue" in turn["error"] for turn in turns)
    app.sidebar.radio(key="view").set_value("compare").run()  # retrieval still works without the model
    assert not app.exception and len(app.subheader) == 3


def _render_long_turn() -> None:
    """A turn with a 6,000-character answer and 20 sources whose text carries HTML."""
    import streamlit as st

    from app import CSS, render_answer
    from pipelines.analysis.french import FrenchAnalyzer

    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script> [lien](javascript:alert(3))'
    sources = [
        {
            "n": n,
            "kind": "passage",
            "doc_id": f"doc-{n}",
            "source": "notice",
            "publisher": "ANSM",
            "title": f"Notice {n} {hostile}",
            "date": "2026-01",
            "url": "javascript:alert(4)",
            "content": f"Insuffisance rénale sévère, passage {n}. {hostile}\n" + "Texte du passage. " * 150,
            "ranks": {"bm25": n, "hybrid": n},
            "scores": {"bm25": 1.0 / n, "hybrid": 0.5 / n},
            "sent_to_model": True,
            "cited": n <= 10,
            "reconstructed": False,
        }
        for n in range(1, 21)
    ]
    answer = "\n".join(f"Phrase {i} sur l'insuffisance rénale [{i % 20 + 1}]. {hostile}" for i in range(60))
    result = {
        "question": "insuffisance rénale",
        "standalone_question": "insuffisance rénale",
        "answer": answer,
        "citations": [{"n": s["n"], "doc_id": s["doc_id"], "title": s["title"]} for s in sources[:10]],
        "sources": sources,
        "drug_cards": [],
        "interactions": [],
        "flags": [{"code": "uncited_sentence", "message": f"Phrase sans citation : « {hostile} »"}],
        "notices": [],
        "timings": {"retrieval": 0.01, "first_token": 1.0, "total": 2.0},
        "model": "test",
    }
    turn = {"id": "long", "question": "insuffisance rénale", "settings": {"mode": "hybrid"}, "result": result}
    st.html(CSS)
    render_answer(turn, FrenchAnalyzer())


def test_long_answers_and_twenty_sources_render_as_text_never_as_html():
    app = AppTest.from_function(_render_long_turn, default_timeout=120)
    app.run()
    assert not app.exception
    assert len([e for e in app.expander if e.label.startswith("**\\[")]) == 20
    bodies = [h.proto.body for h in app.get("html") if h.proto.body.startswith('<div class="esc-passage')]
    assert len(bodies) == 20
    for body in bodies:
        assert "<img" not in body and "<script" not in body and "&lt;script&gt;" in body
        assert "<mark>Insuffisance</mark>" in body
    rendered = " ".join(m.value for m in app.markdown) + " ".join(e.label for e in app.expander)
    # Markdown sources: every « < » and every link bracket is backslash-escaped, so they render as text.
    assert not re.search(r"(?<!\\)<", rendered) and not re.search(r"(?<!\\)\]\(", rendered)
    assert not app.get("link_button")  # a javascript: URL gets no link
