"""Sources for ``rag`` mode, and the evidence the indexed sources give each option.

**Context.** The retrieval query is the question followed by its options (the case of a clinical case is
left out: it is long, and the options name the drugs and diagnoses at stake). Issue #2's hybrid search
returns the passages; issue #3's drug cards are built for the drugs it recognises. The prompt gets at most
``passages`` sources, each cut to ``source_chars`` characters, cards first: short, to keep the prompt of a
0.5B model on a 2-core CPU to a few hundred tokens.

**Evidence score of an option** (the ``evidence`` scoring, no model). The index is searched once per option
with the question and that option. For each of the top passages, the share of the option's own terms it
contains (terms of the option absent from the question, weighed by rarity in the corpus) is multiplied by
the share of the question's terms it contains; the option's evidence is the best such product. An option
whose specific words sit in a passage that also speaks of the question's subject scores high. For a
negative question (« laquelle est inexacte », « sauf ») the evidence is reversed: the option the sources
support least is the one chosen.
"""

import logging
import math
import re
from collections.abc import Callable
from typing import Any

from .items import McqItem

__all__ = ["RagContext", "is_negative"]

logger = logging.getLogger(__name__)

DEFAULT_PASSAGES = 3
DEFAULT_SOURCE_CHARS = 300
EVIDENCE_TOP_K = 5

_NEGATIVE = re.compile(
    r"\b(inexactes?|fausses?|faux|erron[ée]e?s?|incorrecte?s?|sauf|except[ée]e?s?|ne\s+\S+\s+pas|n['’]\S+\s+pas)\b",
    re.I,
)


def is_negative(question: str) -> bool:
    """Whether the question asks for the wrong options (« la proposition inexacte », « sauf un »)."""
    return bool(_NEGATIVE.search(question))


def _cut(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary before ``limit`` characters, « … » marking the cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


class RagContext:
    """Retrieval, drug cards and option evidence over the Esculape index.

    :param searcher: :class:`pipelines.retrieval.searcher.Searcher` (issue #2).
    :param facts: :class:`pipelines.answer.drug_facts.DrugFacts`; built from the searcher's store if omitted.
    :param passages: most sources given to the model.
    :param source_chars: most characters of each source.
    :param search_mode: ``bm25``, ``dense`` or ``hybrid``.

    Example:
        >>> rag = RagContext.from_settings(Settings.from_env())
        >>> texts, trace = rag.sources(item)
        >>> rag.option_evidence(item)
        {'a': 0.12, 'b': 0.0, 'c': 0.41, 'd': 0.05, 'e': 0.0}
    """

    def __init__(
        self,
        searcher: Any,
        facts: Any | None = None,
        passages: int = DEFAULT_PASSAGES,
        source_chars: int = DEFAULT_SOURCE_CHARS,
        search_mode: str = "hybrid",
    ) -> None:
        from pipelines.answer.drug_facts import DrugFacts

        self.searcher = searcher
        self.facts = facts or DrugFacts.from_store(searcher.store)
        self.passages = passages
        self.source_chars = source_chars
        self.search_mode = search_mode
        self.analyzer: Callable[[str], list[str]] = searcher.store.analyzer
        self.frequencies = getattr(searcher.store, "document_frequencies", None)
        self._idf: dict[str, float] = {}

    @classmethod
    def from_settings(cls, settings: Any, **options: Any) -> "RagContext":
        """Open the index named by ``settings`` (raises the searcher's errors when there is none)."""
        from pipelines.retrieval.searcher import Searcher

        return cls(Searcher.from_settings(settings), **options)

    @property
    def corpus_versions(self) -> list:
        """The source versions recorded in the index manifest."""
        return list(getattr(self.searcher.store, "manifest", {}).get("versions", []))

    @staticmethod
    def retrieval_query(item: McqItem) -> str:
        """The question followed by its options: what ``rag`` mode searches for."""
        return " ".join([item.question, *item.options.values()])

    def sources(self, item: McqItem) -> tuple[list[str], list[dict[str, str]]]:
        """Short source texts for the prompt, and their trace (kind, id, title).

        :returns: ``(texts, trace)``; both empty when the query has no searchable term.
        """
        from pipelines.retrieval.searcher import QueryError

        try:
            result = self.searcher.search(self.retrieval_query(item), mode=self.search_mode, top_k=10)
        except QueryError as error:
            logger.info("No retrieval for question %s: %s", item.id, error)
            return [], []

        texts: list[str] = []
        trace: list[dict[str, str]] = []
        covered: set[str] = set()
        for card in self.facts.drug_cards(result.drug_mentions)[:1]:
            texts.append(_cut(card.to_text(), self.source_chars))
            trace.append({"kind": "drug_card", "id": card.card_id, "title": card.title})
            covered.update(card.doc_ids)
        for doc in result.documents:
            if len(texts) >= self.passages:
                break
            doc_id = doc.meta.get("doc_id", doc.id)
            if doc_id in covered:
                continue
            title = doc.meta.get("title") or ""
            texts.append(_cut(f"{title} : {doc.content or ''}", self.source_chars))
            trace.append({"kind": "passage", "id": str(doc_id), "title": title})
        return texts, trace

    def _weights(self, terms: set[str]) -> dict[str, float]:
        """Inverse document frequency of each term (1.0 each without corpus counts), cached."""
        missing = sorted(terms - self._idf.keys())
        if missing:
            if self.frequencies is None:
                self._idf.update(dict.fromkeys(missing, 1.0))
            else:
                counts, total = self.frequencies(missing)
                for term in missing:
                    self._idf[term] = math.log((total + 1) / (counts.get(term, 0) + 0.5)) if total else 1.0
        return {term: self._idf[term] for term in terms}

    @staticmethod
    def _share(weights: dict[str, float], present: set[str]) -> float:
        whole = sum(weights.values())
        return sum(w for term, w in weights.items() if term in present) / whole if whole else 0.0

    def option_evidence(self, item: McqItem) -> dict[str, float]:
        """Evidence of each option (0 to 1) from the passages retrieved for the question and that option."""
        from pipelines.retrieval.searcher import QueryError

        question_terms = set(self.analyzer(item.question))
        question_weights = self._weights(question_terms)
        evidence = {}
        for key, option in item.options.items():
            option_terms = set(self.analyzer(option))
            own = (option_terms - question_terms) or option_terms
            if not own:
                evidence[key] = 0.0
                continue
            option_weights = self._weights(own)
            try:
                result = self.searcher.search(
                    f"{item.question} {option}", mode=self.search_mode, top_k=EVIDENCE_TOP_K
                )
            except QueryError:
                evidence[key] = 0.0
                continue
            best = 0.0
            for doc in result.documents:
                present = set(self.analyzer(doc.content or ""))
                on_subject = self._share(question_weights, present) if question_weights else 1.0
                best = max(best, self._share(option_weights, present) * on_subject)
            evidence[key] = best
        return evidence
