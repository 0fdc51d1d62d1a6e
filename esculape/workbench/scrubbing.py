"""Patient identifiers removed from free text before anything is stored (feedback, audit log).

Clinicians type real cases into the chat (« M. Dupont, né le 12/03/1954, NIR 1 54 03 75 112 233 45 »).
Nothing of that may reach the feedback database, the audit log or a log line. :func:`scrub` replaces

- e-mail address (``jean.dupont@chu.fr``) → ``[courriel]``;
- NIR, the social security number: 13 digits and an optional 2-digit key, spaces or dots allowed
  (``1 54 03 75 112 233 45``) → ``[NIR]``;
- French phone number (``06 12 34 56 78``, ``+33 6 12 34 56 78``) → ``[téléphone]``;
- date of birth after « né(e) le », « date de naissance », « DDN » (``née le 3 mars 1954``)
  → ``[date de naissance]``;
- any other full day/month/year date with slashes, dots or dashes (``12/03/1954``) → ``[date]``;
- postal address, number and street or postcode and town (``12 rue des Lilas, 75013 Paris``)
  → ``[adresse]``;
- name after a title: M., Mme, Mlle, Monsieur, Madame, Dr, Docteur, Pr, Professeur (``Mme Martin``)
  → ``Mme [nom]``.

ISO dates (``2020-10-22``) are kept: they are the dates of official sources quoted by the answers, not
patient data.

Known limit: a name written without a title (« Dupont, 72 ans ») is not recognised; the pilot's users
are asked to write « le patient » instead.
"""

import re

_MONTHS = r"(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre)"
_NUMERIC_DATE = r"\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?(?:\d{4}|\d{2})"
_WRITTEN_DATE = rf"(?:1er|\d{{1,2}})\s+{_MONTHS}\s+\d{{4}}"
_NAME = r"[A-ZÀ-ÖØ-Ý][A-Za-zÀ-ÖØ-öø-ÿ'’-]+"
_STREET = (
    r"(?:rue|avenue|av\.|boulevard|bd|place|chemin|all[ée]e|impasse|route|quai|cours|square|r[ée]sidence|"
    r"lotissement|lieu-dit|voie)"
)

# Order matters: longer, more specific identifiers first, so that a NIR is not taken for a phone number.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE), "[courriel]"),
    (
        re.compile(
            r"(?<![\w.])[12][\s.]?\d{2}[\s.]?(?:0[1-9]|1[0-2]|[2-9]\d)[\s.]?(?:\d{2}|2[AaBb])[\s.]?\d{3}"
            r"[\s.]?\d{3}(?:[\s.]?\d{2})?(?![\w])"
        ),
        "[NIR]",
    ),
    (re.compile(r"(?<![\w+])(?:(?:\+|00)33[\s.-]?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)"), "[téléphone]"),
    (
        re.compile(
            rf"\b(?:n[ée]e?s?\s+le|date\s+de\s+naissance\s*:?|DDN\s*:?|d\.?d\.?n\.?\s*:?)\s*"
            rf"(?:{_NUMERIC_DATE}|{_WRITTEN_DATE})",
            re.IGNORECASE,
        ),
        "[date de naissance]",
    ),
    (re.compile(rf"(?<![\w/.-]){_NUMERIC_DATE}(?![\w/.-])"), "[date]"),
    (
        re.compile(
            rf"\b\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+{_STREET}\b[^,;\n()]*"
            rf"(?:,?\s*\d{{5}}\s+{_NAME}(?:[\s-]{_NAME})*)?",
            re.IGNORECASE,
        ),
        "[adresse]",
    ),
    (
        re.compile(
            rf"\b(?:0[1-9]|[1-8]\d|9[0-5]|97)\d{{3}}\s+(?!(?:UI|U|MUI|Unit[ée]s?)\b){_NAME}"
            rf"(?:[\s-](?:{_NAME}|sur|en|l[ée]s?|de|du))*"
        ),
        "[adresse]",
    ),
    (
        re.compile(
            rf"\b(M\.|Mr\.?|Mme\.?|Mlle\.?|Monsieur|Madame|Mademoiselle|Dr\.?|Docteur|Pr\.?|Professeur)"
            rf"\s+(?:{_NAME})(?:\s+{_NAME})?"
        ),
        r"\1 [nom]",
    ),
]


def scrub(text: str | None) -> str:
    """Return ``text`` with patient identifiers replaced by bracketed labels (see the module table).

    :param text: free text typed by a clinician, or an answer that may repeat it; ``None`` gives ``""``.
    :returns: the same text, identifiers replaced.

    Example:
        >>> scrub("Mme Durand, née le 02/05/1948, tél. 06 12 34 56 78 : apixaban et clarithromycine ?")
        'Mme [nom], [date de naissance], tél. [téléphone] : apixaban et clarithromycine ?'
    """
    if not text:
        return ""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
