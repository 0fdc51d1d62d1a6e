"""Scale benchmark (not a test): ingest time and query latency of the embedded store and OpenSearch as the
corpus grows to about 20,000, 70,000 and 200,000 passages.

    make opensearch-start
    python -m evals.bench_scale                       # sizes 20000 70000 200000, stores memory opensearch
    python -m evals.bench_scale --sizes 20000 --stores memory --questions 50    # a quick look

The passages and their USE vectors come from the full-corpus embedded index (``esculape ingest`` first), so
nothing is embedded here and both stores receive the same passages. Above the real corpus size (56,935
passages) passages are duplicated with small perturbations, for scale only: a few words dropped and two
neighbours swapped, the vector moved by Gaussian noise (sigma 0.02) and renormalised, and a new id. Results
on the duplicated sizes say how cost grows, not how well retrieval works.

*Ingest* is the time until the passages are searchable: for the embedded store, writing them and building
the BM25 index and the vector matrix; for OpenSearch, creating the versioned index, bulk writes (vectors
included, HNSW graphs built by Lucene), the refresh and the checks before the alias switch. *Query latency*
is measured per mode through the query pipeline a user runs (``Searcher.search``), after one warm-up
query, on questions from the retrieval evaluation sets.

Writes a Markdown table to stdout and ``bench_scale-<stamp>.json``, ``.md`` and ``.png`` to evals/results/.
"""

import argparse
import json
import logging
import resource
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
from haystack import Document
from haystack.document_stores.types import DuplicatePolicy

from esculape.settings import Settings
from evals.retrieval.run import load_sets

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = (20_000, 70_000, 200_000)
MODES = ("bm25", "dense", "hybrid")
BATCH = 2_000
NOISE_SIGMA = 0.02
SEED = 6

logger = logging.getLogger("bench_scale")


def load_base(index_dir: Path) -> tuple[list[Document], dict[str, np.ndarray]]:
    """The passages of the persisted embedded index and their (normalised) vectors by id."""
    if not (index_dir / "manifest.json").exists():
        raise SystemExit(f"No embedded index at {index_dir}: run `esculape ingest` first.")
    documents = []
    with open(index_dir / "documents.jsonl", encoding="utf-8") as handle:
        for line in handle:
            documents.append(Document.from_dict(json.loads(line)))
    ids = json.loads((index_dir / "embedding_ids.json").read_text(encoding="utf-8"))
    matrix = np.load(index_dir / "embeddings.npy")
    return documents, dict(zip(ids, matrix, strict=True))


def perturb(doc: Document, vector: np.ndarray | None, copy: int, rng: np.random.Generator) -> Document:
    """A near-duplicate of ``doc`` for scale: a few words dropped, two swapped, the vector jittered."""
    words = (doc.content or "").split()
    if len(words) > 4:
        keep = rng.random(len(words)) > 0.05
        words = [word for word, kept in zip(words, keep, strict=True) if kept] or words
        position = int(rng.integers(0, len(words) - 1))
        words[position], words[position + 1] = words[position + 1], words[position]
    new_id = f"{doc.id}~{copy}"
    embedding = None
    if vector is not None:
        jittered = vector + rng.normal(0.0, NOISE_SIGMA, vector.shape).astype(np.float32)
        embedding = (jittered / np.linalg.norm(jittered)).tolist()
    return replace(
        doc, id=new_id, content=" ".join(words), meta={**doc.meta, "doc_id": new_id}, embedding=embedding
    )


def passages(base: list[Document], vectors: dict[str, np.ndarray], size: int) -> Iterator[list[Document]]:
    """``size`` passages in batches: a seeded sample of the corpus, or all of it then perturbed copies."""
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(base))
    batch: list[Document] = []
    for position in range(size):
        copy, index = divmod(position, len(base))
        doc = base[order[index]]
        vector = vectors.get(doc.id)
        if copy == 0:
            doc = replace(doc, embedding=vector.tolist() if vector is not None else None)
        else:
            doc = perturb(doc, vector, copy, rng)
        batch.append(doc)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest_memory(batches: Iterator[list[Document]]):
    """Write into a fresh embedded store and build its indexes; returns the store."""
    from pipelines.stores.in_memory import EsculapeInMemoryStore

    store = EsculapeInMemoryStore()
    for batch in batches:
        store.write_documents(batch, policy=DuplicatePolicy.OVERWRITE)
    store._ensure_indexes()
    store.manifest = {"embedder": "use"}
    return store


def ingest_opensearch(batches: Iterator[list[Document]], settings: Settings, alias: str, dim: int):
    """Write into a new versioned OpenSearch index, check it and switch the alias; returns the store."""
    from pipelines.stores.alias import VersionedIndex
    from pipelines.stores.opensearch import EsculapeOpenSearchStore, OpenSearchAdmin

    admin = OpenSearchAdmin(settings.opensearch_url)
    versions = VersionedIndex(admin, alias, embedding_dim=dim)
    name = versions.create()
    target = EsculapeOpenSearchStore(settings.opensearch_url, index=name, embedding_dim=dim)
    expected: dict[str, int] = {}
    for batch in batches:
        target.write_documents(batch, policy=DuplicatePolicy.OVERWRITE)
        for doc in batch:
            expected[doc.meta["source"]] = expected.get(doc.meta["source"], 0) + 1
    versions.check(name, expected)
    versions.switch(name)
    return EsculapeOpenSearchStore(settings.opensearch_url, index=alias, embedding_dim=dim)


def latency(searcher, questions: list[str]) -> dict[str, dict[str, float]]:
    """p50 and p95 (ms) per mode, after one warm-up query per mode."""
    result = {}
    for mode in MODES:
        searcher.search(questions[0], mode=mode, top_k=10)
        times = []
        for question in questions:
            started = time.perf_counter()
            searcher.search(question, mode=mode, top_k=10)
            times.append((time.perf_counter() - started) * 1000)
        result[mode] = {"p50": float(np.percentile(times, 50)), "p95": float(np.percentile(times, 95))}
    return result


def run(sizes: list[int], stores: list[str], n_questions: int, settings: Settings) -> list[dict]:
    """Measure every (store, size); each search-engine index is deleted after its measurement."""
    from pipelines.retrieval.searcher import Searcher

    base, vectors = load_base(settings.data_dir / "index" / "memory")
    dim = len(next(iter(vectors.values())))
    sets = load_sets(split="test")
    questions = [q["question"] for name in ("hand", "generated") for q in sets[name]][:n_questions]
    rows = []
    for store_kind in stores:
        for size in sizes:
            logger.info("%s: ingesting %d passages", store_kind, size)
            started = time.perf_counter()
            alias = f"esculape-bench-{size}"
            if store_kind == "memory":
                store = ingest_memory(passages(base, vectors, size))
            else:
                store = ingest_opensearch(passages(base, vectors, size), settings, alias, dim)
            ingest_seconds = time.perf_counter() - started

            started = time.perf_counter()
            searcher = Searcher(store, "use", weights=settings.fusion_weights)
            open_seconds = time.perf_counter() - started
            row = {
                "store": store_kind,
                "passages": store.count_documents(),
                "ingest_s": round(ingest_seconds, 1),
                "passages_per_s": round(size / ingest_seconds),
                "searcher_open_s": round(open_seconds, 1),
                "latency_ms": latency(searcher, questions),
                "questions": len(questions),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
            logger.info("%s", row)
            rows.append(row)
            if store_kind != "memory":
                for index in store.admin.alias_targets(alias):
                    store.admin.delete_index(index)
            del searcher, store
    return rows


def markdown(rows: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| store | passages | ingest (s) | passages/s | bm25 p50 / p95 (ms) | dense p50 / p95 (ms) "
        "| hybrid p50 / p95 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [f"{row['latency_ms'][m]['p50']:.1f} / {row['latency_ms'][m]['p95']:.1f}" for m in MODES]
        lines.append(
            f"| {row['store']} | {row['passages']:,} | {row['ingest_s']:,.1f} | {row['passages_per_s']:,} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    """Ingest time and hybrid/dense query latency against the number of passages, one line per store."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (ingest_axis, query_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    for store in sorted({row["store"] for row in rows}):
        mine = sorted((row for row in rows if row["store"] == store), key=lambda row: row["passages"])
        sizes = [row["passages"] for row in mine]
        ingest_axis.plot(sizes, [row["ingest_s"] for row in mine], marker="o", label=store)
        for mode, style in (("hybrid", "-"), ("dense", "--")):
            query_axis.plot(
                sizes,
                [row["latency_ms"][mode]["p95"] for row in mine],
                marker="o",
                linestyle=style,
                label=f"{store} {mode} p95",
            )
    ingest_axis.set(xlabel="passages", ylabel="seconds", title="Ingest until searchable")
    query_axis.set(xlabel="passages", ylabel="milliseconds", title="Query latency (p95)")
    for axis in (ingest_axis, query_axis):
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle("Esculape scale benchmark (2 CPU cores; duplicated passages above 56,935)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    """Run the benchmark and write the table, the JSON and the plot."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument(
        "--stores", nargs="+", default=["memory", "opensearch"], choices=["memory", "opensearch"]
    )
    parser.add_argument("--questions", type=int, default=200, help="questions per mode for latency")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("opensearch").setLevel(logging.WARNING)

    settings = Settings.from_env()
    if "opensearch" in args.stores:
        from pipelines.stores.opensearch import OpenSearchAdmin

        OpenSearchAdmin(settings.opensearch_url).info()  # fails early, saying how to start a node

    rows = run(args.sizes, args.stores, args.questions, settings)
    table = markdown(rows)
    print(table)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "rows": rows,
        "noise_sigma": NOISE_SIGMA,
        "seed": SEED,
    }
    (RESULTS / f"bench_scale-{stamp}.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    (RESULTS / f"bench_scale-{stamp}.md").write_text(table + "\n", encoding="utf-8")
    plot(rows, RESULTS / f"bench_scale-{stamp}.png")
    print(f"written evals/results/bench_scale-{stamp}.{{json,md,png}}")


if __name__ == "__main__":
    main()
