"""What kind of drug question is asked, where it changes which passages answer it."""

import re

from corpora.text import fold

# A question about generics or substitution (« quels génériques », « le pharmacien peut-il substituer »,
# « autre chose que du Tahor ») is answered by the other specialties of the same generic group, not by the
# brand's own passages.
_GENERIC_WORDS = re.compile(
    r"\b(?:generiques?|substitu\w*|princeps|remplac\w*|equivalents?|autre chose que|a la place)\b"
)


def asks_for_generics(question: str) -> bool:
    """True when ``question`` asks what may replace a drug (generics, substitution, equivalents)."""
    return bool(_GENERIC_WORDS.search(fold(question)))
