"""BDPM patient leaflets (notices) mirrored by the E3C corpus: passages per leaflet section.

The ``url`` of each E3C file points to another specialty, so the drug is identified from the denomination
that opens the text, matched against the :class:`~corpora.bdpm.SpecialtyIndex`. The text is one string with
headings inline; it is cut at the six numbered headings (after the table of contents), then at the usual
sub-headings (« Ne prenez jamais », « Avertissements et précautions »...), then packed into passages of
about 150–400 words.

Usage::

    for passage in load_notices(Path("data/bdpm_notices_e3c_fr"), index, report):
        print(passage.meta["title"])
"""

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from haystack import Document

from corpora.bdpm import NOTICE_URL, SpecialtyIndex
from corpora.report import LoadReport
from corpora.schema import Source, make_passage, notice_doc_id
from corpora.text import Unit, first_words, pack_units

logger = logging.getLogger(__name__)

PUBLISHER = "ANSM"
DEFAULT_LICENCE = "CC BY-NC (E3C)"
MIN_WORDS = 150
MAX_WORDS = 400

_Q = "['’ʼ]"
SECTION_HEADINGS = {
    1: re.compile(rf"\b1\s*\.\s*qu{_Q}?\s*est[- ]ce qu.{{0,400}}?\butilis[ée]e?s?\s*\?", re.I | re.S),
    2: re.compile(r"\b2\s*\.\s*quelles sont les informations\b.{0,400}?\?", re.I | re.S),
    3: re.compile(r"\b3\s*\.\s*comment\s+(?!conserver).{0,400}?\?", re.I | re.S),
    4: re.compile(r"\b4\s*\.\s*quels sont les effets ind[ée]sirables [ée]ventuels\s*\??", re.I),
    5: re.compile(r"\b5\s*\.\s*comment conserver\b.{0,400}?\?", re.I | re.S),
    6: re.compile(
        rf"\b6\s*\.\s*(contenu de l{_Q}emballage et autres informations|informations suppl[ée]mentaires)\.?",
        re.I,
    ),
}

# Short French labels used in the embedded text, where every word counts.
SHORT_SECTION_NAMES = {
    0: "Notice",
    1: "Indications",
    2: "Avant de prendre",
    3: "Posologie et mode d'administration",
    4: "Effets indésirables",
    5: "Conservation",
    6: "Composition et présentation",
}

# Used when a heading lacks its question mark (a few leaflets): the heading then ends after these words.
LOOSE_SECTION_HEADINGS = {
    1: re.compile(rf"\b1\s*\.\s*qu{_Q}?\s*est[- ]ce que", re.I),
    2: re.compile(r"\b2\s*\.\s*quelles sont les informations [àa] conna[îi]tre avant d.\s*\w+", re.I),
    3: re.compile(r"\b3\s*\.\s*comment (?:prendre|utiliser|administrer|appliquer)\b", re.I),
    5: re.compile(r"\b5\s*\.\s*comment conserver\b", re.I),
}

SECTION_NAMES = {
    0: "Notice",
    1: "1. Qu'est-ce que ce médicament et dans quels cas est-il utilisé ?",
    2: "2. Quelles sont les informations à connaître avant de prendre ce médicament ?",
    3: "3. Comment prendre ce médicament ?",
    4: "4. Quels sont les effets indésirables éventuels ?",
    5: "5. Comment conserver ce médicament ?",
    6: "6. Contenu de l'emballage et autres informations",
}

# Sub-headings worth a passage boundary, as (label shown, pattern); the first occurrence in a section counts.
SUB_HEADINGS = [
    (
        "Ne prenez jamais",
        rf"(?:Ne prenez jamais|N{_Q}utilisez jamais|Ne donnez jamais|N{_Q}appliquez jamais)",
    ),
    ("Contre-indications", r"Contre-indications\b"),
    ("Avertissements et précautions", r"Avertissements et précautions\b"),
    ("Mises en garde et précautions d'emploi", rf"Précautions d{_Q}emploi ; mises en garde spéciales"),
    ("Enfants et adolescents", r"Enfants et adolescents\b"),
    ("Autres médicaments", rf"(?:Autres médicaments et\b|Interactions avec d{_Q}autres médicaments)"),
    (
        "Grossesse et allaitement",
        rf"(?:Grossesse(?:,| et) allaitement|Utilisation pendant la grossesse et l{_Q}allaitement)",
    ),
    ("Conduite de véhicules et utilisation de machines", r"Conduite de véhicules et utilisation de machines"),
    (
        "Si vous avez pris plus de médicament que vous n'auriez dû",
        r"(?:Si vous avez (?:pris|utilisé|reçu) plus de|Symptômes et instructions en cas de surdosage)",
    ),
    ("Si vous oubliez de prendre ce médicament", r"Si vous oubliez de (?:prendre|utiliser)"),
    ("Si vous arrêtez de prendre ce médicament", r"Si vous arrêtez de (?:prendre|utiliser)"),
    ("Déclaration des effets secondaires", r"Déclaration des effets secondaires"),
    ("Ce que contient ce médicament", r"Ce que contient\b"),
]
_SUB_PATTERNS = [(label, re.compile(r"(?<![\w'’])" + pattern)) for label, pattern in SUB_HEADINGS]
_ATC = re.compile(r"code ATC\s*:?\s*([A-Z]\d{2}[A-Z]{2}\d{2})")


class NoticeError(RuntimeError):
    """A leaflet file cannot be read or parsed."""


def split_sections(text: str) -> list[tuple[int, str]]:
    """Cut a leaflet into ``(section number, body)`` pairs, skipping the preamble and table of contents.

    The body of a heading runs to the next heading found after it. When heading 1 cannot be found the
    whole text is returned as section 0.
    """
    headings = SECTION_HEADINGS
    if not SECTION_HEADINGS[1].search(text) or not SECTION_HEADINGS[2].search(text):
        headings = {**SECTION_HEADINGS, **LOOSE_SECTION_HEADINGS}
    firsts = list(headings[1].finditer(text))
    seconds = [match.start() for match in headings[2].finditer(text)]
    # The table of contents repeats every heading; the body's heading 1 is the last one before a heading 2.
    candidates = [match for match in firsts if seconds and match.start() < seconds[-1]] or firsts
    if not candidates:
        return [(0, text.strip())]

    found: list[tuple[int, int, int]] = []  # (number, heading start, body start)
    first = candidates[-1]
    found.append((1, first.start(), first.end()))
    position = first.end()
    for number in range(2, 7):
        match = headings[number].search(text, position)
        if match:
            found.append((number, match.start(), match.end()))
            position = match.end()

    sections = []
    for i, (number, _start, body_start) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else len(text)
        body = text[body_start:end].strip()
        if body:
            sections.append((number, body))
    return sections


def split_units(body: str) -> list[Unit]:
    """Cut a section body at the first occurrence of each known sub-heading."""
    cuts = sorted(
        {(match.start(), label) for label, pattern in _SUB_PATTERNS if (match := pattern.search(body))}
    )
    units: list[Unit] = []
    head = body[: cuts[0][0]] if cuts else body
    if head.strip():
        units.append(Unit([], head.strip()))
    for i, (start, label) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(body)
        if body[start:end].strip():
            units.append(Unit([label], body[start:end].strip()))
    return units


def _denomination(text: str, index_name: str) -> str:
    """The drug name shown to users: the BDPM denomination the leaflet opens with, else its first words."""
    if index_name:
        return index_name
    head = text.split(" Encadré", 1)[0] if " Encadré" in text[:400] else first_words(text, 12)
    return " ".join(head.split())[:200]


def read_notice(path: Path) -> dict:
    """Parse one E3C leaflet JSON file.

    Raises:
        NoticeError: when it is unreadable, not JSON, or has no ``text``.
    """
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NoticeError(f"{path.name}: unreadable leaflet ({error.__class__.__name__})") from error
    if not isinstance(record, dict) or not str(record.get("text") or "").strip():
        raise NoticeError(f"{path.name}: no 'text' field")
    return record


def notice_passages(record: dict, index: SpecialtyIndex | None, report: LoadReport) -> list[Document]:
    """The passages of one leaflet record (see :func:`load_notices`)."""
    text = " ".join(record["text"].split())
    notice_id = str(record.get("id") or "")
    matched_name, matches = index.match_start(text) if index is not None else ("", [])
    specialty = matches[0] if matches else None
    if specialty is None:
        report.note(Source.NOTICE.value, f"{notice_id}: drug not identified from the leaflet text")

    name = _denomination(text, matched_name)
    cis = [s.cis for s in matches]
    atc = index.atc_of(cis) if index is not None and cis else []
    if not atc:
        atc = list(dict.fromkeys(_ATC.findall(text)))
    date = str(record.get("publication_date") or "")[:10]
    base_meta = {
        "source": Source.NOTICE.value,
        "publisher": PUBLISHER,
        "url": NOTICE_URL.format(cis=specialty.cis) if specialty else "",
        "date": date,
        "version": f"notice-e3c-{date[:7]}" if date else "notice-e3c",
        "licence": DEFAULT_LICENCE if record.get("licence") in (None, "", "CC-BY-NC") else record["licence"],
        "cis": cis,
        "atc": atc,
        "substances": index.substances_of(cis) if index is not None else [],
        "notice_id": notice_id,
    }

    passages = []
    for number, body in split_sections(text):
        for chunk_number, unit in enumerate(pack_units(split_units(body), MIN_WORDS, MAX_WORDS)):
            section = SECTION_NAMES[number]
            short = SHORT_SECTION_NAMES[number]
            if unit.labels:
                section += " — " + " / ".join(unit.labels)
                short += " — " + unit.labels[0]
            title = f"Notice : {name} — {section}"
            passages.append(
                make_passage(
                    f"{title}\n{unit.text}",
                    title=title,
                    doc_id=notice_doc_id(notice_id, number, chunk_number),
                    section=section,
                    dense_text=first_words(f"{name} — {short} — {first_words(unit.text, 25)}", 45),
                    **base_meta,
                )
            )
    return passages


def load_notices(folder: Path, index: SpecialtyIndex | None, report: LoadReport) -> Iterator[Document]:
    """Yield the passages of every ``*.json`` leaflet of ``folder``, in file-name order.

    Args:
        folder: a ``bdpm_notices_*`` folder of E3C leaflet files.
        index: the specialty index used to identify each leaflet's drug (None: no identification).
        report: counts passages, unreadable files (skipped) and unidentified drugs (noted).
    """
    for path in sorted(folder.glob("*.json")):
        try:
            record = read_notice(path)
        except NoticeError as error:
            report.skip(Source.NOTICE.value, str(error))
            continue
        passages = notice_passages(record, index, report)
        report.add(Source.NOTICE.value, len(passages))
        yield from passages
