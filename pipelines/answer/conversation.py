"""Multi-turn sessions: a follow-up (« et chez l'insuffisant rénal ? ») is rewritten as a standalone question.

A question that names its own drug, or is long enough to stand alone, is kept as asked. A short one, or one
that opens like a follow-up (« et … », « chez lui », « ce médicament »), is completed with the previous
standalone question, so that retrieval, drug facts and the model all know what it is about. The rewrite is
rule-based and shown to the clinician, so it never changes a question silently.
"""

import re
from dataclasses import dataclass, field

from haystack import component

from corpora.text import fold

_FOLLOW_UP = re.compile(
    r"^(et|mais|aussi|alors|puis|ou|sinon)\b|\b(ce|cet|cette|ces) (medicament|traitement|produit|molecule|"
    r"association|dose|posologie)s?\b|\b(chez|pour) (lui|elle|eux)\b|\b(le|la|les) meme|\bmeme question\b|"
    r"^(il|elle|ils|elles|en|y)\b"
)
# A question of fewer words than this that names no drug (« Quelle posologie ? ») leans on the previous one.
STANDALONE_WORDS = 5


@dataclass
class Turn:
    """One exchange of a session."""

    question: str
    standalone: str
    drugs: list[str] = field(default_factory=list)
    answer: str = ""


@dataclass
class Conversation:
    """The turns of one session, oldest first."""

    turns: list[Turn] = field(default_factory=list)

    def add(self, turn: Turn) -> None:
        """Record a finished turn."""
        self.turns.append(turn)

    @property
    def last(self) -> Turn | None:
        """The previous turn, if any."""
        return self.turns[-1] if self.turns else None


def is_follow_up(question: str, names_drug: bool) -> bool:
    """True when ``question`` leans on the previous one."""
    folded = fold(question).strip()
    if _FOLLOW_UP.search(folded):
        return True
    return not names_drug and len(folded.split()) < STANDALONE_WORDS


@component
class QuestionCondenser:
    """Turns a follow-up into a standalone question using the previous turn.

    :param find_drugs: the drug lexicon's ``find`` (to tell whether the question names a drug).
    """

    def __init__(self, find_drugs) -> None:
        self.find_drugs = find_drugs

    @component.output_types(question=str, condensed=bool)
    def run(self, question: str, history: Conversation | None = None) -> dict:
        """:returns: ``question`` (standalone) and ``condensed`` (True when rewritten)."""
        previous = history.last if history else None
        if previous is None or not is_follow_up(question, bool(self.find_drugs(question))):
            return {"question": question, "condensed": False}
        about = f" (à propos de : {', '.join(previous.drugs)})" if previous.drugs else ""
        standalone = f"{previous.standalone} — question de suite{about} : {question}"
        return {"question": standalone, "condensed": True}
