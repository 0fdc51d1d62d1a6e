"""Everyday French names of drug classes, mapped to the class names of the ANSM interaction thesaurus.

Prescribers write « un AINS », « sous AVK », « une statine », « la pilule »; the thesaurus writes
« ANTI-INFLAMMATOIRES NON STÉROÏDIENS », « ANTIVITAMINES K », « INHIBITEURS DE L'HMG-COA RÉDUCTASE
(STATINES) », « ESTROPROGESTATIFS CONTRACEPTIFS ». The list holds the common abbreviations and usual
names of the thesaurus classes, folded (lower case, no accents, no punctuation), singular and plural.
It is short on purpose: a word that is not a class name in every clinical context does not belong here.
"""

_ALIASES: dict[str, tuple[str, ...]] = {
    "ANTI-INFLAMMATOIRES NON STÉROÏDIENS": ("ains",),
    "ANTIVITAMINES K": ("avk", "antivitamine k", "antivitamines k", "anti vitamine k"),
    "ANTISÉCRÉTOIRES INHIBITEURS DE LA POMPE À PROTONS": ("ipp", "inhibiteur de la pompe a protons"),
    "INHIBITEURS DE L'ENZYME DE CONVERSION": ("iec",),
    "ANTAGONISTES DES RÉCEPTEURS DE L'ANGIOTENSINE II": ("ara ii", "ara 2", "ara2", "sartan", "sartans"),
    "INHIBITEURS SÉLECTIFS DE LA RECAPTURE DE LA SÉROTONINE": ("isrs",),
    "INHIBITEURS DE L'HMG-COA RÉDUCTASE (STATINES)": ("statine", "statines"),
    "BÊTA-BLOQUANTS (SAUF ESMOLOL) (Y COMPRIS COLLYRES)": (
        "betabloquant",
        "betabloquants",
        "beta bloquant",
        "beta bloquants",
    ),
    "ESTROPROGESTATIFS CONTRACEPTIFS": (
        "pilule",
        "pilule contraceptive",
        "oestroprogestatif",
        "estroprogestatif",
    ),
    "MACROLIDES (SAUF SPIRAMYCINE)": ("macrolide", "macrolides"),
    "CORTICOÏDES": ("corticoide", "corticoides", "corticotherapie"),
    "TRIPTANS": ("triptan", "triptans"),
    "NEUROLEPTIQUES": ("neuroleptique", "neuroleptiques"),
    "BENZODIAZÉPINES ET APPARENTÉS": ("benzodiazepine", "benzodiazepines", "benzo", "benzos"),
    "MORPHINIQUES": ("morphinique", "morphiniques", "opioide", "opioides"),
    "CYCLINES": ("cycline", "cyclines"),
    "INSULINE": ("insulinotraite", "insulinotraitee"),
    "DIURÉTIQUES": ("diuretique", "diuretiques"),
}

CLASS_ALIASES: dict[str, str] = {alias: side for side, aliases in _ALIASES.items() for alias in aliases}
"""Folded alias -> thesaurus class name as written in the thesaurus."""
