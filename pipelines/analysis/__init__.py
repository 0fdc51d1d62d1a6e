"""Lexical analysis for BM25: :class:`~pipelines.analysis.french.FrenchAnalyzer` and its stop list."""

from pipelines.analysis.french import FrenchAnalyzer, stem_word

__all__ = ["FrenchAnalyzer", "stem_word"]
