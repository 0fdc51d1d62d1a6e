"""Check that every gold passage of both question sets exists among the passages the loaders produce.

``python -m evals.retrieval.corpus_check`` loads the corpus with ``corpora.catalog.load_corpus`` and prints,
per set, how many gold ids name no loaded passage and which leaflet selectors resolve to nothing. A gold id
that is absent can never be retrieved, so a non-zero count means the set or a loader must be fixed before
the scores mean anything.
"""

import argparse
import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from esculape.settings import SHARED_DATA

from .gold import resolve_gold
from .run import load_sets

logger = logging.getLogger(__name__)


def missing_gold(questions: Sequence[dict], documents: Iterable) -> dict:
    """Gold ids absent from ``documents``, questions left without any gold, and selectors matching nothing.

    Returns:
        ``{"missing_ids": [(question id, doc id)], "no_gold": [question ids], "empty_selectors": [ids],
        "checked_ids": int}``.
    """
    documents = list(documents)
    present = {(doc.meta or {}).get("doc_id", doc.id) for doc in documents}
    report: dict = {"missing_ids": [], "no_gold": [], "empty_selectors": [], "checked_ids": 0}
    for question in questions:
        for doc_id in question.get("gold") or []:
            report["checked_ids"] += 1
            if doc_id not in present:
                report["missing_ids"].append((question["id"], doc_id))
        if question.get("gold_selector") and len(resolve_gold(question, documents)) == len(question["gold"]):
            report["empty_selectors"].append(question["id"])
        if not set(resolve_gold(question, documents)) & present:
            report["no_gold"].append(question["id"])
    return report


def load_documents(data_dir: Path) -> list:
    """Every passage of the corpus folder, through the loaders' catalogue."""
    from corpora.catalog import load_corpus
    from corpora.report import LoadReport

    return list(load_corpus(Path(data_dir), LoadReport()))


def summary(reports: Mapping[str, dict]) -> str:
    """A few readable lines per question set."""
    lines = []
    for name, report in reports.items():
        lines.append(
            f"{name}: {report['checked_ids']} gold ids checked, {len(report['missing_ids'])} missing, "
            f"{len(report['no_gold'])} questions without any loaded gold, "
            f"{len(report['empty_selectors'])} leaflet selectors matching nothing"
        )
        lines += [f"  missing {doc_id} (question {qid})" for qid, doc_id in report["missing_ids"][:20]]
        lines += [f"  selector of {qid} matches nothing" for qid in report["empty_selectors"][:20]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line: load the corpus, print the check, exit 1 when something is missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="folder holding the source folders")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    documents = load_documents(args.data)
    reports = {name: missing_gold(questions, documents) for name, questions in load_sets().items()}
    print(summary(reports))
    failed = any(r["missing_ids"] or r["no_gold"] or r["empty_selectors"] for r in reports.values())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
