"""Citations of an answer: resolved to numbered sources, checked, and reconstructed when the model gave none.

The model writes ``[2]`` or ``[1, 3]`` after a claim. Numbers that name no source are removed from the text
and flagged; sentences without a number are flagged; sources never cited are listed as consulted. When the
model cited nothing at all, each sentence gets the source that shares the most search terms with it, and
those citations are marked as reconstructed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*[-–,;]\s*\d{1,3})*)\s*\]")
# A sentence ends at . ! ? or a line break; a heading (« Synthèse : », « **Conduite à tenir** ») is no claim.
_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+(?:\s*\[[^\]]*\])*|\n|$)")
_HEADING = re.compile(r"^\s*(#+\s*)?\**[\w ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜàâäçéèêëîïôöùûü'’/-]{2,60}\**\s*:?\s*\**\s*$")
# Sentences of fewer search terms than this carry no claim to cite (« Oui. », a bullet's lead-in).
MIN_CLAIM_TERMS = 3


@dataclass
class Sentence:
    """One sentence of the answer and the source numbers it cites."""

    text: str
    cited: list[int] = field(default_factory=list)
    reconstructed: bool = False


@dataclass
class ResolvedAnswer:
    """The answer text after checking, its sentences and what was found wrong."""

    text: str
    sentences: list[Sentence]
    cited: list[int]
    invalid: list[int]
    uncited: list[str]
    reconstructed: bool


def _numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        if re.search(r"[-–]", part):
            start, end = (int(x) for x in re.split(r"\s*[-–]\s*", part))
            numbers += list(range(start, end + 1)) if 0 < end - start < 20 else [start, end]
        elif part:
            numbers.append(int(part))
    return numbers


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, keeping their citation brackets and line breaks."""
    return [piece for piece in _SENTENCE.findall(text) if piece]


def resolve(
    text: str,
    source_count: int,
    source_texts: list[str],
    analyzer: Callable[[str], list[str]],
) -> ResolvedAnswer:
    """Check the citations of ``text`` against sources numbered 1 to ``source_count``.

    :param source_texts: the text of each source, in number order (for reconstruction).
    :param analyzer: the search analysis, to compare a sentence with the sources.
    """
    invalid: list[int] = []

    def keep_valid(match: re.Match) -> str:
        numbers = _numbers(match.group(1))
        valid = [n for n in dict.fromkeys(numbers) if 1 <= n <= source_count]
        invalid.extend(n for n in numbers if not 1 <= n <= source_count)
        return f"[{', '.join(map(str, valid))}]" if valid else ""

    cleaned = CITATION.sub(keep_valid, text)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned)
    sentences = []
    for piece in split_sentences(cleaned):
        cited = [n for match in CITATION.finditer(piece) for n in _numbers(match.group(1))]
        sentences.append(Sentence(piece, list(dict.fromkeys(cited))))

    any_citation = any(sentence.cited for sentence in sentences)
    if not any_citation and source_texts:
        source_terms = [set(analyzer(source)) for source in source_texts]
        for sentence in sentences:
            terms = set(analyzer(CITATION.sub("", sentence.text)))
            if len(terms) < MIN_CLAIM_TERMS or _HEADING.match(sentence.text):
                continue
            overlaps = [len(terms & source) for source in source_terms]
            best = max(range(len(overlaps)), key=lambda i: (overlaps[i], -i))
            if overlaps[best] >= 2:
                sentence.cited = [best + 1]
                sentence.reconstructed = True
                stripped = sentence.text.rstrip("\n")
                sentence.text = f"{stripped} [{best + 1}]" + sentence.text[len(stripped) :]

    uncited = [
        sentence.text.strip()
        for sentence in sentences
        if not sentence.cited
        and not _HEADING.match(sentence.text)
        and len(analyzer(sentence.text)) >= MIN_CLAIM_TERMS
    ]
    cited = list(dict.fromkeys(n for sentence in sentences for n in sentence.cited))
    return ResolvedAnswer(
        text="".join(sentence.text for sentence in sentences).strip(),
        sentences=sentences,
        cited=cited,
        invalid=invalid,
        uncited=uncited,
        reconstructed=not any_citation and bool(cited),
    )
