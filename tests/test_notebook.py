"""The example notebook runs top to bottom against the sample data, as an analyst runs it."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dumbcontacts.etl import load_paths
from dumbcontacts.etl.warehouse import create_warehouse
from tests.truth import assign_ground_truth, read_truth

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"

pytestmark = pytest.mark.slow


def test_example_notebook_runs_on_the_sample_data(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    warehouse = create_warehouse(url)
    list(load_paths(warehouse, [SAMPLE]))
    assign_ground_truth(warehouse, read_truth(SAMPLE, warehouse))
    monkeypatch.setenv("DUMBCONTACTS_WAREHOUSE", url)
    monkeypatch.delenv("DUMBCONTACTS_CONFIG", raising=False)
    notebook = nbformat.read(ROOT / "notebooks" / "defect_economics.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={
        "metadata": {"path": str(tmp_path)}
    }).execute()  # fmt: skip
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "Customer charged twice" in text  # the ranking printed
    assert "website-checkout-error" in text  # the spike flagged
