"""Structured drug facts for answers: a card per drug named and every thesaurus interaction between them.

Everything on a card is copied from the metadata the loaders stored with the passages (BDPM records, HAS
opinions, ANSM thesaurus entries); nothing comes from the model. The cards are numbered sources of the
answer like any passage, so the model cites them and the clinician sees them verbatim.

Usage example:

```python
facts = DrugFacts.from_searcher(searcher)  # or DrugFacts.from_store(store)
mentions = lexicon.find("Peut-on associer Eliquis et clarithromycine ?")
cards = facts.drug_cards(mentions)
checks = facts.interaction_checks(mentions)
checks[0].entries[0].levels  # ['Association DECONSEILLEE']
```
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from haystack import Document

from corpora.text import fold
from pipelines.retrieval.drug_lexicon import DrugMention
from pipelines.retrieval.drug_retriever import name_tokens, names_match

FACT_SOURCES = ["bdpm", "has_opinion", "interaction"]
THESAURUS_LABEL = "thésaurus ANSM des interactions médicamenteuses (octobre 2020)"
# Specialties shown per drug card; a substance has dozens of generics, the card shows the reference first.
SPECIALTIES_PER_CARD = 3
_URL = re.compile(r"https?://\S+")
_SALT = re.compile(r"\b(\w{4,})ate d(?:e |')")
SHORTAGES_PER_CARD = 5


@dataclass
class Specialty:
    """One BDPM record as shown on a card."""

    cis: str
    name: str
    url: str
    commercialised: bool
    composition: list[str]
    generic_group: str
    generic_role: str
    reimbursement: list[str]
    prescription: list[str]
    availability: list[str]
    version: str


@dataclass
class Opinion:
    """The latest HAS opinion of one kind (SMR or ASMR) for the specialties of a card."""

    kind: str
    level: str
    wording: str
    date: str
    url: str
    doc_id: str
    specialty: str


@dataclass
class DrugCard:
    """What the data says about one drug named in the question."""

    mention: str
    substances: list[str]
    atc: list[str]
    specialties: list[Specialty]
    opinions: list[Opinion]
    shortages: list[str]
    specialty_count: int
    doc_ids: list[str] = field(default_factory=list)

    @property
    def card_id(self) -> str:
        """Stable id of the card as a source."""
        return f"card:drug:{fold(self.mention)}"

    @property
    def title(self) -> str:
        """« Fiche médicament : ELIQUIS (apixaban) »."""
        return f"Fiche médicament : {self.mention.upper()} ({', '.join(self.substances)})"

    def to_text(self) -> str:
        """The French text given to the model and shown to the clinician."""
        lines = [f"{self.title} — données BDPM (ANSM) et avis HAS"]
        if self.atc:
            lines.append(f"Code ATC : {', '.join(self.atc)}")
        if self.specialty_count > len(self.specialties):
            lines.append(
                f"{self.specialty_count} spécialités contiennent cette substance ; "
                f"{len(self.specialties)} sont détaillées."
            )
        for opinion in self.opinions:
            wording = re.sub(r"\s*<br\s*/?>\s*", " ", opinion.wording).strip()
            lines.append(
                f"{opinion.kind.upper()} {opinion.level} (avis HAS du {opinion.date}, {opinion.specialty}) : "
                f"{wording}"
            )
        if not self.opinions:
            lines.append("Aucun avis SMR/ASMR de la HAS n'est rattaché à ces spécialités dans les données.")
        if self.shortages:
            lines.append("Disponibilité (ANSM) :")
            lines.extend(f"- {_URL.sub('', line).rstrip(' —')}" for line in self.shortages)
        else:
            lines.append("Disponibilité (ANSM) : aucune rupture ni tension signalée pour ces spécialités.")
        for spec in self.specialties:
            status = "commercialisée" if spec.commercialised else "non commercialisée"
            lines.append(f"Spécialité : {spec.name} (CIS {spec.cis}, {status})")
            if spec.composition:
                lines.append(f"- Composition : {' ; '.join(spec.composition[:4])}")
            if spec.generic_group:
                role = f" ({spec.generic_role})" if spec.generic_role else ""
                lines.append(f"- Groupe générique : {spec.generic_group}{role}")
            if spec.reimbursement:
                lines.append(f"- Remboursement : {', '.join(spec.reimbursement)}")
            if spec.prescription:
                lines.append(f"- Prescription et délivrance : {' ; '.join(spec.prescription)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``esculape ask --json``, the app)."""
        return {"card_id": self.card_id, "title": self.title, **asdict(self)}


@dataclass
class InteractionEntry:
    """One thesaurus entry as written by the ANSM."""

    doc_id: str
    sides: list[str]
    levels: list[str]
    conduct: list[str]
    mechanism: str
    class_level: bool


@dataclass
class InteractionCheck:
    """The thesaurus entries between two drugs of the question (empty when the thesaurus lists none)."""

    drugs: list[str]
    substances: list[list[str]]
    entries: list[InteractionEntry]

    @property
    def card_id(self) -> str:
        """Stable id of the check as a source."""
        return "card:interaction:" + "--".join(fold(drug) for drug in self.drugs)

    @property
    def title(self) -> str:
        """« Interactions (thésaurus ANSM) : eliquis + clarithromycine »."""
        return f"Interactions (thésaurus ANSM) : {' + '.join(self.drugs)}"

    def to_text(self) -> str:
        """The French text given to the model and shown to the clinician."""
        who = " et ".join(
            f"{drug} ({', '.join(subs)})" if subs != [drug] else drug
            for drug, subs in zip(self.drugs, self.substances, strict=True)
        )
        if not self.entries:
            return (
                f"Vérification des interactions entre {who} : aucune interaction n'est répertoriée entre "
                f"ces substances (ni entre leurs classes) dans le {THESAURUS_LABEL}."
            )
        lines = [f"Interactions entre {who} selon le {THESAURUS_LABEL} :"]
        for entry in self.entries:
            scope = " (au niveau de la classe)" if entry.class_level else ""
            lines.append(f"Entrée {entry.sides[0]} + {entry.sides[1]}{scope}")
            for level, conduct in zip(entry.levels, entry.conduct, strict=False):
                lines.append(f"- Niveau : {level}" + (f" — {conduct}" if conduct else ""))
            if entry.mechanism:
                lines.append(f"- Mécanisme et risque : {entry.mechanism}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON form; ``level`` lists the levels of every entry, as written in the thesaurus."""
        return {
            "card_id": self.card_id,
            "substances": self.drugs,
            "substances_detail": self.substances,
            "level": [level for entry in self.entries for level in entry.levels],
            "conduct": [conduct for entry in self.entries for conduct in entry.conduct],
            "entries": [asdict(entry) for entry in self.entries],
            "source": THESAURUS_LABEL,
        }


def _distinct(mentions: Iterable[DrugMention]) -> list[DrugMention]:
    """One mention per drug (a follow-up repeats the drugs of the previous question)."""
    seen: set[tuple] = set()
    distinct = []
    for mention in mentions:
        key = (tuple(sorted(fold(s) for s in mention.substances)), mention.cis[:1])
        if key not in seen:
            seen.add(key)
            distinct.append(mention)
    return distinct


@dataclass
class _Entry:
    doc: Document
    side_tokens: list[list[frozenset[str]]]  # per side: the side's own name, then its members


class DrugFacts:
    """Drug cards and interaction checks from the stored BDPM, HAS and thesaurus passages.

    :param documents: the ``bdpm``, ``has_opinion`` and ``interaction`` passages of the store.
    """

    def __init__(self, documents: Iterable[Document]) -> None:
        self.records: dict[str, Document] = {}
        self.opinions: dict[str, list[Document]] = defaultdict(list)
        self.by_substance: dict[str, list[str]] = defaultdict(list)
        self.entries: list[_Entry] = []
        self.class_members: dict[str, set[str]] = defaultdict(set)
        for doc in documents:
            source = doc.meta.get("source")
            if source == "bdpm":
                for cis in doc.meta.get("cis", []):
                    self.records[cis] = doc
                    key = tuple(sorted(fold(s) for s in doc.meta.get("substances", [])))
                    self.by_substance[" + ".join(key)].append(cis)
            elif source == "has_opinion":
                for cis in doc.meta.get("cis", []):
                    self.opinions[cis].append(doc)
            elif source == "interaction":
                sides = doc.meta.get("interaction_sides", [])
                members = [doc.meta.get("main_members", []), doc.meta.get("plus_members", [])]
                for side, group in zip(sides, members, strict=False):
                    self.class_members[fold(side)].update(fold(member) for member in group)
                if len(sides) == 2:
                    self.entries.append(
                        _Entry(
                            doc,
                            [
                                [name_tokens(side)] + [name_tokens(m) for m in group]
                                for side, group in zip(sides, members, strict=True)
                            ],
                        )
                    )

    @classmethod
    def from_store(cls, store: Any) -> "DrugFacts":
        """Read the fact-bearing passages of any Haystack document store."""
        return cls(store.filter_documents({"field": "meta.source", "operator": "in", "value": FACT_SOURCES}))

    @classmethod
    def from_searcher(cls, searcher: Any) -> "DrugFacts":
        """Reuse the passages a :class:`~pipelines.retrieval.searcher.Searcher` already holds.

        The searcher keeps the BDPM and thesaurus passages in memory (on the embedded store, the whole
        storage); only the HAS opinions it lacks are read from the store, so a search-engine cluster is
        scrolled once more for one source instead of three.
        """
        held = [doc for doc in searcher.drug_documents.values() if doc.meta.get("source") in FACT_SOURCES]
        if not any(doc.meta.get("source") == "has_opinion" for doc in held):
            held += searcher.store.filter_documents(
                {"field": "meta.source", "operator": "==", "value": "has_opinion"}
            )
        return cls(held)

    # --- drug cards -------------------------------------------------------------------------------------

    def _ordered(self, cis_codes: Iterable[str]) -> list[str]:
        """Marketed first, then the princeps of a generic group, then by CIS."""
        known = [cis for cis in dict.fromkeys(cis_codes) if cis in self.records]

        def key(cis: str) -> tuple:
            meta = self.records[cis].meta
            return (not meta.get("commercialised", False), meta.get("generic_role") != "princeps", cis)

        return sorted(known, key=key)

    def specialties_of(self, mention: DrugMention) -> list[str]:
        """CIS codes a mention stands for: its own (a brand), else every specialty of its substances
        alone (« apixaban » → the apixaban-only specialties, not combinations)."""
        if mention.cis:
            return self._ordered(mention.cis)
        key = " + ".join(sorted(fold(s) for s in mention.substances))
        return self._ordered(self.by_substance.get(key, []))

    def drug_card(self, mention: DrugMention) -> DrugCard | None:
        """The card of one mention, or None for a thesaurus class or a name without BDPM record."""
        all_cis = self.specialties_of(mention)
        if not all_cis:
            return None
        shown = all_cis[:SPECIALTIES_PER_CARD]
        specialties = [self._specialty(self.records[cis]) for cis in shown]
        atc = sorted({code for cis in shown for code in self.records[cis].meta.get("atc", [])})

        latest: dict[str, Opinion] = {}
        for cis in shown:
            for doc in self.opinions.get(cis, []):
                kind = "smr" if doc.meta.get("smr_level") else "asmr"
                opinion = Opinion(
                    kind=kind,
                    level=doc.meta.get(f"{kind}_level", ""),
                    wording=doc.meta.get("opinion_wording", ""),
                    date=doc.meta.get("date", ""),
                    url=doc.meta.get("url", ""),
                    doc_id=doc.id,
                    specialty=self.records[cis].meta.get("title", cis),
                )
                if kind not in latest or opinion.date > latest[kind].date:
                    latest[kind] = opinion

        shortages = []
        for cis in all_cis:
            for line in self.records[cis].meta.get("availability", []):
                shortages.append(f"{self.records[cis].meta.get('title', cis)} : {line}")
        hidden = len(shortages) - SHORTAGES_PER_CARD
        shortages = shortages[:SHORTAGES_PER_CARD] + (
            [f"… et {hidden} autres signalements"] if hidden > 0 else []
        )
        opinions = [latest[kind] for kind in ("smr", "asmr") if kind in latest]
        substances = sorted({s for cis in shown for s in self.records[cis].meta.get("substances", [])})
        return DrugCard(
            mention=mention.text,
            substances=substances or list(mention.substances),
            atc=atc,
            specialties=specialties,
            opinions=opinions,
            shortages=shortages,
            specialty_count=len(all_cis),
            doc_ids=[f"bdpm:{cis}" for cis in shown] + [o.doc_id for o in opinions],
        )

    @staticmethod
    def _specialty(doc: Document) -> Specialty:
        meta = doc.meta
        return Specialty(
            cis=meta["cis"][0],
            name=meta.get("title", ""),
            url=meta.get("url", ""),
            commercialised=bool(meta.get("commercialised", False)),
            composition=list(meta.get("composition", [])),
            generic_group=meta.get("generic_group", ""),
            generic_role=meta.get("generic_role", ""),
            reimbursement=list(meta.get("reimbursement", [])),
            prescription=list(meta.get("prescription", [])),
            availability=list(meta.get("availability", [])),
            version=meta.get("version", ""),
        )

    def drug_cards(self, mentions: Iterable[DrugMention]) -> list[DrugCard]:
        """One card per mention that has BDPM records (classes and unknown names have none)."""
        cards = [self.drug_card(mention) for mention in _distinct(mentions)]
        return [card for card in cards if card is not None]

    # --- interactions -----------------------------------------------------------------------------------

    def interactions_between(
        self, substances_a: Iterable[str], substances_b: Iterable[str]
    ) -> list[InteractionEntry]:
        """Every thesaurus entry with one drug on one side and the other drug on the other side, at
        substance level (the side names the substance) or class level (the substance is a member)."""
        a = [name_tokens(s) for s in self._with_superclasses(substances_a)]
        b = [name_tokens(s) for s in self._with_superclasses(substances_b)]
        found = []
        for entry in self.entries:
            first, second = entry.side_tokens
            if (names_match(first, a) and names_match(second, b)) or (
                names_match(first, b) and names_match(second, a)
            ):
                direct = names_match(first[:1], a + b) and names_match(second[:1], a + b)
                meta = entry.doc.meta
                found.append(
                    InteractionEntry(
                        doc_id=entry.doc.id,
                        sides=list(meta["interaction_sides"]),
                        levels=list(meta.get("interaction_level", [])),
                        conduct=list(meta.get("interaction_conduct", [])),
                        mechanism=meta.get("interaction_mechanism", ""),
                        class_level=not direct,
                    )
                )
        return found

    def _with_superclasses(self, names: Iterable[str]) -> list[str]:
        """The names under which the thesaurus may list a drug of the question.

        A salt is also its acid (« acétylsalicylate de lysine » → « acide acétylsalicylique », « valproate de
        sodium » → « acide valproïque »), and a class named in the question also stands for the classes
        that contain all its members: the thesaurus lists AINS + « anticoagulants oraux », which covers a
        question on AINS + AVK.
        """
        names = list(names)
        names += [f"acide {match}ique" for name in names for match in _SALT.findall(fold(name))]
        expanded = list(names)
        for name in names:
            members = self.class_members.get(fold(name))
            if not members:
                continue
            expanded += [
                side
                for side, side_members in self.class_members.items()
                if side != fold(name) and members <= side_members and side not in expanded
            ]
        return expanded

    def interaction_checks(self, mentions: list[DrugMention]) -> list[InteractionCheck]:
        """A check for every pair of drugs named (different substances), with or without entries.

        The words the clinician used count as names too: the BDPM records some bortezomib specialties under
        « ester boronique de mannitol », the thesaurus under BORTEZOMIB."""
        drugs = [m for m in _distinct(mentions) if m.substances]
        checks = []
        for i, first in enumerate(drugs):
            for second in drugs[i + 1 :]:
                if {fold(s) for s in first.substances} == {fold(s) for s in second.substances}:
                    continue
                checks.append(
                    InteractionCheck(
                        drugs=[first.text, second.text],
                        substances=[list(first.substances), list(second.substances)],
                        entries=self.interactions_between(
                            [*first.substances, first.text], [*second.substances, second.text]
                        ),
                    )
                )
        return checks
