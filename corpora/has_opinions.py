"""HAS Transparency Committee opinions (SMR and ASMR) from a BDPM snapshot: one passage per distinct opinion.

The BDPM repeats an opinion on every CIS it covers; rows are grouped by (dossier CT, level, wording) so that
the passage is indexed once and lists every specialty concerned.

Usage::

    passages = load_has_opinions(Path("data/bdpm_2022-06"), index, report)
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from haystack import Document

from corpora.bdpm import LICENCE, SpecialtyIndex, snapshot_version
from corpora.report import LoadReport
from corpora.schema import Source, has_opinion_doc_id, make_passage
from corpora.tabular import read_tsv
from corpora.text import first_words, fr_date_to_iso, iso_to_fr

logger = logging.getLogger(__name__)

PUBLISHER = "HAS"
OPINION_FILES = {"smr": "CIS_HAS_SMR_bdpm.txt", "asmr": "CIS_HAS_ASMR_bdpm.txt"}
LINKS_FILE = "HAS_LiensPageCT_bdpm.txt"
MAX_LISTED_SPECIALTIES = 12


@dataclass
class Opinion:
    """One distinct HAS opinion and the CIS it covers."""

    kind: str
    dossier: str
    level: str
    wording: str
    dates: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    cis: list[str] = field(default_factory=list)


def has_files_present(folder: Path) -> bool:
    """True when ``folder`` holds at least one HAS opinion file."""
    return any((folder / name).is_file() for name in OPINION_FILES.values())


def clean_wording(text: str) -> str:
    """Strip the quotes some wordings are wrapped in, and collapse whitespace."""
    text = " ".join(text.split())
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].strip()
    return text


def read_links(folder: Path, report: LoadReport) -> dict[str, str]:
    """Dossier CT -> URL of its HAS page, from ``HAS_LiensPageCT_bdpm.txt`` (empty when absent)."""
    path = folder / LINKS_FILE
    if not path.is_file():
        return {}
    return {row.fields[0]: row.fields[1] for row in read_tsv(path, 2, report, Source.HAS_OPINION.value)}


def read_opinions(folder: Path, report: LoadReport) -> list[Opinion]:
    """Group the SMR and ASMR rows of ``folder`` into distinct opinions, in a stable order."""
    opinions: dict[tuple[str, str, str, str], Opinion] = {}
    for kind, name in OPINION_FILES.items():
        path = folder / name
        if not path.is_file():
            continue
        for row in read_tsv(path, 6, report, Source.HAS_OPINION.value):
            cis, dossier, reason, date, level, wording = row.fields
            wording = clean_wording(wording)
            if not dossier or not (level or wording):
                report.skip(Source.HAS_OPINION.value, f"{name} line {row.line}: no dossier or no opinion")
                continue
            key = (kind, dossier, level, wording)
            opinion = opinions.setdefault(key, Opinion(kind, dossier, level, wording))
            iso = fr_date_to_iso(date)
            if iso:
                opinion.dates.add(iso)
            if reason and reason not in opinion.reasons:
                opinion.reasons.append(reason)
            if cis not in opinion.cis:
                opinion.cis.append(cis)
    return [opinions[key] for key in sorted(opinions)]


def opinion_passage(opinion: Opinion, url: str, index: SpecialtyIndex | None, version: str) -> Document:
    """The French passage of one opinion (its date is the latest date among its rows)."""
    label = opinion.kind.upper()
    date = max(opinion.dates) if opinion.dates else ""
    cis = sorted(opinion.cis)
    names = [index.get(c).name for c in cis if index is not None and index.get(c) is not None]
    unknown = [c for c in cis if index is None or index.get(c) is None]

    heading = "Avis de la Commission de la transparence (HAS)"
    if date:
        heading += f" du {iso_to_fr(date)}"
    heading += f" — dossier {opinion.dossier}"
    lines = [heading, f"{label} : {opinion.level or 'non précisé'}"]
    if opinion.reasons:
        lines.append(f"Motif : {' ; '.join(opinion.reasons)}")

    listed = (names + [f"CIS {c}" for c in unknown])[:MAX_LISTED_SPECIALTIES]
    concerned = " ; ".join(listed)
    hidden = len(cis) - min(len(cis), MAX_LISTED_SPECIALTIES)
    if hidden:
        concerned += f" … et {hidden} autres spécialités"
    lines.append(f"Spécialités concernées : {concerned}")
    lines.append(f"{label} : {opinion.wording}")
    if url:
        lines.append(f"Avis complet : {url}")

    substances = index.substances_of(cis) if index is not None else []
    first_name = names[0].split(",")[0] if names else ""
    molecules = f" ({', '.join(substances[:3])})" if substances else ""
    level = opinion.level.lower() if opinion.kind == "smr" else opinion.level
    dense = first_words(f"{label} {level} — {first_name}{molecules} — {first_words(opinion.wording, 30)}", 40)
    title = f"Avis HAS {label} {opinion.level} — {first_name or opinion.dossier}"

    meta = {
        "source": Source.HAS_OPINION.value,
        "publisher": PUBLISHER,
        "title": title,
        "doc_id": has_opinion_doc_id(opinion.kind, opinion.dossier, opinion.level, opinion.wording),
        "section": label,
        "url": url,
        "date": date,
        "version": version,
        "licence": LICENCE,
        "cis": cis,
        "atc": index.atc_of(cis) if index is not None else [],
        "substances": substances,
        "dense_text": dense,
        "has_dossier": opinion.dossier,
        f"{opinion.kind}_level": opinion.level,
        "opinion_wording": opinion.wording,
    }
    return make_passage("\n".join(lines), **meta)


def load_has_opinions(folder: Path, index: SpecialtyIndex | None, report: LoadReport) -> Iterator[Document]:
    """Yield one passage per distinct SMR/ASMR opinion of the snapshot ``folder``.

    Args:
        folder: a ``bdpm_<YYYY-MM>`` folder holding ``CIS_HAS_SMR_bdpm.txt`` and/or ``CIS_HAS_ASMR_bdpm.txt``.
        index: the specialty index giving names, substances and ATC codes of the CIS covered.
        report: counts passages and skipped rows.
    """
    links = read_links(folder, report)
    version = snapshot_version(folder)
    opinions = read_opinions(folder, report)

    missing_links = 0
    for opinion in opinions:
        url = links.get(opinion.dossier, "")
        missing_links += not url
        yield opinion_passage(opinion, url, index, version)
        report.add(Source.HAS_OPINION.value)

    if missing_links:
        logger.info("%d of %d HAS opinions have no page link in %s", missing_links, len(opinions), LINKS_FILE)
