"""Read the raw source files the gold sets are built from, independently of the loaders in ``corpora``.

The evaluation must not trust the code it evaluates, so this module re-reads the BDPM tables, the HAS opinions
and the ANSM thesaurus itself and builds doc ids only with the functions of :mod:`corpora.schema`.

Snapshots used, as the loaders do: the BDPM of January 2026 for the specialty facts (names, composition,
generic groups, presentations, prescription conditions, shortages), the BDPM of June 2022 for the HAS
opinions (the 2026 snapshot has no HAS files) and for the specialties withdrawn since, which keep a passage
of their own.

HAS opinion ids hash the level and the wording. The loader in ``corpora.has_opinions`` hashes the wording
after collapsing whitespace and removing the double quotes some wordings are wrapped in (1,144 of 12,352
opinions change), so :func:`opinion_wording` applies the same two rules; without them those gold ids would
name no passage of the store.
"""

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from corpora.schema import bdpm_doc_id, has_opinion_doc_id, interaction_doc_id, slug

logger = logging.getLogger(__name__)

BDPM_2026 = "bdpm_2026-01"
BDPM_2022 = "bdpm_2022-06"
THESAURUS = "ansm_thesaurus_interactions_2020-10"
THESAURUS_FILE = "thesaurus-referentiel-national-des-interactions-medicamenteuses-20102020.json"
SUBSTANCE_INDEX_FILE = "index-des-substances-20102020.json"
NOTICES = "bdpm_notices_e3c_fr"


def opinion_wording(text: str) -> str:
    """The wording as the opinion id hashes it: whitespace collapsed, wrapping double quotes removed."""
    text = " ".join(text.split())
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        text = text[1:-1].strip()
    return text


def read_tsv(path: Path, encoding: str, columns: int) -> list[list[str]]:
    """Rows of a BDPM table: tab-separated, no header, lines stripped of their trailing CR/LF only.

    Lines with fewer than ``columns`` fields (a wrapped condition text in ``CIS_CPD``) are skipped.

    Raises:
        FileNotFoundError: naming the missing file.
    """
    if not path.is_file():
        raise FileNotFoundError(f"BDPM file '{path}' not found: pass the folder holding {path.parent.name}/")
    rows = []
    for line in path.read_bytes().decode(encoding).split("\n"):
        fields = line.rstrip("\r").split("\t")
        if len(fields) >= columns:
            rows.append(fields)
    return rows


@dataclass
class Specialty:
    """One BDPM specialty (CIS) of the 2026 snapshot, with the facts the questions ask about."""

    cis: str
    name: str
    form: str
    routes: str
    marketed: bool
    substances: list[str] = field(default_factory=list)
    generic_groups: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    presentations: list[dict] = field(default_factory=list)
    shortage: str = ""

    @property
    def doc_id(self) -> str:
        """The specialty passage id, ``bdpm:<CIS>``."""
        return bdpm_doc_id(self.cis)


@dataclass
class HasOpinion:
    """One distinct HAS opinion (kind, dossier, level, wording) and the CIS it covers."""

    kind: str
    dossier: str
    level: str
    wording: str
    date: str
    cis: list[str] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        """The opinion passage id built by :func:`corpora.schema.has_opinion_doc_id`."""
        return has_opinion_doc_id(self.kind, self.dossier, self.level, self.wording)


@dataclass
class RawData:
    """Everything the gold sets need, keyed for lookups."""

    specialties: dict[str, Specialty]
    names_2022: dict[str, str]
    opinions: dict[str, HasOpinion]
    opinions_by_cis: dict[str, dict[str, list[str]]]
    generic_groups: dict[str, list[tuple[str, str]]]
    interactions: list[dict]
    substance_classes: dict[str, list[str]]

    @property
    def interaction_ids(self) -> set[str]:
        """Ids of every thesaurus entry."""
        return {interaction_doc_id(entry["main_drug"], entry["plus_drug"]) for entry in self.interactions}

    def has_bdpm_passage(self, cis: str) -> bool:
        """True when ``cis`` is in either snapshot, hence has a ``bdpm:<CIS>`` passage."""
        return cis in self.specialties or cis in self.names_2022

    def bdpm_ids(self) -> set[str]:
        """Ids of every specialty passage (both snapshots)."""
        return {bdpm_doc_id(cis) for cis in set(self.specialties) | set(self.names_2022)}


def _read_specialties(folder: Path) -> dict[str, Specialty]:
    specialties = {}
    for row in read_tsv(folder / "CIS_bdpm.txt", "utf-8", 12):
        specialties[row[0]] = Specialty(
            cis=row[0],
            name=row[1].strip(),
            form=row[2].strip(),
            routes=row[3].strip(),
            marketed=row[6].strip() == "Commercialisée",
        )

    for row in read_tsv(folder / "CIS_COMPO_bdpm.txt", "utf-8", 8):
        spec = specialties.get(row[0])
        substance = row[3].strip().lower()
        if spec and row[6] == "SA" and substance not in spec.substances:
            spec.substances.append(substance)

    for row in read_tsv(folder / "CIS_GENER_bdpm.txt", "utf-8", 5):
        spec = specialties.get(row[2])
        if spec and row[0] not in spec.generic_groups:
            spec.generic_groups.append(row[0])

    for row in read_tsv(folder / "CIS_CPD_bdpm.txt", "utf-8", 2):
        if row[0] in specialties:
            specialties[row[0]].conditions.append(row[1].strip())

    for row in read_tsv(folder / "CIS_CIP_bdpm.txt", "utf-8", 13):
        if row[0] in specialties:
            specialties[row[0]].presentations.append(
                {"label": row[2], "reimbursement": row[8].strip(), "price": row[10].strip()}
            )

    for row in read_tsv(folder / "CIS_CIP_Dispo_Spec.txt", "utf-8", 8):
        if row[0] in specialties:
            specialties[row[0]].shortage = row[3].strip()
    return specialties


def _read_opinions(folder: Path) -> tuple[dict[str, HasOpinion], dict[str, dict[str, list[str]]]]:
    opinions: dict[str, HasOpinion] = {}
    by_cis: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"smr": [], "asmr": []})
    for kind, file_name in (("smr", "CIS_HAS_SMR_bdpm.txt"), ("asmr", "CIS_HAS_ASMR_bdpm.txt")):
        for cis, dossier, _motive, date, level, wording in read_tsv(folder / file_name, "cp1252", 6):
            opinion = HasOpinion(kind, dossier.strip(), level.strip(), opinion_wording(wording), date)
            opinion = opinions.setdefault(opinion.doc_id, opinion)
            if cis not in opinion.cis:
                opinion.cis.append(cis)
            if opinion.doc_id not in by_cis[cis][kind]:
                by_cis[cis][kind].append(opinion.doc_id)
    return opinions, dict(by_cis)


@cache
def load_raw_data(data_dir: Path) -> RawData:
    """Read every raw file once (cached per folder).

    Args:
        data_dir: the folder holding ``bdpm_2026-01/``, ``bdpm_2022-06/`` and the thesaurus folder.
    """
    data_dir = Path(data_dir)
    specialties = _read_specialties(data_dir / BDPM_2026)
    names_2022 = {
        row[0]: row[1].strip() for row in read_tsv(data_dir / BDPM_2022 / "CIS_bdpm.txt", "cp1252", 12)
    }
    opinions, by_cis = _read_opinions(data_dir / BDPM_2022)

    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in read_tsv(data_dir / BDPM_2026 / "CIS_GENER_bdpm.txt", "utf-8", 5):
        groups[row[0]].append((row[2], row[3]))

    thesaurus_dir = data_dir / THESAURUS
    interactions = json.loads((thesaurus_dir / THESAURUS_FILE).read_text(encoding="utf-8"))
    index = json.loads((thesaurus_dir / SUBSTANCE_INDEX_FILE).read_text(encoding="utf-8"))
    substance_classes = {slug(item["substance"]): [slug(c) for c in item["drug_classes"]] for item in index}

    logger.info(
        "Raw data: %d specialties, %d HAS opinions, %d interactions",
        len(specialties),
        len(opinions),
        len(interactions),
    )
    return RawData(specialties, names_2022, opinions, by_cis, dict(groups), interactions, substance_classes)


def interaction_gold(raw: RawData, left: str, right: str) -> list[str]:
    """Thesaurus entries that answer « can ``left`` be given with ``right`` ? », in both directions.

    Each side matches an entry side when it is that substance or class, or when it is a substance of the
    ANSM index that belongs to that class (``apixaban`` matches « inhibiteurs puissants du CYP3A4 » on the
    other side of clarithromycine). Sides are compared by :func:`corpora.schema.slug`.
    """

    def expand(side: str) -> set[str]:
        key = slug(side)
        return {key, *raw.substance_classes.get(key, [])}

    left_keys, right_keys = expand(left), expand(right)
    gold = []
    for entry in raw.interactions:
        main, plus = slug(entry["main_drug"]), slug(entry["plus_drug"])
        if (main in left_keys and plus in right_keys) or (main in right_keys and plus in left_keys):
            doc_id = interaction_doc_id(entry["main_drug"], entry["plus_drug"])
            if doc_id not in gold:
                gold.append(doc_id)
    return gold
