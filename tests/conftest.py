"""Shared test fixtures: where the real data is, and a small real corpus cut from it."""

import json
import shutil
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Substances whose specialties make up the small corpus: enough for interaction, SMR, shortage and
# leaflet questions, small enough to embed in seconds.
MINI_SUBSTANCES = ("APIXABAN", "CLARITHROMYCINE", "AMIODARONE", "SIMVASTATINE", "METFORMINE")
MINI_THESAURUS_MAIN = {"APIXABAN", "CLARITHROMYCINE", "AMIODARONE", "SIMVASTATINE", "METFORMINE"}


def require_shared_data() -> Path:
    """The shared data folder, or skip the test with the reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data absent: {SHARED_DATA} not found (tests read ../shared/data)")
    return SHARED_DATA


def _filter_lines(source: Path, target: Path, keep) -> None:
    kept = [line for line in source.read_bytes().splitlines(keepends=True) if keep(line.split(b"\t"))]
    target.write_bytes(b"".join(kept))


def build_mini_corpus(target: Path, notices: int = 4, cases: int = 3) -> Path:
    """Copy a small, real slice of ``../shared/data`` into ``target`` (same layout, same encodings)."""
    data = require_shared_data()
    target.mkdir(parents=True, exist_ok=True)

    cis: set[bytes] = set()
    for snapshot, encoding in (("bdpm_2026-01", "utf-8"), ("bdpm_2022-06", "cp1252")):
        for line in (data / snapshot / "CIS_COMPO_bdpm.txt").read_bytes().splitlines():
            fields = line.split(b"\t")
            if len(fields) > 3 and any(s in fields[3].decode(encoding).upper() for s in MINI_SUBSTANCES):
                cis.add(fields[0])

    for snapshot in ("bdpm_2026-01", "bdpm_2022-06"):
        folder = target / snapshot
        folder.mkdir()
        for path in sorted((data / snapshot).iterdir()):
            if path.name == "HAS_LiensPageCT_bdpm.txt" or path.suffix != ".txt":
                shutil.copy(path, folder / path.name)
            elif path.name == "CIS_GENER_bdpm.txt":
                _filter_lines(path, folder / path.name, lambda f: len(f) > 2 and f[2] in cis)
            else:
                _filter_lines(path, folder / path.name, lambda f: f[0] in cis)

    thesaurus = target / "ansm_thesaurus_interactions_2020-10"
    thesaurus.mkdir()
    for path in (data / "ansm_thesaurus_interactions_2020-10").iterdir():
        if path.name.startswith("thesaurus-"):
            entries = json.loads(path.read_text(encoding="utf-8"))
            kept = [e for e in entries if e["main_drug"] in MINI_THESAURUS_MAIN]
            (thesaurus / path.name).write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        else:
            shutil.copy(path, thesaurus / path.name)

    leaflets = target / "bdpm_notices_e3c_fr"
    leaflets.mkdir()
    for path in sorted((data / "bdpm_notices_e3c_fr").glob("FR*.json"))[:notices]:
        shutil.copy(path, leaflets / path.name)

    layer = target / "e3c_fr_clinical_cases" / "layer1"
    layer.mkdir(parents=True)
    for path in sorted((data / "e3c_fr_clinical_cases" / "layer1").glob("*.json"))[:cases]:
        shutil.copy(path, layer / path.name)
    return target


@pytest.fixture(scope="session")
def mini_corpus(tmp_path_factory) -> Path:
    """A small real corpus (read-only by convention: copy it before changing files)."""
    return build_mini_corpus(tmp_path_factory.mktemp("mini") / "corpus")
