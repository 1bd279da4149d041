"""Checks for Chapter 2's exercises (sequences and the recurrent idea).

Conventions (the course's): a batch lives in rows, ``x_t`` is (N, D), ``h_prev`` (N, H), a sequence ``x`` is
(T, N, D); weights have PyTorch's shapes, ``W_xh`` (H, D), ``W_hh`` (H, H), ``b_h`` (H,), so
``h_t = tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)``.

The inputs use D != H and a non-symmetric ``W_hh``, so that every named mistake gives its own answer.
"""

from __future__ import annotations

import numpy as np

from ..data import sliding_windows
from .core import as_array, assert_close, assert_shape, call, fail, hint_if_matches, passed
from .reference import rnn_cell as _cell
from .reference import rnn_forward as _forward

__all__ = [
    "check_rnn_cell_forward",
    "check_rnn_forward",
    "check_sliding_window_shapes",
    "check_to_time_major",
]

N, D, H, T = 3, 4, 5, 6


def _weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    W_xh = rng.normal(0.0, 0.5, size=(H, D))
    W_hh = rng.normal(0.0, 0.5, size=(H, H))
    b_h = rng.normal(0.0, 0.5, size=H)
    return W_xh, W_hh, b_h




def check_rnn_cell_forward(rnn_cell_forward) -> None:
    """``rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h)`` returns ``h_t`` of shape (N, H)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(1)
    W_xh, W_hh, b_h = _weights()
    x_t = rng.normal(size=(N, D))
    h_prev = rng.uniform(-0.9, 0.9, size=(N, H))
    got = as_array("h_t", call(rnn_cell_forward, x_t, h_prev, W_xh, W_hh, b_h))
    assert_shape("h_t", got, (N, H), "(N, H)")
    expected = _cell(x_t, h_prev, W_xh, W_hh, b_h)
    hint_if_matches(
        "h_t",
        got,
        {
            "uses W_hh transposed (h_prev @ W_hh instead of h_prev @ W_hh.T)": _cell(x_t, h_prev, W_xh, W_hh.T, b_h),
            "ignores the bias b_h": _cell(x_t, h_prev, W_xh, W_hh, 0 * b_h),
            "ignores the previous hidden state h_prev (no recurrence)": _cell(x_t, 0 * h_prev, W_xh, W_hh, b_h),
            "forgets the tanh": x_t @ W_xh.T + h_prev @ W_hh.T + b_h,
            "adds b_h after the tanh; the bias goes inside: tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)": (
                _cell(x_t, h_prev, W_xh, W_hh, 0 * b_h) + b_h
            ),
            "uses the sigmoid instead of tanh": 1.0 / (1.0 + np.exp(-(x_t @ W_xh.T + h_prev @ W_hh.T + b_h))),
        },
    )
    assert_close("h_t", got, expected)
    passed("rnn_cell_forward")




def check_rnn_forward(rnn_forward) -> None:
    """``rnn_forward(x, h0, W_xh, W_hh, b_h)`` returns every hidden state ``hs`` of shape (T, N, H)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(2)
    W_xh, W_hh, b_h = _weights()
    x = rng.normal(size=(T, N, D))
    h0 = rng.uniform(-0.9, 0.9, size=(N, H))
    got = as_array("hs", call(rnn_forward, x, h0, W_xh, W_hh, b_h))
    if got.shape == (N, H):
        fail("hs has shape (N, H): return the hidden state of *every* step, stacked to (T, N, H)")
    if got.shape == (N, T, H):
        fail(f"hs has shape {got.shape}: stack the steps along axis 0, giving (T, N, H) = {(T, N, H)}")
    if got.shape == (T + 1, N, H):
        fail(f"hs has shape {got.shape} = (T + 1, N, H): it includes h0; keep only the T states after each x[t]")
    assert_shape("hs", got, (T, N, H), "(T, N, H)")
    expected = _forward(x, h0, W_xh, W_hh, b_h)
    zero_h0 = _forward(x, 0 * h0, W_xh, W_hh, b_h)
    hint_if_matches(
        "hs",
        got,
        {
            "does not carry the hidden state to the next step (it uses h0 at every step)": _forward(
                x, h0, W_xh, W_hh, b_h, carry=False
            ),
            "uses W_hh transposed (h @ W_hh instead of h @ W_hh.T)": _forward(x, h0, W_xh, W_hh.T, b_h),
            "ignores the bias b_h": _forward(x, h0, W_xh, W_hh, 0 * b_h),
            "ignores h0 (it starts from zeros)": zero_h0,
            "stores the previous hidden state at each step (hs[0] should be h_1, not h0)": np.concatenate(
                [h0[None], expected[:-1]]
            ),
        },
    )
    assert_close("hs", got, expected)
    passed("rnn_forward")


def _as_shape(name, value):
    __tracebackhide__ = True
    if isinstance(value, np.ndarray):
        fail(f"{name} should be a tuple of ints like (2, 3), not an array: return `arr.shape` or a tuple")
    try:
        shape = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        fail(f"{name} should be a tuple of ints like (2, 3), got {value!r}")
    if any(int(v) != v for v in value):
        fail(f"{name} should contain whole numbers, got {value!r}")
    return shape


def check_sliding_window_shapes(sliding_window_shapes) -> None:
    """``sliding_window_shapes(n_steps, window, n_features)`` returns ``(X_shape, y_shape)`` as tuples."""
    __tracebackhide__ = True
    for n_steps, window, n_features in [(100, 10, 1), (57, 8, 3), (30, 29, 2)]:
        result = sliding_window_shapes(n_steps, window, n_features)
        if not isinstance(result, tuple) or len(result) != 2:
            fail("return a pair (X_shape, y_shape)")
        X_shape = _as_shape("X_shape", result[0])
        y_shape = _as_shape("y_shape", result[1])
        # The truth is what the real function returns, so the check can never drift from it.
        X_true, y_true = sliding_windows(np.zeros((n_steps, n_features)), window)
        n = X_true.shape[0]
        case = f"for n_steps={n_steps}, window={window}, n_features={n_features}"
        if X_shape == (n + 1, window, n_features):
            fail(f"X_shape {case} counts one window too many: the last window still needs a target after it")
        if X_shape == (window, n, n_features):
            fail(f"X_shape {case} is time-major; the [samples, window, features] layout puts samples first")
        if X_shape == (n, window):
            fail(f"X_shape {case} drops the features axis: [samples, window, features] has three axes")
        if X_shape != X_true.shape:
            fail(f"X_shape {case} is {X_shape}; expected [samples, window, features] = {X_true.shape}")
        if y_shape != y_true.shape:
            fail(f"y_shape {case} is {y_shape}; expected [samples, features] = {y_true.shape}")
    passed("sliding_window_shapes")


def check_to_time_major(to_time_major) -> None:
    """``to_time_major(X)`` turns [samples, window, features] = (N, L, F) into PyTorch's (L, N, F)."""
    __tracebackhide__ = True
    n, L, F = 5, 3, 2
    X = np.arange(n * L * F, dtype=float).reshape(n, L, F)
    got = as_array("X_time_major", call(to_time_major, X))
    if got.shape == (F, L, n):
        fail(
            f"X_time_major has shape {got.shape} = (F, L, N): X.T reverses all three axes; swap only the first "
            "two, X.transpose(1, 0, 2)"
        )
    assert_shape("X_time_major", got, (L, n, F), "(L, N, F)")
    hint_if_matches(
        "X_time_major",
        got,
        {
            "uses reshape, which keeps the memory order and scrambles the samples; use a transpose "
            "(X.transpose(1, 0, 2))": X.reshape(L, n, F),
        },
    )
    assert_close("X_time_major", got, X.transpose(1, 0, 2))
    passed("to_time_major")
