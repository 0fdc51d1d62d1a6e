"""Run the exam benchmark: load, (retrieve), score every question with each scoring, summarise.

Scorings:

| scoring | what chooses the options | needs |
|---|---|---|
| ``generate`` | the labels the model writes after « Réponse : » (:mod:`.answer_parser`) | a model |
| ``likelihood`` | the model's probability of each label as next token (:mod:`.likelihood`) | llama.cpp |
| ``evidence`` | the support the indexed sources give each option (:mod:`.evidence`) | ``rag`` mode |

Several scorings in one run share each prompt: llama.cpp reads it once (cached prefix) for both the label
probabilities and the reply.

Example:
    >>> run = run_mcq(load_split("frenchmedmcqa", "dev"), ["likelihood"], scorer=LabelScorer(generator))
    >>> run["summaries"]["likelihood"]["emr"], run["baselines"]["fixed_letter"]["emr"]
"""

import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from .answer_parser import parse_answer
from .baselines import baselines
from .evidence import RagContext, is_negative
from .items import LETTERS, McqItem
from .likelihood import LabelScorer, choose_from_probabilities
from .metrics import question_scores, summarize
from .prompts import build_messages

__all__ = ["MODES", "SCORINGS", "McqConfigError", "check_config", "check_options", "run_mcq", "sample_items"]

logger = logging.getLogger(__name__)

MODES = ("closed", "rag")
SCORINGS = ("generate", "likelihood", "evidence")


class McqConfigError(ValueError):
    """A combination of options that cannot run; the message says which and what to use instead."""


def sample_items(items: Sequence[McqItem], limit: int | None, seed: int) -> list[McqItem]:
    """``limit`` questions drawn at random with ``seed`` (kept in file order), or all of them."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 1:
        raise McqConfigError(f"--limit must be at least 1, got {limit}")
    chosen = set(random.Random(seed).sample(range(len(items)), limit))
    return [item for i, item in enumerate(items) if i in chosen]


def check_options(mode: str, scorings: Sequence[str]) -> None:
    """Refuse a mode or scoring that does not exist, or evidence without sources, naming the valid ones."""
    if mode not in MODES:
        raise McqConfigError(f"Unknown mode '{mode}': expected one of {', '.join(MODES)}")
    for scoring in scorings:
        if scoring not in SCORINGS:
            raise McqConfigError(f"Unknown scoring '{scoring}': expected one of {', '.join(SCORINGS)}")
    if "evidence" in scorings and mode != "rag":
        raise McqConfigError("The evidence scoring reads the indexed sources: use it with --mode rag")


def check_config(mode: str, scorings: Sequence[str], scorer: LabelScorer | None) -> None:
    """:func:`check_options`, then whether the model can serve the scorings asked for."""
    check_options(mode, scorings)
    model_scorings = {"generate", "likelihood"} & set(scorings)
    if model_scorings and scorer is None:
        raise McqConfigError(f"Scorings {sorted(model_scorings)} need a model")
    if "likelihood" in scorings and scorer is not None and not scorer.has_probabilities:
        raise McqConfigError(
            "The likelihood scoring reads llama.cpp's label probabilities: set ESCULAPE_LLM=llamacpp (or "
            "llamacpp:/path/model.gguf), or use --scoring generate"
        )


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    return {key: value / total for key, value in scores.items()} if total > 0 else dict.fromkeys(scores, 0.2)


def score_item(
    item: McqItem,
    scorings: Sequence[str],
    scorer: LabelScorer | None,
    rag: RagContext | None,
) -> list[dict[str, Any]]:
    """Score one question with each scoring: one record per scoring (see :func:`run_mcq`)."""
    started = time.perf_counter()
    negative = is_negative(item.question)
    texts, trace = rag.sources(item) if rag is not None and set(scorings) - {"evidence"} else ([], [])
    messages = build_messages(item, texts)
    retrieval_seconds = time.perf_counter() - started

    chosen: dict[str, set[str]] = {}
    extra: dict[str, dict[str, Any]] = {name: {} for name in scorings}
    if "likelihood" in scorings:
        probabilities = scorer.label_probabilities(messages, item.labels)
        chosen["likelihood"] = choose_from_probabilities(probabilities, single=item.dataset == "casimedicos")
        extra["likelihood"]["scores"] = probabilities
    if "generate" in scorings:
        reply = scorer.reply(messages)
        chosen["generate"] = parse_answer(reply, item)
        extra["generate"]["reply"] = reply
    if "evidence" in scorings:
        evidence = rag.option_evidence(item)
        ranked = {key: (1.0 - value if negative else value) for key, value in evidence.items()}
        chosen["evidence"] = choose_from_probabilities(
            _normalised(ranked), single=item.dataset == "casimedicos"
        )
        extra["evidence"]["scores"] = evidence
    seconds = time.perf_counter() - started

    records = []
    for scoring in scorings:
        pred = chosen[scoring]
        scores = extra[scoring].get("scores", {})
        records.append(
            {
                "id": item.id,
                "dataset": item.dataset,
                "category": item.category,
                "scoring": scoring,
                "n_gold": len(item.gold),
                "gold": ",".join(sorted(item.gold)),
                "pred": ",".join(sorted(pred)),
                "n_pred": len(pred),
                "negative": negative,
                **question_scores(pred, item.gold),
                "reply": extra[scoring].get("reply"),
                **{f"score_{key}": scores.get(key) for key in LETTERS},
                "sources": [f"{s['kind']}:{s['id']}" for s in trace],
                "prompt_chars": sum(len(m["content"]) for m in messages),
                "retrieval_seconds": retrieval_seconds,
                "seconds": seconds,
            }
        )
    return records


def run_mcq(
    items: Sequence[McqItem],
    scorings: Sequence[str],
    mode: str = "closed",
    scorer: LabelScorer | None = None,
    rag: RagContext | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score ``items`` with each of ``scorings`` and summarise them beside the baselines.

    :param items: the questions (already sampled).
    :param scorings: among ``generate``, ``likelihood``, ``evidence``.
    :param mode: ``closed`` (no sources) or ``rag`` (sources in the prompt; ``rag`` must be given).
    :param scorer: the model, for ``generate`` and ``likelihood``.
    :param rag: retrieval and drug cards, for ``rag`` mode.
    :param seed: seed of the bootstrap and of the random baseline.
    :param progress: called with (done, total) after each question.
    :returns: ``{"records": [...], "summaries": {scoring: metrics}, "baselines": {...}, "wall_seconds": s}``;
        one record per question and scoring, with the chosen and gold keys, the three per-question metrics,
        the reply (``generate``), the score of each option (``score_a``..``score_e``) and the timings.
    :raises McqConfigError: for a combination that cannot run.
    """
    check_config(mode, scorings, scorer)
    if mode == "rag" and rag is None:
        raise McqConfigError("rag mode needs the index: build it with `esculape ingest`")
    rag = rag if mode == "rag" else None

    started = time.perf_counter()
    records: list[dict[str, Any]] = []
    for done, item in enumerate(items, start=1):
        records.extend(score_item(item, scorings, scorer, rag))
        if progress is not None:
            progress(done, len(items))
    wall = time.perf_counter() - started

    golds = [item.gold for item in items]
    summaries = {}
    for scoring in scorings:
        preds = [set(filter(None, r["pred"].split(","))) for r in records if r["scoring"] == scoring]
        summaries[scoring] = summarize(preds, golds, seed=seed)
        replies = [r for r in records if r["scoring"] == scoring]
        summaries[scoring]["unparsed"] = sum(1 for r in replies if not r["pred"])
    return {
        "records": records,
        "summaries": summaries,
        "baselines": baselines(items, seed),
        "wall_seconds": wall,
    }
