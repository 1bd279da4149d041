"""Chapter 2's checks accept the reference and reject each named mistake with a message that names it."""

import numpy as np
import pytest

from rnnbook.checks import CheckFailed
from rnnbook.checks.ch02 import (
    check_rnn_cell_forward,
    check_rnn_forward,
    check_sliding_window_shapes,
    check_to_time_major,
)
from rnnbook.data import sliding_windows


# ----------------------------------------------------------------------------- rnn_cell_forward
def cell_ok(x_t, h_prev, W_xh, W_hh, b_h):
    return np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)


def test_cell_accepts_reference(capsys):
    check_rnn_cell_forward(cell_ok)
    assert "rnn_cell_forward: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh + b), "W_hh transposed"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh.T), "ignores the bias"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + b), "ignores the previous hidden state"),
        (lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh.T + b, "forgets the tanh"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh.T) + b, "adds b_h after the tanh"),
        (lambda x, h, Wx, Wh, b: 1 / (1 + np.exp(-(x @ Wx.T + h @ Wh.T + b))), "uses the sigmoid instead of tanh"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh.T + b).T, r"expected \(N, H\).*transposed"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh.T + b)[0], r"expected \(N, H\)"),
        (lambda x, h, Wx, Wh, b: None, "forget a `return`"),
        (lambda x, h, Wx, Wh, b: np.full((3, 5), np.nan), "NaN"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh.T + b) + 1e-3, "wrong values"),
    ],
)
def test_cell_rejects(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_rnn_cell_forward(wrong)


def test_cell_refuses_in_place_mutation():
    def mutating(x, h, Wx, Wh, b):
        h += 0.0 * h + 1.0
        return cell_ok(x, h - 1.0, Wx, Wh, b)

    with pytest.raises(CheckFailed, match="in place"):
        check_rnn_cell_forward(mutating)


# ----------------------------------------------------------------------------- rnn_forward
def forward_ok(x, h0, W_xh, W_hh, b_h):
    h, hs = h0, []
    for t in range(len(x)):
        h = cell_ok(x[t], h, W_xh, W_hh, b_h)
        hs.append(h)
    return np.stack(hs)


def forward_no_carry(x, h0, W_xh, W_hh, b_h):
    return np.stack([cell_ok(x[t], h0, W_xh, W_hh, b_h) for t in range(len(x))])


def forward_transposed(x, h0, W_xh, W_hh, b_h):
    return forward_ok(x, h0, W_xh, W_hh.T, b_h)


def forward_no_bias(x, h0, W_xh, W_hh, b_h):
    return forward_ok(x, h0, W_xh, W_hh, 0 * b_h)


def forward_zero_h0(x, h0, W_xh, W_hh, b_h):
    return forward_ok(x, np.zeros_like(h0), W_xh, W_hh, b_h)


def forward_last_only(x, h0, W_xh, W_hh, b_h):
    return forward_ok(x, h0, W_xh, W_hh, b_h)[-1]


def forward_batch_major(x, h0, W_xh, W_hh, b_h):
    return forward_ok(x, h0, W_xh, W_hh, b_h).transpose(1, 0, 2)


def forward_previous(x, h0, W_xh, W_hh, b_h):
    hs = forward_ok(x, h0, W_xh, W_hh, b_h)
    return np.concatenate([h0[None], hs[:-1]])


def test_forward_accepts_reference(capsys):
    check_rnn_forward(forward_ok)
    assert "rnn_forward: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (forward_no_carry, "does not carry the hidden state"),
        (forward_transposed, "W_hh transposed"),
        (forward_no_bias, "ignores the bias"),
        (forward_zero_h0, "ignores h0"),
        (forward_last_only, r"\*every\* step"),
        (forward_batch_major, r"\(T, N, H\)"),
        (forward_previous, "previous"),
        (lambda x, h0, *w: np.concatenate([h0[None], forward_ok(x, h0, *w)]), r"\(T \+ 1, N, H\): it includes h0"),
    ],
)
def test_forward_rejects(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_rnn_forward(wrong)


# ----------------------------------------------------------------------------- shapes
def shapes_ok(n_steps, window, n_features):
    X, y = sliding_windows(np.zeros((n_steps, n_features)), window)
    return X.shape, y.shape


def test_shapes_accept_reference(capsys):
    check_sliding_window_shapes(shapes_ok)
    assert "sliding_window_shapes: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda n, w, f: ((n - w + 1, w, f), (n - w + 1, f)), "one window too many"),
        (lambda n, w, f: ((w, n - w, f), (n - w, f)), "time-major"),
        (lambda n, w, f: ((n - w, w), (n - w, f)), "drops the features axis"),
        (lambda n, w, f: ((n - w, w, f), (n - w,)), r"y_shape.*expected \[samples, features\]"),
        (lambda n, w, f: ((n, w, f), (n, f)), r"expected \[samples, window, features\]"),
        (lambda n, w, f: (n - w, w, f), "pair"),
        (lambda n, w, f: (np.zeros((n - w, w, f)), (n - w, f)), "not an array"),
    ],
)
def test_shapes_reject(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_sliding_window_shapes(wrong)


# ----------------------------------------------------------------------------- to_time_major
def test_time_major_accepts_reference(capsys):
    check_to_time_major(lambda X: X.transpose(1, 0, 2))
    check_to_time_major(lambda X: np.swapaxes(X, 0, 1))
    assert "to_time_major: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda X: X.reshape(X.shape[1], X.shape[0], X.shape[2]), "uses reshape"),
        (lambda X: X, r"expected \(L, N, F\)"),
        (lambda X: X.T, r"\(F, L, N\): X.T reverses all three axes"),
        (lambda X: X.transpose(1, 0, 2)[::-1], "wrong values"),
    ],
)
def test_time_major_rejects(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_to_time_major(wrong)


def test_rnn_cell_forward_shape_mismatch_is_one_line():
    from rnnbook.checks.ch02 import check_rnn_cell_forward

    def untransposed(x_t, h_prev, W_xh, W_hh, b_h):
        return np.tanh(x_t @ W_xh + h_prev @ W_hh.T + b_h)

    with pytest.raises(CheckFailed, match=r"shape mismatch.*x @ W\.T") as info:
        check_rnn_cell_forward(untransposed)
    assert "\n" not in str(info.value)
