"""Benchmark (not a test): full-corpus ingest time and peak memory, then query latency per mode.

    python -m evals.bench_retrieval --ingest cold   # fresh index and empty embedding cache
    python -m evals.bench_retrieval --ingest warm   # fresh index, existing embedding cache
    python -m evals.bench_retrieval                 # latency only, on the existing index

Each ingest runs ``esculape ingest --json`` in a child process so that its peak memory is its own; the
second ingest, with nothing changed, shows the incremental path. Latency is measured on questions from
the retrieval evaluation sets, after one warm-up query per mode, and includes query analysis, query
embedding, both retrievers, fusion and tracing (what the app waits for).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from esculape.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"


def _ingest(env: dict[str, str]) -> dict:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "esculape.cli", "ingest", "--json", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"ingest failed:\n{completed.stderr}")
    summary = json.loads(completed.stdout)
    summary["process_seconds"] = round(time.perf_counter() - started, 1)
    return summary


def bench_ingest(kind: str) -> dict:
    """Run a fresh ingest (``cold``: empty embedding cache too) and a second one with nothing changed."""
    settings = Settings.from_env()
    with tempfile.TemporaryDirectory(prefix="esculape-bench-") as scratch:
        env = dict(os.environ)
        env["ESCULAPE_DATA_DIR"] = scratch
        if kind == "warm" and settings.cache_dir.exists():
            target = Path(scratch) / "cache" / "embeddings"
            target.parent.mkdir(parents=True)
            os.symlink(settings.cache_dir, target)
        first = _ingest(env)
        second = _ingest(env)
    return {"kind": kind, "first": first, "second": second}


def bench_latency(questions: int) -> dict:
    """p50/p95 query latency per mode on the persisted index."""
    from evals.retrieval.run import load_sets
    from pipelines.retrieval.searcher import Searcher

    searcher = Searcher.from_settings()
    sets = load_sets(split="test")
    texts = [q["question"] for q in sets["hand"] + sets["generated"]]
    texts = texts[:questions]
    table = {}
    for mode in ("bm25", "dense", "hybrid"):
        searcher.search("apixaban clarithromycine", mode=mode, top_k=10)
        timings = []
        for text in texts:
            started = time.perf_counter()
            searcher.search(text, mode=mode, top_k=10)
            timings.append((time.perf_counter() - started) * 1000)
        table[mode] = {
            "queries": len(timings),
            "p50_ms": round(float(np.percentile(timings, 50)), 1),
            "p95_ms": round(float(np.percentile(timings, 95)), 1),
            "mean_ms": round(statistics.fmean(timings), 1),
        }
    return {
        "passages": searcher.store.count_documents(),
        "embedder": searcher.embedder_spec,
        "latency": table,
    }


def format_report(report: dict) -> str:
    """Markdown tables of the benchmark."""
    lines = []
    for run in report.get("ingest", []):
        first, second = run["first"], run["second"]
        lines += [
            f"### Ingest ({run['kind']} embedding cache)",
            "",
            "| run | passages | wall time (s) | peak memory (MB) | embedded | from cache |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, item in (("first (fresh index)", first), ("second (nothing changed)", second)):
            embedding = item.get("embedding", {})
            lines.append(
                f"| {name} | {item['total_passages']:,} | {item['process_seconds']} "
                f"| {item['peak_memory_mb']:,} "
                f"| {embedding.get('embedded', 0):,} | {embedding.get('from_cache', 0):,} |"
            )
        lines += ["", "| source | passages |", "|---|---:|"]
        lines += [f"| {k} | {v:,} |" for k, v in sorted(first["passages_per_source"].items())]
        lines.append("")
    if "latency" in report:
        latency = report["latency"]
        lines += [
            f"### Query latency ({latency['passages']:,} passages, embedder `{latency['embedder']}`)",
            "",
            "| mode | queries | p50 (ms) | p95 (ms) | mean (ms) |",
            "|---|---:|---:|---:|---:|",
        ]
        for mode, row in latency["latency"].items():
            lines.append(
                f"| {mode} | {row['queries']} | {row['p50_ms']} | {row['p95_ms']} | {row['mean_ms']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write ``evals/results/bench_retrieval-<time>.json``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ingest", choices=["cold", "warm"], action="append", default=[])
    parser.add_argument("--questions", type=int, default=300, help="queries per mode for latency")
    parser.add_argument("--no-latency", action="store_true")
    args = parser.parse_args(argv)

    report: dict = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count()}
    report["ingest"] = [bench_ingest(kind) for kind in args.ingest]
    if not args.no_latency:
        report["latency"] = bench_latency(args.questions)

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench_retrieval-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(format_report(report))
    print(f"\n(written to {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
