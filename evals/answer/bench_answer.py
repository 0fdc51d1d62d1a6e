"""Answer timing benchmark: time to first token and total answer time, p50 and p95, over varied questions.

Runs the whole answer pipeline (retrieval, drug facts, prompt, the generator of ``ESCULAPE_LLM`` or
``--llm``, citation checks) on the questions of ``questions.jsonl`` (interactions, SMR/ASMR, shortages,
brand names, leaflets, clinical questions, and questions that must abstain or be refused), and prints a
table. Questions answered without the model (abstention, refusal) are counted apart.

    python -m evals.answer.bench_answer [--llm llamacpp:default] [--limit N] [--no-write]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

import esculape  # noqa: F401  (telemetry off)
from esculape.settings import Settings
from pipelines.answer.pipeline import AnswerPipeline

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"


def _percentiles(values: list[float]) -> str:
    if not values:
        return "- | -"
    return f"{np.percentile(values, 50):.2f} | {np.percentile(values, 95):.2f}"


def main(argv: list[str] | None = None) -> None:
    """Answer every question once and print the timing table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", help="generator spec (default: ESCULAPE_LLM)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    if args.llm:
        settings.llm = args.llm
    started = time.perf_counter()
    answerer = AnswerPipeline.from_settings(settings)
    answerer.generator.warm_up()
    load_seconds = time.perf_counter() - started
    questions = [json.loads(line) for line in (HERE / "questions.jsonl").read_text().splitlines() if line]
    records = []
    for question in questions[: args.limit]:
        result = answerer.ask(question["question"])
        records.append(
            {
                **question,
                "generated": result.timings.get("first_token") is not None,
                "abstained": result.abstained,
                "refused": result.refused,
                "complete": result.complete,
                "citations": len(result.citations),
                "reconstructed": any(c["reconstructed"] for c in result.citations),
                "flags": [f["code"] for f in result.flags],
                **{f"{key}_s": value for key, value in result.timings.items()},
                "answer_chars": len(result.answer),
            }
        )
        print(
            f"{question['id']} {question['kind']:<13} first token {result.timings.get('first_token')} s, "
            f"total {result.timings['total']} s, {len(result.citations)} citations"
            + (" (abstains)" if result.abstained else "")
            + (" (refuses)" if result.refused else ""),
            flush=True,
        )

    generated = [r for r in records if r["generated"]]
    print(f"\nmodel: {answerer.generator.info.label()} (loaded in {load_seconds:.1f} s)")
    print("| questions | n | first token p50 (s) | p95 (s) | total p50 (s) | p95 (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    first = _percentiles([r["first_token_s"] for r in generated])
    total = _percentiles([r["total_s"] for r in generated])
    print(f"| answered by the model | {len(generated)} | {first} | {total} |")
    direct = [r for r in records if not r["generated"]]
    before = _percentiles([r["total_s"] for r in direct])
    print(f"| abstained or refused before the model | {len(direct)} | - | - | {before} |")
    print(f"| all | {len(records)} | - | - | {_percentiles([r['total_s'] for r in records])} |")
    cited = sum(r["citations"] > 0 for r in generated)
    print(
        f"\nanswers with at least one citation: {cited}/{len(generated)}, "
        f"of which reconstructed: {sum(r['reconstructed'] for r in generated)}"
    )

    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"bench_answer-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(
            json.dumps(
                {"model": answerer.generator.info.label(), "records": records}, ensure_ascii=False, indent=1
            )
        )
        print(f"written {path}")


if __name__ == "__main__":
    main()
