"""BDPM specialty passages and the specialty index, on the real snapshots."""

import pytest

from corpora.bdpm import bdpm_passages
from corpora.report import LoadReport

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def passages(snapshots) -> dict:
    return {passage.id: passage for passage in bdpm_passages(snapshots, LoadReport())}


def test_passage_holds_composition_price_atc_and_shortage(passages: dict) -> None:
    cinacalcet = passages["bdpm:60340413"]

    assert "CINACALCET EG 30 mg, comprimé pelliculé" in cinacalcet.content
    assert "Code ATC : H05BX01" in cinacalcet.content
    assert "CINACALCET" in cinacalcet.content and "30 mg" in cinacalcet.content
    assert "prix 73,03 €" in cinacalcet.content
    assert "Tension d'approvisionnement" in cinacalcet.content
    assert "https://ansm.sante.fr/disponibilites-des-produits-de-sante/" in cinacalcet.content
    assert cinacalcet.meta["atc"] == ["H05BX01"]
    assert cinacalcet.meta["shortage_status"] == "Tension d'approvisionnement"
    assert cinacalcet.meta["url"].endswith("extrait.php?specid=60340413")


def test_newest_snapshot_wins_on_price(passages: dict) -> None:
    cinacalcet = passages["bdpm:60340413"]

    assert cinacalcet.meta["version"] == "bdpm-2026-01"
    assert "78,94" not in cinacalcet.content  # the June 2022 price


def test_specialty_only_in_2022_is_kept_with_its_version(passages: dict) -> None:
    abelcet = passages["bdpm:66207341"]

    assert abelcet.meta["title"] == "ABELCET 5 mg/ml, suspension à diluer pour perfusion"
    assert abelcet.meta["version"] == "bdpm-2022-06"


def test_meta_follows_the_schema(passages: dict) -> None:
    anastrozole = passages["bdpm:60002283"]

    assert anastrozole.meta["date"] == "2010-10-28"
    assert anastrozole.meta["substances"] == ["anastrozole"]
    assert anastrozole.meta["commercialised"] is True
    assert anastrozole.meta["generic_group"].startswith("ANASTROZOLE 1 mg - ARIMIDEX 1 mg")
    assert "anastrozole" in anastrozole.meta["dense_text"]
    assert "comprimé : ANASTROZOLE 1,00 mg pour un comprimé" in anastrozole.content
    assert len(passages) == 17_589


def test_index_finds_specialties_by_name_and_former_name(specialty_index) -> None:
    assert specialty_index.get("60002283").substances == ["anastrozole"]
    assert [s.cis for s in specialty_index.find_name("anastrozole accord 1 MG comprime pellicule")] == [
        "60002283"
    ]

    # MYLAN generics were renamed VIATRIS between 2022 and 2026; leaflets still say MYLAN.
    name, found = specialty_index.match_start(
        "ABACAVIR MYLAN 300 mg, comprimé pelliculé sécable Abacavir Encadré"
    )
    assert name == "ABACAVIR MYLAN 300 mg, comprimé pelliculé sécable"
    assert "VIATRIS" in found[0].name
