"""The shared diagrams in book/figures/ are drawn by tools/make_figures.py, deterministically.

Regenerating them into a temporary folder must give byte-identical files: this proves the
committed SVGs are current (nobody edited one by hand or forgot to re-run the script) and that
the script is reproducible (no dates, no random ids, no font dependence).
"""

import subprocess
import sys
import xml.etree.ElementTree as ET

from course_paths import BOOK, ROOT

FIGURES = ["unrolled-rnn.svg", "elman-jordan.svg", "bidirectional-rnn.svg", "stacked-rnn.svg", "lstm-cell.svg",
           "gru-cell.svg"]


def test_committed_figures_are_current(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "make_figures.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in FIGURES:
        fresh, committed = tmp_path / name, BOOK / "figures" / name
        assert committed.exists(), f"{committed} is missing: run `make figures`"
        assert fresh.read_bytes() == committed.read_bytes(), (
            f"book/figures/{name} differs from what tools/make_figures.py draws: run `make figures`"
        )
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == sorted(FIGURES)


def test_figures_need_no_fonts_and_carry_no_date():
    for name in FIGURES:
        text = (BOOK / "figures" / name).read_text()
        root = ET.fromstring(text)  # well-formed XML
        assert root.tag.endswith("svg")
        assert "<text" not in text, f"{name}: text must be drawn as paths (svg.fonttype='path')"
        assert "dc:date" not in text, f"{name}: a date makes the file change on every run"
