"""Esculape: cited answers to French clinical questions from official French and European sources.

Importing this package switches off every usage-reporting channel of the libraries it uses, because
hospitals run Esculape offline; a user can still opt in by setting the variables before import.
"""

import os

_OFFLINE_DEFAULTS = {
    "HAYSTACK_TELEMETRY_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "TOKENIZERS_PARALLELISM": "false",
}
for _name, _value in _OFFLINE_DEFAULTS.items():
    os.environ.setdefault(_name, _value)

__version__ = "0.1.0"
