"""ruff over the helper package, tools and tests, and (natively, with per-file-ignores) over the notebooks."""

import subprocess
import sys
from pathlib import Path

from course_paths import ROOT

BIN = Path(sys.executable).parent


def _run(args):
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    return proc.returncode, (proc.stdout + proc.stderr)[-6000:]


def test_ruff_python_sources():
    code, out = _run([str(BIN / "ruff"), "check", "rnnbook", "tools", "tests"])
    assert code == 0, out


def test_ruff_notebooks():
    code, out = _run([str(BIN / "ruff"), "check", "book", "solutions", "exercises"])
    assert code == 0, out
