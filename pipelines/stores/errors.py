"""Errors of the search-engine stores, each saying what to do, in English for the command line and in
French (``french``) for the app, where a clinician reads it."""

from haystack.document_stores.errors import DocumentStoreError


class SearchEngineUnavailableError(DocumentStoreError):
    """The cluster does not answer (down, wrong URL, wrong port, authentication refused).

    :param engine: ``opensearch`` or ``elasticsearch``.
    :param url: the URL that was tried.
    :param reason: the client's own words.
    :param setting: the environment variable that holds the URL.
    :param hint: how to start a node, for the English message.
    """

    def __init__(self, engine: str, url: str, reason: str, setting: str, hint: str) -> None:
        super().__init__(
            f"Cannot reach {engine} at {url} ({reason}). {hint} Or set {setting} to the URL of your cluster."
        )
        self.french = (
            f"Le moteur de recherche {engine} ne répond pas à l'adresse {url}. Vérifiez qu'il est démarré "
            f"et que {setting} donne la bonne adresse ; les passages déjà indexés ne sont pas perdus."
        )


class IndexMismatchError(DocumentStoreError):
    """An index exists under Esculape's name but was built differently (dimensions, analysis, schema).

    :param index: the index (or alias) name.
    :param problems: what differs, one English sentence each.
    """

    def __init__(self, index: str, problems: list[str]) -> None:
        super().__init__(
            f"The index '{index}' cannot be used: {'; '.join(problems)}. Run `esculape ingest --force` to "
            "build a new index beside it (the alias switches only once the new one is checked), or set "
            "ESCULAPE_INDEX to another name."
        )
        self.problems = problems
        self.french = (
            f"L'index « {index} » ne correspond pas à la configuration d'Esculape (plongements ou analyse "
            "différents) : relancez l'indexation ; l'index actuel reste en service jusqu'au basculement."
        )


class IndexCheckError(DocumentStoreError):
    """A freshly built index failed its checks; the alias was not switched and the old index still serves."""
