"""The audit log of pilot mode: who asked what, when, with which settings, and what came back.

An append-only SQLite table in WAL mode with ``synchronous=FULL``: a row is on disk when :meth:`record`
returns, so a crash of the app (or of the model) mid-answer still leaves the question logged. The question
is scrubbed of patient identifiers (:mod:`esculape.workbench.scrubbing`) before it is written, and the
answer itself is not stored, only its outcome.
"""

import json
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from esculape.settings import Settings
from esculape.workbench.scrubbing import scrub

logger = logging.getLogger(__name__)

AUDIT_DB_ENV = "ESCULAPE_AUDIT_DB"
EVENTS = ("login", "login_failed", "logout", "question", "answer")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    event TEXT NOT NULL,
    turn_id TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
)
"""


def audit_path(settings: Settings) -> Path:
    """Where the audit log is: ``ESCULAPE_AUDIT_DB``, or ``<data dir>/audit/audit.sqlite``."""
    configured = os.environ.get(AUDIT_DB_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return settings.data_dir / "audit" / "audit.sqlite"


class AuditLog:
    """Per-user audit log (one table, one row per event, never updated).

    :param path: the SQLite file; its folder is created.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    def record(self, user: str, event: str, question: str = "", turn_id: str = "", **detail: Any) -> None:
        """Append one event (``login``, ``login_failed``, ``logout``, ``question``, ``answer``).

        :param user: the login (for ``login_failed``, the login that was tried).
        :param question: the question, scrubbed before it is written.
        :param detail: JSON-ready facts (settings, outcome, seconds, model); no free text.
        """
        if event not in EVENTS:
            raise ValueError(f"Unknown audit event '{event}': expected one of {', '.join(EVENTS)}")
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO audit (at, user, event, turn_id, question, detail) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    time.strftime("%Y-%m-%dT%H:%M:%S"),
                    user,
                    event,
                    turn_id,
                    scrub(question),
                    json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
                ),
            )
        logger.info("Audit: %s by %s", event, user)

    def events(self, user: str | None = None) -> list[dict[str, Any]]:
        """The events, oldest first, of one user or of everyone."""
        query = "SELECT id, at, user, event, turn_id, question, detail FROM audit"
        parameters: tuple = ()
        if user is not None:
            query += " WHERE user = ?"
            parameters = (user,)
        with self._connect() as connection:
            rows = connection.execute(query + " ORDER BY id", parameters).fetchall()
        names = ("id", "at", "user", "event", "turn_id", "question", "detail")
        return [{**dict(zip(names, row, strict=True)), "detail": json.loads(row[6])} for row in rows]
