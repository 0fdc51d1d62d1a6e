"""BDPM specialties: one French passage per CIS, and the :class:`SpecialtyIndex` loaders look drugs up in.

A BDPM snapshot is a folder ``bdpm_<YYYY-MM>`` holding the official download files. Several snapshots can
be given: for a CIS present in more than one, the newest snapshot wins; a CIS found only in an older one is
kept with that snapshot's version (``bdpm-2022-06``).

Usage::

    report = LoadReport()
    snapshots = read_snapshots([Path("data/bdpm_2022-06"), Path("data/bdpm_2026-01")], report)
    index = SpecialtyIndex.from_snapshots(snapshots)
    index.get("60002283").substances          # ['anastrozole']
    passages = list(bdpm_passages(snapshots, report))
"""

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from haystack import Document

from corpora.report import LoadReport
from corpora.schema import Source, bdpm_doc_id, make_passage
from corpora.tabular import Row, TabularError, read_tsv
from corpora.text import first_words, fold, fr_date_to_iso

logger = logging.getLogger(__name__)

PUBLISHER = "ANSM"
LICENCE = "Données publiques BDPM (ANSM/HAS/UNCAM), réutilisation selon les conditions de data.gouv.fr"
EXTRACT_URL = "https://base-donnees-publique.medicaments.gouv.fr/extrait.php?specid={cis}"
NOTICE_URL = "https://base-donnees-publique.medicaments.gouv.fr/affichageDoc.php?specid={cis}&typedoc=N"

# Number of columns of each file in the BDPM format (the 2022 files add a trailing tab, repaired on read).
COLUMNS = {
    "CIS_bdpm.txt": 12,
    "CIS_CIP_bdpm.txt": 13,
    "CIS_COMPO_bdpm.txt": 8,
    "CIS_GENER_bdpm.txt": 5,
    "CIS_CPD_bdpm.txt": 2,
    "CIS_MITM.txt": 4,
    "CIS_CIP_Dispo_Spec.txt": 8,
    "CIS_HAS_SMR_bdpm.txt": 6,
    "CIS_HAS_ASMR_bdpm.txt": 6,
    "HAS_LiensPageCT_bdpm.txt": 2,
}

GENERIC_TYPES = {
    "0": "princeps",
    "1": "générique",
    "2": "générique par complémentarité posologique",
    "4": "générique substituable",
}

# Homeopathic specialties list hundreds of strains and presentations; past these caps a count is given.
MAX_COMPOSITION_LINES = 30
MAX_PRESENTATIONS = 15

_SNAPSHOT_NAME = re.compile(r"^bdpm_(\d{4}-\d{2})$")


def snapshot_version(folder: Path) -> str:
    """``bdpm_2026-01`` -> ``bdpm-2026-01`` (the ``version`` meta of its passages)."""
    match = _SNAPSHOT_NAME.match(folder.name)
    return f"bdpm-{match.group(1)}" if match else folder.name.replace("_", "-")


def is_snapshot_folder(folder: Path) -> bool:
    """True for a ``bdpm_<YYYY-MM>`` folder holding ``CIS_bdpm.txt``."""
    return bool(_SNAPSHOT_NAME.match(folder.name)) and (folder / "CIS_bdpm.txt").is_file()


@dataclass
class BdpmSnapshot:
    """The rows of one BDPM snapshot, grouped by CIS (files absent from the snapshot give empty maps)."""

    folder: Path
    version: str
    specialties: dict[str, tuple[str, ...]]
    compositions: dict[str, list[tuple[str, ...]]]
    presentations: dict[str, list[tuple[str, ...]]]
    generics: dict[str, list[tuple[str, ...]]]
    conditions: dict[str, list[str]]
    atc: dict[str, list[str]]
    availability: dict[str, list[tuple[str, ...]]]


def _rows(folder: Path, name: str, report: LoadReport) -> list[Row]:
    path = folder / name
    if not path.is_file():
        return []
    return read_tsv(path, COLUMNS[name], report, source=Source.BDPM.value)


def _group(rows: list[Row], key_column: int = 0) -> dict[str, list[tuple[str, ...]]]:
    grouped: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for row in rows:
        grouped[row.fields[key_column]].append(row.fields)
    return dict(grouped)


def read_snapshot(folder: Path, report: LoadReport) -> BdpmSnapshot:
    """Read every known file of one snapshot folder.

    Raises:
        TabularError: when ``CIS_bdpm.txt`` is missing or unreadable.
    """
    if not (folder / "CIS_bdpm.txt").is_file():
        raise TabularError(f"'{folder}' holds no CIS_bdpm.txt: it is not a BDPM snapshot folder")

    specialties: dict[str, tuple[str, ...]] = {}
    for row in _rows(folder, "CIS_bdpm.txt", report):
        specialties[row.fields[0]] = row.fields

    conditions: dict[str, list[str]] = defaultdict(list)
    for row in _rows(folder, "CIS_CPD_bdpm.txt", report):
        if row.fields[1]:
            conditions[row.fields[0]].append(row.fields[1])

    atc: dict[str, list[str]] = defaultdict(list)
    for row in _rows(folder, "CIS_MITM.txt", report):
        if row.fields[1] and row.fields[1] not in atc[row.fields[0]]:
            atc[row.fields[0]].append(row.fields[1])

    snapshot = BdpmSnapshot(
        folder=folder,
        version=snapshot_version(folder),
        specialties=specialties,
        compositions=_group(_rows(folder, "CIS_COMPO_bdpm.txt", report)),
        presentations=_group(_rows(folder, "CIS_CIP_bdpm.txt", report)),
        generics=_group(_rows(folder, "CIS_GENER_bdpm.txt", report), key_column=2),
        conditions=dict(conditions),
        atc=dict(atc),
        availability=_group(_rows(folder, "CIS_CIP_Dispo_Spec.txt", report)),
    )
    logger.info("Read BDPM snapshot %s: %d specialties", snapshot.version, len(specialties))
    return snapshot


def read_snapshots(folders: Iterable[Path], report: LoadReport) -> list[BdpmSnapshot]:
    """Read several snapshot folders, returned newest first (by the ``YYYY-MM`` of their name)."""
    ordered = sorted(folders, key=lambda folder: folder.name, reverse=True)
    return [read_snapshot(folder, report) for folder in ordered]


def active_substances(composition: list[tuple[str, ...]]) -> list[str]:
    """Lower-case names of the substances marked ``SA`` (active substance), in file order, without repeats."""
    names: list[str] = []
    for fields in composition:
        name = fields[3].lower()
        if fields[6] == "SA" and name and name not in names:
            names.append(name)
    return names


@dataclass
class Specialty:
    """What other loaders need to know about one CIS."""

    cis: str
    name: str
    form: str
    substances: list[str] = field(default_factory=list)
    atc: list[str] = field(default_factory=list)
    commercialised: bool = False
    version: str = ""
    former_names: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The BDPM page of the specialty."""
        return EXTRACT_URL.format(cis=self.cis)


class SpecialtyIndex:
    """Lookup of specialties by CIS and by name (case-, accent- and punctuation-insensitive).

    Usage::

        index = SpecialtyIndex.from_snapshots(snapshots)
        index.get("60002283").name
        index.match_start("CIPROFIBRATE MYLAN 100 mg, gélule Ciprofibrate Encadré …")  # longest name
    """

    def __init__(self, specialties: Iterable[Specialty]) -> None:
        self._by_cis: dict[str, Specialty] = {}
        self._display: dict[str, str] = {}
        by_name: dict[str, list[Specialty]] = defaultdict(list)
        for specialty in specialties:
            self._by_cis[specialty.cis] = specialty
            # Former names matter: the 2022 "… MYLAN" specialties are "… VIATRIS" in 2026, same CIS.
            for name in [specialty.name, *specialty.former_names]:
                key = fold(name)
                if specialty not in by_name[key]:
                    by_name[key].append(specialty)
                self._display.setdefault(key, name)

        # Among homonyms, prefer the one marketed in the newest snapshot, then the lowest CIS.
        self._by_name = {
            name: sorted(group, key=lambda s: (not s.commercialised, _negated(s.version), s.cis))
            for name, group in by_name.items()
        }
        # Spacing varies between the BDPM and leaflets ("1g" / "1 g", "l'aspirine"): prefixes are compared
        # without spaces.
        self._by_compact: dict[str, str] = {}
        for key in sorted(self._by_name):
            self._by_compact.setdefault(key.replace(" ", ""), key)
        self._max_compact = max((len(key) for key in self._by_compact), default=0)

    @classmethod
    def from_snapshots(cls, snapshots: list[BdpmSnapshot]) -> "SpecialtyIndex":
        """Build the index from snapshots given newest first (the newest wins for a CIS present twice)."""
        specialties: dict[str, Specialty] = {}
        for snapshot in snapshots:
            for cis, fields in snapshot.specialties.items():
                if cis in specialties:
                    known = specialties[cis]
                    if fields[1] != known.name and fields[1] not in known.former_names:
                        known.former_names.append(fields[1])
                    continue
                specialties[cis] = Specialty(
                    cis=cis,
                    name=fields[1],
                    form=fields[2],
                    substances=active_substances(snapshot.compositions.get(cis, [])),
                    atc=list(snapshot.atc.get(cis, [])),
                    commercialised=fields[6] == "Commercialisée",
                    version=snapshot.version,
                )
        return cls(specialties[cis] for cis in sorted(specialties))

    def __len__(self) -> int:
        return len(self._by_cis)

    def __contains__(self, cis: object) -> bool:
        return cis in self._by_cis

    def get(self, cis: str) -> Specialty | None:
        """The specialty of ``cis``, or None."""
        return self._by_cis.get(cis)

    def find_name(self, name: str) -> list[Specialty]:
        """Specialties whose full denomination equals ``name`` once folded, preferred one first."""
        return list(self._by_name.get(fold(name), []))

    def match_start(self, text: str) -> tuple[str, list[Specialty]]:
        """The longest denomination (current or former) starting ``text``, folded, and its specialties.

        Returns:
            ``(denomination as written in the BDPM, specialties preferred first)``, or ``("", [])`` when no
            denomination starts the text.
        """
        compact = fold(text[: self._max_compact * 2]).replace(" ", "")[: self._max_compact]
        for length in range(len(compact), 0, -1):
            key = self._by_compact.get(compact[:length])
            if key is not None:
                return self._display[key], list(self._by_name[key])
        return "", []

    def substances_of(self, cis_codes: Iterable[str]) -> list[str]:
        """Union of the active substances of ``cis_codes``, first-seen order."""
        return _union(self._by_cis[cis].substances for cis in cis_codes if cis in self._by_cis)

    def atc_of(self, cis_codes: Iterable[str]) -> list[str]:
        """Union of the ATC codes of ``cis_codes``, first-seen order."""
        return _union(self._by_cis[cis].atc for cis in cis_codes if cis in self._by_cis)


def _negated(version: str) -> tuple[int, ...]:
    """Sort key putting the newest ``bdpm-YYYY-MM`` first."""
    return tuple(-int(part) for part in re.findall(r"\d+", version))


def _union(lists: Iterable[list[str]]) -> list[str]:
    merged: list[str] = []
    for values in lists:
        merged.extend(value for value in values if value not in merged)
    return merged


def _composition_lines(composition: list[tuple[str, ...]]) -> list[str]:
    """French lines ``comprimé : ANASTROZOLE 1,00 mg pour un comprimé``, FT joined to their SA."""
    by_link: dict[tuple[str, str], dict[str, list[tuple[str, ...]]]] = defaultdict(lambda: defaultdict(list))
    for fields in composition:
        by_link[(fields[1], fields[7])][fields[6]].append(fields)

    lines: list[str] = []
    for (element, _link), natures in by_link.items():
        for active in natures.get("SA", []):
            text = f"{element} : {active[3]} {active[4]}".rstrip()
            for fraction in natures.get("FT", []):
                text += f", soit {fraction[3]} {fraction[4]}".rstrip() + " (fraction thérapeutique)"
            if active[5]:
                text += f" pour {active[5]}"
            lines.append(text)
    return lines


def _price(value: str) -> str:
    return f"{value} €" if value else ""


def _presentation_line(fields: tuple[str, ...]) -> str:
    """``plaquette(s) … de 30 comprimé(s) (CIP13 340…) : prix 24,34 € (25,36 € honoraire compris), …``."""
    details: list[str] = []
    if fields[9]:
        with_fee = f" ({fields[10]} € honoraire de dispensation compris)" if fields[10] else ""
        details.append(f"prix {_price(fields[9])}{with_fee}")
    if fields[8]:
        details.append(f"remboursement {fields[8]}")
    else:
        details.append("non remboursable")
    if fields[4]:
        details.append(fields[4].lower())
    if fields[7] == "oui":
        details.append("agréé aux collectivités")
    return f"{fields[2]} (CIP13 {fields[6]}) : " + ", ".join(details)


def _availability_line(fields: tuple[str, ...]) -> str:
    """``Rupture de stock depuis le 22/10/2025 (mise à jour le 26/01/2026) — <ANSM link>``."""
    text = fields[3] or "Problème de disponibilité"
    if fields[4]:
        text += f" depuis le {fields[4]}"
    if fields[5]:
        text += f" (mise à jour le {fields[5]})"
    if fields[6]:
        text += f", remise à disposition le {fields[6]}"
    if fields[1]:
        text += f", présentation CIP13 {fields[1]}"
    if fields[7]:
        text += f" — {fields[7]}"
    return text


def specialty_passage(cis: str, snapshot: BdpmSnapshot) -> Document:
    """Build the French passage of one CIS from ``snapshot``."""
    fields = snapshot.specialties[cis]
    name, form, routes = fields[1], fields[2], fields[3].replace(";", ", ")
    amm_date = fr_date_to_iso(fields[7])
    composition = snapshot.compositions.get(cis, [])
    substances = active_substances(composition)
    atc = snapshot.atc.get(cis, [])
    generics = snapshot.generics.get(cis, [])
    availability = snapshot.availability.get(cis, [])

    lines = [
        f"{name} (code CIS {cis})",
        f"Forme pharmaceutique : {form}",
        f"Voie(s) d'administration : {routes}",
    ]
    amm = f"Statut de l'AMM : {fields[4]}"
    if fields[5]:
        amm += f" ({fields[5]})"
    if fields[7]:
        amm += f", AMM du {fields[7]}"
    lines.append(amm)
    commercial = f"État de commercialisation : {fields[6]}"
    if fields[8]:
        commercial += f" ({fields[8]})"
    lines.append(commercial)
    if fields[9]:
        lines.append(f"Autorisation européenne : {fields[9]}")
    lines.append(f"Titulaire(s) : {fields[10]}")
    lines.append(f"Surveillance renforcée : {fields[11].lower() or 'non précisé'}")
    if atc:
        lines.append(f"Code ATC : {', '.join(atc)}")

    composition_lines = _composition_lines(composition)
    if composition_lines:
        lines.append("Composition en substances actives :")
        lines.extend(f"- {line}" for line in composition_lines[:MAX_COMPOSITION_LINES])
        if len(composition_lines) > MAX_COMPOSITION_LINES:
            hidden = len(composition_lines) - MAX_COMPOSITION_LINES
            lines.append(f"- … et {hidden} autres lignes de composition")

    presentations = snapshot.presentations.get(cis, [])
    if presentations:
        lines.append("Présentations :")
        lines.extend(f"- {_presentation_line(p)}" for p in presentations[:MAX_PRESENTATIONS])
        if len(presentations) > MAX_PRESENTATIONS:
            lines.append(f"- … et {len(presentations) - MAX_PRESENTATIONS} autres présentations")

    for group in generics:
        kind = GENERIC_TYPES.get(group[3], f"type {group[3]}")
        lines.append(f"Groupe générique : {group[1]} — cette spécialité y est {kind}")

    conditions = snapshot.conditions.get(cis, [])
    if conditions:
        lines.append("Conditions de prescription et de délivrance : " + " ; ".join(conditions))

    if availability:
        lines.append("Disponibilité (ANSM) :")
        lines.extend(f"- {_availability_line(a)}" for a in availability)

    lines.append(f"Source : Base de données publique des médicaments, extraction {snapshot.version[5:]}")

    dense_parts = [name]
    if substances:
        dense_parts.append(", ".join(substances[:6]))
    dense_parts.append(form)
    return make_passage(
        "\n".join(lines),
        source=Source.BDPM.value,
        publisher=PUBLISHER,
        title=name,
        doc_id=bdpm_doc_id(cis),
        section="",
        url=EXTRACT_URL.format(cis=cis),
        date=amm_date,
        version=snapshot.version,
        licence=LICENCE,
        cis=[cis],
        atc=list(atc),
        substances=substances,
        dense_text=first_words(" — ".join(part for part in dense_parts if part), 40),
        shortage_status=availability[0][3] if availability else "",
        generic_group=generics[0][1] if generics else "",
        commercialised=fields[6] == "Commercialisée",
        # Structured facts for the drug cards of answers (copied from the data, never generated).
        form=form,
        composition=composition_lines[:MAX_COMPOSITION_LINES],
        generic_role=GENERIC_TYPES.get(generics[0][3], "") if generics else "",
        reimbursement=sorted({p[8] or "non remboursable" for p in presentations}),
        prescription=conditions,
        availability=[_availability_line(a) for a in availability],
    )


def bdpm_passages(snapshots: list[BdpmSnapshot], report: LoadReport) -> Iterator[Document]:
    """One passage per CIS over ``snapshots`` (given newest first), in CIS order.

    The newest snapshot holding a CIS provides its whole passage (rows are not mixed across snapshots).
    """
    owner: dict[str, BdpmSnapshot] = {}
    for snapshot in snapshots:
        for cis in snapshot.specialties:
            owner.setdefault(cis, snapshot)

    for cis in sorted(owner):
        yield specialty_passage(cis, owner[cis])
        report.add(Source.BDPM.value)


def load_bdpm(folders: Iterable[Path], report: LoadReport) -> Iterator[Document]:
    """Read the snapshot ``folders`` and yield one passage per CIS (see :func:`bdpm_passages`)."""
    yield from bdpm_passages(read_snapshots(folders, report), report)
