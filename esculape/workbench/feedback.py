"""Clinicians' feedback on answers, stored in SQLite (WAL) and exported as CSV or Parquet with polars.

One row per answer: the first feedback on an answer (thumbs, comment or « cette citation est erronée »)
creates it with the question, answer, sources, settings, model and corpus version; later feedback on the
same answer updates it. Free text (question, rewritten question, answer, comment) goes through
:func:`esculape.workbench.scrubbing.scrub` before it is written.

Usage example:

```python
store = FeedbackStore(feedback_path(Settings.from_env()))
store.save("turn-1", AnswerRecord(question="…", answer="…", sources=[...], settings={...}, model="…",
                                  corpus_version="bdpm 2026-01"), rating=1)
store.export(Path("retours.parquet"), "parquet")
```
"""

import io
import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import polars as pl

from esculape.settings import Settings
from esculape.workbench.scrubbing import scrub

logger = logging.getLogger(__name__)

FEEDBACK_DB_ENV = "ESCULAPE_FEEDBACK_DB"
# Characters of each source's text kept with the feedback: enough to recognise the passage a clinician
# flagged, not a copy of the index.
SOURCE_EXCERPT_CHARS = 300

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    turn_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    user TEXT NOT NULL DEFAULT '',
    rating INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    wrong_citations TEXT NOT NULL DEFAULT '[]',
    question TEXT NOT NULL,
    standalone_question TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    settings TEXT NOT NULL,
    model TEXT NOT NULL,
    corpus_version TEXT NOT NULL
)
"""
COLUMNS = [
    "id",
    "turn_id",
    "created_at",
    "updated_at",
    "user",
    "rating",
    "comment",
    "wrong_citations",
    "question",
    "standalone_question",
    "answer",
    "sources",
    "settings",
    "model",
    "corpus_version",
]


class ExportFormat(str, Enum):  # noqa: UP042  (the value is shown in messages)
    """File formats of :meth:`FeedbackStore.export`."""

    CSV = "csv"
    PARQUET = "parquet"

    @classmethod
    def from_str(cls, value: str) -> "ExportFormat":
        """Parse a format name, listing the valid ones on error."""
        try:
            return cls(value.lower())
        except ValueError:
            valid = ", ".join(member.value for member in cls)
            raise ValueError(f"Unknown export format '{value}': expected one of {valid}") from None


def feedback_path(settings: Settings) -> Path:
    """Where feedback is stored: ``ESCULAPE_FEEDBACK_DB``, or ``<data dir>/feedback/feedback.sqlite``."""
    configured = os.environ.get(FEEDBACK_DB_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return settings.data_dir / "feedback" / "feedback.sqlite"


@dataclass
class AnswerRecord:
    """What is stored about the answer a feedback is about.

    :param question: the question as typed (scrubbed on save).
    :param answer: the checked answer (scrubbed on save).
    :param sources: the answer's numbered sources (``AnswerResult.sources``); stored without their full
        text, each with an excerpt.
    :param settings: retrieval settings in force (mode, passages, weights, filters).
    :param model: the generator's label.
    :param corpus_version: the index's versions and ingest date.
    :param standalone_question: the rewritten follow-up, if any (scrubbed on save).
    :param user: the pilot user who gave the feedback (empty in open mode).
    """

    question: str
    answer: str
    sources: list[dict[str, Any]]
    settings: dict[str, Any]
    model: str
    corpus_version: str
    standalone_question: str = ""
    user: str = ""


def _source_summary(source: dict[str, Any]) -> dict[str, Any]:
    keep = ("n", "kind", "doc_id", "source", "publisher", "title", "date", "url", "cited", "reconstructed")
    summary = {key: source.get(key) for key in keep}
    summary["ranks"] = source.get("ranks", {})
    summary["excerpt"] = (source.get("content") or "")[:SOURCE_EXCERPT_CHARS]
    return summary


class FeedbackStore:
    """The feedback database (SQLite in WAL mode: the app's sessions write while an export reads).

    :param path: the SQLite file; its folder is created.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # One short connection per operation: Streamlit runs each session's script on its own thread.
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    def save(
        self,
        turn_id: str,
        record: AnswerRecord,
        rating: int | None = None,
        comment: str | None = None,
        wrong_citation: int | None = None,
    ) -> int:
        """Create or update the feedback row of one answer.

        :param turn_id: the answer's identifier in the session (one row per answer).
        :param record: the answer the feedback is about.
        :param rating: 1 (thumbs up), -1 (thumbs down); None leaves the stored rating.
        :param comment: a free comment (scrubbed); None leaves the stored one.
        :param wrong_citation: the number of a source marked as a wrong citation (added to the list).
        :returns: the row id.
        """
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        with self._connect() as connection:
            row = connection.execute(
                "SELECT id, wrong_citations FROM feedback WHERE turn_id = ?", (turn_id,)
            ).fetchone()
            if row is None:
                cursor = connection.execute(
                    "INSERT INTO feedback (turn_id, created_at, updated_at, user, question, "
                    "standalone_question, answer, sources, settings, model, corpus_version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        turn_id,
                        now,
                        now,
                        record.user,
                        scrub(record.question),
                        scrub(record.standalone_question),
                        scrub(record.answer),
                        json.dumps([_source_summary(s) for s in record.sources], ensure_ascii=False),
                        json.dumps(record.settings, ensure_ascii=False, sort_keys=True),
                        record.model,
                        record.corpus_version,
                    ),
                )
                row_id, wrong = cursor.lastrowid, []
            else:
                row_id, wrong = row[0], json.loads(row[1])
            if rating is not None:
                connection.execute("UPDATE feedback SET rating = ? WHERE id = ?", (int(rating), row_id))
            if comment is not None:
                connection.execute("UPDATE feedback SET comment = ? WHERE id = ?", (scrub(comment), row_id))
            if wrong_citation is not None and wrong_citation not in wrong:
                wrong = sorted([*wrong, int(wrong_citation)])
                connection.execute(
                    "UPDATE feedback SET wrong_citations = ? WHERE id = ?", (json.dumps(wrong), row_id)
                )
            connection.execute("UPDATE feedback SET updated_at = ? WHERE id = ?", (now, row_id))
        logger.info("Feedback saved (row %d)", row_id)
        return int(row_id)

    def rows(self) -> list[dict[str, Any]]:
        """Every feedback row, oldest first."""
        with self._connect() as connection:
            cursor = connection.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id")
            return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]

    def to_frame(self) -> pl.DataFrame:
        """The rows as a polars DataFrame (JSON columns kept as text)."""
        schema = {name: pl.Int64 if name in ("id", "rating") else pl.String for name in COLUMNS}
        return pl.DataFrame(self.rows(), schema=schema, orient="row")

    def export_bytes(self, export_format: str | ExportFormat) -> bytes:
        """The rows as a CSV or Parquet file in memory (the app's download button)."""
        export_format = ExportFormat.from_str(str(getattr(export_format, "value", export_format)))
        buffer = io.BytesIO()
        frame = self.to_frame()
        if export_format is ExportFormat.CSV:
            frame.write_csv(buffer)
        else:
            frame.write_parquet(buffer)
        return buffer.getvalue()

    def export(self, output: Path, export_format: str | ExportFormat) -> int:
        """Write the rows to ``output`` as CSV or Parquet; returns the number of rows."""
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        data = self.export_bytes(export_format)
        output.write_bytes(data)
        return len(self.rows())
