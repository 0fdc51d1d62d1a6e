"""The multiple-choice question shared by loaders, prompts, scorers and metrics."""

from dataclasses import dataclass, field

__all__ = ["LETTERS", "McqItem"]

# Options are keyed a..e internally, whatever label the exam prints (A-E or 1-5).
LETTERS = ("a", "b", "c", "d", "e")


@dataclass(frozen=True)
class McqItem:
    """One exam question.

    :param id: the data set's identifier (FrenchMedMCQA) or ``<split>-<n>`` (CasiMedicos).
    :param dataset: ``frenchmedmcqa`` or ``casimedicos``.
    :param question: the question itself.
    :param options: option text by key (``a``..``e``), in exam order.
    :param gold: keys of the correct options.
    :param case: the clinical case read before the question (CasiMedicos), empty otherwise.
    :param category: ``simple``/``multiple`` (FrenchMedMCQA) or the specialty (CasiMedicos).
    :param labels: how the exam prints each key (``A``..``E`` or ``1``..``5``).
    """

    id: str
    dataset: str
    question: str
    options: dict[str, str]
    gold: frozenset[str]
    case: str = ""
    category: str = ""
    labels: dict[str, str] = field(default_factory=lambda: {k: k.upper() for k in LETTERS})

    @property
    def keys(self) -> list[str]:
        """The option keys in exam order."""
        return list(self.options)

    @property
    def single(self) -> bool:
        """Whether exactly one option is correct."""
        return len(self.gold) == 1
