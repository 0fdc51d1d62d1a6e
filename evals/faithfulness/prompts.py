"""RAGAS prompts rewritten in French: instructions, examples and the frame around them.

RAGAS can translate a prompt's examples (``BasePrompt.adapt``), and its instruction with
``adapt_instruction=True``, by asking the judge itself. A 0.5B judge translates poorly, and a translated
prompt would change from run to run, so the French here is written once, by hand: each instruction says
the same thing as RAGAS' English one, the examples are clinical and drawn from the kind of sources
Esculape cites, and the frame (the JSON-schema request, « Exemples », « Entrée ») is French too. Only the
JSON field names stay as RAGAS defines them, because the metrics read them.

Usage example::

    metric = Faithfulness(llm=judge)
    use_french_prompts(metric)
"""

from __future__ import annotations

import json
from typing import Any

from ragas.metrics.collections.answer_relevancy.util import (
    AnswerRelevanceInput,
    AnswerRelevanceOutput,
    AnswerRelevancePrompt,
)
from ragas.metrics.collections.context_precision.util import (
    ContextPrecisionInput,
    ContextPrecisionOutput,
    ContextPrecisionPrompt,
)
from ragas.metrics.collections.context_recall.util import (
    ContextRecallClassification,
    ContextRecallInput,
    ContextRecallOutput,
    ContextRecallPrompt,
)
from ragas.metrics.collections.faithfulness.util import (
    NLIStatementInput,
    NLIStatementOutput,
    NLIStatementPrompt,
    StatementFaithfulnessAnswer,
    StatementGeneratorInput,
    StatementGeneratorOutput,
    StatementGeneratorPrompt,
)


class FrenchFrame:
    """The text around a RAGAS prompt, in French (mixed into each prompt class below)."""

    language = "french"

    def to_string(self, data: Any) -> str:
        """The full prompt: instruction, JSON-schema request, examples, then the input to judge."""
        schema = json.dumps(self.output_model.model_json_schema(), ensure_ascii=False)
        examples = "\n\n".join(
            f"Exemple {number}\nEntrée : {given.model_dump_json(indent=2)}\n"
            f"Sortie : {expected.model_dump_json(indent=2)}"
            for number, (given, expected) in enumerate(self.examples, start=1)
        )
        return (
            f"{self.instruction}\n"
            "Réponds uniquement par un objet JSON conforme au schéma JSON suivant, avec des guillemets "
            f"doubles :\n{schema}\n\n"
            f"--------EXEMPLES-----------\n{examples}\n"
            "-----------------------------\n\n"
            "Fais maintenant de même avec l'entrée suivante.\n"
            f"Entrée : {data.model_dump_json(indent=2, exclude_none=True)}\n"
            "Sortie : "
        )


_APIXABAN_CONTEXT = (
    "Interaction médicamenteuse (thésaurus ANSM) : APIXABAN + CLARITHROMYCINE. Niveau : association "
    "déconseillée. Mécanisme et risque : augmentation des concentrations plasmatiques de l'apixaban par "
    "inhibition du CYP3A4 et de la P-gp, avec majoration du risque de saignement."
)


class FrenchStatementGeneratorPrompt(FrenchFrame, StatementGeneratorPrompt):
    """Faithfulness, step 1: the answer cut into self-contained statements."""

    instruction = (
        "À partir d'une question et d'une réponse, examine chaque phrase de la réponse. Découpe "
        "chaque phrase en une ou plusieurs affirmations compréhensibles seules. N'utilise aucun "
        "pronom : répète le nom du médicament, de la maladie ou de la personne dans chaque "
        "affirmation."
    )
    examples = [
        (
            StatementGeneratorInput(
                question="Peut-on associer l'apixaban et la clarithromycine ?",
                answer=(
                    "Cette association est déconseillée par le thésaurus de l'ANSM [1]. Elle augmente les "
                    "concentrations d'apixaban et donc le risque de saignement [1]."
                ),
            ),
            StatementGeneratorOutput(
                statements=[
                    "L'association de l'apixaban et de la clarithromycine est déconseillée par le thésaurus "
                    "de l'ANSM.",
                    "L'association de l'apixaban et de la clarithromycine augmente les concentrations "
                    "d'apixaban.",
                    "L'association de l'apixaban et de la clarithromycine augmente le risque de saignement.",
                ]
            ),
        ),
    ]


class FrenchNLIStatementPrompt(FrenchFrame, NLIStatementPrompt):
    """Faithfulness, step 2: each statement judged against the sources."""

    instruction = (
        "Ta tâche est de juger la fidélité d'une série d'affirmations à un contexte donné. Pour chaque "
        "affirmation, donne le verdict 1 si l'affirmation peut être déduite directement du contexte, et 0 si "
        "elle ne peut pas en être déduite directement."
    )
    examples = [
        (
            NLIStatementInput(
                context=_APIXABAN_CONTEXT,
                statements=[
                    "L'association de l'apixaban et de la clarithromycine est déconseillée.",
                    "La clarithromycine augmente le risque de saignement sous apixaban.",
                    "L'apixaban doit être arrêté 48 heures avant de commencer la clarithromycine.",
                ],
            ),
            NLIStatementOutput(
                statements=[
                    StatementFaithfulnessAnswer(
                        statement="L'association de l'apixaban et de la clarithromycine est déconseillée.",
                        reason="Le contexte donne le niveau « association déconseillée ».",
                        verdict=1,
                    ),
                    StatementFaithfulnessAnswer(
                        statement="La clarithromycine augmente le risque de saignement sous apixaban.",
                        reason="Le contexte cite la majoration du risque de saignement.",
                        verdict=1,
                    ),
                    StatementFaithfulnessAnswer(
                        statement="L'apixaban doit être arrêté 48 heures avant de commencer la "
                        "clarithromycine.",
                        reason="Le contexte ne parle d'aucun délai d'arrêt.",
                        verdict=0,
                    ),
                ]
            ),
        ),
    ]


class FrenchAnswerRelevancePrompt(FrenchFrame, AnswerRelevancePrompt):
    """Response relevancy: a question written back from the answer, and whether the answer evades."""

    instruction = (
        "Écris une question à laquelle la réponse donnée répond, et indique si la réponse est "
        "évasive. Donne noncommittal = 1 si la réponse est évasive, vague ou ambiguë, et 0 si elle "
        "répond sur le fond. Exemples de réponses évasives : « je ne sais pas », « je ne suis pas sûr "
        "», « cela dépend », « les sources ne permettent pas de répondre »."
    )
    examples = [
        (
            AnswerRelevanceInput(response="Le SMR du Xarelto est important (avis HAS du 2019-06-19) [1]."),
            AnswerRelevanceOutput(question="Quel est le SMR du Xarelto ?", noncommittal=0),
        ),
        (
            AnswerRelevanceInput(
                response="Les sources consultées ne permettent pas de répondre à la posologie du zorvexamab."
            ),
            AnswerRelevanceOutput(question="Quelle est la posologie du zorvexamab ?", noncommittal=1),
        ),
    ]


class FrenchContextPrecisionPrompt(FrenchFrame, ContextPrecisionPrompt):
    """Context precision: was each source useful to reach the answer?"""

    instruction = (
        "À partir d'une question, d'une réponse et d'un contexte, vérifie si le contexte a été utile pour "
        "arriver à la réponse donnée. Donne le verdict 1 s'il a été utile et 0 sinon, en JSON."
    )
    examples = [
        (
            ContextPrecisionInput(
                question="Peut-on associer l'apixaban et la clarithromycine ?",
                context=_APIXABAN_CONTEXT,
                answer="L'association est déconseillée : risque de saignement accru [1].",
            ),
            ContextPrecisionOutput(
                reason="Le contexte donne le niveau d'interaction et le risque repris dans la réponse.",
                verdict=1,
            ),
        ),
        (
            ContextPrecisionInput(
                question="Peut-on associer l'apixaban et la clarithromycine ?",
                context=(
                    "Notice : conservez ce médicament à une température ne dépassant pas 25 °C, dans "
                    "l'emballage d'origine."
                ),
                answer="L'association est déconseillée : risque de saignement accru [1].",
            ),
            ContextPrecisionOutput(
                reason="Le contexte parle de conservation, pas de l'interaction.",
                verdict=0,
            ),
        ),
    ]


class FrenchContextRecallPrompt(FrenchFrame, ContextRecallPrompt):
    """Context recall: can each statement of the reference be attributed to the sources?"""

    instruction = (
        "À partir d'un contexte et d'une réponse, examine chaque affirmation de la réponse et "
        "classe-la selon qu'elle peut être attribuée au contexte ou non. Classement binaire "
        "uniquement : 1 si l'affirmation peut être attribuée au contexte, 0 sinon. Justifie "
        "brièvement chaque classement."
    )
    examples = [
        (
            ContextRecallInput(
                question="Peut-on associer l'apixaban et la clarithromycine ?",
                context=_APIXABAN_CONTEXT,
                answer=(
                    "APIXABAN + CLARITHROMYCINE — association déconseillée. Apixaban : SMR important (avis "
                    "HAS du 2018-01-24)."
                ),
            ),
            ContextRecallOutput(
                classifications=[
                    ContextRecallClassification(
                        statement="APIXABAN + CLARITHROMYCINE — association déconseillée.",
                        reason="Le contexte donne exactement ce niveau.",
                        attributed=1,
                    ),
                    ContextRecallClassification(
                        statement="Apixaban : SMR important (avis HAS du 2018-01-24).",
                        reason="Le contexte ne dit rien du SMR.",
                        attributed=0,
                    ),
                ]
            ),
        ),
    ]


# Haystack's FaithfulnessEvaluator keeps its own English instruction (it is the reference implementation
# that the cross-check column stands for); its examples are given in French.
HAYSTACK_FAITHFULNESS_EXAMPLES = [
    {
        "inputs": {
            "questions": "Peut-on associer l'apixaban et la clarithromycine ?",
            "contexts": [_APIXABAN_CONTEXT],
            "predicted_answers": (
                "L'association est déconseillée. Il faut arrêter l'apixaban 48 heures avant."
            ),
        },
        "outputs": {
            "statements": [
                "L'association de l'apixaban et de la clarithromycine est déconseillée.",
                "Il faut arrêter l'apixaban 48 heures avant la clarithromycine.",
            ],
            "statement_scores": [1, 0],
        },
    },
]


def use_french_prompts(metric: Any) -> Any:
    """Replace the English prompts of a RAGAS collections metric by the French ones, in place.

    :param metric: ``Faithfulness``, ``AnswerRelevancy``, ``ContextPrecision*`` or ``ContextRecall``.
    :returns: the metric.
    :raises TypeError: for a metric this module has no French prompt for.
    """
    from ragas.metrics.collections import AnswerRelevancy, ContextRecall, Faithfulness
    from ragas.metrics.collections.context_precision.metric import (
        ContextPrecisionWithoutReference,
        ContextPrecisionWithReference,
    )

    if isinstance(metric, Faithfulness):
        metric.statement_generator_prompt = FrenchStatementGeneratorPrompt()
        metric.nli_statement_prompt = FrenchNLIStatementPrompt()
    elif isinstance(metric, AnswerRelevancy):
        metric.prompt = FrenchAnswerRelevancePrompt()
    elif isinstance(metric, ContextPrecisionWithoutReference | ContextPrecisionWithReference):
        metric.prompt = FrenchContextPrecisionPrompt()
    elif isinstance(metric, ContextRecall):
        metric.prompt = FrenchContextRecallPrompt()
    else:
        raise TypeError(f"No French prompt for {type(metric).__name__}")
    return metric


def prompt_texts(metric: Any) -> list[str]:
    """The instructions a metric will send (what the tests check is French)."""
    prompts = [
        getattr(metric, name) for name in ("statement_generator_prompt", "nli_statement_prompt", "prompt")
    ]
    return [prompt.instruction for prompt in prompts if prompt is not None and hasattr(prompt, "instruction")]
