"""The trivial answers shown beside every result, on the same questions.

- **best fixed letter**: the same single option for every question, the one that scores best on these
  questions (chosen in hindsight: an upper bound for any one-letter rule);
- **all five**: every option ticked;
- **random k**: ``k`` options drawn at random (seeded), ``k`` being the most frequent number of correct
  answers in these questions.

A model below these has learnt nothing about the questions.

Example:
    >>> rows = baselines(items, seed=0)
    >>> rows["all_options"]["hamming"]
    0.38...
"""

from collections import Counter
from collections.abc import Sequence

import numpy as np

from .items import McqItem
from .metrics import summarize

__all__ = ["baselines"]


def baselines(items: Sequence[McqItem], seed: int = 0) -> dict[str, dict]:
    """Metrics of the three trivial answers on ``items`` (no confidence intervals).

    :returns: ``{"fixed_letter": {..., "letter": "a"}, "all_options": {...}, "random_k": {..., "k": 1}}``.
    """
    if not items:
        return {}
    golds = [item.gold for item in items]
    keys = items[0].keys

    fixed = {key: summarize([{key} for _ in items], golds, ci=False) for key in keys}
    best = max(keys, key=lambda key: (fixed[key]["emr"], fixed[key]["hamming"]))
    label = items[0].labels[best]

    k = Counter(len(gold) for gold in golds).most_common(1)[0][0]
    rng = np.random.default_rng(seed)
    drawn = [set(rng.choice(item.keys, size=min(k, len(item.keys)), replace=False)) for item in items]

    return {
        "fixed_letter": {**fixed[best], "letter": label},
        "all_options": summarize([set(item.keys) for item in items], golds, ci=False),
        "random_k": {**summarize(drawn, golds, ci=False), "k": k},
    }
