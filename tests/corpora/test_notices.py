"""Patient leaflet passages: drug identified from the text, sections, passage sizes."""

import json
from statistics import median

import pytest

from corpora.notices import load_notices, notice_passages, split_sections
from corpora.report import LoadReport

pytestmark = pytest.mark.corpus


def test_drug_comes_from_the_text_not_the_url(corpus_dir, specialty_index) -> None:
    record = json.loads((corpus_dir / "bdpm_notices_e3c_fr" / "FR101768.json").read_text(encoding="utf-8"))
    assert "specid=62869109" in record["url"]  # the E3C url names the capsule, the text is the ointment

    passages = notice_passages(record, specialty_index, LoadReport())

    assert passages[0].meta["cis"] == ["61266250"]
    assert "specid=61266250" in passages[0].meta["url"]
    assert passages[0].meta["title"].startswith("Notice : A 313 200 000 UI POUR CENT, pommade — 1.")
    assert passages[0].meta["date"] == "2021-05-08"


def test_table_of_contents_is_skipped(corpus_dir) -> None:
    text = json.loads((corpus_dir / "bdpm_notices_e3c_fr" / "FR101768.json").read_text(encoding="utf-8"))[
        "text"
    ]
    sections = split_sections(" ".join(text.split()))

    assert [number for number, _ in sections] == [1, 2, 3, 4, 5, 6]
    assert sections[0][1].startswith("Classe pharmacothérapeutique PROTECTEUR CUTANE")


@pytest.mark.slow
def test_every_leaflet_is_identified_and_passages_are_sized(corpus_dir, specialty_index) -> None:
    report = LoadReport()
    passages = list(load_notices(corpus_dir / "bdpm_notices_e3c_fr", specialty_index, report))
    words = [len(p.content.split()) for p in passages]

    assert report.notes["notice"] == 0 and report.skipped["notice"] == 0
    assert len({p.meta["notice_id"] for p in passages}) == 2_495
    assert len({p.id for p in passages}) == len(passages)
    assert 150 <= median(words) <= 400
    # Sections 1 and 5 are often shorter than 150 words by nature; they are kept whole.
    assert sum(150 <= w <= 400 for w in words) / len(words) > 0.6
    assert sum(w <= 450 for w in words) / len(words) > 0.97
    assert not any("Que contient cette notice" in p.content for p in passages)
    assert any("Ne prenez jamais" in p.meta["section"] for p in passages)
