"""The notebooks in docs/notebooks: each is a valid notebook in jupytext's percent format,
and runs from top to bottom in a Jupyter kernel without an error, showing its tables and
figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((REPO / "docs" / "notebooks").glob("*.py"))
KERNEL_TIMEOUT_S = 600
"""Per cell, generous: the machine running the suite may be shared."""


def test_there_is_a_notebook_per_question() -> None:
    titles = {path.stem: jupytext.read(path).cells[0].source.splitlines()[0]
              for path in NOTEBOOKS}
    assert titles == {
        "kill_switch_for_whom": "# What does California's kill switch change, and for whom?",
        "competitor_lag_uncertainties": "# Which uncertainties decide the competitor's lag?",
        "futures_where_policies_work": "# In which futures does each policy work?",
        "kill_switch_rests_on": "# What does the kill switch's effect on the PRC rest on?",
        "search_instrument_packages": "# Which packages of instruments keep the PRC furthest "
                                      "behind for what they cost the labs?",
    }


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_runs_without_an_error(path: Path, tmp_path: Path) -> None:
    notebook = jupytext.read(path)
    nbformat.validate(notebook)
    assert "small on purpose" in notebook.cells[0].source.lower()  # says it is a small run
    client = nbclient.NotebookClient(notebook, timeout=KERNEL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on an error
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = {kind for o in outputs for kind in o.get("data", {})}
    assert {"text/html", "image/png"} <= shown  # tables and figures were displayed
    assert list(tmp_path.iterdir()) == []  # a notebook run leaves no results behind
