"""NaN accounting, run averaging, judge replies and the token estimate, on hand-made inputs."""

import math

import pytest
from pydantic import BaseModel

from evals.faithfulness.judge import REASON_CHARS, JudgeOutputError, _capped_schema, parse_reply
from evals.faithfulness.run import (
    CROSS_CHECK,
    FaithfulnessConfig,
    Score,
    estimate_judge_tokens,
    format_estimate,
    judged_records,
    summarise,
)


def _record(contexts=("Interaction : APIXABAN + CLARITHROMYCINE, association déconseillée.",), reference=""):
    return {
        "id": "q01",
        "question": "Peut-on associer apixaban et clarithromycine ?",
        "answer": "L'association est déconseillée [1].",
        "contexts": list(contexts),
        "reference": reference,
        "abstained": False,
        "refused": False,
        "model": "m",
    }


def test_nan_share_and_mean_of_run_means_by_hand():
    nan = math.nan
    scores = [
        Score(1, "a", "faithfulness", 1.0, "ok"),
        Score(1, "b", "faithfulness", 0.5, "ok"),
        Score(1, "c", "faithfulness", nan, "judge_error", "invalid_json"),
        Score(2, "a", "faithfulness", 0.0, "ok"),
        Score(2, "b", "faithfulness", nan, "nan"),
        Score(2, "c", "faithfulness", 1.0, "ok"),
        Score(1, "a", "context_recall", None, "not_computed", "no reference"),
        Score(2, "a", "context_recall", None, "not_computed", "no reference"),
    ]
    summary = summarise(scores, ["faithfulness", "context_recall"], runs=2)
    faithfulness = summary["faithfulness"]
    # run 1: (1.0 + 0.5) / 2 = 0.75; run 2: (0.0 + 1.0) / 2 = 0.5; mean 0.625, spread 0.125
    assert faithfulness["run_means"] == [0.75, 0.5]
    assert faithfulness["mean"] == 0.625 and faithfulness["spread"] == 0.125
    assert faithfulness["nan"] == 2 and faithfulness["attempted"] == 6 and faithfulness["nan_share"] == 0.3333
    assert faithfulness["judge_errors"] == 1 and faithfulness["scored"] == 4
    recall = summary["context_recall"]
    assert recall["mean"] is None and recall["nan_share"] is None and recall["not_computed"] == 2


def test_abstentions_refusals_and_sourceless_answers_are_set_aside():
    records = [
        _record(),
        _record() | {"abstained": True},
        _record() | {"refused": True},
        _record() | {"answer": " "},
        _record(contexts=[" "]),
    ]
    kept, skipped = judged_records(records)
    assert len(kept) == 1
    assert skipped == {"abstained": 1, "refused": 1, "empty_answer": 1, "no_context": 1}


def test_estimate_counts_every_judge_call():
    record = _record(contexts=("a" * 700, "b" * 350), reference="APIXABAN + CLARITHROMYCINE — déconseillée.")
    config = FaithfulnessConfig(runs=2, strictness=3)
    estimate = estimate_judge_tokens([record, _record()], config, max_tokens=512)
    per_metric = estimate["per_metric"]
    assert per_metric["faithfulness"]["calls"] == 2 * 2 * 2  # two steps, two answers, two runs
    assert per_metric["answer_relevancy"]["calls"] == 3 * 2 * 2
    assert per_metric["context_precision"]["calls"] == (2 + 1) * 2  # one call per source
    assert per_metric["context_recall"]["calls"] == 1 * 2  # only the answer with a reference
    assert per_metric[CROSS_CHECK]["calls"] == 2  # deterministic: first run only
    assert estimate["calls"] == sum(entry["calls"] for entry in per_metric.values())
    assert estimate["completion_tokens_max"] == estimate["calls"] * 512
    # Longer sources cost more prompt tokens, at 3.5 characters per token, in the one precision prompt.
    only_precision = FaithfulnessConfig(metrics=("context_precision",), cross_check=False)
    short = _record()
    longer = _record(contexts=("a" * 1400,))
    difference = (
        estimate_judge_tokens([longer], only_precision, 512)["prompt_tokens"]
        - estimate_judge_tokens([short], only_precision, 512)["prompt_tokens"]
    )
    assert difference == pytest.approx((1400 - len(short["contexts"][0])) / 3.5, abs=2)
    assert format_estimate(estimate).startswith("Judge estimate for 2 run(s):")


class Verdict(BaseModel):
    reason: str
    verdict: int


def test_reply_inside_text_is_read_and_garbage_is_an_error():
    assert parse_reply('Voici : {"reason": "oui", "verdict": 1} fin', Verdict).verdict == 1
    with pytest.raises(JudgeOutputError, match="Verdict"):
        parse_reply('{"reason": "oui"}', Verdict)
    with pytest.raises(JudgeOutputError):
        parse_reply("", Verdict)


def test_reasons_are_capped_in_the_schema_sent():
    schema = _capped_schema(Verdict.model_json_schema())
    assert schema["properties"]["reason"]["maxLength"] == REASON_CHARS
    assert "maxLength" not in Verdict.model_json_schema()["properties"]["reason"]
