"""Hospitals run Esculape offline: no library may report usage, whatever is imported first."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "first_import", ["pipelines.retrieval.searcher", "corpora.catalog", "evals.retrieval.run"]
)
def test_haystack_telemetry_is_off_whatever_module_comes_first(first_import):
    code = (
        f"import {first_import}\n"
        "from haystack.telemetry import _telemetry\n"
        "import os\n"
        "assert _telemetry.telemetry is None, 'Haystack telemetry is on'\n"
        "assert os.environ['HF_HUB_DISABLE_TELEMETRY'] == '1'\n"
    )
    env = {key: value for key, value in __import__("os").environ.items() if "TELEMETRY" not in key}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr


def test_streamlit_usage_statistics_are_off():
    from pathlib import Path

    config = (Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "gatherUsageStats = false" in config
