"""Properties of the stored notebooks that nbval itself does not enforce."""

import json

import pytest
from course_paths import BOOK, EXERCISES, ROOT, SOLUTIONS, chapter_notebooks, stored_notebooks


def _code_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize("path", stored_notebooks(), ids=_ids(stored_notebooks()))
def test_every_code_cell_was_executed_in_order(path):
    # nbval silently skips a cell stored with execution_count null: it would prove nothing.
    cells = _code_cells(path)
    unrun = [i for i, c in enumerate(cells) if c.get("execution_count") is None]
    assert not unrun, f"{path.name}: code cells {unrun} are stored unexecuted; run `make outputs`"
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: cells were not run top to bottom: {counts}"


@pytest.mark.parametrize("path", stored_notebooks(), ids=_ids(stored_notebooks()))
def test_ignored_outputs_still_assert_their_claim(path):
    for cell in _code_cells(path):
        src = "".join(cell["source"])
        if "NBVAL_IGNORE_OUTPUT" in src or "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            assert "assert " in src, f"{path.name}: a cell ignores its output but asserts nothing:\n{src[:300]}"
        assert "NBVAL_SKIP" not in src, f"{path.name}: NBVAL_SKIP hides a cell from the tests:\n{src[:300]}"


@pytest.mark.parametrize("path", stored_notebooks(), ids=_ids(stored_notebooks()))
def test_no_stored_errors_or_warnings(path):
    for cell in _code_cells(path):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: a stored cell raised {out.get('ename')}"
            if out["output_type"] == "stream":
                assert out["name"] == "stdout", (
                    f"{path.name}: a stored cell writes to stderr (a warning?):\n{''.join(out['text'])[:300]}"
                )


@pytest.mark.parametrize("path", chapter_notebooks(), ids=_ids(chapter_notebooks()))
def test_chapter_has_exercises_and_solutions(path):
    assert (SOLUTIONS / path.name).exists(), f"solutions/{path.name} is missing"
    assert (EXERCISES / path.name).exists(), f"exercises/{path.name} is missing"
    text = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown")
    assert f"exercises/{path.name}" in text, f"{path.name} does not link to ../exercises/{path.name}"


def test_no_stray_notebooks():
    for folder in (BOOK, SOLUTIONS, EXERCISES):
        for path in folder.rglob("*.ipynb"):
            assert ".ipynb_checkpoints" not in path.parts, f"checkpoint committed: {path}"


SETUP_MARKER = "# Stand-alone setup"


def _repository_url():
    for line in (ROOT / "_config.yml").read_text().splitlines():
        if line.strip().startswith("url:"):
            return line.split("url:", 1)[1].strip()
    raise AssertionError("_config.yml has no repository url")


ALL_NBS = sorted([*stored_notebooks(), *EXERCISES.glob("*.ipynb")])


@pytest.mark.parametrize("path", ALL_NBS, ids=_ids(ALL_NBS))
def test_notebooks_that_import_rnnbook_install_it_when_missing(path):
    # Colab opens one .ipynb without its siblings: the first code cell installs the helper package.
    cells = _code_cells(path)
    if not any("rnnbook" in "".join(c["source"]) for c in cells):
        return
    first = "".join(cells[0]["source"])
    assert first.startswith(SETUP_MARKER), f"{path.name}: the first code cell must be the stand-alone setup cell"
    assert _repository_url() in first, f"{path.name}: the setup cell does not install from {_repository_url()}"
    # Readers of the HTML book do not need it: the `remove-cell` tag hides it from the rendered page.
    assert "remove-cell" in cells[0].get("metadata", {}).get("tags", []), f"{path.name}: tag the setup cell remove-cell"
