"""Shared fixtures: a deterministic fake backend that counts its calls, and the real USE backend."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from pipelines.embedders.backends import EmbeddingBackend, UseBackend


class CountingBackend(EmbeddingBackend):
    """Deterministic 8-d backend: a vector seeded by the text; counts texts and calls.

    :param fail_on_call: Raise ``RuntimeError`` on this passage call (1-based), to simulate a crash.
    """

    spec = "counting"

    def __init__(self, fail_on_call: int | None = None) -> None:
        super().__init__()
        self.fail_on_call = fail_on_call
        self.passage_calls = 0
        self.passage_texts: list[str] = []
        self.query_texts: list[str] = []

    @property
    def model_id(self) -> str:
        return "counting/v1"

    @property
    def dim(self) -> int:
        return 8

    def _load(self) -> object:
        return object()

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passage_calls += 1
        if self.fail_on_call is not None and self.passage_calls == self.fail_on_call:
            raise RuntimeError("simulated crash during embedding")
        self.passage_texts.extend(texts)
        return np.stack([_seeded_vector("passage", text) for text in texts])

    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        self.query_texts.extend(texts)
        return np.stack([_seeded_vector("query", text) for text in texts])


def _seeded_vector(side: str, text: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(f"{side}:{text}".encode()).digest()[:8], "little")
    return np.random.default_rng(seed).normal(size=8).astype(np.float32)


@pytest.fixture
def counting_backend() -> CountingBackend:
    return CountingBackend()


@pytest.fixture
def crashing_backend() -> CountingBackend:
    """A counting backend whose second passage call raises, as if the ingest were killed."""
    return CountingBackend(fail_on_call=2)


@pytest.fixture(scope="session")
def use_backend() -> UseBackend:
    backend = UseBackend(threads=1)
    backend.warm_up()
    return backend
