"""Corpus discovery and full loading."""

import time
from pathlib import Path

import pytest

from corpora.catalog import CorpusError, discover, load_corpus
from corpora.report import LoadReport
from corpora.schema import REQUIRED_META


def test_missing_corpus_folder_raises_the_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        CorpusError, match="Corpus folder '.*nowhere' not found: pass --corpus or set ESCULAPE_CORPUS"
    ):
        list(load_corpus(tmp_path / "nowhere", LoadReport()))


def test_folder_without_known_source(tmp_path: Path) -> None:
    (tmp_path / "random").mkdir()
    with pytest.raises(CorpusError, match="holds no known source"):
        discover(tmp_path)


def test_unknown_source_name_lists_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Unknown source 'rcp': expected one of bdpm, has_opinion"):
        list(load_corpus(tmp_path, LoadReport(), sources={"rcp"}))


@pytest.mark.corpus
def test_discovery_of_the_shared_corpus(corpus_dir: Path) -> None:
    layout = discover(corpus_dir)

    assert [folder.name for folder in layout.bdpm] == ["bdpm_2022-06", "bdpm_2026-01"]
    assert layout.has_opinions.name == "bdpm_2022-06"
    assert layout.sources() == {"bdpm", "has_opinion", "interaction", "notice", "case_report"}


@pytest.mark.corpus
def test_loading_twice_gives_identical_passages(corpus_dir: Path) -> None:
    def load() -> list[tuple[str, str]]:
        passages = load_corpus(corpus_dir, LoadReport(), sources={"interaction", "case_report"})
        return [(p.id, p.content) for p in passages]

    first = load()
    assert first == load()
    assert len({doc_id for doc_id, _ in first}) == len(first)


@pytest.mark.corpus
@pytest.mark.slow
def test_full_corpus_load(corpus_dir: Path) -> None:
    report = LoadReport()
    started = time.perf_counter()
    passages = list(load_corpus(corpus_dir, report))
    elapsed = time.perf_counter() - started

    assert dict(report.passages) == {
        "bdpm": 17_589,
        "has_opinion": 12_352,
        "interaction": 3_138,
        "notice": 21_862,
        "case_report": 1_294,
    }
    assert sum(report.skipped.values()) == 0
    assert len({p.id for p in passages}) == len(passages)
    assert all(all(key in p.meta for key in REQUIRED_META) and p.meta["dense_text"] for p in passages)
    assert max(len(p.meta["dense_text"].split()) for p in passages) <= 50
    assert elapsed < 120


def test_unreadable_thesaurus_file_becomes_a_corpus_error(tmp_path: Path) -> None:
    folder = tmp_path / "ansm_thesaurus_interactions_2020-10"
    folder.mkdir()
    (folder / "thesaurus-referentiel-national-des-interactions-medicamenteuses-20102020.json").write_text(
        "{oops"
    )

    with pytest.raises(CorpusError, match="is not valid JSON .*replace the file"):
        list(load_corpus(tmp_path, LoadReport()))
