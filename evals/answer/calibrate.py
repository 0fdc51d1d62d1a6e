"""Calibrate the abstention threshold on the retrieval tuning questions.

For every tuning question (generated ``tune`` split and the hand-written tuning set), the answer pipeline
prepares its context and records the evidence score (the rarity-weighted share of the question's terms
found in one of the top passages, before drug cards are counted). The threshold is the 5th percentile
of the scores of questions whose gold passage is retrieved in the top 10: at most about one answerable
question in twenty is refused for weak evidence. The same score is reported for the off-corpus questions
of ``unanswerable.jsonl`` (fictional drugs and diseases, veterinary and non-medical questions).

    python -m evals.answer.calibrate [--limit N] [--no-write]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

import esculape  # noqa: F401  (telemetry off)
from esculape.settings import Settings
from evals.retrieval.gold import load_questions
from pipelines.answer.pipeline import AnswerPipeline
from pipelines.retrieval.searcher import Searcher

HERE = Path(__file__).resolve().parent
RETRIEVAL = HERE.parent / "retrieval"
RESULTS = HERE.parent / "results"
PERCENTILE = 5


def _tuning_questions(limit: int | None) -> list[dict]:
    generated = [q for q in load_questions(RETRIEVAL / "generated.jsonl") if q.get("split") == "tune"]
    hand = load_questions(RETRIEVAL / "hand_tune.jsonl")
    questions = generated[:limit] + hand[:limit] if limit else generated + hand
    return questions


def main(argv: list[str] | None = None) -> None:
    """Print the calibration table and write ``evals/results/abstention-<date>.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="questions per tuning set")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    searcher = Searcher.from_settings(Settings.from_env())
    answerer = AnswerPipeline(searcher, generator=None, evidence_threshold=0.0)
    found, missed, ungated = [], [], []
    for question in _tuning_questions(args.limit):
        context = answerer.prepare(question["question"])
        retrieved = {s.doc_id for s in context.sources} | set(context.retrieved)
        (found if set(question.get("gold", [])) & retrieved else missed).append(context.coverage)
        ungated.append((context.decision, context.evidence))
    threshold = float(np.percentile(found, PERCENTILE)) if found else 0.0
    # With a zero threshold only the other reasons stop a question; the threshold adds its own.
    gated = [
        "abstain" if decision == "generate" and evidence < threshold else decision
        for decision, evidence in ungated
    ]
    gate = AnswerPipeline(searcher, generator=None, facts=answerer.facts, evidence_threshold=threshold)

    off = [json.loads(line) for line in (HERE / "unanswerable.jsonl").read_text().splitlines() if line]
    off_scores = []
    for question in off:
        context = gate.prepare(question["question"])
        off_scores.append(
            {
                "id": question["id"],
                "kind": question["kind"],
                "evidence": context.coverage,
                "drug_facts": context.evidence > context.coverage,
                "decision": context.decision,
            }
        )
    below = [s for s in off_scores if s["decision"] != "generate"]

    print("| questions | n | evidence p5 | p50 | share below threshold |")
    print("|---|---:|---:|---:|---:|")
    for name, scores in (("tuning, gold retrieved", found), ("tuning, gold missed", missed)):
        if scores:
            share = sum(s < threshold for s in scores) / len(scores)
            print(
                f"| {name} | {len(scores)} | {np.percentile(scores, 5):.3f} | {np.median(scores):.3f} "
                f"| {share:.3f} |"
            )
    values = [s["evidence"] for s in off_scores]
    print(
        f"| off-corpus (unanswerable.jsonl) | {len(values)} | {np.percentile(values, 5):.3f} "
        f"| {np.median(values):.3f} | {len(below) / len(values):.3f} |"
    )
    print(f"\nthreshold (p{PERCENTILE} of tuning questions with gold retrieved): {threshold:.3f}")
    refused = sum(decision != "generate" for decision in gated)
    print(f"tuning questions not sent to the model with this threshold: {refused}/{len(gated)}")
    for score in off_scores:
        print(f"  {score['id']} {score['kind']:<13} {score['evidence']:.3f} {score['decision']}")

    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"abstention-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(
            json.dumps(
                {
                    "threshold": threshold,
                    "percentile": PERCENTILE,
                    "tuning_found": len(found),
                    "tuning_missed": len(missed),
                    "tuning_not_generated": refused,
                    "tuning_found_scores": found,
                    "off_corpus": off_scores,
                },
                indent=1,
            )
        )
        print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
