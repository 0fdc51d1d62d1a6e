"""Gold passages of a question: fixed doc ids, or selectors resolved against the indexed documents.

Questions carry ``gold`` (doc ids built with :mod:`corpora.schema`). Leaflet questions cannot: how a notice is
cut into passages is the loader's choice, so they carry a ``gold_selector`` instead (one selector or a list
of alternatives), resolved by :func:`resolve_gold` against the documents of the store:

- ``{"notice": "FR107777", "contains": "Si vous avez pris plus"}``: passages of notice FR107777 whose text
  contains the phrase (compared without case or accents, whitespace collapsed);
- ``{"notice": "FR104656", "section": 4}``: passages of section 4 of that notice (``notice:FR104656:4:*``);
- ``{"notice_cis": "61348441", "contains": "..."}``: the same, for the notice whose ``meta["cis"]`` has it.

The hand-written set also keeps ``gold_from``, the recipe its ids were computed from (see
:func:`gold_from_spec`), so that anyone can check them against the raw files.
"""

import json
from collections.abc import Iterable
from pathlib import Path

from corpora.schema import bdpm_doc_id, slug

from .naming import NameIndex
from .raw_data import RawData, interaction_gold


def load_questions(path: Path) -> list[dict]:
    """Read a JSONL question file (one object per line, blank lines ignored)."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _folded(text: str) -> str:
    return " ".join(slug(text).split("-"))


def _selector_matches(selector: dict, doc_id: str, meta: dict, content: str) -> bool:
    parts = doc_id.split(":")
    if parts[0] != "notice" or len(parts) < 4:
        return False
    if "notice" in selector and parts[1] != selector["notice"]:
        return False
    if "notice_cis" in selector and selector["notice_cis"] not in (meta.get("cis") or []):
        return False
    if "section" in selector and parts[2] != str(selector["section"]):
        return False
    return "contains" not in selector or _folded(selector["contains"]) in _folded(content or "")


def resolve_gold(question: dict, documents: Iterable) -> list[str]:
    """Every acceptable doc id of ``question``: its ``gold`` plus the passages its selectors designate.

    Args:
        question: a record with ``gold`` and optionally ``gold_selector`` (a dict or a list of dicts, any of
            which may match).
        documents: Haystack ``Document`` objects (or anything with ``id``, ``meta`` and ``content``) of the
            store being evaluated; only needed for questions with selectors.

    Returns:
        The gold ids, ``gold`` first, then the selected passages in document order.
    """
    gold = list(question.get("gold") or [])
    selectors = question.get("gold_selector")
    if not selectors:
        return gold
    if isinstance(selectors, dict):
        selectors = [selectors]

    for document in documents:
        meta = document.meta or {}
        doc_id = meta.get("doc_id", document.id)
        if doc_id in gold:
            continue
        if any(_selector_matches(selector, doc_id, meta, document.content) for selector in selectors):
            gold.append(doc_id)
    return gold


def gold_from_spec(raw: RawData, spec: dict, names: NameIndex) -> list[str]:
    """Doc ids of a hand-written question's recipe, computed from the raw files.

    Recipes (one key each):

    - ``{"interaction": ["amiodarone", "simvastatine"]}``: :func:`evals.retrieval.raw_data.interaction_gold`;
    - ``{"smr": {"brand": "xarelto", "wording_contains": "AVC"}}`` (or ``asmr``): the opinions of that kind
      covering any specialty so named, optionally only those whose wording contains a phrase;
    - ``{"bdpm": {"brand": "doliprane"}}`` (or ``brand_dosage``, ``full``, ``cis``), with optional
      ``"shortage_only": true``: the specialty passages;
    - ``{"generic_of": {"brand": "tahor"}}``: the other specialties of the generic groups of those named.

    Raises:
        ValueError: for an unknown recipe, naming it.
    """
    ((kind, value),) = spec.items()
    if kind == "interaction":
        return interaction_gold(raw, value[0], value[1])

    naming = next(key for key in ("cis", "full", "brand_dosage", "brand") if key in value)
    cis_codes = value["cis"] if naming == "cis" else names.matching(value[naming], naming)

    if kind in ("smr", "asmr"):
        phrase = _folded(value.get("wording_contains", ""))
        gold = []
        for cis in cis_codes:
            for doc_id in raw.opinions_by_cis.get(cis, {}).get(kind, []):
                if doc_id not in gold and phrase in _folded(raw.opinions[doc_id].wording):
                    gold.append(doc_id)
        return gold

    if kind == "bdpm":
        if value.get("shortage_only"):
            return [
                bdpm_doc_id(cis)
                for cis in cis_codes
                if cis in raw.specialties and raw.specialties[cis].shortage
            ]
        return [bdpm_doc_id(cis) for cis in cis_codes if raw.has_bdpm_passage(cis)]

    if kind == "generic_of":
        gold = []
        for cis in cis_codes:
            for group in raw.specialties[cis].generic_groups if cis in raw.specialties else []:
                for member, _kind in raw.generic_groups[group]:
                    doc_id = bdpm_doc_id(member)
                    if member not in cis_codes and raw.has_bdpm_passage(member) and doc_id not in gold:
                        gold.append(doc_id)
        return gold

    raise ValueError(f"Unknown gold recipe '{kind}': expected interaction, smr, asmr, bdpm or generic_of")
