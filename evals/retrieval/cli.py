"""``esculape eval retrieval``: the evaluation of :mod:`evals.retrieval.run` on the real query pipeline."""

import json
import time
from pathlib import Path

from esculape.settings import Settings
from pipelines.stores.factory import all_documents

from .run import MODES, RESULTS_DIR, evaluate, format_table, load_sets


def run_retrieval_eval(
    searcher,
    settings: Settings,
    limit: int | None = None,
    split: str = "test",
    write: bool = True,
    modes: tuple[str, ...] = MODES,
) -> dict:
    """Evaluate ``searcher`` on the generated (``split``) and hand-written sets.

    :param searcher: a :class:`pipelines.retrieval.searcher.Searcher` over the ingested index.
    :param settings: recorded with the results.
    :param limit: at most this many questions per set (quick runs; the README figures use all).
    :param split: ``test`` (default, what is reported), ``tune`` (what weights are tuned on) or ``all``.
    :param write: write per-question records and a summary under ``evals/results/``.
    :returns: ``{"summary": {"generated": {mode: metrics}, "hand": {...}}, "table": markdown,
        "result": full result}``.
    """
    sets = load_sets(split=None if split == "all" else split)
    if limit:
        sets = {name: questions[:limit] for name, questions in sets.items()}

    def search(question: str, mode: str, top_k: int) -> list[str]:
        return [doc.id for doc in searcher.search(question, mode=mode, top_k=top_k).documents]

    recorded = {
        "store": settings.store,
        "embedder": searcher.embedder_spec,
        "fusion_weights": searcher.weights,
        "specialties_per_drug": searcher.specialties_per_drug,
        "generics_per_drug": searcher.generics_per_drug,
        "candidates": searcher.candidates,
        "split": split,
        "limit": limit,
        "corpus_versions": searcher.store.manifest.get("versions", []),
        "passages": searcher.store.count_documents(),
    }
    result = evaluate(
        search,
        sets,
        modes=modes,
        k_max=max(searcher.candidates, 100),
        documents=all_documents(searcher.store),
        settings=recorded,
        results_dir=RESULTS_DIR if write else None,
    )
    summary = {name: result[name] for name in sets}
    table = format_table(result)
    if write:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = Path(RESULTS_DIR) / f"retrieval-summary-{stamp}.json"
        payload = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "settings": recorded,
            "counts": result["counts"],
            "summary": summary,
            "by_intent": result["by_intent"],
        }
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"summary": summary, "table": table, "result": result}
