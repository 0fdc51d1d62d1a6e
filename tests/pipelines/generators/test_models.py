"""The packaged GGUF files: assembly of the default Qwen from its six packages, checksum, idempotence,
and the French errors for a missing package or a damaged file."""

import hashlib
import time

import pytest

from pipelines.generators.base import ErrorKind, GeneratorError
from pipelines.generators.models import (
    QWEN_CODER_05B,
    SMOLLM2_135M,
    PackagedModel,
    check_gguf_header,
    default_model_path,
    smollm2_path,
)


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 23):
            digest.update(block)
    return digest.hexdigest()


def test_default_model_is_assembled_once_verified_and_atomically(tmp_path):
    started = time.perf_counter()
    path = default_model_path(tmp_path)

    assert path == tmp_path / QWEN_CODER_05B.name
    assert path.stat().st_size == 491_400_064
    assert _sha256(path) == QWEN_CODER_05B.sha256
    assert not list(tmp_path.glob("*.partial-*")), "no temporary file left behind"
    first_call = time.perf_counter() - started

    mtime = path.stat().st_mtime_ns
    started = time.perf_counter()
    assert default_model_path(tmp_path) == path
    second_call = time.perf_counter() - started
    assert path.stat().st_mtime_ns == mtime, "a verified file is not rewritten"
    assert second_call < first_call / 10, "the second call trusts the stamp instead of hashing again"


def test_damaged_default_model_is_rebuilt_from_the_packages(tmp_path):
    path = default_model_path(tmp_path)
    with path.open("r+b") as handle:
        handle.truncate(1_000_000)

    rebuilt = default_model_path(tmp_path)

    assert rebuilt.stat().st_size == QWEN_CODER_05B.size
    assert _sha256(rebuilt) == QWEN_CODER_05B.sha256


def test_missing_part_package_is_named_in_french(tmp_path):
    model = PackagedModel(
        name="incomplet.gguf",
        packages=(
            QWEN_CODER_05B.packages[0],
            ("esculape-part-absente", "0.1.0", "esculape_part_absente/data/part02.bin"),
        ),
        size=1,
        sha256="0" * 64,
    )
    with pytest.raises(GeneratorError, match="« esculape-part-absente » n'est pas installé") as caught:
        default_model_path(tmp_path, model)

    assert caught.value.kind == ErrorKind.MISSING
    assert "make setup" in str(caught.value)
    assert not list(tmp_path.rglob("*")), "nothing written when a part is missing"


def test_parts_that_do_not_match_the_checksum_leave_nothing_behind(tmp_path):
    model = PackagedModel(
        name="altere.gguf",
        packages=(QWEN_CODER_05B.packages[5],),  # the real last part alone: wrong size and checksum
        size=QWEN_CODER_05B.size,
        sha256=QWEN_CODER_05B.sha256,
    )
    with pytest.raises(GeneratorError, match="altéré") as caught:
        default_model_path(tmp_path, model)

    assert caught.value.kind == ErrorKind.CORRUPT
    assert not (tmp_path / "altere.gguf").exists()
    assert not list(tmp_path.glob("*.partial-*"))


def test_smollm2_comes_from_its_package_with_the_recorded_size():
    path = smollm2_path()
    assert path.name == SMOLLM2_135M.name
    assert path.stat().st_size == SMOLLM2_135M.size
    check_gguf_header(path)


def test_header_check_tells_missing_from_not_a_gguf(tmp_path):
    with pytest.raises(GeneratorError, match="introuvable") as missing:
        check_gguf_header(tmp_path / "absent.gguf")
    assert missing.value.kind == ErrorKind.MISSING

    text_file = tmp_path / "notes.gguf"
    text_file.write_text("pas un modèle", encoding="utf-8")
    with pytest.raises(GeneratorError, match="n'est pas un modèle GGUF") as corrupt:
        check_gguf_header(text_file)
    assert corrupt.value.kind == ErrorKind.CORRUPT

