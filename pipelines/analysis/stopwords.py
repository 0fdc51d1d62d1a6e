"""Curated French stop list for BM25 on clinical text.

A generic French stop list (Snowball, NLTK, spaCy) removes words that change the meaning of a clinical
sentence: « ne pas associer », « sans adaptation », « plus de 65 ans », « pendant la grossesse »,
« chez l'enfant », « contre-indiqué avec ». This list removes only function words whose presence
never changes a clinical answer (articles, pronouns, auxiliaries, coordinators) and keeps, on purpose,
the words in :data:`CLINICAL_KEEP_WORDS`:

- negations and exclusions (pas, ne, ni, non, sans, jamais, aucun, rien, sauf, hors): a passage that
  says « ne pas » must not look like one that says the opposite;
- comparatives and quantities (plus, moins, peu, trop, seul): thresholds and dose changes;
- prepositions of time (avant, après, pendant, lors, depuis, durant, jusque): timing of intake
  (« dès » is removed: it folds to the article « des », far more frequent);
- prepositions of population and association (chez, avec, contre, sous, sur, entre): who is treated
  and with what.

Entries are stored accent-folded and lower-cased, because :class:`~pipelines.analysis.french.FrenchAnalyzer`
compares the folded form of each word: « deja » typed without accents is removed like « déjà ».

Single letters are kept (« vitamine D », « hépatite C »), except « a » and « y » which are almost
always the verb and the pronoun (so « vitamine A » loses its letter: a known, accepted loss).
"""

from __future__ import annotations

import unicodedata

__all__ = ["CLINICAL_KEEP_WORDS", "FRENCH_STOPWORDS", "FRENCH_STOPWORD_SPELLINGS", "fold_accents"]


def fold_accents(text: str) -> str:
    """Remove diacritics and expand the ligatures œ and æ.

    :param text: Lower-case text.
    :returns: The text without combining marks (« hépatique » -> « hepatique », « cœur » -> « coeur »).
    """
    text = text.replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Words a generic French stop list removes but that carry clinical meaning: never stop words (folded).
_RAW_KEEP_WORDS = """
pas ne ni non sans jamais aucun aucune rien sauf hors nul nulle
plus moins peu trop seul seule seuls seules maximum minimum
avant apres pendant lors depuis durant jusque jusqu
chez avec contre sous sur entre
"""
CLINICAL_KEEP_WORDS: frozenset[str] = frozenset(_RAW_KEEP_WORDS.split())
"""Negation and exclusion, comparison and quantity, time, then population, association and route."""

_RAW_STOPWORDS = """
a à au aux du de des la le les un une
ce cet cette ces ça cela ceci celui celle ceux celles
mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs
je tu il ils elle elles on nous vous me te se lui y en
qui que qu quoi dont où lequel laquelle lesquels lesquelles duquel auquel
et ou mais donc or car puis ainsi alors
est sont était étaient été être étant sera seront serait seraient soit soient fut
ai as avons avez ont avait avaient avoir ayant aura auront aurait auraient eu eue eus
fait faire font
dans par pour vers via selon parmi
si comme tel telle tels telles tout toute tous toutes autre autres même mêmes
très bien aussi déjà encore ici là cependant toutefois néanmoins également notamment
quel quelle quels quelles quelque quelques chaque certain certaine certains certaines plusieurs
peut peuvent doit doivent
"""

FRENCH_STOPWORDS: frozenset[str] = (
    frozenset(fold_accents(word) for word in _RAW_STOPWORDS.split()) - CLINICAL_KEEP_WORDS
)
"""Accent-folded French function words removed before stemming (about 150 entries)."""

FRENCH_STOPWORD_SPELLINGS: frozenset[str] = FRENCH_STOPWORDS | frozenset(
    word for word in _RAW_STOPWORDS.split() if fold_accents(word) in FRENCH_STOPWORDS
)
"""The stop words as written with and without accents, for analyzers that remove stop words before
folding accents (the French analysis of the OpenSearch and Elasticsearch indexes, see
``pipelines.stores.search_engine``): « déjà » and « deja » are both removed, as here."""
