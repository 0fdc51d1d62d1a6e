"""French lexical analysis for BM25, the same at index time and at query time.

The analyzer turns a French clinical text into the terms BM25 counts. Every passage and every query
must go through the same :class:`FrenchAnalyzer`, otherwise their terms do not meet.

Steps, in order:

1. Unicode NFC; typographic hyphens (U+2010, U+2011, U+2012) become « - », soft hyphens are removed.
2. Elisions are stripped (l', d', qu', jusqu', lorsqu', puisqu', quoiqu', n', s', c', j', m', t', with
   ' or ’): « l'insuffisance » -> « insuffisance ». The elided « n' » is the negation « ne », so it
   yields the term « ne », like « ne pas associer ».
3. Lower case.
4. Tokenisation into words, numbers and alphanumeric codes (« cyp3a4 », « hba1c », « b12 » stay whole).
5. Stop words removed (see :mod:`pipelines.analysis.stopwords`: negations, comparatives and
   prepositions of time and population are kept).
6. Snowball French stemming (PyStemmer), which needs the accents.
7. Accent folding after stemming: « hépatique » and « hepatique » give the same term. The kept
   function words (« après », « sans », « moins ») are folded but not stemmed.

Known limit: Snowball needs the accents, so a word typed without them can get another stem
(« securite » -> « securit » but « sécurité » -> « secur »). The endings « -ee(s) » and « -iere(s) » are
re-accented before stemming, which fixes « cutanee », « derniere »...; the rest still concerns about
3 % of the occurrences of accented words in the BDPM notices: queries typed without accents lose those
matches on the BM25 side (dense retrieval is unaffected).

Numbers and dosages: a decimal number is one term with a comma, whatever the separator
(« 2,5 » and « 2.5 » -> « 2,5 »); a unit glued to a number is split off (« 500mg » -> « 500 », « mg »);
groups of digits separated by a non-breaking or thin space are joined (« 1 000 » -> « 1000 »); numbers
and codes are not stemmed. µg, μg, mcg and ug all become « µg ». So « 2,5 mg » matches « 2,5 mg »
and « 2.5mg ». The percent sign and other punctuation are dropped.

Compounds: a hyphenated word whose first part is a medical prefix (anti, sous, post, bêta...) is fused
before stemming, so « anti-inflammatoire » == « antiinflammatoire ». Words built on « contre » are
analysed as « contre » + stem of the rest, whether written « contre-indiqué », « contreindiqué » or,
for the heads in :data:`CONTRE_SPACED_HEADS`, « contre indiqué »: all give « contreindiqu », as do
« contre-indication(s) ». That term differs from « indiqu », so a query « indiqué » does not match
« contre-indiqué » at all. Other hyphenated words are split (« covid-19 » -> « covid », « 19 »).

Example:
    >>> analyzer = FrenchAnalyzer()
    >>> analyzer("L'insuffisance rénale contre-indique l'association.")
    ['insuffis', 'renal', 'contreindiqu', 'associ']
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from importlib import metadata

import Stemmer

from pipelines.analysis.stopwords import CLINICAL_KEEP_WORDS, FRENCH_STOPWORDS, fold_accents

__all__ = ["ANALYSIS_VERSION", "CONTRE_SPACED_HEADS", "FUSED_PREFIXES", "FrenchAnalyzer", "stem_word"]

logger = logging.getLogger(__name__)

# Prefixes fused with the next part of a hyphenated word, compared accent-folded.
_RAW_PREFIXES = """
anti auto co extra hyper hypo infra inter intra macro micro mono multi neo non peri poly post pre
pseudo retro semi sous supra sur trans ultra alpha beta gamma
"""
FUSED_PREFIXES: frozenset[str] = frozenset(_RAW_PREFIXES.split())

# Stems (folded) that « contre » written as a separate word is fused with: « contre indiqué »,
# « contre indications ». Elsewhere « contre » stays a preposition (« contre la douleur »).
CONTRE_SPACED_HEADS: frozenset[str] = frozenset({"indiqu"})

# Bump when a change of this module changes the terms of some text, so that stored BM25 indexes rebuild.
ANALYSIS_VERSION = 1

_CONTRE = "contre"
_MIN_CONTRE_REST = 4  # « contre » + at least 4 letters is a compound (« contrer » is not).

_ELISION_RE = re.compile(r"\b(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldscjmt])['’](?=\w)", re.IGNORECASE)
_NEGATION_ELISION_RE = re.compile(r"\bn['’](?=\w)", re.IGNORECASE)
# str.translate with a non-ASCII table is slow in CPython: replace only the characters present.
_HYPHEN_REPLACEMENTS = (("\u2010", "-"), ("\u2011", "-"), ("\u2012", "-"), ("\u00ad", ""))
_SPACES_IN_NUMBERS = ("\u00a0", "\u202f", "\u2009")
_THOUSANDS_RE = re.compile(r"(?<=\d)[\u00a0\u202f\u2009](?=\d{3}(?!\d))")
# A decimal number (digits on both sides of the separator) or a word of letters/digits with inner hyphens.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:-[^\W_]+)*")
_NUMBER_UNIT_RE = re.compile(r"(\d+)([^\W\d_]+)")
_DECIMAL_RE = re.compile(r"\d+(?:[.,]\d+)+")
_UNIT_ALIASES = {"μg": "µg", "mcg": "µg", "ug": "µg"}
_ACCENTED_ENDINGS = {"ee": "ée", "ees": "ées", "iere": "ière", "ieres": "ières"}
_UNACCENTED_ENDING_RE = re.compile(r"(?:iere|ieres|ee|ees)$")


_STEMMER: Stemmer.Stemmer | None = None
_STEMMER_LOCK = threading.Lock()


def stem_word(word: str) -> str:
    """Return the Snowball French stem of one word, exactly as PyStemmer computes it.

    No lower-casing, folding or compound handling: this is the reference the analyzer builds on,
    exposed for parity tests against Snowball.

    :param word: A lower-case French word, with its accents.
    :returns: Its Snowball stem (« insuffisances » -> « insuffis », « hépatique » -> « hépat »).
    """
    global _STEMMER
    with _STEMMER_LOCK:  # PyStemmer stemmers are not thread-safe
        if _STEMMER is None:
            _STEMMER = Stemmer.Stemmer("french")
        return _STEMMER.stemWord(word)


def _pystemmer_version() -> str:
    try:
        return metadata.version("PyStemmer")
    except metadata.PackageNotFoundError:
        return "unknown"


def _stemmer_input(word: str) -> str:
    """Private: the form of a word given to Snowball.

    Ligatures are expanded, since Snowball does not count « œ » as a vowel (« œdème » and « oedème »
    would get different stems). A word typed without any accent that ends in « ee(s) » or « iere(s) »
    gets back its accent (« cutanee » -> « cutanée », « derniere » -> « dernière »): no French word
    ends so without one, and on the BDPM notices this cuts the accented-word occurrences whose
    unaccented spelling gets another stem from 10.8 % to about 3 %. Other endings (« -ite » vs
    « -ité ») are left alone: « sinusite » must not become « sinusité » and stem like « sinus ».
    """
    if word.isascii():
        match = _UNACCENTED_ENDING_RE.search(word)
        if match:
            return word[: match.start()] + _ACCENTED_ENDINGS[match.group()]
        return word
    return word.replace("œ", "oe").replace("æ", "ae")


class FrenchAnalyzer:
    """French analyzer for BM25: elisions, lower case, stop words, Snowball stems, accent folding.

    Use the same instance (or an equal one: the analyzer has no options that change between runs)
    to index passages and to analyse queries. It is deterministic, thread-safe and picklable; its term
    cache is rebuilt after unpickling.

    A text made only of stop words gives ``[]``: callers must treat an empty term list as "no lexical
    query" (skip BM25 and rely on dense retrieval, or answer that the question is too vague), not pass
    it to the BM25 index.

    Usage:
        >>> analyzer = FrenchAnalyzer()
        >>> analyzer.tokenize("Ne pas associer chez l'enfant de moins de 6 ans")
        ['ne', 'pas', 'associ', 'chez', 'enfant', 'moins', '6', 'an']

    :param cache_size: Maximum number of distinct words whose analysis is memoised; the cache is
        cleared when full. The 2,495 BDPM notices (5.4 million words) hold about 40,000 distinct words,
        so the default keeps a whole corpus.
    """

    def __init__(self, cache_size: int = 500_000) -> None:
        if cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, got {cache_size}: pass 0 to disable the cache.")
        self.cache_size = cache_size
        self._stemmer = Stemmer.Stemmer("french")
        self._stemmer_lock = threading.Lock()
        self._cache: dict[str, tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, int]:
        return {"cache_size": self.cache_size}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.__init__(cache_size=state["cache_size"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrenchAnalyzer)

    def __hash__(self) -> int:
        return hash(FrenchAnalyzer)

    def __repr__(self) -> str:
        return f"FrenchAnalyzer(cache_size={self.cache_size})"

    @property
    def signature(self) -> str:
        """Identifier of the analysis: changes when the terms of some text may change.

        Built from :data:`ANALYSIS_VERSION`, the PyStemmer version and a hash of the word lists; a
        stored BM25 index whose signature differs must be rebuilt.
        """
        lists = "|".join(
            " ".join(sorted(words))
            for words in (FRENCH_STOPWORDS, CLINICAL_KEEP_WORDS, FUSED_PREFIXES, CONTRE_SPACED_HEADS)
        )
        digest = hashlib.sha256(lists.encode("utf-8")).hexdigest()[:12]
        return f"french-v{ANALYSIS_VERSION}/pystemmer-{_pystemmer_version()}/lists-{digest}"

    def __call__(self, text: str) -> list[str]:
        """Same as :meth:`tokenize`."""
        return self.tokenize(text)

    def tokenize(self, text: str) -> list[str]:
        """Analyse a text into BM25 terms.

        :param text: Any French text (a passage or a query); ``""`` gives ``[]``.
        :returns: The terms, in text order, duplicates kept (BM25 counts them).
        :raises TypeError: If ``text`` is not a string.
        """
        if not isinstance(text, str):
            raise TypeError(f"FrenchAnalyzer expects a str, got {type(text).__name__}: pass the text itself.")
        if not text:
            return []

        words = self._words(text)

        terms: list[str] = []
        cache = self._cache
        for word in words:
            analysed = cache.get(word)
            if analysed is None:
                analysed = self._analyse_word(word)
                if len(cache) >= self.cache_size:
                    cache.clear()
                if self.cache_size:
                    cache[word] = analysed
            terms.extend(analysed)

        if not terms:
            logger.debug("A text of %d characters gave no terms (stop words or punctuation only)", len(text))
        return self._fuse_spaced_contre(terms)

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        """Analyse several texts (passages at ingest).

        Each distinct word is stemmed once and then served from the cache. Batching the misses into
        one PyStemmer ``stemWords`` call was measured slower than this loop (the cache answers 99 % of
        the words of the BDPM notices), so there is no separate batch path. Measured: 5.4 million words
        in 4.6 s (about 1.2 million words/s) on one shared core.

        :param texts: Passages or queries.
        :returns: One term list per text, in the same order.
        """
        return [self.tokenize(text) for text in texts]

    # -- private helpers -------------------------------------------------------------------------

    @staticmethod
    def _words(text: str) -> list[str]:
        """Private: normalise, strip elisions, lower-case and split a text into raw words."""
        text = unicodedata.normalize("NFC", text)
        for hyphen, replacement in _HYPHEN_REPLACEMENTS:
            if hyphen in text:
                text = text.replace(hyphen, replacement)

        if "'" in text or "’" in text:
            text = _ELISION_RE.sub("", text)
            text = _NEGATION_ELISION_RE.sub("ne ", text)

        if any(space in text for space in _SPACES_IN_NUMBERS):
            text = _THOUSANDS_RE.sub("", text)

        return _TOKEN_RE.findall(text.lower())

    def _analyse_word(self, word: str) -> tuple[str, ...]:
        """Private: the terms of one raw word (zero, one or several)."""
        if "-" in word:
            return self._analyse_hyphenated(word)
        if word.startswith(_CONTRE) and len(word) - len(_CONTRE) >= _MIN_CONTRE_REST:
            rest = word[len(_CONTRE) :]
            return (_CONTRE + fold_accents(self._stem(_stemmer_input(rest))),)
        return self._finish(word)

    def _analyse_hyphenated(self, word: str) -> tuple[str, ...]:
        """Private: fuse medical prefixes with what follows, split the other hyphenated parts."""
        parts = word.split("-")
        terms: list[str] = []
        prefix = ""
        for index, part in enumerate(parts):
            folded = fold_accents(part)
            is_last = index == len(parts) - 1
            if not is_last and (folded in FUSED_PREFIXES or folded == _CONTRE):
                prefix += part
                continue
            terms.extend(self._analyse_word(prefix + part) if prefix else self._analyse_word(part))
            prefix = ""
        return tuple(terms)

    def _stem(self, word: str) -> str:
        """Private: Snowball stem of one word; only cache misses get here, so the lock costs little."""
        with self._stemmer_lock:  # PyStemmer stemmers are not thread-safe
            return self._stemmer.stemWord(word)

    def _finish(self, word: str) -> tuple[str, ...]:
        """Private: stop-word check, number and unit handling, stemming and folding of a simple word."""
        folded = fold_accents(word)
        if folded in FRENCH_STOPWORDS:
            return ()
        if folded in CLINICAL_KEEP_WORDS:
            # Not stemmed: « après » and « apres » stay equal, and « contre » can be fused afterwards.
            return (folded,)
        if word in _UNIT_ALIASES:
            return (_UNIT_ALIASES[word],)
        if word[0].isdigit():
            if _DECIMAL_RE.fullmatch(word):
                return (word.replace(".", ","),)
            number_unit = _NUMBER_UNIT_RE.fullmatch(word)
            if number_unit:
                number, unit = number_unit.groups()
                return (number, _UNIT_ALIASES.get(unit, unit))
            return (word,)
        if any(char.isdigit() for char in word):
            return (word,)
        return (fold_accents(self._stem(_stemmer_input(word))),)

    @staticmethod
    def _fuse_spaced_contre(terms: list[str]) -> list[str]:
        """Private: « contre indiqué » written with a space becomes the compound term."""
        if _CONTRE not in terms:
            return terms
        fused: list[str] = []
        index = 0
        while index < len(terms):
            term = terms[index]
            if term == _CONTRE and index + 1 < len(terms) and terms[index + 1] in CONTRE_SPACED_HEADS:
                fused.append(_CONTRE + terms[index + 1])
                index += 2
                continue
            fused.append(term)
            index += 1
        return fused
