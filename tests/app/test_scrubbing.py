"""Patient identifiers are removed before anything is stored; clinical content is kept."""

import pytest

from esculape.workbench.scrubbing import scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M. Dupont a 72 ans", "M. [nom] a 72 ans"),
        ("Mme DURAND Marie, insuffisante rénale", "Mme [nom], insuffisante rénale"),
        ("avis du Dr Martin puis du Pr Lefèvre-Durand", "avis du Dr [nom] puis du Pr [nom]"),
        ("Madame Lemoine et Monsieur Bernard", "Madame [nom] et Monsieur [nom]"),
        ("NIR 1 54 03 75 112 233 45.", "NIR [NIR]."),
        ("NIR 2880599123456", "NIR [NIR]"),
        ("NIR 2 88 05 2A 123 456 78", "NIR [NIR]"),
        ("tél. 06 12 34 56 78 ou +33 1 23 45 67 89", "tél. [téléphone] ou [téléphone]"),
        ("joindre le 06.12.34.56.78", "joindre le [téléphone]"),
        ("écrire à jean.dupont@chu-lyon.fr", "écrire à [courriel]"),
        ("née le 3 mars 1954, vue le 12/03/2025", "[date de naissance], vue le [date]"),
        ("DDN : 12/03/54", "[date de naissance]"),
        ("date de naissance 01-02-1960", "[date de naissance]"),
        ("habite 12 rue des Lilas, 75013 Paris", "habite [adresse]"),
        ("4 bis avenue Foch 69006 Lyon", "[adresse]"),
    ],
)
def test_identifiers_are_replaced(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Peut-on associer apixaban et clarithromycine ?",
        "Metformine 1000 mg deux fois par jour, 2,5 mg/kg, 25000 UI d'héparine",
        "Avis HAS du 2020-10-22 : SMR important, ASMR IV",
        "Clairance de la créatinine à 30 ml/min chez le sujet de 85 ans",
        "CIS 60234100, code ATC B01AF02",
    ],
)
def test_clinical_content_is_kept(text):
    assert scrub(text) == text


def test_empty_text():
    assert scrub(None) == "" and scrub("") == ""
