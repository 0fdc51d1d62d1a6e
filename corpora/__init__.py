"""Loaders that turn each official source into Haystack ``Document`` passages (see ``corpora.schema``)."""
