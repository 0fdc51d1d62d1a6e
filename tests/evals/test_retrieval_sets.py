"""The generated and hand-written retrieval sets: size, determinism, gold ids that exist in the raw data."""

from collections import Counter

import pytest

from corpora.schema import slug
from esculape.settings import SHARED_DATA
from evals.retrieval.check_hand import check
from evals.retrieval.generate import MAX_QUESTIONS_PER_DRUG, OUTPUT, generate_questions, write_jsonl
from evals.retrieval.gold import load_questions
from evals.retrieval.naming import NameIndex, brand, brand_dosage
from evals.retrieval.raw_data import load_raw_data
from evals.retrieval.run import SETS

needs_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"shared data folder {SHARED_DATA} is absent"
)


def test_names_a_clinician_would_type():
    assert brand_dosage("YELLOX 0,9 mg/ml, collyre en solution") == "YELLOX 0,9 mg/ml"
    assert brand("XARELTO 20 mg, comprimé pelliculé") == "XARELTO"
    assert brand("DOLIPRANE VITAMINE C 500 mg/150 mg, comprimé effervescent") == "DOLIPRANE VITAMINE C"

    index = NameIndex({"1": "DOLIPRANE 1000 mg, comprimé", "2": "DOLIPRANE 500 mg, gélule", "3": "DOLKO 1 g"})
    assert index.matching("Doliprane", "brand") == ["1", "2"]
    assert index.matching("doliprane 500 MG", "brand_dosage") == ["2"]
    assert index.matching("Dolipráne", "brand") == ["1", "2"]


@pytest.fixture(scope="module")
def raw():
    return load_raw_data(SHARED_DATA)


@pytest.fixture(scope="module")
def generated():
    return load_questions(SETS["generated"])


@pytest.fixture(scope="module")
def hand():
    return load_questions(SETS["hand"])


@needs_data
@pytest.mark.corpus
def test_generator_is_deterministic_and_matches_the_committed_file(raw, tmp_path):
    first, second = generate_questions(raw), generate_questions(raw)
    assert first == second

    write_jsonl(first, tmp_path / "generated.jsonl")
    assert (tmp_path / "generated.jsonl").read_bytes() == OUTPUT.read_bytes(), (
        "generated.jsonl is stale: run python -m evals.retrieval.generate"
    )


def test_generated_set_is_large_balanced_and_has_gold(generated):
    assert len(generated) >= 1000
    assert len({q["id"] for q in generated}) == len(generated)
    assert all(q["gold"] for q in generated)

    intents = Counter(q["intent"] for q in generated)
    assert set(intents) >= {
        "smr",
        "asmr",
        "interaction",
        "interaction_class",
        "composition",
        "generic",
        "shortage",
        "form",
        "reimbursement",
        "prescription",
    }
    assert min(intents.values()) >= 100

    templates = Counter((q["intent"], q["template"]) for q in generated)
    for intent in intents:
        assert sum(1 for i, _ in templates if i == intent) >= 3, f"{intent} uses fewer than 3 templates"
    namings = Counter(q["naming"] for q in generated)
    assert {"full", "brand_dosage", "brand", "substance", "class_member"} <= set(namings)


def test_generated_questions_cap_each_drug(generated):
    per_drug = Counter(
        slug(q["drug"].split(" ")[0])
        for q in generated
        if q["intent"] not in ("interaction", "interaction_class")
    )
    assert max(per_drug.values()) <= MAX_QUESTIONS_PER_DRUG


def test_split_is_about_thirty_percent_tune_and_keeps_a_drug_on_one_side(generated):
    splits = Counter(q["split"] for q in generated)
    assert set(splits) == {"tune", "test"}
    assert 0.2 <= splits["tune"] / len(generated) <= 0.4

    sides: dict[str, set] = {}
    for question in generated:
        sides.setdefault(slug(question["drug"].split(" ")[0]), set()).add(question["split"])
    assert all(len(split) == 1 for split in sides.values())


@needs_data
@pytest.mark.corpus
def test_every_generated_gold_id_exists_in_the_raw_data(raw, generated):
    known = raw.bdpm_ids() | set(raw.opinions) | raw.interaction_ids
    missing = [(q["id"], doc_id) for q in generated for doc_id in q["gold"] if doc_id not in known]
    assert missing == []


def test_hand_set_has_at_least_sixty_questions_each_with_gold(hand):
    assert len(hand) >= 60
    assert all(q["gold"] or q.get("gold_selector") for q in hand)
    intents = Counter(q["intent"] for q in hand)
    assert intents["interaction"] / len(hand) >= 0.3
    assert intents["leaflet"] / len(hand) >= 0.15
    assert any("apixaban" in q["question"].lower() and "clarithro" in q["question"].lower() for q in hand)


def test_hand_questions_avoid_template_wording(hand):
    template_openings = (
        "quel est le smr de",
        "peut-on associer",
        "quelle est la substance active de",
        "quel est le générique de",
        "est-il en rupture",
    )
    for question in hand:
        assert not any(opening in question["question"].lower() for opening in template_openings), question[
            "id"
        ]


@needs_data
@pytest.mark.corpus
def test_hand_gold_matches_its_recipe_and_exists_in_the_raw_data(raw, hand):
    assert check(hand, raw, SHARED_DATA, verbose=False) == []
    known = raw.bdpm_ids() | set(raw.opinions) | raw.interaction_ids
    assert [doc_id for q in hand for doc_id in q["gold"] if doc_id not in known] == []


@needs_data
@pytest.mark.corpus
@pytest.mark.slow
def test_every_gold_exists_among_the_loaded_passages():
    from evals.retrieval.corpus_check import load_documents, missing_gold
    from evals.retrieval.run import load_sets

    documents = load_documents(SHARED_DATA)
    for name, questions in load_sets().items():
        report = missing_gold(questions, documents)
        assert report["missing_ids"] == [], f"{name}: gold ids absent from the loaded corpus"
        assert report["no_gold"] == [] and report["empty_selectors"] == [], name
