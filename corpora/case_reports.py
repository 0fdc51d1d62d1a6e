"""French clinical case reports (Pan African Medical Journal, via E3C): passages of at most ~400 words.

The same text can sit in several E3C layers; texts are deduplicated by content hash, keeping the first file
in path order, so that ids stay stable.

Usage::

    passages = list(load_case_reports(Path("data/e3c_fr_clinical_cases"), report))
"""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

from haystack import Document

from corpora.report import LoadReport
from corpora.schema import Source, case_report_doc_id, make_passage, short_hash
from corpora.text import chunk_sentences, first_words, split_sentences

logger = logging.getLogger(__name__)

PUBLISHER = "Pan African Medical Journal"
VERSION = "e3c-2024-01"
MAX_TITLE_CHARS = 120


def case_title(text: str) -> str:
    """The first sentence of ``text``, cut at a word boundary past ``MAX_TITLE_CHARS`` characters."""
    sentences = split_sentences(text)
    first = sentences[0] if sentences else ""
    if len(first) <= MAX_TITLE_CHARS:
        return first
    return first[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + " …"


def case_passages(record: dict) -> list[Document]:
    """The passages of one case report record."""
    text = " ".join(str(record["text"]).split())
    case_id = str(record.get("id") or short_hash(text))
    title = case_title(text)
    doi = str(record.get("doi") or "")
    url = str(record.get("url") or "") or (f"https://doi.org/{doi}" if doi else "")
    authors = [str(a.get("author", "")).strip() for a in record.get("authors") or [] if isinstance(a, dict)]

    passages = []
    for number, chunk in enumerate(chunk_sentences(text, max_words=400, min_words=150)):
        passages.append(
            make_passage(
                chunk,
                source=Source.CASE_REPORT.value,
                publisher=PUBLISHER,
                title=title,
                doc_id=case_report_doc_id(case_id, number),
                section="" if number == 0 else f"suite {number + 1}",
                url=url,
                date=str(record.get("publication_date") or "")[:10],
                version=VERSION,
                licence=str(record.get("licence") or "CC BY"),
                cis=[],
                atc=[],
                substances=[],
                dense_text=first_words(chunk, 40),
                doi=doi,
                authors=[" ".join(a.split()) for a in authors if a],
            )
        )
    return passages


def load_case_reports(folder: Path, report: LoadReport) -> Iterator[Document]:
    """Yield the passages of every ``*.json`` case of ``folder`` (searched recursively), duplicates once.

    Unreadable files and files without text are skipped and counted in ``report``.
    """
    seen: set[str] = set()
    for path in sorted(folder.rglob("*.json")):
        relative = path.relative_to(folder)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            report.skip(Source.CASE_REPORT.value, f"{relative}: unreadable ({error.__class__.__name__})")
            continue
        if not isinstance(record, dict) or not str(record.get("text") or "").strip():
            report.skip(Source.CASE_REPORT.value, f"{relative}: no 'text' field")
            continue

        digest = short_hash(" ".join(str(record["text"]).split()), 16)
        if digest in seen:
            logger.debug("Case %s repeats an earlier text; skipped as a duplicate", relative)
            continue
        seen.add(digest)

        passages = case_passages(record)
        report.add(Source.CASE_REPORT.value, len(passages))
        yield from passages
