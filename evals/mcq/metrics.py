"""Scores of a chosen option set against the gold set, and their bootstrap confidence intervals.

- **EMR** (exact match ratio) and **Hamming score** as defined by the FrenchMedMCQA authors (Labrak et al.,
  LOUHI 2022): the Hamming score of a question is ``|pred ∩ gold| / |pred ∪ gold|``, averaged over questions.
- **ECN credit**, the French national exam's partial credit for a multiple-answer question: a discordance is
  an option wrongly ticked or wrongly left; 0 discordance scores 1, 1 scores 0.5, 2 score 0.2, 3 or more 0.
- **Accuracy on single-answer questions**: the share of one-answer questions answered with exactly that
  option (equal to the EMR when every question has one answer, as in CasiMedicos).

Example:
    >>> question_scores({"a", "c"}, {"a"})
    {'emr': 0.0, 'hamming': 0.5, 'ecn_credit': 0.5}
"""

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["METRICS", "bootstrap_ci", "ecn_credit", "emr", "hamming", "question_scores", "summarize"]

METRICS = ("emr", "hamming", "ecn_credit", "accuracy_single")
ECN_POINTS = {0: 1.0, 1: 0.5, 2: 0.2}


def emr(pred: Iterable[str], gold: Iterable[str]) -> float:
    """1.0 when the chosen options are exactly the correct ones, else 0.0."""
    return float(set(pred) == set(gold))


def hamming(pred: Iterable[str], gold: Iterable[str]) -> float:
    """``|pred ∩ gold| / |pred ∪ gold|`` (1.0 when both are empty)."""
    pred, gold = set(pred), set(gold)
    union = pred | gold
    return len(pred & gold) / len(union) if union else 1.0


def ecn_credit(pred: Iterable[str], gold: Iterable[str]) -> float:
    """ECN partial credit: 1, 0.5, 0.2 or 0 point for 0, 1, 2 or more discordances (symmetric difference)."""
    return ECN_POINTS.get(len(set(pred) ^ set(gold)), 0.0)


def question_scores(pred: Iterable[str], gold: Iterable[str]) -> dict[str, float]:
    """EMR, Hamming score and ECN credit of one question."""
    pred, gold = set(pred), set(gold)
    return {"emr": emr(pred, gold), "hamming": hamming(pred, gold), "ecn_credit": ecn_credit(pred, gold)}


def bootstrap_ci(
    values: Sequence[float], seed: int = 0, resamples: int = 2000, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean of ``values`` (questions resampled with replacement).

    :returns: ``(low, high)``, or None for no values.
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return None
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


def summarize(
    preds: Sequence[Iterable[str]], golds: Sequence[Iterable[str]], seed: int = 0, ci: bool = True
) -> dict:
    """Mean metrics over questions, with 95 % bootstrap intervals.

    :param preds: the chosen option keys of each question.
    :param golds: the correct option keys of each question, in the same order.
    :param seed: seed of the bootstrap resampling.
    :param ci: compute the intervals (skipped for baselines).
    :returns: ``{"n", "n_single", "emr", "hamming", "ecn_credit", "accuracy_single", "ci95": {...}}``;
        ``accuracy_single`` is None when no question has a single answer.
    """
    per_question: dict[str, list[float]] = {"emr": [], "hamming": [], "ecn_credit": [], "accuracy_single": []}
    for pred, gold in zip(preds, golds, strict=True):
        scores = question_scores(pred, gold)
        for name, value in scores.items():
            per_question[name].append(value)
        if len(set(gold)) == 1:
            per_question["accuracy_single"].append(scores["emr"])

    summary: dict = {"n": len(per_question["emr"]), "n_single": len(per_question["accuracy_single"])}
    for name, values in per_question.items():
        summary[name] = float(np.mean(values)) if values else None
    if ci:
        summary["ci95"] = {name: bootstrap_ci(values, seed) for name, values in per_question.items()}
    return summary


def format_score(value: float | None, interval: Mapping | Sequence | None = None) -> str:
    """« 14.1 [10.3–18.2] » in percent, or « – » for no value."""
    if value is None:
        return "–"
    text = f"{100 * value:.1f}"
    if interval:
        text += f" [{100 * interval[0]:.1f}–{100 * interval[1]:.1f}]"
    return text
