"""Split passages that a loader left too long, keeping ids stable."""

import re
from dataclasses import replace

from haystack import Document, component

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀ-ÖØ-Þ0-9«(•·-])")


@component
class OversizePassageSplitter:
    """Split any passage longer than ``max_words`` at sentence boundaries.

    The loaders in ``corpora`` already split by section; this is the safety net for a user's document whose
    sections are very long. The parts of passage ``x`` get the ids ``x#1``, ``x#2``… so that re-ingesting
    the same file produces the same ids. Passages within the limit pass through untouched.

    Usage example:

    ```python
    OversizePassageSplitter(max_words=400).run(documents=[long_doc])["documents"]
    ```
    """

    def __init__(self, max_words: int = 450) -> None:
        """:param max_words: longest passage kept whole."""
        if max_words < 20:
            raise ValueError(f"max_words must be at least 20, got {max_words}")
        self.max_words = max_words

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        """Return the passages, the oversize ones replaced by their parts."""
        result = []
        for doc in documents:
            words = (doc.content or "").split()
            if len(words) <= self.max_words:
                result.append(doc)
                continue
            for number, part in enumerate(self._parts(doc.content or ""), start=1):
                part_id = f"{doc.id}#{number}"
                result.append(replace(doc, id=part_id, content=part, meta={**doc.meta, "doc_id": part_id}))
        return {"documents": result}

    def _parts(self, text: str) -> list[str]:
        parts: list[str] = []
        current: list[str] = []
        count = 0
        for sentence in _SENTENCE_END.split(text):
            words = sentence.split()
            # A single sentence longer than the limit is cut on words: rare, and better than one huge passage.
            while len(words) > self.max_words:
                if current:
                    parts.append(" ".join(current))
                    current, count = [], 0
                parts.append(" ".join(words[: self.max_words]))
                words = words[self.max_words :]
            if count + len(words) > self.max_words and current:
                parts.append(" ".join(current))
                current, count = [], 0
            current.append(" ".join(words))
            count += len(words)
        if current:
            parts.append(" ".join(current))
        return parts
