"""What the page shows, built as data: highlighted and escaped passages, literal answers, severity colours."""

import pytest

from esculape.workbench.highlight import highlight, query_terms
from esculape.workbench.rendering import interaction_frame, safe_markdown, severity, style_levels
from pipelines.analysis.french import FrenchAnalyzer

ANALYZER = FrenchAnalyzer()


def test_matched_terms_are_marked_with_the_bm25_analysis():
    terms = query_terms("Insuffisant rénal : contre-indications ?", ANALYZER)
    shown = highlight("Contre-indiqué en cas d'insuffisance rénale sévère.", terms, ANALYZER)
    marked = "<mark>Contre-indiqué</mark> en cas <mark>d&#x27;insuffisance</mark> <mark>rénale</mark> sévère."
    assert shown == marked


def test_passage_html_is_escaped_and_cut():
    shown = highlight(
        '<script>alert("x")</script>\nrénale ' + "mot " * 100, {"renal"}, ANALYZER, max_chars=60
    )
    assert shown.startswith("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br><mark>rénale</mark>")
    assert shown.endswith(" […]") and "<script" not in shown


def test_answer_markdown_is_literal_with_bold_citations():
    shown = safe_markdown("Déconseillé [1, 2].\n- <b>voir</b> [ici](https://x.fr) $x$ :red[y]")
    assert shown == (
        "Déconseillé **\\[1, 2\\]**\\.  \n"
        "- \\<b\\>voir\\</b\\> \\[ici\\]\\(https\\://x\\.fr\\) \\$x\\$ \\:red\\[y\\]"
    )


@pytest.mark.parametrize(
    ("level", "rank"),
    [
        ("CONTRE-INDICATION", 0),
        ("Association DECONSEILLEE", 1),
        ("Précaution d'emploi", 2),
        ("A prendre en compte", 3),
        ("autre chose", 4),
    ],
)
def test_thesaurus_levels_get_their_severity(level, rank):
    assert severity(level).rank == rank


def test_interaction_table_is_sorted_by_severity_and_coloured():
    interactions = [
        {
            "substances": ["simvastatine", "clarithromycine"],
            "entries": [
                {
                    "sides": ["A", "B"],
                    "levels": ["A prendre en compte"],
                    "conduct": [""],
                    "class_level": False,
                },
                {
                    "sides": ["C", "D"],
                    "levels": ["CONTRE-INDICATION"],
                    "conduct": ["Ne pas associer"],
                    "mechanism": "Risque de\nrhabdomyolyse.",
                    "class_level": True,
                },
            ],
        }
    ]
    frame = interaction_frame(interactions)
    assert list(frame["Niveau"]) == ["CONTRE-INDICATION", "A prendre en compte"]
    assert frame["Entrée du thésaurus"][0] == "C + D (classe)"
    assert frame["Mécanisme et risque"][0] == "Risque de rhabdomyolyse."
    html = style_levels(frame).to_html()
    assert "background-color: #b71c1c" in html and "background-color: #1565c0" in html


def test_an_interaction_written_under_both_sides_is_shown_once():
    entry = {"levels": ["Association DECONSEILLEE"], "conduct": [""], "class_level": True, "mechanism": "m"}
    interactions = [
        {
            "substances": ["apixaban", "clarithromycine"],
            "entries": [
                {**entry, "sides": ["APIXABAN", "INHIBITEURS PUISSANTS DU CYP3A4"]},
                {**entry, "sides": ["INHIBITEURS PUISSANTS DU CYP3A4", "APIXABAN"]},
                {**entry, "sides": ["SUBSTRATS À RISQUE DU CYP3A4", "INHIBITEURS PUISSANTS DU CYP3A4"],
                 "levels": ["A prendre en compte"]},
            ],
        }
    ]  # fmt: skip
    frame = interaction_frame(interactions)
    assert list(frame["Niveau"]) == ["Association DECONSEILLEE", "A prendre en compte"]
    assert frame["Entrée du thésaurus"][0].endswith("(classe) — inscrite sous les deux entrées")
    assert "deux entrées" not in frame["Entrée du thésaurus"][1]
