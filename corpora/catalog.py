"""Find the known sources in a corpus folder and load them all as passages, deterministically.

A corpus folder holds any of these sub-folders (names as in ``../shared/data``):

| folder | source(s) |
|---|---|
| ``bdpm_<YYYY-MM>`` (one or more) | ``bdpm``; ``has_opinion`` from the newest one holding the HAS files |
| ``ansm_thesaurus_interactions_<YYYY-MM>`` | ``interaction`` (newest folder) |
| ``bdpm_notices_*`` | ``notice`` |
| ``e3c_fr_clinical_cases`` | ``case_report`` |
| ``documents`` (optional) | ``document``: the user's own PDF/HTML/Markdown/text files |

The same input always gives the same passages, ids and order, so ingestion is idempotent.

Usage::

    report = LoadReport()
    for passage in load_corpus(Path("../shared/data"), report, sources={"bdpm", "interaction"}):
        ...
    print(report.passages, report.skipped)
"""

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from haystack import Document

from corpora.bdpm import SpecialtyIndex, bdpm_passages, is_snapshot_folder, read_snapshots
from corpora.case_reports import load_case_reports
from corpora.documents import load_documents
from corpora.has_opinions import has_files_present, load_has_opinions
from corpora.notices import load_notices
from corpora.report import LoadReport
from corpora.schema import Source
from corpora.tabular import TabularError
from corpora.thesaurus import THESAURUS_FILE, ThesaurusError, load_thesaurus

logger = logging.getLogger(__name__)

DOCUMENTS_FOLDER = "documents"


class CorpusError(RuntimeError):
    """The corpus folder is missing, unreadable, or holds no known source."""


@dataclass
class CorpusLayout:
    """The source folders found in a corpus folder."""

    root: Path
    bdpm: list[Path] = field(default_factory=list)
    thesaurus: Path | None = None
    notices: list[Path] = field(default_factory=list)
    case_reports: Path | None = None
    documents: Path | None = None

    @property
    def has_opinions(self) -> Path | None:
        """The newest BDPM snapshot holding the HAS opinion files."""
        with_has = [folder for folder in self.bdpm if has_files_present(folder)]
        return max(with_has, key=lambda folder: folder.name) if with_has else None

    def sources(self) -> set[str]:
        """The source names this layout can produce."""
        found = set()
        if self.bdpm:
            found.add(Source.BDPM.value)
        if self.has_opinions is not None:
            found.add(Source.HAS_OPINION.value)
        if self.thesaurus is not None:
            found.add(Source.INTERACTION.value)
        if self.notices:
            found.add(Source.NOTICE.value)
        if self.case_reports is not None:
            found.add(Source.CASE_REPORT.value)
        if self.documents is not None:
            found.add(Source.DOCUMENT.value)
        return found


def discover(corpus_dir: Path) -> CorpusLayout:
    """Find the known source folders of ``corpus_dir``.

    Raises:
        CorpusError: when the folder is missing or unreadable, or holds no known source.
    """
    corpus_dir = Path(corpus_dir).expanduser()
    if not corpus_dir.is_dir():
        raise CorpusError(f"Corpus folder '{corpus_dir}' not found: pass --corpus or set ESCULAPE_CORPUS")
    try:
        children = sorted(child for child in corpus_dir.iterdir() if child.is_dir())
    except OSError as error:
        raise CorpusError(
            f"Corpus folder '{corpus_dir}' cannot be read ({error.strerror}): check its permissions"
        ) from error

    layout = CorpusLayout(root=corpus_dir)
    thesauri = []
    for child in children:
        name = child.name
        if name.startswith("bdpm_notices_"):
            layout.notices.append(child)
        elif is_snapshot_folder(child):
            layout.bdpm.append(child)
        elif name.startswith("ansm_thesaurus_") and (child / THESAURUS_FILE).is_file():
            thesauri.append(child)
        elif name == "e3c_fr_clinical_cases":
            layout.case_reports = child
        elif name == DOCUMENTS_FOLDER:
            layout.documents = child
    layout.thesaurus = thesauri[-1] if thesauri else None

    if not layout.sources():
        raise CorpusError(
            f"Corpus folder '{corpus_dir}' holds no known source (bdpm_<YYYY-MM>, ansm_thesaurus_*, "
            "bdpm_notices_*, e3c_fr_clinical_cases, documents): pass --corpus or set ESCULAPE_CORPUS"
        )
    return layout


def _parse_sources(sources: Iterable[str] | None) -> set[str] | None:
    if sources is None:
        return None
    return {Source.from_str(str(getattr(source, "value", source))).value for source in sources}


def load_corpus(corpus_dir: Path, report: LoadReport, sources: set[str] | None = None) -> Iterator[Document]:
    """Yield the passages of every known source in ``corpus_dir`` (or only ``sources``), in a fixed order.

    Order: bdpm, has_opinion, interaction, notice, case_report, document. A passage id met twice is yielded
    once and the repeat counted as skipped.

    Args:
        corpus_dir: the folder holding the source folders.
        report: receives passage counts, skipped records and notes.
        sources: source names to load (see :class:`~corpora.schema.Source`); None loads all.

    Raises:
        CorpusError: when the folder is missing, unreadable, holds no known source or none of ``sources``,
            or when a source file it needs cannot be read.
        ValueError: when ``sources`` names an unknown source.
    """
    try:
        yield from _load(corpus_dir, report, sources)
    except (TabularError, ThesaurusError) as error:
        raise CorpusError(str(error)) from error


def _load(corpus_dir: Path, report: LoadReport, sources: set[str] | None) -> Iterator[Document]:
    wanted = _parse_sources(sources)
    layout = discover(corpus_dir)
    available = layout.sources()
    selected = available if wanted is None else available & wanted
    if not selected:
        raise CorpusError(
            f"Corpus folder '{layout.root}' holds none of the sources asked for "
            f"({', '.join(sorted(wanted or []))}); it holds: {', '.join(sorted(available))}"
        )
    if wanted is not None and wanted - available:
        logger.warning("Sources not found in %s: %s", layout.root, ", ".join(sorted(wanted - available)))

    seen: set[str] = set()

    def unique(documents: Iterable[Document], source: str) -> Iterator[Document]:
        for document in documents:
            if document.id in seen:
                report.skip(source, f"duplicate passage id {document.id}")
                continue
            seen.add(document.id)
            yield document

    started = time.perf_counter()
    needs_index = bool(selected & {Source.BDPM.value, Source.HAS_OPINION.value, Source.NOTICE.value})
    snapshots = read_snapshots(layout.bdpm, report) if needs_index and layout.bdpm else []
    index = SpecialtyIndex.from_snapshots(snapshots) if snapshots else None

    if Source.BDPM.value in selected:
        yield from unique(bdpm_passages(snapshots, report), Source.BDPM.value)
    if Source.HAS_OPINION.value in selected and layout.has_opinions is not None:
        yield from unique(load_has_opinions(layout.has_opinions, index, report), Source.HAS_OPINION.value)
    if Source.INTERACTION.value in selected and layout.thesaurus is not None:
        yield from unique(load_thesaurus(layout.thesaurus, report), Source.INTERACTION.value)
    if Source.NOTICE.value in selected:
        for folder in layout.notices:
            yield from unique(load_notices(folder, index, report), Source.NOTICE.value)
    if Source.CASE_REPORT.value in selected and layout.case_reports is not None:
        yield from unique(load_case_reports(layout.case_reports, report), Source.CASE_REPORT.value)
    if Source.DOCUMENT.value in selected and layout.documents is not None:
        yield from unique(load_documents(layout.documents, report), Source.DOCUMENT.value)

    logger.info(
        "Loaded %d passages from %s in %.1f s (%d records skipped)",
        sum(report.passages.values()),
        layout.root,
        time.perf_counter() - started,
        sum(report.skipped.values()),
    )


def load_documents_folder(path: Path, report: LoadReport, publisher: str = "") -> Iterator[Document]:
    """Yield the passages of a user's folder of PDF, HTML, Markdown or text files.

    Raises:
        CorpusError: when ``path`` is not a readable folder.
    """
    path = Path(path).expanduser()
    if not path.is_dir():
        raise CorpusError(
            f"Documents folder '{path}' not found: give an existing folder of PDF/HTML/MD/TXT files"
        )
    yield from load_documents(path, report, publisher=publisher)
