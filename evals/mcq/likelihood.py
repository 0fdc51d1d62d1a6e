"""Ask a llama.cpp model for its next-token probabilities of the option labels, and for its short reply.

After the prompt of :mod:`evals.mcq.prompts` (which ends with « Réponse : »), the next token is an option
label. The probability the model gives to each label (« A », « B »… or « 1 », « 2 »…) ranks the options in one
forward pass, without parsing any text: this ``likelihood`` scoring suits small models, whose replies are
often malformed. The ``generate`` scoring then lets the model continue from the same prompt (llama.cpp reuses
the cached prefix, so the prompt is read once for both).

The generator is :class:`pipelines.generators.llamacpp.LlamaCppGenerator`; its chat interface returns text
only, so this module sends its requests to the engine that generator already runs (``_server``), with
``logprobs``. Other backends can only be scored in ``generate`` mode (through ``generator.run``).
"""

import logging
import math
from collections.abc import Mapping
from typing import Any

from haystack.dataclasses import ChatMessage

from .prompts import ANSWER_PREFIX

__all__ = ["LabelScorer", "choose_from_probabilities"]

logger = logging.getLogger(__name__)

# Candidates returned for the first token; the five labels are far above the 20th token in practice.
TOP_LOGPROBS = 20
# Tokens a reply may take: « A, B, C, D, E » is about ten.
REPLY_TOKENS = 12


def choose_from_probabilities(probabilities: Mapping[str, float], single: bool) -> set[str]:
    """The options chosen from their probabilities: the most probable one when one answer is expected,
    otherwise every option at or above the uniform share (1/5), which needs no tuned threshold.

    :param probabilities: option key → probability (normalised over the options).
    :param single: whether the exam asks for exactly one answer.
    """
    if not probabilities:
        return set()
    best = max(probabilities, key=probabilities.get)
    if single:
        return {best}
    floor = 1 / len(probabilities)
    return {key for key, p in probabilities.items() if p >= floor} or {best}


class LabelScorer:
    """Label probabilities and short replies from a generator of :mod:`pipelines.generators`.

    :param generator: any generator; label probabilities need a ``LlamaCppGenerator``.

    Example:
        >>> scorer = LabelScorer(load_generator("llamacpp:smollm2"))
        >>> scorer.label_probabilities(build_messages(item), item)
        {'a': 0.31, 'b': 0.22, 'c': 0.19, 'd': 0.15, 'e': 0.13}
    """

    def __init__(self, generator: Any) -> None:
        self.generator = generator
        generator.warm_up()
        self.engine = getattr(generator, "_server", None)

    @property
    def has_probabilities(self) -> bool:
        """Whether label probabilities are available (the llama.cpp backend)."""
        return self.engine is not None

    def _chat(self, messages: list[dict[str, str]], **options: Any) -> dict:
        request = {"messages": messages, "temperature": 0.0, "cache_prompt": True, **options}
        reply = self.engine.handle_chat_completions(request)
        if isinstance(reply, dict) and "error" in reply:
            raise RuntimeError(f"llama.cpp refused the request: {reply['error']}")
        return reply

    def label_probabilities(
        self, messages: list[dict[str, str]], labels: Mapping[str, str]
    ) -> dict[str, float]:
        """Probability of each option's label as the next token, normalised over the options.

        A label spelt several ways (« C », « ␣C ») sums its variants; a label outside the top candidates gets
        the smallest candidate's probability, so that it stays below every label the model considered.

        :param messages: the prompt, ending with the assistant prefix.
        :param labels: option key → printed label.
        :raises RuntimeError: when the engine refuses the request (prompt longer than the window).
        """
        if self.engine is None:
            raise RuntimeError("label probabilities need the llama.cpp backend (ESCULAPE_LLM=llamacpp...)")
        reply = self._chat(messages, max_tokens=1, logprobs=True, top_logprobs=TOP_LOGPROBS)
        candidates = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
        by_label = {label.upper(): key for key, label in labels.items()}

        mass = dict.fromkeys(labels, 0.0)
        for candidate in candidates:
            key = by_label.get(candidate["token"].strip().rstrip(".-)").upper())
            if key is not None:
                mass[key] += math.exp(candidate["logprob"])
        floor = min(math.exp(c["logprob"]) for c in candidates) if candidates else 1e-9
        mass = {key: value or floor for key, value in mass.items()}
        total = sum(mass.values())
        return {key: value / total for key, value in mass.items()}

    def reply(self, messages: list[dict[str, str]]) -> str:
        """The model's short reply (greedy, one line), without the « Réponse : » prefix."""
        if self.engine is None:
            chat = [
                ChatMessage.from_system(messages[0]["content"]),
                ChatMessage.from_user(messages[1]["content"] + f"\n\n{ANSWER_PREFIX}"),
            ]
            kwargs = {"max_tokens": REPLY_TOKENS, "temperature": 0.0}
            return self.generator.run(chat, generation_kwargs=kwargs)["replies"][0].text or ""
        reply = self._chat(messages, max_tokens=REPLY_TOKENS, stop=["\n"])
        text = reply["choices"][0]["message"]["content"] or ""
        return text[len(ANSWER_PREFIX) :].strip() if text.startswith(ANSWER_PREFIX) else text.strip()
