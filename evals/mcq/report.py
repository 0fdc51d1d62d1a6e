"""Write a run under ``evals/results/``: per-question Parquet, Markdown table, PNG plot and JSON summary.

Files are named ``mcq-<dataset>-<split>-<mode>-<scorings>-<UTC time>`` with the extensions ``.parquet``
(one row per question and scoring, polars), ``.md`` (the table with the baselines), ``.png`` (the metrics
with their 95 % intervals beside the baselines) and ``.json`` (summaries, baselines, model, corpus
versions, settings, date and wall time).
"""

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from .metrics import format_score

__all__ = ["RESULTS_DIR", "format_table", "public_summary", "write_run"]

logger = logging.getLogger(__name__)

RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"
BASELINE_NAMES = {
    "fixed_letter": "baseline: best fixed letter",
    "all_options": "baseline: all options",
    "random_k": "baseline: random k options",
}
_COLUMNS = ("emr", "hamming", "ecn_credit", "accuracy_single")


def _baseline_label(name: str, row: Mapping) -> str:
    if name == "fixed_letter":
        return f"{BASELINE_NAMES[name]} ({row['letter']})"
    if name == "random_k":
        return f"{BASELINE_NAMES[name]} (k={row['k']})"
    return BASELINE_NAMES[name]


def format_table(run: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    """The Markdown table of a run: one row per scoring (with 95 % intervals), then the baselines."""
    title = (
        f"**{meta['dataset']} {meta['split']}**, {meta['mode']} mode, {meta['n']} questions, "
        f"model {meta['model'] or '–'}, wall time {meta['wall_seconds']:.0f} s"
    )
    lines = [
        title,
        "",
        "| answer | EMR | Hamming | ECN credit | accuracy (single) | unparsed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for scoring, row in run["summaries"].items():
        cells = [format_score(row[c], row["ci95"].get(c)) for c in _COLUMNS]
        lines.append(
            f"| {meta['mode']} · {scoring} | " + " | ".join(cells) + f" | {row.get('unparsed', 0)} |"
        )
    for name, row in run["baselines"].items():
        cells = [format_score(row[c]) for c in _COLUMNS]
        lines.append(f"| {_baseline_label(name, row)} | " + " | ".join(cells) + " | – |")
    lines.append("")
    lines.append("Scores in percent, 95 % bootstrap intervals in brackets.")
    return "\n".join(lines)


def _plot(run: Mapping[str, Any], meta: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [c for c in _COLUMNS if any(r[c] is not None for r in run["summaries"].values())]
    rows = [(f"{meta['mode']} · {s}", r, True) for s, r in run["summaries"].items()]
    rows += [(_baseline_label(n, r), r, False) for n, r in run["baselines"].items()]
    width = 0.8 / len(rows)
    figure, axis = plt.subplots(figsize=(8, 4))
    for i, (label, row, has_ci) in enumerate(rows):
        xs = [m + (i - len(rows) / 2 + 0.5) * width for m in range(len(metrics))]
        values = [100 * (row[c] or 0) for c in metrics]
        errors = None
        if has_ci:
            bounds = [row["ci95"].get(c) or (row[c] or 0, row[c] or 0) for c in metrics]
            errors = [
                [100 * (row[c] or 0) - 100 * b[0] for c, b in zip(metrics, bounds, strict=True)],
                [100 * b[1] - 100 * (row[c] or 0) for c, b in zip(metrics, bounds, strict=True)],
            ]
        axis.bar(xs, values, width, yerr=errors, capsize=2, label=label, hatch=None if has_ci else "//")
    axis.set_xticks(
        range(len(metrics)), ["EMR", "Hamming", "ECN credit", "accuracy (single)"][: len(metrics)]
    )
    axis.set_ylabel("%")
    axis.set_title(
        f"{meta['dataset']} {meta['split']} ({meta['n']} q.), {meta['mode']}, {meta['model'] or ''}"
    )
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def public_summary(run: Mapping[str, Any], scoring: str) -> dict[str, Any]:
    """The ``--json`` object of one scoring: n, emr, hamming, ecn_credit, accuracy_single, ci95."""
    row = run["summaries"][scoring]
    keys = ("n", "emr", "hamming", "ecn_credit", "accuracy_single", "ci95", "n_single", "unparsed")
    return {key: row.get(key) for key in keys}


def write_run(
    run: Mapping[str, Any], meta: Mapping[str, Any], results_dir: Path = RESULTS_DIR
) -> dict[str, Path]:
    """Write the four files of a run and return their paths.

    :param run: the output of :func:`evals.mcq.run.run_mcq`.
    :param meta: dataset, split, mode, scorings, model, corpus versions, settings, seed, limit, n,
        wall_seconds.
    """
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    scorings = "+".join(meta["scorings"])
    stem = f"mcq-{meta['dataset']}-{meta['split']}-{meta['mode']}-{scorings}-{stamp}"
    paths = {ext: results_dir / f"{stem}.{ext}" for ext in ("parquet", "md", "png", "json")}

    frame = pl.DataFrame(run["records"], infer_schema_length=None).with_columns(
        pl.lit(meta["split"]).alias("split"), pl.lit(meta["mode"]).alias("mode")
    )
    frame.write_parquet(paths["parquet"])
    paths["md"].write_text(format_table(run, meta) + "\n", encoding="utf-8")
    _plot(run, meta, paths["png"])
    summary = {
        **meta,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "summaries": run["summaries"],
        "baselines": run["baselines"],
        "files": {ext: path.name for ext, path in paths.items()},
    }
    paths["json"].write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    logger.info("MCQ run written to %s.*", results_dir / stem)
    return paths
