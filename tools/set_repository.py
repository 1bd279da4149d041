"""Point the course at your fork's repository URL (and optionally a release), in every place that names it.

    python tools/set_repository.py https://github.com/you/your-fork [REF]
    make set-repo URL=https://github.com/you/your-fork [REF=v2.1.0]

The URL appears in ``_config.yml`` (``repository.url``: launch buttons, repository button) and in
``rnnbook/setup_cell.py``, which also holds ``REF``: the tag or commit that every notebook's Colab setup cell
installs the helper package from.  The first code cell of every notebook is rewritten to the new setup cell.
Only the setup cells change, so the stored outputs stay valid; exercises are regenerated.  A test checks that
all of them agree.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SETUP_MARKER = "# Stand-alone setup"


def current_url() -> str:
    match = re.search(r"^\s*url:\s*(\S+)\s*$", (ROOT / "_config.yml").read_text(), re.MULTILINE)
    if not match:
        raise SystemExit("_config.yml has no repository url")
    return match.group(1)


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2) or not re.match(r"^https://\S+[^/]$", argv[0]):
        print(__doc__)
        return 2
    if len(argv) == 2 and not re.fullmatch(r"[\w./-]+", argv[1]):
        print(f"not a git tag or commit: {argv[1]!r}")
        return 2
    old, new = current_url(), argv[0]
    config = ROOT / "_config.yml"
    config.write_text(re.sub(rf"^(\s*url:\s*){re.escape(old)}\s*$", rf"\g<1>{new}", config.read_text(), flags=re.M))
    setup = ROOT / "rnnbook" / "setup_cell.py"
    text = re.sub(r'^REPOSITORY_URL = ".*"$', f'REPOSITORY_URL = "{new}"', setup.read_text(), flags=re.M)
    if len(argv) == 2:
        text = re.sub(r'^REF = ".*"$', f'REF = "{argv[1]}"', text, flags=re.M)
    setup.write_text(text)
    sys.path.insert(0, str(ROOT))
    import rnnbook.setup_cell

    cell_source = importlib.reload(rnnbook.setup_cell).SETUP_CELL
    changed = 0
    for path in sorted([*ROOT.glob("book/*.ipynb"), *ROOT.glob("solutions/*.ipynb")]):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code"]
        if cells and cells[0].source.startswith(SETUP_MARKER) and cells[0].source != cell_source:
            cells[0].source = cell_source
            nbformat.write(nb, path)
            changed += 1
    sys.path.insert(0, str(ROOT / "tools"))
    import make_exercises

    make_exercises.main([])
    ref = rnnbook.setup_cell.REF
    print(f"repository: {old} -> {new} at {ref} (_config.yml, rnnbook/setup_cell.py, {changed} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
