"""A passage as escaped HTML with the question's matched terms marked.

A word of the passage is marked when the French analyzer (the one BM25 uses) gives it a term that the
question also has: « insuffisance rénale » in the question marks « insuffisant », « rénales »... Everything
from the passage is escaped first, so a passage holding ``<script>`` or ``<img onerror=…>`` shows those
characters as text; the only tags in the result are the ``<mark>`` and ``<br>`` added here.
"""

import html
import re
from collections.abc import Callable

# Words as the analyzer sees them (letters and digits, inner hyphens and apostrophes kept together).
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")

Analyzer = Callable[[str], list[str]]


def query_terms(question: str, analyzer: Analyzer) -> set[str]:
    """The analyzed terms of the question (stems, accent-folded, stop words removed)."""
    return set(analyzer(question or ""))


def highlight(text: str, terms: set[str], analyzer: Analyzer, max_chars: int | None = None) -> str:
    """``text`` as safe HTML, each word sharing a term with ``terms`` wrapped in ``<mark>``.

    :param text: the passage (any characters; never trusted).
    :param terms: the question's terms (:func:`query_terms`).
    :param analyzer: the store's analyzer, so that matches are exactly BM25's.
    :param max_chars: cut the passage at this length (with « […] »); None keeps it whole.
    :returns: HTML with only ``<mark>`` and ``<br>`` tags.

    Example:
        >>> analyzer = FrenchAnalyzer()
        >>> highlight("Insuffisance <b>rénale</b>", query_terms("insuffisant rénal", analyzer), analyzer)
        '<mark>Insuffisance</mark> &lt;b&gt;<mark>rénale</mark>&lt;/b&gt;'
    """
    text = text or ""
    cut = max_chars is not None and len(text) > max_chars
    if cut:
        text = text[:max_chars]
    pieces = []
    position = 0
    for match in _WORD.finditer(text):
        pieces.append(html.escape(text[position : match.start()]))
        word = match.group()
        escaped = html.escape(word)
        pieces.append(f"<mark>{escaped}</mark>" if terms and terms & set(analyzer(word)) else escaped)
        position = match.end()
    pieces.append(html.escape(text[position:]))
    if cut:
        pieces.append(" […]")
    return "".join(pieces).replace("\n", "<br>")
