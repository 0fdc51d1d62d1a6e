"""The one metadata schema every passage carries, and the stable ``doc_id`` of each source.

Every loader in ``corpora`` yields Haystack ``Document`` objects whose ``id`` equals ``meta["doc_id"]``
and whose ``meta`` holds the keys below. A key that does not apply to a source is absent or empty, never
invented.

| key | type | meaning |
|---|---|---|
| ``source`` | str | one of :class:`Source` (bdpm, has_opinion, interaction, notice, case_report, document) |
| ``publisher`` | str | ``ANSM``, ``HAS``, ``ANSM/HAS/UNCAM``, ``Pan African Medical Journal``, user label |
| ``title`` | str | human title shown to clinicians (French) |
| ``doc_id`` | str | stable identifier, built only by the ``*_doc_id`` functions below |
| ``section`` | str | section heading in the source document, ``""`` when the passage is the whole record |
| ``url`` | str | official page when known, else ``""`` |
| ``date`` | str | ISO date ``YYYY-MM-DD`` of the record (HAS opinion, AMM, leaflet date), else ``""`` |
| ``version`` | str | corpus snapshot, e.g. ``bdpm-2026-01``, ``thesaurus-2020-10`` |
| ``licence`` | str | licence of the text as stated by its publisher or mirror |
| ``cis`` | list[str] | CIS codes of the specialties the passage is about (drug sources only) |
| ``atc`` | list[str] | ATC codes of those specialties when known |
| ``substances`` | list[str] | active substances, lower case, as written in the source |
| ``dense_text`` | str | short text embedded for dense retrieval (title + key facts), see pipelines |

Extra keys some sources add: ``smr_level``, ``asmr_level``, ``has_dossier``, ``interaction_level``
(list of levels as written in the thesaurus), ``interaction_sides`` (the two sides), ``shortage_status``,
``generic_group``.
"""

import hashlib
import re
import unicodedata

from haystack import Document

from esculape.choices import Choice


class Source(Choice):
    """The kinds of source Esculape indexes."""

    BDPM = "bdpm"
    HAS_OPINION = "has_opinion"
    INTERACTION = "interaction"
    NOTICE = "notice"
    CASE_REPORT = "case_report"
    DOCUMENT = "document"

    @classmethod
    def noun(cls) -> str:
        return "source"


REQUIRED_META = ("source", "publisher", "title", "doc_id", "section", "url", "date", "version", "licence")


def slug(text: str) -> str:
    """Lower-case ASCII slug used inside ids.

    ``'Inhibiteurs puissants du CYP3A4'`` -> ``'inhibiteurs-puissants-du-cyp3a4'``.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def short_hash(text: str, length: int = 10) -> str:
    """A short, stable content hash (sha1 hex prefix)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def bdpm_doc_id(cis: str) -> str:
    """One passage per specialty: ``bdpm:60002283``."""
    return f"bdpm:{cis}"


def has_opinion_doc_id(kind: str, dossier: str, level: str, wording: str) -> str:
    """One passage per distinct HAS opinion (``kind`` is ``smr`` or ``asmr``), shared by the CIS it covers.

    Example: ``has:smr:CT-19691:3f2a9c0d1e``.
    """
    return f"has:{kind}:{dossier}:{short_hash(level + '|' + wording)}"


def interaction_doc_id(main_drug: str, plus_drug: str) -> str:
    """One passage per thesaurus entry (each (main, plus) pair is unique in the 2020 edition)."""
    return f"interaction:{slug(main_drug)}--{slug(plus_drug)}"


def notice_doc_id(notice_id: str, section_number: int, chunk: int) -> str:
    """Leaflet passage: ``notice:FR103121:2:0`` (section 0 is the text before section 1)."""
    return f"notice:{notice_id}:{section_number}:{chunk}"


def case_report_doc_id(case_id: str, chunk: int) -> str:
    """Case report passage: ``case:FR100123:0``."""
    return f"case:{case_id}:{chunk}"


def document_doc_id(relative_path: str, chunk: int) -> str:
    """User document passage, keyed by its path relative to the folder given: ``doc:1a2b3c4d5e:3``."""
    return f"doc:{short_hash(relative_path)}:{chunk}"


def make_passage(content: str, **meta) -> Document:
    """Build a ``Document`` whose id is ``meta['doc_id']`` and whose meta has every required key.

    Raises:
        ValueError: when a required key is missing, naming it.
    """
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        raise ValueError(f"Passage {meta.get('doc_id', '?')} lacks metadata keys: {', '.join(missing)}")
    return Document(id=meta["doc_id"], content=content, meta=meta)
