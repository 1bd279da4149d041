"""The instructor's grader (rnnbook.grade): synthetic students built from the course's own notebooks.

- ace hands in the solutions: everything passes;
- blank hands in the untouched exercises: everything is `not attempted`;
- slip has one planted mistake (a function returns None): exactly that exercise fails, with a named cause;
- loop has an endless loop in one exercise: that exercise times out, and the rest of the notebook is graded;
- nochecks deleted every check cell: the grader runs the course's checks anyway, so everything passes;
- renamed renamed one function: that exercise is an `error` that says so;
- odd hands in a corrupt notebook, a text file and a notebook under another name; empty hands in nothing.
"""

from __future__ import annotations

import csv
import re
import shutil

import nbformat
import pytest
from course_paths import EXERCISES, ROOT, SOLUTIONS

from rnnbook import grade

NOTEBOOK = "04-bptt.ipynb"
TIMEOUT = 8


def _items():
    return [i for i in grade.course_items(ROOT)[NOTEBOOK] if i.kind == "check"]


def _solution_cell_defining(nb, name):
    for cell in nb.cells:
        if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source and re.search(rf"^def {name}\(", cell.source,
                                                                                          re.M):
            return cell
    raise AssertionError(f"no solution cell defines {name}")


def _replace_region(cell, new_body):
    lines, out, inside = cell.source.splitlines(), [], False
    for line in lines:
        if line.strip().startswith("### BEGIN SOLUTION"):
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + b for b in new_body]
        elif line.strip().startswith("### END SOLUTION"):
            inside = False
        elif not inside:
            out.append(line)
    cell.source = "\n".join(out)


def _targets():
    """Two different exercises, each checked by one call on a plain function defined in its own cell."""
    found = []
    for item in _items():
        args = re.findall(r"\((\w+)\)$", item.call)
        if args and args[0] in item.functions and not any(args[0] == f[0] for f in found):
            found.append((args[0], item.exercise))
    assert len(found) >= 2, f"{NOTEBOOK} needs two function exercises for this test"
    return found[:2]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    subs = tmp_path_factory.mktemp("submissions")
    solutions = nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)
    (slip_fn, slip_ex), (loop_fn, loop_ex) = _targets()

    def hand_in(student, nb=None, source=None, name=NOTEBOOK):
        folder = subs / student
        folder.mkdir(exist_ok=True)
        if source is not None:
            shutil.copy(source, folder / name)
        elif nb is not None:
            nbformat.write(nb, folder / name)

    hand_in("ace", source=SOLUTIONS / NOTEBOOK)
    hand_in("blank", source=EXERCISES / NOTEBOOK)
    slip = nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)
    _replace_region(_solution_cell_defining(slip, slip_fn), ["return None"])
    hand_in("slip", slip)
    loop = nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)
    cell = _solution_cell_defining(loop, loop_fn)
    cell.source = cell.source.replace("### BEGIN SOLUTION", "### BEGIN SOLUTION\n    while True:\n        pass", 1)
    hand_in("loop", loop)
    nochecks = nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)
    nochecks.cells = [c for c in nochecks.cells if not (c.cell_type == "code" and grade._check_call(c.source))]
    hand_in("nochecks", nochecks)
    renamed = nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)
    cell = _solution_cell_defining(renamed, slip_fn)
    cell.source = cell.source.replace(f"def {slip_fn}(", f"def my_{slip_fn}(", 1)
    hand_in("renamed", renamed)
    hand_in("odd")
    (subs / "odd" / NOTEBOOK).write_text("{ this is not json")
    (subs / "odd" / "notes.txt").write_text("see my notebook")
    hand_in("odd", solutions, name="my-homework.ipynb")
    (subs / "empty").mkdir()
    printed = []
    grade.grade(subs, ROOT, timeout=TIMEOUT, out=printed.append)
    rows = list(csv.DictReader((subs / "grades.csv").open()))
    return subs, rows, "\n".join(printed), slip_ex, loop_ex


def _mine(rows, student, notebook=NOTEBOOK):
    return {r["exercise"]: r for r in rows if r["student"] == student and r["notebook"] == notebook}


def test_csv_has_one_row_per_student_and_exercise(graded):
    subs, rows, _, _, _ = graded
    assert set(rows[0]) >= {"student", "notebook", "exercise", "status", "points", "message"}
    items = grade.course_items(ROOT)
    students = {"ace", "blank", "slip", "loop", "nochecks", "renamed", "odd", "empty"}
    assert {r["student"] for r in rows} == students
    assert len(rows) == len(students) * sum(len(v) for v in items.values())
    assert {r["status"] for r in rows} <= set(grade.STATUSES)


def test_the_solutions_pass_and_written_answers_are_manual(graded):
    _, rows, _, _, _ = graded
    for student in ("ace", "nochecks"):
        mine = _mine(rows, student)
        assert all(r["status"] == "passed" for k, r in mine.items() if "written" not in k), (student, mine)
        assert all(r["status"] == "manual" for k, r in mine.items() if "written" in k)


def test_untouched_exercises_are_not_attempted(graded):
    _, rows, _, _, _ = graded
    mine = _mine(rows, "blank")
    assert all(r["status"] == "not attempted" for k, r in mine.items() if "written" not in k), mine


def test_a_planted_mistake_fails_only_its_exercise_with_a_named_cause(graded):
    _, rows, _, slip_ex, _ = graded
    mine = _mine(rows, "slip")
    assert mine[slip_ex]["status"] == "failed" and "None" in mine[slip_ex]["message"], mine[slip_ex]
    others = [r for k, r in mine.items() if k != slip_ex and "written" not in k]
    assert all(r["status"] == "passed" for r in others), others


def test_an_endless_loop_times_out_and_the_rest_is_graded(graded):
    _, rows, _, _, loop_ex = graded
    mine = _mine(rows, "loop")
    assert mine[loop_ex]["status"] == "timeout", mine[loop_ex]
    others = [r for k, r in mine.items() if k != loop_ex and "written" not in k]
    assert all(r["status"] == "passed" for r in others), others


def test_a_renamed_function_is_an_error_that_says_so(graded):
    _, rows, _, slip_ex, _ = graded
    row = _mine(rows, "renamed")[slip_ex]
    assert row["status"] == "error" and "renamed" in row["message"], row


def test_bad_input_gets_a_clear_message_and_loses_nothing(graded):
    subs, rows, printed, _, _ = graded
    corrupt = _mine(rows, "odd")
    assert all(r["status"] == "error" and "could not read" in r["message"] for r in corrupt.values())
    feedback = (subs / "feedback" / "odd.md").read_text()
    assert "notes.txt" in feedback and "not a notebook" in feedback
    assert "my-homework.ipynb" in feedback and "not one of the course's exercise notebooks" in feedback
    assert "no notebook was handed in" in (subs / "feedback" / "empty.md").read_text()
    assert all(r["status"] == "not attempted" for r in rows if r["student"] == "empty")
    assert "passed" in printed and "ace" in printed


def test_feedback_never_shows_the_reference_solution(graded):
    subs, _, _, _, _ = graded
    solutions = nbformat.read(SOLUTIONS / NOTEBOOK, as_version=4)
    secret = [line.strip() for c in solutions.cells if c.cell_type == "code" and "### BEGIN SOLUTION" in c.source
              for line in c.source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION")[0].splitlines()
              if len(line.strip()) > 25]
    for path in (subs / "feedback").glob("*.md"):
        text = path.read_text()
        if path.stem in ("ace", "nochecks", "slip", "loop", "renamed"):
            leaked = [s for s in secret if s in text]
            assert not leaked, f"{path.name} shows solution code: {leaked[:2]}"


def test_the_make_target_and_readme_document_grading():
    makefile = (ROOT / "Makefile").read_text()
    assert "grade:" in makefile and "rnnbook.grade" in makefile
    readme = (ROOT / "README.md").read_text()
    assert "make grade SUBMISSIONS=" in readme and "permissions" in readme


def test_summary_keeps_chapters_8_and_8b_apart():
    rows = [
        {"student": "s", "notebook": "08-char-language-model.ipynb", "exercise": "1", "status": "passed"},
        {"student": "s", "notebook": "08b-real-text.ipynb", "exercise": "1", "status": "failed"},
    ]
    text = grade.summary(rows)
    assert "08.1" in text and "08b.1" in text and "Fewest passes: 08b.1 (0/1)" in text
