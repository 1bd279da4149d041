"""Generate exercises/*.ipynb from solutions/*.ipynb (single source).

nbgrader's convention: in a code cell, the region between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()``
at the same indentation; in a markdown cell it becomes a short "Your answer" prompt.
Outputs and execution counts are cleared, and a cell tagged ``solution-only`` is dropped.

The solutions notebook opens with ``# Solutions N · Title`` and a paragraph written for the
solutions page (it links the chapter and the exercises).  The exercises notebook gets its own
opening instead: ``# Exercises N · Title``, how to work through the exercises, and links to the
chapter and to the solutions.  Any further paragraphs of that first cell (notation reminders)
are kept.

    python tools/make_exercises.py            # write exercises/
    python tools/make_exercises.py --check    # exit 1 if exercises/ is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"


class MarkerError(ValueError):
    pass


def _strip_regions(source: str, begin: str, end: str, replacement) -> str:
    out, inside, indent = [], False, ""
    for lineno, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(begin):
            if inside:
                raise MarkerError(f"line {lineno}: nested {begin}")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.extend(replacement(indent))
        elif stripped.startswith(end):
            if not inside:
                raise MarkerError(f"line {lineno}: {end} without {begin}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"{begin} is never closed")
    return "\n".join(out)


ANSWER_PROMPT = "> ✏️ **Your answer:** write it here, in place of this line."
TITLE = re.compile(r"^\s*#\s*Solutions\s+(?P<number>\w+)\s*·\s*(?P<title>.+?)\s*$")

OPENING = """# Exercises {number} · {title}

These exercises go with [Chapter {number}](../book/{name}). Each one gives you a function to \
complete: replace `# YOUR CODE HERE` and the `raise NotImplementedError()` line below it with \
your code, then run the check cell that follows. A check prints one line when your answer is \
right; when it is not, it stops with a one-line message that names the mistake. Written answers \
go where you see ✏️ **Your answer**. Worked solutions are in [Solutions {number}](../solutions/{name}): \
try each exercise first."""


def exercise_opening(first_cell: str, name: str) -> str:
    """The exercises page's own first cell, built from the solutions page's title line."""
    lines = first_cell.strip().splitlines()
    match = TITLE.match(lines[0]) if lines else None
    if not match:
        raise MarkerError(f"the first cell must start with '# Solutions N · Title', not {lines[:1]}")
    paragraphs = [p for p in "\n".join(lines[1:]).strip().split("\n\n") if p.strip()]
    opening = OPENING.format(number=match["number"], title=match["title"], name=name)
    return "\n\n".join([opening, *paragraphs[1:]])


def exercise_notebook(solution: nbformat.NotebookNode, name: str = "") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(metadata=solution.metadata)
    first_heading_done = False
    for cell in solution.cells:
        if "solution-only" in cell.get("metadata", {}).get("tags", []):
            continue
        src = cell.source
        if cell.cell_type == "code":
            src = _strip_regions(src, BEGIN, END, lambda ind: [f"{ind}# YOUR CODE HERE", f"{ind}raise NotImplementedError()"])
            new = nbformat.v4.new_code_cell(src)
        elif cell.cell_type == "markdown":
            src = _strip_regions(src, MD_BEGIN, MD_END, lambda ind: [f"{ind}{ANSWER_PROMPT}"])
            if not first_heading_done and src.lstrip().startswith("#"):
                src = exercise_opening(src, name)
                first_heading_done = True
            new = nbformat.v4.new_markdown_cell(src)
        else:
            new = nbformat.v4.new_raw_cell(src)
        meta = {k: v for k, v in cell.get("metadata", {}).items() if k in ("tags",)}
        new.metadata = meta
        new.pop("id", None)
        nb.cells.append(new)
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb, version=4) + "\n"


def expected_exercises(root: Path = ROOT) -> dict[str, str]:
    """Map exercises/NAME.ipynb -> the text it should have."""
    result = {}
    for path in sorted((root / "solutions").glob("*.ipynb")):
        try:
            nb = exercise_notebook(nbformat.read(path, as_version=4), path.name)
        except MarkerError as exc:
            raise MarkerError(f"{path.relative_to(root)}: {exc}") from None
        result[path.name] = render(nb)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report whether exercises/ is up to date")
    args = parser.parse_args(argv)
    out_dir = ROOT / "exercises"
    expected = expected_exercises()
    stale = [n for n, text in expected.items() if not (out_dir / n).exists() or (out_dir / n).read_text() != text]
    orphans = sorted(p.name for p in out_dir.glob("*.ipynb") if p.name not in expected)
    if args.check:
        for n in stale:
            print(f"exercises/{n} is out of date: run `make exercises`")
        for n in orphans:
            print(f"exercises/{n} has no solutions/{n}")
        return 1 if stale or orphans else 0
    out_dir.mkdir(exist_ok=True)
    for n in stale:
        (out_dir / n).write_text(expected[n])
        print(f"wrote exercises/{n}")
    for n in orphans:
        (out_dir / n).unlink()
        print(f"removed exercises/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
