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
        nbformat.v4.new_markdown_cell("# Solutions 9 · Demo\n\nWorked solutions.\n\nNotation: x is (N, D)."),
        nbformat.v4.new_markdown_cell("Why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->"),
        nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\ncheck(f)"),
    ]
    sol.cells[2].outputs = [nbformat.v4.new_output("stream", text="ok\n")]
    sol.cells[2].execution_count = 1
    ex = make_exercises.exercise_notebook(sol, "09-demo.ipynb")
    opening = ex.cells[0].source
    assert opening.startswith("# Exercises 9 · Demo\n\nThese exercises go with [Chapter 9](../book/09-demo.ipynb)")
    assert "[Solutions 9](../solutions/09-demo.ipynb)" in opening and "Worked solutions." not in opening
    assert opening.endswith("\n\nNotation: x is (N, D)."), "notation paragraphs of the first cell are kept"
    assert ex.cells[1].source == "Why?\n" + make_exercises.ANSWER_PROMPT
    assert ex.cells[2].source == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\ncheck(f)"
    assert ex.cells[2].outputs == [] and ex.cells[2].execution_count is None
    bad = nbformat.v4.new_notebook()
    bad.cells = [nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1")]
    with pytest.raises(make_exercises.MarkerError):
        make_exercises.exercise_notebook(bad)
    untitled = nbformat.v4.new_notebook()
    untitled.cells = [nbformat.v4.new_markdown_cell("# Something else")]
    with pytest.raises(make_exercises.MarkerError, match="Solutions N"):
        make_exercises.exercise_notebook(untitled, "09-demo.ipynb")


SOLUTION_NBS = sorted((ROOT / "solutions").glob("*.ipynb"))


def _markdown(path):
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", SOLUTION_NBS, ids=[p.name for p in SOLUTION_NBS])
def test_exercises_and_solutions_pages_link_each_other_and_the_chapter(path):
    exercises, chapter = EXERCISES / path.name, ROOT / "book" / path.name
    assert f"../exercises/{path.name}" in _markdown(path), f"solutions/{path.name} does not link its exercises"
    assert f"../book/{path.name}" in _markdown(path), f"solutions/{path.name} does not link its chapter"
    assert chapter.exists(), f"solutions/{path.name} has no chapter book/{path.name}"
    text = _markdown(exercises)
    assert f"../solutions/{path.name}" in text, f"exercises/{path.name} does not link its solutions"
    assert f"../book/{path.name}" in text, f"exercises/{path.name} does not link its chapter"
    assert "YOUR ANSWER HERE" not in text


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
