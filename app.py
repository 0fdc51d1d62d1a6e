"""Esculape workbench (Streamlit): cited answers from the official sources, and everything behind them.

- **Conversation**: a clinical question, the answer streamed token by token, its numbered citations (a
  click opens the source), the flags of the answer checks, drug cards and interaction tables coloured by
  severity, and every source with its passage (matched terms highlighted) and its rank and score from each
  retriever. Follow-up questions use the previous turns.
- **Comparaison des modes**: one question through bm25, dense and hybrid side by side; the passages that
  are not in every mode's top k are highlighted.
- **Retours des cliniciens**: thumbs, comments and « cette citation est erronée », stored in SQLite after
  patient identifiers are removed, exported as CSV or Parquet.
- **Pilot mode**: when ``ESCULAPE_USERS`` names a users file, a login is required and every question is
  written to the per-user audit log. Without it the app is open, for local research.

The sidebar shows the store, the corpus versions, the embedder and the model, and holds the retrieval
settings; changing them re-runs the last question. Helpers live in :mod:`esculape.workbench`.

Run with ``make run`` (or ``streamlit run app.py``).
"""

import copy
import logging
import time
import uuid
from typing import Any

import pandas as pd
import streamlit as st

import esculape  # noqa: F401  (telemetry off before the libraries load)
from esculape.settings import DEFAULT_FUSION_WEIGHTS, Settings
from esculape.workbench.audit import AuditLog, audit_path
from esculape.workbench.compare import MODES, card_html, compare_modes
from esculape.workbench.feedback import AnswerRecord, FeedbackStore, feedback_path
from esculape.workbench.highlight import highlight, query_terms
from esculape.workbench.rendering import (
    SEVERITIES,
    corpus_version,
    interaction_frame,
    opinions_frame,
    rank_rows,
    safe_markdown,
    specialties_frame,
    style_levels,
)
from esculape.workbench.users import User, UsersFileError, authenticate, load_users, users_path
from pipelines.answer.conversation import Conversation
from pipelines.answer.drug_facts import DrugFacts
from pipelines.answer.pipeline import SOURCE_LABELS, AnswerPipeline
from pipelines.generators.base import GeneratorError
from pipelines.retrieval.searcher import QueryError, Searcher
from pipelines.stores.in_memory import IndexNotFoundError

logger = logging.getLogger("esculape.app")

FILTER_SOURCES = ["bdpm", "has_opinion", "interaction", "notice", "case_report", "document"]
MODE_LABELS = {"hybrid": "Hybride (fusion)", "bm25": "Lexical (BM25)", "dense": "Sémantique (dense)"}
WEIGHT_LABELS = {
    "bm25": "Poids BM25",
    "dense": "Poids dense",
    "pairs": "Poids des paires de médicaments",
    "records": "Poids des fiches BDPM",
}
VIEWS = {"chat": "Conversation", "compare": "Comparaison des modes", "feedback": "Retours des cliniciens"}
KIND_LABELS = {"passage": "Passage", "drug_card": "Fiche médicament", "interaction_check": "Interactions"}
# The answer pipeline numbers at most this many retrieved passages as sources (its search keeps 10).
MAX_ANSWER_PASSAGES = 10
PASSAGE_PREVIEW_CHARS = 4000
COMPARE_PREVIEW_CHARS = 320
CSS = """
<style>
.esc-passage { font-size: 0.92rem; line-height: 1.5; max-height: 24rem; overflow-y: auto;
  padding: 0.5rem 0.75rem; border-left: 3px solid #cfd8dc; background: #fafafa; overflow-wrap: anywhere; }
.esc-passage mark, .esc-compare mark { background: #fff176; padding: 0 1px; }
.esc-compare { border: 1px solid #e0e0e0; border-radius: 6px; padding: 0.45rem 0.6rem; margin-bottom: 0.5rem;
  font-size: 0.88rem; overflow-wrap: anywhere; }
.esc-compare.esc-differs { border: 2px solid #ffcc80; background: #fffaf2; }
.esc-compare.esc-only { border: 2px solid #ef6c00; background: #fff3e0; }
.esc-compare .esc-meta { color: #555; font-size: 0.8rem; }
.esc-badge { display: inline-block; border-radius: 4px; padding: 0 6px; margin-right: 4px; font-size: 0.78rem;
  font-weight: 600; }
</style>
"""


# -- Loading (once per server process) -------------------------------------------------------------


def _index_key(settings: Settings) -> str:
    where = settings.index_dir if settings.store == "memory" else settings.opensearch_url + settings.es_url
    return f"{settings.store}|{where}|{settings.index_name}"


@st.cache_resource(show_spinner="Chargement de l'index…")
def load_searcher(index_key: str) -> Searcher:
    """The index named by the environment; ``index_key`` keys the cache (another data dir, another store)."""
    return Searcher.from_settings(Settings.from_env())


@st.cache_resource(show_spinner=False)
def weighted_searcher(
    _searcher: Searcher, index_key: str, weights: tuple[tuple[str, float], ...]
) -> Searcher:
    """The same index and models with other fusion weights.

    A shallow copy shares the store, the lexicon and the embedding model; only the query pipelines, which
    hold the weights, are rebuilt (``Searcher`` builds them lazily from ``weights``).
    """
    searcher = copy.copy(_searcher)
    searcher.weights = dict(weights)
    searcher._pipelines = {}
    return searcher


@st.cache_resource(show_spinner="Chargement des fiches médicaments…")
def load_facts(_searcher: Searcher, index_key: str) -> DrugFacts:
    """Drug cards and interaction checks over the index."""
    return DrugFacts.from_store(_searcher.store)


def _close_model(generator: Any) -> None:
    # llama.cpp's engine must stop before the interpreter exits, or the process aborts on its threads.
    close = getattr(generator, "close", None)
    if close is not None:
        close()


@st.cache_resource(show_spinner="Chargement du modèle de langue…", on_release=_close_model)
def load_model(spec: str) -> Any:
    """The generator named by ``ESCULAPE_LLM``, loaded once and shared by the sessions (one at a time)."""
    from pipelines.generators.factory import load_generator

    generator = load_generator(spec, settings=Settings.from_env())
    generator.warm_up()
    return generator


def open_searcher(settings: Settings) -> tuple[Searcher | None, str]:
    """The searcher, or None and the French reason shown in the page."""
    try:
        return load_searcher(_index_key(settings)), ""
    except IndexNotFoundError:
        return None, (
            "Aucun index n'est disponible : lancez « esculape ingest » (ou « make run »), "
            "puis rechargez la page."
        )
    except Exception as error:  # noqa: BLE001  (the page must stay usable)
        logger.warning("Index not loaded: %s", type(error).__name__)
        return None, "L'index n'a pas pu être chargé : " + getattr(error, "french", str(error))


def open_model(settings: Settings) -> tuple[Any | None, str]:
    """The generator, or None and the French reason."""
    try:
        return load_model(settings.llm), ""
    except GeneratorError as error:
        logger.warning("Model not loaded: %s", error.kind.value)
        return None, f"Le modèle de langue n'est pas disponible : {error}"
    except Exception as error:  # noqa: BLE001
        logger.warning("Model not loaded: %s", type(error).__name__)
        return None, "Le modèle de langue n'a pas pu être chargé : " + getattr(error, "french", str(error))


# -- Pilot mode ------------------------------------------------------------------------------------


def audit_log(settings: Settings) -> AuditLog:
    """The audit log (pilot mode)."""
    return AuditLog(audit_path(settings))


def require_login(settings: Settings) -> User | None:
    """None in open mode; in pilot mode the logged-in user, or the login page and a stop."""
    path = users_path()
    if path is None:
        return None
    user = st.session_state.get("user")
    if user is not None:
        return user

    st.title("Esculape — accès réservé aux participants du pilote")
    try:
        users = load_users(path)
    except UsersFileError as error:
        logger.error("%s", error)
        st.error(error.french)
        st.stop()
    st.write(
        "Connectez-vous avec l'identifiant et le mot de passe remis par l'équipe du pilote. "
        "Chaque question posée est enregistrée dans le journal d'audit, sans les données "
        "d'identification des patients."
    )
    with st.form("login"):
        login = st.text_input("Identifiant")
        password = st.text_input("Mot de passe", type="password")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if submitted:
        found = authenticate(users, login, password)
        if found is not None:
            st.session_state.user = found
            audit_log(settings).record(found.login, "login")
            st.rerun()
        audit_log(settings).record(login.strip()[:64], "login_failed")
        time.sleep(1.0)  # slows password guessing
        st.error("Identifiant ou mot de passe incorrect.")
    st.stop()


# -- Sidebar ----------------------------------------------------------------------------------------


def sidebar(
    settings: Settings, searcher: Searcher | None, generator: Any | None, user: User | None
) -> tuple[str, dict[str, Any]]:
    """The view chosen and the retrieval settings; shows what the index and the model are."""
    with st.sidebar:
        if user is not None:
            st.caption(f"Connecté : {user.name} ({user.login})")
            if st.button("Se déconnecter"):
                audit_log(settings).record(user.login, "logout")
                for key in list(st.session_state.keys()):
                    del st.session_state[key]
                st.rerun()
        view = st.radio("Affichage", list(VIEWS), format_func=VIEWS.get, key="view")

        st.header("Recherche")
        mode = st.radio("Mode de recherche", list(MODE_LABELS), format_func=MODE_LABELS.get, key="mode")
        passages = st.slider(
            "Passages numérotés comme sources",
            1,
            MAX_ANSWER_PASSAGES,
            5,
            key="passages",
            help="Les fiches médicaments et les interactions s'y ajoutent.",
        )
        weights = {}
        with st.expander("Poids de la fusion (mode hybride)", expanded=False):
            for name, label in WEIGHT_LABELS.items():
                default = float(settings.fusion_weights.get(name, DEFAULT_FUSION_WEIGHTS[name]))
                weights[name] = st.slider(label, 0.0, 1.0, default, 0.05, key=f"weight-{name}")
        sources = st.multiselect(
            "Sources consultées (toutes si vide)",
            FILTER_SOURCES,
            format_func=lambda name: SOURCE_LABELS.get(name, name),
            placeholder="Toutes les sources",
            key="sources",
        )
        if st.button("Nouvelle conversation"):
            st.session_state.turns = []
            st.session_state.conversation = Conversation()

        st.header("Configuration")
        store = settings.store
        if store == "opensearch":
            store += f" ({settings.opensearch_url})"
        elif store == "elasticsearch":
            store += f" ({settings.es_url})"
        lines = [f"**Stockage** : {store}"]
        if searcher is not None:
            manifest = getattr(searcher.store, "manifest", {}) or {}
            lines.append(f"**Corpus** : {searcher.store.count_documents():,} passages".replace(",", "\u202f"))
            lines.append(f"**Versions** : {corpus_version(manifest)}")
            lines.append(f"**Plongements** : `{searcher.embedder_spec}`")
        model = generator.info.label() if generator is not None else f"{settings.llm} (non chargé)"
        lines.append(f"**Modèle de langue** : `{model}`")
        st.markdown("  \n".join(lines))

    retrieval = {
        "mode": mode,
        "passages": int(passages),
        "weights": weights if mode == "hybrid" else {},
        "sources": sorted(sources),
    }
    return view, retrieval


def filters_of(retrieval: dict[str, Any]) -> dict | None:
    """Haystack metadata filters of the source selection."""
    if not retrieval["sources"]:
        return None
    return {"field": "meta.source", "operator": "in", "value": retrieval["sources"]}


def searcher_for(searcher: Searcher, settings: Settings, retrieval: dict[str, Any]) -> Searcher:
    """The searcher with the fusion weights of the sidebar."""
    weights = retrieval["weights"] or dict(searcher.weights)
    return weighted_searcher(searcher, _index_key(settings), tuple(sorted(weights.items())))


# -- Feedback -----------------------------------------------------------------------------------------


def feedback_store(settings: Settings) -> FeedbackStore:
    """The feedback database."""
    return FeedbackStore(feedback_path(settings))


def save_feedback(turn: dict[str, Any], **feedback: Any) -> None:
    """Store a feedback on ``turn`` (callback of the thumbs, the comment form and the source buttons)."""
    settings = Settings.from_env()
    result = turn["result"]
    user = st.session_state.get("user")
    record = AnswerRecord(
        question=turn["question"],
        standalone_question=result.get("standalone_question", ""),
        answer=result.get("answer", ""),
        sources=result.get("sources", []),
        settings=turn["settings"],
        model=result.get("model", ""),
        corpus_version=turn.get("corpus_version", ""),
        user=user.login if user is not None else "",
    )
    try:
        feedback_store(settings).save(turn["id"], record, **feedback)
    except Exception as error:  # noqa: BLE001  (a full disk must not end the session)
        logger.error("Feedback not saved: %s", type(error).__name__)
        turn["feedback_note"] = "Le retour n'a pas pu être enregistré ; réessayez plus tard."
        return
    turn["feedback_note"] = "Merci : votre retour est enregistré."


def on_thumbs(turn: dict[str, Any]) -> None:
    """Thumbs up (1) or down (0 in Streamlit, stored as -1)."""
    value = st.session_state.get(f"thumbs-{turn['id']}")
    if value is not None:
        save_feedback(turn, rating=1 if value == 1 else -1)


def on_comment(turn: dict[str, Any]) -> None:
    """The comment form was sent."""
    comment = (st.session_state.get(f"comment-{turn['id']}") or "").strip()
    if comment:
        save_feedback(turn, comment=comment)


def on_wrong_citation(turn: dict[str, Any], number: int) -> None:
    """« Cette citation est erronée » on source ``number``."""
    save_feedback(turn, wrong_citation=number)
    turn.setdefault("wrong", []).append(number)


def open_source(turn_id: str, number: int) -> None:
    """A citation was clicked: its source card opens."""
    st.session_state[f"src-{turn_id}-{number}"] = True


# -- Rendering of one answer --------------------------------------------------------------------------


def render_source(turn: dict[str, Any], source: dict[str, Any], terms: set[str], analyzer) -> None:
    """One numbered source: where it comes from, its ranks and its highlighted text."""
    number, kind = source["n"], source["kind"]
    status = " · citée" if source.get("cited") else " · consultée" if source.get("sent_to_model") else ""
    if source.get("reconstructed"):
        status += " (citation reconstruite)"
    date = source.get("date") or "date inconnue"
    title = source.get("title") or source["doc_id"]
    label = f"[{number}] {source.get('publisher') or '—'} — {title} ({date}){status}"
    with st.expander(safe_markdown(label), key=f"src-{turn['id']}-{number}", on_change="rerun"):
        origin = SOURCE_LABELS.get(source.get("source"), source.get("source") or "")
        st.caption(
            safe_markdown(
                f"{KIND_LABELS.get(kind, kind)} · {origin} · date ou version : {date} · {source['doc_id']}"
            )
        )
        url = source.get("url") or ""
        if url.startswith(("https://", "http://")):
            st.link_button("Ouvrir la page officielle", url)
        if kind == "passage":
            rows = rank_rows(source, turn["settings"]["mode"])
            st.table(pd.DataFrame(rows).set_index("Classement"))
        text = highlight(source.get("content", ""), terms, analyzer, max_chars=PASSAGE_PREVIEW_CHARS)
        st.html(f'<div class="esc-passage">{text}</div>')
        if number in turn.get("wrong", []):
            st.caption("Signalée comme citation erronée.")
        else:
            st.button(
                "Cette citation est erronée",
                key=f"wrong-{turn['id']}-{number}",
                on_click=on_wrong_citation,
                args=(turn, number),
            )


def render_facts(result: dict[str, Any]) -> None:
    """Interaction tables (levels coloured by severity) and drug cards."""
    if result.get("interactions"):
        st.markdown("**Interactions médicamenteuses (thésaurus ANSM)**")
        st.table(style_levels(interaction_frame(result["interactions"])))
        legend = " ".join(
            f'<span class="esc-badge" style="background:{s.background};color:{s.text}">{s.label}</span>'
            for s in SEVERITIES.values()
        )
        st.html(f"<div>{legend}</div>")
    for card in result.get("drug_cards", []):
        st.markdown(f"**{safe_markdown(card.get('title', ''))}**")
        if card.get("atc"):
            st.caption(safe_markdown("Code ATC : " + ", ".join(card["atc"])))
        opinions = opinions_frame(card)
        if not opinions.empty:
            st.table(opinions.set_index("Avis"))
        else:
            st.caption("Aucun avis SMR/ASMR de la HAS rattaché à ces spécialités.")
        specialties = specialties_frame(card)
        if not specialties.empty:
            st.table(specialties.set_index("Spécialité"))
        if card.get("specialty_count", 0) > len(card.get("specialties", [])):
            st.caption(
                f"{card['specialty_count']} spécialités contiennent cette substance ; trois sont détaillées."
            )
        for line in card.get("shortages", []):
            st.warning(safe_markdown(f"Disponibilité (ANSM) : {line}"))


def render_answer(turn: dict[str, Any], analyzer) -> None:
    """The assistant's side of a turn."""
    if turn.get("error"):
        st.error(turn["error"])
        st.caption("La session reste ouverte : vous pouvez reposer la question ou en poser une autre.")
        return
    result = turn["result"]
    if result.get("standalone_question") and result["standalone_question"] != turn["question"]:
        st.caption(safe_markdown(f"Question reformulée : {result['standalone_question']}"))
    with st.container(key=f"answer-{turn['id']}"):
        st.markdown(safe_markdown(result.get("answer", "")))
    flags = result.get("flags", [])
    for item in flags:
        if item["code"] != "uncited_sentence":
            alert = st.error if item["code"] in ("generator_error", "facts_mismatch") else st.warning
            alert(safe_markdown(item["message"]))
    # One box for the uncited sentences, each once: a long answer would otherwise bury the answer in boxes.
    uncited = list(dict.fromkeys(i["message"] for i in flags if i["code"] == "uncited_sentence"))
    if uncited:
        st.warning(
            safe_markdown(
                f"Phrases sans citation ({len(uncited)}) :\n" + "\n".join(f"- {m}" for m in uncited)
            )
        )
    for notice in result.get("notices", []):
        st.info(safe_markdown(notice))

    citations = result.get("citations", [])
    if citations:
        st.caption("Sources citées (cliquez pour ouvrir) :")
        with st.container(horizontal=True, key=f"citations-{turn['id']}"):
            for citation in citations:
                title = citation.get("title") or citation["doc_id"]
                short = title if len(title) <= 48 else title[:47] + "…"
                st.button(
                    safe_markdown(f"[{citation['n']}] {short}"),
                    key=f"cite-{turn['id']}-{citation['n']}",
                    on_click=open_source,
                    args=(turn["id"], citation["n"]),
                    help=safe_markdown(title),
                )
    render_facts(result)

    sources = result.get("sources", [])
    if sources:
        st.markdown(f"**Sources ({len(sources)})**")
        terms = query_terms(result.get("standalone_question") or turn["question"], analyzer)
        for source in sources:
            render_source(turn, source, terms, analyzer)

    timings = result.get("timings", {})
    first = timings.get("first_token")
    st.caption(
        f"Recherche {timings.get('retrieval', 0):.2f} s · premier mot "
        + (f"{first:.2f} s" if first is not None else "—")
        + f" · total {timings.get('total', 0):.2f} s · modèle {result.get('model') or '—'}"
        + f" · mode {MODE_LABELS[turn['settings']['mode']]}"
    )

    st.feedback("thumbs", key=f"thumbs-{turn['id']}", on_change=on_thumbs, args=(turn,))
    with st.form(f"comment-form-{turn['id']}", clear_on_submit=True, border=False):
        st.text_input("Commentaire sur cette réponse (facultatif)", key=f"comment-{turn['id']}")
        st.form_submit_button("Envoyer le commentaire", on_click=on_comment, args=(turn,))
    if turn.get("feedback_note"):
        st.caption(turn["feedback_note"])


def render_turn(turn: dict[str, Any], analyzer) -> None:
    """One question and its answer."""
    with st.chat_message("user"):
        st.markdown(safe_markdown(turn["question"]))
        if turn.get("rerun"):
            st.caption("Question relancée avec les nouveaux réglages.")
    with st.chat_message("assistant"):
        render_answer(turn, analyzer)


# -- Views --------------------------------------------------------------------------------------------


def ask(
    question: str,
    retrieval: dict[str, Any],
    settings: Settings,
    searcher: Searcher,
    model: tuple[Any | None, str],
    user: User | None,
    rerun: bool,
) -> dict[str, Any]:
    """Answer one question, streaming the tokens into the page; returns the turn (answer or French error)."""
    turns = st.session_state.turns
    conversation = st.session_state.conversation
    generator, model_error = model
    turn = {
        "id": uuid.uuid4().hex[:12],
        "question": question,
        "settings": retrieval,
        "rerun": rerun,
        "corpus_version": corpus_version(getattr(searcher.store, "manifest", {}) or {}),
        "error": "",
        "result": {},
    }
    audit = audit_log(settings) if user is not None else None
    if audit is not None:
        audit.record(user.login, "question", question, turn["id"], settings=retrieval)

    with st.chat_message("user"):
        st.markdown(safe_markdown(question))
        if rerun:
            st.caption("Question relancée avec les nouveaux réglages.")
    with st.chat_message("assistant"):
        status = st.empty()
        status.caption("Recherche des sources et préparation de la réponse…")
        with st.container(key=f"stream-{len(turns) + 1}"):
            placeholder = st.empty()
        pieces: list[str] = []

        def on_token(piece: str) -> None:
            if not pieces:
                status.empty()
            pieces.append(piece)
            placeholder.markdown(safe_markdown("".join(pieces)) + " ▌")

        started = time.perf_counter()
        before = len(conversation.turns)
        if generator is None:
            turn["error"] = model_error
        else:
            try:
                answerer = AnswerPipeline(
                    searcher_for(searcher, settings, retrieval),
                    generator,
                    facts=load_facts(searcher, _index_key(settings)),
                    passages=retrieval["passages"],
                )
                result = answerer.ask(
                    question,
                    conversation=conversation,
                    on_token=on_token,
                    mode=retrieval["mode"],
                    filters=filters_of(retrieval),
                )
                turn["result"] = result.to_dict()
            except QueryError as error:
                turn["error"] = str(error)
            except GeneratorError as error:
                turn["error"] = f"Le modèle de langue n'a pas répondu : {error}"
            except Exception as error:  # noqa: BLE001  (a failing store or model keeps the session usable)
                logger.error("Answer failed: %s", type(error).__name__)
                turn["error"] = (
                    "La réponse n'a pas pu être produite : "
                    + getattr(error, "french", "erreur inattendue du moteur de recherche ou du modèle")
                    + ". Réessayez ; si l'erreur persiste, prévenez l'administrateur."
                )
        turn["in_conversation"] = len(conversation.turns) > before
        status.empty()
        placeholder.empty()
        turns.append(turn)
        render_answer(turn, searcher.store.analyzer)

    if audit is not None:
        result = turn["result"]
        outcome = (
            "error"
            if turn["error"] or result.get("error")
            else "refused"
            if result.get("refused")
            else "abstained"
            if result.get("abstained")
            else "answered"
        )
        audit.record(
            user.login,
            "answer",
            turn_id=turn["id"],
            outcome=outcome,
            seconds=round(time.perf_counter() - started, 3),
            model=result.get("model", ""),
            cited=[c["doc_id"] for c in result.get("citations", [])],
        )
    return turn


def chat_view(
    settings: Settings,
    searcher: Searcher | None,
    search_error: str,
    model: tuple[Any | None, str],
    retrieval: dict[str, Any],
    user: User | None,
) -> None:
    """The conversation."""
    turns = st.session_state.setdefault("turns", [])
    conversation = st.session_state.setdefault("conversation", Conversation())
    prompt = st.chat_input("Posez une question clinique (médicament, interaction, SMR…)", max_chars=2000)

    pending, rerun = None, False
    if prompt and prompt.strip():
        pending = prompt.strip()
    elif turns and turns[-1]["settings"] != retrieval and searcher is not None:
        # The settings changed since the last answer: it is asked again with the new ones, in its place.
        last = turns.pop()
        if last.get("in_conversation") and conversation.turns:
            conversation.turns.pop()
        pending, rerun = last["question"], True

    if searcher is None:
        st.error(search_error)
        if st.button("Réessayer de charger l'index"):
            load_searcher.clear()
            st.rerun()
        for turn in turns:
            render_turn(turn, None)
        return

    if not turns and pending is None:
        st.info(
            "Posez une question clinique en bas de la page, par exemple « Peut-on associer apixaban et "
            "clarithromycine ? » ou « Quel est le SMR du Xarelto ? ». Chaque affirmation de la réponse "
            "renvoie à une source officielle numérotée."
        )
    if model[0] is None:
        st.error(model[1])
    analyzer = searcher.store.analyzer
    for turn in turns:
        render_turn(turn, analyzer)
    if pending is not None:
        ask(pending, retrieval, settings, searcher, model, user, rerun)


def compare_view(settings: Settings, searcher: Searcher | None, search_error: str, retrieval) -> None:
    """bm25, dense and hybrid side by side."""
    if searcher is None:
        st.error(search_error)
        return
    turns = st.session_state.get("turns", [])
    default = turns[-1]["question"] if turns else "Peut-on associer apixaban et clarithromycine ?"
    question = st.text_input("Question à comparer", value=default, key="compare-question")
    top_k = st.slider("Passages par mode", 1, 20, 10, key="compare-top-k")
    if not question.strip():
        return
    comparison = compare_modes(
        searcher_for(searcher, settings, retrieval), question, top_k, filters_of(retrieval)
    )
    if comparison.errors and not comparison.runs:
        st.warning(next(iter(comparison.errors.values())))
        return
    own = comparison.own_counts()
    st.caption(
        f"{comparison.shared} passage(s) trouvé(s) par les trois modes. Passages trouvés par un seul mode : "
        + ", ".join(f"{MODE_LABELS[mode]} {count}" for mode, count in own.items())
        + ". Encadré orange vif : trouvé par ce seul mode ; orange pâle : absent du top de l'un des autres "
        "modes ; sans cadre de couleur : présent dans les trois."
    )
    analyzer = searcher.store.analyzer
    terms = query_terms(question, analyzer)
    columns = st.columns(len(MODES))
    for column, mode in zip(columns, MODES, strict=True):
        with column:
            st.subheader(MODE_LABELS[mode])
            if mode in comparison.errors:
                st.warning(comparison.errors[mode])
                continue
            st.caption(f"{len(comparison.runs[mode])} passages en {comparison.seconds[mode] * 1000:.0f} ms")
            blocks = [
                card_html(
                    document, rank, mode, comparison, terms, analyzer, SOURCE_LABELS, COMPARE_PREVIEW_CHARS
                )
                for rank, document in enumerate(comparison.runs[mode], start=1)
            ]
            st.html("".join(blocks))


def feedback_view(settings: Settings, user: User | None) -> None:
    """The stored feedback and its export."""
    if user is not None and not user.is_admin:
        st.info("La consultation et l'export des retours sont réservés aux administrateurs du pilote.")
        return
    store = feedback_store(settings)
    frame = store.to_frame()
    st.subheader("Retours des cliniciens")
    st.caption(
        f"{frame.height} réponse(s) commentée(s), stockées sans données d'identification des patients "
        f"dans {store.path}."
    )
    if frame.height:
        shown = frame.select(
            ["created_at", "user", "rating", "comment", "wrong_citations", "question", "model"]
        )
        st.dataframe(shown.to_pandas(), hide_index=True)
    with st.container(horizontal=True):
        st.download_button(
            "Exporter en CSV",
            store.export_bytes("csv"),
            file_name="esculape-retours.csv",
            mime="text/csv",
            on_click="ignore",
        )
        st.download_button(
            "Exporter en Parquet",
            store.export_bytes("parquet"),
            file_name="esculape-retours.parquet",
            mime="application/vnd.apache.parquet",
            on_click="ignore",
        )


def main() -> None:
    """Render the page."""
    st.set_page_config(page_title="Esculape", page_icon="⚕️", layout="wide")
    settings = Settings.from_env()
    user = require_login(settings)
    st.html(CSS)
    st.title("Esculape — réponses citées des sources officielles")
    searcher, search_error = open_searcher(settings)
    # Loaded with the page, so that the first question waits only for its answer.
    model = open_model(settings) if searcher is not None else (None, "")
    view, retrieval = sidebar(settings, searcher, model[0], user)
    if view == "compare":
        compare_view(settings, searcher, search_error, retrieval)
    elif view == "feedback":
        feedback_view(settings, user)
    else:
        chat_view(settings, searcher, search_error, model, retrieval, user)


# Streamlit runs this file as ``__main__``; the tests import its rendering functions without a page.
if __name__ == "__main__":
    main()
