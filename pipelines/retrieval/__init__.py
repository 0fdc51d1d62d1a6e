"""Query-side retrieval: BM25, dense and drug retrievers fused by reciprocal rank fusion, with traces."""
