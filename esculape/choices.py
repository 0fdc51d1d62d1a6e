"""Values chosen by name in a setting or on the command line (a store, a search mode, a source)."""

from enum import Enum
from typing import Self


class Choice(str, Enum):  # noqa: UP042  (str() of the members is used in messages)
    """An enumeration whose members are parsed from their names, listing the valid ones on error.

    Usage example::

        class SearchMode(Choice):
            BM25 = "bm25"
            HYBRID = "hybrid"

        SearchMode.from_str("bm25")   # SearchMode.BM25
        SearchMode.from_str("bm2")    # ValueError: Unknown search mode 'bm2': expected one of bm25, hybrid
    """

    @classmethod
    def noun(cls) -> str:
        """What the values name, for the error message; subclasses say it in words."""
        return cls.__name__.lower()

    @classmethod
    def from_str(cls, value: str) -> Self:
        """The member named ``value``.

        :raises ValueError: naming the bad value and the accepted ones.
        """
        try:
            return cls(value)
        except ValueError:
            valid = ", ".join(member.value for member in cls)
            raise ValueError(f"Unknown {cls.noun()} '{value}': expected one of {valid}") from None
