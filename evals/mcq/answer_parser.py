"""Read the options a model chose from what it wrote: « A, C », « Réponse : b et d », « 3- Trouble… »,
« Les réponses exactes sont A et E. », « **B** », « 2 ».

A label counts when it stands alone (not inside a word): the « a » of « a une » is not option A, so a
lower-case single letter is accepted only in a list of labels at the start of the reply.
"""

import re

from .items import McqItem

__all__ = ["parse_answer"]

_PREFIX = re.compile(r"^\s*(?:r[ée]ponses?\s*(?:exactes?|correctes?)?\s*(?:sont|est)?\s*[:=-]?\s*)+", re.I)
_LIST_SEPARATORS = r"(?:\s*(?:,|;|/|\bet\b|\band\b|&|\+|\s)\s*)"


def parse_answer(text: str, item: McqItem) -> set[str]:
    """The option keys (``a``..``e``) chosen in ``text``; an empty set when none can be read.

    :param text: the model's reply (with or without the « Réponse : » prefix).
    :param item: the question, for its labels (A-E or 1-5).
    """
    by_label = {label.upper(): key for key, label in item.labels.items()}
    labels = "".join(re.escape(label) for label in by_label)
    reply = _PREFIX.sub("", text.replace("*", " ").strip()).strip()
    standalone = rf"(?<![\w'’])[{labels}](?![\w'’])"

    # The whole reply is a list of labels, in either case: « A, C », « b et d », « (A) (C) », « ACE ».
    label = rf"[(\[]?[{labels}][)\]]?"
    if re.fullmatch(rf"{label}(?:{_LIST_SEPARATORS}{label})*\s*[.!]?", reply, re.I):
        return {by_label[c.upper()] for c in re.findall(standalone, reply, re.I)}
    if re.fullmatch(rf"[{labels}]{{2,5}}", reply) and len(set(reply)) == len(reply):
        return {by_label[c] for c in reply}

    # Upper-case labels opening a longer reply: « C. Néoglucogénèse », « 3- Trouble… », « A et C car… ».
    head = re.match(
        rf"({label}(?:[.)\-:]|(?={_LIST_SEPARATORS}))(?:{_LIST_SEPARATORS}{label}(?![\w'’]))*)", reply
    )
    if head:
        return {by_label[c] for c in re.findall(rf"(?<![\w'’])[{labels.upper()}](?![\w'’])", head.group(1))}

    # Elsewhere: upper-case labels standing alone, « la réponse est C », « propositions B et D ».
    return {by_label[c] for c in re.findall(rf"(?<![\w'’])([{labels.upper()}])(?![\w'’])", reply)}
