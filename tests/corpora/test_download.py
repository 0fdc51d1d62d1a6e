"""BDPM download: offline failure is clear and leaves nothing behind."""

from pathlib import Path

import pytest

from corpora.download import DownloadError, download_bdpm


def test_unreachable_site_raises_an_actionable_error(tmp_path: Path) -> None:
    # Port 9 (discard) on localhost refuses connections at once, whatever the network.
    with pytest.raises(DownloadError, match="Impossible de joindre .*ESCULAPE_CORPUS"):
        download_bdpm(tmp_path, timeout=2, base_url="http://127.0.0.1:9/download/file/")
    assert list(tmp_path.iterdir()) == []


def test_offline_default_url_fails_quickly(tmp_path: Path) -> None:
    # This machine has no internet access; where it has, the download may legitimately succeed.
    try:
        folder = download_bdpm(tmp_path, timeout=3, files=("CIS_bdpm.txt",))
    except DownloadError as error:
        assert "base-donnees-publique.medicaments.gouv.fr" in str(error)
    else:
        assert (folder / "CIS_bdpm.txt").stat().st_size > 0
