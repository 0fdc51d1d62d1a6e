"""Dense embeddings: backends (``backends``), the on-disk vector cache (``cache``), Haystack components
(``components``) and a throughput measurement (``speed``).

Nothing is imported here, so that ``pipelines.embedders.backends`` can be used without loading Haystack.
"""
