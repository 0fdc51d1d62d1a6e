"""Loaders that turn each official source into Haystack ``Document`` passages (see ``corpora.schema``).

| module | role |
|---|---|
| ``catalog`` | ``load_corpus`` / ``load_documents_folder``: discover the source folders and load them all |
| ``bdpm`` | one passage per specialty (CIS) and ``SpecialtyIndex`` (CIS and name lookups) |
| ``has_opinions`` | one passage per distinct HAS SMR/ASMR opinion |
| ``thesaurus`` | ANSM interaction thesaurus passages and ``ThesaurusIndex.interactions_between`` |
| ``notices`` | patient leaflet passages, drug identified from the text |
| ``case_reports`` | clinical case report passages |
| ``documents`` | a user's PDF/HTML/Markdown/text folder |
| ``download`` | ``download_bdpm``: fetch the current BDPM files |
| ``tabular`` / ``text`` | TSV reading with detected encoding; folding, dates and sentence-bounded packing |
"""

import esculape  # noqa: F401  (switches every library's usage reporting off before it is imported)
