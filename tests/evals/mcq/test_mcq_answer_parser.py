"""The options read from varied model replies."""

import pytest

from evals.mcq.answer_parser import parse_answer
from evals.mcq.items import McqItem

LETTER_ITEM = McqItem("q", "frenchmedmcqa", "Q ?", dict(zip("abcde", "VWXYZ", strict=True)), frozenset("a"))
NUMBER_ITEM = McqItem(
    "c", "casimedicos", "Q ?", dict(zip("abcde", "VWXYZ", strict=True)), frozenset("a"),
    labels={key: str(i) for i, key in enumerate("abcde", start=1)},
)  # fmt: skip


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("A, C", "ac"),
        ("C. Néoglucogénèse", "c"),
        ("Réponse : b et d", "bd"),
        ("Les réponses exactes sont A et E.", "ae"),
        ("**B**", "b"),
        ("(A) (C)", "ac"),
        ("ACE", "ace"),
        ("A,B,D,E", "abde"),
        ("B/D", "bd"),
        ("A et C car la glycolyse est activée", "ac"),
        ("Réponse : C, D. Explication : …", "cd"),
        ("La bonne réponse est la C", "c"),
        ("c", "c"),
        ("a une action sur le foie", ""),  # the verb « a », not option A
        ("Je ne sais pas", ""),
        ("", ""),
    ],
)
def test_letters(reply, expected):
    assert parse_answer(reply, LETTER_ITEM) == set(expected)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("3", "c"),
        ("3- Trouble de conversion", "c"),
        ("Réponse : 2", "b"),
        ("La réponse est 4.", "d"),
        ("1 et 2", "ab"),
        ("2.", "b"),
        ("12 ans", ""),  # a number that is not an option label
    ],
)
def test_numbers(reply, expected):
    assert parse_answer(reply, NUMBER_ITEM) == set(expected)
