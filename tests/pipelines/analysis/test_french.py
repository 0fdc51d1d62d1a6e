"""Tests of the French BM25 analyzer: Snowball parity, compounds, elisions, stop words, numbers."""

from __future__ import annotations

import pickle

import pytest

from pipelines.analysis.french import FrenchAnalyzer, stem_word
from pipelines.analysis.stopwords import CLINICAL_KEEP_WORDS, FRENCH_STOPWORDS, fold_accents


@pytest.fixture(scope="module")
def analyzer() -> FrenchAnalyzer:
    return FrenchAnalyzer()


# Expected stems from the Snowball French algorithm (snowballstem.org); the first six were checked by
# hand against its rules (plural -s/-es, -ance, -ique, -ement, -ation -> -iqu after « ic »).
SNOWBALL_FRENCH = [
    ("insuffisances", "insuffis"),
    ("insuffisance", "insuffis"),
    ("rénales", "rénal"),
    ("hépatique", "hépat"),
    ("traitement", "trait"),
    ("indication", "indiqu"),
    ("indiqué", "indiqu"),
    ("grossesse", "grossess"),
    ("allaitement", "allait"),
    ("posologies", "posolog"),
    ("surdosage", "surdosag"),
    ("hypertension", "hypertens"),
    ("artérielle", "artériel"),
    ("anticoagulants", "anticoagul"),
    ("comprimés", "comprim"),
    ("recommandées", "recommand"),
    ("diabète", "diabet"),
    ("enfants", "enfant"),
    ("associations", "associ"),
    ("vitamine", "vitamin"),
]


@pytest.mark.parametrize(("word", "expected"), SNOWBALL_FRENCH)
def test_stem_word_matches_snowball_french(word: str, expected: str) -> None:
    assert stem_word(word) == expected


@pytest.mark.parametrize(("word", "expected"), SNOWBALL_FRENCH)
def test_analyzer_term_is_the_folded_snowball_stem(
    analyzer: FrenchAnalyzer, word: str, expected: str
) -> None:
    assert analyzer(word) == [fold_accents(expected)]


@pytest.mark.parametrize(
    "text",
    [
        "contre-indiqué",
        "contre indiqué",
        "contreindiqué",
        "Contre-Indiquée",
        "contre‑indiqués",  # U+2011 non-breaking hyphen, as in PDF extractions
        "contre-indication",
        "contre-indications",
        "contre indications",
        "contreindication",
    ],
)
def test_contre_indique_spellings_share_one_term(analyzer: FrenchAnalyzer, text: str) -> None:
    assert analyzer(text) == ["contreindiqu"]


def test_indique_does_not_match_contre_indique(analyzer: FrenchAnalyzer) -> None:
    query_terms = set(analyzer("indiqué"))
    passage_terms = set(analyzer("Ce médicament est contre-indiqué pendant la grossesse."))

    assert query_terms == {"indiqu"}
    assert not query_terms & passage_terms


def test_contre_as_a_preposition_stays_a_term(analyzer: FrenchAnalyzer) -> None:
    assert analyzer("traitement contre la douleur") == ["trait", "contre", "douleur"]


def test_renal_failure_singular_matches_plural(analyzer: FrenchAnalyzer) -> None:
    assert analyzer("l'insuffisance rénale") == analyzer("insuffisances rénales") == ["insuffis", "renal"]


@pytest.mark.parametrize("apostrophe", ["'", "’"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("l{a}insuffisance", ["insuffis"]),
        ("d{a}insuffisance", ["insuffis"]),
        ("qu{a}il", []),
        ("jusqu{a}à la dose", ["dos"]),
        ("lorsqu{a}un patient", ["patient"]),
        ("puisqu{a}elle", []),
        ("quoiqu{a}on", []),
        ("s{a}associer", ["associ"]),
        ("c{a}est", []),
        ("j{a}ai", []),
        ("m{a}a", []),
        ("t{a}a", []),
        ("n{a}associez pas", ["ne", "assoc", "pas"]),
    ],
)
def test_elisions_are_stripped_with_both_apostrophes(
    analyzer: FrenchAnalyzer, apostrophe: str, text: str, expected: list[str]
) -> None:
    assert analyzer(text.format(a=apostrophe)) == expected


def test_aujourdhui_is_not_an_elision(analyzer: FrenchAnalyzer) -> None:
    assert analyzer("aujourd'hui") == ["aujourd", "hui"]


def test_stop_words_removed_but_negations_kept(analyzer: FrenchAnalyzer) -> None:
    assert analyzer("Ne pas associer avec les AINS") == ["ne", "pas", "associ", "avec", "ain"]


@pytest.mark.parametrize(
    "word",
    [
        "pas",
        "sans",
        "ne",
        "ni",
        "non",
        "contre",
        "plus",
        "moins",
        "sous",
        "sur",
        "avant",
        "après",
        "pendant",
        "chez",
        "jamais",
        "aucun",
        "avec",
    ],
)
def test_clinically_meaningful_words_are_never_stop_words(analyzer: FrenchAnalyzer, word: str) -> None:
    assert fold_accents(word) in CLINICAL_KEEP_WORDS
    assert fold_accents(word) not in FRENCH_STOPWORDS
    assert analyzer(word) != []


@pytest.mark.parametrize("text", ["", "   ", "le la les de du des", "Qu'est-ce que c'est ?", "!!! ... ;"])
def test_stop_words_only_gives_no_terms(analyzer: FrenchAnalyzer, text: str) -> None:
    assert analyzer(text) == []


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2,5 mg", "2,5 mg"),
        ("2,5 mg", "2.5mg"),
        ("500mg", "500 mg"),
        ("1\u00a0000 UI", "1000 UI"),
        ("10 µg", "10 mcg"),
        ("10 μg", "10 µg"),
    ],
)
def test_dosages_match_across_spellings(analyzer: FrenchAnalyzer, first: str, second: str) -> None:
    assert analyzer(first) == analyzer(second)


def test_dosage_terms(analyzer: FrenchAnalyzer) -> None:
    assert analyzer("2,5 mg deux fois par jour, 500 mg au maximum") == [
        "2,5",
        "mg",
        "deux",
        "fois",
        "jour",
        "500",
        "mg",
        "maximum",
    ]
    assert analyzer("2,5 mg") != analyzer("25 mg")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CYP3A4", ["cyp3a4"]),
        ("HbA1c", ["hba1c"]),
        ("COVID-19", ["covid", "19"]),
        ("anti-inflammatoire", ["antiinflammatoir"]),
        ("antiinflammatoire", ["antiinflammatoir"]),
        ("sous-cutanée", ["souscutan"]),
        ("bêta-bloquant", ["betabloqu"]),
        ("œdème", ["oedem"]),
        ("oedème", ["oedem"]),
        ("vitamine D", ["vitamin", "d"]),
    ],
)
def test_codes_compounds_and_ligatures(analyzer: FrenchAnalyzer, text: str, expected: list[str]) -> None:
    assert analyzer(text) == expected


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("hépatique", "hepatique"),
        ("rénale", "renale"),
        ("diabète", "diabete"),
        ("APRÈS", "apres"),
        ("cutanée", "cutanee"),
        ("prolongées", "prolongees"),
        ("dernière", "derniere"),
    ],
)
def test_accents_are_folded(analyzer: FrenchAnalyzer, accented: str, plain: str) -> None:
    assert analyzer(accented) == analyzer(plain)


def test_itis_words_are_not_re_accented(analyzer: FrenchAnalyzer) -> None:
    # « sinusite » (sinusitis) must not be read as « sinusité » and stemmed like « sinus ».
    assert analyzer("sinusite") != analyzer("sinus")
    assert analyzer("dermatite") == analyzer("dermatites")


def test_nfc_and_nfd_inputs_agree(analyzer: FrenchAnalyzer) -> None:
    nfd = "he\u0301patique"
    assert analyzer(nfd) == analyzer("hépatique") == ["hepat"]


def test_long_input(analyzer: FrenchAnalyzer) -> None:
    text = ("Insuffisance rénale sévère : contre-indiqué. " * 250)[:10_000]

    terms = analyzer(text)

    assert len(text) == 10_000
    assert terms[:3] == ["insuffis", "renal", "sever"]
    assert terms.count("contreindiqu") >= 200


def test_deterministic_and_picklable() -> None:
    text = "L'association est contre-indiquée chez l'enfant de moins de 6 ans (2,5 mg/kg)."
    first = FrenchAnalyzer()
    restored = pickle.loads(pickle.dumps(first))

    assert first(text) == first(text) == FrenchAnalyzer()(text) == restored(text)
    assert first.tokenize_many([text, ""]) == [first(text), []]


def test_signature_is_stable_and_versioned() -> None:
    signature = FrenchAnalyzer().signature

    assert signature == FrenchAnalyzer(cache_size=0).signature
    assert signature.startswith("french-v1/pystemmer-")


def test_cache_disabled_gives_same_terms() -> None:
    text = "Surveillance de la fonction rénale pendant le traitement."
    assert FrenchAnalyzer(cache_size=0)(text) == FrenchAnalyzer()(text)


@pytest.mark.parametrize("bad", [None, 3, b"bytes"])
def test_non_string_input_is_rejected(analyzer: FrenchAnalyzer, bad: object) -> None:
    with pytest.raises(TypeError, match="expects a str"):
        analyzer(bad)  # type: ignore[arg-type]
