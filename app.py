"""Esculape research workbench (Streamlit): search the official sources and inspect each passage.

This first version is the retrieval workbench: a clinical question, the passages found by BM25, dense
retrieval or their fusion, with source, publisher, date, link and the rank and score from each
retriever. The cited-answer chat comes with the answer pipeline.

Run with ``make run`` (or ``streamlit run app.py``).
"""

import streamlit as st

import esculape  # noqa: F401  (telemetry off before the libraries load)
from esculape.settings import Settings
from pipelines.retrieval.searcher import QueryError, Searcher
from pipelines.stores.in_memory import IndexNotFoundError

SOURCE_LABELS = {
    "bdpm": "Base de données publique des médicaments",
    "has_opinion": "Avis de la HAS (SMR/ASMR)",
    "interaction": "Thésaurus des interactions (ANSM)",
    "notice": "Notices patients",
    "case_report": "Cas cliniques",
    "document": "Documents locaux",
}
MODE_LABELS = {"hybrid": "Hybride (BM25 + dense)", "bm25": "Lexical (BM25)", "dense": "Sémantique (dense)"}


@st.cache_resource(show_spinner="Chargement de l'index…")
def load_searcher(index_dir: str) -> Searcher:
    """Load the persisted index once per server process; ``index_dir`` keys the cache, so another
    ``ESCULAPE_DATA_DIR`` loads its own index."""
    return Searcher.from_settings(Settings.from_env())


def main() -> None:
    """Render the page."""
    st.set_page_config(page_title="Esculape", page_icon="⚕️", layout="wide")
    st.title("Esculape — recherche dans les sources officielles")

    try:
        searcher = load_searcher(str(Settings.from_env().index_dir))
    except IndexNotFoundError:
        st.error(
            "Aucun index n'est disponible : lancez « esculape ingest » (ou « make run »), "
            "puis rechargez la page."
        )
        return
    except Exception as error:  # noqa: BLE001  (the page must stay usable)
        st.error(f"L'index n'a pas pu être chargé : {error}")
        return

    manifest = searcher.store.manifest
    with st.sidebar:
        st.header("Réglages")
        mode = st.radio("Mode de recherche", list(MODE_LABELS), format_func=MODE_LABELS.get)
        top_k = st.slider("Nombre de passages", 1, 20, 10)
        sources = st.multiselect("Sources", list(SOURCE_LABELS), format_func=SOURCE_LABELS.get)
        st.caption(
            f"Index : {searcher.store.count_documents():,} passages · embedder `{searcher.embedder_spec}` · "
            f"versions {', '.join(manifest.get('versions', []))} · "
            f"indexé le {manifest.get('ingested_at', '?')}"
        )

    question = st.text_input(
        "Question clinique", placeholder="Peut-on associer apixaban et clarithromycine ?"
    )
    if not question:
        return
    filters = {"field": "meta.source", "operator": "in", "value": sources} if sources else None
    try:
        result = searcher.search(question, mode=mode, top_k=top_k, filters=filters)
    except QueryError as error:
        st.warning(str(error))
        return
    for notice in result.notices:
        st.info(notice)
    if not result.documents:
        st.info("Aucun passage ne correspond à cette question dans les sources indexées.")
    st.caption(f"{len(result.documents)} passages en {result.seconds * 1000:.0f} ms")

    for rank, doc in enumerate(result.documents, start=1):
        meta = doc.meta
        ranks = meta.get("ranks", {})
        date = meta.get("date") or "s. d."
        header = f"{rank}. {meta.get('title', doc.id)} — {meta.get('publisher', '')}, {date}"
        with st.expander(header, expanded=rank <= 3):
            st.caption(
                f"{SOURCE_LABELS.get(meta.get('source'), meta.get('source'))} · "
                f"rang BM25 : {ranks.get('bm25') or '—'}"
                f" · rang dense : {ranks.get('dense') or '—'} · identifiant `{doc.id}`"
            )
            if meta.get("url"):
                st.markdown(f"[Page officielle]({meta['url']})")
            st.text(doc.content or "")


main()
