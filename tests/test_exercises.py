"""exercises/ is generated from solutions/, and every exercise fails only with NotImplementedError."""

import sys

import nbclient
import nbformat
import pytest
from course_paths import EXERCISES, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import make_exercises  # noqa: E402


def test_exercises_are_in_sync_with_solutions():
    expected = make_exercises.expected_exercises(ROOT)
    committed = {p.name for p in EXERCISES.glob("*.ipynb")}
    assert committed == set(expected), f"exercises/ has {sorted(committed)}, solutions/ implies {sorted(expected)}"
    stale = [n for n, text in expected.items() if (EXERCISES / n).read_text() != text]
    assert not stale, f"exercises out of sync with solutions (run `make exercises`): {stale}"


def test_generator_replaces_solution_regions():
    sol = nbformat.v4.new_notebook()
    sol.cells = [
        nbformat.v4.new_markdown_cell("# Solutions 9 · Demo\n\nWhy?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->"),
        nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\ncheck(f)"),
    ]
    sol.cells[1].outputs = [nbformat.v4.new_output("stream", text="ok\n")]
    sol.cells[1].execution_count = 1
    ex = make_exercises.exercise_notebook(sol)
    assert ex.cells[0].source == "# Exercises 9 · Demo\n\nWhy?\nYOUR ANSWER HERE"
    assert ex.cells[1].source == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\ncheck(f)"
    assert ex.cells[1].outputs == [] and ex.cells[1].execution_count is None
    bad = nbformat.v4.new_notebook()
    bad.cells = [nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1")]
    with pytest.raises(make_exercises.MarkerError):
        make_exercises.exercise_notebook(bad)


EXERCISE_NBS = sorted(EXERCISES.glob("*.ipynb"))


@pytest.mark.parametrize("path", EXERCISE_NBS, ids=[p.name for p in EXERCISE_NBS])
def test_exercise_notebook_fails_only_with_not_implemented(path):
    for attempt in range(3):  # a kernel that fails to start (rare, see ../conftest.py) is retried
        nb = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(
            nb, timeout=120, startup_timeout=30, kernel_name="python3", allow_errors=True,
            resources={"metadata": {"path": str(EXERCISES)}},
        )
        try:
            client.execute()
            break
        except RuntimeError as exc:
            if "Kernel" not in str(exc) or attempt == 2:
                raise
    errors = [
        (i, out["ename"], out["evalue"])
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.outputs
        if out["output_type"] == "error"
    ]
    other = [e for e in errors if e[1] != "NotImplementedError"]
    assert not other, f"{path.name}: cells fail with something other than NotImplementedError: {other}"
    has_stub = any("raise NotImplementedError()" in c.source for c in nb.cells if c.cell_type == "code")
    if has_stub:
        assert errors, f"{path.name}: has stubs but no check ever calls them"
