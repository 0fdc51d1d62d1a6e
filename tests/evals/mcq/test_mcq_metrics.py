"""Parity of the MCQ metrics and baselines with values computed by hand."""

import pytest

from evals.mcq.baselines import baselines
from evals.mcq.items import McqItem
from evals.mcq.likelihood import choose_from_probabilities
from evals.mcq.metrics import bootstrap_ci, ecn_credit, emr, hamming, question_scores, summarize


@pytest.mark.parametrize(
    ("pred", "gold", "expected_emr", "expected_hamming", "expected_ecn"),
    [
        ("ac", "ac", 1.0, 1.0, 1.0),
        ("a", "ac", 0.0, 1 / 2, 0.5),  # one correct option left: 1 discordance
        ("abc", "ac", 0.0, 2 / 3, 0.5),  # one wrong option ticked
        ("b", "ac", 0.0, 0.0, 0.0),  # three discordances
        ("ab", "ac", 0.0, 1 / 3, 0.2),  # b ticked, c left: two
        ("abcde", "a", 0.0, 1 / 5, 0.0),
        ("", "a", 0.0, 0.0, 0.5),  # nothing ticked: one discordance
    ],
)
def test_question_metrics_by_hand(pred, gold, expected_emr, expected_hamming, expected_ecn):
    assert emr(pred, gold) == expected_emr
    assert hamming(pred, gold) == pytest.approx(expected_hamming)
    assert ecn_credit(pred, gold) == expected_ecn
    assert question_scores(set(pred), set(gold)) == pytest.approx(
        {"emr": expected_emr, "hamming": expected_hamming, "ecn_credit": expected_ecn}
    )


def test_summary_means_and_single_answer_accuracy():
    preds = [{"a"}, {"a", "b"}, {"c"}, {"d"}]
    golds = [{"a"}, {"a", "c"}, {"b"}, {"d", "e"}]
    summary = summarize(preds, golds, seed=1)
    assert summary["n"] == 4 and summary["n_single"] == 2
    assert summary["emr"] == pytest.approx(1 / 4)
    assert summary["hamming"] == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert summary["ecn_credit"] == pytest.approx((1 + 0.2 + 0.2 + 0.5) / 4)
    assert summary["accuracy_single"] == pytest.approx(1 / 2)  # questions 1 and 3
    low, high = summary["ci95"]["emr"]
    assert 0.0 <= low <= 0.25 <= high <= 1.0


def test_bootstrap_is_seeded_and_degenerate_values_have_no_width():
    values = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1]
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    assert bootstrap_ci([1.0] * 20) == (1.0, 1.0)
    assert bootstrap_ci([]) is None


def _item(i, gold):
    return McqItem(str(i), "frenchmedmcqa", "Q ?", dict(zip("abcde", "VWXYZ", strict=True)), frozenset(gold))


def test_baselines_by_hand():
    items = [_item(0, "a"), _item(1, "a"), _item(2, "bc"), _item(3, "b")]
    rows = baselines(items, seed=0)
    assert rows["fixed_letter"]["letter"] == "A" and rows["fixed_letter"]["emr"] == 0.5
    # All five: Hamming 1/5, 1/5, 2/5, 1/5; ECN 0 everywhere (4 or 3 discordances).
    assert rows["all_options"]["hamming"] == pytest.approx(0.25)
    assert rows["all_options"]["ecn_credit"] == 0.0
    assert rows["random_k"]["k"] == 1  # most questions have one answer


def test_choice_from_probabilities():
    probabilities = {"a": 0.4, "b": 0.25, "c": 0.2, "d": 0.1, "e": 0.05}
    assert choose_from_probabilities(probabilities, single=True) == {"a"}
    assert choose_from_probabilities(probabilities, single=False) == {"a", "b", "c"}  # at or above 1/5
