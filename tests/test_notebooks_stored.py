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
        tags = cell.get("metadata", {}).get("tags", [])
        if "nbval-ignore-output" in tags:
            assert "assert " in src, f"{path.name}: a cell ignores its output but asserts nothing:\n{src[:300]}"
        assert "nbval-skip" not in tags, f"{path.name}: nbval-skip hides a cell from the tests:\n{src[:300]}"


MAX_CODE_LINE = 88


@pytest.mark.parametrize("path", stored_notebooks(), ids=_ids(stored_notebooks()))
def test_no_test_harness_shows_on_the_page(path):
    # nbval's markers go in cell tags (nbval-ignore-output), which the page does not show; a comment would.
    for cell in _code_cells(path):
        src = "".join(cell["source"])
        assert "NBVAL_" not in src, f"{path.name}: use the cell tag, not a comment the page shows:\n{src[:300]}"


@pytest.mark.parametrize("path", stored_notebooks(), ids=_ids(stored_notebooks()))
def test_code_lines_fit_the_page_column(path):
    long = [
        line for cell in _code_cells(path) for line in "".join(cell["source"]).splitlines() if len(line) > MAX_CODE_LINE
    ]
    assert not long, f"{path.name}: {len(long)} code lines longer than {MAX_CODE_LINE} characters, e.g. {long[0]!r}"


@pytest.mark.parametrize("path", stored_notebooks(), ids=_ids(stored_notebooks()))
def test_every_figure_has_alt_text_and_a_caption(path):
    # myst-nb reads them from the cell metadata; without them a plot's alt text is its file name.
    for i, cell in enumerate(_code_cells(path)):
        if not any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            continue
        meta = cell.get("metadata", {}).get("mystnb", {})
        alt = meta.get("image", {}).get("alt", "")
        caption = meta.get("figure", {}).get("caption", "")
        assert len(alt.split()) >= 5, f"{path.name}: code cell {i} draws a figure without real alt text"
        assert len(caption.split()) >= 3, f"{path.name}: code cell {i} draws a figure without a caption"


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
from rnnbook.setup_cell import SETUP_CELL  # noqa: E402


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
    assert first == SETUP_CELL, f"{path.name}: the setup cell differs from rnnbook.setup_cell.SETUP_CELL; run make set-repo"
    # Readers of the HTML book do not need it: the `remove-cell` tag hides it from the rendered page.
    assert "remove-cell" in cells[0].get("metadata", {}).get("tags", []), f"{path.name}: tag the setup cell remove-cell"


@pytest.mark.parametrize("path", ALL_NBS, ids=_ids(ALL_NBS))
def test_notebook_matches_the_nbformat_schema(path):
    # e.g. cell ids in a notebook that declares nbformat 4.4 (ids arrived in 4.5): Jupyter and the grader warn.
    import nbformat

    nbformat.validate(nbformat.read(path, as_version=4))
