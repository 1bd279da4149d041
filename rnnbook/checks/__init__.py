"""Exercise checks, one module per chapter (``rnnbook.checks.ch01`` ...).

Every check follows the same rules (see ``core``):

1. wrong types, ``None`` and NaN produce one clear line;
2. shapes are checked first and named symbolically ("expected (N, H)");
3. values are compared with ``np.testing.assert_allclose`` (no broadcasting);
4. where possible one term is isolated to give a targeted hint;
5. success prints one short line.

A failed check raises :class:`CheckFailed`.  Inside IPython/Jupyter the traceback
is suppressed, so the student sees only the message.
"""

from .core import CheckFailed

__all__ = ["CheckFailed"]
