"""Serve only the MathJax files the site uses.

sphinx-mathjax-offline copies all of MathJax 3 (about 24 MB) into ``_static/mathjax``.  The pages load
``tex-chtml.js`` (the TeX input and CommonHTML output in one file), which at run time fetches only: its fonts
(``output/chtml/fonts/woff-v2``), TeX extensions that a page's maths autoloads (``input/tex/extensions``), and the
accessibility and menu components (``a11y``, ``ui``).  Everything else (the SVG and MathML builds, the "full"
bundles, the speech-rule engine) is never requested, so it is removed after the build.  tests/test_pages.py checks
that every page's maths is still typeset in headless Chromium with no network.
"""

from __future__ import annotations

import shutil
from pathlib import Path

KEEP = ("tex-chtml.js", "output/chtml", "input/tex/extensions", "a11y", "ui", "adaptors")


def _prune(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.outdir) / "_static" / "mathjax"
    if not (root / "tex-chtml.js").exists():
        return
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        rel = path.relative_to(root).as_posix()
        needed = any(rel == k or rel.startswith(k + "/") or k.startswith(rel + "/") for k in KEEP)
        if not needed:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def setup(app):
    app.connect("build-finished", _prune, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
