"""``esculape eval faithfulness``: RAGAS faithfulness, response relevancy, context precision and context
recall on real answers, judged by a model served by any backend, with Haystack's faithfulness evaluator as a
cross-check column.

The four RAGAS metrics (``ragas.metrics.collections``, French prompts from :mod:`.prompts`):

- **faithfulness**: share of the answer's statements that the sources support;
- **answer_relevancy**: cosine between the question and ``strictness`` questions the judge writes back from
  the answer (Esculape's embedder), 0 when the answer evades;
- **context_precision**: RAGAS' ``ContextPrecisionWithoutReference``: average precision of the sources,
  each judged useful or not to reach the answer, in the order they were given to the model;
- **context_recall**: share of the reference's statements the sources support (references: see
  :mod:`.answers`; *not computed* without one).

A score is NaN when the judge's reply is not the JSON asked for, or when the metric has nothing to score
(no statement extracted). NaN scores are counted per metric and left out of the means. Answers that
abstain or refuse are not judged: they contain no claim, and are counted apart. Each of the R runs samples
the judge anew (temperature 0.3, a different seed); the table shows the mean of the run means and their
spread.

Usage example::

    esculape eval faithfulness --limit 5 --runs 1 --judge llamacpp:smollm2
    esculape eval faithfulness --answers evals/results/answers-20261203-220515.jsonl --runs 3
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esculape.settings import REPO_ROOT, Settings

from .answers import DEFAULT_QUESTIONS, InputError

logger = logging.getLogger(__name__)

RESULTS_DIR = REPO_ROOT / "evals" / "results"
# Judged in this order: the cheapest first, so that a run stopped half-way has the most metrics.
METRICS = ("faithfulness", "answer_relevancy", "context_recall", "context_precision")
CROSS_CHECK = "haystack_faithfulness"
CHARS_PER_TOKEN = 3.5  # French clinical text with a Qwen or Llama tokenizer, measured on the answers' sources


@dataclass
class FaithfulnessConfig:
    """What one evaluation run does.

    :param metrics: RAGAS metrics to compute (names from ``METRICS``).
    :param runs: repeated judge runs, averaged.
    :param strictness: questions written back per answer for response relevancy (RAGAS default 3).
    :param cross_check: also run Haystack's ``FaithfulnessEvaluator`` (deterministic: first run only).
    :param temperature: the judge's sampling temperature.
    """

    metrics: tuple[str, ...] = METRICS
    runs: int = 1
    strictness: int = 3
    cross_check: bool = True
    temperature: float = 0.3

    def check(self) -> None:
        """:raises InputError: unknown metric, or a count below 1."""
        unknown = [name for name in self.metrics if name not in METRICS]
        if unknown:
            raise InputError(f"unknown metric(s) {', '.join(unknown)}: choose among {', '.join(METRICS)}")
        if self.runs < 1:
            raise InputError(f"--runs {self.runs}: at least one run is needed")
        if self.strictness < 1:
            raise InputError(f"--strictness {self.strictness}: at least one question is needed")


def judged_records(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The answers to judge, and how many were set aside and why (abstained, refused, empty, no source)."""
    kept, skipped = [], {"abstained": 0, "refused": 0, "empty_answer": 0, "no_context": 0}
    for record in records:
        if record.get("refused"):
            skipped["refused"] += 1
        elif record.get("abstained"):
            skipped["abstained"] += 1
        elif not str(record.get("answer") or "").strip():
            skipped["empty_answer"] += 1
        elif not [text for text in record.get("contexts") or [] if text.strip()]:
            skipped["no_context"] += 1
        else:
            kept.append(record)
    return kept, skipped


def _tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_judge_tokens(
    records: list[dict[str, Any]], config: FaithfulnessConfig, max_tokens: int
) -> dict[str, Any]:
    """Judge calls and tokens the run will need, from the real prompts (before anything is sent).

    Prompt tokens are counted at ``CHARS_PER_TOKEN`` characters per token from the French prompts filled
    with each record (the second faithfulness step is filled with the answer in place of its statements).
    Completion tokens are bounded by ``max_tokens`` per call.

    :returns: ``{"per_metric": {name: {"calls", "prompt_tokens"}}, "calls", "prompt_tokens",
        "completion_tokens_max", "runs"}`` for all runs together.
    """
    from ragas.metrics.collections.answer_relevancy.util import AnswerRelevanceInput
    from ragas.metrics.collections.context_precision.util import ContextPrecisionInput
    from ragas.metrics.collections.context_recall.util import ContextRecallInput
    from ragas.metrics.collections.faithfulness.util import NLIStatementInput, StatementGeneratorInput

    from . import prompts

    per_metric: dict[str, dict[str, int]] = {}

    def add(name: str, text: str, calls: int = 1) -> None:
        entry = per_metric.setdefault(name, {"calls": 0, "prompt_tokens": 0})
        entry["calls"] += calls * config.runs
        entry["prompt_tokens"] += calls * config.runs * _tokens(text)

    for record in records:
        question, answer, contexts = record["question"], record["answer"], record["contexts"]
        if "faithfulness" in config.metrics:
            statements = prompts.FrenchStatementGeneratorPrompt()
            add(
                "faithfulness",
                statements.to_string(StatementGeneratorInput(question=question, answer=answer)),
            )
            nli = prompts.FrenchNLIStatementPrompt()
            add(
                "faithfulness",
                nli.to_string(NLIStatementInput(context="\n".join(contexts), statements=[answer])),
            )
        if "answer_relevancy" in config.metrics:
            relevance = prompts.FrenchAnswerRelevancePrompt()
            add(
                "answer_relevancy",
                relevance.to_string(AnswerRelevanceInput(response=answer)),
                config.strictness,
            )
        if "context_precision" in config.metrics:
            precision = prompts.FrenchContextPrecisionPrompt()
            for context in contexts:
                add(
                    "context_precision",
                    precision.to_string(
                        ContextPrecisionInput(question=question, context=context, answer=answer)
                    ),
                )
        if "context_recall" in config.metrics and record.get("reference"):
            recall = prompts.FrenchContextRecallPrompt()
            filled = ContextRecallInput(
                question=question, context="\n".join(contexts), answer=record["reference"]
            )
            add("context_recall", recall.to_string(filled))
        if config.cross_check:
            text = json.dumps(prompts.HAYSTACK_FAITHFULNESS_EXAMPLES, ensure_ascii=False) + question + answer
            entry = per_metric.setdefault(CROSS_CHECK, {"calls": 0, "prompt_tokens": 0})
            entry["calls"] += 1
            entry["prompt_tokens"] += _tokens(text + "".join(contexts)) + 150  # its English instruction

    calls = sum(entry["calls"] for entry in per_metric.values())
    return {
        "per_metric": per_metric,
        "calls": calls,
        "prompt_tokens": sum(entry["prompt_tokens"] for entry in per_metric.values()),
        "completion_tokens_max": calls * max_tokens,
        "runs": config.runs,
        "chars_per_token": CHARS_PER_TOKEN,
    }


def format_estimate(estimate: dict[str, Any]) -> str:
    """One line per metric, for the terminal."""
    lines = [
        f"Judge estimate for {estimate['runs']} run(s): {estimate['calls']} calls, about "
        f"{estimate['prompt_tokens']:,} prompt tokens, at most {estimate['completion_tokens_max']:,} "
        "completion tokens"
    ]
    for name, entry in estimate["per_metric"].items():
        lines.append(f"  {name}: {entry['calls']} calls, ~{entry['prompt_tokens']:,} prompt tokens")
    return "\n".join(lines)


@dataclass
class Score:
    """One metric on one answer in one run."""

    run: int
    id: str
    metric: str
    value: float | None
    status: str  # ok, nan (the metric had nothing to score), judge_error, not_computed
    detail: str = ""
    seconds: float = 0.0


def _build_metrics(judge: Any, embeddings: Any, config: FaithfulnessConfig) -> dict[str, Any]:
    from ragas.metrics.collections import (
        AnswerRelevancy,
        ContextPrecisionWithoutReference,
        ContextRecall,
        Faithfulness,
    )

    from .prompts import use_french_prompts

    built = {
        "faithfulness": lambda: Faithfulness(llm=judge),
        "answer_relevancy": lambda: AnswerRelevancy(
            llm=judge, embeddings=embeddings, strictness=config.strictness
        ),
        "context_precision": lambda: ContextPrecisionWithoutReference(llm=judge),
        "context_recall": lambda: ContextRecall(llm=judge),
    }
    return {name: use_french_prompts(built[name]()) for name in config.metrics}


def _run_sync(coroutine: Any) -> Any:
    """Run ``coroutine`` to its end from synchronous code, also where an event loop already runs (a Jupyter
    kernel), in which case it runs on a loop of its own in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _score_one(metric_name: str, metric: Any, record: dict[str, Any]) -> tuple[float | None, str, str]:
    from .judge import JudgeOutputError

    arguments = {"user_input": record["question"]}
    if metric_name in ("faithfulness", "answer_relevancy", "context_precision"):
        arguments["response"] = record["answer"]
    if metric_name != "answer_relevancy":
        arguments["retrieved_contexts"] = [text for text in record["contexts"] if text.strip()]
    if metric_name == "context_recall":
        if not record.get("reference"):
            return None, "not_computed", "no reference"
        arguments["reference"] = record["reference"]
    try:
        value = float(_run_sync(metric.ascore(**arguments)).value)
    except JudgeOutputError as error:
        return math.nan, "judge_error", str(error)[:200]
    except (ValueError, KeyError) as error:  # a reply that validates but cannot be scored
        return math.nan, "judge_error", f"{type(error).__name__}: {error}"[:200]
    return value, ("nan" if math.isnan(value) else "ok"), ""


def _haystack_scores(evaluator: Any, records: list[dict[str, Any]], run: int) -> list[Score]:
    scores = []
    for record in records:
        started = time.perf_counter()
        try:
            output = evaluator.run(
                questions=[record["question"]],
                contexts=[[text for text in record["contexts"] if text.strip()]],
                predicted_answers=[record["answer"]],
            )
            value = float(output["individual_scores"][0])
            status, detail = ("nan" if math.isnan(value) else "ok"), ""
        except Exception as error:  # noqa: BLE001  (any failure of the cross-check is one NaN, counted)
            value, status, detail = math.nan, "judge_error", f"{type(error).__name__}: {error}"[:200]
        scores.append(
            Score(
                run, record["id"], CROSS_CHECK, value, status, detail, round(time.perf_counter() - started, 2)
            )
        )
    return scores


def score_row(score: Score) -> dict[str, Any]:
    """The JSON form of a score (NaN written as null)."""
    value = None if score.value is None or math.isnan(score.value) else score.value
    return score.__dict__ | {"value": value}


def summarise_file(path: Path) -> dict[str, dict[str, Any]]:
    """The summary of a scores file, also of a run stopped half-way (null values read back as NaN)."""
    scores = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            value = row["value"] if row["value"] is not None or row["status"] == "not_computed" else math.nan
            scores.append(Score(**(row | {"value": value})))
    names = list(dict.fromkeys(score.metric for score in scores))
    return summarise(scores, names, max((score.run for score in scores), default=1))


def summarise(scores: list[Score], metrics: list[str], runs: int) -> dict[str, dict[str, Any]]:
    """Per metric: mean of the run means, their spread, the NaN share and the counts.

    The NaN share counts both kinds of NaN (judge replies that are not valid JSON, metrics with nothing to
    score) over the scores attempted; *not computed* scores (no reference) are counted apart.
    """
    summary = {}
    for name in metrics:
        mine = [score for score in scores if score.metric == name]
        attempted = [score for score in mine if score.status != "not_computed"]
        run_means = []
        for run in range(1, runs + 1):
            values = [s.value for s in attempted if s.run == run and s.status == "ok"]
            if values:
                run_means.append(statistics.fmean(values))
        nan = sum(score.status in ("nan", "judge_error") for score in attempted)
        summary[name] = {
            "mean": round(statistics.fmean(run_means), 4) if run_means else None,
            "run_means": [round(value, 4) for value in run_means],
            "spread": round(statistics.pstdev(run_means), 4) if len(run_means) > 1 else None,
            "scored": sum(score.status == "ok" for score in attempted),
            "attempted": len(attempted),
            "nan": nan,
            "nan_share": round(nan / len(attempted), 4) if attempted else None,
            "judge_errors": sum(score.status == "judge_error" for score in attempted),
            "not_computed": len(mine) - len(attempted),
            "runs": len({score.run for score in mine}),
        }
    return summary


def format_table(summary: dict[str, dict[str, Any]]) -> str:
    """The per-metric Markdown table."""
    lines = [
        "| metric | mean | spread over runs | NaN share | scored / attempted | not computed | runs |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in summary.items():
        mean = "-" if row["mean"] is None else f"{row['mean']:.3f}"
        spread = "-" if row["spread"] is None else f"{row['spread']:.3f}"
        share = "-" if row["nan_share"] is None else f"{row['nan_share']:.0%}"
        lines.append(
            f"| {name} | {mean} | {spread} | {share} | {row['scored']} / {row['attempted']} | "
            f"{row['not_computed']} | {row['runs']} |"
        )
    return "\n".join(lines)


def corpus_versions(settings: Settings) -> list[Any]:
    """The corpus versions recorded by the last ingest (read from the manifest, no index loaded)."""
    manifest = settings.index_dir / "memory" / "manifest.json"
    if settings.store != "memory" or not manifest.is_file():
        manifest = settings.index_dir / "manifest.json"
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("versions", [])
    except (OSError, json.JSONDecodeError):
        return []


@dataclass
class FaithfulnessRun:
    """Everything a run produced (``summary`` is what the README and the notebooks show)."""

    summary: dict[str, dict[str, Any]]
    scores: list[Score]
    estimate: dict[str, Any]
    payload: dict[str, Any]
    table: str
    paths: dict[str, str] = field(default_factory=dict)


def evaluate_answers(
    records: list[dict[str, Any]],
    judge_endpoint: Any,
    config: FaithfulnessConfig,
    settings: Settings,
    embedder: Any = None,
    answers_path: Path | None = None,
    write: bool = True,
    results_dir: Path = RESULTS_DIR,
    report: Callable[[str], None] = print,
) -> FaithfulnessRun:
    """Judge ``records`` with the model at ``judge_endpoint`` and write the results.

    :param records: answers from :func:`.answers.generate_answers` or :func:`.answers.load_answers`.
    :param judge_endpoint: a started :class:`.judge.JudgeEndpoint`.
    :param config: metrics, runs, strictness, cross-check.
    :param settings: recorded with the results (embedder, corpus versions).
    :param embedder: a RAGAS embedding (``EsculapeEmbeddings(settings.embedder)`` by default).
    :param answers_path: the answer cache used, recorded.
    :param write: write ``faithfulness-<time>.jsonl`` and ``faithfulness-summary-<time>.json``.
    :param report: where progress lines and the token estimate go.
    """
    from .embeddings import EsculapeEmbeddings
    from .judge import JudgeLLM, haystack_chat_generator
    from .prompts import HAYSTACK_FAITHFULNESS_EXAMPLES

    config.check()
    started = time.perf_counter()
    judged, skipped = judged_records(records)
    judge = JudgeLLM(judge_endpoint, temperature=config.temperature)
    estimate = estimate_judge_tokens(judged, config, judge.max_tokens)
    report(format_estimate(estimate))
    if not judged:
        raise InputError(
            f"no answer to judge among {len(records)}: all abstained, refused or had no source ({skipped})"
        )

    embeddings = embedder or (
        EsculapeEmbeddings(settings.embedder) if "answer_relevancy" in config.metrics else None
    )
    metrics = _build_metrics(judge, embeddings, config)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    per_score = results_dir / f"faithfulness-{stamp}.jsonl" if write else None
    if per_score is not None:
        results_dir.mkdir(parents=True, exist_ok=True)
        per_score.write_text("", encoding="utf-8")
    scores: list[Score] = []

    def keep(score: Score) -> None:
        # Written as they come: a run stopped half-way still has its scores (``summarise_file``).
        scores.append(score)
        if per_score is not None:
            with per_score.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(score_row(score), ensure_ascii=False) + "\n")

    # Metric by metric, so that the judge server reuses the cached prompt prefix (instruction, examples).
    for run in range(1, config.runs + 1):
        judge.seed = 1000 * run
        for name, metric in metrics.items():
            for record in judged:
                began = time.perf_counter()
                value, status, detail = _score_one(name, metric, record)
                elapsed = round(time.perf_counter() - began, 2)
                keep(Score(run, record["id"], name, value, status, detail, elapsed))
            done = [s for s in scores if s.run == run and s.metric == name]
            report(
                f"run {run}/{config.runs} {name}: {sum(s.status == 'ok' for s in done)} scored, "
                f"{sum(s.status in ('nan', 'judge_error') for s in done)} NaN "
                f"({time.perf_counter() - started:.0f} s so far)"
            )
    names = list(config.metrics)
    if config.cross_check:
        from haystack.components.evaluators import FaithfulnessEvaluator

        evaluator = FaithfulnessEvaluator(
            examples=HAYSTACK_FAITHFULNESS_EXAMPLES,
            progress_bar=False,
            raise_on_failure=False,
            chat_generator=haystack_chat_generator(judge_endpoint),
        )
        for score in _haystack_scores(evaluator, judged, run=1):
            keep(score)
        names.append(CROSS_CHECK)
        report(f"{CROSS_CHECK}: done ({time.perf_counter() - started:.0f} s so far)")

    summary = summarise(scores, names, config.runs)
    seconds = round(time.perf_counter() - started, 1)
    models = sorted({str(record.get("model") or "") for record in records} - {""})
    payload = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "model": models[0] if len(models) == 1 else models,
        "judge": judge_endpoint.label,
        "settings": {
            "store": settings.store,
            "embedder": getattr(embeddings, "model_id", settings.embedder)
            if embeddings
            else settings.embedder,
            "fusion_weights": settings.fusion_weights,
            "corpus_versions": corpus_versions(settings),
            "runs": config.runs,
            "strictness": config.strictness,
            "temperature": config.temperature,
            "metrics": list(config.metrics),
            "cross_check": config.cross_check,
            "answers": str(answers_path) if answers_path else None,
            "prompt_language": "french",
        },
        "counts": {"answers": len(records), "judged": len(judged), "skipped": skipped},
        "references": {
            origin or "none": sum(1 for record in judged if (record.get("reference_origin") or "") == origin)
            for origin in sorted({record.get("reference_origin") or "" for record in judged})
        },
        "estimate": estimate,
        "judge_usage": judge.usage.as_dict(),
        "wall_seconds": seconds,
        "summary": summary,
    }
    table = format_table(summary)
    run = FaithfulnessRun(summary, scores, estimate, payload, table)
    if per_score is not None:
        summary_path = results_dir / f"faithfulness-summary-{stamp}.json"
        payload["scores_file"] = per_score.name
        summary_path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        run.paths = {"scores": str(per_score), "summary": str(summary_path)}
    return run


def run_faithfulness_eval(
    settings: Settings,
    questions: Path = DEFAULT_QUESTIONS,
    limit: int | None = None,
    answers: Path | None = None,
    judge: str = "llamacpp",
    config: FaithfulnessConfig | None = None,
    write: bool = True,
    results_dir: Path = RESULTS_DIR,
    report: Callable[[str], None] = print,
) -> FaithfulnessRun:
    """The whole command: reuse or generate the answers (cached under ``results_dir``), start the judge,
    judge, write the results.

    :raises InputError: bad question or answer file, bad options.
    :raises JudgeError: bad ``--judge`` value, or a judge that does not start.
    """
    from .answers import answer_pipeline, generate_answers, load_answers, load_questions
    from .judge import JudgeEndpoint, parse_judge

    config = config or FaithfulnessConfig()
    config.check()
    parse_judge(judge)  # a bad --judge fails before any answer is generated
    if limit is not None and limit < 1:
        raise InputError(f"--limit {limit}: at least one question is needed")
    if answers is not None:
        records = load_answers(answers, limit)
        answers_path = Path(answers)
    else:
        chosen = load_questions(questions, limit)
        answers_path = results_dir / f"answers-{time.strftime('%Y%m%d-%H%M%S')}.jsonl" if write else None
        report(f"Answering {len(chosen)} question(s) with {settings.llm} (cache: {answers_path})")
        answerer = answer_pipeline(settings)
        records = generate_answers(
            chosen,
            answerer,
            answers_path,
            on_answer=lambda r: report(f"  {r['id']}: {r['timings']['total']} s"),
        )
        if hasattr(answerer.generator, "close"):  # free the answering model before the judge loads
            answerer.generator.close()

    with JudgeEndpoint.start(judge, settings, context_window=max(8192, settings.llm_ctx)) as endpoint:
        report(f"Judge: {endpoint.label} at {endpoint.url}")
        return evaluate_answers(
            records, endpoint, config, settings,
            answers_path=answers_path, write=write, results_dir=results_dir, report=report,
        )  # fmt: skip
