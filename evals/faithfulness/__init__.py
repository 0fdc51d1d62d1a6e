"""Faithfulness evaluation: RAGAS metrics on real answers, judged by a model served by any backend."""

import esculape  # noqa: F401  (telemetry off before ragas, langchain or datasets are imported)
