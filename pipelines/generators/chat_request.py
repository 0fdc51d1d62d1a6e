"""The OpenAI-style chat request every backend starts from: messages as dicts, one spelling of the
answer length, streaming on."""

from __future__ import annotations

from typing import Any

from haystack.dataclasses import ChatMessage

__all__ = ["MAX_TOKENS_ALIASES", "chat_request", "generation_options"]

# Spellings of "answer length" across Haystack generators and the OpenAI API; all become `max_tokens`.
MAX_TOKENS_ALIASES = ("max_tokens", "max_new_tokens", "max_completion_tokens")


def generation_options(generation_kwargs: dict[str, Any] | None, default_max_tokens: int) -> dict[str, Any]:
    """Copy ``generation_kwargs`` with the answer length under ``max_tokens``, whatever its spelling.

    :param generation_kwargs: the caller's options, left unchanged.
    :param default_max_tokens: the backend's default answer length.
    :returns: the options to send.
    """
    options = dict(generation_kwargs or {})
    lengths = [options.pop(alias) for alias in MAX_TOKENS_ALIASES if alias in options]
    options["max_tokens"] = int(lengths[0]) if lengths else default_max_tokens
    return options


def chat_request(
    messages: list[ChatMessage], generation_kwargs: dict[str, Any] | None, default_max_tokens: int
) -> dict[str, Any]:
    """Build a streaming OpenAI chat-completions request body.

    :param messages: the conversation.
    :param generation_kwargs: extra options (``temperature``, ``seed``, ``stop``...).
    :param default_max_tokens: the answer length when the options do not set one.
    :returns: the request as a dict.
    :raises ValueError: on an empty conversation.
    """
    if not messages:
        raise ValueError("a chat request needs at least one message")
    return {
        **generation_options(generation_kwargs, default_max_tokens),
        "messages": [message.to_openai_dict_format() for message in messages],
        "stream": True,
    }
