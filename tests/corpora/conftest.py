"""Fixtures for the corpus loader tests: the shared data folder and indexes built once per session."""

import os
from pathlib import Path

import pytest

from corpora.bdpm import SpecialtyIndex, read_snapshots
from corpora.report import LoadReport
from corpora.thesaurus import ThesaurusIndex

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The corpus folder (ESCULAPE_CORPUS or ../shared/data); the test is skipped when it is absent."""
    folder = Path(os.environ.get("ESCULAPE_CORPUS", SHARED_DATA)).expanduser()
    if not (folder / "bdpm_2026-01").is_dir():
        pytest.skip(f"corpus folder {folder} not available: set ESCULAPE_CORPUS to the shared data folder")
    return folder


@pytest.fixture(scope="session")
def snapshots(corpus_dir: Path):
    """Both BDPM snapshots, newest first."""
    return read_snapshots([corpus_dir / "bdpm_2022-06", corpus_dir / "bdpm_2026-01"], LoadReport())


@pytest.fixture(scope="session")
def specialty_index(snapshots) -> SpecialtyIndex:
    """The specialty index over both snapshots."""
    return SpecialtyIndex.from_snapshots(snapshots)


@pytest.fixture(scope="session")
def thesaurus_index(corpus_dir: Path) -> ThesaurusIndex:
    """The October 2020 ANSM thesaurus index."""
    return ThesaurusIndex.from_folder(corpus_dir / "ansm_thesaurus_interactions_2020-10")
