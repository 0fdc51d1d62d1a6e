"""``esculape eval mcq``: turn the command's arguments into a run, its files and what it prints.

Example::

    esculape eval mcq --dataset frenchmedmcqa --split dev --mode closed --scoring generate likelihood
    esculape eval mcq --dataset casimedicos --mode rag --scoring likelihood evidence --limit 20 --json
"""

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from .evidence import RagContext
from .loaders import McqDataError, load_split
from .report import format_table, public_summary, write_run
from .run import McqConfigError, check_options, run_mcq, sample_items

__all__ = ["McqCliError", "run_from_args"]

logger = logging.getLogger(__name__)


class McqCliError(Exception):
    """An error the user can act on, printed without a traceback."""


def _progress(started: float) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            elapsed = time.perf_counter() - started
            print(f"[mcq] {done}/{total} questions, {elapsed:.0f} s", file=sys.stderr, flush=True)

    return report


def run_from_args(
    args: argparse.Namespace, settings: Any, open_searcher: Callable[[Any], Any] | None = None
) -> str:
    """Run the benchmark described by ``args`` and return what the command prints.

    :param args: the ``eval mcq`` arguments (dataset, split, file, mode, scoring, limit, seed, llm, json).
    :param settings: :class:`esculape.settings.Settings`.
    :param open_searcher: opens the index with the CLI's own error messages (``esculape.cli``).
    :raises McqCliError: bad data file or options, missing index or model.
    """
    from pipelines.generators.base import GeneratorError

    scorings = list(dict.fromkeys(args.scoring))
    try:
        check_options(args.mode, scorings)
        items = sample_items(load_split(args.dataset, args.split, args.file), args.limit, args.seed)
    except (McqDataError, McqConfigError) as error:
        raise McqCliError(str(error)) from error

    started = time.perf_counter()
    rag = None
    if args.mode == "rag":
        searcher = open_searcher(settings) if open_searcher else None
        rag = RagContext(searcher) if searcher is not None else RagContext.from_settings(settings)

    scorer = None
    model = ""
    if {"generate", "likelihood"} & set(scorings):
        from pipelines.generators.factory import load_generator

        from .likelihood import LabelScorer

        try:
            generator = load_generator(args.llm, settings)
            scorer = LabelScorer(generator)
        except GeneratorError as error:
            raise McqCliError(str(error)) from error
        model = generator.info.label()

    try:
        run = run_mcq(items, scorings, args.mode, scorer, rag, args.seed, progress=_progress(started))
    except McqConfigError as error:
        raise McqCliError(str(error)) from error
    except (GeneratorError, RuntimeError) as error:
        raise McqCliError(f"the model failed during the run: {error}") from error
    wall = time.perf_counter() - started

    meta = {
        "dataset": args.dataset,
        "split": args.split if args.file is None else f"file:{args.file}",
        "mode": args.mode,
        "scorings": scorings,
        "model": model,
        "corpus_versions": rag.corpus_versions if rag is not None else [],
        "settings": {
            "llm": args.llm or settings.llm,
            "llm_ctx": settings.llm_ctx,
            "search_mode": rag.search_mode if rag else None,
            "passages": rag.passages if rag else None,
            "source_chars": rag.source_chars if rag else None,
            "fusion_weights": settings.fusion_weights if rag else None,
            "retrieval_query": "question + options" if rag else None,
        },
        "seed": args.seed,
        "limit": args.limit,
        "n": len(items),
        "wall_seconds": round(wall, 1),
        "seconds_per_question": round(wall / max(1, len(items)), 2),
    }
    if args.file is not None:
        meta["split"] = "file"
        meta["file"] = str(args.file)
    if not args.no_write:
        paths = write_run(run, meta)
        print(f"[mcq] results: {paths['md'].with_suffix('.*')}", file=sys.stderr)

    if args.json:
        first = scorings[0]
        output = {
            **public_summary(run, first),
            "scoring": first,
            "by_scoring": {s: public_summary(run, s) for s in scorings},
            "baselines": run["baselines"],
            "wall_seconds": meta["wall_seconds"],
            "model": model,
        }
        return json.dumps(output, ensure_ascii=False, indent=1)
    return format_table(run, meta)
