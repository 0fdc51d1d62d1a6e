"""French prompts for the exam questions, closed book or with numbered sources.

The reply is opened for the model with « Réponse : » (an assistant prefix), so that its next token is an
option label: the generated text is short and the label probabilities read by
:mod:`evals.mcq.likelihood` come from that same position.
"""

from .items import McqItem

__all__ = ["ANSWER_PREFIX", "answer_prefix", "build_messages", "format_options"]

ANSWER_PREFIX = "Réponse :"

_SYSTEM_MULTI = (
    "Tu es un expert qui répond à une question d'examen de pharmacie. Une ou plusieurs propositions sont "
    "exactes. Réponds uniquement par les lettres des propositions exactes, séparées par des virgules "
    "(exemple : « Réponse : A, C »), sans explication."
)
_SYSTEM_SINGLE = (
    "Tu es un médecin qui répond à une question d'examen sur un cas clinique. Une seule proposition est "
    "exacte. Réponds uniquement par son numéro (exemple : « Réponse : 3 »), sans explication."
)
_SOURCES_RULE = " Appuie-toi sur les sources numérotées quand elles traitent de la question."


def format_options(item: McqItem) -> str:
    """« A. texte » lines (FrenchMedMCQA) or « 1- texte » lines (CasiMedicos), in exam order."""
    separator = ". " if item.dataset == "frenchmedmcqa" else "- "
    return "\n".join(f"{item.labels[key]}{separator}{text}" for key, text in item.options.items())


def answer_prefix(item: McqItem) -> str:
    """« Réponse : » before letters; with a trailing space before numbers, which Qwen-style tokenizers write
    as a separate space token followed by the digit (without it, the next token is that space)."""
    return ANSWER_PREFIX + (" " if item.labels["a"].isdigit() else "")


def build_messages(item: McqItem, sources: list[str] | None = None) -> list[dict[str, str]]:
    """The chat messages for one question, ending with the assistant prefix « Réponse : ».

    :param item: the question.
    :param sources: short source texts for ``rag`` mode, numbered [1], [2]...; None or empty for closed book.
    :returns: OpenAI-style messages (system, user, assistant prefix).
    """
    system = _SYSTEM_MULTI if item.dataset == "frenchmedmcqa" else _SYSTEM_SINGLE
    parts = []
    if sources:
        system += _SOURCES_RULE
        parts.append("Sources :\n" + "\n".join(f"[{n}] {text}" for n, text in enumerate(sources, start=1)))
    if item.case:
        parts.append(f"Cas clinique : {item.case}")
    parts.append(f"Question : {item.question}\n{format_options(item)}")
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": "\n\n".join(parts)},
        {"role": "assistant", "content": answer_prefix(item)},
    ]
