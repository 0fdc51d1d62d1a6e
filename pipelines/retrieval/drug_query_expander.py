"""Add to a question the active substances of the drug names it mentions."""

from haystack import component

from pipelines.retrieval.drug_lexicon import DrugLexicon, DrugMention, fold_name, substance_core
from pipelines.retrieval.intents import asks_for_generics


@component
class DrugQueryExpander:
    """Append the substances behind brand names to the query, so « Eliquis » also searches « apixaban ».

    Only questions naming two or more different drugs are expanded: they ask about an association, and the
    thesaurus speaks of substances. A question about one drug names it as its own passages do (BDPM record,
    HAS opinion, leaflet); expanding it was measured to pull in other specialties of the same substance
    instead, which is what a question about generics or substitution wants, so those are expanded too.
    Substances already written in the question are not repeated. The mentions are always returned, so that
    the app can show how the question was understood.

    :param lexicon: the drug lexicon of the ingested corpus.
    """

    def __init__(self, lexicon: DrugLexicon) -> None:
        self.lexicon = lexicon

    @component.output_types(query=str, mentions=list[DrugMention])
    def run(self, query: str) -> dict:
        """:returns: ``query`` (expanded) and ``mentions`` (the drug names found)."""
        mentions = self.lexicon.find(query)
        if len({mention.substances for mention in mentions}) < 2 and not (
            mentions and asks_for_generics(query)
        ):
            return {"query": query, "mentions": mentions}

        present = f" {fold_name(query)} "
        added: list[str] = []
        for mention in mentions:
            for substance in mention.substances:
                # The substance as clinicians and the thesaurus name it: no salt, no hydrate.
                core = substance_core(substance)
                if core and f" {core} " not in present and core not in added:
                    added.append(core)
        expanded = f"{query} ({', '.join(added)})" if added else query
        return {"query": expanded, "mentions": mentions}
