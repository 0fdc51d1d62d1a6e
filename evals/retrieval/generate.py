"""Generate the templated retrieval set ``generated.jsonl`` from the raw BDPM, HAS and thesaurus files.

Each question is drawn with a fixed seed from the structured data, worded by one of several templates per
intent, and names its drug as a clinician would (full denomination, brand + dosage, brand alone, substance, in
varied case, sometimes without accents). Its ``gold`` lists every passage that answers it, built with the id
functions of :mod:`corpora.schema`: for a brand name, the passages of every specialty that name designates.

Run ``python -m evals.retrieval.generate`` to rewrite the file; two runs give identical bytes.

Example:
    >>> questions = generate_questions(load_raw_data(SHARED_DATA))
    >>> questions[0]["intent"], questions[0]["gold"][:1]
    ('smr', ['has:smr:CT-...'])
"""

import argparse
import hashlib
import json
import logging
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from corpora.schema import bdpm_doc_id, slug
from esculape.settings import SHARED_DATA

from .naming import NameIndex, is_plain_name, name_for, strip_accents, styled
from .raw_data import RawData, interaction_gold, load_raw_data

logger = logging.getLogger(__name__)

SEED = 20260127
PER_INTENT = 110
TUNE_SHARE = 0.3
MAX_QUESTIONS_PER_DRUG = 3
MAX_SPECIALTIES_PER_NAME = 12
OUTPUT = Path(__file__).resolve().parent / "generated.jsonl"

# Templates per intent; ``{drug}`` is a specialty name, ``{a}``/``{b}`` the two sides of an interaction.
TEMPLATES: dict[str, list[str]] = {
    "smr": [
        "Quel est le SMR de {drug} ?",
        "Le service médical rendu de {drug} est-il important ?",
        "Quel niveau de SMR la HAS a-t-elle attribué à {drug} ?",
        "SMR {drug}",
        "{drug} : quel service médical rendu selon la commission de la transparence ?",
        "Avis de la HAS sur le service médical rendu par {drug}",
    ],
    "asmr": [
        "Quelle est l'ASMR de {drug} ?",
        "{drug} apporte-t-il une amélioration du service médical rendu ?",
        "Quel niveau d'ASMR la HAS a-t-elle accordé à {drug} ?",
        "ASMR {drug}",
        "La HAS reconnaît-elle un progrès thérapeutique à {drug} par rapport aux traitements existants ?",
        "{drug} : amélioration du service médical rendu ?",
    ],
    "interaction": [
        "Peut-on associer {a} et {b} ?",
        "{a} et {b} : quel niveau d'interaction ?",
        "Y a-t-il une contre-indication entre {a} et {b} ?",
        "Interaction {a} {b}",
        "Mon patient est traité par {a}, puis-je lui prescrire {b} ?",
        "Risque d'interaction entre {a} et {b} ?",
        "L'association {a} + {b} est-elle déconseillée ?",
    ],
    "composition": [
        "Quelle est la substance active de {drug} ?",
        "Que contient {drug} ?",
        "Quel est le principe actif de {drug} ?",
        "Composition de {drug}",
        "{drug} : quelle molécule ?",
    ],
    "generic": [
        "Quel est le générique de {drug} ?",
        "Existe-t-il un générique de {drug} ?",
        "Quels médicaments sont substituables à {drug} ?",
        "Générique {drug}",
        "Peut-on remplacer {drug} par un générique ?",
    ],
    "shortage": [
        "{drug} est-il en rupture ?",
        "Y a-t-il une rupture de stock de {drug} ?",
        "{drug} est-il disponible actuellement ?",
        "Tension d'approvisionnement sur {drug} ?",
        "Problème de disponibilité pour {drug} ?",
    ],
    "form": [
        "Sous quelle forme existe {drug} ?",
        "Quelles sont les présentations de {drug} ?",
        "Quelle est la voie d'administration de {drug} ?",
        "Conditionnement de {drug}",
        "{drug} existe en quelle forme galénique ?",
    ],
    "reimbursement": [
        "{drug} est-il remboursé ?",
        "Quel est le taux de remboursement de {drug} ?",
        "Quel est le prix de {drug} ?",
        "Combien coûte une boîte de {drug} ?",
        "{drug} est-il pris en charge par l'Assurance maladie ?",
    ],
    "prescription": [
        "{drug} est-il réservé à l'usage hospitalier ?",
        "Quelles sont les conditions de prescription de {drug} ?",
        "Qui peut prescrire {drug} ?",
        "{drug} : prescription restreinte ?",
        "{drug} nécessite-t-il une prescription hospitalière ?",
    ],
}

# Share of each naming for specialty questions: brand alone is what clinicians type most.
NAMING_WEIGHTS = {"full": 0.2, "brand_dosage": 0.35, "brand": 0.45}

_RESTRICTED = re.compile(r"hospitali|réservée aux|spécialistes|usage professionnel", re.IGNORECASE)


def _choose_naming(rng: random.Random, allowed: tuple[str, ...] = ("full", "brand_dosage", "brand")) -> str:
    namings = [naming for naming in NAMING_WEIGHTS if naming in allowed]
    return rng.choices(namings, weights=[NAMING_WEIGHTS[n] for n in namings])[0]


class _Generator:
    """Draws the questions of every intent; private to this module, use :func:`generate_questions`."""

    def __init__(self, raw: RawData, seed: int) -> None:
        self.raw = raw
        self.rng = random.Random(seed)
        self.drug_uses: Counter = Counter()

        # Names of every CIS known to either snapshot, the 2026 name winning; the HAS files cover older CIS.
        self.names = dict(raw.names_2022)
        self.names.update({cis: spec.name for cis, spec in raw.specialties.items()})
        self.all_names = NameIndex(self.names)
        self.substance_names = {slug(name): name for name in _substance_names(raw)}

    # -- naming --

    def _name(self, cis: str, index: NameIndex, allowed=("full", "brand_dosage", "brand")):
        """Pick a naming of ``cis`` that designates few specialties; returns (name, naming, matching CIS)."""
        first = _choose_naming(self.rng, allowed)
        order = [first] + [n for n in ("brand", "brand_dosage", "full") if n != first and n in allowed]
        for naming in order:
            name = name_for(self.names[cis], naming)
            matching = index.matching(name, naming)
            if 0 < len(matching) <= MAX_SPECIALTIES_PER_NAME:
                return name, naming, matching
        return None

    def _take_drug(self, name: str) -> bool:
        """Count one more question about ``name``; False when its cap is reached."""
        key = slug(name.split(" ")[0])
        if self.drug_uses[key] >= MAX_QUESTIONS_PER_DRUG:
            return False
        self.drug_uses[key] += 1
        return True

    def _shuffled(self, items) -> list:
        items = sorted(items)
        self.rng.shuffle(items)
        return items

    def _record(self, intent: str, drug: str, naming: str, gold: list[str], cis: list[str], **fields) -> dict:
        template_number = self.rng.randrange(len(TEMPLATES[intent]))
        template = TEMPLATES[intent][template_number]
        question = template.format(drug=drug, a=fields.get("a", ""), b=fields.get("b", ""))
        return {
            "question": question[0].upper() + question[1:],
            "gold": gold,
            "intent": intent,
            "template": f"{intent}-{template_number}",
            "naming": naming,
            "drug": drug,
            "cis": cis,
            **{key: value for key, value in fields.items() if key not in ("a", "b")},
        }

    # -- specialty intents --

    def _specialty_questions(
        self,
        intent: str,
        candidates: list[str],
        gold_of: Callable[[list[str]], list[str]],
        index: NameIndex,
        allowed=("full", "brand_dosage", "brand"),
    ) -> Iterator[dict]:
        for cis in self._shuffled(candidates):
            if not is_plain_name(self.names[cis]):
                continue
            named = self._name(cis, index, allowed)
            if named is None:
                continue
            name, naming, matching = named
            gold = gold_of(matching)
            if not gold or not self._take_drug(name):
                continue
            yield self._record(intent, styled(name, self.rng), naming, gold, matching)

    def has_opinions(self, kind: str) -> Iterator[dict]:
        """SMR or ASMR questions; gold: every opinion of that kind covering a designated CIS."""
        candidates = [
            cis for cis, kinds in self.raw.opinions_by_cis.items() if kinds[kind] and cis in self.names
        ]

        def gold_of(matching: list[str]) -> list[str]:
            gold = []
            for cis in matching:
                for doc_id in self.raw.opinions_by_cis.get(cis, {}).get(kind, []):
                    if doc_id not in gold:
                        gold.append(doc_id)
            return gold

        return self._specialty_questions(kind, candidates, gold_of, self.all_names)

    def _bdpm_gold(self, shortage_only: bool = False):
        """Passages of every designated CIS (withdrawn ones keep a 2022 passage), or those in shortage."""

        def gold_of(matching: list[str]) -> list[str]:
            if shortage_only:
                return [
                    bdpm_doc_id(cis)
                    for cis in matching
                    if cis in self.raw.specialties and self.raw.specialties[cis].shortage
                ]
            return [bdpm_doc_id(cis) for cis in matching if self.raw.has_bdpm_passage(cis)]

        return gold_of

    def specialty_facts(self, intent: str) -> Iterator[dict]:
        """Composition, form, reimbursement, prescription and shortage questions about specialty passages."""
        specs = [spec for spec in self.raw.specialties.values() if spec.marketed or intent == "shortage"]
        allowed = ("full", "brand_dosage", "brand")
        if intent == "composition":
            specs = [spec for spec in specs if spec.substances]
        elif intent == "reimbursement":
            specs = [spec for spec in specs if any(p["reimbursement"] for p in spec.presentations)]
        elif intent == "prescription":
            specs = [spec for spec in specs if any(_RESTRICTED.search(c) for c in spec.conditions)]
        elif intent == "shortage":
            # Only the designated specialties that carry a shortage record answer « is it in shortage? ».
            specs = [spec for spec in specs if spec.shortage]
            allowed = ("full", "brand_dosage")
        return self._specialty_questions(
            intent, [s.cis for s in specs], self._bdpm_gold(intent == "shortage"), self.all_names, allowed
        )

    def generics(self) -> Iterator[dict]:
        """« Quel est le générique de X ? » about a princeps; gold: the other specialties of its groups."""
        princeps = sorted(
            {
                cis
                for members in self.raw.generic_groups.values()
                for cis, kind in members
                if kind == "0" and cis in self.raw.specialties and self.raw.specialties[cis].marketed
            }
        )

        def gold_of(matching: list[str]) -> list[str]:
            gold = []
            for cis in matching:
                groups = self.raw.specialties[cis].generic_groups if cis in self.raw.specialties else []
                for group in groups:
                    for member, _kind in self.raw.generic_groups[group]:
                        doc_id = bdpm_doc_id(member)
                        if (
                            member not in matching
                            and self.raw.has_bdpm_passage(member)
                            and doc_id not in gold
                        ):
                            gold.append(doc_id)
            return gold

        return self._specialty_questions(
            "generic", princeps, gold_of, self.all_names, ("brand_dosage", "brand")
        )

    # -- interactions --

    def _substance_display(self, key: str) -> str:
        display = self.substance_names.get(key, key.replace("-", " "))
        return styled(display.split(" (")[0], self.rng, keep_case_share=0.0)

    def _brand_of(self, substance_key: str) -> str | None:
        """A marketed single-substance brand whose substance is ``substance_key`` (for brand-named pairs)."""
        brands = sorted(
            {
                name_for(spec.name, "brand")
                for spec in self.raw.specialties.values()
                if spec.marketed
                and len(spec.substances) == 1
                and slug(spec.substances[0]).startswith(substance_key)
                and is_plain_name(spec.name)
                and not slug(name_for(spec.name, "brand")).startswith(substance_key)
            }
        )
        return self.rng.choice(brands) if brands else None

    def interactions(self, with_class: bool) -> Iterator[dict]:
        """Substance pairs, or a class member + substance (``with_class``); gold: :func:`interaction_gold`."""
        index = self.raw.substance_classes
        members: dict[str, list[str]] = defaultdict(list)
        for substance, classes in sorted(index.items()):
            for class_key in classes:
                members[class_key].append(substance)

        pairs = set()
        for entry in self.raw.interactions:
            main, plus = slug(entry["main_drug"]), slug(entry["plus_drug"])
            main_is_substance, plus_is_substance = main in index, plus in index
            if not with_class and main_is_substance and plus_is_substance and main < plus:
                pairs.add((main, plus, ""))
            if with_class and main in members and plus_is_substance:
                pairs.add((main, plus, entry["main_drug"]))

        intent = "interaction_class" if with_class else "interaction"
        for first, second, class_label in self._shuffled(pairs):
            naming = "substance"
            if with_class:
                if self.rng.random() < 0.25:
                    left_key, left = first, class_label.lower()
                    naming = "class"
                else:
                    left_key = self.rng.choice(members[first])
                    if left_key == second:
                        continue
                    left = self._substance_display(left_key)
                    naming = "class_member"
            else:
                left_key, left = first, self._substance_display(first)
                if self.rng.random() < 0.2:
                    brand_name = self._brand_of(first)
                    if brand_name:
                        left, naming = styled(brand_name, self.rng), "brand"
            right = self._substance_display(second)
            if self.rng.random() < 0.5:
                left, right, left_key, second = right, left, second, left_key

            gold = interaction_gold(self.raw, left_key, second)
            if not gold or not (self._take_drug(left) and self._take_drug(right)):
                continue
            record = self._record("interaction", f"{left} + {right}", naming, gold, [], a=left, b=right)
            record["intent"] = intent
            yield record


def _split(record: dict) -> str:
    """``tune`` for about :data:`TUNE_SHARE` of the drugs, ``test`` otherwise, by a hash of the drug key.

    Splitting by drug rather than by question keeps a drug's questions on one side, so that tuning cannot
    learn a drug name the test then asks about.
    """
    key = slug(strip_accents(record["drug"]).split(" ")[0])
    bucket = int(hashlib.sha1(f"{SEED}:{key}".encode()).hexdigest()[:8], 16) % 1000
    return "tune" if bucket < TUNE_SHARE * 1000 else "test"


def generate_questions(raw: RawData, per_intent: int = PER_INTENT, seed: int = SEED) -> list[dict]:
    """Draw ``per_intent`` questions for each intent, deterministically for a given ``seed``.

    Args:
        raw: the raw data from :func:`evals.retrieval.raw_data.load_raw_data`.
        per_intent: questions per intent (fewer when the data cannot supply them, with a warning).
        seed: random seed; the default one produces the committed ``generated.jsonl``.

    Returns:
        Records with ``id``, ``question``, ``gold``, ``intent``, ``template``, ``split`` and traceability
        fields (``naming``, ``drug``, ``cis``).
    """
    generator = _Generator(raw, seed)
    sources: dict[str, Callable[[], Iterator[dict]]] = {
        "smr": lambda: generator.has_opinions("smr"),
        "asmr": lambda: generator.has_opinions("asmr"),
        "interaction": lambda: generator.interactions(with_class=False),
        "interaction_class": lambda: generator.interactions(with_class=True),
        "composition": lambda: generator.specialty_facts("composition"),
        "generic": generator.generics,
        "shortage": lambda: generator.specialty_facts("shortage"),
        "form": lambda: generator.specialty_facts("form"),
        "reimbursement": lambda: generator.specialty_facts("reimbursement"),
        "prescription": lambda: generator.specialty_facts("prescription"),
    }

    questions = []
    for intent, source in sources.items():
        drawn = []
        for record in source():
            drawn.append(record)
            if len(drawn) == per_intent:
                break
        if len(drawn) < per_intent:
            logger.warning("Only %d questions for intent %s (asked %d)", len(drawn), intent, per_intent)
        questions.extend(drawn)

    for number, record in enumerate(questions):
        record["id"] = f"gen-{number:04d}"
        record["split"] = _split(record)
    return [_ordered(record) for record in questions]


def _substance_names(raw: RawData) -> list[str]:
    """Display names of the thesaurus substances, lower case (private helper)."""
    names = set()
    for entry in raw.interactions:
        for side in (entry["main_drug"], entry["plus_drug"]):
            if slug(side) in raw.substance_classes:
                names.add(side.lower())
    return sorted(names)


def _ordered(record: dict) -> dict:
    first = ("id", "question", "gold", "intent", "template", "split", "naming", "drug", "cis")
    return {key: record[key] for key in first if key in record} | {
        key: value for key, value in record.items() if key not in first
    }


def write_jsonl(records: list[dict], path: Path) -> None:
    """Write one JSON object per line, UTF-8, keys in a fixed order."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Command line: regenerate ``evals/retrieval/generated.jsonl``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="folder holding the source folders")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    questions = generate_questions(load_raw_data(args.data))
    write_jsonl(questions, args.output)

    intents = Counter(record["intent"] for record in questions)
    splits = Counter(record["split"] for record in questions)
    logger.info(
        "Wrote %d questions to %s: %s; splits %s", len(questions), args.output, dict(intents), dict(splits)
    )


if __name__ == "__main__":
    main()
