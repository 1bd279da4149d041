"""Grade a folder of student notebooks with the course's own checks.

    python -m rnnbook.grade SUBMISSIONS [--timeout SECONDS] [--course ROOT]
    make grade SUBMISSIONS=DIR [TIMEOUT=60]

``SUBMISSIONS`` holds one folder per student, each with any subset of the exercise notebooks under their course
file names (``alice/04-bptt.ipynb``).  For every student and every exercise of the course this writes one row of
``SUBMISSIONS/grades.csv`` (columns ``student,notebook,exercise,status,points,message``), a feedback file
``SUBMISSIONS/feedback/<student>.md``, and prints a summary: which exercise the class struggled with.

How a notebook is graded:

1. The student's notebook is copied into a fresh temporary folder and run there in a fresh kernel, one cell at a
   time with a time limit per cell (an endless loop is interrupted and the next cell runs).  Check cells are *not*
   run: the student may have edited or deleted them.
2. Then, for each exercise, the course's own check call (read from ``solutions/NN-*.ipynb``) runs on the student's
   function, in the same kernel, with the same time limit.  Its one-line message is the feedback.
3. Written answers (markdown answer regions) are listed as ``manual``, with the student's text, for the grader.

Status: ``passed``, ``failed`` (the check named a mistake), ``not attempted`` (the body still raises
``NotImplementedError``), ``error`` (their code raised, a function is missing or renamed, or the notebook could not
be read), ``timeout``, or ``manual``.  The reference solutions are never shown.

Safety: student code runs with your permissions.  Each notebook runs in its own process, in a temporary working
folder, with a time limit per cell and for the whole notebook, and, where the OS allows unprivileged namespaces
(Linux), without network (``unshare -rn``; the kernel talks to the grader over Unix sockets).  For stronger
isolation, run the grader in a container or a throw-away VM.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("passed", "failed", "not attempted", "error", "timeout", "manual")
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
ANSWER_PROMPT = "> ✏️ **Your answer:** write it here, in place of this line."
EXERCISE_HEADING = re.compile(r"^##\s*Exercise\s+(?P<number>\w+)\s*·\s*(?P<title>.*)$", re.M)
DEFAULT_TIMEOUT = 60
_TIMEOUT = [DEFAULT_TIMEOUT]  # the per-cell limit in force, for messages


# ----------------------------------------------------------------------------------------------- the course
@dataclass
class Item:
    """One gradeable thing: a check call, or a written answer."""

    notebook: str
    exercise: str  # "3", "2a" (when an exercise has several checks), "2 (written)"
    title: str
    kind: str  # "check" or "written"
    call: str = ""  # the course's check call, e.g. "check_rnn_forward(rnn_forward)"
    functions: list[str] = field(default_factory=list)  # names the exercise defines


def _check_call(source: str) -> str | None:
    """The source if a code cell is a single call to a ``check_*`` function, else None."""
    code = "\n".join(line for line in source.splitlines() if not line.strip().startswith("#")).strip()
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id.startswith("check_"):
        return code
    return None


def _defined_names(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def _sections(cells) -> list[tuple[str, str, list]]:
    """Split cells into (number, title, cells) by '## Exercise N · title' headings; cells before go to ''."""
    out: list[tuple[str, str, list]] = [("", "", [])]
    for cell in cells:
        if cell.cell_type == "markdown":
            m = EXERCISE_HEADING.search(cell.source)
            if m:
                out.append((m["number"], m["title"].strip(), []))
        out[-1][2].append(cell)
    return out


def course_items(course: Path) -> dict[str, list[Item]]:
    """notebook name -> its gradeable items, read from the solutions notebooks."""
    import nbformat

    items: dict[str, list[Item]] = {}
    for path in sorted((course / "solutions").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        found: list[Item] = []
        for number, title, cells in _sections(nb.cells):
            if not number:
                continue
            calls = [c for c in (_check_call(cell.source) for cell in cells if cell.cell_type == "code") if c]
            names = [n for cell in cells if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source
                     for n in _defined_names(cell.source)]
            for k, call in enumerate(calls):
                label = number if len(calls) == 1 else f"{number}{'abcdefghij'[k]}"
                found.append(Item(path.name, label, title, "check", call, names))
            if any(cell.cell_type == "markdown" and MD_BEGIN in cell.source for cell in cells):
                found.append(Item(path.name, f"{number} (written)", title, "written"))
        items[path.name] = found
    return items


# ------------------------------------------------------------------------------------------- one notebook
_RUN_CHECK = '''
import json as _grade_json
_grade_result = None
try:
    from rnnbook.checks.core import CheckFailed as _GradeCheckFailed
    try:
        {call}
        _grade_result = ["passed", ""]
    except NotImplementedError:
        _grade_result = ["not attempted", ""]
    except KeyboardInterrupt:
        _grade_result = ["timeout", ""]
    except _GradeCheckFailed as _grade_exc:
        _grade_result = ["failed", str(_grade_exc)]
    except NameError as _grade_exc:
        _grade_result = ["missing", str(_grade_exc)]
    except Exception as _grade_exc:
        _grade_result = ["error", type(_grade_exc).__name__ + ": " + str(_grade_exc)]
except BaseException as _grade_exc:
    _grade_result = ["error", type(_grade_exc).__name__ + ": " + str(_grade_exc)]
print("@@GRADE@@" + _grade_json.dumps(_grade_result))
'''


def _one_line(text: str, limit: int = 300) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_of(cell) -> tuple[str, str] | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", "Error"), _one_line(out.get("evalue", ""))
    return None


def _written_answer(cells, exercise_cells) -> str:
    """The student's text in an exercise section: markdown that is not the handed-out statement."""
    handed_out = {c.source.strip() for c in exercise_cells if c.cell_type == "markdown"}
    texts = []
    for cell in cells:
        if cell.cell_type != "markdown" or EXERCISE_HEADING.search(cell.source):
            continue
        text = cell.source.strip()
        if text in handed_out:
            continue
        # keep what the student wrote in place of the prompt (drop the statement lines that are unchanged)
        statement_lines = {line for c in exercise_cells if c.cell_type == "markdown" for line in c.source.splitlines()}
        lines = [line for line in text.splitlines() if line not in statement_lines
                 and line.strip() not in (ANSWER_PROMPT, MD_BEGIN, MD_END)]
        if any(line.strip() for line in lines):
            texts.append("\n".join(lines).strip())
    return "\n\n".join(texts)


def grade_notebook(path: Path, items: list[Item], exercise_nb: Path | None, timeout: int) -> list[dict]:
    """Run one student notebook and every course check for it; return one result dict per item."""
    import nbformat
    from jupyter_client import AsyncKernelManager
    from nbclient import NotebookClient

    results: dict[str, dict] = {}
    _TIMEOUT[0] = timeout

    def result(item: Item, status: str, message: str = "") -> dict:
        return {"exercise": item.exercise, "status": status, "message": _one_line(message, 2000)}

    try:
        nb = nbformat.read(path, as_version=4)  # warns, but does not fail, on small schema slips
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except Exception as exc:  # corrupt JSON, not a notebook, ...
        return [result(i, "error", f"could not read the notebook: {_one_line(exc, 200)}") for i in items]

    handed_out = nbformat.read(exercise_nb, as_version=4) if exercise_nb and exercise_nb.exists() else None
    handed_sections = {n: cells for n, _, cells in _sections(handed_out.cells)} if handed_out else {}
    sections = _sections(nb.cells)
    section_of_cell = {}
    for number, _, cells in sections:
        for cell in cells:
            section_of_cell[id(cell)] = number

    # 1. Run the student's cells (not their check cells), one at a time, in a temporary folder.
    workdir = Path(tempfile.mkdtemp(prefix="grade-"))
    cell_errors: dict[str, list[tuple[str, str]]] = {}
    # Unix sockets, not TCP: the kernel needs no network, even inside a namespace without a loopback device.
    km = AsyncKernelManager(kernel_name="python3", transport="ipc")
    km.connection_file = str(workdir / "kernel.json")
    km.ip = str(workdir / "kernel-ipc")
    client = NotebookClient(
        nb, km=km, timeout=timeout, startup_timeout=60, interrupt_on_timeout=True, allow_errors=True,
        error_on_timeout={"ename": "Timeout", "evalue": f"a cell ran longer than {timeout} s", "traceback": []},
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        with client.setup_kernel(cwd=str(workdir)):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip() or _check_call(cell.source):
                    continue
                try:
                    client.execute_cell(cell, index)
                except Exception as exc:  # the kernel died, say
                    cell.outputs = [{"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc)}]
                err = _error_of(cell)
                if err and err[0] == "KeyboardInterrupt":
                    err = ("Timeout", f"a cell ran longer than {timeout} s")
                if err and err[0] != "NotImplementedError":
                    cell_errors.setdefault(section_of_cell.get(id(cell), ""), []).append(err)

            # 2. The course's checks, on the student's functions.
            for item in items:
                number = item.exercise.split()[0].rstrip("abcdefghij")
                section_cells = next((cells for n, _, cells in sections if n == number), [])
                if item.kind == "written":
                    answer = _written_answer(section_cells, handed_sections.get(number, []))
                    results[item.exercise] = result(item, "manual", answer or "(no answer written)")
                    continue
                module = _checks_module(item)
                cell = nbformat.v4.new_code_cell(
                    (f"from {module} import *\n" if module else "") + _RUN_CHECK.format(call=item.call)
                )
                nb.cells.append(cell)
                try:
                    client.execute_cell(cell, len(nb.cells) - 1)
                except Exception as exc:
                    results[item.exercise] = result(item, "error", f"the kernel stopped: {exc}")
                    continue
                results[item.exercise] = _interpret(item, cell, section_cells, cell_errors.get(number, []), result)
    except Exception as exc:
        for item in items:
            results.setdefault(item.exercise, result(item, "error", f"the notebook could not be run: {exc}"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return [results[i.exercise] for i in items]


def _checks_module(item: Item) -> str:
    """The rnnbook.checks module that defines the item's check function."""
    import importlib
    import pkgutil

    import rnnbook.checks

    name = item.call.split("(", 1)[0]
    for info in pkgutil.iter_modules(rnnbook.checks.__path__):
        module = importlib.import_module(f"rnnbook.checks.{info.name}")
        if hasattr(module, name):
            return module.__name__
    return ""


def _interpret(item: Item, cell, section_cells, errors, result) -> dict:
    err = _error_of(cell)
    if err and err[0] in ("Timeout", "KeyboardInterrupt"):
        return result(item, "timeout", f"the check did not finish in {_TIMEOUT[0]} s: an endless loop?")
    stdout = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    match = re.search(r"@@GRADE@@(.*)", stdout)
    if not match:
        return result(item, "error", f"the check could not run: {err[0] + ': ' + err[1] if err else 'no result'}")
    status, message = json.loads(match.group(1))
    if status == "timeout":
        return result(item, "timeout", f"the check did not finish in {_TIMEOUT[0]} s: an endless loop?")
    own_code = "\n".join(c.source for c in section_cells if c.cell_type == "code")
    stubbed = "raise NotImplementedError()" in own_code
    timed_out = [e for e in errors if e[0] == "Timeout"]
    if status == "not attempted" and not stubbed and item.functions and any(f in own_code for f in item.functions):
        return result(item, "error", "your code is there, but it needs another exercise's code, "
                      "which still raises NotImplementedError")
    if status == "missing":
        if timed_out:
            return result(item, "timeout", f"a cell of this exercise did not finish: {timed_out[0][1]}")
        if errors:
            return result(item, "error", f"your code raised {errors[0][0]}: {errors[0][1]}")
        name = re.search(r"name '(\w+)'", message)
        if name and name.group(1).startswith("check_"):
            return result(item, "error", f"the course's `{name.group(1)}` is missing: the grader's copy of the "
                          "course does not match the exercises the student was given")
        what = f"`{name.group(1)}`" if name else "a name"
        return result(item, "error", f"the check needs {what}, which your notebook does not define "
                      "(renamed or deleted?). Keep the names the exercise gives.")
    if status == "passed":
        return result(item, "passed", message)
    if status == "not attempted":
        return result(item, "not attempted", "still raises NotImplementedError")
    if status == "failed":
        return result(item, "failed", message)
    return result(item, "error", message)


# ------------------------------------------------------------------------------------------------ students
def _isolated(cmd: list[str]) -> list[str]:
    """Wrap a command in a network-less namespace where the OS allows it (unprivileged user namespaces)."""
    if sys.platform.startswith("linux") and shutil.which("unshare"):
        probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
        if probe.returncode == 0:
            return ["unshare", "-rn", *cmd]
    return cmd


def _grade_in_subprocess(path: Path, notebook: str, course: Path, timeout: int, items: list[Item]) -> list[dict]:
    cmd = _isolated([sys.executable, "-m", "rnnbook.grade", "--one", str(path), "--notebook", notebook,
                     "--course", str(course), "--timeout", str(timeout)])
    try:
        n_cells = len(json.loads(path.read_text()).get("cells", []))
    except Exception:
        n_cells = 0
    limit = timeout * (n_cells + len(items) + 2) + 120
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, cwd=tempfile.gettempdir())
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULTS@@")), None)
        if line is None:
            raise RuntimeError(_one_line(proc.stderr[-500:] or "no results"))
        return json.loads(line[len("@@RESULTS@@"):])
    except subprocess.TimeoutExpired:
        return [{"exercise": i.exercise, "status": "timeout", "message": "the notebook as a whole ran too long"}
                for i in items]
    except Exception as exc:
        return [{"exercise": i.exercise, "status": "error", "message": f"grading failed: {_one_line(exc)}"}
                for i in items]


def grade(submissions: Path, course: Path, timeout: int = DEFAULT_TIMEOUT, out=print) -> list[dict]:
    items = course_items(course)
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and p.name != "feedback" and
                      not p.name.startswith("."))
    rows: list[dict] = []
    notes: dict[str, list[str]] = {}
    for student in students:
        notes[student.name] = []
        files = sorted(p for p in student.rglob("*") if p.is_file())
        if not files:
            notes[student.name].append("The folder is empty: no notebook was handed in.")
        for f in files:
            if f.suffix != ".ipynb":
                notes[student.name].append(f"`{f.relative_to(student)}` is not a notebook (.ipynb): not graded.")
            elif f.name not in items:
                notes[student.name].append(
                    f"`{f.relative_to(student)}` is not one of the course's exercise notebooks (keep the file name "
                    f"of `exercises/`, e.g. `{next(iter(items), 'NN-name.ipynb')}`): not graded.")
        handed = {f.name: f for f in files if f.suffix == ".ipynb" and f.name in items}
        for notebook, its_items in items.items():
            if notebook not in handed:
                results = [{"exercise": i.exercise, "status": "not attempted", "message": "notebook not handed in"}
                           for i in its_items]
            else:
                out(f"grading {student.name}/{notebook} ...")
                results = _grade_in_subprocess(handed[notebook], notebook, course, timeout, its_items)
            for item, res in zip(its_items, results, strict=True):
                points = "" if res["status"] == "manual" else (1 if res["status"] == "passed" else 0)
                rows.append({"student": student.name, "notebook": notebook, "exercise": item.exercise,
                             "title": item.title, "status": res["status"], "points": points,
                             "message": res["message"]})
    _write_csv(submissions / "grades.csv", rows)
    _write_feedback(submissions / "feedback", rows, notes)
    out(summary(rows, notes))
    return rows


def _write_csv(path: Path, rows: list[dict]) -> None:
    columns = ["student", "notebook", "exercise", "title", "status", "points", "message"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


_SAY = {
    "passed": "✅ passed",
    "failed": "❌ not yet",
    "not attempted": "⬜ not attempted",
    "error": "⚠️ error",
    "timeout": "⏱️ timed out",
    "manual": "📝 written answer (read by your instructor)",
}


def _write_feedback(folder: Path, rows: list[dict], notes: dict[str, list[str]]) -> None:
    folder.mkdir(exist_ok=True)
    for student in sorted({r["student"] for r in rows} | set(notes)):
        mine = [r for r in rows if r["student"] == student]
        done = sum(1 for r in mine if r["status"] == "passed")
        checked = sum(1 for r in mine if r["status"] != "manual")
        lines = [f"# Feedback for {student}", "",
                 f"{done} of {checked} checked exercises pass. Each line below is what the course's check says "
                 "about your code; fix what it names and run the check cell again.", ""]
        lines += [f"- {n}" for n in notes.get(student, [])]
        for notebook in sorted({r["notebook"] for r in mine}):
            its = [r for r in mine if r["notebook"] == notebook]
            if all(r["message"] == "notebook not handed in" for r in its):
                lines += ["", f"## {notebook}", "", "Not handed in."]
                continue
            lines += ["", f"## {notebook}", ""]
            for r in its:
                lines.append(f"- **Exercise {r['exercise']} · {r['title']}**: {_SAY[r['status']]}")
                if r["status"] == "manual":
                    lines += ["", *[f"  > {ln}" for ln in r["message"].splitlines() or [""]], ""]
                elif r["message"] and r["status"] != "passed":
                    lines.append(f"  {r['message']}")
        (folder / f"{student}.md").write_text("\n".join(lines) + "\n")


def _short(notebook: str) -> str:
    """The chapter part of a notebook's name: "04-bptt.ipynb" -> "04", "08b-real-text.ipynb" -> "08b"."""
    return notebook.split("-", 1)[0]


def summary(rows: list[dict], notes: dict[str, list[str]] | None = None) -> str:
    symbol = {"passed": "✓", "failed": "✗", "not attempted": "·", "error": "E", "timeout": "T", "manual": "M"}
    keys = []
    for r in rows:
        key = (_short(r["notebook"]), r["exercise"].split()[0] + ("w" if "written" in r["exercise"] else ""))
        if key not in keys:
            keys.append(key)
    students = sorted({r["student"] for r in rows})
    label = [f"{nb}.{ex}" for nb, ex in keys]
    width = max([len(s) for s in students] + [7])
    lines = ["", "Grades (✓ passed, ✗ failed, · not attempted, E error, T timeout, M manual):", ""]
    lines.append(" " * width + "  " + " ".join(f"{lbl:>5}" for lbl in label))
    grid = {(r["student"], _short(r["notebook"]),
             r["exercise"].split()[0] + ("w" if "written" in r["exercise"] else "")): r["status"] for r in rows}
    for s in students:
        lines.append(f"{s:<{width}}  " + " ".join(f"{symbol[grid[(s, *k)]]:>5}" for k in keys))
    passed = [sum(grid[(s, *k)] == "passed" for s in students) for k in keys]
    lines.append(f"{'passed':<{width}}  " + " ".join(f"{p:>5}" for p in passed))
    hardest = sorted(((p, lbl) for p, lbl, k in zip(passed, label, keys, strict=True) if not k[1].endswith("w")))[:3]
    if students and hardest:
        lines += ["", "Fewest passes: " + ", ".join(f"{lbl} ({p}/{len(students)})" for p, lbl in hardest)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", nargs="?", help="folder with one sub-folder per student")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per cell (default 60)")
    parser.add_argument("--course", default=str(Path(__file__).resolve().parent.parent),
                        help="the course repository (default: this checkout)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--notebook", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    course = Path(args.course)
    if args.one:  # internal: grade one notebook in this (isolated) process, print JSON results
        items = course_items(course)[args.notebook]
        results = grade_notebook(Path(args.one), items, course / "exercises" / args.notebook, args.timeout)
        print("@@RESULTS@@" + json.dumps(results))
        return 0
    if not args.submissions:
        parser.error("give the SUBMISSIONS folder (make grade SUBMISSIONS=DIR)")
    submissions = Path(args.submissions)
    if not submissions.is_dir():
        print(f"{submissions} is not a folder: give the folder that holds one sub-folder per student")
        return 2
    grade(submissions, course, args.timeout)
    print(f"\nwrote {submissions / 'grades.csv'} and {submissions / 'feedback'}/<student>.md")
    return 0


__all__ = ["STATUSES", "Item", "course_items", "grade", "grade_notebook", "summary", "main"]

if __name__ == "__main__":
    sys.exit(main())
