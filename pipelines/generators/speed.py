"""Measure time to first token and generation speed of a language model on a French clinical prompt.

For each model and prompt size, the model is loaded once, answers one warm-up question, then answers
``--repeats`` questions (each with a different first line, so no prompt cache is reused). Prints a
Markdown table: load time, prompt tokens, median time to first token, median tokens per second after
the first token.

Run::

    .venv/bin/python -m pipelines.generators.speed                                 # ESCULAPE_LLM
    .venv/bin/python -m pipelines.generators.speed --llm llamacpp llamacpp:smollm2 --sources 0 1500
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from haystack.dataclasses import ChatMessage

from esculape.settings import Settings
from pipelines.embedders.speed import french_texts
from pipelines.generators.factory import load_generator

__all__ = ["Measure", "main", "measure", "prompt"]

logger = logging.getLogger(__name__)

SYSTEM = (
    "Tu es un assistant pour les professionnels de santé. Réponds en français, brièvement, "
    "en t'appuyant uniquement sur les sources fournies."
)
QUESTION = (
    "Quelle est la conduite à tenir chez un patient sous apixaban à qui l'on prescrit de la clarithromycine ?"
)


@dataclass(frozen=True)
class Measure:
    """One row of the table."""

    llm: str
    model: str
    source_words: int
    load_s: float
    prompt_tokens: int
    ttft_s: float
    tokens_per_s: float


def prompt(source_words: int, variant: int) -> list[ChatMessage]:
    """The benchmark conversation: a system prompt, ``source_words`` words of sources, the question.

    :param source_words: words of French clinical text given as sources (0 for none).
    :param variant: makes the first line differ, so that no prompt cache is reused between runs.
    """
    if not source_words:
        return [ChatMessage.from_system(SYSTEM), ChatMessage.from_user(f"Question {variant}. {QUESTION}")]
    sources = "\n".join(french_texts(max(1, source_words // 100), min(source_words, 100)))
    user = f"Question {variant}.\nSources :\n{sources}\n\n{QUESTION}"
    return [ChatMessage.from_system(SYSTEM), ChatMessage.from_user(user)]


def measure(spec: str, source_words: int, max_tokens: int, repeats: int) -> Measure:
    """Load the model named by ``spec`` and time ``repeats`` answers.

    :param spec: an ``ESCULAPE_LLM`` value.
    :param source_words: words of sources in each prompt.
    :param max_tokens: answer length (the model may stop earlier).
    :param repeats: timed answers, after one warm-up answer.
    :returns: medians over the timed answers.
    """
    generator = load_generator(spec, Settings.from_env())
    started = time.perf_counter()
    generator.warm_up()
    load_s = time.perf_counter() - started
    options = {"max_tokens": max_tokens, "temperature": 0}
    generator.run(prompt(source_words, variant=0), generation_kwargs=options)

    ttfts, speeds, prompt_tokens = [], [], 0
    for variant in range(1, repeats + 1):
        reply = generator.run(prompt(source_words, variant), generation_kwargs=options)["replies"][0]
        meta = reply.meta
        completion = meta["usage"].get("completion_tokens", 0)
        prompt_tokens = meta["usage"].get("prompt_tokens", 0)
        ttfts.append(meta["time_to_first_token_s"])
        if completion > 1:
            speeds.append((completion - 1) / (meta["elapsed_s"] - meta["time_to_first_token_s"]))
    return Measure(
        llm=spec,
        model=generator.info.model,
        source_words=source_words,
        load_s=load_s,
        prompt_tokens=prompt_tokens,
        ttft_s=statistics.median(ttfts),
        tokens_per_s=statistics.median(speeds) if speeds else float("nan"),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table (Markdown) for the chosen models and prompt sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", nargs="+", default=None, help="ESCULAPE_LLM values (default: the setting)")
    parser.add_argument("--sources", nargs="+", type=int, default=[0, 1500], help="words of sources")
    parser.add_argument("--max-tokens", type=int, default=64, help="answer length (default 64)")
    parser.add_argument("--repeats", type=int, default=3, help="timed answers per row (default 3)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    specs = args.llm or [Settings.from_env().llm]
    print("| ESCULAPE_LLM | model | source words | prompt tokens | load s | TTFT s (median) | tokens/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for spec in specs:
        for words in args.sources:
            row = measure(spec, words, args.max_tokens, args.repeats)
            print(
                f"| `{row.llm}` | {row.model} | {row.source_words} | {row.prompt_tokens} | {row.load_s:.1f} "
                f"| {row.ttft_s:.2f} | {row.tokens_per_s:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
