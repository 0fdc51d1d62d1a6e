"""Benchmarks and evaluations of Esculape (retrieval today; answers and exams next)."""

import esculape  # noqa: F401  (switches every library's usage reporting off before it is imported)
