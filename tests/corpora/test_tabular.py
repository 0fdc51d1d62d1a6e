"""Reading BDPM TSV files: encodings, CRLF, truncated and padded lines."""

import shutil
from pathlib import Path

import pytest

from corpora.report import LoadReport
from corpora.tabular import TabularError, detect_encoding, read_tsv

LINE = "61266250\tA 313 200 000 UI POUR CENT, comprimé\tcomprimé\torale\r\n"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_both_encodings_decode_without_mojibake(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "CIS.txt"
    path.write_bytes(LINE.encode(encoding) * 3)

    rows = read_tsv(path, columns=4, report=LoadReport())

    assert detect_encoding(path.read_bytes()) == encoding
    assert [row.fields[2] for row in rows] == ["comprimé"] * 3
    assert not any("\r" in field for row in rows for field in row.fields)


def test_truncated_line_is_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "CIS_bdpm.txt"
    path.write_text(LINE + "60000001\tTRUNCATED\n" + LINE, encoding="utf-8")
    report = LoadReport()

    rows = read_tsv(path, columns=4, report=report)

    assert len(rows) == 2
    assert report.skipped["bdpm"] == 1
    assert report.reasons == ["bdpm: CIS_bdpm.txt line 2: 2 columns, expected 4"]


def test_surplus_empty_columns_are_repaired_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "CIS_GENER_bdpm.txt"
    path.write_text("1809\tPALIPERIDONE - XEPLION\t\t67215259\t0\t1\t\r\n", encoding="cp1252")
    report = LoadReport()

    rows = read_tsv(path, columns=5, report=report)

    assert rows[0].fields == ("1809", "PALIPERIDONE - XEPLION", "67215259", "0", "1")
    assert report.notes["bdpm"] == 1 and report.skipped["bdpm"] == 0


def test_missing_file_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TabularError, match="Cannot read .*absent.txt.*check the corpus folder"):
        read_tsv(tmp_path / "absent.txt", columns=2, report=LoadReport())


@pytest.mark.corpus
@pytest.mark.parametrize(("snapshot", "encoding"), [("bdpm_2022-06", "cp1252"), ("bdpm_2026-01", "utf-8")])
def test_real_snapshots_decode(corpus_dir: Path, snapshot: str, encoding: str) -> None:
    path = corpus_dir / snapshot / "CIS_bdpm.txt"
    rows = read_tsv(path, columns=12, report=LoadReport())

    assert detect_encoding(path.read_bytes()) == encoding
    abacavir = next(row for row in rows if row.fields[0] == "61876780")
    assert abacavir.fields[2] == "comprimé pelliculé sécable"
    assert not any("Ã" in row.fields[1] for row in rows)


@pytest.mark.corpus
def test_truncated_line_in_a_real_file_copy(corpus_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "CIS_bdpm.txt"
    shutil.copy(corpus_dir / "bdpm_2022-06" / "CIS_bdpm.txt", copy)
    lines = copy.read_bytes().split(b"\n")
    lines[122] = b"\t".join(lines[122].split(b"\t")[:5])
    copy.write_bytes(b"\n".join(lines))
    report = LoadReport()

    rows = read_tsv(copy, columns=12, report=report)

    assert len(rows) == 15_675
    assert report.skipped["bdpm"] == 1
    assert report.reasons == ["bdpm: CIS_bdpm.txt line 123: 5 columns, expected 12"]
