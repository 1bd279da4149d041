"""Checks for Chapter 2's exercises (sequences and the recurrent idea).

Conventions (the course's): a batch lives in rows, ``x_t`` is (N, D), ``h_prev`` (N, H), a sequence ``x`` is
(T, N, D); weights have PyTorch's shapes, ``W_xh`` (H, D), ``W_hh`` (H, H), ``b_h`` (H,), so
``h_t = tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)``.

The inputs use D != H and a non-symmetric ``W_hh``, so that every named mistake gives its own answer.
"""

from __future__ import annotations

import numpy as np

from ..data import sliding_windows
from .core import as_array, as_float, assert_close, assert_shape, call, fail, hint_if_matches, is_close, passed
from .reference import rnn_cell as _cell
from .reference import rnn_forward as _forward
from .safe import one_line_errors, student_call

__all__ = [
    "check_rnn_cell_forward",
    "check_rnn_forward",
    "check_sliding_window_shapes",
    "check_to_time_major",
    "check_memory_network",
    "check_predict_explosion",
]

N, D, H, T = 3, 4, 5, 6


def _weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    W_xh = rng.normal(0.0, 0.5, size=(H, D))
    W_hh = rng.normal(0.0, 0.5, size=(H, H))
    b_h = rng.normal(0.0, 0.5, size=H)
    return W_xh, W_hh, b_h




@one_line_errors
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




def _forward_variant(x, h0, W_xh, W_hh, b_h, *, act=np.tanh, reverse=False, reflip=False, bias_col=False,
                     star=False, axis1=False):
    """The reference forward pass, or one known wrong variant of it (all loops written out, numpy only)."""
    steps = range(x.shape[1] if axis1 else x.shape[0])
    order = list(reversed(steps)) if reverse else list(steps)
    h, hs = h0, []
    for t in order:
        x_t = x[:, t] if axis1 else x[t]
        rec = h * W_hh.T if star else h @ W_hh.T
        bias = b_h[:, None] if bias_col else b_h
        h = act(x_t @ W_xh.T + rec + bias)
        hs.append(h)
    out = np.stack(hs)
    return out[::-1] if reflip else out


def _relu(z):
    return np.maximum(z, 0.0)


def _forward_hints(x, h0, W_xh, W_hh, b_h):
    v = _forward_variant
    args = (x, h0, W_xh, W_hh, b_h)
    return {
        "does not carry the hidden state to the next step (it uses h0 at every step)": _forward(
            x, h0, W_xh, W_hh, b_h, carry=False
        ),
        "uses W_hh transposed (h @ W_hh instead of h @ W_hh.T)": _forward(x, h0, W_xh, W_hh.T, b_h),
        "ignores the bias b_h": _forward(x, h0, W_xh, W_hh, 0 * b_h),
        "ignores h0 (it starts from zeros)": _forward(x, 0 * h0, W_xh, W_hh, b_h),
        "uses ReLU instead of tanh; an Elman RNN squashes with tanh": v(*args, act=_relu),
        "forgets the tanh (an identity activation); h_t = tanh(...)": v(*args, act=lambda z: z),
        "runs time backwards (from x[T-1] down to x[0]); the RNN reads x[0] first": v(*args, reverse=True),
        "runs time backwards and flips the result back; the RNN reads x[0] first": v(*args, reverse=True,
                                                                                    reflip=True),
    }


def _probe_square(rnn_forward):
    """Sizes with T == N == H (D differs), where the broadcasting slips run instead of raising."""
    rng = np.random.default_rng(12)
    n, d = 5, 4
    x = rng.normal(size=(n, n, d))
    h0 = rng.uniform(-0.9, 0.9, size=(n, n))
    W_xh, W_hh, b_h = rng.normal(0, 0.5, size=(n, d)), rng.normal(0, 0.5, size=(n, n)), rng.normal(0, 0.5, size=n)
    return x, h0, W_xh, W_hh, b_h


@one_line_errors
def check_rnn_forward(rnn_forward) -> None:
    """``rnn_forward(x, h0, W_xh, W_hh, b_h)`` returns every hidden state ``hs`` of shape (T, N, H)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(2)
    W_xh, W_hh, b_h = _weights()
    x = rng.normal(size=(T, N, D))
    h0 = rng.uniform(-0.9, 0.9, size=(N, H))
    try:
        raw = student_call(rnn_forward, x, h0, W_xh, W_hh, b_h, what="rnn_forward")
    except AssertionError:
        _name_broadcast_slip(rnn_forward)
        raise
    _refuse_float32("hs", raw)
    got = as_array("hs", raw)
    if got.shape == (N, H):
        fail("hs has shape (N, H): return the hidden state of *every* step, stacked to (T, N, H)")
    if got.shape == (N, T, H):
        fail(f"hs has shape {got.shape} = (N, T, H): stack the steps along axis 0 (np.stack(hs), not axis=1), "
             f"giving (T, N, H) = {(T, N, H)}")
    if got.shape == (T + 1, N, H):
        fail(f"hs has shape {got.shape} = (T + 1, N, H): it includes h0; keep only the T states after each x[t]")
    if got.shape == (N, N, H):
        fail(f"hs has shape {got.shape}: your loop runs over axis 1 of x (the batch, N = {N}) instead of axis 0 "
             f"(time, T = {T}); x is (T, N, D)")
    assert_shape("hs", got, (T, N, H), "(T, N, H)")
    expected = _forward(x, h0, W_xh, W_hh, b_h)
    hints = _forward_hints(x, h0, W_xh, W_hh, b_h)
    hints["stores the previous hidden state at each step (hs[0] should be h_1, not h0)"] = np.concatenate(
        [h0[None], expected[:-1]]
    )
    hint_if_matches("hs", got, hints)
    assert_close("hs", got, expected)
    passed("rnn_forward")


def _refuse_float32(name, raw):
    __tracebackhide__ = True
    dtype = getattr(raw, "dtype", None)
    if dtype is not None and str(dtype) in ("float32", "torch.float32"):
        fail(f"{name} is float32: your code computes in single precision (about 7 digits); the inputs are "
             "float64, keep them so")


def _name_broadcast_slip(rnn_forward) -> None:
    """The main case raised. Re-run where T == N == H: if a known slip now runs, name it."""
    __tracebackhide__ = True
    args = _probe_square(rnn_forward)
    try:
        got = as_array("hs", student_call(rnn_forward, *args, what="rnn_forward"))
    except AssertionError:
        return
    if got.shape != (5, 5, 5):
        return
    v = _forward_variant
    hint_if_matches("hs", got, {
        "adds the bias as a column (b_h[:, None], shape (H, 1)): it must broadcast along the rows, shape (H,)":
            v(*args, bias_col=True),
        "multiplies elementwise (h * W_hh.T) where the recurrent term needs a matrix product (h @ W_hh.T)":
            v(*args, star=True),
        "loops over the wrong axis of x: x is (T, N, D), so step t is x[t], not x[:, t]": v(*args, axis1=True),
    })


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


@one_line_errors
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


@one_line_errors
def check_to_time_major(to_time_major) -> None:
    """``to_time_major(X)`` turns [samples, window, features] = (N, L, F) into PyTorch's (L, N, F)."""
    __tracebackhide__ = True
    n, L, F = 5, 3, 2
    X = np.arange(n * L * F, dtype=float).reshape(n, L, F)
    got = as_array("X_time_major", student_call(to_time_major, X, what="to_time_major"))
    if got.shape == (n, L, F):
        fail(f"X_time_major has shape {got.shape} = (N, L, F): that is X's own layout; swap the first two axes, "
             "X.transpose(1, 0, 2)")
    if got.shape == (n, F, L):
        fail(f"X_time_major has shape {got.shape} = (N, F, L): it swaps the window and features axes; swap the "
             "first two, samples and window")
    if got.shape == (L, F, n):
        fail(f"X_time_major has shape {got.shape} = (L, F, N): it moves the samples axis to the end; it belongs "
             "in the middle, (L, N, F)")
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
            "reverses time: result[t, i] must be step t of sample i, in the original order": X.transpose(1, 0, 2)[
                ::-1],
            "reverses the order of the samples: result[t, i] must be step t of sample i": X.transpose(1, 0, 2)[
                :, ::-1],
        },
    )
    assert_close("X_time_major", got, X.transpose(1, 0, 2))
    passed("to_time_major")


# ----------------------------------------------------------------------------- a linear memory network
def memory_reference(xs, W_xh, W_hh, W_hy, *, act=None, carry=True, feed_y=False, out_from_prev=False,
                     reverse=False, h_start=0.0):
    """hs (T, H), ys (T, O) of h_t = W_xh x_t + W_hh h_{t-1}, y_t = W_hy h_t from h_0 = 0; or a wrong variant."""
    H_ = W_hh.shape[0]
    h = np.full(H_, h_start)
    y = np.zeros(W_hy.shape[0])
    hs, ys = [], []
    order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    for t in order:
        context = (y if feed_y else h) if carry else np.zeros(H_)
        h_new = W_xh @ xs[t] + W_hh @ context
        if act is not None:
            h_new = act(h_new)
        y = W_hy @ (h if out_from_prev else h_new)
        h = h_new
        hs.append(h)
        ys.append(y)
    return np.array(hs), np.array(ys)


_MEMORY_CASES = [
    # the all-ones network on new inputs (D = H = O = 2)
    (np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [3.0, -1.0]]), np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2))),
    # integer weights with D, H, O, T all different: D = 2, H = 3, O = 4, T = 5
    (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0], [2.0, 1.0], [0.0, 0.0]]),
     np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
     np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, -1.0]]),
     np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])),
]


@one_line_errors
def check_memory_network(memory_network) -> None:
    """``memory_network(xs, W_xh, W_hh, W_hy)`` returns ``(hs, ys)``, shapes (T, H) and (T, O)."""
    __tracebackhide__ = True
    for xs, W_xh, W_hh, W_hy in _MEMORY_CASES:
        T_, H_, O_ = len(xs), W_hh.shape[0], W_hy.shape[0]
        result = student_call(memory_network, xs, W_xh, W_hh, W_hy, what="memory_network")
        if result is None:
            fail("memory_network returned None: did you forget a `return` statement?")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            fail("memory_network should return the pair (hs, ys)")
        hs, ys = as_array("hs", result[0]), as_array("ys", result[1])
        case = "on the all-ones network" if H_ == 2 else f"with D = 2, H = {H_}, O = {O_}"
        if hs.shape == (T_, O_) and ys.shape == (T_, H_) and H_ != O_:
            fail(f"hs and ys are swapped {case}: return (hs, ys), the hidden states first")
        assert_shape(f"hs {case}", hs, (T_, H_), "(T, H)")
        assert_shape(f"ys {case}", ys, (T_, O_), "(T, O)")
        ref = memory_reference
        args = (xs, W_xh, W_hh, W_hy)
        wrong = {
            "applies a tanh: this memory network is linear (identity activation)": ref(*args, act=np.tanh),
            "does not carry the memory to the next step (it starts from zeros at every step)": ref(*args,
                                                                                                  carry=False),
            "feeds back the output y instead of the hidden state h (that is a Jordan network)": ref(
                *args, feed_y=True) if O_ == H_ else None,
            "uses W_hh transposed: the memory enters as W_hh @ h_{t-1}": ref(xs, W_xh, W_hh.T, W_hy),
            "computes the output from the previous memory; y_t = W_hy h_t uses the new hidden state":
                ref(*args, out_from_prev=True),
            "runs time backwards; the network reads xs[0] first": ref(*args, reverse=True),
            "starts the memory at 1; it starts at 0": ref(*args, h_start=1.0),
        }
        right = ref(*args)
        if hs.shape == right[1].shape and ys.shape == right[0].shape and is_close(hs, right[1]) and is_close(
                ys, right[0]):
            fail(f"hs and ys are swapped {case}: return (hs, ys), the hidden states first")
        for name, got, k in (("hs", hs, 0), ("ys", ys, 1)):
            # a slip that gives the right numbers on this case (W_hh.T == W_hh for all ones) is not named here
            hints = {hint: w[k] for hint, w in wrong.items() if w is not None and not is_close(w[k], right[k])}
            hint_if_matches(f"{name} {case}", got, hints)
            assert_close(f"{name} {case}", got, right[k])
    passed("memory_network")


# ----------------------------------------------------------------------------- will it explode?
def _explosion_cases():
    theta = 0.7
    rotation = 1.2 * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    rng = np.random.default_rng(21)
    R = rng.normal(size=(5, 5))
    R *= 1.1 / np.max(np.abs(np.linalg.eigvals(R)))
    S = rng.normal(size=(6, 6))
    S *= 0.8 / np.max(np.abs(np.linalg.eigvals(S)))
    return [
        np.full((4, 4), 0.6),                  # small entries, radius 2.4
        np.array([[0.0, 10.0], [0.0, 0.0]]),   # a large entry, radius 0 (nilpotent)
        rotation,                              # complex eigenvalues of modulus 1.2
        np.diag([-1.5, 0.5]),                  # the largest |eigenvalue| is negative
        np.array([[0.5, 5.0], [0.0, 0.5]]),    # large entry, radius 0.5
        R,                                     # random, radius 1.1
        S,                                     # random, radius 0.8
    ]


@one_line_errors
def check_predict_explosion(predict_explosion) -> None:
    """``predict_explosion(W_hh)`` returns ``(rho, explodes)``: the spectral radius and whether rho > 1."""
    __tracebackhide__ = True
    cases = _explosion_cases()
    rhos, flags = [], []
    for W in cases:
        result = student_call(predict_explosion, W, what="predict_explosion")
        if result is None:
            fail("predict_explosion returned None: did you forget a `return` statement?")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            fail("predict_explosion should return the pair (rho, explodes)")
        rhos.append(as_float("rho", result[0]))
        flag = result[1]
        if not isinstance(flag, (bool, np.bool_)):
            fail(f"explodes should be True or False, got {type(flag).__name__}")
        flags.append(bool(flag))
    rhos = np.array(rhos)
    truth = np.array([np.max(np.abs(np.linalg.eigvals(W))) for W in cases])
    wrong = {
        "judges by the largest entry |W_ij|: entries below 1 can still explode (all entries 0.6 give radius 2.4), "
        "and a large entry need not (a nilpotent matrix has radius 0); use the largest |eigenvalue|":
            np.array([np.max(np.abs(W)) for W in cases]),
        "uses the largest singular value (the spectral norm ‖W‖₂): it bounds the growth per step but overstates "
        "it; [[0, 10], [0, 0]] has norm 10 and radius 0. Use the largest |eigenvalue|":
            np.array([np.linalg.norm(W, 2) for W in cases]),
        "uses the Frobenius norm; the growth rate is the largest |eigenvalue|":
            np.array([np.linalg.norm(W) for W in cases]),
        "takes the largest eigenvalue, not the largest |eigenvalue|: an eigenvalue -1.5 flips sign and grows":
            np.array([np.max(np.linalg.eigvals(W).real) for W in cases]),
        "uses the real parts of the eigenvalues: a complex pair 1.2·e^(±0.7i) rotates and grows by its modulus "
        "1.2; use np.abs on the complex eigenvalues":
            np.array([np.max(np.abs(np.linalg.eigvals(W).real)) for W in cases]),
        "uses the largest row sum (the ∞-norm); the growth rate is the largest |eigenvalue|":
            np.array([np.max(np.sum(np.abs(W), axis=1)) for W in cases]),
    }
    hint_if_matches("rho", rhos, wrong, rtol=1e-6, atol=1e-9)
    if not is_close(rhos, truth, rtol=1e-6, atol=1e-9):
        bad = int(np.argmax(~np.isclose(rhos, truth, rtol=1e-6, atol=1e-9)))
        fail(f"rho is wrong for test matrix #{bad + 1}: rho must be the spectral radius, the largest |eigenvalue|")
    if flags != [bool(r > 1) for r in rhos]:
        if flags == [bool(r < 1) for r in rhos]:
            fail("explodes is inverted: it should be True when rho > 1 (the state grows like rho^t)")
        fail("explodes does not follow from rho: a linear state explodes when rho > 1 and dies away when rho < 1")
    passed("predict_explosion")
