"""Checks for Chapter 7: the LSTM backward step, padded batches, parameter counts, the forget-bias
experiment, and the GRU backward step.

Conventions (the course's): rows are examples, weights have PyTorch's shapes; the adjoint of v is ``dv``.

* LSTM: one stacked weight ``W`` of shape (4H, H + D) over ``z = [h_prev, x_t]`` and a bias ``b`` of shape
  (4H,), gates stacked in PyTorch's order [i | f | g | o].  ``lstm_step_forward`` returns
  ``h_t, c_t, cache`` with ``cache = (x_t, h_prev, c_prev, i_t, f_t, c_tilde, o_t, c_t, W)``.
* GRU: PyTorch's ``weight_ih_l0`` (3H, D), ``weight_hh_l0`` (3H, H), ``bias_ih_l0``, ``bias_hh_l0`` (3H,),
  stacked [r | z | n], with the reset gate applied *after* the hidden matmul.  ``gru_step_forward`` returns
  ``h_t, cache`` with ``cache = (x_t, h_prev, r_t, z_t, n_t, hn, W_ih, W_hh)`` and ``hn = W_hn h_prev + b_hn``.

Every call of a student's function goes through :func:`_call`: an exception raised inside it becomes one line
(``NotImplementedError``, an exercise not done yet, propagates unchanged).
"""

from __future__ import annotations

import copy
import math

import numpy as np

from .core import (
    as_array,
    as_float,
    assert_close,
    assert_shape,
    call,
    fail,
    hint_if_matches,
    is_close,
    passed,
)

__all__ = [
    "sigmoid",
    "lstm_step_forward",
    "gru_step_forward",
    "lstm_step_backward_reference",
    "gru_step_backward_reference",
    "n_params_reference",
    "forget_gates_for_bias",
    "FORGET_BIASES",
    "KEEP",
    "check_lstm_step_backward",
    "check_last_valid_hidden",
    "check_n_params",
    "check_forget_bias_experiment",
    "check_gru_step_backward",
]


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


class _StudentError(Exception):
    """Carries an exception raised inside the student's code past ``core.call``'s generic matmul message."""


def _call(fn, *args, fn_name: str, hint: str = ""):
    """``core.call`` plus: any exception raised in the student's code becomes one line, with ``hint``."""
    __tracebackhide__ = True
    if not callable(fn):
        fail(f"expected a function, got {type(fn).__name__}")

    def guarded(*a):
        try:
            return fn(*a)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 -- the student's code may raise anything
            raise _StudentError(exc) from exc

    with np.errstate(all="ignore"):
        try:
            return call(guarded, *args, fn_name=fn_name)
        except _StudentError as wrapped:
            exc = wrapped.args[0]
            first = str(exc).splitlines()[0] if str(exc) else ""
            fail(f"{fn_name} raised {type(exc).__name__} ({first[:160]}){hint}")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 1 (warm-up): lstm_step_backward
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
    N, H = h_prev.shape
    tanh_c = np.tanh(c_t)
    d_tanh = 1 - c_t**2 if mistake == "tanh_of_c" else 1 - tanh_c**2
    do = dh_next * (c_t if mistake == "do_with_c" else tanh_c)
    dc = dc_next + dh_next * o_t * d_tanh
    if mistake == "no_dc_next":
        dc = dh_next * o_t * d_tanh
    if mistake == "no_tanh_path":
        dc = dc_next.copy()
    di, df, dg, dc_prev = dc * c_tilde, dc * c_prev, dc * i_t, dc * f_t
    if mistake == "di_df_swapped":
        di, df = dc * c_prev, dc * c_tilde
    if mistake == "df_no_c_prev":
        df = dc.copy()
    if mistake == "no_f":
        dc_prev = dc.copy()
    s_i, s_f, s_o = i_t * (1 - i_t), f_t * (1 - f_t), o_t * (1 - o_t)
    if mistake == "no_sigmoid_deriv":
        s_i = s_f = s_o = 1.0
    if mistake == "no_sigmoid_i":
        s_i = 1.0
    if mistake == "no_sigmoid_f":
        s_f = 1.0
    if mistake == "no_sigmoid_o":
        s_o = 1.0
    if mistake == "sigmoid_i_f_swapped":
        s_i, s_f = s_f, s_i
    tanh_g = 1.0 if mistake == "no_tanh_g" else 1 - c_tilde**2
    blocks = [di * s_i, df * s_f, dg * tanh_g, do * s_o]
    if mistake == "order_fi":  # stacks the gradients [f | i | g | o]
        blocks[0], blocks[1] = blocks[1], blocks[0]
    da = np.concatenate(blocks, axis=1)
    z = np.concatenate([x_t, h_prev] if mistake == "z_x_first" else [h_prev, x_t], axis=1)
    dW, db = da.T @ z, da.sum(axis=0)
    if mistake == "averaged":
        dW, db = dW / N, db / N
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
_SHAPE_HINT = (
    ". In the backward pass a product goes the other way round: the forward a = z @ W.T sends back "
    "dz = da @ W (N, H + D), split as dh_prev = da @ W[:, :H] and dx = da @ W[:, H:], and dW = da.T @ z"
)


def _run_backward(fn, dh_next, dc_next, cache):
    __tracebackhide__ = True
    cache_before = copy.deepcopy(cache)
    got = _call(fn, dh_next, dc_next, cache, fn_name="lstm_step_backward", hint=_SHAPE_HINT)
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


_LSTM_BLOCK_HINTS = {
    # mistake: (the gates whose block it changes, the hint)
    "no_sigmoid_i": "forgets the sigmoid derivative of the i gate: da_i = di * i_t * (1 - i_t)",
    "no_sigmoid_f": "forgets the sigmoid derivative of the f gate: da_f = df * f_t * (1 - f_t)",
    "no_sigmoid_o": "forgets the sigmoid derivative of the o gate: da_o = do * o_t * (1 - o_t)",
    "sigmoid_i_f_swapped": "uses the f gate's sigmoid derivative for the i gate (the i/f locals are swapped): "
    "da_i = di * i_t * (1 - i_t), da_f = df * f_t * (1 - f_t)",
    "di_df_swapped": "swaps the i and f gradients (the i/f locals are swapped): i_t multiplies the candidate, "
    "so di = dc * c_tilde; f_t multiplies the old cell, so df = dc * c_prev",
    "df_no_c_prev": "forgets c_prev in the f gate's gradient: c_t = f_t * c_prev + ..., so df = dc * c_prev",
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

    def wrong(m):
        return dict(zip(_BACKWARD_NAMES, lstm_step_backward_reference(*case_b, mistake=m), strict=True))

    hint_if_matches("dc_prev", got_b["dc_prev"], {
        "does not add dc_next: the gradient arriving along the cell state must be added, "
        "dc = dc_next + dh_next * o_t * (1 - tanh(c_t)**2)": wrong("no_dc_next")["dc_prev"],
        "misses the term in dc that flows through h_t = o_t * tanh(c_t): "
        "dc = dc_next + dh_next * o_t * (1 - tanh(c_t)**2)": wrong("no_tanh_path")["dc_prev"],
        "uses 1 - c_t**2 as the derivative of tanh(c_t); it is 1 - tanh(c_t)**2": wrong("tanh_of_c")["dc_prev"],
        "does not multiply by f_t: c_t = f_t * c_prev + ..., so dc_prev = dc * f_t": wrong("no_f")["dc_prev"],
    })
    hint_if_matches("db", got_b["db"], {
        "averages db over the batch; the loss adds the examples' contributions, so db = da.sum(axis=0)":
            wrong("averaged")["db"],
        "forgets the sigmoid derivative of all three gates: da_i = di * i_t * (1 - i_t), and the same for "
        "f_t and o_t": wrong("no_sigmoid_deriv")["db"],
        "stacks the gate gradients as [f | i | g | o]; W's rows are [i | f | g | o], so da must be too":
            wrong("order_fi")["db"],
        "uses c_t in the output gate's gradient; h_t = o_t * tanh(c_t), so do = dh_next * tanh(c_t)":
            wrong("do_with_c")["db"],
        "forgets the tanh derivative of the candidate: da_g = dg * (1 - c_tilde**2)": wrong("no_tanh_g")["db"],
    })
    hint_if_matches("db", got_b["db"], {hint: wrong(m)["db"] for m, hint in _LSTM_BLOCK_HINTS.items()})
    # Block by block: name the gate whose block is wrong, and the mistake when it is a known one.
    ref_db = ref_b["db"]
    for k, gate in enumerate(("i", "f", "g", "o")):
        sl = slice(k * H, (k + 1) * H)
        if not is_close(got_b["db"][sl], ref_db[sl]):
            for m, hint in _LSTM_BLOCK_HINTS.items():
                if is_close(got_b["db"][sl], wrong(m)["db"][sl]):
                    fail(f"db is wrong in rows {k}H:{k + 1}H (the {gate} gate): it looks like your code {hint}")
            fail(
                f"db is wrong in rows {k}H:{k + 1}H, the gradient of the {gate} gate's pre-activation "
                "(the other blocks may be wrong too): check that block of da first"
            )
    hint_if_matches("dW", got_b["dW"], {
        "averages dW over the batch; the loss adds the examples' contributions, so dW = da.T @ z":
            wrong("averaged")["dW"],
        "builds z as [x_t, h_prev]; W's first H columns multiply h_prev, so z = [h_prev, x_t]":
            wrong("z_x_first")["dW"],
    })
    hint_if_matches("dh_prev", got_b["dh_prev"], {
        "swapped the h-part and the x-part of W: with z = [h_prev, x_t], dh_prev = da @ W[:, :H] "
        "and dx = da @ W[:, H:]": wrong("swapped_slices")["dh_prev"],
    })
    for name in _BACKWARD_NAMES:
        assert_close(name, got_b[name], ref_b[name])
    # Round C: the values of round A as well.
    ref_a = lstm_step_backward_reference(*case_a)
    for name, got, expected in zip(_BACKWARD_NAMES, got_a, ref_a, strict=True):
        assert_close(name, got, expected)
    passed("lstm_step_backward")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 2: the last real hidden state of a padded batch
# ---------------------------------------------------------------------------------------------------------------


def check_last_valid_hidden(last_valid_hidden):
    """``last_valid_hidden(hs, lengths) -> (N, H)``: row n is hs[lengths[n] - 1, n]."""
    __tracebackhide__ = True
    rng = np.random.default_rng(9)
    T, N, H = 6, 4, 3
    hs = rng.standard_normal((T, N, H))
    lengths = np.array([5, 2, 4, 1])  # the batch is padded to T = 6
    got = _call(
        last_valid_hidden, hs, lengths, fn_name="last_valid_hidden",
        hint=": hs is (T, N, H), time first, so sequence n's last real state is hs[lengths[n] - 1, n]; "
        "all at once, hs[lengths - 1, np.arange(N)]",
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


# ---------------------------------------------------------------------------------------------------------------
# Exercise 3: the parameter count of nn.RNN / nn.GRU / nn.LSTM
# ---------------------------------------------------------------------------------------------------------------

_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def n_params_reference(kind, D, H, num_layers=1, bidirectional=False, proj_size=0, *, mistake=None):
    """The number of parameters of ``torch.nn.{RNN,GRU,LSTM}(D, H, num_layers, bidirectional=..., proj_size=...)``.

    ``mistake`` builds the wrong counts the check recognises.
    """
    G = _GATES[kind]
    if mistake == "gates_3_4_swapped":
        G = {"rnn": 1, "gru": 4, "lstm": 3}[kind]
    dirs = 2 if bidirectional else 1
    if mistake == "no_directions":
        dirs = 1
    P = proj_size if proj_size else H  # the size of the hidden state each direction outputs
    total = 0
    for layer in range(num_layers):
        if layer == 0 or mistake == "every_layer_reads_D":
            d_in = D
        elif mistake == "upper_layers_read_H":
            d_in = H
        elif mistake == "upper_layers_read_P":
            d_in = P
        else:
            d_in = dirs * P
        per_dir = G * H * d_in  # weight_ih
        per_dir += G * H * (H if mistake == "hh_reads_H" else P)  # weight_hh
        per_dir += G * H * (1 if mistake == "one_bias" else 2)  # bias_ih, bias_hh
        if proj_size and mistake != "no_weight_hr":
            per_dir += P * H  # weight_hr
        total += per_dir * (1 if (mistake == "only_first_layer_doubled" and layer > 0) else dirs)
    return total


def _n_params_cases():
    # (kind, D, H, num_layers, bidirectional, proj_size); every size distinct, so no two terms can coincide.
    small = [
        ("lstm", 7, 5, 1, False, 0),
        ("gru", 7, 5, 1, False, 0),
        ("rnn", 6, 9, 1, False, 0),
        ("lstm", 2, 11, 3, False, 0),
        ("gru", 13, 4, 2, True, 0),
        ("lstm", 5, 8, 2, True, 0),
        ("lstm", 6, 10, 3, False, 3),
        ("lstm", 9, 7, 2, True, 2),
        ("rnn", 4, 6, 3, True, 0),
    ]
    # Sizes whose weights would need petabytes: the count must come from the shapes, not from a module.
    huge = [("lstm", 9_000_001, 12_000_007, 3, True, 700_001), ("gru", 5_000_011, 10_000_019, 4, True, 0)]
    return small, huge


_N_PARAMS_HINTS = {
    "every_layer_reads_D": "gives every layer D inputs; a layer above the first reads the output of the layer "
    "below, num_directions * H features (num_directions * proj_size with a projection)",
    "upper_layers_read_H": "gives an upper layer of a bidirectional stack H inputs; it reads both directions "
    "of the layer below, 2H features (2 * proj_size with a projection)",
    "upper_layers_read_P": "gives an upper layer of a bidirectional stack proj_size inputs; it reads both "
    "directions of the layer below, 2 * proj_size features",
    "no_directions": "ignores bidirectional: each layer has a second, reverse direction with its own weights",
    "only_first_layer_doubled": "doubles only the first layer for bidirectional; every layer has two directions",
    "one_bias": "counts one bias vector per gate; PyTorch keeps two, bias_ih and bias_hh",
    "gates_3_4_swapped": "uses the wrong number of gate blocks: an LSTM stacks 4 ([i | f | g | o]), a GRU 3 "
    "([r | z | n]), a tanh RNN 1",
    "hh_reads_H": "gives weight_hh H columns with a projection; the recurrent input is the projected state, "
    "so weight_hh is (4H, proj_size)",
    "no_weight_hr": "forgets weight_hr, the (proj_size, H) projection matrix of each layer and direction",
}


def check_n_params(n_params):
    """``n_params(kind, D, H, num_layers=1, bidirectional=False, proj_size=0) -> int``."""
    __tracebackhide__ = True
    small, huge = _n_params_cases()
    values = [as_float(f"n_params{case}", _call(n_params, *case, fn_name="n_params")) for case in small]
    expected = [n_params_reference(*case) for case in small]
    if values != expected:
        # First a mistake that explains every case, then one that explains the first wrong case.
        for m, hint in _N_PARAMS_HINTS.items():
            if values == [n_params_reference(*case, mistake=m) for case in small]:
                fail(f"n_params is wrong: it looks like your code {hint}")
        k = next(k for k, (v, e) in enumerate(zip(values, expected, strict=True)) if v != e)
        desc = f"n_params{small[k]} = {values[k]:.0f}"
        for m, hint in _N_PARAMS_HINTS.items():
            if values[k] == n_params_reference(*small[k], mistake=m):
                fail(f"{desc} is wrong: it looks like your code {hint}")
        fail(
            f"{desc}, expected {expected[k]}: count weight_ih, weight_hh, bias_ih and bias_hh "
            "(and weight_hr with a projection) of every layer and direction"
        )
    for case in huge:
        got = _call(
            n_params, *case, fn_name="n_params",
            hint=": derive the count from the shapes; this check asks for sizes (H above ten million) whose "
            "weights would need petabytes, so a module cannot be built to count them",
        )
        value = as_float(f"n_params{case}", got)
        expected = n_params_reference(*case)
        if not math.isclose(value, expected, rel_tol=1e-12):
            fail(f"n_params{case} = {value:.6g}, expected {expected:.6g}: the count must hold for any sizes "
                 "(numpy int32 arithmetic overflows here; Python ints do not)")
    passed("n_params")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 4: the forget-bias experiment, predicted and then measured
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


def _logit(q):
    return math.log(q / (1 - q))


_PREDICT_HINTS = {
    "takes the logit of keep itself; the gate must keep keep**(1/T) per step, so b = logit(keep**(1/T))":
        lambda T, keep: _logit(keep),
    "takes log(keep**(1/T)), not the logit: sigmoid(b) = q gives b = log(q / (1 - q))":
        lambda T, keep: math.log(keep ** (1 / T)),
    "has the sign flipped: sigmoid(b) = q gives b = log(q / (1 - q)), not log((1 - q) / q)":
        lambda T, keep: -_logit(keep ** (1 / T)),
    "uses keep / T per step; over T steps the factors multiply, so the gate must be keep**(1/T)":
        lambda T, keep: _logit(keep / T) if keep / T < 1 else float("nan"),
    "uses 1 - (1 - keep) / T per step (a linear guess); the factors multiply, so the gate must be keep**(1/T)":
        lambda T, keep: _logit(1 - (1 - keep) / T),
}


def _gate_experiment(T, N, H, spread, seed, heavy_unit=False):
    """A family of synthetic forget gates: gates_for_bias(b) -> sigmoid(b + noise), shape (T, N, H)."""
    noise = spread * np.random.default_rng(seed).standard_normal((T, N, H))
    if heavy_unit:  # one unit's gates near 1 for every example: the mean of the gains is pulled up, the median not
        noise[:, :, 0] += 40.0

    def gates_for_bias(b):
        return sigmoid(b + noise)

    return gates_for_bias


def _smallest_reference(gates_for_bias, biases, keep, *, mistake=None):
    passing = []
    for b in biases:
        f = gates_for_bias(b)
        if mistake == "mean_f_power":
            gain = np.full(f.shape[1:], np.mean(f) ** f.shape[0])
        elif mistake == "prod_wrong_axis":
            gain = np.prod(f, axis=1)
        else:
            gain = np.prod(f, axis=0)
        stat = np.mean(gain) if mistake == "mean" else np.median(gain)
        ok = stat > keep if mistake == "strict" else stat >= keep
        if ok:
            passing.append(b)
            if mistake == "first_in_order":
                return b
    if not passing:
        return None
    return max(passing) if mistake == "largest" else min(passing)


_SMALLEST_HINTS = {
    "mean": "uses the mean gain over examples and units; the statement asks for the median (one unit with "
    "gates near 1 pulls the mean up)",
    "strict": "compares with > keep; a bias whose median gain equals keep already keeps it (use >=)",
    "largest": "returns the largest bias that keeps the gradient; the question asks for the smallest",
    "first_in_order": "returns the first qualifying bias in the order given; `biases` need not be sorted, "
    "return the smallest qualifying one",
    "mean_f_power": "raises the mean forget gate to the power T; measure instead: multiply each unit's gates "
    "over time, f_1 * f_2 * ... * f_T",
    "prod_wrong_axis": "multiplies over the wrong axis; the gates are (T, N, H), the product runs over time, "
    "axis 0",
}


def _smallest_cases():
    # (description, gates_for_bias, biases, keep); all unseen by the student, sizes T, N, H all different.
    return [
        ("T = 30, keep = 0.05", _gate_experiment(30, 12, 5, 0.8, seed=1),
         (4.0, 2.0, 5.0, 0.5, 3.5, 1.5, 2.5, 1.0), 0.05),
        ("T = 200, keep = 0.01", _gate_experiment(200, 9, 7, 0.5, seed=2), (6.0, 4.0, 5.0, 3.0), 0.01),
        ("T = 12, keep = 0.2 (one unit always open)",
         _gate_experiment(12, 10, 3, 1.0, seed=3, heavy_unit=True), (-1.0, 0.0, 1.0, 2.0, 3.0), 0.2),
        ("T = 1, keep = sigmoid(2) exactly", lambda b: np.full((1, 5, 4), sigmoid(b)), (3.0, 2.0, 1.0),
         float(sigmoid(2.0))),
        ("T = 50, keep = 0.5 (no bias keeps it)", _gate_experiment(50, 8, 6, 0.3, seed=4), (0.0, 1.0, 2.0), 0.5),
    ]


def check_forget_bias_experiment(predicted_forget_bias, smallest_forget_bias):
    """``predicted_forget_bias(T, keep) -> float`` (sigmoid(b)**T == keep) and
    ``smallest_forget_bias(gates_for_bias, biases, keep) -> float or None`` (measured, median direct-path gain)."""
    __tracebackhide__ = True
    for T, keep in ((100, 0.01), (40, 0.1), (250, 0.3)):
        got = as_float(f"predicted_forget_bias({T}, {keep})",
                       _call(predicted_forget_bias, T, keep, fn_name="predicted_forget_bias"))
        expected = _logit(keep ** (1 / T))
        if not math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9):
            for hint, wrong in _PREDICT_HINTS.items():
                w = wrong(T, keep)
                if math.isfinite(w) and math.isclose(got, w, rel_tol=1e-6, abs_tol=1e-9):
                    fail(f"predicted_forget_bias({T}, {keep}) is wrong: it looks like your code {hint}")
            fail(
                f"predicted_forget_bias({T}, {keep}) = {got:.4g} is wrong: find b with sigmoid(b)**T = keep, "
                f"and check your formula by computing sigmoid(b)**T"
            )
    # Two probes whose answers differ (1.0 and 2.0): a function that returns a fixed number fails here.
    probes = [
        _call(smallest_forget_bias, lambda b: np.full((1, 2, 3), sigmoid(b)), biases, float(sigmoid(q)),
              fn_name="smallest_forget_bias")
        for biases, q in (((0.0, 1.0, 2.0, 3.0), 0.5), ((0.0, 1.0, 2.0), 1.5))
    ]
    if probes[0] is not None and probes[1] is not None and as_float("smallest_forget_bias", probes[0]) == as_float(
        "smallest_forget_bias", probes[1]
    ):
        fail(f"smallest_forget_bias returned {as_float('smallest_forget_bias', probes[0]):g} on two experiments "
             "whose answers differ: compute the answer from gates_for_bias, do not type a number")
    for desc, gates_for_bias, biases, keep in _smallest_cases():
        got = _call(smallest_forget_bias, gates_for_bias, biases, keep, fn_name="smallest_forget_bias")
        expected = _smallest_reference(gates_for_bias, biases, keep)
        if expected is None:
            if got is not None:
                fail(f"on an experiment ({desc}) where no bias keeps enough of the gradient, smallest_forget_bias "
                     f"returned {got!r}; return None when no bias qualifies")
            continue
        if got is None:
            fail(f"smallest_forget_bias returned None on an experiment ({desc}) where bias {expected:g} keeps "
                 "enough of the gradient")
        value = as_float("smallest_forget_bias", got)
        if value not in biases:
            fail(f"smallest_forget_bias returned {value:g}, which is not one of the biases of the experiment "
                 f"({desc}): measure on the experiment you are given, do not type a number")
        if value != expected:
            for m, hint in _SMALLEST_HINTS.items():
                w = _smallest_reference(gates_for_bias, biases, keep, mistake=m)
                if w is not None and value == w:
                    fail(f"smallest_forget_bias is wrong on an experiment ({desc}): it looks like your code {hint}")
            fail(
                f"smallest_forget_bias is wrong on an experiment ({desc}): for each bias, multiply the gates over "
                "time, take the median over examples and units, and keep the smallest bias whose median >= keep"
            )
    passed("predicted_forget_bias and smallest_forget_bias")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 5: the GRU backward step
# ---------------------------------------------------------------------------------------------------------------


def gru_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """torch.nn.GRU's step; returns ``h_t, cache`` with ``cache = (x_t, h_prev, r_t, z_t, n_t, hn, W_ih, W_hh)``."""
    H = h_prev.shape[1]
    gi, gh = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh  # (N, 3H) each, blocks [r | z | n]
    r_t = sigmoid(gi[:, :H] + gh[:, :H])
    z_t = sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    hn = gh[:, 2 * H :]  # W_hn h_prev + b_hn
    n_t = np.tanh(gi[:, 2 * H :] + r_t * hn)
    h_t = (1 - z_t) * n_t + z_t * h_prev
    return h_t, (x_t, h_prev, r_t, z_t, n_t, hn, W_ih, W_hh)


def gru_step_backward_reference(dh_next, cache, *, mistake=None):
    """The reference GRU backward step; ``mistake`` builds the wrong answers the check recognises."""
    x_t, h_prev, r_t, z_t, n_t, hn, W_ih, W_hh = cache
    N, H = h_prev.shape
    if mistake == "z_reversed":  # colah's convention: h = (1 - z) h_prev + z n
        dn, dz, dh_direct = dh_next * z_t, dh_next * (n_t - h_prev), dh_next * (1 - z_t)
    else:
        dn, dz, dh_direct = dh_next * (1 - z_t), dh_next * (h_prev - n_t), dh_next * z_t
    if mistake == "dz_sign":
        dz = -dz
    if mistake == "no_direct":
        dh_direct = 0 * dh_direct
    da_n = dn if mistake == "no_tanh_n" else dn * (1 - n_t**2)
    da_r = da_n * hn * (1.0 if mistake == "no_sigmoid_r" else r_t * (1 - r_t))
    da_z = dz * (1.0 if mistake == "no_sigmoid_z" else z_t * (1 - z_t))
    dhn = da_n * r_t
    gi_blocks, gh_blocks = [da_r, da_z, da_n], [da_r, da_z, dhn]
    if mistake == "order_zrn":
        gi_blocks[0], gi_blocks[1] = gi_blocks[1], gi_blocks[0]
        gh_blocks[0], gh_blocks[1] = gh_blocks[1], gh_blocks[0]
    dgi, dgh = np.concatenate(gi_blocks, axis=1), np.concatenate(gh_blocks, axis=1)
    dW_ih, db_ih, dx = dgi.T @ x_t, dgi.sum(axis=0), dgi @ W_ih
    dW_hh, db_hh = dgh.T @ h_prev, dgh.sum(axis=0)
    dh_prev = dh_direct + dgh @ W_hh
    if mistake == "b_hn_no_r":
        db_hh = db_hh.copy()
        db_hh[2 * H :] = da_n.sum(axis=0)
    if mistake == "paper":  # differentiates Cho et al.'s n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn)
        W_hn = W_hh[2 * H :]
        back = da_n @ W_hn  # the gradient on r * h_prev
        da_r = back * h_prev * r_t * (1 - r_t)
        dgi = np.concatenate([da_r, da_z, da_n], axis=1)
        dgh_rz = np.concatenate([da_r, da_z], axis=1)
        dW_ih, db_ih, dx = dgi.T @ x_t, dgi.sum(axis=0), dgi @ W_ih
        dW_hh = np.concatenate([dgh_rz.T @ h_prev, da_n.T @ (r_t * h_prev)], axis=0)
        db_hh = np.concatenate([dgh_rz.sum(axis=0), da_n.sum(axis=0)])
        dh_prev = dh_direct + dgh_rz @ W_hh[: 2 * H] + back * r_t
    if mistake == "averaged":
        dW_ih, dW_hh, db_ih, db_hh = dW_ih / N, dW_hh / N, db_ih / N, db_hh / N
    return dx, dh_prev, dW_ih, dW_hh, db_ih, db_hh


_GRU_NAMES = ("dx", "dh_prev", "dW_ih", "dW_hh", "db_ih", "db_hh")

_GRU_HINTS = {
    "z_reversed": "reverses z's role (colah's convention h = (1 - z) h_prev + z n); PyTorch's is "
    "h = (1 - z) * n + z * h_prev, so dn = dh * (1 - z), dz = dh * (h_prev - n), and h_prev gets dh * z directly",
    "dz_sign": "has the sign of dz flipped: h = (1 - z) * n + z * h_prev, so dz = dh * (h_prev - n)",
    "paper": "differentiates Cho et al.'s paper form W_hn (r * h_prev); PyTorch's candidate reads "
    "r * (W_hn h_prev + b_hn), so dhn = da_n * r and dr = da_n * hn",
    "b_hn_no_r": "forgets r in the gradient of b_hn: b_hn sits inside r * (W_hn h_prev + b_hn), so its "
    "gradient is the sum of da_n * r, unlike b_in's sum of da_n",
    "order_zrn": "stacks the gate gradients as [z | r | n]; PyTorch's rows are [r | z | n]",
    "no_direct": "misses the direct path: h_t = ... + z * h_prev, so dh_prev gets dh * z besides dgh @ W_hh",
    "no_sigmoid_r": "forgets the sigmoid derivative of the reset gate: da_r = dr * r * (1 - r)",
    "no_sigmoid_z": "forgets the sigmoid derivative of the update gate: da_z = dz * z * (1 - z)",
    "no_tanh_n": "forgets the tanh derivative of the candidate: da_n = dn * (1 - n**2)",
    "averaged": "averages the weight and bias gradients over the batch; the loss adds the examples' "
    "contributions, so sum over the batch",
}


def _gru_case(N, D, H, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D))
    h_prev = rng.standard_normal((N, H))
    W_ih, W_hh = rng.standard_normal((3 * H, D)) * 0.8, rng.standard_normal((3 * H, H)) * 0.8
    b_ih, b_hh = rng.standard_normal(3 * H) * 0.7, rng.standard_normal(3 * H) * 0.7
    _, cache = gru_step_forward(x, h_prev, W_ih, W_hh, b_ih, b_hh)
    return rng.standard_normal((N, H)), cache


def check_gru_step_backward(gru_step_backward):
    """``gru_step_backward(dh_next, cache) -> (dx, dh_prev, dW_ih, dW_hh, db_ih, db_hh)`` for torch.nn.GRU."""
    __tracebackhide__ = True
    N, D, H = 3, 5, 4
    dh_next, cache = _gru_case(N, D, H, seed=21)
    cache_before = copy.deepcopy(cache)
    got = _call(gru_step_backward, dh_next, cache, fn_name="gru_step_backward",
                hint=". Rows are examples: the forward gi = x @ W_ih.T sends back dx = dgi @ W_ih and "
                "dW_ih = dgi.T @ x")
    for before, after in zip(cache_before, cache, strict=True):
        if not np.array_equal(before, after):
            fail("gru_step_backward modified an array of the cache in place; work on copies")
    if got is None:
        fail("gru_step_backward returned None: did you forget a `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != 6:
        fail("gru_step_backward should return a tuple of 6 arrays: (dx, dh_prev, dW_ih, dW_hh, db_ih, db_hh)")
    g = dict(zip(_GRU_NAMES, [as_array(n, v) for n, v in zip(_GRU_NAMES, got, strict=True)], strict=True))
    shapes = {"dx": ((N, D), "(N, D)"), "dh_prev": ((N, H), "(N, H)"), "dW_ih": ((3 * H, D), "(3H, D)"),
              "dW_hh": ((3 * H, H), "(3H, H)"), "db_ih": ((3 * H,), "(3H,)"), "db_hh": ((3 * H,), "(3H,)")}
    for name, (shape, symbolic) in shapes.items():
        assert_shape(name, g[name], shape, symbolic)
    ref = dict(zip(_GRU_NAMES, gru_step_backward_reference(dh_next, cache), strict=True))
    wrongs = {m: dict(zip(_GRU_NAMES, gru_step_backward_reference(dh_next, cache, mistake=m), strict=True))
              for m in _GRU_HINTS}
    # Name a mistake when the student's whole answer matches a known one, else when the first wrong output does.
    for m, hint in _GRU_HINTS.items():
        if all(is_close(g[n], wrongs[m][n]) for n in _GRU_NAMES):
            fail(f"gru_step_backward is wrong: it looks like your code {hint}")
    r_t, z_t, n_t, W_hn = cache[2], cache[3], cache[4], cache[7][2 * H :]
    da_n = dh_next * (1 - z_t) * (1 - n_t**2)
    hint_if_matches("dh_prev", g["dh_prev"], {
        "uses (1 - z) on the direct path to h_prev, reversing z's role (colah's convention); with "
        "h = (1 - z) * n + z * h_prev, h_prev gets dh * z directly":
            ref["dh_prev"] - dh_next * z_t + dh_next * (1 - z_t),
        "forgets r on the path through the candidate: hn = W_hn h_prev + b_hn is multiplied by r, so that "
        "path sends (da_n * r) @ W_hn to h_prev": ref["dh_prev"] - (da_n * r_t) @ W_hn + da_n @ W_hn,
    })
    wrong_names = [n for n in _GRU_NAMES if not is_close(g[n], ref[n])]
    for name in wrong_names:
        for m, hint in _GRU_HINTS.items():
            if is_close(g[name], wrongs[m][name]) and not is_close(wrongs[m][name], ref[name]):
                fail(f"{name} is wrong: it looks like your code {hint}")
    for name in ("db_ih", "db_hh"):
        for k, gate in enumerate(("r (reset)", "z (update)", "n (candidate)")):
            sl = slice(k * H, (k + 1) * H)
            if not is_close(g[name][sl], ref[name][sl]):
                fail(f"{name} is wrong in rows {k}H:{k + 1}H, the {gate} block (the others may be wrong too)")
    for name in _GRU_NAMES:
        assert_close(name, g[name], ref[name])
    passed("gru_step_backward")
