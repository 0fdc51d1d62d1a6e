"""The whole metrics chain with a real judge: SmolLM2-135M served by llama.cpp's server on 127.0.0.1.

SmolLM2 is a plumbing judge: its scores mean nothing and many are NaN. What is checked is what a user
relies on: every metric and the cross-check are attempted, each NaN is counted, the mean leaves NaN out,
abstentions are set aside, and the result files hold the model, judge, settings and date.
"""

import json
import math

import pytest

from esculape.settings import Settings
from evals.faithfulness.embeddings import EsculapeEmbeddings
from evals.faithfulness.judge import JudgeEndpoint
from evals.faithfulness.run import CROSS_CHECK, METRICS, FaithfulnessConfig, evaluate_answers, summarise_file

pytestmark = pytest.mark.slow

RECORDS = [
    {
        "id": "q01",
        "kind": "interaction",
        "question": "Peut-on associer apixaban et clarithromycine ?",
        "answer": "L'association de l'apixaban et de la clarithromycine est déconseillée [1].",
        "contexts": [
            "Interaction médicamenteuse (thésaurus ANSM) : APIXABAN + CLARITHROMYCINE. Niveau : association "
            "déconseillée. Risque : augmentation des concentrations d'apixaban et saignements."
        ],
        "reference": "APIXABAN + CLARITHROMYCINE — Association DECONSEILLEE.",
        "reference_origin": "structured_facts",
        "abstained": False,
        "refused": False,
        "model": "llamacpp · test",
    },
    {
        "id": "q28",
        "kind": "unknown_drug",
        "question": "Quelle est la posologie du zorvexamab chez l'adulte ?",
        "answer": "Les sources consultées ne permettent pas de répondre.",
        "contexts": [],
        "reference": "",
        "reference_origin": "",
        "abstained": True,
        "refused": False,
        "model": "llamacpp · test",
    },
]


@pytest.fixture(scope="module")
def smollm2_judge():
    """SmolLM2 served for the module by :meth:`JudgeEndpoint.start` (a real llama.cpp server)."""
    with JudgeEndpoint.start("llamacpp:smollm2", Settings.from_env(), context_window=4096) as endpoint:
        yield endpoint
    assert endpoint.process is None  # stopped


def test_metrics_plumbing_with_a_real_judge(smollm2_judge, tmp_path):
    lines = []
    settings = Settings.from_env()
    run = evaluate_answers(
        RECORDS,
        smollm2_judge,
        FaithfulnessConfig(runs=1, strictness=1),
        settings,
        embedder=EsculapeEmbeddings("use"),
        results_dir=tmp_path,
        report=lines.append,
    )

    assert lines[0].startswith("Judge estimate for 1 run(s):")  # printed before any judge call
    assert set(run.summary) == {*METRICS, CROSS_CHECK}
    for name, row in run.summary.items():
        assert row["attempted"] == 1, name  # the abstention is not judged
        assert row["scored"] + row["nan"] == row["attempted"]
        assert row["nan_share"] == row["nan"] / row["attempted"]
        if row["scored"]:
            assert 0.0 <= row["mean"] <= 1.0
        else:
            assert row["mean"] is None
    for score in run.scores:
        assert (score.status == "ok") == (score.value is not None and not math.isnan(score.value))
    # Every metric reached the judge: a NaN may come from its reply, never from how the metric was called.
    calls = [score.detail for score in run.scores if score.status == "judge_error"]
    assert not [detail for detail in calls if "unexpected keyword" in detail], calls

    payload = json.loads((tmp_path / run.paths["summary"].rsplit("/", 1)[1]).read_text(encoding="utf-8"))
    assert payload["judge"].startswith("llamacpp · SmolLM2")
    assert payload["model"] == "llamacpp · test"
    assert {"date", "settings", "counts", "estimate", "judge_usage", "wall_seconds", "summary"} <= set(
        payload
    )
    assert {"embedder", "corpus_versions", "runs", "prompt_language", "fusion_weights"} <= set(
        payload["settings"]
    )
    assert payload["counts"]["skipped"]["abstained"] == 1 and payload["counts"]["judged"] == 1
    # At least one call per metric; faithfulness makes its second (NLI) call only when the first one gave
    # statements, which depends on what the judge wrote.
    assert payload["judge_usage"]["calls"] >= len(METRICS) and payload["judge_usage"]["prompt_tokens"] > 0
    # The scores file, read back alone, gives the same summary (what a stopped run leaves behind).
    assert summarise_file(run.paths["scores"]) == run.summary
