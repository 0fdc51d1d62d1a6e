"""Run the retrieval evaluation: any search function, both question sets, three retrieval modes.

The runner does not know the pipeline: it calls ``search(question, mode, top_k)`` and scores the doc ids it
returns with :mod:`evals.retrieval.metrics`. Example with the real pipeline (wired by ``esculape eval
retrieval``)::

    result = evaluate(lambda q, mode, k: pipeline.search_ids(q, mode, k), load_sets(split="test"),
                      documents=store.filter_documents(), settings={"embedder": "use"})
    print(format_table(result))

Per-question records (retrieved ids, first gold rank, metrics) go to ``evals/results/`` as JSONL for error
analysis, with the timestamp and the settings passed in.
"""

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from .gold import load_questions, resolve_gold
from .metrics import mean_metrics, question_metrics

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SETS = {"generated": HERE / "generated.jsonl", "hand": HERE / "hand.jsonl"}
RESULTS_DIR = HERE.parent / "results"
MODES = ("bm25", "dense", "hybrid")
METRICS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")

SearchFn = Callable[[str, str, int], list[str]]


def load_sets(split: str | None = None, names: Iterable[str] = tuple(SETS)) -> dict[str, list[dict]]:
    """The committed question sets, optionally keeping one split of the generated set.

    Args:
        split: ``"tune"`` or ``"test"`` to keep only those generated questions (the hand set has no split and
            is always kept whole: it is a test set); ``None`` keeps everything.
        names: which sets to load, among ``generated`` and ``hand``.

    Raises:
        ValueError: for an unknown set or split, naming the accepted values.
    """
    if split not in (None, "tune", "test"):
        raise ValueError(f"Unknown split '{split}': expected 'tune', 'test' or None")
    sets = {}
    for name in names:
        if name not in SETS:
            raise ValueError(f"Unknown question set '{name}': expected one of {', '.join(SETS)}")
        questions = load_questions(SETS[name])
        sets[name] = [q for q in questions if split is None or q.get("split", split) == split]
    return sets


def _first_gold_rank(ranked: Sequence[str], gold: set[str]) -> int | None:
    return next((rank for rank, doc_id in enumerate(ranked, start=1) if doc_id in gold), None)


def evaluate(
    search: SearchFn,
    questions: Mapping[str, Sequence[dict]] | Sequence[dict],
    modes: Sequence[str] = MODES,
    k_max: int = 100,
    documents: Iterable | None = None,
    settings: Mapping | None = None,
    results_dir: Path | None = RESULTS_DIR,
) -> dict:
    """Score ``search`` on every question set and mode.

    Args:
        search: ``search(question, mode, top_k)`` returning doc ids, best first.
        questions: ``{"generated": [...], "hand": [...]}`` (see :func:`load_sets`), or one list of questions
            (reported as set ``questions``).
        modes: retrieval modes passed to ``search``.
        k_max: ``top_k`` asked of ``search``; MRR counts a first gold passage up to this rank.
        documents: the store's documents, needed to resolve leaflet ``gold_selector`` questions; without
            them those questions are skipped (counted in ``skipped``).
        settings: recorded with the results (embedder, fusion weights...).
        results_dir: where per-question records are written; ``None`` writes nothing.

    Returns:
        ``{"generated": {"bm25": {"recall@1": ..., "recall@5": ..., "recall@10": ..., "mrr": ...,
        "ndcg@10": ...}, "dense": {...}, "hybrid": {...}}, "hand": {...}, "by_intent": {set: {intent: {mode:
        metrics}}}, "counts": {set: questions scored}, "skipped": {set: [ids]}, "settings": {...},
        "records_file": path or None}``.
    """
    if not isinstance(questions, Mapping):
        questions = {"questions": list(questions)}
    documents = list(documents) if documents is not None else []

    result: dict = {"by_intent": {}, "counts": {}, "skipped": {}, "settings": dict(settings or {})}
    records = []
    for set_name, set_questions in questions.items():
        per_mode: dict[str, list[dict]] = defaultdict(list)
        per_intent: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        skipped = []
        for question in set_questions:
            gold = set(resolve_gold(question, documents))
            if not gold:
                skipped.append(question["id"])
                continue
            for mode in modes:
                ranked = list(search(question["question"], mode, k_max))[:k_max]
                scores = question_metrics(ranked, gold, mrr_cutoff=k_max)
                per_mode[mode].append(scores)
                per_intent[question.get("intent", "")][mode].append(scores)
                records.append(
                    {
                        "set": set_name,
                        "id": question["id"],
                        "split": question.get("split", ""),
                        "intent": question.get("intent", ""),
                        "mode": mode,
                        "question": question["question"],
                        "gold": sorted(gold),
                        "retrieved": ranked[:10],
                        "first_gold_rank": _first_gold_rank(ranked, gold),
                        **scores,
                    }
                )

        if skipped:
            logger.warning(
                "%d %s questions have no resolvable gold and were skipped (pass the documents)",
                len(skipped),
                set_name,
            )
        result[set_name] = {mode: mean_metrics(per_mode[mode]) for mode in modes}
        result["by_intent"][set_name] = {
            intent: {mode: mean_metrics(by_mode[mode]) for mode in modes}
            for intent, by_mode in sorted(per_intent.items())
        }
        result["counts"][set_name] = len(set_questions) - len(skipped)
        result["skipped"][set_name] = skipped

    result["records_file"] = (
        str(write_records(records, result["settings"], results_dir)) if results_dir else None
    )
    return result


def write_records(records: list[dict], settings: Mapping, results_dir: Path) -> Path:
    """Write per-question records as ``retrieval-<UTC timestamp>.jsonl`` with polars; returns the path."""
    timestamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"retrieval-{timestamp}.jsonl"

    frame = pl.DataFrame(records, infer_schema_length=None) if records else pl.DataFrame()
    frame = frame.with_columns(
        pl.lit(timestamp).alias("timestamp"),
        pl.lit(json.dumps(dict(settings), sort_keys=True)).alias("settings"),
    )
    frame.write_ndjson(path)
    logger.info("Wrote %d per-question records to %s", frame.height, path)
    return path


def format_table(result: Mapping, metrics: Sequence[str] = METRICS) -> str:
    """Markdown tables of :func:`evaluate`'s result: one per question set, modes as rows, metrics as columns.

    Example output::

        **generated** (1100 questions)

        | mode | recall@1 | recall@5 | recall@10 | mrr | ndcg@10 |
        |---|---|---|---|---|---|
        | bm25 | 0.412 | 0.655 | 0.721 | 0.523 | 0.530 |
    """
    reserved = {"by_intent", "counts", "skipped", "settings", "records_file"}
    tables = []
    for set_name, by_mode in result.items():
        if set_name in reserved:
            continue
        count = result.get("counts", {}).get(set_name)
        lines = [f"**{set_name}**" + (f" ({count} questions)" if count is not None else ""), ""]
        lines.append("| mode | " + " | ".join(metrics) + " |")
        lines.append("|---" * (len(metrics) + 1) + "|")
        for mode, scores in by_mode.items():
            cells = [f"{scores[m]:.3f}" if m in scores else "–" for m in metrics]
            lines.append(f"| {mode} | " + " | ".join(cells) + " |")
        tables.append("\n".join(lines))
    return "\n\n".join(tables)
