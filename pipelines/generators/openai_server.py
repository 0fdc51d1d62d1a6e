"""Any OpenAI-compatible chat server (vLLM, TGI, Ollama, llama.cpp's server) reached by URL.

This is how a hospital runs a large open model on its own GPU machine and points Esculape at it:
``ESCULAPE_LLM=openai:http://gpu-server:8000/v1#mistral-small`` (the model name after ``#`` is optional
when the server serves one model). The requests go through Haystack's ``OpenAIChatGenerator``; this
component adds what a clinician needs on top: French errors, time limits, and a reply marked
``interrupted`` when the stream stops without saying why.

Retries: the OpenAI client retries a refused connection, a timeout or a 5xx answer before the stream
starts (``attempts`` in all); once a token has arrived, nothing is retried, so streamed text is never
repeated.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai
from haystack import component
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage, StreamingChunk
from haystack.utils import Secret

from pipelines.generators.base import ErrorKind, GeneratorError, GeneratorInfo
from pipelines.generators.chat_request import generation_options
from pipelines.generators.streaming import INTERRUPTED, ReplyStream, TimeLimits

__all__ = ["CHARS_PER_TOKEN_ESTIMATE", "OpenAIServerGenerator"]

logger = logging.getLogger(__name__)

# Without a /tokenize endpoint the server's tokenizer is unknown. French clinical text runs at 3.6 characters
# per token with Qwen2.5's vocabulary and 2.9 with SmolLM2's (the embedders benchmark sentences, counted by
# llama.cpp); 2.5 over-counts on purpose, so that a prompt fitted with the estimate still fits.
CHARS_PER_TOKEN_ESTIMATE = 2.5

# Local servers ignore the key, but the OpenAI client refuses to start without one.
_NO_KEY = "no-key"
_CONNECT_TIMEOUT = 10.0


def _transport_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """The HTTP library's own (timeout, transport) error classes.

    The OpenAI client wraps these in ``APITimeoutError``/``APIConnectionError`` while it sends the request,
    but not while a stream is being read: a server that stalls mid-answer raises the transport's own
    ``ReadTimeout``. Depending on its version the client runs on ``httpx`` or on its fork ``httpx2``.
    """
    timeouts, transports = [], []
    for name in ("httpx", "httpx2"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        transports.append(module.TransportError)
    return tuple(timeouts), tuple(transports)


_TRANSPORT_TIMEOUTS, _TRANSPORT_ERRORS = _transport_errors()


class _OverdueError(Exception):
    """Raised from the streaming callback to stop a stream that has run past its total time limit."""


def _server_root(base_url: str) -> str:
    """``http://host:port/v1`` → ``http://host:port`` (llama.cpp serves /tokenize and /props at the root)."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@component
class OpenAIServerGenerator:
    """Chat generator over an OpenAI-compatible server, streaming its tokens.

    :param base_url: the API root, usually ending in ``/v1``.
    :param model: the model name the server expects; ``None`` takes the first model it lists.
    :param api_key: bearer token (``ESCULAPE_LLM_API_KEY``), or ``None`` for a server without one.
    :param context_window: used when the server does not report its own (llama.cpp and vLLM do).
    :param limits: total and stall time limits; the stall limit is the HTTP read timeout.
    :param attempts: tries before the first token, 2 by default (one retry).
    :param max_tokens: answer length when ``generation_kwargs`` does not set one.

    Example:
        >>> generator = OpenAIServerGenerator("http://127.0.0.1:8080/v1")
        >>> generator.warm_up()  # asks the server for its model and context window
        >>> generator.run([ChatMessage.from_user("Bonjour")])["replies"][0].meta["finish_reason"]
        'stop'
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        context_window: int = 4096,
        limits: TimeLimits | None = None,
        attempts: int = 2,
        max_tokens: int = 512,
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.limits = limits or TimeLimits()
        self.attempts = attempts
        self.max_tokens = max_tokens
        self._api_key = api_key or None
        self.info = GeneratorInfo(
            backend="openai", model=model or "?", context_window=context_window, location=self.base_url
        )
        self._generator: OpenAIChatGenerator | None = None
        self._can_tokenize = False

    # -- set-up -------------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Ask the server which model it serves and its context window, then build the client.

        :raises GeneratorError: ``UNREACHABLE`` when the server does not answer, ``MISSING`` when it
            serves no model or not the one named.
        """
        if self._generator is not None:
            return
        listed = self._get_json(f"{self.base_url}/models")
        served = [entry.get("id") for entry in listed.get("data", []) if entry.get("id")]
        if self.model is None:
            if not served:
                raise GeneratorError(
                    f"Le serveur de modèle {self.base_url} ne sert aucun modèle. Vérifiez sa configuration, "
                    "ou nommez le modèle dans ESCULAPE_LLM (openai:URL#nom-du-modèle).",
                    ErrorKind.MISSING,
                    detail=f"GET /models listed nothing: {listed}",
                )
            self.model = served[0]
        elif served and self.model not in served:
            logger.warning("%s lists %s, not %s; asking for it anyway", self.base_url, served, self.model)

        context_window = self._server_context_window(listed)
        self.info = GeneratorInfo(
            backend="openai",
            model=self.model,
            context_window=context_window or self.info.context_window,
            location=self.base_url,
        )
        self._can_tokenize = self._tokenize("test") is not None
        self._generator = OpenAIChatGenerator(
            api_key=Secret.from_token(self._api_key or _NO_KEY),
            model=self.model,
            api_base_url=self.base_url,
            timeout=openai.Timeout(self.limits.stall, connect=self._connect_timeout()),
            max_retries=self.attempts - 1,
        )
        self._generator.warm_up()
        logger.info("Using %s at %s (context %d)", self.model, self.base_url, self.info.context_window)

    def _connect_timeout(self) -> float:
        return min(_CONNECT_TIMEOUT, self.limits.stall)

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _get_json(self, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET (or POST ``body`` to) ``url``; French ``UNREACHABLE``/``SERVER`` errors on failure."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, headers=self._headers())
        try:
            with urllib.request.urlopen(request, timeout=self._connect_timeout()) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            answer = error.read(500).decode("utf-8", "replace")
            raise _status_error(error.code, self.base_url, answer) from error
        except (urllib.error.URLError, OSError) as error:
            raise _unreachable(self.base_url, repr(error)) from error
        except ValueError as error:
            raise GeneratorError(
                f"Le serveur {self.base_url} ne répond pas comme un serveur compatible OpenAI. Vérifiez "
                "l'URL dans ESCULAPE_LLM (elle se termine d'ordinaire par /v1).",
                ErrorKind.SERVER,
                detail=f"{url}: not JSON ({error})",
            ) from error

    def _server_context_window(self, listed: dict[str, Any]) -> int | None:
        """The server's context window: vLLM lists ``max_model_len``, llama.cpp has ``n_ctx`` in /props."""
        for entry in listed.get("data", []):
            if entry.get("id") == self.model and entry.get("max_model_len"):
                return int(entry["max_model_len"])
        try:
            props = self._get_json(f"{_server_root(self.base_url)}/props")
        except GeneratorError:
            return None
        n_ctx = (props.get("default_generation_settings") or {}).get("n_ctx")
        return int(n_ctx) if n_ctx else None

    def _tokenize(self, text: str) -> int | None:
        """Token count from llama.cpp's ``/tokenize``; ``None`` when the server has no such endpoint."""
        try:
            answer = self._get_json(f"{_server_root(self.base_url)}/tokenize", {"content": text})
        except GeneratorError:
            return None
        tokens = answer.get("tokens")
        return len(tokens) if isinstance(tokens, list) else None

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text``: the server's own count where it offers ``/tokenize`` (llama.cpp), otherwise
        an over-estimate of one token per :data:`CHARS_PER_TOKEN_ESTIMATE` characters."""
        self.warm_up()
        counted = self._tokenize(text) if self._can_tokenize else None
        if counted is not None:
            return counted
        return max(1, math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE))

    # -- generation ---------------------------------------------------------------------------------

    @component.output_types(replies=list[ChatMessage])
    def run(
        self,
        messages: list[ChatMessage],
        streaming_callback: Callable[[StreamingChunk], None] | None = None,
        generation_kwargs: dict[str, Any] | None = None,
    ) -> dict[str, list[ChatMessage]]:
        """Generate one reply, streaming each piece to ``streaming_callback``.

        :param messages: the conversation.
        :param streaming_callback: called once per piece of text, in order.
        :param generation_kwargs: OpenAI options (``max_tokens``, ``temperature``, ``seed``, ``stop``...).
        :returns: ``{"replies": [ChatMessage]}``; see :mod:`pipelines.generators.base` for its meta.
        :raises GeneratorError: before the first piece: server unreachable, too slow, or answering with an
            error (model not found: ``MISSING``).
        """
        self.warm_up()
        assert self._generator is not None
        stream = ReplyStream(streaming_callback, self.info.model, self.limits)
        finish_reasons: list[str] = []

        def forward(chunk: StreamingChunk) -> None:
            stream.push(chunk.content)
            if chunk.finish_reason:
                finish_reasons.append(chunk.finish_reason)
            if stream.past_total() and not finish_reasons:
                raise _OverdueError

        options = generation_options(generation_kwargs, self.max_tokens)
        options["stream_options"] = {"include_usage": True}
        try:
            result = self._generator.run(messages, streaming_callback=forward, generation_kwargs=options)
        except _OverdueError:
            return {"replies": [stream.fail(stream.timeout_error())]}
        except openai.APIStatusError as error:
            return {"replies": [stream.fail(self._status(error))]}
        except openai.APITimeoutError:
            return {"replies": [stream.fail(stream.timeout_error())]}
        except openai.APIConnectionError as error:
            return {"replies": [stream.fail(self._broken(stream, error))]}
        except openai.APIError as error:  # an error event inside the stream
            return {"replies": [stream.fail(self._status(error))]}
        except _TRANSPORT_TIMEOUTS:  # the stream stalled after it started
            return {"replies": [stream.fail(stream.timeout_error())]}
        except _TRANSPORT_ERRORS as error:  # the connection broke while the stream was read
            return {"replies": [stream.fail(self._broken(stream, error))]}

        meta = result["replies"][0].meta if result["replies"] else {}
        usage = meta.get("usage") or {}
        usage = {key: usage[key] for key in ("prompt_tokens", "completion_tokens") if key in usage}
        finish_reason = meta.get("finish_reason") or (finish_reasons[-1] if finish_reasons else None)
        if finish_reason not in ("stop", "length"):
            logger.warning("Stream from %s ended without a finish reason (%r)", self.base_url, finish_reason)
            return {"replies": [stream.reply(INTERRUPTED, usage)]}
        return {"replies": [stream.reply(finish_reason, usage)]}

    def _status(self, error: openai.APIError) -> GeneratorError:
        status = getattr(error, "status_code", None)
        return _status_error(status, self.base_url, str(error), model=self.model)

    def _broken(self, stream: ReplyStream, error: Exception) -> GeneratorError:
        if stream.started:
            return GeneratorError(
                f"La connexion au serveur de modèle {self.base_url} a été coupée pendant la réponse ; le "
                "texte affiché est incomplet.",
                ErrorKind.INTERRUPTED,
                detail=repr(error.__cause__ or error),
            )
        return _unreachable(self.base_url, repr(error.__cause__ or error))


def _unreachable(base_url: str, detail: str) -> GeneratorError:
    return GeneratorError(
        f"Le serveur de modèle {base_url} est injoignable. Vérifiez qu'il est démarré et que l'adresse "
        "dans ESCULAPE_LLM est la bonne, ou prévenez l'équipe qui l'exploite.",
        ErrorKind.UNREACHABLE,
        detail=detail,
    )


def _status_error(status: int | None, base_url: str, detail: str, model: str | None = None) -> GeneratorError:
    """A French error for an HTTP error answer from the model server."""
    if status == 404:
        return GeneratorError(
            f"Le serveur {base_url} ne connaît pas le modèle « {model or '?'} » (ou l'adresse est "
            "incomplète). Vérifiez le nom après « # » et l'URL dans ESCULAPE_LLM.",
            ErrorKind.MISSING,
            detail=detail,
        )
    if status in (401, 403):
        return GeneratorError(
            f"Le serveur de modèle {base_url} refuse l'accès : vérifiez la clé ESCULAPE_LLM_API_KEY.",
            ErrorKind.SERVER,
            detail=detail,
        )
    if status == 400:
        return GeneratorError(
            f"Le serveur de modèle {base_url} a refusé la requête (question et sources trop longues pour le "
            "modèle, ou option non prise en charge).",
            ErrorKind.SERVER,
            detail=detail,
        )
    return GeneratorError(
        f"Le serveur de modèle {base_url} a répondu par une erreur ({status or 'inconnue'}). Réessayez dans "
        "un instant ; si l'erreur persiste, prévenez l'équipe qui l'exploite.",
        ErrorKind.SERVER,
        detail=detail,
    )
