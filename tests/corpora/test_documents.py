"""A user's documents folder: conversion, sections, dates, unreadable files."""

from pathlib import Path

import pytest

from corpora.catalog import CorpusError, load_documents_folder
from corpora.report import LoadReport

HTML = """<html><head><title>HTA</title></head><body><h1>Prise en charge de l'HTA</h1>
<p>Mis à jour le 12 mars 2024.</p><h2>Diagnostic</h2><p>La mesure ambulatoire est recommandée.</p>
<h2>Traitement</h2><p>Un IEC ou un ARA2 est proposé en première intention.</p></body></html>"""
MARKDOWN = (
    "# Guide anticoagulants\n\nDate de publication : 03/02/2025\n\n"
    "## Apixaban\n\n{body}\n\n## Rivaroxaban\n\nTexte.\n"
)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "hta.html").write_text(HTML, encoding="utf-8")
    sentences = " ".join(f"Phrase numéro {i} sur l'apixaban et le rein." for i in range(120))
    (tmp_path / "guide.md").write_text(MARKDOWN.format(body=sentences), encoding="utf-8")
    (tmp_path / "note.txt").write_bytes("1. Posologie\nUn comprimé à avaler le soir.\n".encode("cp1252"))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)
    (tmp_path / "garbled.txt").write_bytes(bytes(range(256)) * 8)
    return tmp_path


def test_files_become_sectioned_passages_and_bad_files_are_counted(folder: Path) -> None:
    report = LoadReport()
    passages = list(load_documents_folder(folder, report, publisher="Service de cardiologie"))
    by_file = {}
    for passage in passages:
        by_file.setdefault(passage.meta["file_path"], []).append(passage)

    assert sorted(by_file) == ["guide.md", "hta.html", "note.txt"]
    assert report.skipped["document"] == 2
    assert any("broken.pdf" in reason for reason in report.reasons)
    assert any("garbled.txt" in reason for reason in report.reasons)

    guide = by_file["guide.md"]
    assert guide[0].meta["title"] == "Guide anticoagulants"
    assert guide[0].meta["date"] == "2025-02-03" and guide[0].meta["date_source"] == "text"
    assert any("Apixaban" in p.meta["section"] for p in guide)
    assert all(len(p.content.split()) <= 500 for p in guide)

    html = by_file["hta.html"][0]
    assert html.meta["title"] == "Prise en charge de l'HTA"
    assert html.meta["date"] == "2024-03-12"

    note = by_file["note.txt"][0]
    assert "comprimé" in note.content
    assert note.meta["date_source"] == "file_mtime"
    assert note.meta["publisher"] == "Service de cardiologie"


def test_same_folder_gives_same_ids(folder: Path) -> None:
    first = [p.id for p in load_documents_folder(folder, LoadReport())]
    second = [p.id for p in load_documents_folder(folder, LoadReport())]
    assert first == second and len(first) == len(set(first))


def test_missing_documents_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="Documents folder .*absent.* not found"):
        list(load_documents_folder(tmp_path / "absent", LoadReport()))


def _minimal_pdf(lines: list[str], title: str, creation_date: str) -> bytes:
    """A one-page PDF with ``lines`` of text and an information dictionary, written by hand."""
    text_ops = " 0 -20 Td ".join(f"({line}) Tj" for line in lines)
    content = f"BT /F1 12 Tf 72 720 Td {text_ops} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) /CreationDate (D:{creation_date}) >>".encode("latin-1"),
    ]
    pdf = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return pdf


def test_pdf_title_and_date_come_from_its_metadata(tmp_path: Path) -> None:
    lines = ["1. Introduction", "Ce guide traite de l'apixaban.", "2. Posologie", "Deux prises par jour."]
    (tmp_path / "guide.pdf").write_bytes(_minimal_pdf(lines, "Guide apixaban", "20240115120000Z"))
    report = LoadReport()

    [passage] = list(load_documents_folder(tmp_path, report))

    assert passage.meta["title"] == "Guide apixaban"
    assert passage.meta["date"] == "2024-01-15" and passage.meta["date_source"] == "metadata"
    assert passage.meta["section"] == "1. Introduction / 2. Posologie"
    assert "Deux prises par jour." in passage.content
