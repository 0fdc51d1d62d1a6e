"""Check the hand-written set against the raw files: recompute each gold from its recipe, print the facts.

``python -m evals.retrieval.check_hand`` prints every question with the raw facts of its gold passages (HAS
level and wording, thesaurus levels, specialty name, composition and shortage, leaflet excerpt) so that a
reviewer can read whether they answer it, and exits with status 1 when a stored gold differs from its recipe
or a leaflet phrase is missing from its notice. ``--write`` stores the recomputed golds instead.
"""

import argparse
import json
import sys
from pathlib import Path

from corpora.schema import interaction_doc_id
from esculape.settings import SHARED_DATA

from .gold import _folded, gold_from_spec, load_questions
from .naming import NameIndex
from .raw_data import NOTICES, RawData, load_raw_data

HAND = Path(__file__).resolve().parent / "hand.jsonl"


def name_index(raw: RawData) -> NameIndex:
    """Names of every CIS known to either BDPM snapshot (the 2026 name winning)."""
    names = dict(raw.names_2022)
    names.update({cis: spec.name for cis, spec in raw.specialties.items()})
    return NameIndex(names)


def notice_excerpt(data_dir: Path, selector: dict, width: int = 220) -> str | None:
    """The raw notice text around a selector's phrase (folded), or ``None`` when the phrase is absent."""
    path = Path(data_dir) / NOTICES / f"{selector['notice']}.json"
    text = _folded(json.loads(path.read_text(encoding="utf-8"))["text"])
    position = text.find(_folded(selector.get("contains", "")))
    if position < 0:
        return None
    return text[:80] + " [...] " + text[position : position + width]


def facts(raw: RawData, doc_id: str) -> str:
    """One line of raw facts about a gold passage."""
    if doc_id in raw.opinions:
        opinion = raw.opinions[doc_id]
        return f"{opinion.kind.upper()} {opinion.level} ({opinion.date}) {opinion.wording[:160]}"
    if doc_id.startswith("bdpm:"):
        cis = doc_id.split(":", 1)[1]
        if cis not in raw.specialties:  # withdrawn since June 2022: a passage of its own, absent from 2026
            return f"{raw.names_2022.get(cis, '?')[:70]} (June 2022 snapshot only)"
        spec = raw.specialties[cis]
        return f"{spec.name[:70]} | {', '.join(spec.substances)} | {spec.shortage or 'no shortage'}"
    for entry in raw.interactions:
        if interaction_doc_id(entry["main_drug"], entry["plus_drug"]) == doc_id:
            levels = ", ".join(level["level"] for level in entry["severity_levels"])
            return f"{entry['main_drug']} + {entry['plus_drug']}: {levels}"
    return "NOT FOUND in the raw data"


def check(questions: list[dict], raw: RawData, data_dir: Path, verbose: bool = True) -> list[str]:
    """Problems found (empty when every gold matches its recipe and every leaflet phrase exists)."""
    names = name_index(raw)
    problems = []
    for question in questions:
        if verbose:
            print(f"\n{question['id']} [{question['intent']}] {question['question']}")
        if "gold_selector" in question:
            selectors = question["gold_selector"]
            for selector in [selectors] if isinstance(selectors, dict) else selectors:
                excerpt = notice_excerpt(data_dir, selector)
                if excerpt is None:
                    problems.append(f"{question['id']}: phrase not in notice {selector}")
                elif verbose:
                    print(f"    {excerpt}")
            continue

        expected = gold_from_spec(raw, question["gold_from"], names)
        if not expected:
            problems.append(f"{question['id']}: recipe {question['gold_from']} gives no gold")
        if expected != question.get("gold"):
            problems.append(f"{question['id']}: stored gold differs from recipe {question['gold_from']}")
        if verbose:
            for doc_id in expected[:6]:
                print(f"    {doc_id}: {facts(raw, doc_id)}")
            if len(expected) > 6:
                print(f"    ... {len(expected) - 6} more")
    return problems


def main(argv: list[str] | None = None) -> None:
    """Command line: print the facts, ``--write`` to store recomputed golds, exit 1 on a problem."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--write", action="store_true", help="store the golds computed from the recipes")
    args = parser.parse_args(argv)

    raw = load_raw_data(args.data)
    questions = load_questions(HAND)
    if args.write:
        names = name_index(raw)
        for question in questions:
            if "gold_from" in question:
                question["gold"] = gold_from_spec(raw, question["gold_from"], names)
        with HAND.open("w", encoding="utf-8", newline="\n") as handle:
            for question in questions:
                handle.write(json.dumps(question, ensure_ascii=False) + "\n")

    problems = check(questions, raw, args.data)
    print(f"\n{len(questions)} questions, {len(problems)} problems")
    for problem in problems:
        print(f"  {problem}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
