"""How clinicians name a specialty, and which specialties each name designates.

A BDPM denomination such as ``DOLIPRANE 1000 mg, comprimé`` can be typed in full, as brand + dosage
(« Doliprane 1000 mg ») or as the brand alone (« doliprane »), in any case and with or without accents. Each
shorter name designates more specialties; :class:`NameIndex` answers which, so that the gold set of a question
holds every specialty its wording could mean.
"""

import random
import re
import unicodedata
from collections import defaultdict

from corpora.schema import slug

NAMINGS = ("full", "brand_dosage", "brand")
_SMALL_WORDS = {"DE", "DU", "DES", "LA", "LE", "LES", "ET", "POUR", "À", "A", "EN", "D'", "L'"}

_HOMEOPATHY = re.compile(r"homéopathi|degré de dilution|\bCH\b|\bDH\b|BOIRON|LEHNING|WELEDA", re.IGNORECASE)


def strip_accents(text: str) -> str:
    """``'Lévothyrox'`` -> ``'Levothyrox'``."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def brand_dosage(denomination: str) -> str:
    """The part before the form: ``'YELLOX 0,9 mg/ml, collyre'`` -> ``'YELLOX 0,9 mg/ml'``.

    The form follows the first comma + space; a decimal comma (``0,9``) has no space after it.
    """
    return re.split(r",\s", denomination, maxsplit=1)[0].strip()


def brand(denomination: str) -> str:
    """The words before the first one that starts with a digit: ``'XARELTO 20 mg, ...'`` -> ``'XARELTO'``."""
    words = []
    for word in brand_dosage(denomination).split():
        if word[0].isdigit():
            break
        words.append(word)
    return " ".join(words)


def name_for(denomination: str, naming: str) -> str:
    """The name of ``denomination`` under ``naming`` (one of :data:`NAMINGS`), as written in the BDPM."""
    if naming == "full":
        return denomination
    if naming == "brand_dosage":
        return brand_dosage(denomination)
    if naming == "brand":
        return brand(denomination)
    raise ValueError(f"Unknown naming '{naming}': expected one of {', '.join(NAMINGS)}")


def is_plain_name(denomination: str) -> bool:
    """False for names a clinician would not type as such: homeopathy, very short or digit-led brands."""
    name = brand(denomination)
    return (
        not _HOMEOPATHY.search(denomination)
        and len(name) >= 4
        and not name[0].isdigit()
        and "(" not in name
        and any(char.isalpha() for char in name)
    )


def styled(name: str, rng: random.Random, keep_case_share: float = 0.3) -> str:
    """Write ``name`` as a clinician might: as in the BDPM, Capitalised or lower case, sometimes unaccented.

    Only the brand words change case; a dosage such as ``20 mg`` keeps its unit as written.
    """
    style = rng.random()
    if style < keep_case_share:
        text = name
    elif style < 0.7:
        words = name.split()
        text = " ".join(
            word
            if not word.isupper()
            else word.lower()
            if index and word in _SMALL_WORDS
            else word.capitalize()
            for index, word in enumerate(words)
        )
    else:
        text = name.lower()
    if rng.random() < 0.3:
        text = strip_accents(text)
    return text


class NameIndex:
    """Specialties designated by each name, for each naming; names compare by :func:`corpora.schema.slug`.

    Example:
        >>> index = NameIndex({"1": "DOLIPRANE 1000 mg, comprimé", "2": "DOLIPRANE 500 mg, gélule"})
        >>> index.matching("doliprane", "brand")
        ['1', '2']
    """

    def __init__(self, names: dict[str, str]) -> None:
        self._by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
        for cis in sorted(names):
            for naming in NAMINGS:
                self._by_name[(naming, slug(name_for(names[cis], naming)))].append(cis)

    def matching(self, name: str, naming: str) -> list[str]:
        """CIS codes designated by ``name`` read as a ``naming`` name (sorted)."""
        return list(self._by_name.get((naming, slug(name)), []))
