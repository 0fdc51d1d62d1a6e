"""The README's results section: generated from result files only, deterministic, loud when one is missing."""

import json
import shutil
from pathlib import Path

import pytest

from evals.report import END, START, ReportError, build_section, main, replace_section

RETRIEVAL = {
    "date": "2026-12-03T18:53:28",
    "settings": {"store": "memory", "split": "test", "limit": None},
    "counts": {"generated": 772, "hand": 69},
    "summary": {
        "hand": {"hybrid": {"recall@1": 0.5, "recall@5": 0.7, "recall@10": 0.75, "mrr": 0.6, "ndcg@10": 0.61}}
    },
}
FAITHFULNESS = {
    "date": "2026-12-03T23:00:00",
    "model": "llamacpp · qwen",
    "judge": "llamacpp · qwen",
    "settings": {"runs": 2},
    "counts": {"answers": 3, "judged": 2, "skipped": {"abstained": 1, "refused": 0}},
    "wall_seconds": 812.4,
    "summary": {
        "faithfulness": {
            "mean": 0.5, "spread": 0.1, "nan_share": 0.25, "scored": 3, "attempted": 4, "not_computed": 0
        },
        "context_recall": {
            "mean": None, "spread": None, "nan_share": None, "scored": 0, "attempted": 0, "not_computed": 4
        },
    },
}  # fmt: skip
MCQ = {"dataset": "casimedicos", "split": "dev", "mode": "rag", "summaries": {}, "baselines": {}}
BENCH = {
    "model": "llamacpp · qwen",
    "records": [
        {"generated": True, "first_token_s": 10.0, "total_s": 20.0},
        {"generated": True, "first_token_s": 30.0, "total_s": 40.0},
        {"generated": False, "first_token_s": None, "total_s": 0.01},
    ],
}

_INGEST = {
    "total_passages": 56935,
    "process_seconds": 235.4,
    "peak_memory_mb": 2754,
    "embedding": {"embedded": 55061},
}
_SECOND = _INGEST | {"process_seconds": 1.0, "embedding": {}}
BENCH_RETRIEVAL = {
    "cpus": 2,
    "ingest": [{"kind": "cold", "first": _INGEST, "second": _SECOND}],
    "latency": {"passages": 56935, "latency": {"hybrid": {"queries": 300, "p50_ms": 3.4, "p95_ms": 11.1}}},
}
# A later latency-only run: its latency is shown, the ingest figures stay those of the cold run.
BENCH_LATENCY = {"cpus": 2, "ingest": [], "latency": BENCH_RETRIEVAL["latency"] | {"passages": 60000}}
INTERACTIONS = {"pairs": 2694, "exact": 2693, "share": 2693 / 2694, "misses": [{"pair": "x"}]}
APP = {
    "summary": {
        "questions": 10, "first_token_p50": 9.37, "first_token_p95": 15.58, "total_p50": 13.5,
        "total_p95": 29.03, "llm": "llamacpp", "browser": "Debian Chromium, headless (Playwright)",
    }
}  # fmt: skip


def _write(folder: Path, name: str, data: dict) -> None:
    (folder / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def results(tmp_path) -> Path:
    folder = tmp_path / "results"
    folder.mkdir()
    _write(folder, "retrieval-summary-20261203-185328.json", RETRIEVAL)
    # An older full run, and a newer quick run with --limit: neither may reach the README.
    _write(folder, "retrieval-summary-20261201-000000.json", RETRIEVAL | {"counts": {"hand": 1}})
    limited = RETRIEVAL | {"settings": {"store": "memory", "split": "test", "limit": 5}}
    _write(folder, "retrieval-summary-20261204-000000.json", limited)
    _write(folder, "faithfulness-summary-20261203-230000.json", FAITHFULNESS)
    precision = {"mean": 0.8, "spread": None, "nan_share": 0.0, "scored": 2, "attempted": 2}
    precision["not_computed"] = 0
    _write(
        folder,
        "faithfulness-summary-20261204-010000.json",
        FAITHFULNESS | {"settings": {"runs": 1}, "summary": {"context_precision": precision}},
    )
    _write(folder, "mcq-casimedicos-dev-rag-generate-20261203-220000.json", MCQ)
    (folder / "mcq-casimedicos-dev-rag-generate-20261203-220000.md").write_text("| EMR |\n|---|\n| 12.0 |\n")
    _write(folder, "bench_answer-20261203-200134.json", BENCH)
    _write(folder, "bench_retrieval-20261203-184904.json", BENCH_RETRIEVAL)
    _write(folder, "bench_retrieval-20261203-185345.json", BENCH_LATENCY)
    _write(folder, "bench_interactions-20261203-214519.json", INTERACTIONS)
    _write(folder, "app-ttft-20261204-050904.json", APP)
    return folder


def test_section_comes_from_the_latest_full_runs(results):
    section = build_section(results)
    assert "retrieval-summary-20261203-185328.json" in section
    assert "| hand (69) | hybrid | 0.500 | 0.700 | 0.750 | 0.600 | 0.610 |" in section
    assert "| faithfulness | 0.500 | 0.100 | 25 % | 3 / 4 | 0 | 20261203-230000 |" in section
    assert "| context_recall | – | – | – | 0 / 0 | 4 | 20261203-230000 |" in section
    assert "2 of 3 answers judged (set aside: 1 abstained), 2 run(s), wall time 812 s" in section
    # A later run of one metric on the cached answers replaces that metric's row only.
    assert "| context_precision | 0.800 | – | 0 % | 2 / 2 | 0 | 20261204-010000 |" in section
    assert "faithfulness-summary-20261204-010000.json" in section
    assert (
        "`esculape eval mcq --dataset casimedicos --split dev --mode rag`" in section
        and "| 12.0 |" in section
    )
    # p50 of (10, 30) = 20; p95 with linear interpolation = 29.
    assert "| 2 | 20.0 s / 29.0 s | 30.0 s / 39.0 s | 1 |" in section
    assert "| first (fresh index, empty cache) | 56,935 | 235.4 s | 2,754 MB | 55,061 |" in section
    assert "| second (nothing changed) | 56,935 | 1.0 s | 2,754 MB | 0 |" in section
    assert "| query mode (60,000 passages) | queries | p50 | p95 |" in section
    assert "| hybrid | 300 | 3.4 ms | 11.1 ms |" in section
    assert "2,693 of 2,694 thesaurus pairs" in section and "(99.96 %, 1 miss(es))" in section
    assert "| 10 | 9.4 s / 15.6 s | 13.5 s / 29.0 s |" in section


def test_generation_is_deterministic(results, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Titre\n\nAvant.\n\n{START}\nancien\n{END}\n\nAprès.\n", encoding="utf-8")
    assert main(["--results", str(results), "--readme", str(readme)]) == 0
    first = readme.read_text(encoding="utf-8")
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)  # other file times, same content
    assert main(["--results", str(copy), "--readme", str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == first
    assert main(["--results", str(results), "--readme", str(readme), "--check"]) == 0
    assert first.startswith("# Titre\n\nAvant.\n\n") and first.endswith(f"{END}\n\nAprès.\n")
    assert "ancien" not in first


@pytest.mark.parametrize(
    "pattern, command",
    [
        ("faithfulness-summary-*", "esculape eval faithfulness"),
        ("mcq-*", "esculape eval mcq"),
        ("retrieval-summary-2026120[13]*", "esculape eval retrieval"),
        ("bench_answer-*", "python -m evals.answer.bench_answer"),
        ("bench_retrieval-*", "python -m evals.bench_retrieval"),
        ("bench_interactions-*", "python -m evals.answer.bench_interactions"),
        ("app-ttft-*", "python -m evals.bench_app"),
    ],
)
def test_missing_result_fails_and_names_the_command(results, tmp_path, capsys, pattern, command):
    for path in results.glob(pattern):
        path.unlink()
    with pytest.raises(ReportError, match=command):
        build_section(results)
    readme = tmp_path / "README.md"
    readme.write_text(f"{START}\n{END}\n", encoding="utf-8")
    assert main(["--results", str(results), "--readme", str(readme)]) == 2
    assert command in capsys.readouterr().err
    assert readme.read_text(encoding="utf-8") == f"{START}\n{END}\n"  # nothing half-written
    assert "not run yet" in build_section(results, allow_missing=True)


def test_stale_readme_is_detected(results, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"{START}\ntapé à la main\n{END}\n", encoding="utf-8")
    assert main(["--results", str(results), "--readme", str(readme), "--check"]) == 1


@pytest.mark.parametrize("text", ["no markers", f"{END}\n{START}", f"{START}\n{START}\n{END}"])
def test_markers_must_be_there_once_and_in_order(text):
    with pytest.raises(ReportError, match="exactly one"):
        replace_section(text, "x")


def test_the_repository_readme_has_the_markers():
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1


def test_the_repository_readme_shows_the_committed_results():
    """The README's results section is what `python -m evals.report` makes of the committed run files."""
    assert main(["--check"]) == 0, "run `python -m evals.report` and commit the README"
