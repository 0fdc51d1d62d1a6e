"""On-disk cache of dense vectors, keyed by model and by the exact text embedded.

Embedding 55,000 passages on a CPU takes tens of minutes; the cache makes a re-ingest embed only the
passages whose text changed, and lets an interrupted ingest resume where it stopped.

Design: one SQLite file (``embeddings.sqlite3`` in the cache folder) in WAL mode, one row per
``(model_id, sha256 of the text)`` with the vector as little-endian float32 bytes.

- Each :meth:`EmbeddingCache.put_many` is one transaction: a batch is written entirely or not at all,
  and what was committed before a crash stays (SQLite's journal guarantees it).
- A corrupted entry (wrong byte length, NaN or infinite values, zero vector) is reported as a miss, so
  the caller re-embeds it and overwrites it; it is counted in :attr:`EmbeddingCache.stats` and logged
  as a warning.
- An unreadable or corrupted database file is not repaired silently: :class:`EmbeddingCacheError`
  names the file and says to delete it. The cache only holds vectors that can be recomputed, so
  deleting it is always safe; moving it aside automatically would hide a disk problem and grow the
  folder at each failure.

Example::

    cache = EmbeddingCache("data/cache/embeddings", model_id="use-multilingual-v3/...", dim=512)
    key = text_hash("Insuffisance rénale")
    cache.put_many({key: vector})       # committed when the call returns
    cache.get_many([key])               # {key: vector}
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

__all__ = ["CACHE_FILE_NAME", "EmbeddingCache", "EmbeddingCacheError", "text_hash"]

logger = logging.getLogger(__name__)

CACHE_FILE_NAME = "embeddings.sqlite3"

# SQLite limits the number of parameters of one statement (32,766 in recent versions, 999 in old ones).
_SELECT_CHUNK = 900
_BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    model_id TEXT PRIMARY KEY,
    dim INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS embeddings (
    model_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_hash)
) WITHOUT ROWID;
"""


class EmbeddingCacheError(RuntimeError):
    """The cache database cannot be read or written (corrupted file, not a database, disk error)."""


def text_hash(text: str) -> str:
    """Return the cache key of a text: the hex sha256 of its UTF-8 bytes, exactly as embedded.

    :param text: The text given to the model (after any field selection, before the model's prefix).
    :returns: 64 hexadecimal characters.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Persistent ``text hash -> vector`` store for one embedding model.

    Several models can share a folder: rows are keyed by ``model_id``. Safe to use from several threads
    of one process; several processes can read, and writers wait up to 30 s for each other.

    Usage::

        cache = EmbeddingCache("data/cache/embeddings", backend.model_id, dim=backend.dim)
        found = cache.get_many([text_hash(text) for text in texts])   # hits only
        cache.put_many({text_hash(text): vector})                       # one atomic batch

    :param directory: Folder of the cache file; created if missing.
    :param model_id: Identifier of the model and its conventions (``EmbeddingBackend.model_id``).
    :param dim: Vector dimension. If ``None``, the dimension recorded for ``model_id`` is used, or
        the dimension of the first vectors stored.
    :raises EmbeddingCacheError: If the database file is unreadable or corrupted.
    :raises ValueError: If ``dim`` differs from the dimension already recorded for ``model_id``.
    """

    def __init__(self, directory: str | Path, model_id: str, dim: int | None = None) -> None:
        if not model_id:
            raise ValueError("model_id is empty: pass the backend's model_id, which identifies its vectors.")
        self.directory = Path(directory)
        self.path = self.directory / CACHE_FILE_NAME
        self.model_id = model_id
        self.stats = {"hits": 0, "misses": 0, "corrupted": 0, "written": 0}
        self._lock = threading.Lock()

        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise EmbeddingCacheError(
                f"Cannot create the embedding cache folder '{self.directory}': {error}. "
                "Pass a writable cache_dir."
            ) from error

        self._connection = self._open()
        self.dim = self._resolve_dim(dim)

    # -- public API ------------------------------------------------------------------------------

    def get_many(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Look up vectors by text hash.

        :param hashes: Keys from :func:`text_hash`.
        :returns: ``{hash: float32 vector}`` for the valid hits only; misses and corrupted entries are
            absent (corrupted ones are counted in ``stats["corrupted"]`` and logged).
        """
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        corrupted: list[str] = []

        for start in range(0, len(wanted), _SELECT_CHUNK):
            chunk = wanted[start : start + _SELECT_CHUNK]
            placeholders = ",".join("?" * len(chunk))
            rows = self._execute(
                "SELECT text_hash, vector FROM embeddings "
                f"WHERE model_id = ? AND text_hash IN ({placeholders})",
                (self.model_id, *chunk),
            )
            for key, blob in rows:
                vector = self._decode(blob)
                if vector is None:
                    corrupted.append(key)
                else:
                    found[key] = vector

        if corrupted:
            logger.warning(
                "%d corrupted cache entries for model %s in %s (first hash %s): they will be re-embedded",
                len(corrupted),
                self.model_id,
                self.path,
                corrupted[0],
            )
        self.stats["hits"] += len(found)
        self.stats["misses"] += len(wanted) - len(found)
        self.stats["corrupted"] += len(corrupted)
        return found

    def put_many(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Store vectors in one transaction (all of them or none), replacing existing entries.

        :param vectors: ``{text hash: vector}``; each vector must have ``dim`` finite values.
        :raises ValueError: If a vector has the wrong dimension or non-finite values (nothing is written).
        """
        if not vectors:
            return
        if self.dim is None:
            first = np.asarray(next(iter(vectors.values())))
            self.dim = int(first.size)
            self._execute(
                "INSERT OR IGNORE INTO models (model_id, dim) VALUES (?, ?)", (self.model_id, self.dim)
            )

        rows = []
        for key, vector in vectors.items():
            array = np.asarray(vector, dtype="<f4").reshape(-1)
            if array.size != self.dim or not np.all(np.isfinite(array)):
                raise ValueError(
                    f"Refusing to cache vector {key} for model {self.model_id}: expected {self.dim} finite "
                    f"values, got {array.size} (finite: {bool(np.all(np.isfinite(array)))}). "
                    "The backend output is wrong, or the model_id does not identify the model."
                )
            rows.append((self.model_id, key, array.tobytes()))

        self._executemany(
            "INSERT OR REPLACE INTO embeddings (model_id, text_hash, vector) VALUES (?, ?, ?)", rows
        )
        self.stats["written"] += len(rows)

    def __len__(self) -> int:
        """Number of entries stored for this model (corrupted ones included)."""
        rows = self._execute("SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (self.model_id,))
        return int(rows[0][0])

    def __contains__(self, key: object) -> bool:
        rows = self._execute(
            "SELECT 1 FROM embeddings WHERE model_id = ? AND text_hash = ?", (self.model_id, key)
        )
        return bool(rows)

    def close(self) -> None:
        """Close the database connection; the cache cannot be used afterwards."""
        with self._lock:
            self._connection.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmbeddingCache(path={str(self.path)!r}, model_id={self.model_id!r}, dim={self.dim})"

    # -- private helpers -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        """Private: open the database, switch to WAL, create the tables, and check the file is sane."""
        try:
            connection = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
            )
            connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.executescript(_SCHEMA)
            connection.execute("SELECT COUNT(*) FROM models").fetchall()
        except sqlite3.DatabaseError as error:
            raise self._corruption_error(error) from error
        return connection

    def _resolve_dim(self, dim: int | None) -> int | None:
        """Private: reconcile the requested dimension with the one recorded for this model."""
        rows = self._execute("SELECT dim FROM models WHERE model_id = ?", (self.model_id,))
        recorded = int(rows[0][0]) if rows else None

        if dim is not None and recorded is not None and dim != recorded:
            raise ValueError(
                f"Model {self.model_id!r} is recorded with dimension {recorded} in {self.path}, not {dim}: "
                "its model_id must change when its vectors change (or delete the cache file)."
            )
        if recorded is None and dim is not None:
            self._execute("INSERT OR IGNORE INTO models (model_id, dim) VALUES (?, ?)", (self.model_id, dim))
        return recorded if recorded is not None else dim

    def _decode(self, blob: object) -> np.ndarray | None:
        """Private: the vector of a stored blob, or ``None`` if the entry is corrupted."""
        if not isinstance(blob, bytes) or self.dim is None or len(blob) != 4 * self.dim:
            return None
        vector = np.frombuffer(blob, dtype="<f4").astype(np.float32)
        if not np.all(np.isfinite(vector)) or not np.any(vector):
            return None
        return vector

    def _execute(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """Private: run one statement and fetch its rows, turning SQLite failures into clear errors."""
        with self._lock:
            try:
                return self._connection.execute(sql, parameters).fetchall()
            except sqlite3.DatabaseError as error:
                raise self._corruption_error(error) from error

    def _executemany(self, sql: str, rows: list[tuple]) -> None:
        """Private: run one statement for many rows inside a single transaction."""
        with self._lock:
            try:
                self._connection.execute("BEGIN IMMEDIATE")
                try:
                    self._connection.executemany(sql, rows)
                except BaseException:
                    self._connection.execute("ROLLBACK")
                    raise
                self._connection.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                raise self._corruption_error(error) from error

    def _corruption_error(self, error: sqlite3.DatabaseError) -> EmbeddingCacheError:
        """Private: the user-facing error for an unusable database file."""
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            return EmbeddingCacheError(
                f"The embedding cache '{self.path}' stayed locked by another process for "
                f"{_BUSY_TIMEOUT_MS // 1000} s ({error}): wait for the other ingest to finish and retry."
            )
        if isinstance(error, sqlite3.OperationalError) and "unable to open" in str(error):
            return EmbeddingCacheError(
                f"Cannot open the embedding cache '{self.path}' ({error}): check that the folder is "
                "writable, or pass another cache_dir."
            )
        return EmbeddingCacheError(
            f"The embedding cache '{self.path}' is unreadable or corrupted ({error}). It only holds vectors "
            f"that can be recomputed: delete '{self.path}' (and any '{self.path.name}-wal' and "
            f"'{self.path.name}-shm' next to it), then run again to rebuild it."
        )
