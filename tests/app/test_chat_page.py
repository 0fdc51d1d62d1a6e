"""The chat page with the real SmolLM2 on a small real index (Streamlit's AppTest): one interaction
question is answered once for the module, then each test checks what a clinician sees and does with it."""

import json
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from esculape.workbench.rendering import safe_markdown

APP = Path(__file__).resolve().parents[2] / "app.py"
TEST_LLM = "llamacpp:smollm2"  # the real small model of the tests (poor French, real tokens)

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

QUESTION = "Peut-on associer apixaban et clarithromycine ?"


@pytest.fixture(scope="module")
def answered(app_data_dir, tmp_path_factory):
    """The page after the question was asked (SmolLM2 writes the answer: about a minute on 2 cores)."""
    folder = tmp_path_factory.mktemp("chat")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESCULAPE_DATA_DIR", str(app_data_dir))
        patch.setenv("ESCULAPE_LLM", TEST_LLM)
        patch.setenv("ESCULAPE_FEEDBACK_DB", str(folder / "feedback.sqlite"))
        patch.delenv("ESCULAPE_USERS", raising=False)
        app = AppTest.from_file(str(APP), default_timeout=900)
        app.run()
        app.chat_input[0].set_value(QUESTION).run()
        yield app, folder / "feedback.sqlite"


def _turn(app):
    return app.session_state["turns"][-1]


def test_answer_is_streamed_then_shown_with_numbered_citations(answered):
    app, _ = answered
    assert not app.exception
    turn = _turn(app)
    result = turn["result"]
    assert not turn["error"] and result["model"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert result["timings"]["first_token"] is not None  # tokens reached the page's streaming callback
    shown = [" ".join(m.value.split()) for m in app.markdown]
    assert " ".join(safe_markdown(result["answer"]).split()) in shown
    citation_buttons = [b for b in app.button if b.key and b.key.startswith(f"cite-{turn['id']}-")]
    assert [b.label.split(" ")[0] for b in citation_buttons] == [
        f"**\\[{c['n']}\\]**" for c in result["citations"]
    ]
    assert citation_buttons, "the structured interaction facts are always cited"


def test_interactions_and_drug_cards_are_tables(answered):
    app, _ = answered
    tables = [t.value for t in app.table]
    interactions = next(t for t in tables if "Niveau" in t.columns and "Conduite à tenir" in t.columns)
    assert any("DECONSEILLEE" in str(level).upper() for level in interactions["Niveau"])
    assert any("Commercialisée" in t.columns for t in tables)  # the drug cards' specialties
    assert any("esc-badge" in h.proto.body for h in app.get("html"))  # the legend of the colours


def test_sources_show_origin_ranks_and_highlighted_terms(answered):
    app, _ = answered
    turn = _turn(app)
    labels = [e.label for e in app.expander if e.label.startswith("**\\[")]
    assert len(labels) == len(turn["result"]["sources"])
    passages = [h.proto.body for h in app.get("html") if "esc-passage" in h.proto.body]
    assert passages and any("<mark>" in body for body in passages)
    rank_tables = [t.value for t in app.table if "Rang" in t.value.columns]
    assert rank_tables and any("Fusion" in table.index for table in rank_tables)


def test_clicking_a_citation_opens_its_source(answered):
    app, _ = answered
    turn = _turn(app)
    first = turn["result"]["citations"][0]["n"]
    key = f"src-{turn['id']}-{first}"
    assert not app.session_state[key] if key in app.session_state else True
    app.button(key=f"cite-{turn['id']}-{first}").click().run()
    assert not app.exception
    assert app.session_state[key] is True


def test_feedback_is_stored_scrubbed_with_the_answer_context(answered):
    app, database = answered
    turn = _turn(app)
    app.feedback(key=f"thumbs-{turn['id']}").set_value(1).run()
    app.text_input(key=f"comment-{turn['id']}").input("Mme Martin (06 12 34 56 78) : réponse utile")
    app.button(key=f"FormSubmitter:comment-form-{turn['id']}-Envoyer le commentaire").click().run()
    app.button(key=f"wrong-{turn['id']}-2").click().run()
    assert not app.exception

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = connection.execute(
            "SELECT rating, comment, wrong_citations, question, answer, sources, settings, model, "
            "corpus_version FROM feedback"
        ).fetchall()
    assert len(rows) == 1
    rating, comment, wrong, question, answer, sources, settings, model, corpus = rows[0]
    assert rating == 1 and json.loads(wrong) == [2]
    assert comment == "Mme [nom] ([téléphone]) : réponse utile"
    assert question == QUESTION and answer
    assert [s["n"] for s in json.loads(sources)] == [s["n"] for s in turn["result"]["sources"]]
    assert json.loads(settings)["mode"] == "hybrid" and "SmolLM2" in model and "bdpm" in corpus
