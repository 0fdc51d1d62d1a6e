"""A user's own folder of PDF, HTML, Markdown or text files, converted by Haystack and cut into passages.

Files are converted with Haystack converters (``PyPDFToDocument``; ``HTMLToDocument`` asked for Markdown
output so that h1–h3 survive as ``#`` headings; ``TextFileToDocument`` for ``.md`` and ``.txt`` so that
Markdown headings stay in the text), then split at Markdown headings or numbered headings (``2.1 Posologie``),
else at paragraphs, and packed into passages of about 150–400 words.

Usage::

    report = LoadReport()
    passages = list(load_documents(Path("~/recos").expanduser(), report, publisher="HAS"))
"""

import datetime as dt
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from haystack import Document
from haystack.components.converters import HTMLToDocument, PyPDFToDocument, TextFileToDocument
from haystack.dataclasses import ByteStream

from corpora.report import LoadReport
from corpora.schema import Source, document_doc_id, make_passage
from corpora.tabular import detect_encoding
from corpora.text import Unit, first_words, pack_units

logger = logging.getLogger(__name__)

SUFFIXES = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
}
VERSION = "documents"
MIN_TEXT_CHARS = 20

_MD_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+([A-ZÀ-Ý][^\n]{2,100})$")
_MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}
_DATE_LINE = re.compile(
    r"(?:mis(?:e)? à jour le|mise à jour\s*:|date de publication\s*:?|publié le|date de validation\s*:?)\s*"
    r"(?:le\s+)?(\d{1,2})(?:er)?[\s/.-]+([a-zéû]+|\d{1,2})[\s/.-]+(\d{4})",
    re.I,
)


class DocumentsError(RuntimeError):
    """The documents folder is missing or holds no supported file."""


def _valid_iso(year: int, month: int, day: int) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def date_from_text(text: str) -> str:
    """ISO date of a « mis à jour le 12 mars 2024 » or « date de publication : 12/03/2024 » line, or ''."""
    match = _DATE_LINE.search(text[:5000])
    if not match:
        return ""
    day, month, year = match.groups()
    month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower(), 0)
    return _valid_iso(int(year), month_number, int(day)) if month_number else ""


def _pdf_metadata(path: Path) -> tuple[str, str]:
    """(title, ISO date) from the PDF information dictionary, empty when absent or unreadable."""
    from pypdf import PdfReader  # installed with haystack's PDF support; imported lazily as it is slow

    try:
        info = PdfReader(str(path)).metadata
    except Exception as error:  # noqa: BLE001 - pypdf raises many types on damaged files
        logger.debug("No PDF metadata in %s: %s", path.name, error)
        return "", ""
    if info is None:
        return "", ""
    title = str(info.title or "").strip()
    date = ""
    for value in (info.modification_date, info.creation_date):
        if value is not None:
            date = value.date().isoformat()
            break
    return title, date


def _looks_garbled(text: str) -> bool:
    """True for binary or wrongly decoded content: NUL bytes or many replacement/control characters."""
    if "\x00" in text:
        return True
    sample = text[:20000]
    bad = sum(1 for char in sample if char == "\ufffd" or (ord(char) < 32 and char not in "\n\r\t\f"))
    return bad > max(5, len(sample) // 100)


def convert_file(path: Path) -> Document | None:
    """Convert one file with the matching Haystack converter; None when it yields no usable text."""
    kind = SUFFIXES[path.suffix.lower()]
    if kind == "pdf":
        converter = PyPDFToDocument()
        sources: list = [path]
    elif kind == "html":
        converter = HTMLToDocument(
            extraction_kwargs={"output_format": "markdown", "include_formatting": True, "favor_recall": True}
        )
        data = path.read_bytes()
        sources = [ByteStream(data=data, meta={"encoding": detect_encoding(data)})]
    else:
        converter = TextFileToDocument()
        data = path.read_bytes()
        sources = [ByteStream(data=data, meta={"encoding": detect_encoding(data)})]

    documents = converter.run(sources=sources)["documents"]
    if not documents or not (documents[0].content or "").strip():
        return None
    return documents[0]


def split_sections(text: str) -> list[Unit]:
    """Cut text at Markdown (``#``–``###``) or numbered headings; without headings, one unit per paragraph."""
    units: list[Unit] = []
    labels: list[str] = []
    lines: list[str] = []
    found_heading = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            units.append(Unit(list(labels), body))
        lines.clear()

    for line in text.replace("\f", "\n").splitlines():
        stripped = line.strip()
        markdown = _MD_HEADING.match(stripped)
        numbered = _NUMBERED_HEADING.match(stripped) if not markdown and len(stripped) < 110 else None
        if markdown or (numbered and not stripped.endswith((".", ",", ";"))):
            flush()
            found_heading = True
            heading = markdown.group(2) if markdown else stripped
            labels[:] = [heading.strip("*_ ")]
            continue
        lines.append(line)
    flush()

    if found_heading:
        return units
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return [Unit([], paragraph) for paragraph in paragraphs]


def _first_heading(text: str) -> str:
    for line in text.splitlines()[:50]:
        match = _MD_HEADING.match(line.strip())
        if match:
            return match.group(2).strip("*_ ")
    return ""


def document_passages(path: Path, root: Path, publisher: str = "") -> list[Document]:
    """Passages of one file under ``root``; an empty list when the file holds no usable text.

    Raises:
        Exception: whatever the converter raises on an unreadable file (the caller counts it).
    """
    converted = convert_file(path)
    text = converted.content if converted is not None else ""
    if len(text.strip()) < MIN_TEXT_CHARS or _looks_garbled(text):
        return []
    relative = path.relative_to(root).as_posix()

    pdf_title, pdf_date = _pdf_metadata(path) if path.suffix.lower() == ".pdf" else ("", "")
    title = pdf_title or _first_heading(text) or path.stem.replace("_", " ").replace("-", " ")
    date = pdf_date or date_from_text(text)
    date_source = "metadata" if pdf_date else "text" if date else "file_mtime"
    if not date:
        date = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date().isoformat()

    passages = []
    for number, unit in enumerate(pack_units(split_sections(text))):
        section = " / ".join(unit.labels)
        content = f"{title} — {section}\n{unit.text}" if section else f"{title}\n{unit.text}"
        passages.append(
            make_passage(
                content,
                source=Source.DOCUMENT.value,
                publisher=publisher,
                title=title,
                doc_id=document_doc_id(relative, number),
                section=section,
                url="",
                date=date,
                version=VERSION,
                licence="",
                cis=[],
                atc=[],
                substances=[],
                dense_text=first_words(" — ".join(part for part in (title, section, unit.text) if part), 40),
                file_path=relative,
                date_source=date_source,
            )
        )
    return passages


def load_documents(folder: Path, report: LoadReport, publisher: str = "") -> Iterator[Document]:
    """Yield the passages of every supported file under ``folder`` (recursively, in path order).

    Args:
        folder: the user's folder.
        report: counts passages, and skipped files with their names (unreadable, garbled, empty).
        publisher: label shown as the publisher of these passages (e.g. ``HAS``), ``""`` when unknown.

    Raises:
        DocumentsError: when ``folder`` is not a directory.
    """
    if not folder.is_dir():
        raise DocumentsError(f"Documents folder '{folder}' not found: give a folder of PDF/HTML/MD/TXT files")

    source = Source.DOCUMENT.value
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if path.suffix.lower() not in SUFFIXES:
            logger.debug("Ignoring %s: unsupported type", relative)
            continue
        try:
            passages = document_passages(path, folder, publisher)
        except Exception as error:  # noqa: BLE001 - one bad file must not stop the load
            report.skip(source, f"{relative}: unreadable ({error.__class__.__name__})")
            continue
        if not passages:
            report.skip(source, f"{relative}: no readable text (empty, scanned or garbled file)")
            continue
        report.add(source, len(passages))
        yield from passages
