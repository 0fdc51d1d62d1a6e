"""Read FrenchMedMCQA (JSON array) and CasiMedicos-Arg FR (token-per-line TSV) into :class:`McqItem`.

Both data sets live in ``../shared/data`` (see each folder's ``SOURCE.md``). Their test splits are kept
aside; :func:`load_split` reads ``train`` or ``dev`` from there, or any file of the same format given by path
(``--file``), which is how the held-out test split is run by whoever holds it.

Example:
    >>> items = load_split("casimedicos", "dev")
    >>> len(items), items[0].labels["b"], sorted(items[0].gold)
    (55, '2', ['b'])
"""

import json
import logging
import re
from pathlib import Path

from esculape.settings import SHARED_DATA

from .items import LETTERS, McqItem

__all__ = ["DATASETS", "McqDataError", "load_casimedicos", "load_frenchmedmcqa", "load_split"]

logger = logging.getLogger(__name__)

DATASETS = {"frenchmedmcqa": "frenchmedmcqa", "casimedicos": "casimedicos_arg_fr"}
SPLITS = ("train", "dev")
_EXTENSIONS = {"frenchmedmcqa": "json", "casimedicos": "tsv"}

# The answer marker is spelt three ways across the splits (SOURCE.md): « BONNE RÉPONSE : » (train, test),
# « RÉPONSE CORRECTE : » (two train cases) and the untranslated « CORRECT ANSWER : » (dev).
CASI_MARKER = re.compile(
    r"^(?:BONNE\s+R[ÉE]PONSE|R[ÉE]PONSE\s+CORRECTE|CORRECT\s+ANSWER)\s*:?\s*(\d)\b", re.I
)
_CASE_START = ("QUESTION", "TYPE:")
_OPTION_LABEL = re.compile(r"^\d\s*-\s*")


class McqDataError(ValueError):
    """A data file that is missing or not in the expected format; the message says which and how to fix it."""


def load_split(dataset: str, split: str = "dev", file: str | Path | None = None) -> list[McqItem]:
    """Load one split of a data set.

    :param dataset: ``frenchmedmcqa`` or ``casimedicos``.
    :param split: ``train`` or ``dev`` (read from ``../shared/data``); ignored when ``file`` is given.
    :param file: a file in the data set's own format (for example the held-out test split).
    :returns: the questions, in file order.
    :raises McqDataError: unknown data set or split, missing file, malformed content.
    """
    if dataset not in DATASETS:
        raise McqDataError(f"Unknown dataset '{dataset}': expected one of {', '.join(DATASETS)}")
    if file is None:
        if split not in SPLITS:
            raise McqDataError(
                f"Unknown split '{split}': expected {' or '.join(SPLITS)} (the test split is kept aside; "
                "pass it with --file)"
            )
        path = SHARED_DATA / DATASETS[dataset] / f"{split}.{_EXTENSIONS[dataset]}"
    else:
        path = Path(file).expanduser()
    if not path.is_file():
        raise McqDataError(
            f"Data file '{path}' not found: put the {dataset} files in {SHARED_DATA / DATASETS[dataset]} "
            "or pass an existing file with --file"
        )
    loader = load_frenchmedmcqa if dataset == "frenchmedmcqa" else load_casimedicos
    return loader(path)


def load_frenchmedmcqa(path: Path) -> list[McqItem]:
    """Read a FrenchMedMCQA split: one JSON array of ``{id, question, answers{a..e}, correct_answers}``."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise McqDataError(f"{path}: not a FrenchMedMCQA JSON file ({error})") from None
    if not isinstance(records, list):
        raise McqDataError(f"{path}: expected a JSON array of questions, found {type(records).__name__}")

    items = []
    for n, record in enumerate(records, start=1):
        where = f"{path}: question {n}"
        if not isinstance(record, dict) or not {"question", "answers", "correct_answers"} <= set(record):
            raise McqDataError(f"{where}: expected the fields question, answers and correct_answers")
        options = {key: str(record["answers"][key]).strip() for key in LETTERS if key in record["answers"]}
        gold = frozenset(str(letter).strip().lower() for letter in record["correct_answers"])
        if len(options) < 2 or not gold or not gold <= set(options):
            raise McqDataError(
                f"{where}: answers {sorted(options)} and correct_answers {sorted(gold)} do not match"
            )
        items.append(
            McqItem(
                id=str(record.get("id", n)),
                dataset="frenchmedmcqa",
                question=str(record["question"]).strip(),
                options=options,
                gold=gold,
                category=str(record.get("type", "multiple" if len(gold) > 1 else "simple")),
            )
        )
    return items


def _casimedicos_sentences(path: Path) -> list[list[str]]:
    """The file's sentences as token lists (one ``token label [quality]`` line per token)."""
    sentences: list[list[str]] = [[]]
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.split()
            if not fields:
                if sentences[-1]:
                    sentences.append([])
                continue
            if len(fields) < 2:
                raise McqDataError(
                    f"{path}:{number}: malformed line {line.strip()!r}: expected 'token BIO-label [quality]' "
                    "(CasiMedicos token-per-line format)"
                )
            sentences[-1].append(fields[0])
    return [sentence for sentence in sentences if sentence]


def _opens_option(tokens: list[str], i: int, number: int) -> bool:
    """Whether ``tokens[i]`` opens option ``number``: « 2- », « 2-Texte » or « 2 - » (one train case)."""
    if tokens[i].startswith(f"{number}-"):
        return True
    return tokens[i] == str(number) and i + 1 < len(tokens) and tokens[i + 1].startswith("-")


def _option_starts(tokens: list[str]) -> list[int] | None:
    """Positions of the tokens opening options 1..5, searched backwards from the answer marker, so that a
    « 1- » inside the case (a dose range) is not taken for an option."""
    starts: list[int] = []
    end = len(tokens)
    for number in range(5, 0, -1):
        found = next((i for i in range(end - 1, -1, -1) if _opens_option(tokens, i, number)), None)
        if found is None:
            return None
        starts.insert(0, found)
        end = found
    return starts


def load_casimedicos(path: Path) -> list[McqItem]:
    """Read a CasiMedicos-Arg FR split: rebuild each case, its question, its five options and the answer."""
    cases: list[list[list[str]]] = []
    for sentence in _casimedicos_sentences(path):
        if tuple(sentence[:2]) == _CASE_START:
            cases.append([])
        if not cases:
            raise McqDataError(f"{path}: the file does not start with a 'QUESTION TYPE:' line")
        cases[-1].append(sentence)

    items = []
    for n, sentences in enumerate(cases, start=1):
        where = f"{path}: case {n}"
        specialty = " ".join(sentences[0][2:])
        marker_at = next((i for i, s in enumerate(sentences) if CASI_MARKER.match(" ".join(s))), None)
        if marker_at is None:
            raise McqDataError(
                f"{where}: no answer marker (expected 'BONNE RÉPONSE :', 'RÉPONSE CORRECTE :' or "
                "'CORRECT ANSWER :' followed by the option number)"
            )
        answer = int(CASI_MARKER.match(" ".join(sentences[marker_at])).group(1))

        # Flatten the sentences before the marker, remembering where each sentence starts.
        tokens: list[str] = []
        sentence_of: list[int] = []
        for index, sentence in enumerate(sentences[1:marker_at], start=1):
            tokens.extend(sentence)
            sentence_of.extend([index] * len(sentence))
        starts = _option_starts(tokens)
        if starts is None or not 1 <= answer <= 5:
            raise McqDataError(f"{where}: options 1- to 5- not found, or answer {answer} out of range")
        options = {}
        for key, start, end in zip(LETTERS, starts, [*starts[1:], len(tokens)], strict=True):
            options[key] = _OPTION_LABEL.sub("", " ".join(tokens[start:end]))

        # The question is the last sentence before option 1; the case is what precedes it.
        body = tokens[: starts[0]]
        if body[:3] == ["CLINICAL", "CASE", ":"]:
            body = body[3:]
        last = sentence_of[starts[0] - 1] if starts[0] else 0
        cut = next((i for i, s in enumerate(sentence_of[: starts[0]]) if s == last), 0)
        cut = max(0, cut - (len(tokens[: starts[0]]) - len(body)))
        items.append(
            McqItem(
                id=f"{path.stem}-{n}",
                dataset="casimedicos",
                question=" ".join(body[cut:]),
                options=options,
                gold=frozenset({LETTERS[answer - 1]}),
                case=" ".join(body[:cut]),
                category=specialty,
                labels={key: str(i) for i, key in enumerate(LETTERS, start=1)},
            )
        )
    return items
