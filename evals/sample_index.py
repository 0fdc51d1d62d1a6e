"""The index a notebook runs on: the real one when it has been built, else a small real one built on the spot.

CI runs the notebooks from a clean checkout, where ``esculape ingest`` has not run. There they build the
same small corpus as the tests (``tests/conftest.py``: five substances' BDPM records, their thesaurus
entries, a few leaflets and case reports, cut from ``../shared/data``) and index it under
``ESCULAPE_DATA_DIR/notebook-mini`` (incremental: seconds once built). Figures from that index show that
the notebook runs, not how well Esculape retrieves.

Usage example::

    settings = notebook_settings("auto")   # "real", "mini" or "auto" (real when an index exists)
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from esculape.settings import REPO_ROOT, Settings

logger = logging.getLogger(__name__)

INDEX_KINDS = ("auto", "real", "mini")


def has_index(settings: Settings) -> bool:
    """Whether an embedded index has been written under ``settings.index_dir``."""
    return settings.store != "memory" or any(settings.index_dir.rglob("manifest.json"))


def notebook_settings(index: str = "auto", settings: Settings | None = None) -> Settings:
    """Settings pointing at the index a notebook should use.

    :param index: ``real`` (the configured index, which must exist), ``mini`` (the small corpus, built if
        needed) or ``auto`` (``real`` when an index exists, else ``mini``).
    :raises ValueError: for another ``index`` value, or ``real`` without an index.
    """
    settings = settings or Settings.from_env()
    if index not in INDEX_KINDS:
        raise ValueError(f"index '{index}': expected one of {', '.join(INDEX_KINDS)}")
    if index == "auto":
        index = "real" if has_index(settings) else "mini"
    if index == "real":
        if not has_index(settings):
            raise ValueError(
                f"no index under {settings.index_dir}: run `esculape ingest` or use index='mini'"
            )
        return settings

    from pipelines.indexing.indexer import Indexer

    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from tests.conftest import build_mini_corpus

    folder = settings.data_dir / "notebook-mini"
    corpus = folder / "corpus"
    if not corpus.is_dir():
        # Built aside, then renamed: an interrupted copy is never taken for a corpus.
        staging = folder / "corpus.partial"
        shutil.rmtree(staging, ignore_errors=True)
        build_mini_corpus(staging)
        staging.rename(corpus)
    mini = Settings.from_env()
    mini.corpus = corpus
    mini.data_dir = folder
    mini.store = "memory"
    Indexer(mini, progress_bar=False).run()
    logger.info("Notebook index: the small corpus under %s", folder)
    return mini


def notebook_index_path(settings: Settings) -> Path:
    """Where the index of ``settings`` lives (shown in the notebooks)."""
    return settings.index_dir
