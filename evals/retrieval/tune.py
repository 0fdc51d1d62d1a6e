"""Sweep the reciprocal rank fusion weights (BM25, dense, drug retriever) on the tuning questions.

    python -m evals.retrieval.tune            # prints a Markdown table, best first
    python -m evals.retrieval.tune --json

The questions are the generated *tune* split plus ``hand_tune.jsonl`` (written apart from the test set).
Each question is retrieved once by BM25, the dense retriever and the drug retriever (``--candidates`` each);
every setting is then scored by fusing the lists with the pipeline's own ``RankFusion`` component, so the
sweep measures exactly what the query pipeline would return. The generated test split and the hand-written
test set (``hand.jsonl``) stay unseen until the chosen setting is reported.
"""

import argparse
import itertools
import json
import sys

from esculape.settings import Settings
from pipelines.retrieval.drug_retriever import DrugRetriever
from pipelines.retrieval.rank_fusion import RankFusion
from pipelines.retrieval.searcher import Searcher
from pipelines.stores.factory import all_documents

from .gold import load_questions, resolve_gold
from .metrics import mean_metrics, question_metrics
from .run import HERE, load_sets

# Hand-written tuning questions in clinicians' wording (brand names, classes in everyday words), separate
# from the hand-written test set `hand.jsonl`, whose drugs they avoid.
HAND_TUNE = HERE / "hand_tune.jsonl"

DENSE_WEIGHTS = (0.0, 0.05, 0.1, 0.2)
PAIR_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
RECORD_WEIGHTS = (0.0, 0.05, 0.1, 0.2)
SPECIALTIES_PER_DRUG = 3
GENERICS_PER_DRUG = (0, 3)


def _retrieve(searcher: Searcher, questions: list[dict], candidates: int, generics: int) -> list[tuple]:
    """Gold and the four rankings of each question (retrieved once for the whole sweep)."""
    documents = list(all_documents(searcher.store))
    drug_retriever = DrugRetriever(searcher.store, SPECIALTIES_PER_DRUG, generics_per_drug=generics)
    retrieved = []
    for question in questions:
        gold = set(resolve_gold(question, documents))
        if not gold:
            continue
        bm25 = searcher.search(question["question"], mode="bm25", top_k=candidates)
        dense = searcher.search(question["question"], mode="dense", top_k=candidates).documents
        drugs = drug_retriever.run(mentions=bm25.drug_mentions)
        retrieved.append((gold, bm25.documents, dense, drugs["pairs"], drugs["records"]))
    return retrieved


def sweep(searcher: Searcher, question_sets: dict[str, list[dict]], candidates: int = 50) -> list[dict]:
    """Score every fusion setting on each question set; best first by the mean over sets of recall@10 + MRR.

    The criterion was fixed before the sweep: recall@10 (is the passage there at all) plus MRR (is it near
    the top, where the answer pipeline reads first), averaged over the sets so that the small hand-written
    set weighs as much as the generated one.
    """
    by_generics = {
        generics: {name: _retrieve(searcher, qs, candidates, generics) for name, qs in question_sets.items()}
        for generics in GENERICS_PER_DRUG
    }

    def score(fuse, retrieved) -> dict:
        row = {}
        for name, items in retrieved.items():
            metrics = mean_metrics(
                [question_metrics(fuse(item), item[0], mrr_cutoff=candidates) for item in items]
            )
            row[name] = {key: round(value, 3) for key, value in metrics.items()}
        row["criterion"] = round(sum(m["recall@10"] + m["mrr"] for m in row.values()) / len(retrieved), 4)
        return row

    rows = []
    grid = itertools.product(GENERICS_PER_DRUG, DENSE_WEIGHTS, PAIR_WEIGHTS, RECORD_WEIGHTS)
    for generics, dense, pairs, records in grid:
        if generics and not records:
            continue
        bm25 = round(1 - dense - pairs - records, 2)
        weights = {"bm25": bm25, "dense": dense, "pairs": pairs, "records": records}
        fusion = RankFusion({name: weight for name, weight in weights.items() if weight > 0})

        def fuse(item, fusion=fusion) -> list[str]:
            _, bm25_hits, dense_hits, pair_hits, record_hits = item
            fused = fusion.run(
                bm25_documents=bm25_hits,
                dense_documents=dense_hits,
                pair_documents=pair_hits,
                record_documents=record_hits,
                top_k=candidates,
            )
            return [doc.id for doc in fused["documents"]]

        setting = " / ".join(f"{name} {weight}" for name, weight in weights.items())
        setting += f" (+{generics} generics per drug)" if generics else ""
        rows.append(
            {
                "setting": setting,
                "weights": weights,
                "generics_per_drug": generics,
                **score(fuse, by_generics[generics]),
            }
        )
    rows.sort(key=lambda row: row["criterion"], reverse=True)
    for name, index in (("bm25 alone", 1), ("dense alone", 2)):
        rows.append(
            {
                "setting": name,
                "weights": None,
                **score(lambda item, i=index: [d.id for d in item[i]], by_generics[0]),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the sweep on the tune split of the generated set."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, help="at most N tune questions")
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-expansion", action="store_true", help="switch off drug-name query expansion")
    parser.add_argument("--generated-only", action="store_true", help="leave out the hand-written tune set")
    parser.add_argument("--rows", type=int, default=25, help="settings shown (best first)")
    args = parser.parse_args(argv)

    question_sets = {
        "generated tune": load_sets(split="tune", names=("generated",))["generated"][: args.limit]
    }
    if HAND_TUNE.exists() and not args.generated_only:
        question_sets["hand tune"] = load_questions(HAND_TUNE)
    searcher = Searcher.from_settings(Settings.from_env(), expand_drugs=not args.no_expansion)
    rows = sweep(searcher, question_sets, candidates=args.candidates)
    if args.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0

    counts = ", ".join(f"{name} {len(questions)}" for name, questions in question_sets.items())
    print(f"Tune questions: {counts}; embedder `{searcher.embedder_spec}`\n")
    header = " | ".join(f"{name} R@10 | {name} MRR" for name in question_sets)
    print(f"| setting | {header} | criterion |")
    print("|---|" + "---:|" * (2 * len(question_sets) + 1))
    shown = rows[: args.rows] + [row for row in rows[args.rows :] if row["weights"] is None]
    for row in shown:
        cells = " | ".join(f"{row[name]['recall@10']:.3f} | {row[name]['mrr']:.3f}" for name in question_sets)
        print(f"| {row['setting']} | {cells} | {row['criterion']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
