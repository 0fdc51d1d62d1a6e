"""What every generator backend shares: its description, its errors and the streaming contract.

A generator is a Haystack chat generator component:

```python
generator.warm_up()
result = generator.run(messages=[ChatMessage.from_user("Bonjour")], streaming_callback=print_chunk)
reply = result["replies"][0]
reply.text, reply.meta["finish_reason"]  # "stop", "length" or "interrupted"
```

Besides ``run``, each backend exposes ``info`` (a :class:`GeneratorInfo`) and ``count_tokens(text)`` so that
the answer pipeline can fit its sources into the model's context window.

The real backends (``pipelines.generators.factory.load_generator``) also put ``time_to_first_token_s`` and
``elapsed_s`` in the reply's meta and, on an interrupted reply, ``error_message`` (the French sentence that
goes with ``error``).
"""

from dataclasses import dataclass
from enum import Enum


class ErrorKind(str, Enum):  # noqa: UP042  (the value is shown in JSON output)
    """Why a generation failed; the answer pipeline and the app choose what to show from it."""

    MISSING = "missing"  # model file or server model not found
    CORRUPT = "corrupt"  # file present but unreadable (checksum, format)
    UNREACHABLE = "unreachable"  # server down, refused, DNS
    TIMEOUT = "timeout"  # no answer (or no next token) in time
    SERVER = "server"  # the server answered with an error
    INTERRUPTED = "interrupted"  # the stream stopped mid-answer
    CONFIG = "config"  # an ESCULAPE_LLM value that cannot be parsed


class GeneratorError(RuntimeError):
    """A generation failure. ``str(error)`` is a French sentence a clinician can act on (or pass on to
    the team running the model); ``detail`` keeps the technical cause for the logs."""

    def __init__(self, message: str, kind: ErrorKind, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class GeneratorInfo:
    """What the app and the result files say about the model in use.

    :param backend: ``llamacpp``, ``openai``, ``transformers`` or ``fake``.
    :param model: a file name, a model id or a server model name.
    :param context_window: tokens the model accepts, prompt and answer together.
    :param location: the file path or server URL, for the settings panel.
    """

    backend: str
    model: str
    context_window: int
    location: str = ""

    def label(self) -> str:
        """One line for the settings panel and the result files."""
        return f"{self.backend} · {self.model}"
