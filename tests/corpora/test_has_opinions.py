"""HAS SMR/ASMR opinion passages, one per distinct opinion."""

import re

import pytest

from corpora.has_opinions import load_has_opinions
from corpora.report import LoadReport

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def opinions(corpus_dir, specialty_index) -> list:
    return list(load_has_opinions(corpus_dir / "bdpm_2022-06", specialty_index, LoadReport()))


def test_opinion_has_its_has_url_and_iso_date(opinions: list) -> None:
    orofluco = next(o for o in opinions if o.meta["has_dossier"] == "CT-17000" and "smr_level" in o.meta)

    assert orofluco.meta["url"] == "https://www.has-sante.fr/jcms/c_2892933"
    assert orofluco.meta["date"] == "2018-12-12"
    assert orofluco.meta["smr_level"] == "Modéré"
    assert orofluco.meta["publisher"] == "HAS"
    assert "Avis de la Commission de la transparence (HAS) du 12/12/2018" in orofluco.content
    assert "Renouvellement d'inscription (CT)" in orofluco.content
    assert "fluconazole" in orofluco.meta["substances"]


def test_opinion_is_shared_by_the_specialties_it_covers(opinions: list) -> None:
    ids = [o.id for o in opinions]
    assert len(ids) == len(set(ids))

    shared = [o for o in opinions if len(o.meta["cis"]) > 1]
    assert len(shared) > 1000
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", o.meta["date"]) for o in opinions)


def test_glimezit_smr_passage(opinions: list) -> None:
    glimezit = next(o for o in opinions if o.meta["has_dossier"] == "CT-19691" and o.meta.get("smr_level"))

    assert glimezit.meta["smr_level"] == "Important"
    assert glimezit.meta["dense_text"].startswith("SMR important — GLIMEZIT")
    assert "diabète de type 2" in glimezit.content
    assert glimezit.meta["cis"] == ["63806909"]
