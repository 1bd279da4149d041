"""Checks for Chapter 7: the LSTM backward pass, a GRU cell, the forget-bias experiment, padded batches.

Conventions (the course's): rows are examples, weights have PyTorch's shapes.

* LSTM: one stacked weight ``W`` of shape (4H, H + D) over ``z = [h_prev, x_t]`` and a bias ``b`` of shape
  (4H,), gates stacked in PyTorch's order [i | f | g | o].  ``lstm_step_forward`` returns
  ``h_t, c_t, cache`` with ``cache = (x_t, h_prev, c_prev, i_t, f_t, c_tilde, o_t, c_t, W)``.
* GRU: PyTorch's ``weight_ih_l0`` (3H, D), ``weight_hh_l0`` (3H, H), ``bias_ih_l0``, ``bias_hh_l0`` (3H,),
  stacked [r | z | n], with the reset gate applied *after* the hidden matmul.
"""

from __future__ import annotations

import copy

import numpy as np

from .core import as_array, as_float, assert_close, assert_shape, call, fail, hint_if_matches, is_close, passed

__all__ = [
    "sigmoid",
    "lstm_step_forward",
    "lstm_step_backward_reference",
    "gru_cell_reference",
    "forget_gates_for_bias",
    "FORGET_BIASES",
    "KEEP",
    "check_lstm_step_backward",
    "check_gru_cell_forward",
    "check_direct_path_gain",
    "check_smallest_forget_bias",
    "check_last_valid_hidden",
]


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# ---------------------------------------------------------------------------------------------------------------
# Exercise 1: lstm_step_backward
# ---------------------------------------------------------------------------------------------------------------


def lstm_step_forward(x_t, h_prev, c_prev, W, b):
    """One LSTM step; returns ``h_t, c_t, cache`` (the cache the backward pass reads)."""
    H = h_prev.shape[1]
    z = np.concatenate([h_prev, x_t], axis=1)
    a = z @ W.T + b
    i_t, f_t = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])
    c_tilde, o_t = np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
    c_t = f_t * c_prev + i_t * c_tilde
    h_t = o_t * np.tanh(c_t)
    return h_t, c_t, (x_t, h_prev, c_prev, i_t, f_t, c_tilde, o_t, c_t, W)


def lstm_step_backward_reference(dh_next, dc_next, cache, *, mistake=None):
    """The reference backward step.  ``mistake`` builds the wrong answers the check recognises."""
    x_t, h_prev, c_prev, i_t, f_t, c_tilde, o_t, c_t, W = cache
    H = h_prev.shape[1]
    tanh_c = np.tanh(c_t)
    d_tanh = 1 - c_t**2 if mistake == "tanh_of_c" else 1 - tanh_c**2
    do = dh_next * (c_t if mistake == "do_with_c" else tanh_c)
    dc = dc_next + dh_next * o_t * d_tanh
    if mistake == "no_dc_next":
        dc = dh_next * o_t * d_tanh
    if mistake == "no_tanh_path":
        dc = dc_next.copy()
    di, df, dg, dc_prev = dc * c_tilde, dc * c_prev, dc * i_t, dc * f_t
    if mistake == "no_f":
        dc_prev = dc.copy()
    sig_i, sig_f, sig_o = (1.0, 1.0, 1.0) if mistake == "no_sigmoid_deriv" else (
        i_t * (1 - i_t), f_t * (1 - f_t), o_t * (1 - o_t))
    tanh_g = 1.0 if mistake == "no_tanh_g" else 1 - c_tilde**2
    blocks = [di * sig_i, df * sig_f, dg * tanh_g, do * sig_o]
    if mistake == "order_fi":  # stacks the gradients [f | i | g | o]
        blocks[0], blocks[1] = blocks[1], blocks[0]
    da = np.concatenate(blocks, axis=1)
    z = np.concatenate([h_prev, x_t], axis=1)
    dW, db = da.T @ z, da.sum(axis=0)
    dh_prev, dx = da @ W[:, :H], da @ W[:, H:]
    if mistake == "swapped_slices":  # only meaningful when D == H
        dh_prev, dx = da @ W[:, H:], da @ W[:, :H]
    return dx, dh_prev, dc_prev, dW, db


def _lstm_case(N, D, H, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D))
    h_prev, c_prev = rng.standard_normal((N, H)), 2.0 * rng.standard_normal((N, H))
    W, b = rng.standard_normal((4 * H, H + D)) * 0.7, rng.standard_normal(4 * H) * 0.5
    _, _, cache = lstm_step_forward(x, h_prev, c_prev, W, b)
    dh_next, dc_next = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    return dh_next, dc_next, cache


_BACKWARD_NAMES = ("dx", "dh_prev", "dc_prev", "dW", "db")


def _run_backward(fn, dh_next, dc_next, cache):
    __tracebackhide__ = True
    cache_before = copy.deepcopy(cache)

    def wrapped(*args):
        try:
            return fn(*args)
        except ValueError as exc:
            msg = str(exc)
            if "matmul" in msg or "not aligned" in msg or "could not be broadcast" in msg:
                fail(
                    f"lstm_step_backward raised a shape mismatch ({msg.splitlines()[0]}). In the backward pass "
                    "a product goes the other way round: the forward a = z @ W.T sends back dz = da @ W (N, H + D), "
                    "split as dh_prev = da @ W[:, :H] and dx = da @ W[:, H:], and dW = da.T @ z (4H, H + D)"
                )
            raise

    got = call(wrapped, dh_next, dc_next, cache, fn_name="lstm_step_backward")
    for before, after in zip(cache_before, cache, strict=True):
        if not np.array_equal(before, after):
            fail("lstm_step_backward modified an array of the cache in place; work on copies")
    if got is None:
        fail("lstm_step_backward returned None: did you forget a `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != 5:
        fail("lstm_step_backward should return a tuple of 5 arrays: (dx, dh_prev, dc_prev, dW, db)")
    return [as_array(name, g) for name, g in zip(_BACKWARD_NAMES, got, strict=True)]


def _backward_shapes(N, D, H):
    return {
        "dx": ((N, D), "(N, D)"),
        "dh_prev": ((N, H), "(N, H)"),
        "dc_prev": ((N, H), "(N, H)"),
        "dW": ((4 * H, H + D), "(4H, H + D)"),
        "db": ((4 * H,), "(4H,)"),
    }


def check_lstm_step_backward(lstm_step_backward):
    """``lstm_step_backward(dh_next, dc_next, cache) -> (dx, dh_prev, dc_prev, dW, db)``."""
    __tracebackhide__ = True
    # Round A: D != H, so every shape is distinct.
    N, D, H = 3, 5, 4
    case_a = _lstm_case(N, D, H, seed=7)
    got_a = _run_backward(lstm_step_backward, *case_a)
    g = dict(zip(_BACKWARD_NAMES, got_a, strict=True))
    if g["dh_prev"].shape == (N, D) and g["dx"].shape == (N, H):
        fail(
            "dh_prev has shape (N, D) and dx (N, H): you swapped the h-part and the x-part of W. "
            "With z = [h_prev, x_t], dh_prev = da @ W[:, :H] and dx = da @ W[:, H:]"
        )
    for name, (shape, symbolic) in _backward_shapes(N, D, H).items():
        assert_shape(name, g[name], shape, symbolic)

    # Round B: D == H, so a swapped slice has the right shape and shows in the values.
    N, D, H = 3, 4, 4
    case_b = _lstm_case(N, D, H, seed=11)
    got_b = dict(zip(_BACKWARD_NAMES, _run_backward(lstm_step_backward, *case_b), strict=True))
    for name, (shape, symbolic) in _backward_shapes(N, D, H).items():
        assert_shape(name, got_b[name], shape, symbolic)
    ref_b = dict(zip(_BACKWARD_NAMES, lstm_step_backward_reference(*case_b), strict=True))
    wrong = {m: dict(zip(_BACKWARD_NAMES, lstm_step_backward_reference(*case_b, mistake=m), strict=True))
             for m in ("no_dc_next", "no_tanh_path", "tanh_of_c", "swapped_slices")}
    hint_if_matches("dc_prev", got_b["dc_prev"], {
        "does not add dc_next: the gradient arriving along the cell state must be added, "
        "dc = dc_next + dh_next * o_t * (1 - tanh(c_t)**2)": wrong["no_dc_next"]["dc_prev"],
        "misses the term in dc that flows through h_t = o_t * tanh(c_t): "
        "dc = dc_next + dh_next * o_t * (1 - tanh(c_t)**2)": wrong["no_tanh_path"]["dc_prev"],
        "uses 1 - c_t**2 as the derivative of tanh(c_t); it is 1 - tanh(c_t)**2": wrong["tanh_of_c"]["dc_prev"],
    })
    for m in ("no_f", "no_sigmoid_deriv", "no_tanh_g", "order_fi", "do_with_c"):
        wrong[m] = dict(zip(_BACKWARD_NAMES, lstm_step_backward_reference(*case_b, mistake=m), strict=True))
    hint_if_matches("dc_prev", got_b["dc_prev"], {
        "does not multiply by f_t: c_t = f_t * c_prev + ..., so dc_prev = dc * f_t": wrong["no_f"]["dc_prev"],
    })
    hint_if_matches("db", got_b["db"], {
        "forgets the sigmoid derivative of the gates: da_i = di * i_t * (1 - i_t), and the same for f_t and o_t":
            wrong["no_sigmoid_deriv"]["db"],
        "forgets the tanh derivative of the candidate: da_g = dg * (1 - c_tilde**2)": wrong["no_tanh_g"]["db"],
        "stacks the gate gradients as [f | i | g | o]; W's rows are [i | f | g | o], so da must be too":
            wrong["order_fi"]["db"],
        "uses c_t in the output gate's gradient; h_t = o_t * tanh(c_t), so do = dh_next * tanh(c_t)":
            wrong["do_with_c"]["db"],
    })
    ref_db = ref_b["db"]
    for k, gate in enumerate(("i", "f", "g", "o")):
        sl = slice(k * H, (k + 1) * H)
        if got_b["db"].shape == ref_db.shape and not is_close(got_b["db"][sl], ref_db[sl]):
            fail(
                f"db is wrong in rows {k}H:{k + 1}H, the gradient of the {gate} gate's pre-activation "
                "(the other blocks may be wrong too): check that block of da first"
            )
    hint_if_matches("dh_prev", got_b["dh_prev"], {
        "swapped the h-part and the x-part of W: with z = [h_prev, x_t], dh_prev = da @ W[:, :H] "
        "and dx = da @ W[:, H:]": wrong["swapped_slices"]["dh_prev"],
    })
    for name in _BACKWARD_NAMES:
        assert_close(name, got_b[name], ref_b[name])
    # Round C: the values of round A as well.
    ref_a = lstm_step_backward_reference(*case_a)
    for name, got, expected in zip(_BACKWARD_NAMES, got_a, ref_a, strict=True):
        assert_close(name, got, expected)
    passed("lstm_step_backward")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 2: a GRU cell in PyTorch's form
# ---------------------------------------------------------------------------------------------------------------


def gru_cell_reference(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, *, mistake=None):
    """torch.nn.GRU's step; ``mistake`` builds the wrong answers the check recognises."""
    H = h_prev.shape[1]
    gi, gh = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
    r_t = sigmoid(gi[:, :H] + gh[:, :H])
    z_t = sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    if mistake == "r_z_swapped":
        r_t, z_t = z_t, r_t
    W_hn, b_hn = W_hh[2 * H :], b_hh[2 * H :]
    if mistake == "r_n_z":  # reads the blocks as [r | n | z]
        z_t = sigmoid(gi[:, 2 * H :] + gh[:, 2 * H :])
        return (1 - z_t) * np.tanh(gi[:, H : 2 * H] + r_t * gh[:, H : 2 * H]) + z_t * h_prev
    if mistake == "no_reset":
        n_t = np.tanh(gi[:, 2 * H :] + gh[:, 2 * H :])
    elif mistake == "paper_reset":  # Cho et al.: reset the state *before* the matmul
        n_t = np.tanh(gi[:, 2 * H :] + (r_t * h_prev) @ W_hn.T + b_hn)
    elif mistake == "b_hn_outside":
        n_t = np.tanh(gi[:, 2 * H :] + b_hn + r_t * (h_prev @ W_hn.T))
    else:
        n_t = np.tanh(gi[:, 2 * H :] + r_t * gh[:, 2 * H :])
    if mistake == "z_swapped":
        return z_t * n_t + (1 - z_t) * h_prev
    return (1 - z_t) * n_t + z_t * h_prev


def _gru_case(N, D, H, seed):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((N, D)),
        rng.standard_normal((N, H)),
        rng.standard_normal((3 * H, D)) * 0.8,
        rng.standard_normal((3 * H, H)) * 0.8,
        rng.standard_normal(3 * H) * 0.5,
        rng.standard_normal(3 * H) * 0.5,
    )


def check_gru_cell_forward(gru_cell_forward):
    """``gru_cell_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh) -> h_next`` as torch.nn.GRU computes it."""
    __tracebackhide__ = True
    N, D, H = 3, 5, 4
    args = _gru_case(N, D, H, seed=3)
    got = as_array("h_next", call(gru_cell_forward, *args, fn_name="gru_cell_forward"))
    assert_shape("h_next", got, (N, H), "(N, H)")
    hint_if_matches("h_next", got, {
        "applies the reset gate before the hidden matmul, W_hn (r * h) as in Cho et al.'s paper; PyTorch "
        "computes r * (W_hn h + b_hn)": gru_cell_reference(*args, mistake="paper_reset"),
        "swaps z and (1 - z) in the update; PyTorch uses h' = (1 - z) * n + z * h_prev":
            gru_cell_reference(*args, mistake="z_swapped"),
        "reads the gates in the wrong order; PyTorch stacks [r | z | n]": gru_cell_reference(*args, mistake="r_z_swapped"),
        "reads the blocks as [r | n | z]; PyTorch stacks [r | z | n]": gru_cell_reference(*args, mistake="r_n_z"),
        "never applies the reset gate: n_t = tanh(W_in x + b_in + r_t * (W_hn h + b_hn))":
            gru_cell_reference(*args, mistake="no_reset"),
        "uses only bias_ih; PyTorch adds bias_hh too (inside the reset product for n)":
            gru_cell_reference(*args[:5], 0 * args[5]),
        "adds b_hn outside the reset product; PyTorch computes r * (W_hn h + b_hn)":
            gru_cell_reference(*args, mistake="b_hn_outside"),
    })
    assert_close("h_next", got, gru_cell_reference(*args))
    passed("gru_cell_forward")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 3: the forget-bias experiment
# ---------------------------------------------------------------------------------------------------------------

#: The forget biases the experiment tries, and the share of the gradient the carousel must keep over T = 100 steps.
FORGET_BIASES = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)
KEEP = 0.01


def forget_gates_for_bias(forget_bias: float, T: int = 100, N: int = 64, D: int = 2, H: int = 16, seed: int = 0):
    """Run a freshly initialised LSTM (PyTorch's init, U(-1/sqrt(H), 1/sqrt(H))) with its forget-gate bias set to
    ``forget_bias`` on random inputs; return the forget-gate values f_t, shape (T, N, H)."""
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(H)
    W = rng.uniform(-k, k, size=(4 * H, H + D))
    b = rng.uniform(-k, k, size=4 * H) + rng.uniform(-k, k, size=4 * H)  # bias_ih + bias_hh
    b[H : 2 * H] = forget_bias
    x = rng.standard_normal((T, N, D))
    h, c = np.zeros((N, H)), np.zeros((N, H))
    fs = []
    for t in range(T):
        h, c, cache = lstm_step_forward(x[t], h, c, W, b)
        fs.append(cache[4])
    return np.stack(fs)


def check_direct_path_gain(direct_path_gain):
    """``direct_path_gain(f_gates) -> (N, H)``: the product of the forget gates over time, the diagonal of
    dc_T/dc_0 along the cell state alone."""
    __tracebackhide__ = True
    rng = np.random.default_rng(5)
    T, N, H = 6, 3, 4
    f = rng.uniform(0.3, 0.95, size=(T, N, H))
    got = call(direct_path_gain, f, fn_name="direct_path_gain")
    got = as_array("gain", got)
    if got.shape == (T, N, H):
        fail("gain has shape (T, N, H): return only the product over all T steps, not the running product")
    assert_shape("gain", got, (N, H), "(N, H)")
    hint_if_matches("gain", got, {
        "adds the forget gates; gradients along a path multiply: use np.prod over time": f.sum(axis=0),
        "multiplies 1 - f_t; the cell state keeps the fraction f_t, so multiply f_t itself": np.prod(1 - f, axis=0),
        "returns the last forget gate only; multiply the gates of every step": f[-1],
    })
    assert_close("gain", got, np.prod(f, axis=0))
    passed("direct_path_gain")


def _smallest_bias_reference():
    for bias in FORGET_BIASES:
        if np.median(np.prod(forget_gates_for_bias(bias), axis=0)) >= KEEP:
            return bias
    return None


def check_smallest_forget_bias(smallest_bias):
    """The smallest bias in FORGET_BIASES whose median direct-path gain over T = 100 steps is at least KEEP."""
    __tracebackhide__ = True
    value = as_float("smallest_bias", smallest_bias)
    expected = _smallest_bias_reference()
    if value not in FORGET_BIASES:
        fail(f"smallest_bias should be one of the biases tried, {FORGET_BIASES}; got {value:g}")
    if value < expected:
        fail(f"with forget bias {value:g} the median gain over 100 steps is below {KEEP:g}: measure it again")
    if value > expected:
        fail(f"a smaller bias than {value:g} already keeps {KEEP:g} of the gradient: try the smaller ones")
    passed("smallest_bias")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 4: the last real hidden state of a padded batch
# ---------------------------------------------------------------------------------------------------------------


def check_last_valid_hidden(last_valid_hidden):
    """``last_valid_hidden(hs, lengths) -> (N, H)``: row n is hs[lengths[n] - 1, n]."""
    __tracebackhide__ = True
    rng = np.random.default_rng(9)
    T, N, H = 6, 4, 3
    hs = rng.standard_normal((T, N, H))
    lengths = np.array([5, 2, 4, 1])  # the batch is padded to T = 6
    try:
        got = call(last_valid_hidden, hs, lengths, fn_name="last_valid_hidden")
    except IndexError as exc:
        fail(
            f"last_valid_hidden raised IndexError ({str(exc).splitlines()[0]}): hs is (T, N, H), time first, so "
            "sequence n's last real state is hs[lengths[n] - 1, n]; all at once, hs[lengths - 1, np.arange(N)]"
        )
    got = as_array("h_last", got)
    if got.shape == (N, N, H):
        fail(
            f"h_last has shape {got.shape} = (N, N, H): hs[lengths - 1] picks whole time steps, every sequence of "
            "each; pair each time index with its sequence, hs[lengths - 1, np.arange(N)]"
        )
    assert_shape("h_last", got, (N, H), "(N, H)")
    cols = np.arange(N)
    hint_if_matches("h_last", got, {
        "takes hs[-1]; for a shorter sequence that is a padded step: take hs[lengths[n] - 1, n]": hs[-1],
        "is off by one: sequence n's last real step is lengths[n] - 1": hs[lengths, cols],
        "takes the first step hs[0]: take hs[lengths[n] - 1, n]": hs[0],
    })
    assert_close("h_last", got, hs[lengths - 1, cols])
    passed("last_valid_hidden")
