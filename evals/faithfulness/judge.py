"""The judge: a model behind an OpenAI-compatible chat endpoint, wrapped for RAGAS and for Haystack.

``--judge`` takes the forms of ``ESCULAPE_LLM`` that a server can serve:

| ``--judge`` | judge |
|---|---|
| ``llamacpp`` or ``llamacpp:default`` | the packaged Qwen2.5-Coder-0.5B, served by llama.cpp's own server |
| ``llamacpp:smollm2`` | the packaged SmolLM2-135M (plumbing tests only) |
| ``llamacpp:/path/model.gguf`` | any GGUF file, served the same way |
| ``openai:http://host:port/v1#model`` | a server already running (vLLM, TGI, Ollama, llama.cpp…) |

A GGUF judge runs in a subprocess (``python -m pipelines.generators.serve``) on a free port of
127.0.0.1, so RAGAS and Haystack's evaluator both talk HTTP to the same model.

Each RAGAS call asks for JSON that follows the metric's output schema (``response_format`` with a JSON
schema, which llama.cpp's server and vLLM enforce with a grammar). Free-text ``reason`` fields are capped
at ``REASON_CHARS`` characters in that schema: on a CPU every generated token costs, and the verdicts, not
the reasons, make the score.

Usage example::

    with JudgeEndpoint.start("llamacpp:smollm2", context_window=4096) as endpoint:
        llm = JudgeLLM(endpoint)
        llm.generate("Réponds en JSON…", SomePydanticModel)
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ragas.llms.base import InstructorBaseRagasLLM

from esculape.processes import ServiceNotReadyError, stop
from esculape.settings import Settings

logger = logging.getLogger(__name__)

VALID_JUDGES = (
    "llamacpp",
    "llamacpp:default",
    "llamacpp:smollm2",
    "llamacpp:/path/model.gguf",
    "openai:http://host:port/v1#model",
)
SERVER_START_TIMEOUT = 120.0
REASON_CHARS = 160
JUDGE_MAX_TOKENS = 512
Model = TypeVar("Model", bound=BaseModel)


class JudgeError(RuntimeError):
    """The judge cannot be set up (bad ``--judge`` value, missing model, server that does not start)."""


class JudgeOutputError(RuntimeError):
    """One judge reply that is not the JSON the metric asked for (counted, and the score becomes NaN)."""


def parse_judge(spec: str) -> tuple[str, str, str]:
    """Split a ``--judge`` value into ``(backend, target, model)``.

    :raises JudgeError: for a value of no known form; the message lists the valid ones.
    """
    backend, _, target = (spec or "").strip().partition(":")
    backend, target = backend.strip().lower(), target.strip()
    if backend == "llamacpp":
        return backend, target or "default", ""
    if backend == "openai":
        url, _, model = target.partition("#")
        if not url.startswith(("http://", "https://")):
            raise JudgeError(
                f"--judge {spec!r}: the server address must start with http:// or https:// "
                f"(valid forms: {', '.join(VALID_JUDGES)})"
            )
        return backend, url.rstrip("/"), model.strip()
    raise JudgeError(
        f"--judge {spec!r}: unknown backend '{backend}' (valid forms: {', '.join(VALID_JUDGES)})"
    )


def gguf_path(target: str, settings: Settings) -> Path:
    """The GGUF file a ``llamacpp:`` judge names (the default model is assembled if needed)."""
    from pipelines.generators.base import GeneratorError
    from pipelines.generators.models import check_gguf_header, default_model_path, smollm2_path

    try:
        if target == "default":
            return default_model_path(settings.models_dir)
        if target.lower() == "smollm2":
            return smollm2_path()
        path = Path(target).expanduser()
        check_gguf_header(path)
        return path
    except GeneratorError as error:
        raise JudgeError(f"judge model: {error}") from error


@dataclass
class JudgeEndpoint:
    """An OpenAI-compatible chat endpoint serving the judge; ``start`` launches one for a GGUF file.

    :param url: the ``/v1`` base URL.
    :param model: the model name sent with each request (``""`` lets the server choose).
    :param label: what results record as the judge.
    :param process: the llama.cpp server started for this run, stopped by :meth:`close`.
    """

    url: str
    model: str
    label: str
    process: subprocess.Popen[str] | None = None
    api_key: str = field(default_factory=lambda: os.environ.get("ESCULAPE_LLM_API_KEY", ""))

    @classmethod
    def start(cls, spec: str, settings: Settings | None = None, context_window: int = 4096) -> JudgeEndpoint:
        """Resolve ``spec``; for a ``llamacpp`` judge, serve the GGUF on a free port and wait until healthy.

        :raises JudgeError: bad spec, missing model, or a server that exits or stays unhealthy.
        """
        settings = settings or Settings.from_env()
        backend, target, model = parse_judge(spec)
        if backend == "openai":
            return cls(url=target, model=model, label=f"openai · {model or target}")

        from pipelines.generators.serve import launch

        path = gguf_path(target, settings)
        try:
            process, base = launch(path, ctx=context_window, alias=path.name, timeout=SERVER_START_TIMEOUT)
        except ServiceNotReadyError as error:
            raise JudgeError(f"the judge server for {path.name} did not start: {error}") from error
        return cls(url=f"{base}/v1", model=path.name, label=f"llamacpp · {path.name}", process=process)

    def close(self) -> None:
        """Stop the server this endpoint started (nothing for an ``openai:`` judge)."""
        stop(self.process)
        self.process = None

    def __enter__(self) -> JudgeEndpoint:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _capped_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The output schema with every ``reason`` string capped at ``REASON_CHARS`` characters."""
    schema = copy.deepcopy(schema)

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if name == "reason" and sub.get("type") == "string":
                    sub["maxLength"] = REASON_CHARS
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return schema


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_reply(text: str, response_model: type[Model]) -> Model:
    """Validate a judge reply against ``response_model``; a JSON object inside other text is accepted.

    :raises JudgeOutputError: when no valid object can be read.
    """
    text = (text or "").strip()
    candidates = [text]
    match = _JSON_OBJECT.search(text)
    if match and match.group(0) != text:
        candidates.append(match.group(0))
    last = "empty reply"
    for candidate in candidates:
        try:
            return response_model.model_validate_json(candidate)
        except ValidationError as error:
            last = f"{error.error_count()} validation error(s): {error.errors()[0]['msg']}"
    raise JudgeOutputError(f"{response_model.__name__}: {last}")


@dataclass
class JudgeUsage:
    """Calls, failures and tokens spent by the judge (from the server's ``usage`` field)."""

    calls: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    failure_kinds: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "calls": self.calls,
            "failures": self.failures,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 1),
            "failure_kinds": dict(sorted(self.failure_kinds.items())),
        }


class JudgeLLM(InstructorBaseRagasLLM):
    """RAGAS' structured-output LLM interface over a :class:`JudgeEndpoint`.

    :param endpoint: where the judge is served.
    :param temperature: sampling temperature (above 0 so that repeated runs can differ).
    :param seed: base seed; each call gets its own.
    :param structured: send the output schema as ``response_format`` (off for servers without it).
    :param timeout: seconds allowed per call.
    """

    def __init__(
        self,
        endpoint: JudgeEndpoint,
        temperature: float = 0.3,
        seed: int = 0,
        structured: bool = True,
        timeout: float = 600.0,
        max_tokens: int = JUDGE_MAX_TOKENS,
    ) -> None:
        self.endpoint = endpoint
        self.temperature = temperature
        self.seed = seed
        self.structured = structured
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.usage = JudgeUsage()

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.endpoint.api_key:
            headers["Authorization"] = f"Bearer {self.endpoint.api_key}"
        request = urllib.request.Request(
            f"{self.endpoint.url}/chat/completions", data=json.dumps(payload).encode(), headers=headers
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read())

    def generate(self, prompt: str, response_model: type[Model]) -> Model:
        """Ask the judge once and validate its JSON reply.

        :raises JudgeOutputError: invalid or truncated JSON, or an HTTP error from the server.
        """
        payload: dict[str, Any] = {
            "messages": [{"role": "user", "content": prompt}],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed + self.usage.calls,
        }
        if self.endpoint.model:
            payload["model"] = self.endpoint.model
        if self.structured:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": response_model.__name__,
                    "schema": _capped_schema(response_model.model_json_schema()),
                },
            }
        self.usage.calls += 1
        started = time.perf_counter()
        try:
            reply = self._post(payload)
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as error:
            self._failed("http")
            raise JudgeOutputError(f"judge request failed: {error}") from error
        finally:
            self.usage.seconds += time.perf_counter() - started
        usage = reply.get("usage") or {}
        self.usage.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.usage.completion_tokens += int(usage.get("completion_tokens") or 0)
        choice = (reply.get("choices") or [{}])[0]
        try:
            return parse_reply((choice.get("message") or {}).get("content") or "", response_model)
        except JudgeOutputError:
            self._failed("truncated" if choice.get("finish_reason") == "length" else "invalid_json")
            raise

    def _failed(self, kind: str) -> None:
        self.usage.failures += 1
        self.usage.failure_kinds[kind] = self.usage.failure_kinds.get(kind, 0) + 1

    async def agenerate(self, prompt: str, response_model: type[Model]) -> Model:
        """The same call, off the event loop (RAGAS metrics are coroutines)."""
        return await asyncio.to_thread(self.generate, prompt, response_model)


def haystack_chat_generator(endpoint: JudgeEndpoint, timeout: float = 600.0) -> Any:
    """Haystack's ``OpenAIChatGenerator`` pointed at the judge (for ``FaithfulnessEvaluator``)."""
    from haystack.components.generators.chat import OpenAIChatGenerator
    from haystack.utils import Secret

    return OpenAIChatGenerator(
        api_key=Secret.from_token(endpoint.api_key or "sans-cle"),
        model=endpoint.model or "judge",
        api_base_url=endpoint.url,
        generation_kwargs={
            "response_format": {"type": "json_object"},
            "temperature": 0.0,
            "seed": 42,
            "max_tokens": JUDGE_MAX_TOKENS,
        },
        timeout=timeout,
        max_retries=0,
    )
