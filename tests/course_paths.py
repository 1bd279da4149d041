"""Paths and notebook lists shared by the tests (a plain module: the repository root has the conftest.py)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"


def chapter_notebooks():
    return sorted(BOOK.glob("[0-9][0-9]*-*.ipynb"))


def stored_notebooks():
    """Notebooks stored with outputs, which nbval compares."""
    return sorted([*BOOK.glob("*.ipynb"), *SOLUTIONS.glob("*.ipynb")])
