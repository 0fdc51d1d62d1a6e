"""``esculape eval mcq`` end to end with the real small model, its files, and its errors."""

import json
import os
import subprocess
import sys

import polars as pl
import pytest

from evals.mcq.likelihood import LabelScorer
from evals.mcq.loaders import load_split
from evals.mcq.report import write_run
from evals.mcq.run import run_mcq, sample_items
from tests.conftest import require_shared_data

SMALL_MODEL = {"ESCULAPE_LLM": "llamacpp:smollm2"}


def _run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "esculape.cli", "eval", "mcq", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **SMALL_MODEL, **(env or {})},
        check=False,
        timeout=600,
    )


@pytest.mark.corpus
@pytest.mark.parametrize("dataset", ["frenchmedmcqa", "casimedicos"])
def test_three_questions_in_both_scorings_print_the_summary(dataset):
    require_shared_data()
    result = _run("--dataset", dataset, "--limit", "3", "--scoring", "generate", "likelihood", "--json",
                  "--no-write")  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {"n", "emr", "hamming", "ecn_credit", "accuracy_single", "ci95"} <= set(summary)
    assert summary["n"] == 3 and summary["scoring"] == "generate"
    assert set(summary["by_scoring"]) == {"generate", "likelihood"}
    for row in summary["by_scoring"].values():
        assert 0.0 <= row["emr"] <= row["hamming"] <= 1.0  # an exact match is also a full Hamming score
        assert len(row["ci95"]["hamming"]) == 2
    assert set(summary["baselines"]) == {"fixed_letter", "all_options", "random_k"}
    assert "smollm2" in summary["model"].lower()


@pytest.mark.corpus
def test_a_run_writes_parquet_table_plot_and_settings(tmp_path):
    require_shared_data()
    from pipelines.generators.factory import load_generator

    items = sample_items(load_split("frenchmedmcqa", "dev"), 2, seed=5)
    run = run_mcq(items, ["likelihood"], scorer=LabelScorer(load_generator("llamacpp:smollm2")), seed=5)
    meta = {"dataset": "frenchmedmcqa", "split": "dev", "mode": "closed", "scorings": ["likelihood"],
            "model": "smollm2", "n": 2, "wall_seconds": run["wall_seconds"]}  # fmt: skip
    paths = write_run(run, meta, results_dir=tmp_path)

    records = pl.read_parquet(paths["parquet"])
    assert records.height == 2 and set(records["id"]) == {item.id for item in items}
    probabilities = records.select(pl.sum_horizontal(pl.col("^score_[a-e]$")))
    assert probabilities.to_series().to_list() == pytest.approx([1.0, 1.0])  # normalised over the labels
    assert "baseline: best fixed letter" in paths["md"].read_text(encoding="utf-8")
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"
    written = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert {"model", "date", "wall_seconds", "summaries", "baselines"} <= set(written)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "medqa"], "Unknown dataset 'medqa'"),
        (["--dataset", "casimedicos", "--file", "/nowhere/test.tsv"], "not found"),
        (["--dataset", "casimedicos", "--scoring", "evidence"], "use it with --mode rag"),
        (["--dataset", "casimedicos", "--mode", "open"], "Unknown mode 'open'"),
        (["--dataset", "casimedicos", "--scoring", "vote"], "Unknown scoring 'vote'"),
    ],
)
def test_bad_input_is_one_actionable_line(args, message):
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_malformed_file_is_reported_without_traceback(tmp_path):
    path = tmp_path / "test.tsv"
    path.write_text("QUESTION O\nTYPE: O\nseul\n", encoding="utf-8")
    result = _run("--dataset", "casimedicos", "--file", str(path))
    assert result.returncode == 2
    assert "test.tsv:3: malformed line" in result.stderr and "Traceback" not in result.stderr
