"""The pilot's audit log: append-only, per user, scrubbed, on disk when ``record`` returns."""

import sqlite3

import pytest

from esculape.workbench.audit import AuditLog


def test_events_are_kept_per_user_and_scrubbed(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite")
    log.record("dupont", "login")
    log.record(
        "dupont", "question", "M. Bernard, né le 01/02/1940 : apixaban ?", "t1", settings={"mode": "bm25"}
    )
    log.record("martin", "question", "SMR du Xarelto ?", "t2")
    events = log.events("dupont")
    assert [e["event"] for e in events] == ["login", "question"]
    assert events[1]["question"] == "M. [nom], [date de naissance] : apixaban ?"
    assert events[1]["detail"] == {"settings": {"mode": "bm25"}}
    assert len(log.events()) == 3

    # Another connection (another process) sees every row at once: nothing waits in a buffer.
    with sqlite3.connect(tmp_path / "audit.sqlite") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 3


def test_unknown_event_is_refused(tmp_path):
    with pytest.raises(ValueError, match="expected one of login"):
        AuditLog(tmp_path / "audit.sqlite").record("dupont", "delete")
