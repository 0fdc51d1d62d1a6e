"""The answer pipeline: question → standalone question → hybrid retrieval → drug facts → prompt → model →
checked, cited French answer.

The first half is a Haystack pipeline (``condenser`` → ``search`` → ``context``); the generator is then run
with a streaming callback and the ``assembler`` checks what it wrote. Weak evidence or a non-medical
question stops before the model: the answer says so and shows the closest passages.

Usage example:

```python
answerer = AnswerPipeline.from_settings()
result = answerer.ask("Peut-on associer apixaban et clarithromycine ?", on_token=print)
result.answer, [c["doc_id"] for c in result.citations], result.interactions
```
"""

import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from haystack import Document, Pipeline, component
from haystack.core.errors import PipelineRuntimeError
from haystack.dataclasses import ChatMessage, StreamingChunk

from corpora.text import fold
from esculape.settings import Settings
from pipelines.answer import guards
from pipelines.answer.citations import resolve
from pipelines.answer.conversation import Conversation, QuestionCondenser, Turn
from pipelines.answer.drug_facts import DrugCard, DrugFacts, InteractionCheck
from pipelines.answer.prompts import (
    ABSTENTION,
    REFUSAL,
    NumberedSource,
    build_messages,
    fit_sources,
)
from pipelines.generators.base import ErrorKind, GeneratorError
from pipelines.retrieval.drug_lexicon import DrugMention
from pipelines.retrieval.searcher import QueryError, Searcher

logger = logging.getLogger(__name__)

# Smallest share of the question's search terms that one of the top passages must contain for the model to
# be asked. Calibrated on the retrieval tuning questions by `python -m evals.answer.calibrate` (the 5th
# percentile of questions whose gold passage is retrieved), see evals/results/abstention-*.json.
EVIDENCE_THRESHOLD = 0.287
# A question naming no drug and no clinical word is refused as non-medical unless one passage covers this
# much of it (a clinical term missing from the word list of ``guards`` is still found in the sources).
REFUSE_COVERAGE = 0.8
EVIDENCE_PASSAGES = 5
MAX_QUESTION_CHARS = 2000
DEFAULT_PASSAGES = 5
ANSWER_TOKENS = 384
# Tokens of sources sent to the model at most, whatever its window: on a CPU the prompt dominates the time
# to first token.
DEFAULT_SOURCE_TOKENS = 1000
_MODEL_ABSTAINS = re.compile(
    r"ne permettent pas de repondre|ne (contiennent|fournissent|donnent) pas (d'information|de reponse|"
    r"d'elements)|aucune (information|source) ne|je ne (sais|peux) pas repondre"
)
SOURCE_LABELS = {
    "bdpm": "Base de données publique des médicaments",
    "has_opinion": "Avis de la Commission de la transparence",
    "interaction": "Thésaurus des interactions médicamenteuses",
    "notice": "Notice patient",
    "case_report": "Cas clinique publié",
    "document": "Document",
    "drug_card": "Fiche médicament (données structurées)",
    "interaction_check": "Vérification des interactions (données structurées)",
}


@dataclass
class Source:
    """A numbered source of an answer: a retrieved passage or a structured card."""

    n: int
    kind: str  # passage, drug_card, interaction_check
    doc_id: str
    source: str
    publisher: str
    title: str
    date: str
    url: str
    content: str
    ranks: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, Any] = field(default_factory=dict)
    sent_to_model: bool = True
    cited: bool = False
    reconstructed: bool = False

    @property
    def header(self) -> str:
        """The line the model reads above the text."""
        when = f", {self.date}" if self.date else ""
        return f"{self.publisher} — {SOURCE_LABELS.get(self.source, self.source)}{when} — {self.title}"


@dataclass
class AnswerContext:
    """Everything decided before the model runs."""

    question: str
    standalone: str
    condensed: bool
    sources: list[Source]
    drug_cards: list[DrugCard]
    interactions: list[InteractionCheck]
    mentions: list[DrugMention]
    messages: list[ChatMessage]
    evidence: float  # what the decision used: the coverage, or 1 when drug facts were found
    coverage: float  # rarity-weighted share of the question's terms in one of the top passages
    decision: str  # generate, abstain, refuse
    flags: list[dict[str, str]]
    notices: list[str]
    retrieval_seconds: float
    retrieved: list[str] = field(default_factory=list)  # ids of every passage retrieved, best first


@dataclass
class AnswerResult:
    """A finished answer, as printed by ``esculape ask --json`` and shown by the app."""

    question: str
    standalone_question: str
    answer: str
    citations: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    consulted: list[int]
    drug_cards: list[dict[str, Any]]
    interactions: list[dict[str, Any]]
    abstained: bool
    refused: bool
    flags: list[dict[str, str]]
    notices: list[str]
    timings: dict[str, float | None]
    model: str
    evidence: float
    complete: bool = True
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def flag(code: str, message: str) -> dict[str, str]:
    """A flag shown beside the answer (French message, stable code)."""
    return {"code": code, "message": message}


def _passage_source(n: int, doc: Document) -> Source:
    meta = doc.meta
    return Source(
        n=n,
        kind="passage",
        doc_id=meta.get("doc_id", doc.id),
        source=meta.get("source", ""),
        publisher=meta.get("publisher", ""),
        title=meta.get("title", ""),
        date=str(meta.get("date") or meta.get("version") or ""),
        url=meta.get("url", ""),
        content=doc.content or "",
        ranks=dict(meta.get("ranks", {})),
        scores=dict(meta.get("scores", {})),
    )


FACTS_HEADING = "Données structurées (recopiées des sources) :"


def _mismatches(answer: str, context: AnswerContext) -> list[dict[str, str]]:
    """Flags for an answer that names an SMR/ASMR but not the level recorded on the drug card."""
    folded = fold(answer)
    found = []
    for card in context.drug_cards:
        for opinion in card.opinions:
            kind = opinion.kind
            mentions_kind = re.search(rf"\b{kind}\b", folded) and not (kind == "smr" and "asmr" in folded)
            if mentions_kind and fold(opinion.level) not in folded:
                found.append(
                    flag(
                        "facts_mismatch",
                        f"La réponse parle du {kind.upper()} sans reprendre le niveau enregistré pour "
                        f"{card.mention} ({kind.upper()} {opinion.level}, avis HAS du {opinion.date}) : "
                        "se fier aux données structurées.",
                    )
                )
    return found


def facts_summary(context: AnswerContext) -> str:
    """The structured facts of the question, written from the data alone, each with its source number:
    interaction levels and conduct from the thesaurus, then SMR/ASMR and availability from the drug cards."""
    numbers = {source.doc_id: source.n for source in context.sources}
    lines = []
    for check in context.interactions:
        n = numbers.get(check.card_id)
        if not check.entries:
            lines.append(
                f"Le thésaurus ANSM ne répertorie aucune interaction entre {' et '.join(check.drugs)} [{n}]."
            )
        for entry in check.entries:
            for level, conduct in zip(entry.levels, entry.conduct, strict=False):
                detail = f" : {conduct}" if conduct else "."
                lines.append(f"{entry.sides[0]} + {entry.sides[1]} — {level}{detail} [{n}]")
    for card in context.drug_cards:
        n = numbers.get(card.card_id)
        for opinion in card.opinions:
            lines.append(
                f"{card.mention} : {opinion.kind.upper()} {opinion.level} (avis HAS du {opinion.date}) [{n}]."
            )
        if card.shortages:
            lines.append(f"{card.mention} : signalement(s) de disponibilité ANSM, voir la fiche [{n}].")
    return "\n".join(dict.fromkeys(lines))


@component
class PassageSearch:
    """The #2 hybrid retrieval as a pipeline component.

    :param searcher: a loaded :class:`Searcher`.
    """

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher

    @component.output_types(
        documents=list[Document], mentions=list[DrugMention], notices=list[str], seconds=float
    )
    def run(self, question: str, mode: str = "hybrid", top_k: int = 10, filters: dict | None = None) -> dict:
        """Search; an unsearchable question gives no passages and a notice instead of an error."""
        try:
            result = self.searcher.search(question, mode=mode, top_k=top_k, filters=filters)
        except QueryError as error:
            return {"documents": [], "mentions": [], "notices": [str(error)], "seconds": 0.0}
        return {
            "documents": result.documents,
            "mentions": result.drug_mentions,
            "notices": result.notices,
            "seconds": result.seconds,
        }


@component
class ContextBuilder:
    """Drug facts, guards, the evidence decision and the fitted prompt.

    :param facts: drug cards and interaction checks.
    :param analyzer: the search analysis (evidence and citation checks).
    :param count_tokens: the generator's tokenizer.
    :param source_tokens: most tokens of sources sent to the model.
    :param passages: retrieved passages numbered as sources.
    :param evidence_threshold: see ``EVIDENCE_THRESHOLD``.
    :param frequencies: the store's term document frequencies (weighs rare terms in the evidence score).
    """

    def __init__(
        self,
        facts: DrugFacts,
        analyzer: Callable[[str], list[str]],
        count_tokens: Callable[[str], int],
        source_tokens: int = DEFAULT_SOURCE_TOKENS,
        passages: int = DEFAULT_PASSAGES,
        evidence_threshold: float = EVIDENCE_THRESHOLD,
        frequencies: Callable[[list[str]], tuple[dict[str, int], int]] | None = None,
    ) -> None:
        self.facts = facts
        self.frequencies = frequencies
        self.analyzer = analyzer
        self.count_tokens = count_tokens
        self.source_tokens = source_tokens
        self.passages = passages
        self.evidence_threshold = evidence_threshold

    @component.output_types(context=AnswerContext)
    def run(
        self,
        question: str,
        standalone: str,
        condensed: bool,
        documents: list[Document],
        mentions: list[DrugMention],
        notices: list[str],
        seconds: float,
        flags: list[dict[str, str]] | None = None,
    ) -> dict:
        """Decide whether to ask the model, and with which numbered sources."""
        flags = list(flags or [])
        notices = list(notices)
        cards = self.facts.drug_cards(mentions)
        checks = self.facts.interaction_checks(mentions)
        covered = {doc_id for card in cards for doc_id in card.doc_ids}
        covered |= {entry.doc_id for check in checks for entry in check.entries}

        sources: list[Source] = []
        for check in checks:
            sources.append(
                Source(
                    len(sources) + 1,
                    "interaction_check",
                    check.card_id,
                    "interaction_check",
                    "ANSM",
                    check.title,
                    "2020-10",
                    "https://ansm.sante.fr/documents/reference/thesaurus-des-interactions-medicamenteuses-1",
                    check.to_text(),
                )
            )
        for card in cards:
            url = card.specialties[0].url if card.specialties else ""
            version = card.specialties[0].version if card.specialties else ""
            sources.append(
                Source(
                    len(sources) + 1,
                    "drug_card",
                    card.card_id,
                    "drug_card",
                    "ANSM / HAS",
                    card.title,
                    version,
                    url,
                    card.to_text(),
                )
            )
        passages = [doc for doc in documents if doc.meta.get("doc_id", doc.id) not in covered]
        for doc in passages[: self.passages]:
            screened = guards.strip_injections(doc.content or "")
            source = _passage_source(len(sources) + 1, doc)
            if screened.removed:
                source.content = screened.text
                flags.append(
                    flag(
                        "injection_source",
                        f"La source [{source.n}] contenait une instruction adressée au modèle ; elle a été "
                        "retirée du texte transmis.",
                    )
                )
            sources.append(source)

        evidence = guards.coverage(
            standalone,
            [d.content or "" for d in documents[:EVIDENCE_PASSAGES]],
            self.analyzer,
            self.frequencies,
        )
        coverage = evidence
        if cards or any(check.entries for check in checks):
            evidence = max(evidence, 1.0)
        language = guards.detect_language(question)
        unknown = []
        if self.frequencies is not None and language == "fr":
            unknown = guards.unknown_words(question, self.analyzer, self.frequencies, mentions)
        decision = "generate"
        if not mentions and not guards.has_medical_words(standalone) and coverage < REFUSE_COVERAGE:
            decision = "refuse"
        elif unknown:
            decision = "abstain"
            words = ", ".join(f"« {word} »" for word in unknown)
            flags.append(
                flag(
                    "unknown_term",
                    f"Terme(s) absent(s) de toutes les sources indexées : {words}. Vérifiez l'orthographe ; "
                    "un médicament inconnu de la BDPM n'a ni fiche ni interaction.",
                )
            )
        elif evidence < self.evidence_threshold:
            decision = "abstain"

        messages: list[ChatMessage] = []
        if decision == "generate":
            numbered = [NumberedSource(s.n, s.header, s.content) for s in sources]
            fitted = fit_sources(numbered, self.source_tokens, self.count_tokens)
            sent = {s.number: s for s in fitted.sources}
            for source in sources:
                source.sent_to_model = source.n in sent
            if fitted.notes:
                flags.append(flag("context_trimmed", " ".join(fitted.notes)))
            extra = []
            if language != "fr":
                name = guards.LANGUAGE_NAMES.get(language, "une autre langue")
                extra.append(f"La question est rédigée en {name} : réponds en français.")
            messages = build_messages(standalone, fitted.sources, extra)
        context = AnswerContext(
            question=question,
            standalone=standalone,
            condensed=condensed,
            sources=sources,
            drug_cards=cards,
            interactions=checks,
            mentions=mentions,
            messages=messages,
            evidence=round(evidence, 3),
            coverage=round(coverage, 3),
            decision=decision,
            flags=flags,
            notices=notices,
            retrieval_seconds=seconds,
            retrieved=[doc.meta.get("doc_id", doc.id) for doc in documents],
        )
        return {"context": context}


@component
class AnswerAssembler:
    """Checks the model's reply (citations, abstention, interruption) and builds the result.

    :param analyzer: the search analysis, to reconstruct missing citations.
    :param model: the model label recorded with each answer.
    """

    def __init__(self, analyzer: Callable[[str], list[str]], model: str) -> None:
        self.analyzer = analyzer
        self.model = model

    @component.output_types(result=AnswerResult)
    def run(
        self,
        context: AnswerContext,
        replies: list[ChatMessage] | None = None,
        error: GeneratorError | None = None,
        timings: dict[str, float | None] | None = None,
    ) -> dict:
        """Build the :class:`AnswerResult` of one turn."""
        flags = list(context.flags)
        sources = context.sources
        abstained = context.decision == "abstain"
        refused = context.decision == "refuse"
        complete = True
        error_message = ""
        answer = ""
        consulted: list[int] = []

        if refused:
            answer = REFUSAL
            flags.append(flag("refused", "Question hors du champ médical : aucune source n'a été consultée."))
        elif abstained:
            answer = ABSTENTION
            flags.append(
                flag(
                    "abstained",
                    f"Les passages retrouvés couvrent trop peu la question (score {context.evidence:.2f}) : "
                    "les plus proches sont montrés ci-dessous.",
                )
            )
        elif error is not None and not replies:
            error_message = str(error)
            complete = False
            flags.append(flag("generator_error", error_message))
        else:
            reply = replies[0] if replies else ChatMessage.from_assistant("")
            finish = reply.meta.get("finish_reason")
            if finish in ("interrupted", "length") or reply.meta.get("error"):
                complete = False
                flags.append(
                    flag(
                        "interrupted",
                        "Réponse incomplète : le modèle s'est arrêté avant la fin"
                        + (" (limite de longueur atteinte)." if finish == "length" else "."),
                    )
                )
            sent = [s for s in sources if s.sent_to_model]
            resolved = resolve(
                reply.text or "",
                source_count=len(sources),
                source_texts=[s.content if s.sent_to_model else "" for s in sources],
                analyzer=self.analyzer,
            )
            answer = resolved.text
            facts = facts_summary(context)
            fact_numbers = {int(n) for n in re.findall(r"\[(\d+)\]", facts)}
            if facts and (_MODEL_ABSTAINS.search(fold(answer)) or not answer.strip()):
                # Structured facts answer the question even when a small model does not write it up.
                answer = facts
                flags.append(
                    flag(
                        "facts_only",
                        "Le modèle n'a pas rédigé de réponse exploitable : la réponse reprend mot pour mot "
                        "les données structurées des sources citées.",
                    )
                )
                for source in sources:
                    source.cited = source.n in fact_numbers
                consulted = [s.n for s in sent if not s.cited]
            elif _MODEL_ABSTAINS.search(fold(answer)):
                abstained = True
                answer = ABSTENTION
                flags.append(
                    flag("abstained", "Le modèle indique que ses sources ne répondent pas à la question.")
                )
            else:
                if resolved.invalid:
                    numbers = ", ".join(f"[{n}]" for n in sorted(set(resolved.invalid)))
                    flags.append(
                        flag(
                            "invalid_citation",
                            f"Citation(s) {numbers} sans source correspondante : retirée(s).",
                        )
                    )
                if resolved.reconstructed:
                    flags.append(
                        flag(
                            "reconstructed",
                            "Le modèle n'a cité aucune source : chaque phrase a été rattachée au passage "
                            "qui la soutient le mieux (citations reconstruites, à vérifier).",
                        )
                    )
                for sentence in resolved.uncited:
                    flags.append(flag("uncited_sentence", f"Phrase sans citation : « {sentence[:160]} »"))
                reconstructed = {n for s in resolved.sentences if s.reconstructed for n in s.cited}
                for source in sources:
                    source.cited = source.n in resolved.cited
                    source.reconstructed = source.n in reconstructed
                flags += _mismatches(answer, context)
                if facts:
                    # The data's own words come with every answer that has drug facts: a small model may
                    # misstate a level; the clinician reads the recorded one beside it.
                    answer = f"{answer}\n\n{FACTS_HEADING}\n{facts}"
                    for source in sources:
                        source.cited = source.cited or source.n in fact_numbers
                consulted = [s.n for s in sent if not s.cited]
            if not answer.strip() and not abstained and not facts:
                complete = False
                flags.append(flag("empty_answer", "Le modèle n'a produit aucun texte."))

        citations = [
            {
                "n": s.n,
                "doc_id": s.doc_id,
                "source": s.source,
                "publisher": s.publisher,
                "title": s.title,
                "date": s.date,
                "url": s.url,
                "reconstructed": s.reconstructed,
            }
            for s in sources
            if s.cited
        ]
        result = AnswerResult(
            question=context.question,
            standalone_question=context.standalone,
            answer=answer,
            citations=citations,
            sources=[asdict(s) for s in sources],
            consulted=consulted,
            drug_cards=[card.to_dict() for card in context.drug_cards],
            interactions=[check.to_dict() for check in context.interactions],
            abstained=abstained,
            refused=refused,
            flags=flags,
            notices=context.notices,
            timings=dict(timings or {}),
            model=self.model,
            evidence=context.evidence,
            complete=complete,
            error=error_message,
        )
        return {"result": result}


class AnswerPipeline:
    """Answers questions, one session at a time (pass a :class:`Conversation` for follow-ups).

    :param searcher: the #2 retrieval.
    :param generator: a chat generator (``pipelines.generators``); None to only ``prepare`` contexts.
    :param facts: drug facts (built from the searcher's store when omitted).
    :param passages: retrieved passages numbered as sources.
    :param source_tokens: most tokens of sources sent to the model.
    :param answer_tokens: most tokens the model may write.
    """

    def __init__(
        self,
        searcher: Searcher,
        generator: Any | None,
        facts: DrugFacts | None = None,
        passages: int = DEFAULT_PASSAGES,
        source_tokens: int | None = None,
        answer_tokens: int = ANSWER_TOKENS,
        evidence_threshold: float = EVIDENCE_THRESHOLD,
    ) -> None:
        self.searcher = searcher
        self.generator = generator
        self.facts = facts or DrugFacts.from_searcher(searcher)
        self.answer_tokens = answer_tokens
        # Without a generator (calibration, the interaction benchmark) only ``prepare`` is used; tokens are
        # then estimated at four characters each.
        window = generator.info.context_window if generator is not None else 4096
        count_tokens = generator.count_tokens if generator is not None else (lambda text: len(text) // 4 + 1)
        budget = window - answer_tokens - 600  # system prompt, question and headers
        self.source_tokens = max(200, min(source_tokens or DEFAULT_SOURCE_TOKENS, budget))
        analyzer = searcher.store.analyzer
        self.context_pipeline = Pipeline()
        self.context_pipeline.add_component("condenser", QuestionCondenser(searcher.lexicon.find))
        self.context_pipeline.add_component("search", PassageSearch(searcher))
        self.context_pipeline.add_component(
            "context",
            ContextBuilder(
                self.facts,
                analyzer,
                count_tokens,
                self.source_tokens,
                passages,
                evidence_threshold,
                getattr(searcher.store, "document_frequencies", None),
            ),
        )
        self.context_pipeline.connect("condenser.question", "search.question")
        self.context_pipeline.connect("condenser.question", "context.standalone")
        self.context_pipeline.connect("condenser.condensed", "context.condensed")
        self.context_pipeline.connect("search.documents", "context.documents")
        self.context_pipeline.connect("search.mentions", "context.mentions")
        self.context_pipeline.connect("search.notices", "context.notices")
        self.context_pipeline.connect("search.seconds", "context.seconds")
        self.assembler = AnswerAssembler(analyzer, generator.info.label() if generator is not None else "")

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        generator: Any = None,
        searcher: Searcher | None = None,
        **options: Any,
    ) -> "AnswerPipeline":
        """Load the index and the generator named by the settings (``ESCULAPE_LLM``)."""
        from pipelines.generators.factory import load_generator

        settings = settings or Settings.from_env()
        searcher = searcher or Searcher.from_settings(settings)
        if generator is None:
            generator = load_generator(settings=settings)
            # A server's real context window is known only once it has been asked.
            generator.warm_up()
        return cls(searcher, generator, **options)

    def prepare(
        self,
        question: str,
        conversation: Conversation | None = None,
        mode: str = "hybrid",
        filters: dict | None = None,
    ) -> AnswerContext:
        """Everything before the model: screened question, retrieval, facts, decision, prompt."""
        question = (question or "").strip()
        flags: list[dict[str, str]] = []
        if not question:
            raise QueryError("La question est vide : saisissez une question clinique.")
        if len(question) > MAX_QUESTION_CHARS:
            flags.append(
                flag(
                    "question_truncated",
                    f"La question compte {len(question)} caractères : seuls les {MAX_QUESTION_CHARS} "
                    "premiers ont été pris en compte.",
                )
            )
            question = question[:MAX_QUESTION_CHARS]
        screened = guards.strip_injections(question)
        if screened.removed:
            flags.append(
                flag(
                    "injection_question",
                    "La question contenait une instruction adressée au modèle ; elle n'a pas été suivie.",
                )
            )
            question = screened.text
            if not question:
                raise QueryError(
                    "La question ne contient qu'une instruction adressée au modèle : "
                    "posez une question clinique."
                )
        language = guards.detect_language(question)
        if language != "fr":
            name = guards.LANGUAGE_NAMES.get(language, "une autre langue")
            flags.append(
                flag(
                    "foreign_language",
                    f"La question semble rédigée en {name} ; la réponse est donnée en français.",
                )
            )
        output = self.context_pipeline.run(
            {
                "condenser": {"question": question, "history": conversation},
                "search": {"mode": mode, "top_k": 10, "filters": filters},
                "context": {"question": question, "flags": flags},
            }
        )
        return output["context"]["context"]

    def ask(
        self,
        question: str,
        conversation: Conversation | None = None,
        on_token: Callable[[str], None] | None = None,
        mode: str = "hybrid",
        filters: dict | None = None,
    ) -> AnswerResult:
        """Answer one question; tokens are passed to ``on_token`` as they come.

        :raises QueryError: for an empty question (French message).
        """
        started = time.perf_counter()
        try:
            context = self.prepare(question, conversation, mode, filters)
        except PipelineRuntimeError as error:
            cause = error.__cause__
            if isinstance(cause, QueryError):
                raise cause from None
            raise
        first_token: list[float] = []

        def stream(chunk: StreamingChunk) -> None:
            if chunk.content:
                if not first_token:
                    first_token.append(time.perf_counter() - started)
                if on_token is not None:
                    on_token(chunk.content)

        replies, error = None, None
        if context.decision == "generate":
            try:
                replies = self.generator.run(
                    messages=context.messages,
                    streaming_callback=stream,
                    generation_kwargs={"max_tokens": self.answer_tokens, "temperature": 0.0},
                )["replies"]
            except GeneratorError as failure:
                error = failure
                logger.warning("Generation failed (%s): %s", failure.kind.value, failure.detail or failure)
        elif on_token is not None:
            on_token(REFUSAL if context.decision == "refuse" else ABSTENTION)
        timings = {
            "retrieval": round(context.retrieval_seconds, 3),
            "first_token": round(first_token[0], 3) if first_token else None,
            "total": round(time.perf_counter() - started, 3),
        }
        result = self.assembler.run(context=context, replies=replies, error=error, timings=timings)["result"]
        if conversation is not None and not error:
            conversation.add(
                Turn(
                    question=question,
                    standalone=context.standalone,
                    drugs=list(
                        dict.fromkeys(mention.text for mention in context.mentions if mention.substances)
                    ),
                    answer=result.answer,
                )
            )
        return result


__all__ = ["AnswerPipeline", "AnswerResult", "ErrorKind", "Conversation"]
