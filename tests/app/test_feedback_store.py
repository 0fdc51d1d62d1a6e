"""Feedback in SQLite (WAL): one row per answer, scrubbed; exported as CSV and Parquet by polars, from
the store and from ``esculape feedback export``."""

import json

import polars as pl
import pytest

from esculape.cli import main as cli_main
from esculape.workbench.feedback import AnswerRecord, FeedbackStore

RECORD = AnswerRecord(
    question="Mme Durand, 06 12 34 56 78 : apixaban et clarithromycine ?",
    answer="Association déconseillée [1].",
    sources=[
        {
            "n": 1,
            "kind": "interaction_check",
            "doc_id": "card:x",
            "title": "Interactions",
            "content": "x" * 900,
        }
    ],
    settings={"mode": "hybrid", "passages": 5},
    model="llamacpp · test.gguf",
    corpus_version="versions bdpm-2026-01",
    user="dupont",
)


@pytest.fixture
def store(tmp_path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "fb" / "feedback.sqlite")


def test_feedback_on_one_answer_updates_one_row(store):
    store.save("t1", RECORD, rating=-1)
    store.save("t1", RECORD, comment="Appeler le 06 12 34 56 78")
    store.save("t1", RECORD, wrong_citation=1)
    store.save("t1", RECORD, wrong_citation=1)
    store.save("t2", RECORD, rating=1)
    rows = store.rows()
    assert len(rows) == 2
    first = rows[0]
    assert first["rating"] == -1 and first["comment"] == "Appeler le [téléphone]"
    assert json.loads(first["wrong_citations"]) == [1]
    assert first["question"] == "Mme [nom], [téléphone] : apixaban et clarithromycine ?"
    source = json.loads(first["sources"])[0]
    assert source["doc_id"] == "card:x" and len(source["excerpt"]) == 300
    assert first["user"] == "dupont" and first["model"] == RECORD.model


@pytest.mark.parametrize("export_format", ["csv", "parquet"])
def test_export_reads_back_with_polars(store, tmp_path, export_format):
    store.save("t1", RECORD, rating=1, comment="utile")
    output = tmp_path / f"retours.{export_format}"
    assert store.export(output, export_format) == 1
    frame = pl.read_csv(output) if export_format == "csv" else pl.read_parquet(output)
    assert frame.height == 1 and frame["comment"][0] == "utile" and frame["rating"][0] == 1
    assert "corpus_version" in frame.columns and "settings" in frame.columns


def test_unknown_format_lists_the_valid_ones(store):
    with pytest.raises(ValueError, match="expected one of csv, parquet"):
        store.export_bytes("xlsx")


def test_cli_exports_the_feedback(store, tmp_path, capsys):
    store.save("t1", RECORD, rating=1)
    output = tmp_path / "out" / "retours.parquet"
    code = cli_main(
        ["feedback", "export", "--format", "parquet", "--output", str(output), "--db", str(store.path)]
    )
    assert code == 0 and pl.read_parquet(output).height == 1
    assert "1 feedback row(s)" in capsys.readouterr().err


def test_cli_without_database_says_what_to_do(tmp_path, capsys):
    code = cli_main(
        ["feedback", "export", "--output", str(tmp_path / "x.csv"), "--db", str(tmp_path / "none.db")]
    )
    assert code == 2 and "ESCULAPE_FEEDBACK_DB" in capsys.readouterr().err
