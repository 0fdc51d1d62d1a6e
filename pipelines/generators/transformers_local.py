"""A Hugging Face ``transformers`` model, by hub id or local folder, on the GPU when there is one.

The model runs in-process through Haystack's ``TransformersChatGenerator`` (package
``transformers-haystack``); the device is chosen by Haystack: CUDA, then Apple's MPS, then the CPU. The
extras (``torch``, ``transformers``) are large and optional: ``make setup-transformers`` installs
``requirements-transformers.txt``.

Time limits: the total limit is checked after every token and stops the generation there. The stall
limit cannot interrupt a single forward pass (the prompt's, typically): a model stuck inside one returns
only when that pass ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from haystack import component
from haystack.dataclasses import ChatMessage, StreamingChunk

from pipelines.generators.base import ErrorKind, GeneratorError, GeneratorInfo
from pipelines.generators.chat_request import generation_options
from pipelines.generators.streaming import INTERRUPTED, ReplyStream, TimeLimits

__all__ = ["TransformersGenerator"]

logger = logging.getLogger(__name__)

_INSTALL_HINT = "installez les dépendances optionnelles avec « make setup-transformers »"


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~")) or Path(model).expanduser().exists()


@component
class TransformersGenerator:
    """Chat generator over a ``transformers`` causal language model, streaming its tokens.

    :param model: a hub id (``mistralai/Mistral-7B-Instruct-v0.3``) or a folder saved with
        ``save_pretrained`` that holds a tokenizer with a chat template.
    :param context_window: upper bound on the window (``ESCULAPE_LLM_CTX``); the model's own
        ``max_position_embeddings`` caps it.
    :param limits: total and stall time limits (see the module docstring).
    :param max_tokens: answer length when ``generation_kwargs`` does not set one.
    :param device: ``"cuda"``, ``"cpu"``... ``None`` lets Haystack choose (GPU when present).

    Example:
        >>> generator = TransformersGenerator("/models/mistral-7b-instruct")
        >>> generator.warm_up()
        >>> generator.run([ChatMessage.from_user("Bonjour")], streaming_callback=print)
    """

    def __init__(
        self,
        model: str,
        context_window: int = 4096,
        limits: TimeLimits | None = None,
        max_tokens: int = 512,
        device: str | None = None,
    ) -> None:
        self.model = str(Path(model).expanduser()) if _looks_like_path(model) else model
        self.limits = limits or TimeLimits()
        self.max_tokens = max_tokens
        self.device = device
        self.info = GeneratorInfo(
            backend="transformers",
            model=Path(self.model).name,
            context_window=context_window,
            location=self.model,
        )
        self._generator: Any = None

    def warm_up(self) -> None:
        """Load the tokenizer and the model (from the local cache or the hub).

        :raises GeneratorError: ``MISSING`` (extras not installed, folder absent, model not found or hub
            unreachable) or ``CORRUPT`` (a folder whose files cannot be loaded).
        """
        if self._generator is not None:
            return
        try:
            from haystack.utils import ComponentDevice
            from haystack_integrations.components.generators.transformers import TransformersChatGenerator
        except ImportError as error:
            raise GeneratorError(
                f"Le moteur transformers n'est pas installé : {_INSTALL_HINT}.",
                ErrorKind.MISSING,
                detail=repr(error),
            ) from error

        if _looks_like_path(self.model) and not Path(self.model).is_dir():
            raise GeneratorError(
                f"Le dossier du modèle {self.model} est introuvable. Vérifiez ESCULAPE_LLM "
                "(transformers:/chemin/du/dossier ou transformers:organisation/modele).",
                ErrorKind.MISSING,
                detail=f"no folder {self.model}",
            )
        device = ComponentDevice.from_str(self.device) if self.device else None
        generator = TransformersChatGenerator(model=self.model, task="text-generation", device=device)
        try:
            generator.warm_up()
        except OSError as error:  # transformers' way of saying "not found" (no file, no hub)
            raise self._load_error(error, ErrorKind.MISSING) from error
        except (ValueError, RuntimeError, KeyError) as error:
            raise self._load_error(error, ErrorKind.CORRUPT) from error

        pipeline = generator.pipeline
        if not getattr(pipeline.tokenizer, "chat_template", None):
            raise GeneratorError(
                f"Le modèle {self.model} n'a pas de modèle de conversation (chat template) : choisissez une "
                "version « Instruct » ou « Chat » du modèle.",
                ErrorKind.CORRUPT,
                detail="tokenizer.chat_template is empty",
            )
        limit = getattr(pipeline.model.config, "max_position_embeddings", None)
        self.info = GeneratorInfo(
            backend="transformers",
            model=self.info.model,
            context_window=min(self.info.context_window, limit or self.info.context_window),
            location=f"{self.model} ({pipeline.device})",
        )
        self._generator = generator
        logger.info("Loaded %s on %s", self.model, pipeline.device)

    def _load_error(self, error: Exception, kind: ErrorKind) -> GeneratorError:
        if kind == ErrorKind.MISSING:
            message = (
                f"Le modèle {self.model} est introuvable : ni dans ce dossier, ni dans le cache local, et "
                "le hub Hugging Face n'a pas pu le fournir. Vérifiez le nom, ou téléchargez le modèle et "
                "indiquez son dossier dans ESCULAPE_LLM (transformers:/chemin/du/dossier)."
            )
        else:
            message = (
                f"Les fichiers du modèle {self.model} sont illisibles (incomplets ou altérés). "
                "Téléchargez-le à nouveau."
            )
        return GeneratorError(message, kind, detail=repr(error))

    def count_tokens(self, text: str) -> int:
        """Count ``text``'s tokens with the model's tokenizer (special tokens not added)."""
        self.warm_up()
        return len(self._generator.pipeline.tokenizer.encode(text, add_special_tokens=False))

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
        :param generation_kwargs: ``max_tokens`` (or ``max_new_tokens``), ``temperature``, ``do_sample``...
        :returns: ``{"replies": [ChatMessage]}``; see :mod:`pipelines.generators.base` for its meta.
        :raises GeneratorError: ``TIMEOUT`` when the first token comes after the total limit.
        """
        self.warm_up()
        from transformers import StoppingCriteria, StoppingCriteriaList, TextStreamer

        stream = ReplyStream(streaming_callback, self.info.model, self.limits)
        tokenizer = self._generator.pipeline.tokenizer

        class Streamer(TextStreamer):
            """Decodes new tokens without special tokens and hands each finished piece to the stream."""

            def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
                stream.push(text)

        class Deadline(StoppingCriteria):
            """Stops generation once the total time limit has passed, and remembers that it did."""

            fired = False

            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> bool:
                self.fired = self.fired or stream.elapsed() > stream.limits.total
                return self.fired

        deadline = Deadline()
        options = generation_options(generation_kwargs, self.max_tokens)
        options["max_new_tokens"] = options.pop("max_tokens")
        if options.get("temperature") == 0:  # OpenAI's spelling of greedy decoding
            del options["temperature"]
            options["do_sample"] = False
        options["streamer"] = Streamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        options["stopping_criteria"] = StoppingCriteriaList([deadline])
        try:
            result = self._generator.run(messages, generation_kwargs=options)
        except RuntimeError as error:  # CUDA out of memory, device errors
            failure = GeneratorError(
                f"Le modèle {self.model} a échoué pendant la génération ({type(error).__name__}). "
                "Réessayez avec une question plus courte ou moins de sources.",
                ErrorKind.SERVER,
                detail=repr(error),
            )
            return {"replies": [stream.fail(failure)]}

        meta = result["replies"][0].meta
        usage = {key: meta["usage"][key] for key in ("prompt_tokens", "completion_tokens")}
        if deadline.fired:
            return {"replies": [stream.fail(stream.timeout_error())]}
        finish_reason = meta.get("finish_reason")
        if finish_reason not in ("stop", "length"):
            finish_reason = INTERRUPTED
        return {"replies": [stream.reply(finish_reason, usage)]}
