"""Answers to judge: produced once by the real answer pipeline, cached as JSONL, reused by later judge runs.

Each record holds what the RAGAS metrics need (question, answer, the source texts sent to the model, and a
reference where one can be derived honestly) and what a reader needs to compare runs (model, timings,
abstention, refusal, flags).

**Where the references come from.** ``questions.jsonl`` has no reference answers. A question file may give
one per question (``"reference"``); otherwise the reference is the question's structured facts, written from
the data alone by the answer pipeline (:func:`pipelines.answer.pipeline.facts_summary`: thesaurus levels
and conduct, SMR/ASMR levels and dates, shortage notices), with the source numbers removed. Questions
without structured facts (leaflets, clinical questions) get no reference, and context recall is marked
*not computed* for them. Because drug cards are themselves sources, recall against those references
mostly checks that the facts reached the model and that the judge can match them: an optimistic figure.

Usage example::

    records = generate_answers(questions, settings, path=Path("evals/results/answers-….jsonl"))
    records = load_answers(path)
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from esculape.settings import Settings

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_QUESTIONS = HERE.parent / "answer" / "questions.jsonl"

# Fields every cached answer record must have (``--answers FILE`` is checked against them).
ANSWER_FIELDS = ("id", "question", "answer", "contexts", "abstained", "refused", "model")

_SOURCE_NUMBER = re.compile(r"\s*\[\d+\]")


class InputError(ValueError):
    """A question or answer file that cannot be used; the message says which line and what to fix."""


def _read_jsonl(path: Path, what: str) -> list[dict[str, Any]]:
    if not path.is_file():
        raise InputError(f"{what} file '{path}' not found: pass an existing JSONL file")
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}, line {number}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}, line {number}: expected a JSON object, got {type(record).__name__}")
        records.append(record)
    if not records:
        raise InputError(f"{what} file '{path}' is empty: it needs one JSON object per line")
    return records


def load_questions(path: Path = DEFAULT_QUESTIONS, limit: int | None = None) -> list[dict[str, Any]]:
    """Questions as ``{"id", "question", "kind"?, "reference"?}`` records, at most ``limit`` of them.

    :raises InputError: missing or empty file, a line that is not a JSON object, or no ``question`` text.
    """
    questions = _read_jsonl(Path(path), "Question")
    for number, record in enumerate(questions, start=1):
        if not str(record.get("question") or "").strip():
            raise InputError(f"{path}, record {number}: no 'question' text")
        record.setdefault("id", f"q{number:02d}")
        record.setdefault("kind", "")
    return questions[:limit] if limit else questions


def load_answers(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Answer records written by :func:`generate_answers` (``--answers FILE``).

    :raises InputError: missing or empty file, bad JSON, or a record without the fields in
        ``ANSWER_FIELDS``.
    """
    answers = _read_jsonl(Path(path), "Answer")
    for number, record in enumerate(answers, start=1):
        missing = [name for name in ANSWER_FIELDS if name not in record]
        if missing:
            raise InputError(
                f"{path}, record {number}: missing {', '.join(missing)}; this file was not written by "
                "`esculape eval faithfulness` (answers-*.jsonl under evals/results/)"
            )
    return answers[:limit] if limit else answers


def structured_reference(context: Any) -> str:
    """The question's structured facts without source numbers, or ``""`` when it has none."""
    from pipelines.answer.pipeline import facts_summary

    return _SOURCE_NUMBER.sub("", facts_summary(context)).strip()


def answer_record(question: dict[str, Any], result: Any, reference: str, origin: str) -> dict[str, Any]:
    """The cached form of one answer (``result`` is an :class:`AnswerResult`)."""
    contexts = [source["content"] for source in result.sources if source.get("sent_to_model", True)]
    return {
        "id": question["id"],
        "kind": question.get("kind", ""),
        "question": question["question"],
        "answer": result.answer,
        "contexts": contexts,
        "source_ids": [source["doc_id"] for source in result.sources if source.get("sent_to_model", True)],
        "reference": reference,
        "reference_origin": origin,
        "abstained": result.abstained,
        "refused": result.refused,
        "complete": result.complete,
        "error": result.error,
        "flags": [item["code"] for item in result.flags],
        "model": result.model,
        "timings": result.timings,
    }


def generate_answers(
    questions: Iterable[dict[str, Any]],
    answerer: Any,
    path: Path | None = None,
    on_answer: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Answer each question with ``answerer`` (an :class:`AnswerPipeline`) and append it to ``path``.

    Records are written as they come, so an interrupted run keeps its answers.

    :param questions: records from :func:`load_questions`.
    :param answerer: the real answer pipeline.
    :param path: JSONL cache to write (created, or appended to).
    :param on_answer: called with each record (progress display).
    :returns: the records, in question order.
    """
    records = []
    for question in questions:
        reference, origin = str(question.get("reference") or "").strip(), "file"
        if not reference:
            reference = structured_reference(answerer.prepare(question["question"]))
            origin = "structured_facts" if reference else ""
        started = time.perf_counter()
        result = answerer.ask(question["question"])
        record = answer_record(question, result, reference, origin)
        logger.info("Answered %s in %.1f s", question["id"], time.perf_counter() - started)
        records.append(record)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        if on_answer is not None:
            on_answer(record)
    return records


def answer_pipeline(settings: Settings) -> Any:
    """The real answer pipeline for ``settings`` (index and ``ESCULAPE_LLM``)."""
    from pipelines.answer.pipeline import AnswerPipeline
    from pipelines.retrieval.searcher import Searcher

    return AnswerPipeline.from_settings(settings, searcher=Searcher.from_settings(settings))


def main() -> None:
    """Generate and cache answers for the default questions (``python -m evals.faithfulness.answers``)."""
    import argparse

    parser = argparse.ArgumentParser(description="Answer the faithfulness questions once and cache them")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    settings = Settings.from_env()
    answerer = answer_pipeline(settings)
    generate_answers(
        load_questions(args.questions, args.limit),
        answerer,
        args.out,
        on_answer=lambda r: print(f"{r['id']} {r['timings']['total']} s", flush=True),
    )


if __name__ == "__main__":
    main()
