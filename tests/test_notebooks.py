import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(HERE.glob("*.ipynb"))
#: A stored notebook above this size probably holds a live map's output (400 KB of Leaflet each).
MAX_STORED_BYTES = 400_000


def _execute_module():
    spec = importlib.util.spec_from_file_location("notebook_execute", HERE / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    nb = _execute_module().execute(path, timeout=180)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    live = [cell for cell in nb.cells if "live-map" in cell.metadata.get("tags", [])]
    assert live and all(any("text/html" in o.get("data", {}) for o in cell.outputs) for cell in live)  # the map displayed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_with_its_outputs(path):
    """What a code host shows: every cell run, its outputs stored (live maps left out), nothing huge."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code), "run notebooks/execute.py and commit the result"
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))  # one run, in order
    stored = [cell for cell in code if "live-map" not in cell.metadata.get("tags", [])]
    assert sum(bool(cell.outputs) for cell in stored) >= len(stored) - 1
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert all(not cell.outputs for cell in code if "live-map" in cell.metadata.get("tags", []))
    assert path.stat().st_size < MAX_STORED_BYTES
