"""Loaders of the two exam data sets: the real files, the three CasiMedicos answer markers, bad input."""

import json
from collections import Counter

import pytest

from evals.mcq.loaders import McqDataError, load_casimedicos, load_split
from tests.conftest import require_shared_data


def _tokens(text: str, label: str = "O") -> str:
    """Token-per-line TSV of ``text``: one sentence per line of ``text``, blank line between sentences."""
    return "\n\n".join("\n".join(f"{token} {label}" for token in line.split()) for line in text.splitlines())


def _case(marker: str, answer: int, specialty: str = "CARDIOLOGIE") -> str:
    return _tokens(
        f"QUESTION TYPE: {specialty}\n"
        "CLINICAL CASE :\n"
        "Un homme de 60 ans reçoit 1-2 mg de warfarine.\n"
        "Quel examen demandez-vous ?\n"
        "1- INR.\n2- TCA.\n3 - Plaquettes.\n4- Fibrinogène.\n5-Aucun.\n"
        f"{marker} {answer}\n"
        "Explication des médecins."
    )


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("dataset", "split", "count", "answers"),
    [
        ("frenchmedmcqa", "train", 2171, {1: 595, 2: 528, 3: 718, 4: 296, 5: 34}),
        ("frenchmedmcqa", "dev", 312, {1: 164, 2: 45, 3: 71, 4: 30, 5: 2}),
        ("casimedicos", "train", 381, {1: 381}),
        ("casimedicos", "dev", 55, {1: 55}),
    ],
)
def test_real_splits_have_the_counts_of_their_source_notes(dataset, split, count, answers):
    require_shared_data()
    items = load_split(dataset, split)
    assert len(items) == count
    assert Counter(len(item.gold) for item in items) == answers  # SOURCE.md's table
    assert all(len(item.options) == 5 and all(item.options.values()) for item in items)


@pytest.mark.corpus
def test_casimedicos_case_is_rebuilt_with_question_options_and_answer():
    require_shared_data()
    first = load_split("casimedicos", "dev")[0]
    assert first.category == "GÉNÉTIQUE ET IMMUNOLOGIE"
    assert first.case.startswith("Une fillette de 8 ans")
    assert first.question == "Le DPI est-il indiqué dans ce cas ?"
    assert first.options["b"].startswith("Elle est indiquée après détection de la mutation causale")
    assert first.gold == {"b"} and first.labels["b"] == "2"


@pytest.mark.parametrize(
    ("marker", "answer"), [("BONNE RÉPONSE :", 3), ("RÉPONSE CORRECTE :", 1), ("CORRECT ANSWER :", 5)]
)
def test_the_three_answer_marker_spellings_are_read(tmp_path, marker, answer):
    path = tmp_path / "split.tsv"
    path.write_text(_case(marker, answer) + "\n\n" + _case("BONNE RÉPONSE :", 2), encoding="utf-8")
    first, second = load_casimedicos(path)
    assert first.gold == {"abcde"[answer - 1]} and second.gold == {"b"}
    # « 3 - » split in two tokens and « 5-Aucun. » glued are options; « 1-2 mg » in the case is not.
    assert first.options == {
        "a": "INR.",
        "b": "TCA.",
        "c": "Plaquettes.",
        "d": "Fibrinogène.",
        "e": "Aucun.",
    }
    assert first.case == "Un homme de 60 ans reçoit 1-2 mg de warfarine."


def test_missing_marker_names_the_case_and_the_accepted_spellings(tmp_path):
    path = tmp_path / "split.tsv"
    path.write_text(_case("RÉPONSE :", 2), encoding="utf-8")
    with pytest.raises(McqDataError, match=r"case 1: no answer marker.*BONNE RÉPONSE.*CORRECT ANSWER"):
        load_casimedicos(path)


def test_malformed_tsv_line_gives_its_line_number(tmp_path):
    path = tmp_path / "split.tsv"
    path.write_text("QUESTION O\nTYPE: O\nseul\n", encoding="utf-8")
    with pytest.raises(McqDataError, match=r"split.tsv:3: malformed line 'seul'"):
        load_casimedicos(path)


def test_frenchmedmcqa_file_by_path_and_its_errors(tmp_path):
    path = tmp_path / "test.json"
    record = {"id": "q1", "question": "Q ?", "answers": dict(zip("abcde", "VWXYZ", strict=True))}
    path.write_text(json.dumps([{**record, "correct_answers": ["b", "d"]}]), encoding="utf-8")
    (item,) = load_split("frenchmedmcqa", file=path)
    assert item.gold == {"b", "d"} and item.category == "multiple" and item.labels["d"] == "D"

    path.write_text(json.dumps([{**record, "correct_answers": ["z"]}]), encoding="utf-8")
    with pytest.raises(McqDataError, match="question 1: answers"):
        load_split("frenchmedmcqa", file=path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(McqDataError, match="not a FrenchMedMCQA JSON file"):
        load_split("frenchmedmcqa", file=path)


@pytest.mark.parametrize(
    ("dataset", "split", "file", "message"),
    [
        ("medqa", "dev", None, "Unknown dataset 'medqa': expected one of frenchmedmcqa, casimedicos"),
        ("frenchmedmcqa", "test", None, "the test split is kept aside; pass it with --file"),
        ("casimedicos", "dev", "/nowhere/test.tsv", "'/nowhere/test.tsv' not found"),
    ],
)
def test_bad_dataset_split_or_file_is_explained(dataset, split, file, message):
    with pytest.raises(McqDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_split(dataset, split, file)
