"""Helpers shared by the notebooks of the RNN course.

Only what several notebooks share, and what is not itself the lesson, lives here:

- ``rnnbook.checks``: exercise checks (numpy only), one module per chapter;
- ``rnnbook.data``: small data generators (nothing is downloaded);
- ``rnnbook.plot``: the course's plot style;
- ``rnnbook.train``: training loops that a notebook *and* the test suite run.
"""

__version__ = "0.1.0"
