"""Counts of what a load produced and what it had to skip, so that nothing is dropped silently."""

import logging
from collections import Counter
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass
class LoadReport:
    """Passages produced per source and records skipped, with the reason for each skip.

    Loaders call :meth:`skip` for each record they cannot use (truncated TSV line, unreadable file...);
    the ingest summary prints the counts and the first reasons so that a user can act on them.
    """

    passages: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    reasons: list[str] = field(default_factory=list)
    max_reasons: int = 50
    notes: Counter = field(default_factory=Counter)

    def add(self, source: str, count: int = 1) -> None:
        """Count ``count`` passages produced for ``source``."""
        self.passages[source] += count

    def skip(self, source: str, reason: str) -> None:
        """Record one skipped record of ``source``; ``reason`` names the file and line, never patient text."""
        self.skipped[source] += 1
        if len(self.reasons) < self.max_reasons:
            self.reasons.append(f"{source}: {reason}")
        logger.debug("Skipped a %s record: %s", source, reason)

    def note(self, source: str, message: str) -> None:
        """Record one record of ``source`` kept but degraded (drug not identified, line repaired...)."""
        self.notes[source] += 1
        if len(self.reasons) < self.max_reasons:
            self.reasons.append(f"{source} (note): {message}")
        logger.debug("Note on a %s record: %s", source, message)
