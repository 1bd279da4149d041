"""Chapter 2's checks accept the reference and reject each named mistake with a message that names it."""

import numpy as np
import pytest

from rnnbook.checks import CheckFailed
from rnnbook.checks.ch02 import (
    check_memory_network,
    check_predict_explosion,
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
    check_to_time_major(lambda X: np.stack([X[:, t] for t in range(X.shape[1])]))
    assert "to_time_major: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda X: X.reshape(X.shape[1], X.shape[0], X.shape[2]), "uses reshape"),
        (lambda X: X, r"that is X's own layout"),
        (lambda X: X.T, r"\(F, L, N\): X.T reverses all three axes"),
        (lambda X: X.transpose(1, 0, 2)[::-1], "reverses time"),
        (lambda X: X.transpose(1, 0, 2)[:, ::-1], "reverses the order of the samples"),
        (lambda X: X.transpose(0, 2, 1), "swaps the window and features axes"),
        (lambda X: np.moveaxis(X, 0, -1), "moves the samples axis to the end"),
        (lambda X: X.transpose(1, 0, 2) + 1, "wrong values"),
        (lambda X: X.tranpose(1, 0, 2), "raised AttributeError"),
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



# ----------------------------------------------------------------------------- rnn_forward: more slips
def _loop(x, h0, W_xh, W_hh, b_h, step):
    h, hs = h0, []
    for t in range(x.shape[0]):
        h = step(x[t], h, W_xh, W_hh, b_h)
        hs.append(h)
    return np.stack(hs)


def forward_relu(x, h0, W_xh, W_hh, b_h):
    return _loop(x, h0, W_xh, W_hh, b_h, lambda x_t, h, Wx, Wh, b: np.maximum(x_t @ Wx.T + h @ Wh.T + b, 0))


def forward_identity(x, h0, W_xh, W_hh, b_h):
    return _loop(x, h0, W_xh, W_hh, b_h, lambda x_t, h, Wx, Wh, b: x_t @ Wx.T + h @ Wh.T + b)


def forward_float32(x, h0, W_xh, W_hh, b_h):
    args = [a.astype(np.float32) for a in (x, h0, W_xh, W_hh, b_h)]
    return forward_ok(*args)


def forward_backwards_in_time(x, h0, W_xh, W_hh, b_h):
    h, hs = h0, []
    for t in reversed(range(x.shape[0])):
        h = np.tanh(x[t] @ W_xh.T + h @ W_hh.T + b_h)
        hs.append(h)
    return np.stack(hs)


def forward_backwards_reflipped(x, h0, W_xh, W_hh, b_h):
    return forward_backwards_in_time(x, h0, W_xh, W_hh, b_h)[::-1]


def forward_bias_column(x, h0, W_xh, W_hh, b_h):
    h, hs = h0, []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ W_xh.T + h @ W_hh.T + b_h[:, None])  # (H, 1): broadcasts wrongly
        hs.append(h)
    return np.stack(hs)


def forward_star(x, h0, W_xh, W_hh, b_h):
    h, hs = h0, []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ W_xh.T + h * W_hh.T + b_h)  # * instead of @
        hs.append(h)
    return np.stack(hs)


def forward_wrong_axis(x, h0, W_xh, W_hh, b_h):
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W_xh.T + h @ W_hh.T + b_h)  # loops over N, reads x[:, t]
        hs.append(h)
    return np.stack(hs)


def forward_wrong_axis_rows(x, h0, W_xh, W_hh, b_h):
    h, hs = h0, []
    for t in range(x.shape[1]):  # range(N) instead of range(T)
        h = np.tanh(x[t] @ W_xh.T + h @ W_hh.T + b_h)
        hs.append(h)
    return np.stack(hs)


def forward_stack_axis1(x, h0, W_xh, W_hh, b_h):
    return np.stack(list(forward_ok(x, h0, W_xh, W_hh, b_h)), axis=1)


def forward_typo(x, h0, W_xh, W_hh, b_h):
    return forward_ok(x, h0, W_xh, W_hh, b_h) + undefined_name  # noqa: F821


@pytest.mark.parametrize(
    "wrong, message",
    [
        (forward_relu, "uses ReLU instead of tanh"),
        (forward_identity, "forgets the tanh"),
        (forward_float32, "float32"),
        (forward_backwards_in_time, "runs time backwards"),
        (forward_backwards_reflipped, "runs time backwards and flips"),
        (forward_bias_column, r"adds the bias as a column"),
        (forward_star, r"multiplies elementwise \(h \* W_hh.T\)"),
        (forward_wrong_axis, "loops over the wrong axis of x"),
        (forward_wrong_axis_rows, r"loop runs over axis 1 of x \(the batch"),
        (forward_stack_axis1, r"stack the steps along axis 0"),
        (forward_typo, "raised NameError"),
    ],
    ids=["relu", "identity", "float32", "backwards", "backwards-reflipped", "bias-column", "star", "wrong-axis",
         "range-N", "stack-axis-1", "name-error"],
)
def test_forward_names_more_slips(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_rnn_forward(wrong)
    assert "\n" not in str(info.value)


def test_forward_accepts_row_by_row_and_einsum():
    def einsum_version(x, h0, W_xh, W_hh, b_h):
        out = np.empty((x.shape[0],) + h0.shape)
        h = h0
        for t in range(x.shape[0]):
            h = np.tanh(np.einsum("nd,hd->nh", x[t], W_xh) + np.einsum("nk,hk->nh", h, W_hh) + b_h)
            out[t] = h
        return out

    check_rnn_forward(einsum_version)


# ----------------------------------------------------------------------------- memory network
def memory_ok(xs, W_xh, W_hh, W_hy):
    h = np.zeros(W_hh.shape[0])
    hs, ys = [], []
    for x_t in xs:
        h = W_xh @ x_t + W_hh @ h
        hs.append(h)
        ys.append(W_hy @ h)
    return np.array(hs), np.array(ys)


def memory_rows(xs, W_xh, W_hh, W_hy):  # row-vector form: the same numbers
    h = np.zeros((1, W_hh.shape[0]))
    hs = []
    for x_t in xs:
        h = x_t[None] @ W_xh.T + h @ W_hh.T
        hs.append(h[0])
    hs = np.array(hs)
    return hs, hs @ W_hy.T


def test_memory_accepts_reference_and_row_form(capsys):
    check_memory_network(memory_ok)
    assert "memory_network: all checks passed" in capsys.readouterr().out
    check_memory_network(memory_rows)


def _mem(xs, W_xh, W_hh, W_hy, act=lambda z: z, carry=True, feed_y=False, from_prev=False, start=0.0):
    h = np.full(W_hh.shape[0], start)
    y = np.zeros(W_hy.shape[0])
    hs, ys = [], []
    for x_t in xs:
        ctx = (y if feed_y else h) if carry else np.zeros_like(h)
        h_new = act(W_xh @ x_t + W_hh @ ctx)
        y = W_hy @ (h if from_prev else h_new)
        h = h_new
        hs.append(h)
        ys.append(y)
    return np.array(hs), np.array(ys)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda xs, a, b, c: _mem(xs, a, b, c, act=np.tanh), "applies a tanh"),
        (lambda xs, a, b, c: _mem(xs, a, b, c, carry=False), "does not carry the memory"),
        (lambda xs, a, b, c: _mem(xs, a, b, c, feed_y=True), "feeds back the output y"),
        (lambda xs, a, b, c: _mem(xs, a, b.T, c), "uses W_hh transposed"),
        (lambda xs, a, b, c: _mem(xs, a, b, c, from_prev=True), "computes the output from the previous memory"),
        (lambda xs, a, b, c: _mem(xs[::-1], a, b, c), "runs time backwards"),
        (lambda xs, a, b, c: _mem(xs, a, b, c, start=1.0), "starts the memory at 1"),
        (lambda xs, a, b, c: _mem(xs, a, b, c)[::-1], "swapped"),
        (lambda xs, a, b, c: _mem(xs, a, b, c)[0], r"should return the pair \(hs, ys\)"),
        (lambda xs, a, b, c: (xs @ a.T, (xs @ a.T) @ c.T), "does not carry the memory"),
        (lambda xs, a, b, c: (a @ xs, a @ xs), "raised a shape mismatch"),
    ],
    ids=["tanh", "no-carry", "jordan", "W_hh-transposed", "output-from-prev", "backwards", "start-1", "swapped",
         "hs-only", "no-recurrence", "x-at-W"],
)
def test_memory_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_memory_network(wrong)
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------------------- will it explode?
def explosion_ok(W_hh):
    rho = float(np.max(np.abs(np.linalg.eigvals(W_hh))))
    return rho, rho > 1


def test_explosion_accepts_reference_and_power_method(capsys):
    check_predict_explosion(explosion_ok)
    assert "predict_explosion: all checks passed" in capsys.readouterr().out

    def via_roots(W_hh):  # |eigenvalues| from the characteristic polynomial
        rho = float(np.max(np.abs(np.roots(np.poly(W_hh)))))
        return np.float64(rho), np.bool_(rho > 1)

    check_predict_explosion(via_roots)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda W: (float(np.max(np.abs(W))), float(np.max(np.abs(W))) > 1), "judges by the largest entry"),
        (lambda W: (np.linalg.norm(W, 2), np.linalg.norm(W, 2) > 1), "largest singular value"),
        (lambda W: (np.linalg.norm(W), np.linalg.norm(W) > 1), "Frobenius"),
        (lambda W: (np.max(np.linalg.eigvals(W).real), np.max(np.linalg.eigvals(W).real) > 1),
         r"takes the largest eigenvalue, not the largest \|eigenvalue\|"),
        (lambda W: (np.max(np.abs(np.linalg.eigvals(W).real)), np.max(np.abs(np.linalg.eigvals(W).real)) > 1),
         "uses the real parts"),
        (lambda W: (np.max(np.abs(W).sum(axis=1)), np.max(np.abs(W).sum(axis=1)) > 1), "largest row sum"),
        (lambda W: (explosion_ok(W)[0], explosion_ok(W)[0] < 1), "explodes is inverted"),
        (lambda W: (explosion_ok(W)[0], True), "does not follow from rho"),
        (lambda W: (explosion_ok(W)[0], "yes"), "should be True or False"),
        (lambda W: explosion_ok(W)[0], r"should return the pair \(rho, explodes\)"),
        (lambda W: (np.abs(np.linalg.eigvals(W)), True), "should be a single number"),
    ],
    ids=["largest-entry", "spectral-norm", "frobenius", "no-abs", "real-part", "row-sum", "inverted", "always-true",
         "not-bool", "rho-only", "array"],
)
def test_explosion_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_predict_explosion(wrong)
    assert "\n" not in str(info.value)


def test_explosion_hard_coded_answers_fail():
    with pytest.raises(CheckFailed):
        check_predict_explosion(lambda W: (2.4, True))
