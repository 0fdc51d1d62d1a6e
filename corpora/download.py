"""Download the current official BDPM files from base-donnees-publique.medicaments.gouv.fr.

Files land in ``<target_dir>/bdpm_<YYYY-MM>/`` (the current month), each written to a temporary file and
then renamed, so that an interrupted download never leaves a half-written file under its final name. A
``SOURCE.md`` records the origin and date. The folder is then a snapshot :func:`corpora.catalog.load_corpus`
reads like the bundled ones.

Usage::

    folder = download_bdpm(Path(".esculape/corpus"))
"""

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path

import httpx

logger = logging.getLogger(__name__)

HOST = "base-donnees-publique.medicaments.gouv.fr"
BASE_URL = f"https://{HOST}/download/file/"
FILES = (
    "CIS_bdpm.txt",
    "CIS_CIP_bdpm.txt",
    "CIS_COMPO_bdpm.txt",
    "CIS_GENER_bdpm.txt",
    "CIS_CPD_bdpm.txt",
    "CIS_HAS_SMR_bdpm.txt",
    "CIS_HAS_ASMR_bdpm.txt",
    "HAS_LiensPageCT_bdpm.txt",
    "CIS_MITM.txt",
    "CIS_CIP_Dispo_Spec.txt",
)
# Without these a snapshot is not worth keeping; the others are optional extras.
REQUIRED = {"CIS_bdpm.txt", "CIS_COMPO_bdpm.txt"}


class DownloadError(RuntimeError):
    """The BDPM site could not be reached or returned something unusable."""


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path`` then rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _source_md(folder: Path, fetched: list[str], missing: list[str], today: dt.date) -> str:
    lines = [
        f"# BDPM (Base de données publique des médicaments) — downloaded {today.isoformat()}",
        "",
        f"- **Origin**: {BASE_URL}<file>, downloaded by `corpora.download.download_bdpm`.",
        "- **Licence**: official public BDPM data (ANSM/HAS/UNCAM); see the data.gouv.fr reuse terms.",
        "- **Encoding**: as published (normally Windows-1252); the loaders detect it per file.",
        f"- **Files**: {', '.join(fetched)}.",
    ]
    if missing:
        lines.append(f"- **Not fetched** (error or absent on the site): {', '.join(missing)}.")
    return "\n".join(lines) + "\n"


def download_bdpm(
    target_dir: Path,
    timeout: float = 60.0,
    base_url: str = BASE_URL,
    files: tuple[str, ...] = FILES,
    today: dt.date | None = None,
) -> Path:
    """Fetch the BDPM files into ``target_dir/bdpm_<YYYY-MM>/`` and return that folder.

    Args:
        target_dir: the corpus folder (created if needed).
        timeout: seconds allowed for connecting and for each read.
        base_url: where the files are published (overridable for a mirror).
        files: the file names to fetch.
        today: the date naming the snapshot (defaults to today).

    Raises:
        DownloadError: when the site cannot be reached, or a required file cannot be fetched.
    """
    today = today or dt.date.today()
    folder = Path(target_dir) / f"bdpm_{today:%Y-%m}"
    folder.mkdir(parents=True, exist_ok=True)

    try:
        fetched, missing = _fetch_all(client_timeout=timeout, base_url=base_url, files=files, folder=folder)
    except DownloadError:
        if not any(folder.iterdir()):
            folder.rmdir()
        raise

    _write_atomic(folder / "SOURCE.md", _source_md(folder, fetched, missing, today).encode("utf-8"))
    return folder


def _fetch_all(
    client_timeout: float, base_url: str, files: tuple[str, ...], folder: Path
) -> tuple[list[str], list[str]]:
    """Fetch ``files`` into ``folder``; return the names fetched and those missing."""
    fetched: list[str] = []
    missing: list[str] = []
    with httpx.Client(timeout=client_timeout, follow_redirects=True) as client:
        for name in files:
            url = base_url + name
            try:
                response = client.get(url)
                response.raise_for_status()
            except httpx.TransportError as error:
                raise DownloadError(
                    f"Impossible de joindre {HOST} ({error.__class__.__name__}) : vérifiez la connexion, "
                    "ou indiquez un dossier de corpus déjà téléchargé avec --corpus ou ESCULAPE_CORPUS"
                ) from error
            except httpx.HTTPStatusError as error:
                if name in REQUIRED:
                    raise DownloadError(
                        f"{url} answered HTTP {error.response.status_code}: the BDPM site may have moved its "
                        "files; check https://base-donnees-publique.medicaments.gouv.fr/telechargement"
                    ) from error
                status = error.response.status_code
                logger.warning("Could not fetch %s (HTTP %s); the snapshot will lack it", name, status)
                missing.append(name)
                continue

            if not response.content.strip() or response.content.lstrip()[:1] == b"<":
                if name in REQUIRED:
                    raise DownloadError(f"{url} returned an empty or HTML page instead of a TSV file")
                missing.append(name)
                continue

            _write_atomic(folder / name, response.content)
            fetched.append(name)
            logger.info("Downloaded %s (%d bytes)", name, len(response.content))
    return fetched, missing
