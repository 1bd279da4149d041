"""Helpers shared by the notebooks of the RNN course.

Only what several notebooks share, and what is not itself the lesson, lives here:

- ``rnnbook.checks``: exercise checks (numpy only), one module per chapter;
- ``rnnbook.data``: small data generators (nothing is downloaded);
- ``rnnbook.plot``: the course's plot style;
- ``rnnbook.train``: the adding-problem training loop (Chapters 5 and 7);
- ``rnnbook.gradients``: the cliff model and the RNN length sweep (Chapter 5);
- ``rnnbook.structures``: the Elman/Jordan echo-and-recall demo (Chapter 3);
- ``rnnbook.diagrams_seq``: the sequence I/O pattern diagrams (Chapter 2);
- ``rnnbook.reber`` and ``rnnbook.charlm``: the embedded Reber grammar and the character model (Chapter 8);
- ``rnnbook.setup_cell``: the first code cell of every notebook (installs this package in Colab).

A training loop lives here when a notebook *and* the test suite run it, so a demo's claim is
re-checked on several seeds by exactly the code the page shows.
"""

__version__ = "0.1.0"
