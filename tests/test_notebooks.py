"""Committed notebooks carry no outputs: `make notebooks` runs them, git keeps only their code.

Strip a notebook before committing with ``.venv/bin/nbstripout notebooks/*.ipynb``.
"""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_notebooks_are_there():
    names = {path.name for path in NOTEBOOKS}
    assert {"01_retrieval_tuning.ipynb", "02_faithfulness_ragas.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_is_valid_and_stripped(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        number
        for number, cell in enumerate(notebook.cells, start=1)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} keep outputs; run `.venv/bin/nbstripout {path}`"
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3", "CI runs the python3 kernel"
