"""Drug names a clinician types (brands, substances), mapped to the active substances of the BDPM.

Clinicians ask about « Eliquis » or « Tégrétol »; the ANSM thesaurus and the HAS opinions speak of
apixaban and carbamazépine. The lexicon is built from the BDPM passages of the store (title and
``substances`` metadata), so it always matches the corpus that was ingested, and it serves both query
expansion (here) and drug detection in the answer pipeline.

Usage example:

```python
lexicon = DrugLexicon.from_documents(store.filter_documents({"field": "meta.source", "operator": "==",
                                                             "value": "bdpm"}))
lexicon.find("Mon patient sous Eliquis peut-il prendre de la clarithromycine ?")
# [DrugMention(text='eliquis', substances=('apixaban',))]
```
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from haystack import Document

from corpora.text import fold as fold_name
from pipelines.analysis.stopwords import CLINICAL_KEEP_WORDS, FRENCH_STOPWORDS
from pipelines.retrieval.class_aliases import CLASS_ALIASES

# A name shared by specialties of more than this many different substance sets (« ACIDE », « VITAMINE »)
# says nothing precise about the drug and is not used.
MAX_SUBSTANCE_SETS = 3
MIN_NAME_CHARS = 4
MAX_NAME_WORDS = 3
MIN_PREFIX_CHARS = 6
# Misspellings are forgiven (one letter added, dropped or changed) in words of this length or more, when
# exactly one substance or brand name is that close and starts with the same letter.
MIN_FUZZY_CHARS = 8
# A thesaurus side made only of stop words (« OR », the gold salts) is an ordinary French word too (« or » =
# « however »): it is taken for the substance only where a drug stands, next to one of these words.
_DRUG_POSITION_BEFORE = r"(?:associer|associe|associes|et|avec|entre|l|d|de|du|sels?)"
_DRUG_POSITION_AFTER = r"(?:et|avec)"
_INVERTED_SALT = re.compile(r"^(.+?) \((.+? (?:de|d'))\)$")

# Head terms shared by unrelated thesaurus classes (« inhibiteurs de … », « autres … »), after analysis:
# a question using one of them alone does not designate a class.
GENERIC_CLASS_HEADS = frozenset({"autr", "inhibiteur", "produit", "substanc", "medic", "medicament", "sel"})


# Salt, hydrate and filler words: « chlorhydrate de moxifloxacine » is asked about as « moxifloxacine ».
SALT_WORDS = frozenset(
    [
        "acetate",
        "anhydre",
        "base",
        "besilate",
        "bromhydrate",
        "chlorhydrate",
        "citrate",
        "de",
        "d",
        "des",
        "dichlorhydrate",
        "dihydrate",
        "du",
        "fumarate",
        "hemihydrate",
        "hydrate",
        "l",
        "la",
        "le",
        "maleate",
        "mesilate",
        "monohydrate",
        "phosphate",
        "potassique",
        "sel",
        "sodique",
        "succinate",
        "sulfate",
        "tartrate",
        "trihydrate",
    ]
)


# Words of pharmaceutical forms and routes: a specialty called « SOLUTION INJECTABLE DE … » or « CRÈME … »
# must not turn these words, in a question, into a drug.
FORM_WORDS = frozenset(
    [
        "ampoule",
        "buvable",
        "capsule",
        "collyre",
        "comprime",
        "comprimes",
        "creme",
        "cutane",
        "cutanee",
        "dispersible",
        "effervescent",
        "gel",
        "gelule",
        "gelules",
        "gouttes",
        "granules",
        "injectable",
        "lotion",
        "molle",
        "nasal",
        "nasale",
        "oral",
        "orale",
        "perfusion",
        "pommade",
        "poudre",
        "pulverisation",
        "sachet",
        "seringue",
        "sirop",
        "solution",
        "solvant",
        "spray",
        "suppositoire",
        "suspension",
        "topique",
        "vaginal",
    ]
)


def is_common_words(name: str) -> bool:
    """True when every word of ``name`` is a form word, a stop word or a clinically kept word (« contre »)."""
    return all(
        word in FORM_WORDS or word in FRENCH_STOPWORDS or word in CLINICAL_KEEP_WORDS for word in name.split()
    )


def substance_core(substance: str) -> str:
    """The name a clinician types for a substance: ``'ranitidine (chlorhydrate de)'`` -> ``'ranitidine'``."""
    return " ".join(word for word in fold_name(substance).split() if word not in SALT_WORDS)


def canonical_substance(substance: str) -> str:
    """One spelling for the two BDPM ways of writing a salt: « sodium (valproate de) » is « valproate de
    sodium »; without it DEPAKINE looks like four different drugs and is dropped as ambiguous."""
    match = _INVERTED_SALT.match(substance.strip())
    return fold_name(f"{match.group(2)} {match.group(1)}" if match else substance)


def brand_words(denomination: str) -> list[str]:
    """Denomination words before dosage and form: ``'ELIQUIS 5 mg, comprimé'`` -> ``['eliquis']``."""
    head = denomination.split(",", 1)[0]
    words = []
    for word in fold_name(head).split():
        if any(char.isdigit() for char in word):
            break
        words.append(word)
    return words


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class DrugMention:
    """A drug name found in a question, the active substances it stands for and the specialties (CIS)."""

    text: str
    substances: tuple[str, ...]
    cis: tuple[str, ...] = ()


class DrugLexicon:
    """Maps folded drug names (one to three words) to the substances of the specialties bearing them."""

    def __init__(
        self,
        names: dict[str, tuple[str, ...]],
        cis: dict[str, tuple[str, ...]] | None = None,
        classes: dict[str, tuple[str, ...]] | None = None,
        analyzer: Callable[[str], list[str]] | None = None,
    ) -> None:
        """:param names: folded name -> substances (lower case, as written in the BDPM).
        :param cis: folded name -> CIS codes of the specialties bearing it, commercialised first.
        :param classes: thesaurus interaction class (or substance) as written -> its analysed terms.
        :param analyzer: the BM25 analysis, used to find class names in a question."""
        self.names = names
        self.cis = cis or {}
        self.classes = classes or {}
        self.analyzer = analyzer
        self._prefix_index: dict[str, set[str]] | None = None
        self._near_index: dict[str, set[str]] | None = None
        self._class_by_head: dict[str, str] = {}
        self._bare_sides = {
            side: re.compile(
                rf"\b{_DRUG_POSITION_BEFORE} {re.escape(fold_name(side))}\b"
                rf"|\b{re.escape(fold_name(side))} {_DRUG_POSITION_AFTER}\b"
            )
            for side, terms in self.classes.items()
            if not terms and fold_name(side)
        }
        for side, terms in sorted(self.classes.items(), key=lambda item: (len(item[1]), item[0])):
            # Short heads (« risqu », « sel ») are ordinary words of a question, not class names.
            if terms and len(terms[0]) >= MIN_PREFIX_CHARS:
                self._class_by_head.setdefault(terms[0], side)

    @classmethod
    def from_documents(
        cls, documents: Iterable[Document], analyzer: Callable[[str], list[str]] | None = None
    ) -> "DrugLexicon":
        """Build the lexicon from BDPM passages (title, substances) and thesaurus passages (the two sides).

        :param analyzer: the BM25 analysis; without it, class names are not looked for in questions.
        """
        sets_per_name: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        cis_per_name: dict[str, list[tuple[bool, str]]] = defaultdict(list)
        classes: dict[str, tuple[str, ...]] = {}
        for doc in documents:
            if analyzer is not None and doc.meta.get("source") == "interaction":
                for side in doc.meta.get("interaction_sides", []):
                    classes[side] = tuple(term for term in analyzer(side) if term not in GENERIC_CLASS_HEADS)
            if doc.meta.get("source") != "bdpm" or not doc.meta.get("substances"):
                continue
            substances = tuple(sorted(set(doc.meta["substances"])))
            words = brand_words(doc.meta.get("title", ""))
            for length in range(1, min(len(words), MAX_NAME_WORDS) + 1):
                name = " ".join(words[:length])
                if len(name) >= MIN_NAME_CHARS and not is_common_words(name):
                    sets_per_name[name].add(substances)
                    marketed = doc.meta.get("commercialised", True)
                    cis_per_name[name] += [(not marketed, code) for code in doc.meta.get("cis", [])]

        names, cis = {}, {}
        for name, substance_sets in sets_per_name.items():
            if (
                len({frozenset(map(canonical_substance, group)) for group in substance_sets})
                <= MAX_SUBSTANCE_SETS
            ):
                names[name] = tuple(sorted({s for group in substance_sets for s in group}))
                cis[name] = tuple(code for _, code in sorted(set(cis_per_name[name])))

        # A substance's own name always stands for that substance, however many combinations contain it
        # (« ibuprofène » is in dozens of specialties; the ambiguity rule above would discard it).
        substances_per_core: dict[str, set[str]] = defaultdict(set)
        for substance_set in {group for groups in sets_per_name.values() for group in groups}:
            for substance in substance_set:
                core = substance_core(substance)
                if (
                    len(core) >= MIN_NAME_CHARS
                    and len(core.split()) <= MAX_NAME_WORDS
                    and not is_common_words(core)
                ):
                    substances_per_core[core].add(substance)
        for core, substances in substances_per_core.items():
            names[core] = tuple(sorted(substances))
        return cls(names, cis, classes, analyzer)

    def find(self, text: str) -> list[DrugMention]:
        """Drug names in ``text`` (longest match first, each word used once), then thesaurus class names.

        A word of six letters or more that begins exactly one substance name stands for it (« clarithro »).
        A class is found when all its terms are in the question, when the question has the head term of a
        class family (« anti-inflammatoire », « anticoagulant »: the family's shortest class is taken), or
        when it uses a usual name of the class (« AINS », « AVK », « une statine », see ``class_aliases``).
        A side whose name is only a common word (« or ») counts only where a drug stands (« sels d'or »,
        « associer or et … »).
        """
        mentions = self._find_names(text)
        if self.analyzer is None or not self.classes:
            return mentions
        terms = set(self.analyzer(text))
        found = {side for side, side_terms in self.classes.items() if side_terms and set(side_terms) <= terms}
        found |= {side for head, side in self._class_by_head.items() if head in terms}
        folded = fold_name(text)
        found |= {side for side, pattern in self._bare_sides.items() if pattern.search(folded)}
        words = folded.split()
        phrases = {" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
        found |= {
            CLASS_ALIASES[p] for p in phrases if p in CLASS_ALIASES and CLASS_ALIASES[p] in self.classes
        }
        known = {fold_name(s) for mention in mentions for s in (mention.text, *mention.substances)}
        for side in sorted(found):
            if fold_name(side) not in known:
                mentions.append(DrugMention(side.lower(), (side.lower(),)))
        return mentions

    def _find_names(self, text: str) -> list[DrugMention]:
        words = fold_name(text).split()
        mentions = []
        position = 0
        while position < len(words):
            for length in range(MAX_NAME_WORDS, 0, -1):
                candidate = " ".join(words[position : position + length])
                if (
                    length <= len(words) - position
                    and candidate in self.names
                    and candidate not in FORM_WORDS
                ):
                    mentions.append(
                        DrugMention(candidate, self.names[candidate], self.cis.get(candidate, ()))
                    )
                    position += length
                    break
            else:
                match = self._unique_prefix(words[position]) or self._unique_near_miss(words[position])
                if match:
                    mentions.append(DrugMention(words[position], self.names[match], self.cis.get(match, ())))
                position += 1
        return mentions

    def _unique_prefix(self, word: str) -> str | None:
        """The one substance name that ``word`` (six letters or more) abbreviates, if exactly one."""
        if len(word) < MIN_PREFIX_CHARS or word in self.names:
            return None
        if self._prefix_index is None:
            self._prefix_index = defaultdict(set)
            for name, substances in self.names.items():
                if " " not in name and name in {substance_core(s) for s in substances}:
                    for end in range(MIN_PREFIX_CHARS, len(name)):
                        self._prefix_index[name[:end]].add(name)
        candidates = self._prefix_index.get(word, set())
        return next(iter(candidates)) if len(candidates) == 1 else None

    def _unique_near_miss(self, word: str) -> str | None:
        """The one single-word name that ``word`` misspells by one letter (« clarythromycine »), if any.

        Names and words are compared through their one-letter deletions (a substitution, an insertion or a
        deletion leaves a deletion in common), indexed once.
        """
        if len(word) < MIN_FUZZY_CHARS or word in self.names:
            return None
        if self._near_index is None:
            self._near_index = defaultdict(set)
            for name in self.names:
                if " " not in name and len(name) >= MIN_FUZZY_CHARS - 1 and not is_common_words(name):
                    for variant in _deletions(name) | {name}:
                        self._near_index[variant].add(name)
        candidates = set()
        for variant in _deletions(word) | {word}:
            candidates |= self._near_index.get(variant, set())
        candidates = {name for name in candidates if name[0] == word[0]}
        return next(iter(candidates)) if len(candidates) == 1 else None

    def __len__(self) -> int:
        return len(self.names)
