"""Run the notebooks and store them with their outputs, so that a code host shows them.

    python notebooks/execute.py            # every notebook here
    python notebooks/execute.py quickstart.ipynb

Cells tagged ``live-map`` display the interactive map; their outputs are not
stored (each inlines Leaflet, about 400 KB, and code hosts do not run it): the
notebooks show the same map as a PNG drawn by headless Chromium instead. Cell
timings are dropped so that a re-run changes only what the code prints.
``tests/test_notebooks.py`` runs the notebooks again and checks what is stored.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIVE_TAG = "live-map"


def execute(path: Path, timeout: int = 300):
    """The notebook at ``path``, run in a fresh kernel from its own folder."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def for_storage(nb):
    """``nb`` as stored: no live-map outputs, no timings."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and LIVE_TAG in cell.metadata.get("tags", []):
            cell.outputs = []
    return nb


def main(names) -> int:
    import nbformat

    paths = [HERE / n for n in names] if names else sorted(HERE.glob("*.ipynb"))
    for path in paths:
        nb = for_storage(execute(path))
        nbformat.write(nb, path)
        print(f"{path.name}: {sum(len(c.get('outputs', [])) for c in nb.cells)} outputs, {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
