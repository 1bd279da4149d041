"""Reference computations that several chapters' checks share (numpy only).

The checks compare a student's answer with these, and build the *wrong* answers
that trigger targeted hints by calling them with one term changed (``W_hh.T``,
``0 * b_h``, ``carry=False``, ``kind="forward"``, ...).
"""

from __future__ import annotations

import numpy as np

__all__ = ["rnn_cell", "rnn_forward", "finite_difference"]


def rnn_cell(x_t, h_prev, W_xh, W_hh, b_h):
    """One Elman step in the course's row layout: ``tanh(x_t W_xh^T + h_prev W_hh^T + b_h)``, shape (N, H)."""
    return np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)


def rnn_forward(x, h0, W_xh, W_hh, b_h, carry=True):
    """All hidden states ``hs`` (T, N, H) for ``x`` (T, N, D).  ``carry=False`` is the bug of restarting from h0."""
    h, hs = h0, []
    for t in range(x.shape[0]):
        h = rnn_cell(x[t], h if carry else h0, W_xh, W_hh, b_h)
        hs.append(h)
    return np.stack(hs)


def finite_difference(f, x, h, kind="centred"):
    """Numerical gradient of the scalar ``f`` at ``x`` (same shape as x); ``x`` is not modified.

    ``kind``: ``"centred"`` (f(x+h) - f(x-h)) / 2h, the right answer; ``"forward"`` and ``"backward"``
    one-sided differences; ``"divisor"`` the centred difference wrongly divided by h; ``"rows"`` the
    mistake ``for i in range(len(x))``, which shifts a whole row x[i] at once (every entry of g[i] the same).
    """
    if kind == "rows":
        grad = np.zeros_like(x, dtype=float)
        for i in range(len(x)):
            xp, xm = x.copy(), x.copy()
            xp[i] += h
            xm[i] -= h
            grad[i] = (f(xp) - f(xm)) / (2 * h)
        return grad
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        if kind == "centred":
            grad[i] = (f(xp) - f(xm)) / (2 * h)
        elif kind == "forward":
            grad[i] = (f(xp) - f(x)) / h
        elif kind == "backward":
            grad[i] = (f(x) - f(xm)) / h
        elif kind == "divisor":
            grad[i] = (f(xp) - f(xm)) / h
        else:
            raise ValueError(f"unknown kind {kind!r}")
    return grad
