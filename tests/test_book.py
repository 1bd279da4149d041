"""The strict book build: any Sphinx warning (bad link, missing figure, bad citation) fails."""

import subprocess
import sys
from pathlib import Path

from course_paths import ROOT


def test_book_builds_without_warnings():
    jb = Path(sys.executable).parent / "jupyter-book"
    proc = subprocess.run(
        [str(jb), "build", str(ROOT), "-W", "-n", "--keep-going"], cwd=ROOT, capture_output=True, text=True
    )
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, f"jupyter-book build failed or warned:\n{tail}"
    assert (ROOT / "_build" / "html" / "index.html").exists()
