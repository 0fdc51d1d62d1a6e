"""Checks on the question and the sources before anything reaches the model.

- prompt injections (« ignore les instructions précédentes… ») are cut out of the question and of the
  passages, so that the model never reads them as instructions;
- the language of the question (the answer is always French; the clinician is told when the question was
  not);
- whether the question is medical at all (Esculape refuses the others);
- how well the retrieved passages cover the question (weak evidence leads to abstention).
"""

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from corpora.text import fold

# Instructions aimed at the model rather than questions for it, in French and English. Matched on folded
# text (no accents, lower case).
_INJECTION_PATTERNS = [
    r"\b(ignore[rz]?|oublie[rz]?|neglige[rz]?)\b.{0,40}\b(instructions?|consignes?|regles?|directives?)\b",
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompt|rules)\b",
    r"\b(tu es|vous etes) (desormais|maintenant)\b",
    r"\byou are now\b",
    r"\b(revele[rz]?|affiche[rz]?|donne[rz]?)\b.{0,30}\b(prompt|consignes? systeme|instructions? systeme)\b",
    r"\b(system prompt|prompt systeme)\b",
    r"\b(reponds?|repondez|answer)\b.{0,40}\b(sans citer|sans sources?|without (citing|sources))\b",
]
INJECTION = re.compile("|".join(f"(?:{pattern})" for pattern in _INJECTION_PATTERNS))
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*\n?|\n")

# Frequent function words per language: enough to tell French from the languages a question might come in.
_LANGUAGE_WORDS = {
    "fr": "le la les des une est et que qui dans pour pas sur avec chez quel quelle peut doit",
    "en": "the is are what which with for and of can should patient how does when",
    "es": "el los las una es y que con para por cual como puede debe paciente",
    "de": "der die das und ist mit fur ein eine welche kann bei wie",
    "it": "il gli una e che con per quale come puo deve paziente della",
}
LANGUAGE_NAMES = {"en": "anglais", "es": "espagnol", "de": "allemand", "it": "italien"}
_WORDS_BY_LANGUAGE = {language: set(words.split()) for language, words in _LANGUAGE_WORDS.items()}

# Word stems (folded) of clinical vocabulary: a question with none of them, no drug name and little overlap
# with the sources is not a medical question.
_MEDICAL_STEMS = tuple(
    (  # noqa: SIM905  (a word list reads better as text)
        "medic patient malad traitement trait therap symptom syndrom douleur doul fievre infect cancer "
        "tumeur diabet tension hypert hypot cardi coeur renal rein hepat foie pulmon respir vaccin "
        "chirurg diagnos examen bilan sang biolog clini soin pharma allerg grossess enceinte allait "
        "nourrisson pediatr geriat posolog dose prescri contre-indi indication effet indesirable rembours "
        "interaction generique rupture smr asmr notice antibio antalg anticoag insuffisan hospital "
        "urgence sympt lesion fracture plaie oedeme anemi thromb embol avc infarct epilep depress anxi "
        "psych neuro dermat ophtalm orl gyneco uro nephro gastro digest vomiss diarrh toux asthm bpco "
        "obes cholesterol lipid thyro hormon insulin glyc vih hepatite tuberc covid grippe virus bacter "
        "mycose parasit sante medecin infirm pharmacien"
    ).split()
)
# Common stems of international nonproprietary names (WHO): an unknown word ending so is a drug name.
_INN_STEMS = (
    "mab", "tinib", "nib", "vir", "pril", "sartan", "statine", "azole", "cilline", "mycine", "prazole",
    "olol", "tidine", "parine", "xaban", "gatran", "triptan", "setron", "lukast", "dronate", "ifene",
    "oxacine", "cycline", "semide", "thiazide", "gliptine", "glinide", "zepam", "zolam", "tiapine",
    "peridone", "pramine", "oxetine", "caine", "profene", "coxib", "sone", "lone",
)  # fmt: skip
_MEDICAL_SUFFIXES = ("ite", "ose", "emie", "algie", "ectomie", "pathie", "ome", "plasie", "urie", "scopie")


@dataclass
class Screened:
    """A text with its injected instructions cut out."""

    text: str
    removed: list[str]


def strip_injections(text: str) -> Screened:
    """Cut out every sentence that addresses instructions to the model.

    :returns: the remaining text and the sentences removed (for the flags, never sent to the model).
    """
    kept, removed = [], []
    for sentence in _SENTENCE.findall(text):
        if INJECTION.search(fold(sentence)):
            removed.append(sentence.strip())
        else:
            kept.append(sentence)
    return Screened("".join(kept).strip(), removed)


def detect_language(text: str) -> str:
    """``fr``, ``en``, ``es``, ``de`` or ``it``, by counting function words; French when unsure."""
    words = re.findall(r"[a-z]+", fold(text))
    counts = {
        language: sum(word in vocab for word in words) for language, vocab in _WORDS_BY_LANGUAGE.items()
    }
    best = max(counts, key=lambda language: counts[language])
    return best if counts[best] > counts["fr"] and counts[best] >= 2 else "fr"


def has_medical_words(text: str) -> bool:
    """True when a word of ``text`` starts with a clinical stem or ends with a clinical suffix."""
    words = re.findall(r"[a-z-]{3,}", fold(text))
    return any(
        word.startswith(_MEDICAL_STEMS) or (len(word) >= 6 and word.endswith(_MEDICAL_SUFFIXES + _INN_STEMS))
        for word in words
    )


def coverage(
    query: str,
    passages: Iterable[str],
    analyzer: Callable[[str], list[str]],
    frequencies: Callable[[list[str]], tuple[dict[str, int], int]] | None = None,
) -> float:
    """The largest share of the question's search terms found in one passage (0 to 1), each term weighed
    by its rarity in the corpus (inverse document frequency) when ``frequencies`` is given: a passage that
    matches « traitement » and « chronique » but not « Zorglub » covers little of the question.

    :param frequencies: the store's ``document_frequencies`` (term counts and passage count).
    """
    terms = sorted(set(analyzer(query)))
    if not terms:
        return 0.0
    weights = dict.fromkeys(terms, 1.0)
    if frequencies is not None:
        counts, total = frequencies(terms)
        if total:
            weights = {term: math.log((total + 1) / (counts.get(term, 0) + 0.5)) for term in terms}
    whole = sum(weights.values())
    return max(
        (sum(weights[t] for t in set(analyzer(text)) if t in weights) / whole for text in passages),
        default=0.0,
    )


def unknown_words(
    question: str,
    analyzer: Callable[[str], list[str]],
    frequencies: Callable[[list[str]], tuple[dict[str, int], int]],
    mentions: Iterable = (),
) -> list[str]:
    """Words of the question (five letters or more) that no indexed passage contains and that are not a
    recognised drug name (a misspelt drug found by the lexicon is known): « zorvexamab », « Morvanie »."""
    known = {fold(getattr(mention, "text", "")) for mention in mentions}
    words = [w for w in re.findall(r"[\w-]{5,}", question) if fold(w) not in known and not w.isdigit()]
    terms = {word: analyzer(word) for word in words}
    counts, total = frequencies(sorted({t for ts in terms.values() for t in ts}))
    if not total:
        return []
    return [word for word, ts in terms.items() if ts and all(counts.get(t, 0) == 0 for t in ts)]
