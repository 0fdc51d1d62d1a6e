"""Check the hand-written tuning set: gold against raw files and corpus, no drug shared with the test set.

``python -m evals.retrieval.check_hand_tune`` prints every question of ``hand_tune.jsonl`` with the raw facts
of its gold (as :mod:`evals.retrieval.check_hand` does for the test set), then checks that

- every id starts with ``hand_tune-`` and no question repeats one of ``hand.jsonl``;
- no drug of the tuning set (recipe sides, substances of the named specialties, brand of a leaflet) is a drug
  of the test set, so that tuning on one set says nothing about the questions of the other;
- every gold id exists among the passages ``corpora.catalog.load_corpus`` yields and every leaflet selector
  resolves to at least one passage (``--no-corpus`` skips this step, which takes about 20 seconds).

It exits with status 1 when any check fails.
"""

import argparse
import json
import sys
from pathlib import Path

from corpora.schema import slug
from esculape.settings import SHARED_DATA

from .check_hand import HAND, check, name_index
from .corpus_check import load_documents, missing_gold, summary
from .gold import load_questions
from .naming import NameIndex
from .raw_data import NOTICES, RawData, load_raw_data

HAND_TUNE = Path(__file__).resolve().parent / "hand_tune.jsonl"
ID_PREFIX = "hand_tune-"

# Words of substance names that name a salt or a hydrate, not the drug (words under 3 letters are dropped).
_SALT_TEXT = (
    "acide chlorhydrate chlorure hydrogenosulfate maleate mesilate oxalate succinate sulfate tartrate "
    "arginine lysine sodique sodium calcique magnesique magnesium potassique potassium hydrate dihydrate "
    "trihydrate trihydratee hemihydratee des jus fruit"
)
SALT_WORDS = frozenset(_SALT_TEXT.split())


def _drug_words(name: str) -> set[str]:
    return {word for word in slug(name).split("-") if len(word) > 2 and word not in SALT_WORDS}


def drug_words(question: dict, raw: RawData, names: NameIndex, data_dir: Path) -> set[str]:
    """Words naming the drugs of a question: recipe sides, brands and their substances, leaflet brands."""
    words: set[str] = set()
    for kind, value in (question.get("gold_from") or {}).items():
        if kind == "interaction":
            for side in value:
                words |= _drug_words(side)
            continue
        naming = next(key for key in ("cis", "full", "brand_dosage", "brand") if key in value)
        cis_codes = value["cis"] if naming == "cis" else names.matching(value[naming], naming)
        if naming != "cis":
            words |= _drug_words(value[naming])
        for cis in cis_codes:
            for substance in raw.specialties[cis].substances if cis in raw.specialties else []:
                words |= _drug_words(substance)

    selectors = question.get("gold_selector") or []
    for selector in [selectors] if isinstance(selectors, dict) else selectors:
        if "notice" in selector:
            path = Path(data_dir) / NOTICES / f"{selector['notice']}.json"
            first_word = json.loads(path.read_text(encoding="utf-8"))["text"].split()[0]
            words |= _drug_words(first_word)
    return words


def overlap_problems(tune: list[dict], hand: list[dict], raw: RawData, data_dir: Path) -> list[str]:
    """Id prefix, repeated questions and drugs shared with the test set."""
    names = name_index(raw)
    hand_words: set[str] = set()
    for question in hand:
        hand_words |= drug_words(question, raw, names, data_dir)
    hand_questions = {slug(question["question"]) for question in hand}

    problems = []
    for question in tune:
        if not question["id"].startswith(ID_PREFIX):
            problems.append(f"{question['id']}: id does not start with '{ID_PREFIX}'")
        if slug(question["question"]) in hand_questions:
            problems.append(f"{question['id']}: question repeated from hand.jsonl")
        shared = drug_words(question, raw, names, data_dir) & hand_words
        if shared:
            problems.append(f"{question['id']}: drug words shared with hand.jsonl: {sorted(shared)}")
    return problems


def main(argv: list[str] | None = None) -> None:
    """Command line: print the facts, run the checks, exit 1 on a problem."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--no-corpus", action="store_true", help="skip the check against the loaded passages")
    args = parser.parse_args(argv)

    raw = load_raw_data(args.data)
    tune = load_questions(HAND_TUNE)
    problems = check(tune, raw, args.data)
    problems += overlap_problems(tune, load_questions(HAND), raw, args.data)

    if not args.no_corpus:
        report = missing_gold(tune, load_documents(args.data))
        print("\n" + summary({"hand_tune": report}))
        problems += [f"{qid}: gold id {doc_id} not in the corpus" for qid, doc_id in report["missing_ids"]]
        problems += [f"{qid}: no loaded gold passage" for qid in report["no_gold"]]
        problems += [f"{qid}: leaflet selector matches nothing" for qid in report["empty_selectors"]]

    print(f"\n{len(tune)} questions, {len(problems)} problems")
    for problem in problems:
        print(f"  {problem}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
