"""One question through bm25, dense and hybrid retrieval, side by side, with the passages that differ.

A passage "differs" when it is in the top k of some modes but not of all three: those are the ones that
show what each retriever brings (or misses). Two tiers are marked, because dense retrieval often shares no
passage with the other two, which would otherwise mark every card alike: a passage *only* this mode found
(strong), and one that another mode found too but not all (light). Each mode runs the same Haystack query
pipeline as ``esculape search`` and the answers (:class:`pipelines.retrieval.searcher.Searcher`).
"""

import html
from dataclasses import dataclass, field

from haystack import Document

from esculape.workbench.highlight import highlight
from pipelines.retrieval.searcher import QueryError, Searcher

MODES = ("bm25", "dense", "hybrid")
MODE_NAMES = {"bm25": "BM25", "dense": "dense", "hybrid": "hybride"}


def passage_id(document: Document) -> str:
    """The id that identifies a passage across modes."""
    return document.meta.get("doc_id", document.id)


@dataclass
class Comparison:
    """The ranked passages of each mode and the notices to show (an unsearchable question...)."""

    question: str
    runs: dict[str, list[Document]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def modes_of(self, document: Document) -> list[str]:
        """The modes whose top k holds this passage."""
        key = passage_id(document)
        return [mode for mode, documents in self.runs.items() if key in {passage_id(d) for d in documents}]

    def differs(self, document: Document) -> bool:
        """True when the passage is missing from the top k of at least one mode that ran."""
        return len(self.modes_of(document)) < len(self.runs)

    def only_here(self, document: Document) -> bool:
        """True when no other mode that ran has this passage in its top k (and more than one mode ran)."""
        return len(self.runs) > 1 and len(self.modes_of(document)) == 1

    def own_counts(self) -> dict[str, int]:
        """Per mode, how many of its passages no other mode found."""
        return {mode: sum(self.only_here(d) for d in documents) for mode, documents in self.runs.items()}

    @property
    def shared(self) -> int:
        """How many passages all the modes found."""
        if not self.runs:
            return 0
        ids = [{passage_id(d) for d in documents} for documents in self.runs.values()]
        return len(set.intersection(*ids))


def compare_modes(
    searcher: Searcher, question: str, top_k: int = 10, filters: dict | None = None
) -> Comparison:
    """Search ``question`` in every mode.

    :param searcher: a loaded searcher (its fusion weights apply to hybrid).
    :param top_k: passages per mode.
    :param filters: Haystack metadata filters, as for :meth:`Searcher.search`.
    :returns: a :class:`Comparison`; a mode whose search fails has its French message in ``errors``.
    """
    comparison = Comparison(question)
    for mode in MODES:
        try:
            result = searcher.search(question, mode=mode, top_k=top_k, filters=filters)
        except QueryError as error:
            comparison.errors[mode] = str(error)
            continue
        comparison.runs[mode] = result.documents
        comparison.seconds[mode] = result.seconds
    return comparison


def card_html(
    document: Document,
    rank: int,
    mode: str,
    comparison: Comparison,
    terms: set[str],
    analyzer,
    labels: dict[str, str],
    preview_chars: int = 320,
) -> str:
    """One passage of a mode's column as safe HTML: rank, title, origin, score, which modes miss it, and
    the start of its text with the question's terms marked. A passage that differs gets ``esc-differs``,
    one that only this mode found ``esc-only`` as well.

    :param labels: French names of the sources (``bdpm`` → « Base de données publique des médicaments »).
    """
    meta = document.meta
    differs = comparison.differs(document)
    present = comparison.modes_of(document)
    missing = [MODE_NAMES.get(name, name) for name in comparison.runs if name not in present]
    only = comparison.only_here(document)
    if only:
        badge = "trouvé par ce seul mode"
    elif differs:
        badge = f"absent de : {', '.join(missing)}"
    else:
        badge = "présent dans les trois modes"
    title = highlight(meta.get("title", "") or passage_id(document), terms, analyzer)
    origin = labels.get(meta.get("source"), meta.get("source", ""))
    date = meta.get("date") or meta.get("version") or "s. d."
    where = html.escape(f"{meta.get('publisher', '')} · {origin} · {date}")
    score = (meta.get("scores") or {}).get(mode)
    score_text = f" · score {score:.4f}" if isinstance(score, float) else ""
    body = highlight(document.content or "", terms, analyzer, max_chars=preview_chars)
    css = "esc-compare"
    if differs:
        css += " esc-differs esc-only" if only else " esc-differs"
    return (
        f'<div class="{css}"><strong>{rank}. {title}</strong>'
        f'<div class="esc-meta">{where}{score_text} · {html.escape(badge)}</div><div>{body}</div></div>'
    )
