"""The ``esculape`` command: actionable errors, never a traceback, JSON that scripts can read."""

import json
import os
import subprocess
import sys

import pytest


def _run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "esculape.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=600,
    )


def test_missing_corpus_folder_is_reported_with_the_fix(tmp_path):
    result = _run("ingest", "--corpus", str(tmp_path / "absent"), env={"ESCULAPE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "not found" in result.stderr and "ESCULAPE_CORPUS" in result.stderr
    assert "Traceback" not in result.stderr


def test_search_without_index_says_to_ingest(tmp_path):
    result = _run("search", "apixaban", env={"ESCULAPE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "esculape ingest" in result.stderr


@pytest.mark.corpus
def test_ingest_then_search_json(mini_corpus, tmp_path):
    env = {"ESCULAPE_DATA_DIR": str(tmp_path), "ESCULAPE_CORPUS": str(mini_corpus)}
    ingest = _run("ingest", "--json", "--quiet", "--sources", "interaction", "bdpm", env=env)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["passages_per_source"]["interaction"] > 0

    search = _run("search", "clarithromycine apixaban", "--json", "--top-k", "3", env=env)
    assert search.returncode == 0, search.stderr
    hits = json.loads(search.stdout)
    assert len(hits) == 3
    assert {"doc_id", "source", "title", "content", "date", "url", "cis", "score", "ranks"} <= set(hits[0])

    empty = _run("search", "", env=env)
    assert empty.returncode == 2 and "vide" in empty.stderr and "Traceback" not in empty.stderr


@pytest.mark.corpus
def test_ask_json_with_a_real_small_model(mini_corpus, tmp_path):
    env = {
        "ESCULAPE_DATA_DIR": str(tmp_path),
        "ESCULAPE_CORPUS": str(mini_corpus),
        "ESCULAPE_LLM": "llamacpp:smollm2",
    }
    ingest = _run("ingest", "--quiet", "--sources", "interaction", "bdpm", env=env)
    assert ingest.returncode == 0, ingest.stderr
    ask = _run("ask", "Peut-on associer apixaban et clarithromycine ?", "--json", env=env)
    assert ask.returncode == 0, ask.stderr
    record = json.loads(ask.stdout)
    keys = {"answer", "citations", "drug_cards", "interactions", "abstained", "flags", "timings"}
    assert keys <= set(record)
    assert "Association DECONSEILLEE" in record["interactions"][0]["level"]  # copied from the data
    assert record["answer"] and record["citations"] and not record["abstained"]
    assert {"n", "doc_id", "source", "title", "date", "url", "reconstructed"} <= set(record["citations"][0])
    assert record["timings"]["first_token"] is not None
    assert "SmolLM2" in record["model"] or "smollm" in record["model"].lower()

    empty = _run("ask", "  ", env=env)
    assert empty.returncode == 2 and "vide" in empty.stderr and "Traceback" not in empty.stderr
