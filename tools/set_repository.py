"""Point the course at your fork's repository URL, in every place that names it.

    python tools/set_repository.py https://github.com/you/your-fork     (or: make set-repo URL=...)

The URL appears in ``_config.yml`` (``repository.url``: launch buttons, repository button),
``rnnbook/setup_cell.py`` and the first code cell of every notebook (the Colab setup cell,
which pip-installs the helper package from the repository).  A test checks that they agree.
Only the setup cells change, so the stored outputs stay valid; exercises are regenerated.
"""

from __future__ import annotations

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
    if len(argv) != 1 or not re.match(r"^https://\S+[^/]$", argv[0]):
        print(__doc__)
        return 2
    old, new = current_url(), argv[0]
    config = ROOT / "_config.yml"
    config.write_text(re.sub(rf"^(\s*url:\s*){re.escape(old)}\s*$", rf"\g<1>{new}", config.read_text(), flags=re.M))
    setup = ROOT / "rnnbook" / "setup_cell.py"
    setup.write_text(setup.read_text().replace(old, new))
    changed = 0
    for path in sorted([*ROOT.glob("book/*.ipynb"), *ROOT.glob("solutions/*.ipynb")]):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code"]
        if cells and cells[0].source.startswith(SETUP_MARKER) and old in cells[0].source:
            cells[0].source = cells[0].source.replace(old, new)
            nbformat.write(nb, path)
            changed += 1
    sys.path.insert(0, str(ROOT / "tools"))
    import make_exercises

    make_exercises.main([])
    print(f"repository URL: {old} -> {new} (_config.yml, rnnbook/setup_cell.py, {changed} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
