"""Haystack pipelines of Esculape: analysis, embedders, stores, indexing and retrieval."""

import esculape  # noqa: F401  (switches every library's usage reporting off before it is imported)
