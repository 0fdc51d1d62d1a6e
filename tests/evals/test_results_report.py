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
    _write(folder, "mcq-casimedicos-dev-rag-generate-20261203-220000.json", MCQ)
    (folder / "mcq-casimedicos-dev-rag-generate-20261203-220000.md").write_text("| EMR |\n|---|\n| 12.0 |\n")
    _write(folder, "bench_answer-20261203-200134.json", BENCH)
    return folder


def test_section_comes_from_the_latest_full_runs(results):
    section = build_section(results)
    assert "retrieval-summary-20261203-185328.json" in section
    assert "| hand (69) | hybrid | 0.500 | 0.700 | 0.750 | 0.600 | 0.610 |" in section
    assert "| faithfulness | 0.500 | 0.100 | 25 % | 3 / 4 | 0 |" in section
    assert "| context_recall | – | – | – | 0 / 0 | 4 |" in section
    assert "2 of 3 answers judged (set aside: 1 abstained), 2 run(s), wall time 812 s" in section
    assert (
        "`esculape eval mcq --dataset casimedicos --split dev --mode rag`" in section
        and "| 12.0 |" in section
    )
    # p50 of (10, 30) = 20; p95 with linear interpolation = 29.
    assert "| 2 | 20.0 s / 29.0 s | 30.0 s / 39.0 s | 1 |" in section


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
