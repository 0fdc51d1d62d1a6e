"""One streamed reply as every backend builds it: pieces forwarded as they come, time limits, the final
message with its ``finish_reason``.

The rule the backends share: before the first piece, a failure raises :class:`GeneratorError`; after
it, the reply keeps the text already streamed, ``finish_reason`` becomes ``"interrupted"`` and
``meta["error"]`` says why. Streamed text is never taken back, so nothing is retried after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from haystack.dataclasses import ChatMessage, StreamingChunk

from pipelines.generators.base import ErrorKind, GeneratorError

__all__ = ["INTERRUPTED", "ReplyStream", "TimeLimits", "slow_model_error"]

INTERRUPTED = "interrupted"

StreamingCallback = Callable[[StreamingChunk], None]


@dataclass(frozen=True)
class TimeLimits:
    """How long a generation may take.

    :param total: seconds for the whole answer, first token included (``ESCULAPE_LLM_TIMEOUT``).
    :param stall: seconds without a new token, the wait for the first one included
        (``ESCULAPE_LLM_STALL_TIMEOUT``).
    """

    total: float = 300.0
    stall: float = 120.0

    def __post_init__(self) -> None:
        if self.total <= 0 or self.stall <= 0:
            raise ValueError(f"time limits must be positive, got total={self.total} stall={self.stall}")


def slow_model_error(limits: TimeLimits, waited: float, first_token: bool) -> GeneratorError:
    """The French ``TIMEOUT`` error for a model that did not answer in time.

    :param limits: the limits that were exceeded (in the technical detail).
    :param waited: seconds since the request started.
    :param first_token: whether the model had not sent anything yet.
    """
    if first_token:
        what = f"Le modèle de langage n'a pas commencé à répondre après {waited:.0f} s."
    else:
        what = (
            f"Le modèle de langage a dépassé le délai imparti en cours de réponse ({waited:.0f} s) ; "
            "le texte affiché est incomplet."
        )
    return GeneratorError(
        f"{what} Réessayez, réduisez la question ou les sources, ou allongez les délais "
        "(ESCULAPE_LLM_TIMEOUT, ESCULAPE_LLM_STALL_TIMEOUT).",
        ErrorKind.TIMEOUT,
        detail=f"waited {waited:.1f}s; limits total={limits.total}s stall={limits.stall}s",
    )


class ReplyStream:
    """Collects the pieces of one reply and forwards each to the caller's callback.

    :param callback: the caller's streaming callback, or ``None``.
    :param model: the model name written in the reply's meta.
    :param limits: the time limits of this generation; the clock starts here.

    Example:
        >>> stream = ReplyStream(print_chunk, model="qwen", limits=TimeLimits())
        >>> stream.push("Bonjour")
        >>> stream.reply("stop").text
        'Bonjour'
    """

    def __init__(self, callback: StreamingCallback | None, model: str, limits: TimeLimits) -> None:
        self.callback = callback
        self.model = model
        self.limits = limits
        self.pieces: list[str] = []
        self.started_at = time.monotonic()
        self.last_piece_at = self.started_at
        self.first_piece_after: float | None = None

    @property
    def started(self) -> bool:
        """Whether at least one non-empty piece has been streamed (no retry after that)."""
        return bool(self.pieces)

    @property
    def text(self) -> str:
        """The text streamed so far."""
        return "".join(self.pieces)

    def elapsed(self) -> float:
        """Seconds since the stream was created."""
        return time.monotonic() - self.started_at

    def push(self, piece: str) -> None:
        """Record ``piece`` and pass it to the callback; empty pieces are dropped."""
        if not piece:
            return
        now = time.monotonic()
        if not self.pieces:
            self.first_piece_after = now - self.started_at
        self.last_piece_at = now
        self.pieces.append(piece)
        if self.callback is not None:
            self.callback(StreamingChunk(content=piece, index=0, start=len(self.pieces) == 1))

    def next_wait(self) -> float:
        """Seconds the caller may still wait for the next piece (stall and total limits together)."""
        deadline = min(self.last_piece_at + self.limits.stall, self.started_at + self.limits.total)
        return max(0.0, deadline - time.monotonic())

    def past_total(self) -> bool:
        """Whether the total time limit has passed (checked after each piece: a model that streams
        steadily but too long is stopped too)."""
        return time.monotonic() - self.started_at > self.limits.total

    def timeout_error(self) -> GeneratorError:
        """The ``TIMEOUT`` error for this stream, worded for before or after the first token."""
        return slow_model_error(self.limits, self.elapsed(), first_token=not self.started)

    def reply(
        self,
        finish_reason: str,
        usage: dict[str, int] | None = None,
        error: GeneratorError | None = None,
    ) -> ChatMessage:
        """Build the assistant message from the pieces streamed.

        :param finish_reason: ``"stop"``, ``"length"`` or ``"interrupted"``.
        :param usage: ``prompt_tokens`` and ``completion_tokens`` when the backend knows them.
        :param error: why the stream was interrupted; its kind goes to ``meta["error"]`` and its French
            sentence to ``meta["error_message"]``.
        """
        meta: dict[str, Any] = {
            "finish_reason": finish_reason,
            "model": self.model,
            "usage": dict(usage or {}),
            "time_to_first_token_s": self.first_piece_after,
            "elapsed_s": self.elapsed(),
        }
        if finish_reason == INTERRUPTED:
            error = error or GeneratorError(
                "La réponse du modèle s'est interrompue avant la fin ; le texte affiché est incomplet.",
                ErrorKind.INTERRUPTED,
            )
            meta["error"] = error.kind.value
            meta["error_message"] = str(error)
        return ChatMessage.from_assistant(self.text, meta=meta)

    def fail(self, error: GeneratorError) -> ChatMessage:
        """Raise ``error`` before the first piece; after it, return the partial reply marked interrupted."""
        if not self.started:
            raise error
        return self.reply(INTERRUPTED, error=error)
