"""A fake generator for plumbing tests only: it streams a scripted reply and never reads the prompt's
meaning. It stands in for a model where the behaviour under test is the pipeline around the model
(citation parsing, abstention wording, interruption handling), never the model's answers."""

from collections.abc import Callable
from typing import Any

from haystack import component
from haystack.dataclasses import ChatMessage, StreamingChunk

from pipelines.generators.base import ErrorKind, GeneratorError, GeneratorInfo

Script = str | Callable[[list[ChatMessage]], str]


@component
class ScriptedFakeGenerator:
    """Streams ``script`` (a fixed reply, or a function of the messages) word by word.

    :param script: the reply text, or a callable building it from the messages.
    :param context_window: the window it claims, to exercise context fitting.
    :param interrupt_after_words: stop the stream after this many words and mark the reply interrupted.
    :param error: raise this error instead of answering (before any token).
    """

    def __init__(
        self,
        script: Script = "",
        context_window: int = 4096,
        interrupt_after_words: int | None = None,
        error: GeneratorError | None = None,
    ) -> None:
        self.script = script
        self.interrupt_after_words = interrupt_after_words
        self.error = error
        self.info = GeneratorInfo(backend="fake", model="scripted-fake", context_window=context_window)
        self.calls: list[list[ChatMessage]] = []

    def warm_up(self) -> None:
        """Nothing to load."""

    def count_tokens(self, text: str) -> int:
        """Roughly one token per four characters, as for French with a BPE vocabulary."""
        return max(1, len(text) // 4)

    @component.output_types(replies=list[ChatMessage])
    def run(
        self,
        messages: list[ChatMessage],
        streaming_callback: Callable[[StreamingChunk], None] | None = None,
        generation_kwargs: dict[str, Any] | None = None,
    ) -> dict[str, list[ChatMessage]]:
        """Stream the scripted reply; ``generation_kwargs`` is accepted and ignored."""
        self.calls.append(list(messages))
        if self.error is not None:
            raise self.error
        text = self.script(messages) if callable(self.script) else self.script
        words = text.split(" ")
        finish_reason = "stop"
        if self.interrupt_after_words is not None and len(words) > self.interrupt_after_words:
            words = words[: self.interrupt_after_words]
            finish_reason = "interrupted"
        streamed = []
        for index, word in enumerate(words):
            piece = word if index == 0 else " " + word
            streamed.append(piece)
            if streaming_callback is not None:
                streaming_callback(StreamingChunk(content=piece, index=0, start=index == 0))
        reply = ChatMessage.from_assistant(
            "".join(streamed),
            meta={"finish_reason": finish_reason, "model": self.info.model, "usage": {}},
        )
        if finish_reason == "interrupted":
            reply.meta["error"] = ErrorKind.INTERRUPTED.value
        return {"replies": [reply]}
