"""Robust reading of the BDPM tab-separated files: detected encoding, no header, CRLF, damaged lines.

The official BDPM files are Windows-1252 (cp1252); some mirrors re-encode them as UTF-8. The encoding is
therefore detected per file, never assumed. Lines are split on ``\\n`` only, because a few free-text fields
hold a stray ``\\r`` (seen in ``CIS_CPD_bdpm.txt`` of January 2026).

Usage::

    report = LoadReport()
    rows = read_tsv(Path("bdpm_2026-01/CIS_bdpm.txt"), columns=12, report=report)
    for row in rows:
        print(row.line, row.fields[1])
"""

import logging
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from corpora.report import LoadReport

logger = logging.getLogger(__name__)


class TabularError(RuntimeError):
    """A BDPM file cannot be read at all (missing, unreadable, undecodable)."""


@dataclass(frozen=True)
class Row:
    """One usable line of a TSV file: its 1-based line number and its stripped fields."""

    line: int
    fields: tuple[str, ...]


def detect_encoding(data: bytes) -> str:
    """Return the encoding of ``data``: ``utf-8`` when it decodes strictly, else ``cp1252``, else a guess.

    Strict UTF-8 almost never succeeds on cp1252 text holding accents, so trying it first is safe; cp1252
    leaves only five byte values undefined, hence charset-normalizer is a last resort only.
    """
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding

    best = from_bytes(data).best()
    guessed = best.encoding if best is not None else "latin-1"
    logger.info("Neither UTF-8 nor cp1252 decodes the file; charset-normalizer guessed %s", guessed)
    return guessed


def read_text(path: Path) -> str:
    """Read a whole text file with its detected encoding (a UTF-8 BOM is dropped).

    Raises:
        TabularError: when the file is missing or unreadable, naming it.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TabularError(f"Cannot read '{path}': {error.strerror}; check the corpus folder") from error
    encoding = detect_encoding(data)
    text = data.decode(encoding, errors="replace")
    return text.removeprefix("\ufeff")


def _repair_surplus(fields: list[str], columns: int) -> list[str] | None:
    """Drop surplus empty fields so that ``fields`` has ``columns`` entries, or return None.

    Trailing empty fields go first (the 2022 files end most lines with a tab). A few lines also hold a run
    of empty fields in the middle (a shifted dosage in CIS_COMPO, an extra tab in CIS_GENER); the first
    such run long enough is shortened. Anything else is not guessed at.
    """
    while len(fields) > columns and fields[-1] == "":
        fields = fields[:-1]
    surplus = len(fields) - columns
    if surplus <= 0:
        return fields

    for start in range(1, len(fields)):
        run = fields[start : start + surplus]
        if len(run) == surplus and all(value == "" for value in run):
            return fields[:start] + fields[start + surplus :]
    return None


def read_tsv(path: Path, columns: int, report: LoadReport, source: str = "bdpm") -> list[Row]:
    """Read a headerless TSV file into rows of exactly ``columns`` whitespace-normalised fields.

    A line with fewer fields than ``columns`` (truncated) is skipped and counted in ``report`` with its file
    name and line number; a line with surplus *empty* fields is repaired and noted; blank lines are ignored.

    Args:
        path: the ``.txt`` file.
        columns: the number of columns of that file in the BDPM format.
        report: where skipped and repaired lines are counted.
        source: the source name used in ``report``.

    Returns:
        The usable rows, in file order.

    Raises:
        TabularError: when the file cannot be read.
    """
    text = read_text(path)
    rows: list[Row] = []

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r").replace("\r", " ")
        if not line.strip():
            continue

        # Inner runs of spaces are collapsed too ("solution et  émulsion" in CIS_bdpm forms).
        fields = [" ".join(value.split()) for value in line.split("\t")]
        if len(fields) < columns:
            report.skip(source, f"{path.name} line {number}: {len(fields)} columns, expected {columns}")
            continue
        if len(fields) > columns:
            repaired = _repair_surplus(fields, columns)
            if repaired is None:
                report.skip(source, f"{path.name} line {number}: {len(fields)} columns, expected {columns}")
                continue
            if len(fields) - columns > 1 or fields[-1] != "":
                report.note(source, f"{path.name} line {number}: surplus empty columns removed")
            fields = repaired

        rows.append(Row(line=number, fields=tuple(fields)))

    logger.debug("Read %d rows from %s", len(rows), path)
    return rows
