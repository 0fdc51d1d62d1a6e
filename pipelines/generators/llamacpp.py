"""A GGUF model run in-process by llama.cpp (through ``xllamacpp``), streaming its tokens.

``xllamacpp`` runs llama.cpp's own server engine inside the Python process: the chat template comes
from the GGUF, requests are queued on one slot, and generation happens on llama.cpp's thread while
:meth:`LlamaCppGenerator.run` forwards each piece and watches the clock.

The engine also listens on a random local port (``127.0.0.1`` only). Esculape protects it with a random
API key held in memory and uses it for one thing: ``/tokenize``, so that :meth:`count_tokens` counts
with the model's own tokenizer.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from haystack import component
from haystack.dataclasses import ChatMessage, StreamingChunk

from pipelines.generators.base import ErrorKind, GeneratorError, GeneratorInfo
from pipelines.generators.chat_request import chat_request
from pipelines.generators.models import check_gguf_header
from pipelines.generators.streaming import INTERRUPTED, ReplyStream, TimeLimits

__all__ = ["LlamaCppGenerator"]

logger = logging.getLogger(__name__)

# llama.cpp's server logs every request at its default verbosity; -1 keeps only errors.
_QUIET = -1


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@component
class LlamaCppGenerator:
    """Chat generator over a local GGUF file, run by llama.cpp on the CPU (or the GPU of a GPU build).

    :param model_path: the GGUF file.
    :param context_window: tokens of context allocated (``ESCULAPE_LLM_CTX``), prompt and answer together.
    :param limits: total and stall time limits.
    :param threads: CPU threads; all the cores this process may use by default.
    :param max_tokens: answer length when ``generation_kwargs`` does not set one.
    :param gpu_layers: layers offloaded to a GPU (a CPU-only build ignores it).

    Example:
        >>> generator = LlamaCppGenerator(smollm2_path(), context_window=2048)
        >>> generator.warm_up()
        >>> reply = generator.run([ChatMessage.from_user("Bonjour")], streaming_callback=print)["replies"][0]
        >>> reply.meta["finish_reason"]
        'stop'
    """

    def __init__(
        self,
        model_path: Path,
        context_window: int = 4096,
        limits: TimeLimits | None = None,
        threads: int | None = None,
        max_tokens: int = 512,
        gpu_layers: int = 0,
    ) -> None:
        self.model_path = Path(model_path)
        self.limits = limits or TimeLimits()
        self.threads = threads or _cpu_count()
        self.max_tokens = max_tokens
        self.gpu_layers = gpu_layers
        self.info = GeneratorInfo(
            backend="llamacpp",
            model=self.model_path.name,
            context_window=context_window,
            location=str(self.model_path),
        )
        self._server: Any = None
        self._api_key = secrets.token_urlsafe(24)
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model (a few seconds); a second call does nothing.

        :raises GeneratorError: ``MISSING`` (no file, or ``xllamacpp`` not installed) or ``CORRUPT`` (not a
            GGUF, truncated, or a format this llama.cpp cannot read).
        """
        with self._lock:
            if self._server is not None:
                return
            check_gguf_header(self.model_path)
            try:
                import xllamacpp
            except ImportError as error:
                raise GeneratorError(
                    "Le moteur llama.cpp (paquet « xllamacpp ») n'est pas installé : lancez « make setup ».",
                    ErrorKind.MISSING,
                    detail=repr(error),
                ) from error

            params = xllamacpp.CommonParams()
            params.model.path = str(self.model_path)
            params.n_ctx = self.info.context_window
            params.n_parallel = 1
            params.n_gpu_layers = self.gpu_layers
            params.cpuparams.n_threads = self.threads
            params.cpuparams_batch.n_threads = self.threads
            params.hostnames = ["127.0.0.1"]
            params.port = 0
            params.api_keys = [self._api_key]
            params.verbosity = _QUIET
            try:
                self._server = xllamacpp.Server(params)
            except RuntimeError as error:
                raise GeneratorError(
                    f"Le fichier du modèle de langage {self.model_path} est illisible par llama.cpp (fichier "
                    "tronqué, altéré ou d'un format non pris en charge). Supprimez-le pour qu'il soit "
                    "reconstitué (modèle par défaut) ou indiquez un autre fichier .gguf dans ESCULAPE_LLM.",
                    ErrorKind.CORRUPT,
                    detail=f"xllamacpp.Server failed: {error}",
                ) from error
            logger.info("Loaded %s (context %d, %d threads)", self.model_path, params.n_ctx, self.threads)

    def close(self) -> None:
        """Free the model and stop the engine."""
        with self._lock:
            self._server = None

    def count_tokens(self, text: str) -> int:
        """Count ``text``'s tokens with the model's own tokenizer (special tokens not added)."""
        self.warm_up()
        body = json.dumps({"content": text, "add_special": False}).encode()
        request = urllib.request.Request(
            f"{self._server.listening_address}/tokenize",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self._api_key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.limits.stall) as response:
                return len(json.load(response)["tokens"])
        except (OSError, urllib.error.URLError, KeyError, ValueError) as error:
            raise GeneratorError(
                "Le moteur llama.cpp ne répond plus ; redémarrez l'application.",
                ErrorKind.SERVER,
                detail=f"/tokenize failed: {error!r}",
            ) from error

    @component.output_types(replies=list[ChatMessage])
    def run(
        self,
        messages: list[ChatMessage],
        streaming_callback: Callable[[StreamingChunk], None] | None = None,
        generation_kwargs: dict[str, Any] | None = None,
    ) -> dict[str, list[ChatMessage]]:
        """Generate one reply, streaming each piece to ``streaming_callback``.

        :param messages: the conversation (system, user, assistant messages).
        :param streaming_callback: called once per piece of text, in order.
        :param generation_kwargs: OpenAI-style options (``max_tokens``, ``temperature``, ``top_p``, ``seed``,
            ``stop``...); ``max_new_tokens`` and ``max_completion_tokens`` are read as ``max_tokens``.
        :returns: ``{"replies": [ChatMessage]}``; see :mod:`pipelines.generators.base` for its meta.
        :raises GeneratorError: before the first piece (missing or corrupt model, time limit, an error from
            llama.cpp such as a prompt longer than the context window).
        """
        self.warm_up()
        request = chat_request(messages, generation_kwargs, self.max_tokens)
        stream = ReplyStream(streaming_callback, self.info.model, self.limits)
        events: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            events.put(("chunk", chunk))
            return stop.is_set()  # True asks llama.cpp to stop generating

        def generate() -> None:
            try:
                events.put(("done", self._server.handle_chat_completions(request, on_chunk)))
            except Exception as error:  # noqa: BLE001  (re-raised on the caller's thread)
                events.put(("error", error))

        threading.Thread(target=generate, name="llamacpp-generate", daemon=True).start()
        try:
            return {"replies": [self._consume(events, stream)]}
        finally:
            stop.set()

    def _consume(self, events: queue.Queue[tuple[str, Any]], stream: ReplyStream) -> ChatMessage:
        """Read llama.cpp's chunks until it finishes, fails or runs out of time."""
        finish_reason: str | None = None
        usage: dict[str, int] = {}
        while True:
            try:
                kind, payload = events.get(timeout=stream.next_wait())
            except queue.Empty:
                return stream.fail(stream.timeout_error())

            if kind == "error":
                return stream.fail(
                    GeneratorError(
                        "Le moteur llama.cpp a refusé la requête ; voir le journal de l'application.",
                        ErrorKind.SERVER,
                        detail=repr(payload),
                    )
                )
            if kind == "done":
                if isinstance(payload, dict) and "error" in payload:
                    return stream.fail(_engine_error(payload["error"]))
                if finish_reason is None:
                    return stream.reply(INTERRUPTED)
                return stream.reply(finish_reason, usage)

            if "error" in payload:
                return stream.fail(_engine_error(payload["error"]))
            for choice in payload.get("choices", []):
                stream.push((choice.get("delta") or {}).get("content") or "")
                finish_reason = choice.get("finish_reason") or finish_reason
            if "timings" in payload:
                timings = payload["timings"]
                usage = {
                    "prompt_tokens": timings.get("prompt_n", 0) + timings.get("cache_n", 0),
                    "completion_tokens": timings.get("predicted_n", 0),
                }
            if stream.past_total() and finish_reason is None:
                return stream.fail(stream.timeout_error())


def _engine_error(error: Any) -> GeneratorError:
    """Turn llama.cpp's error object into a French error; a prompt too long gets its own sentence."""
    detail = json.dumps(error, ensure_ascii=False) if isinstance(error, dict) else str(error)
    if isinstance(error, dict) and error.get("type") == "exceed_context_size_error":
        return GeneratorError(
            "La question et les sources dépassent la fenêtre du modèle "
            f"({error.get('n_prompt_tokens')} jetons pour {error.get('n_ctx')}). Réduisez le nombre de "
            "sources ou augmentez ESCULAPE_LLM_CTX.",
            ErrorKind.SERVER,
            detail=detail,
        )
    return GeneratorError(
        "Le moteur llama.cpp a renvoyé une erreur ; voir le journal de l'application.",
        ErrorKind.SERVER,
        detail=detail,
    )
