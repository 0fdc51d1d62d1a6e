"""The RAGAS prompts are French: instructions, examples and the frame around them."""

import json
import re

import pytest
from ragas.metrics.collections import (
    AnswerRelevancy,
    ContextPrecisionWithoutReference,
    ContextRecall,
    Faithfulness,
)

from evals.faithfulness.judge import JudgeEndpoint, JudgeLLM
from evals.faithfulness.prompts import use_french_prompts

# Words that only an English prompt would contain; none may be left in what the judge reads.
ENGLISH = re.compile(r"\b(the|given|statement|whether|answer is|Example|Output|Please|context was)\b")
FRENCH = re.compile(r"\b(la|le|les|une|réponse|affirmation|contexte|question)\b", re.IGNORECASE)


class _Embeddings:
    """Never called: prompts are only rendered here."""


def _metrics():
    judge = JudgeLLM(JudgeEndpoint(url="http://127.0.0.1:1/v1", model="", label="rendu seul"))
    from evals.faithfulness.embeddings import EsculapeEmbeddings

    embeddings = EsculapeEmbeddings.__new__(EsculapeEmbeddings)  # no model loaded to render prompts
    return [
        Faithfulness(llm=judge),
        AnswerRelevancy(llm=judge, embeddings=embeddings),
        ContextPrecisionWithoutReference(llm=judge),
        ContextRecall(llm=judge),
    ]


def _prompts(metric):
    names = ("statement_generator_prompt", "nli_statement_prompt", "prompt")
    return [getattr(metric, name) for name in names if hasattr(metric, name)]


@pytest.mark.parametrize("metric", _metrics(), ids=lambda m: type(m).__name__)
def test_instructions_examples_and_frame_are_french(metric):
    english_instructions = [prompt.instruction for prompt in _prompts(metric)]
    use_french_prompts(metric)
    for prompt, english in zip(_prompts(metric), english_instructions, strict=True):
        assert prompt.instruction != english
        assert prompt.language == "french"
        assert FRENCH.search(prompt.instruction) and not ENGLISH.search(prompt.instruction)

        given, expected = prompt.examples[0]
        text = prompt.to_string(given)
        instructions_and_frame = text.replace(json.dumps(prompt.output_model.model_json_schema()), "")
        assert "Réponds uniquement par un objet JSON" in text and "Entrée :" in text and "Sortie :" in text
        assert not ENGLISH.search(instructions_and_frame.split("--------EXEMPLES")[0])
        # The examples' texts are French and still validate against RAGAS' output model.
        assert FRENCH.search(given.model_dump_json())
        assert prompt.output_model.model_validate_json(expected.model_dump_json()) == expected


def test_unknown_metric_has_no_french_prompt():
    with pytest.raises(TypeError, match="No French prompt for str"):
        use_french_prompts("faithfulness")
