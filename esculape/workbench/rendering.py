"""What the workbench shows, built as data: safe Markdown for answers, severity colours of interaction
levels, the drug-card and interaction tables, the retrievers' ranks and scores of a passage.

Nothing here calls Streamlit, so the page logic in ``app.py`` stays short and these pieces are tested
directly.
"""

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from corpora.text import fold


@dataclass(frozen=True)
class Severity:
    """How an interaction level is shown."""

    rank: int  # 0 is the most severe
    label: str
    background: str
    text: str


# The four levels of the ANSM thesaurus, most severe first (colours chosen for contrast on white).
SEVERITIES = {
    "contre indication": Severity(0, "Contre-indication", "#b71c1c", "#ffffff"),
    "association deconseillee": Severity(1, "Association déconseillée", "#e65100", "#ffffff"),
    "precaution d emploi": Severity(2, "Précaution d'emploi", "#fbc02d", "#1a1a1a"),
    "a prendre en compte": Severity(3, "À prendre en compte", "#1565c0", "#ffffff"),
}
UNKNOWN_SEVERITY = Severity(4, "Niveau non reconnu", "#e0e0e0", "#1a1a1a")

# Characters that Markdown (or HTML inside it) would interpret; escaped so that an answer shows as text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~<>$&:.-])")
_ESCAPED_CITATION = re.compile(r"\\\[((?:\d+(?:\\,|,)?\s*)+)\\\]")
_RETRIEVERS = (
    ("bm25", "BM25"),
    ("dense", "Dense"),
    ("pairs", "Paires de médicaments"),
    ("records", "Fiches BDPM"),
)


def severity(level: str) -> Severity:
    """The severity of a thesaurus level, however it is written (« Association DECONSEILLEE »...)."""
    folded = fold(level or "")
    for key, value in SEVERITIES.items():
        if key in folded:
            return value
    return UNKNOWN_SEVERITY


def safe_markdown(text: str) -> str:
    """``text`` (an answer, possibly quoting passages) as Markdown that renders literally.

    Every Markdown and HTML special character is backslash-escaped, so no link, image or tag can come from
    the model or a passage; single line breaks are kept; citation markers « [1] », « [2, 3] » are shown in
    bold. List dashes at the start of a line are kept as list items.
    """
    lines = []
    for line in (text or "").split("\n"):
        bullet = ""
        stripped = line.lstrip()
        if stripped.startswith(("- ", "• ")):
            bullet, line = "- ", stripped[2:]
        escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", line)
        escaped = _ESCAPED_CITATION.sub(lambda m: "**\\[" + m.group(1) + "\\]**", escaped)
        lines.append(bullet + escaped)
    return "  \n".join(lines)


def rank_rows(source: dict[str, Any], mode: str) -> list[dict[str, str]]:
    """Rank and score of a passage from each retriever, then after fusion (« — » when not found)."""
    ranks, scores = source.get("ranks") or {}, source.get("scores") or {}
    rows = []
    for key, label in (*_RETRIEVERS, (mode, "Fusion" if mode == "hybrid" else f"Classement ({mode})")):
        if key == mode and mode != "hybrid":
            continue
        rank, score = ranks.get(key), scores.get(key)
        if rank is None and key in ("pairs", "records"):
            continue
        rows.append(
            {
                "Classement": label,
                "Rang": "—" if rank is None else str(rank),
                "Score": "—" if score is None else f"{score:.4f}",
            }
        )
    return rows


# Characters of an entry's mechanism in the interaction table; the whole text is in the check's source.
MECHANISM_CHARS = 220
_COLUMNS = ["Médicaments", "Entrée du thésaurus", "Niveau", "Conduite à tenir", "Mécanisme et risque"]


def interaction_frame(interactions: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per thesaurus level between two drugs of the question, most severe first.

    The thesaurus writes most interactions twice, once under each side (« APIXABAN + INHIBITEURS PUISSANTS
    DU CYP3A4 » and « INHIBITEURS PUISSANTS DU CYP3A4 + APIXABAN »); a mirrored entry with the same levels
    is shown once, marked as listed under both sides.
    """
    rows = []
    for check in interactions:
        pair = " + ".join(check.get("substances", []))
        if not check.get("entries"):
            empty = [pair, "—", "Aucune interaction répertoriée", "", ""]
            rows.append({**dict(zip(_COLUMNS, empty, strict=True)), "_rank": 5})
        shown: dict[tuple, dict[str, Any]] = {}
        for entry in check.get("entries", []):
            sides, levels = entry.get("sides", []), entry.get("levels", [])
            key = (frozenset(fold(side) for side in sides), tuple(fold(level) for level in levels))
            if key in shown:
                shown[key]["mirrored"] = True
                continue
            shown[key] = {"entry": entry, "mirrored": False}
        for item in shown.values():
            entry = item["entry"]
            scope = " (classe)" if entry.get("class_level") else ""
            both = " — inscrite sous les deux entrées" if item["mirrored"] else ""
            conduct = entry.get("conduct", [])
            for index, level in enumerate(entry.get("levels", [])):
                rows.append(
                    {
                        "Médicaments": pair,
                        "Entrée du thésaurus": " + ".join(entry.get("sides", [])) + scope + both,
                        "Niveau": level,
                        "Conduite à tenir": conduct[index] if index < len(conduct) else "",
                        "Mécanisme et risque": _shorten(
                            " ".join((entry.get("mechanism") or "").split()), MECHANISM_CHARS
                        ),
                        "_rank": severity(level).rank,
                    }
                )
    frame = pd.DataFrame(rows, columns=[*_COLUMNS, "_rank"])
    return frame.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)


def style_levels(frame: pd.DataFrame) -> Styler:
    """The interaction table with each level cell coloured by severity."""

    def colour(level: str) -> str:
        if not isinstance(level, str) or level.startswith("Aucune"):
            return ""
        found = severity(level)
        return f"background-color: {found.background}; color: {found.text}; font-weight: 600"

    return frame.style.map(colour, subset=["Niveau"]).hide(axis="index")


def specialties_frame(card: dict[str, Any]) -> pd.DataFrame:
    """The specialties of a drug card, one row each."""
    rows = [
        {
            "Spécialité": spec.get("name", ""),
            "CIS": spec.get("cis", ""),
            "Commercialisée": "oui" if spec.get("commercialised") else "non",
            "Composition": " ; ".join(spec.get("composition", [])[:4]),
            "Groupe générique": spec.get("generic_group", "") or "—",
            "Remboursement": ", ".join(spec.get("reimbursement", [])) or "—",
            "Prescription et délivrance": " ; ".join(spec.get("prescription", [])) or "—",
        }
        for spec in card.get("specialties", [])
    ]
    return pd.DataFrame(rows)


# Characters of an opinion's wording in the card's table; the whole text is in the card's source.
WORDING_CHARS = 280


def _shorten(text: str, limit: int = WORDING_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def opinions_frame(card: dict[str, Any]) -> pd.DataFrame:
    """The latest HAS opinions (SMR, ASMR) of a drug card."""
    rows = [
        {
            "Avis": opinion.get("kind", "").upper(),
            "Niveau": opinion.get("level", ""),
            "Date": opinion.get("date", ""),
            "Spécialité": opinion.get("specialty", ""),
            "Libellé": _shorten(re.sub(r"\s*<br\s*/?>\s*", " ", opinion.get("wording", "")).strip()),
        }
        for opinion in card.get("opinions", [])
    ]
    return pd.DataFrame(rows)


def corpus_version(manifest: dict[str, Any]) -> str:
    """« versions bdpm_2026-01, … · indexé le 2026-12-03T18:53:28 » from a store manifest."""
    versions = ", ".join(manifest.get("versions", [])) or "inconnues"
    return f"versions {versions} · indexé le {manifest.get('ingested_at', 'date inconnue')}"
