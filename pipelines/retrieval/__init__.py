"""Query-side retrieval: BM25 + dense retrievers fused by reciprocal rank fusion, with per-retriever traces."""
