"""Re-execute notebooks in place so that their stored outputs are current.

    python tools/execute_notebooks.py                 # book/ and solutions/
    python tools/execute_notebooks.py book/01-*.ipynb  # just these

Each notebook runs in a fresh kernel from this environment, in its own folder,
top to bottom; the wall time of each is printed (the course budget is 15 s per
notebook, 30 s for a training demo).  A cell error stops that notebook and the
file is left untouched.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parent.parent


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks into one output, text concatenated exactly.

    The kernel flushes stdout at arbitrary points, so one cell's prints can be stored as several
    stream outputs; the page would show them as separate blocks (and re-execution would churn the
    stored JSON).  nbval compares the coalesced text either way.
    """
    merged: list = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] = merged[-1]["text"] + out["text"]
        else:
            merged.append(out)
    return merged


def execute(path: Path, timeout: int = 300) -> float:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted([*ROOT.glob("book/*.ipynb"), *ROOT.glob("solutions/*.ipynb")])
    failed = 0
    for path in paths:
        try:
            elapsed = execute(path.resolve())
        except nbclient.exceptions.CellExecutionError as exc:
            failed += 1
            print(f"FAILED {path}:\n{str(exc)[-2000:]}", file=sys.stderr)
            continue
        print(f"{elapsed:6.1f} s  {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
