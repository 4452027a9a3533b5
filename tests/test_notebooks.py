"""The analyst notebooks run top to bottom on the sample, and are stored without outputs."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
EXPECTED = [
    "01-explorer-les-resultats.ipynb",
    "02-reviser-le-codage.ipynb",
    "03-decouvrir-des-themes.ipynb",
]


def test_the_three_notebooks_exist():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_is_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert dirty == [], f"{name}: clear the outputs of cells {dirty} before committing"
    assert nb.cells[0].cell_type == "markdown", "a notebook opens with its French explanation"


def _code_lines_per_function(nb) -> list[int]:
    import ast

    lengths = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.FunctionDef):
                lengths.append(node.end_lineno - node.lineno + 1)
    return lengths


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_holds_no_long_function(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(n <= 5 for n in _code_lines_per_function(nb)), "functions belong in the package"


@pytest.fixture(scope="module")
def processed(tmp_path_factory, sample_run):
    """Notebooks write where CONSULTATION_PROCESSED points: a copy of the sample's outputs."""
    import shutil

    target = tmp_path_factory.mktemp("nb-processed")
    shutil.copytree(sample_run.paths.root, target / sample_run.paths.root.name)
    return target


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_top_to_bottom_on_the_sample(name, processed, monkeypatch):
    monkeypatch.setenv("CONSULTATION_PROCESSED", str(processed))
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute(env={**os.environ, "CONSULTATION_PROCESSED": str(processed)})
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in shown if o.output_type == "error"]
    tables = [o for o in shown if "text/html" in o.get("data", {})]
    assert tables, f"{name} shows no table to the analyst"
    if name.startswith("03"):
        _check_theme_added_through_the_pipeline(nb)


def _check_theme_added_through_the_pipeline(nb) -> None:
    """Notebook 03 adds its lead to consultation.yaml and runs again: the run says the codebook
    changed, the new theme counts answers, and the answer says so."""
    import re

    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.output_type == "stream").replace("\u202f", " ").replace("\u00a0", " ")
    assert re.search(r"Codebook modifié \(version (\d+) → (\d+)\)", printed), printed
    found = re.search(r"ajouté au fichier consultation\.yaml compte (\d+) au nouveau traitement", printed)
    assert found and int(found.group(1)) > 0, printed
