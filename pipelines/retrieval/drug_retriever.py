"""A third retriever, driven by the drugs named in the question rather than by its words.

BM25 ranks a HAS opinion on « Eliquis » above the thesaurus entry « APIXABAN + INHIBITEURS PUISSANTS DU
CYP3A4 » for « sous Eliquis, puis-je donner de la clarithromycine ? », because the brand name is rare and
the opinion repeats it. The question is about two drugs; the passages that answer it are those that name
both, at substance or class level. This retriever returns them from the metadata of the ingested
passages, then (optionally) the BDPM record of each drug named, so that fusion can weigh them against
the lexical and dense rankings.
"""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from haystack import Document, component
from haystack.utils.filters import document_matches_filter

from pipelines.retrieval.drug_lexicon import DrugMention, fold_name
from pipelines.retrieval.intents import asks_for_generics
from pipelines.stores.in_memory import EsculapeInMemoryStore

# Words that do not identify a substance (« dinitrate d'isosorbide » is matched by « isosorbide »).
_FILLER = {"de", "d", "du", "des", "la", "le", "l", "et", "a", "en"}
# An entry naming both drugs beats one naming one drug and the other's class, which beats two classes.
BOTH_SIDES_DIRECT = 3.0
ONE_SIDE_DIRECT = 2.0
CLASS_LEVEL = 1.0
# The sources whose passages the drug lexicon and this retriever read.
DRUG_SOURCES = ("bdpm", "interaction")


def name_tokens(name: str) -> frozenset[str]:
    """The words of a substance or class name, folded, without filler words and without a final « e »: the
    BDPM writes « bupropione » and « tédizolid » where the thesaurus writes BUPROPION and TÉDIZOLIDE."""
    return frozenset(token.rstrip("e") for token in fold_name(name).split() if token not in _FILLER)


def names_match(thesaurus_names: list[frozenset[str]], substances: list[frozenset[str]]) -> bool:
    """True when a thesaurus name's words are all among the words of one of the drug's substances."""
    return any(name and name <= substance for name in thesaurus_names for substance in substances)


def drug_documents(store: Any) -> Mapping[str, Document]:
    """The ``bdpm`` and ``interaction`` passages by id, which the drug lexicon and retriever read.

    The embedded store's own storage is returned as is (no copy, no scan); a search-engine store is read
    once, by a scroll over those two sources.
    """
    storage = getattr(store, "storage", None)
    if storage is not None:
        return storage
    filters = {"field": "meta.source", "operator": "in", "value": list(DRUG_SOURCES)}
    return {doc.id: doc for doc in store.filter_documents(filters)}


@component
class DrugRetriever:
    """Two rankings from the drugs of a question: the interaction passages covering two of them
    (``pairs``: entries naming both drugs first, then one drug and the other's class, then two classes)
    and BDPM records (``records``: those of each drug named, then the other members of their generic
    groups, which answer « existe-t-il un générique de … »). They are separate so that fusion can weigh
    an exact interaction match apart from a drug's record.

    :param store: the store holding the ``interaction`` and ``bdpm`` passages.
    :param specialties_per_drug: BDPM records returned per drug named (marketed ones first); 0 for none.
    :param generics_per_drug: records of the same generic groups returned per drug named.
    :param documents: those passages by id, when already loaded (see :func:`drug_documents`).
    """

    def __init__(
        self,
        store: EsculapeInMemoryStore,
        specialties_per_drug: int = 0,
        generics_per_drug: int = 0,
        documents: Mapping[str, Document] | None = None,
    ) -> None:
        self.store = store
        self.documents = documents if documents is not None else drug_documents(store)
        self.specialties_per_drug = specialties_per_drug
        self.generics_per_drug = generics_per_drug
        self._group_members: dict[str, list[str]] = {}
        for doc in sorted(
            self.documents.values(), key=lambda d: (not d.meta.get("commercialised", True), d.id)
        ):
            group = doc.meta.get("generic_group") if doc.meta.get("source") == "bdpm" else None
            if group:
                self._group_members.setdefault(group, []).append(doc.id)
        self._interactions = [
            (
                doc.id,
                [name_tokens(side) for side in doc.meta.get("interaction_sides", [])],
                [name_tokens(name) for name in doc.meta.get("substances", [])],
            )
            for doc in self.documents.values()
            if doc.meta.get("source") == "interaction"
        ]

    @component.output_types(pairs=list[Document], records=list[Document])
    def run(
        self,
        mentions: list[DrugMention],
        top_k: int = 20,
        filters: dict[str, Any] | None = None,
        query: str = "",
    ) -> dict[str, list[Document]]:
        """:param mentions: drugs found in the question (see ``DrugQueryExpander``).
        :param top_k: longest list returned.
        :param filters: the search's metadata filters; passages they exclude are not returned.
        :param query: the question; one about generics or substitution puts each drug's generic-group
            members before its own records.
        :returns: ``pairs`` and ``records``, each best first and at most ``top_k`` long."""
        drugs = [[name_tokens(s) for s in mention.substances] for mention in mentions if mention.substances]
        pair_scores: dict[str, float] = {}
        for first in range(len(drugs)):
            for second in range(first + 1, len(drugs)):
                a, b = drugs[first], drugs[second]
                if set(a) == set(b):
                    continue
                for doc_id, sides, names in self._interactions:
                    if not (names_match(names, a) and names_match(names, b)):
                        continue
                    direct = names_match(sides, a) + names_match(sides, b)
                    score = (CLASS_LEVEL, ONE_SIDE_DIRECT, BOTH_SIDES_DIRECT)[direct]
                    pair_scores[doc_id] = max(pair_scores.get(doc_id, 0.0), score)

        generics_first = asks_for_generics(query)
        record_ids: list[str] = []
        for mention in mentions:
            own = [f"bdpm:{cis}" for cis in mention.cis[: self.specialties_per_drug]]
            siblings = []
            for doc_id in own:
                group = self.documents[doc_id].meta.get("generic_group") if doc_id in self.documents else ""
                siblings += [
                    m for m in self._group_members.get(group, []) if m not in own and m not in siblings
                ]
            siblings = siblings[: self.generics_per_drug]
            ordered = siblings + own if generics_first else own + siblings
            record_ids += [d for d in ordered if d in self.documents and d not in record_ids]
        records = [
            replace(self.documents[doc_id], score=1.0 / rank) for rank, doc_id in enumerate(record_ids, 1)
        ]

        ranked = sorted(pair_scores.items(), key=lambda item: (-item[1], item[0]))
        pairs = [replace(self.documents[doc_id], score=score) for doc_id, score in ranked]
        if filters:
            pairs = [doc for doc in pairs if document_matches_filter(filters=filters, document=doc)]
            records = [doc for doc in records if document_matches_filter(filters=filters, document=doc)]
        return {"pairs": pairs[:top_k], "records": records[:top_k]}
