"""Text helpers shared by the loaders: folding for matching, French dates, sentence-bounded passages."""

import re
import unicodedata
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"(\[]?[A-ZÀ-ÖØ-Ý0-9•·-])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used to match names: ``'Pâte, 5%'`` -> ``'pate 5'``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _NON_ALNUM.sub(" ", ascii_text).strip()


def fr_date_to_iso(value: str) -> str:
    """``'16/03/2011'`` -> ``'2011-03-16'``; ``'20220209'`` -> ``'2022-02-09'``; anything else -> ``''``."""
    value = value.strip()
    match = _FR_DATE.match(value)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return ""


def iso_to_fr(value: str) -> str:
    """``'2022-02-09'`` -> ``'09/02/2022'`` (how French clinicians read dates); ``''`` stays ``''``."""
    if len(value) != 10:
        return value
    return f"{value[8:]}/{value[5:7]}/{value[:4]}"


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())


def first_words(text: str, count: int) -> str:
    """The first ``count`` words of ``text``, with an ellipsis when it was cut."""
    words = text.split()
    if len(words) <= count:
        return " ".join(words)
    return " ".join(words[:count]) + " …"


def split_sentences(text: str) -> list[str]:
    """Split French prose at sentence ends (a full stop, ``?``, ``!`` then an upper-case letter or bullet).

    Abbreviations such as ``Dr. Martin`` may be cut; that only moves a passage boundary.
    """
    text = " ".join(text.split())
    if not text:
        return []
    return [part for part in _SENTENCE_END.split(text) if part]


def chunk_sentences(text: str, max_words: int = 400, min_words: int = 150) -> list[str]:
    """Pack the sentences of ``text`` into passages of about ``min_words``–``max_words`` words.

    Sentences are kept whole; a sentence longer than ``max_words`` (a long list without full stops) is
    cut at word boundaries. When the last passage is shorter than ``min_words`` it is merged with the one
    before if the result stays under ``max_words`` plus a quarter; otherwise the two are re-balanced.

    Returns:
        The passages; one passage when ``text`` holds at most ``max_words`` words.
    """
    words_total = word_count(text)
    if words_total <= max_words:
        return [" ".join(text.split())] if words_total else []

    pieces: list[str] = []
    for sentence in split_sentences(text):
        words = sentence.split()
        while len(words) > max_words:
            pieces.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if words:
            pieces.append(" ".join(words))

    # Aim at equal passages rather than full ones followed by a stub.
    passages_needed = -(-words_total // max_words)
    target = max(min_words, words_total // passages_needed)

    chunks: list[list[str]] = [[]]
    size = 0
    for piece in pieces:
        piece_words = word_count(piece)
        if size and (size + piece_words > max_words or size >= target):
            chunks.append([])
            size = 0
        chunks[-1].append(piece)
        size += piece_words

    if len(chunks) > 1:
        last_size = sum(word_count(piece) for piece in chunks[-1])
        previous_size = sum(word_count(piece) for piece in chunks[-2])
        if last_size < min_words and last_size + previous_size <= max_words * 5 // 4:
            chunks[-2].extend(chunks.pop())

    return [" ".join(chunk) for chunk in chunks]


@dataclass
class Unit:
    """A stretch of a section: the sub-heading labels it covers and its text."""

    labels: list[str]
    text: str

    @property
    def words(self) -> int:
        """Word count of the text."""
        return word_count(self.text)


def pack_units(units: list[Unit], min_words: int = 150, max_words: int = 400) -> list[Unit]:
    """Split long units at sentence boundaries and merge short neighbours into ~150–400-word passages.

    A unit shorter than ``min_words`` absorbs the next one while the sum stays under ``max_words``; a short
    last unit joins the one before when the sum stays under ``max_words`` plus a quarter.
    """
    pieces: list[Unit] = []
    for unit in units:
        for chunk in chunk_sentences(unit.text, max_words=max_words, min_words=min_words):
            pieces.append(Unit(list(unit.labels), chunk))

    packed: list[Unit] = []
    for piece in pieces:
        current = packed[-1] if packed else None
        if current is not None and current.words < min_words and current.words + piece.words <= max_words:
            current.text = f"{current.text} {piece.text}"
            current.labels.extend(label for label in piece.labels if label not in current.labels)
        else:
            packed.append(piece)

    short_tail = len(packed) > 1 and packed[-1].words < min_words
    if short_tail and packed[-1].words + packed[-2].words <= max_words * 5 // 4:
        last = packed.pop()
        packed[-1].text = f"{packed[-1].text} {last.text}"
        packed[-1].labels.extend(label for label in last.labels if label not in packed[-1].labels)
    return packed
