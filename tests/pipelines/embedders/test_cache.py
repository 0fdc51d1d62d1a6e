"""Tests of the SQLite embedding cache: persistence, isolation, corruption handling, atomic batches."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from pipelines.embedders.cache import CACHE_FILE_NAME, EmbeddingCache, EmbeddingCacheError, text_hash


def _vector(value: float, dim: int = 4) -> np.ndarray:
    vector = np.full(dim, value, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _overwrite_blob(directory: Path, key: str, blob: bytes) -> None:
    with sqlite3.connect(directory / CACHE_FILE_NAME) as connection:
        connection.execute("UPDATE embeddings SET vector = ? WHERE text_hash = ?", (blob, key))


def test_text_hash_is_sha256_of_the_exact_text() -> None:
    assert text_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert text_hash("Rein ") != text_hash("Rein")


def test_round_trip_and_persistence(tmp_path: Path) -> None:
    keys = [text_hash("a"), text_hash("b")]
    with EmbeddingCache(tmp_path, "model/v1", dim=4) as cache:
        cache.put_many({keys[0]: _vector(1.0), keys[1]: _vector(2.0)})

    reopened = EmbeddingCache(tmp_path, "model/v1")
    found = reopened.get_many([*keys, text_hash("absent")])

    assert reopened.dim == 4
    assert len(reopened) == 2
    assert keys[0] in reopened
    assert set(found) == set(keys)
    np.testing.assert_array_equal(found[keys[0]], _vector(1.0))
    assert found[keys[0]].dtype == np.float32
    assert reopened.stats == {"hits": 2, "misses": 1, "corrupted": 0, "written": 0}


def test_database_uses_wal(tmp_path: Path) -> None:
    EmbeddingCache(tmp_path, "model/v1", dim=4).close()
    with sqlite3.connect(tmp_path / CACHE_FILE_NAME) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_models_do_not_see_each_other(tmp_path: Path) -> None:
    key = text_hash("a")
    EmbeddingCache(tmp_path, "model/v1", dim=4).put_many({key: _vector(1.0)})

    other = EmbeddingCache(tmp_path, "model/v2", dim=4)

    assert other.get_many([key]) == {}
    assert len(other) == 0


def test_dimension_change_for_a_model_id_is_refused(tmp_path: Path) -> None:
    EmbeddingCache(tmp_path, "model/v1", dim=4).close()

    with pytest.raises(ValueError, match="recorded with dimension 4"):
        EmbeddingCache(tmp_path, "model/v1", dim=8)


@pytest.mark.parametrize(
    ("name", "blob"),
    [
        ("too short", _vector(1.0)[:3].tobytes()),
        ("too long", np.zeros(5, dtype=np.float32).tobytes()),
        ("nan", np.array([np.nan, 0, 0, 1], dtype=np.float32).tobytes()),
        ("infinite", np.array([np.inf, 0, 0, 1], dtype=np.float32).tobytes()),
        ("zero vector", np.zeros(4, dtype=np.float32).tobytes()),
        ("empty", b""),
    ],
)
def test_corrupted_entry_is_a_counted_and_logged_miss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, blob: bytes
) -> None:
    good, bad = text_hash("good"), text_hash("bad")
    cache = EmbeddingCache(tmp_path, "model/v1", dim=4)
    cache.put_many({good: _vector(1.0), bad: _vector(2.0)})
    _overwrite_blob(tmp_path, bad, blob)

    with caplog.at_level(logging.WARNING, logger="pipelines.embedders.cache"):
        found = cache.get_many([good, bad])

    assert set(found) == {good}, name
    assert cache.stats["corrupted"] == 1
    assert "1 corrupted cache entries" in caplog.text

    cache.put_many({bad: _vector(3.0)})  # the caller re-embeds it and overwrites the entry
    assert set(cache.get_many([bad])) == {bad}


def test_invalid_batch_writes_nothing(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "model/v1", dim=4)
    batch = {text_hash("ok"): _vector(1.0), text_hash("nan"): np.full(4, np.nan, dtype=np.float32)}

    with pytest.raises(ValueError, match="expected 4 finite values"):
        cache.put_many(batch)

    assert len(cache) == 0


def test_unreadable_database_says_to_delete_the_file(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE_NAME).write_bytes(b"this is not a SQLite database, only garbage " * 200)

    with pytest.raises(EmbeddingCacheError, match=r"corrupted .*delete '.*embeddings\.sqlite3'"):
        EmbeddingCache(tmp_path, "model/v1", dim=4)


def test_dimension_learned_from_first_vectors(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "model/v1")
    cache.put_many({text_hash("a"): _vector(1.0, dim=6)})

    assert cache.dim == 6
    assert EmbeddingCache(tmp_path, "model/v1").dim == 6


def test_many_keys_are_looked_up_in_chunks(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "model/v1", dim=4)
    vectors = {text_hash(str(index)): _vector(index + 1.0) for index in range(2_000)}
    cache.put_many(vectors)

    assert len(cache.get_many(vectors)) == 2_000


def test_folder_that_is_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")

    with pytest.raises(EmbeddingCacheError, match="Pass a writable cache_dir"):
        EmbeddingCache(not_a_folder, "model/v1", dim=4)
