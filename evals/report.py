"""Regenerate the README's results section from the latest result files under ``evals/results/``.

The section sits between ``<!-- results:start -->`` and ``<!-- results:end -->``; everything between them is
replaced, nothing else in the README is touched. Each table names the file it comes from and the command
that wrote it, so that every figure can be traced and rerun. The output depends only on the files read: the
same files give the same section, byte for byte.

What is read (the latest file of each kind, by the time stamp in its name):

| section | files | command |
|---|---|---|
| retrieval | ``retrieval-summary-*.json`` (embedded store, test split, all) | ``esculape eval retrieval`` |
| ingest, latency | ``bench_retrieval-*.json`` (cold ingest; latency) | ``python -m evals.bench_retrieval`` |
| exam MCQ | ``mcq-*.json``, latest per dataset, split and mode | ``esculape eval mcq`` |
| faithfulness | ``faithfulness-summary-*.json`` | ``esculape eval faithfulness`` |
| interaction levels | ``bench_interactions-*.json`` | ``python -m evals.answer.bench_interactions`` |
| answer timing | ``bench_answer-*.json`` | ``python -m evals.answer.bench_answer`` |
| app, in a browser | ``app-ttft-*.json`` | ``python -m evals.bench_app`` |

Run::

    python -m evals.report                 # rewrite README.md's section
    python -m evals.report --check         # exit 1 if README.md is not up to date
    python -m evals.report --print         # print the section only
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "evals" / "results"
README = REPO_ROOT / "README.md"
START = "<!-- results:start -->"
END = "<!-- results:end -->"
_STAMP = re.compile(r"(\d{8}-\d{6})")


class ReportError(RuntimeError):
    """A result the section needs is missing or unreadable; the message names the command to run."""


def _stamp(path: Path) -> str:
    match = _STAMP.search(path.name)
    return match.group(1) if match else ""


def _load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ReportError(f"{path}: unreadable result file ({error})") from error


def _latest(
    results_dir: Path, pattern: str, command: str, keep: Callable[[dict[str, Any]], bool] = lambda _: True
) -> tuple[Path, dict[str, Any]]:
    for path in sorted(results_dir.glob(pattern), key=lambda p: (_stamp(p), p.name), reverse=True):
        data = _load(path)
        if keep(data):
            return path, data
    raise ReportError(f"no {pattern} in {_shown(results_dir)} that fits the README: run `{command}` first")


def _shown(folder: Path) -> str:
    """A folder as the README may show it: relative to the repository, so that output is machine-free."""
    try:
        return str(folder.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return folder.name


def _number(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def retrieval_section(results_dir: Path) -> str:
    """Recall@k, MRR and nDCG@10 per set and mode from the latest full retrieval run."""

    def full_run(data: dict[str, Any]) -> bool:
        settings = data.get("settings", {})
        return (
            settings.get("store", "memory") == "memory"
            and not settings.get("limit")
            and (settings.get("split", "test") == "test")
        )

    path, data = _latest(results_dir, "retrieval-summary-*.json", "esculape eval retrieval", full_run)
    lines = [
        f"**Retrieval** (`esculape eval retrieval`; run file `evals/results/{path.name}`, "
        f"{data['date'][:10]})",
        "",
        "| set | mode | recall@1 | recall@5 | recall@10 | MRR | nDCG@10 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, modes in data["summary"].items():
        count = data.get("counts", {}).get(name, "?")
        for mode, row in modes.items():
            cells = [row.get(key) for key in ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")]
            lines.append(f"| {name} ({count}) | {mode} | " + " | ".join(_number(v) for v in cells) + " |")
    return "\n".join(lines)


def ingest_latency_section(results_dir: Path) -> str:
    """Full ingest (cold cache, then nothing changed) and query latency per mode, from the benchmark."""
    command = "python -m evals.bench_retrieval --ingest cold"

    def cold_run(data: dict[str, Any]) -> dict[str, Any] | None:
        return next((run for run in data.get("ingest", []) if run.get("kind") == "cold"), None)

    ingest_path, ingest_data = _latest(
        results_dir, "bench_retrieval-*.json", command, lambda d: cold_run(d) is not None
    )
    latency_path, latency_data = _latest(
        results_dir, "bench_retrieval-*.json", "python -m evals.bench_retrieval", lambda d: "latency" in d
    )
    run = cold_run(ingest_data)
    first, second = run["first"], run["second"]
    latency = latency_data["latency"]
    lines = [
        f"**Ingest and query latency** (`{command}`; run files `evals/results/{ingest_path.name}`"
        + (f" and `{latency_path.name}`" if latency_path != ingest_path else "")
        + f", {ingest_data.get('cpus', '?')} CPU cores)",
        "",
        "| ingest of the corpus | passages | wall time | peak memory | texts embedded |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, row in (("first (fresh index, empty cache)", first), ("second (nothing changed)", second)):
        embedded = (row.get("embedding") or {}).get("embedded", 0)
        lines.append(
            f"| {label} | {row['total_passages']:,} | {row['process_seconds']:.1f} s | "
            f"{row['peak_memory_mb']:,} MB | {embedded:,} |"
        )
    lines += [
        "",
        f"| query mode ({latency['passages']:,} passages) | queries | p50 | p95 |",
        "|---|---:|---:|---:|",
    ]
    for mode, row in latency["latency"].items():
        lines.append(f"| {mode} | {row['queries']} | {row['p50_ms']:.1f} ms | {row['p95_ms']:.1f} ms |")
    return "\n".join(lines)


def interactions_section(results_dir: Path) -> str:
    """Share of thesaurus pairs whose interaction card gives the exact thesaurus level."""
    command = "python -m evals.answer.bench_interactions"
    path, data = _latest(results_dir, "bench_interactions-*.json", command)
    misses = len(data.get("misses", []))
    return (
        f"**Interaction levels** (`{command}`; run file `evals/results/{path.name}`): "
        f"{data['exact']:,} of {data['pairs']:,} thesaurus pairs (two substances, or a substance and a "
        f"class) get the exact thesaurus level through drug detection and the structured step "
        f"({100 * data['share']:.2f} %, {misses} miss(es))."
    )


def app_section(results_dir: Path) -> str:
    """Time from the question to the first streamed token, and to the whole answer, in a real browser."""
    command = "python -m evals.bench_app"
    path, data = _latest(results_dir, "app-ttft-*.json", command)
    summary = data["summary"]
    return "\n".join(
        [
            f"**The app in a browser** (`{command}`; run file `evals/results/{path.name}`): "
            f"{summary['browser']}, model `{summary['llm']}`, one fresh session per question.",
            "",
            "| questions | first streamed token p50 / p95 | whole answer p50 / p95 |",
            "|---:|---:|---:|",
            f"| {summary['questions']} "
            f"| {summary['first_token_p50']:.1f} s / {summary['first_token_p95']:.1f} s "
            f"| {summary['total_p50']:.1f} s / {summary['total_p95']:.1f} s |",
        ]
    )


def mcq_section(results_dir: Path) -> str:
    """The table of the latest MCQ run per dataset, split and mode (the run's own ``.md`` table)."""
    latest: dict[tuple[str, str, str], tuple[Path, dict[str, Any]]] = {}
    for path in sorted(results_dir.glob("mcq-*.json"), key=lambda p: (_stamp(p), p.name)):
        data = _load(path)
        key = (str(data.get("dataset")), str(data.get("split")), str(data.get("mode")))
        latest[key] = (path, data)
    if not latest:
        raise ReportError(
            f"no mcq-*.json in {_shown(results_dir)}: run `esculape eval mcq --dataset …` first"
        )
    blocks = ["**Exam MCQ** (`esculape eval mcq`)"]
    for key in sorted(latest):
        path, data = latest[key]
        table = path.with_suffix(".md")
        if not table.is_file():
            raise ReportError(f"{table} is missing beside {path.name}: rerun `esculape eval mcq`")
        command = f"esculape eval mcq --dataset {key[0]} --split {key[1]} --mode {key[2]}"
        blocks.append(
            f"`{command}`; run file `evals/results/{path.name}`\n\n" + table.read_text("utf-8").strip()
        )
    return "\n\n".join(blocks)


# Row order of the faithfulness table: the RAGAS metrics as judged, then the Haystack cross-check.
FAITHFULNESS_ROWS = (
    "faithfulness",
    "answer_relevancy",
    "context_precision",
    "context_recall",
    "haystack_faithfulness",
)


def faithfulness_section(results_dir: Path) -> str:
    """Each RAGAS metric with its NaN share, the runs, the judge and the wall time.

    A metric comes from the latest run that judged it (``--metrics`` reruns one metric on cached answers),
    and each row names its run file.
    """
    command = "esculape eval faithfulness"
    runs = [
        (path, data)
        for path in sorted(results_dir.glob("faithfulness-summary-*.json"), key=_stamp, reverse=True)
        if (data := _load(path)).get("counts", {}).get("judged", 0) > 0
    ]
    if not runs:
        raise ReportError(
            f"no faithfulness-summary-*.json in {_shown(results_dir)} that fits the README: "
            f"run `{command}` first"
        )
    rows: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path, data in runs:
        for name, row in data["summary"].items():
            if name not in rows and (row.get("attempted") or row.get("not_computed")):
                rows[name] = (path, row)
    chosen = {path for path, _ in rows.values()}
    used = [(path, data) for path, data in runs if path in chosen]
    lines = [f"**Faithfulness** (`{command}`), prompts in French:", ""]
    for path, data in used:
        settings, counts = data["settings"], data["counts"]
        skipped = ", ".join(f"{n} {why}" for why, n in counts["skipped"].items() if n) or "none"
        lines.append(
            f"- `evals/results/{path.name}` ({data['date'][:10]}): answers by {data['model']}, judged by "
            f"{data['judge']}, {counts['judged']} of {counts['answers']} answers judged (set aside: "
            f"{skipped}), {settings['runs']} run(s), wall time {data['wall_seconds']:.0f} s"
        )
    lines += [
        "",
        "| metric | mean | spread over runs | NaN share | scored / attempted | not computed | run file |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    rank = {name: index for index, name in enumerate(FAITHFULNESS_ROWS)}
    ranked = sorted(rows, key=lambda name: rank.get(name, len(rank)))
    for name in ranked:
        path, row = rows[name]
        share = "–" if row["nan_share"] is None else f"{100 * row['nan_share']:.0f} %"
        lines.append(
            f"| {name} | {_number(row['mean'])} | {_number(row['spread'])} | {share} | "
            f"{row['scored']} / {row['attempted']} | {row['not_computed']} | {_stamp(path)} |"
        )
    return "\n".join(lines)


def answer_timing_section(results_dir: Path) -> str:
    """Time to first token and total, p50 and p95, from the latest answer timing benchmark."""
    path, data = _latest(results_dir, "bench_answer-*.json", "python -m evals.answer.bench_answer")
    generated = [r for r in data["records"] if r.get("generated")]
    direct = len(data["records"]) - len(generated)

    def percentiles(key: str) -> str:
        values = sorted(r[key] for r in generated if r.get(key) is not None)
        if not values:
            return "– / –"
        quantiles = statistics.quantiles(values, n=20, method="inclusive")
        return f"{statistics.median(values):.1f} s / {quantiles[18]:.1f} s"

    return "\n".join(
        [
            "**Answer timing** (`python -m evals.answer.bench_answer`; run file "
            f"`evals/results/{path.name}`), {data['model']}",
            "",
            "| answered by the model | first token p50 / p95 | total p50 / p95 | stopped before the model |",
            "|---:|---:|---:|---:|",
            f"| {len(generated)} | {percentiles('first_token_s')} | {percentiles('total_s')} | {direct} |",
        ]
    )


TITLES = {
    "retrieval": "Retrieval",
    "ingest_latency": "Ingest and query latency",
    "mcq": "Exam MCQ",
    "faithfulness": "Faithfulness",
    "interactions": "Interaction levels",
    "answer_timing": "Answer timing",
    "app": "The app in a browser",
}
SECTIONS: dict[str, Callable[[Path], str]] = {
    "retrieval": retrieval_section,
    "ingest_latency": ingest_latency_section,
    "mcq": mcq_section,
    "faithfulness": faithfulness_section,
    "interactions": interactions_section,
    "answer_timing": answer_timing_section,
    "app": app_section,
}


def build_section(results_dir: Path = RESULTS_DIR, allow_missing: bool = False) -> str:
    """The Markdown between the markers.

    :param allow_missing: write « not run yet » for a missing result instead of failing.
    :raises ReportError: a result is missing (unless ``allow_missing``) or unreadable.
    """
    parts = [
        "<!-- Generated by `python -m evals.report` from the files named below; do not edit by hand. -->",
    ]
    for name, section in SECTIONS.items():
        try:
            parts.append(section(results_dir))
        except ReportError as error:
            if not allow_missing or "unreadable" in str(error):
                raise
            parts.append(f"**{TITLES[name]}**: not run yet ({error}).")
    return "\n\n".join(parts)


def replace_section(readme_text: str, section: str) -> str:
    """``readme_text`` with the text between the markers replaced by ``section``.

    :raises ReportError: when the markers are absent, duplicated or in the wrong order.
    """
    if (
        readme_text.count(START) != 1
        or readme_text.count(END) != 1
        or readme_text.index(START) > readme_text.index(END)
    ):
        raise ReportError(f"the README needs exactly one {START} followed by one {END}")
    head, rest = readme_text.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{section}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or check, or print) the README's results section; exit code 2 on a missing result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="folder of result files")
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--check", action="store_true", help="exit 1 if the README is not up to date")
    parser.add_argument("--print", action="store_true", help="print the section, write nothing")
    parser.add_argument(
        "--allow-missing", action="store_true", help="say « not run yet » for a missing result"
    )
    args = parser.parse_args(argv)
    try:
        section = build_section(args.results, allow_missing=args.allow_missing)
        if args.print:
            print(section)
            return 0
        current = args.readme.read_text(encoding="utf-8")
        updated = replace_section(current, section)
    except (ReportError, OSError) as error:
        print(f"evals.report: {error}", file=sys.stderr)
        return 2
    if args.check:
        if updated != current:
            print(
                f"evals.report: {args.readme} is not up to date: run `python -m evals.report`",
                file=sys.stderr,
            )
            return 1
        return 0
    args.readme.write_text(updated, encoding="utf-8")
    print(f"{args.readme}: results section regenerated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
