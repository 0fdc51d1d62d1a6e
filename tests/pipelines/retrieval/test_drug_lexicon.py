"""Drug names as clinicians type them, mapped to substances; the drug retriever and the query expansion."""

import pytest
from haystack import Document

from pipelines.analysis.french import FrenchAnalyzer
from pipelines.retrieval.drug_lexicon import DrugLexicon, brand_words, substance_core
from pipelines.retrieval.drug_query_expander import DrugQueryExpander
from pipelines.retrieval.drug_retriever import DrugRetriever
from pipelines.retrieval.intents import asks_for_generics
from pipelines.stores.in_memory import EsculapeInMemoryStore


def _bdpm(cis, title, substances):
    return Document(
        id=f"bdpm:{cis}",
        content=title,
        meta={
            "source": "bdpm",
            "title": title,
            "cis": [cis],
            "substances": substances,
            "commercialised": True,
        },
    )


def _interaction(main, plus, substances):
    doc_id = f"interaction:{main.lower()}--{plus.lower()}"
    return Document(
        id=doc_id,
        content=f"{main} + {plus}",
        meta={"source": "interaction", "interaction_sides": [main, plus], "substances": substances},
    )


DOCUMENTS = [
    _bdpm("1", "ELIQUIS 5 mg, comprimé pelliculé", ["apixaban"]),
    _bdpm("2", "ZECLAR 500 mg, comprimé pelliculé", ["clarithromycine"]),
    _bdpm("3", "CLARITHROMYCINE ARROW 250 mg, comprimé", ["clarithromycine"]),
    _bdpm("4", "TEGRETOL L.P. 200 mg, comprimé", ["carbamazépine"]),
    _bdpm(
        "5", "SOLUTION INJECTABLE DE CHLORURE DE SODIUM 0,9 %, solution injectable", ["chlorure de sodium"]
    ),
    _bdpm("6", "DEROXAT 20 mg, comprimé", ["chlorhydrate de paroxétine hémihydraté"]),
    _bdpm("7", "ADVIL 200 mg, comprimé", ["ibuprofène"]),
    _bdpm("8", "NUROFEN RHUME, comprimé", ["ibuprofène", "pseudoéphédrine"]),
    _interaction(
        "APIXABAN",
        "INHIBITEURS PUISSANTS DU CYP3A4",
        ["apixaban", "inhibiteurs puissants du cyp3a4", "clarithromycine", "itraconazole"],
    ),
    _interaction("CLARITHROMYCINE", "APIXABAN", ["clarithromycine", "apixaban"]),
    _interaction(
        "ANTI-INFLAMMATOIRES NON STÉROÏDIENS",
        "LITHIUM",
        ["anti-inflammatoires non stéroïdiens", "lithium", "ibuprofene", "ketoprofene"],
    ),
    _interaction("OR", "LITHIUM", ["or", "lithium"]),
]


@pytest.fixture(scope="module")
def lexicon():
    return DrugLexicon.from_documents(DOCUMENTS, analyzer=FrenchAnalyzer())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Mon patient sous Eliquis peut-il prendre du Zéclar ?", [("apixaban",), ("clarithromycine",)]),
        ("apixaban et clarithro en même temps ?", [("apixaban",), ("clarithromycine",)]),
        ("TÉGRÉTOL et grossesse", [("carbamazépine",)]),
        ("deroxat le soir ?", [("chlorhydrate de paroxétine hémihydraté",)]),
    ],
)
def test_brands_substances_and_abbreviations_are_found(lexicon, question, expected):
    assert [mention.substances for mention in lexicon.find(question)] == expected


def test_form_words_and_short_words_are_not_drugs(lexicon):
    assert lexicon.find("une solution injectable contre la douleur") == []


def test_a_substance_name_is_kept_even_when_many_specialties_combine_it(lexicon):
    assert [m.substances for m in lexicon.find("ibuprofène chez l'enfant")] == [("ibuprofène",)]


@pytest.mark.parametrize(
    "question",
    ["un anti-inflammatoire chez un patient sous lithium", "un AINS chez un patient sous lithium"],
)
def test_class_names_in_everyday_words_and_abbreviations_are_found(lexicon, question):
    mentions = lexicon.find(question)
    assert "anti-inflammatoires non stéroïdiens" in [mention.text for mention in mentions]


@pytest.mark.parametrize(
    ("question", "is_gold"),
    [
        ("Peut-on associer or et lithium ?", True),
        ("Un patient sous sels d'or peut-il prendre du lithium ?", True),
        ("Lithium avec l'or : quel risque ?", True),
        ("Le patient prend du lithium, or il est insuffisant rénal", False),
        ("Or, ce patient sous lithium a soif", False),
    ],
)
def test_a_side_made_of_a_common_word_is_found_only_where_a_drug_stands(lexicon, question, is_gold):
    # « OR » (the gold salts) is also the French « or » (however): only a drug position makes it a drug.
    assert ("or" in [mention.text for mention in lexicon.find(question)]) is is_gold


def test_an_abbreviation_needs_its_class_in_the_corpus(lexicon):
    # « AVK » names a thesaurus class that this small corpus lacks: it is not invented.
    assert lexicon.find("patient sous AVK") == []


def test_brand_words_and_substance_core():
    assert brand_words("TEGRETOL L.P. 200 mg, comprimé") == ["tegretol", "l", "p"]
    assert substance_core("ranitidine (chlorhydrate de)") == "ranitidine"
    assert substance_core("chlorhydrate d'amiodarone") == "amiodarone"


def test_expansion_only_for_questions_about_several_drugs(lexicon):
    expander = DrugQueryExpander(lexicon)
    two = expander.run(query="Eliquis et Zeclar ?")
    assert two["query"] == "Eliquis et Zeclar ? (apixaban, clarithromycine)"
    one = expander.run(query="Eliquis chez le sujet âgé")
    assert one["query"] == "Eliquis chez le sujet âgé"
    assert [m.text for m in one["mentions"]] == ["eliquis"]
    # A question about generics of one drug wants the other specialties of its substance: expanded.
    generics = expander.run(query="Quels génériques de l'Eliquis ?")
    assert generics["query"] == "Quels génériques de l'Eliquis ? (apixaban)"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("quels génériques existent pour le keppra ?", True),
        ("le pharmacien peut-il délivrer autre chose que du tahor ?", True),
        ("substitution possible pour le seroplex 10 mg ?", True),
        ("Eliquis chez l'insuffisant rénal", False),
        ("Quel est le SMR du Praluent ?", False),
    ],
)
def test_questions_about_generics_are_recognised(question, expected):
    assert asks_for_generics(question) is expected


def test_drug_retriever_ranks_substance_level_pairs_first_and_returns_records(lexicon):
    store = EsculapeInMemoryStore()
    store.write_documents(DOCUMENTS)
    mentions = lexicon.find("Eliquis et Zeclar")
    found = DrugRetriever(store, specialties_per_drug=1).run(mentions=mentions)
    pairs = found["pairs"]
    assert [hit.id for hit in pairs] == [
        "interaction:clarithromycine--apixaban",
        "interaction:apixaban--inhibiteurs puissants du cyp3a4",
    ]
    assert pairs[0].score > pairs[1].score
    assert [record.id for record in found["records"]] == ["bdpm:1", "bdpm:2"]

    alone = DrugRetriever(store).run(mentions=lexicon.find("Eliquis seul"))
    assert alone == {"pairs": [], "records": []}


def test_records_add_the_other_members_of_the_generic_group(lexicon):
    group = "CLARITHROMYCINE 500 mg - ZECLAR 500 mg, comprimé pelliculé"
    zeclar = Document(
        id="bdpm:2",
        content="ZECLAR",
        meta={**DOCUMENTS[1].meta, "generic_group": group},
    )
    generic = _bdpm("9", "CLARITHROMYCINE BIOGARAN 500 mg, comprimé pelliculé", ["clarithromycine"])
    generic.meta["generic_group"] = group
    store = EsculapeInMemoryStore()
    store.write_documents([zeclar, generic, DOCUMENTS[0]])

    found = DrugRetriever(store, specialties_per_drug=1, generics_per_drug=3).run(
        mentions=lexicon.find("Zeclar")
    )
    assert [record.id for record in found["records"]] == ["bdpm:2", "bdpm:9"]
    without = DrugRetriever(store, specialties_per_drug=1).run(mentions=lexicon.find("Zeclar"))
    assert [record.id for record in without["records"]] == ["bdpm:2"]

    # Asked for a substitute, the generic comes before the brand's own record.
    question = "Le pharmacien peut-il substituer le Zeclar ?"
    substitutes = DrugRetriever(store, specialties_per_drug=1, generics_per_drug=3).run(
        mentions=lexicon.find(question), query=question
    )
    assert [record.id for record in substitutes["records"]] == ["bdpm:9", "bdpm:2"]


def test_an_entry_naming_both_drugs_outranks_one_naming_a_class():
    names_both = _interaction("APIXABAN", "CLARITHROMYCINE", ["apixaban", "clarithromycine"])
    one_class = _interaction("APIXABAN", "MACROLIDES", ["apixaban", "macrolides", "clarithromycine"])
    two_classes = _interaction(
        "ANTICOAGULANTS ORAUX",
        "MACROLIDES",
        ["anticoagulants oraux", "macrolides", "apixaban", "clarithromycine"],
    )
    store = EsculapeInMemoryStore()
    store.write_documents([two_classes, one_class, names_both])
    lexicon = DrugLexicon({"apixaban": ("apixaban",), "clarithromycine": ("clarithromycine",)})
    pairs = DrugRetriever(store).run(mentions=lexicon.find("apixaban clarithromycine"))["pairs"]
    assert [hit.id for hit in pairs] == [names_both.id, one_class.id, two_classes.id]
