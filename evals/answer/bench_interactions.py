"""Interaction checks benchmark: does the card give the exact thesaurus level for every pair?

For every entry of the ANSM thesaurus that names two substances, or a substance and a class, the question
« Peut-on associer <A> et <B> ? » goes through the answer pipeline's structured step (drug detection in the
question, then the interaction check built from the index). A pair counts as exact when the check holds
that entry with the same levels as the thesaurus file itself. The model is not involved.

    python -m evals.answer.bench_interactions [--limit N] [--no-write]
"""

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import esculape  # noqa: F401  (telemetry off)
from corpora.catalog import discover
from corpora.thesaurus import ThesaurusIndex
from esculape.settings import Settings
from pipelines.answer.pipeline import AnswerPipeline
from pipelines.retrieval.searcher import Searcher

RESULTS = Path(__file__).resolve().parent.parent / "results"


def pairs(index: ThesaurusIndex) -> list[tuple[str, str, str, list[str]]]:
    """(side A, side B, entry id, levels) for entries naming two substances or a substance and a class."""
    found = []
    for entry in index.interactions:
        classes = index.is_class(entry.main_drug) + index.is_class(entry.plus_drug)
        if classes < 2 and entry.levels:
            found.append((entry.main_drug, entry.plus_drug, entry.doc_id, entry.level_names))
    return found


def main(argv: list[str] | None = None) -> None:
    """Print the share of exact levels (overall, by kind of pair) and the misses."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    layout = discover(settings.corpus)
    index = ThesaurusIndex.from_folder(layout.thesaurus)
    answerer = AnswerPipeline(Searcher.from_settings(settings), generator=None)
    todo = pairs(index)[: args.limit]

    outcome: Counter = Counter()
    misses = []
    started = time.perf_counter()
    for side_a, side_b, doc_id, levels in todo:
        kind = (
            "substance+class" if index.is_class(side_a) or index.is_class(side_b) else "substance+substance"
        )
        question = f"Peut-on associer {side_a.lower()} et {side_b.lower()} ?"
        context = answerer.prepare(question)
        entries = {e.doc_id: e.levels for check in context.interactions for e in check.entries}
        if entries.get(doc_id) == levels:
            outcome[kind, "exact"] += 1
        else:
            outcome[kind, "miss"] += 1
            detected = [m.text for m in context.mentions]
            misses.append(
                {
                    "question": question,
                    "entry": doc_id,
                    "levels": levels,
                    "detected": detected,
                    "card_levels": entries.get(doc_id),
                }
            )
    seconds = time.perf_counter() - started

    print("| pairs | n | exact level | share |")
    print("|---|---:|---:|---:|")
    total = exact = 0
    for kind in ("substance+substance", "substance+class"):
        n = outcome[kind, "exact"] + outcome[kind, "miss"]
        total += n
        exact += outcome[kind, "exact"]
        if n:
            print(f"| {kind} | {n} | {outcome[kind, 'exact']} | {outcome[kind, 'exact'] / n:.4f} |")
    print(f"| **all** | {total} | {exact} | **{exact / total:.4f}** |")
    print(f"\n{seconds:.1f} s ({1000 * seconds / max(total, 1):.0f} ms per question)")
    for miss in misses[:20]:
        print(f"  MISS {miss['question']} → detected {miss['detected']}, card {miss['card_levels']}")

    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"bench_interactions-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(
            json.dumps(
                {
                    "pairs": total,
                    "exact": exact,
                    "share": exact / total,
                    "seconds": seconds,
                    "misses": misses,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        print(f"written {path}")


if __name__ == "__main__":
    main()
