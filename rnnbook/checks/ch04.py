"""Checks for Chapter 4's exercises (backpropagation through time).

Conventions (the course's): a batch lives in rows, ``x_t`` is (N, D), ``h_t`` (N, H), a sequence ``x`` is
(T, N, D) and its hidden states ``hs`` (T, N, H); weights have PyTorch's shapes, ``W_xh`` (H, D), ``W_hh`` (H, H),
``b_h`` (H,), so the forward step is ``h_t = tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)``.

The backward functions return a tuple ``(dx, dh_prev, dW_xh, dW_hh, db_h)`` (``dx`` and ``dh0`` for a sequence).
The inputs use D != H, T not a multiple of k, and a non-symmetric ``W_hh``, so that every named mistake gives its
own answer.  Each check hands the student's function fresh arrays and fails with a named message if one of them
(the upstream gradient, say) is modified in place.
"""

from __future__ import annotations

import numpy as np

from .core import as_array, assert_close, assert_shape, fail, hint_if_matches, is_close, passed
from .reference import finite_difference as _numeric
from .reference import rnn_forward as _forward

__all__ = [
    "check_numerical_gradient",
    "check_rnn_backward",
    "check_rnn_backward_truncated",
    "check_rnn_step_backward",
]

N, D, H, T, K = 3, 4, 5, 7, 3

_IN_PLACE_HINT = {
    "dh_t": "the upstream gradient; write `da = (1 - h_t**2) * dh_t`, not `dh_t *= ...`",
    "dhs": "the upstream gradients; write `dh = dhs[t] + dh_next`, not `dhs[t] += dh_next`",
}


# --------------------------------------------------------------------------------------------- references
def _weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    W_xh = rng.normal(0.0, 0.6, size=(H, D))
    W_hh = rng.normal(0.0, 0.6, size=(H, H))
    b_h = rng.normal(0.0, 0.3, size=H)
    return W_xh, W_hh, b_h




def _step_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh, deriv="h_t", W_hh_T=False, dW_hh_T=False):
    """The reference step (and its named mistakes, selected by the keyword arguments)."""
    local = {"h_t": 1 - h_t**2, "h_prev": 1 - h_prev**2, "none": 1.0, "tanh_h_t": 1 - np.tanh(h_t) ** 2}[deriv]
    da = local * dh_t
    dx_t = da @ W_xh
    dh_prev = da @ (W_hh.T if W_hh_T else W_hh)
    dW_xh = da.T @ x_t
    dW_hh = h_prev.T @ da if dW_hh_T else da.T @ h_prev
    db_h = da.sum(axis=0)
    return dx_t, dh_prev, dW_xh, dW_hh, db_h


def _cut_here(t, k, n_steps, align):
    """True when the gradient must not flow from step t into step t-1 (t starts a chunk)."""
    if k is None or t == 0:
        return False
    if align == "start":  # chunks [0, k), [k, 2k), ...
        return t % k == 0
    if align == "off_by_one":
        return (t + 1) % k == 0
    if align == "end":  # chunks counted back from the end of the sequence
        return (n_steps - t) % k == 0
    raise ValueError(align)


def _backward(dhs, x, h0, hs, W_xh, W_hh, k=None, upstream="both", keep="all", h_prev_of="ok", align="start",
              forward_in_time=False, **step_kw):
    """The reference rnn_backward (k=None) or truncated backward (k chunks), and the named mistakes."""
    n_steps = x.shape[0]
    dx = np.zeros_like(x)
    dW_xh, dW_hh, db_h = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(W_hh.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(n_steps) if forward_in_time else reversed(range(n_steps)):
        if upstream == "both":
            dh = dhs[t] + dh_next
        elif upstream == "no_next":
            dh = dhs[t].copy()
        else:  # "no_local": only the last step's loss enters, then only the carried gradient
            dh = dh_next + (dhs[t] if t == n_steps - 1 else 0.0)
        if h_prev_of == "ok":
            h_prev = hs[t - 1] if t > 0 else h0
        elif h_prev_of == "wrap":  # hs[t - 1] at t = 0 is hs[-1], the *last* state
            h_prev = hs[t - 1]
        else:  # "same": pairs da_t with h_t
            h_prev = hs[t]
        dx[t], dh_next, gW_xh, gW_hh, gb_h = _step_backward(dh, x[t], h_prev, hs[t], W_xh, W_hh, **step_kw)
        if keep == "all":
            dW_xh, dW_hh, db_h = dW_xh + gW_xh, dW_hh + gW_hh, db_h + gb_h
        elif (keep == "first" and t == n_steps - 1) or (keep == "last" and t == 0):
            dW_xh, dW_hh, db_h = gW_xh, gW_hh, gb_h
        if _cut_here(t, k, n_steps, align):
            dh_next = np.zeros_like(dh_next)
    return dx, dh_next, dW_xh, dW_hh, db_h


# ------------------------------------------------------------------------------------------------ helpers
def _call(fn, fn_name, args: dict):
    """Call ``fn`` with fresh copies of ``args`` (positionally); fail, naming the array, if one is mutated."""
    __tracebackhide__ = True
    if not callable(fn):
        fail(f"expected a function, got {type(fn).__name__}")
    passed_in = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}
    try:
        result = fn(*passed_in.values())
    except ValueError as exc:
        # numpy's matmul/broadcast errors are cryptic; name the likely cause in one line.
        msg = str(exc)
        if "matmul" in msg or "not aligned" in msg or "could not be broadcast" in msg:
            shapes = ", ".join(f"{name} {v.shape}" for name, v in args.items() if isinstance(v, np.ndarray))
            fail(
                f"{fn_name} raised a shape mismatch ({msg.splitlines()[0]}). The inputs have shapes {shapes}: "
                "in the row layout the forward `x_t @ W_xh.T` sends back `da @ W_xh` (not W_xh.T) to x_t and "
                "`da.T @ x_t` to W_xh; write down each result's shape before you multiply"
            )
        raise
    for name, before in args.items():
        if isinstance(before, np.ndarray) and not np.array_equal(before, passed_in[name]):
            extra = _IN_PLACE_HINT.get(name, "work on a copy (e.g. `a = a.copy()`)")
            what = "mutates the upstream gradient in place" if name in _IN_PLACE_HINT else "modifies an input in place"
            fail(f"{fn_name} {what}: it changed its argument `{name}`; {extra}")
    return result


def _unpack(fn_name, result, names):
    __tracebackhide__ = True
    if result is None:
        fail(f"{fn_name} returned None: did you forget a `return` statement?")
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = f"a {type(result).__name__} of {len(result)} items" if isinstance(result, (tuple, list)) else (
            f"a {type(result).__name__}")
        fail(f"{fn_name} should return a tuple of {len(names)} arrays ({', '.join(names)}); got {got}")
    return [as_array(name, value) for name, value in zip(names, result, strict=True)]


def _compare(got, expected, names, shapes, mistakes):
    """Shapes first, then targeted hints output by output, then values."""
    __tracebackhide__ = True
    for arr, name, (shape, symbolic) in zip(got, names, shapes, strict=True):
        assert_shape(name, arr, shape, symbolic)
    for i, name in enumerate(names):
        wrong = {hint: ans[i] for hint, ans in mistakes.items() if not is_close(ans[i], expected[i])}
        hint_if_matches(name, got[i], wrong)
        assert_close(name, got[i], expected[i])


# ------------------------------------------------------------------------------------------------- checks
STEP_NAMES = ("dx_t", "dh_prev", "dW_xh", "dW_hh", "db_h")


def check_rnn_step_backward(rnn_step_backward) -> None:
    """``rnn_step_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh)`` returns ``(dx_t, dh_prev, dW_xh, dW_hh, db_h)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(11)
    W_xh, W_hh, b_h = _weights()
    x_t = rng.normal(size=(N, D))
    h_prev = rng.uniform(-0.9, 0.9, size=(N, H))
    h_t = np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)
    dh_t = rng.normal(size=(N, H))
    args = {"dh_t": dh_t, "x_t": x_t, "h_prev": h_prev, "h_t": h_t, "W_xh": W_xh, "W_hh": W_hh}
    got = _unpack("rnn_step_backward", _call(rnn_step_backward, "rnn_step_backward", args), STEP_NAMES)
    shapes = [((N, D), "(N, D)"), ((N, H), "(N, H)"), ((H, D), "(H, D)"), ((H, H), "(H, H)"), ((H,), "(H,)")]
    expected = _step_backward(*args.values())
    mistakes = {
        "forgets the tanh derivative: da = (1 - h_t**2) * dh_t (a missing (1 - h^2) factor)":
            _step_backward(*args.values(), deriv="none"),
        "takes the tanh derivative at h_prev; it is (1 - h_t**2), at this step's output":
            _step_backward(*args.values(), deriv="h_prev"),
        "uses a transposed weight: dh_prev = da @ W_hh (not da @ W_hh.T) in the row layout":
            _step_backward(*args.values(), W_hh_T=True),
        "computes a transposed weight gradient: dW_hh = da.T @ h_prev (not h_prev.T @ da)":
            _step_backward(*args.values(), dW_hh_T=True),
        "applies tanh to h_t again: h_t is already tanh(a_t), so the derivative is 1 - h_t**2, not "
        "1 - tanh(h_t)**2": _step_backward(*args.values(), deriv="tanh_h_t"),
        "pairs da with h_t; dW_hh needs the state that W_hh multiplied, dW_hh = da.T @ h_prev":
            _step_backward(dh_t, x_t, h_t, h_t, W_xh, W_hh),
        "averages the weight gradients over the batch; sum them (no division by N)":
            expected[:2] + tuple(g / N for g in expected[2:]),
    }
    _compare(got, expected, STEP_NAMES, shapes, mistakes)
    passed("rnn_step_backward")


def _sequence_inputs(seed):
    rng = np.random.default_rng(seed)
    W_xh, W_hh, b_h = _weights()
    x = rng.normal(size=(T, N, D))
    h0 = rng.uniform(-0.9, 0.9, size=(N, H))
    hs = _forward(x, h0, W_xh, W_hh, b_h)
    dhs = rng.normal(size=(T, N, H))
    return {"dhs": dhs, "x": x, "h0": h0, "hs": hs, "W_xh": W_xh, "W_hh": W_hh}


SEQ_NAMES = ("dx", "dh0", "dW_xh", "dW_hh", "db_h")
SEQ_SHAPES = [((T, N, D), "(T, N, D)"), ((N, H), "(N, H)"), ((H, D), "(H, D)"), ((H, H), "(H, H)"), ((H,), "(H,)")]


def _sequence_mistakes(args, k=None):
    a = list(args.values())
    return {
        "drops the upstream gradient from step t+1: the gradient into step t must be dhs[t] + dh_next":
            _backward(*a, k=k, upstream="no_next"),
        "ignores dhs[t] (the loss at step t): the gradient into step t must be dhs[t] + dh_next":
            _backward(*a, k=k, upstream="no_local"),
        "does not accumulate the weight gradients over time (only step 0's contribution is kept): use `dW_hh += ...`":
            _backward(*a, k=k, keep="last"),
        "does not accumulate the weight gradients over time (only the last step T-1 is kept): use `+=`":
            _backward(*a, k=k, keep="first"),
        "forgets the tanh derivative: a missing (1 - h^2) factor, da = (1 - hs[t]**2) * dh":
            _backward(*a, k=k, deriv="none"),
        "uses a transposed weight: dh_next = da @ W_hh (not da @ W_hh.T) in the row layout":
            _backward(*a, k=k, W_hh_T=True),
        "uses hs[t - 1] at t = 0, which is hs[-1] (the last state); the state before step 0 is h0":
            _backward(*a, k=k, h_prev_of="wrap"),
        "pairs da_t with h_t; dW_hh needs the *previous* state: dW_hh += da.T @ h_prev":
            _backward(*a, k=k, h_prev_of="same"),
        "runs t forwards from 0; backpropagation runs t from T - 1 down to 0, so that the gradient from the "
        "later steps is known when step t is processed": _backward(*a, k=k, forward_in_time=True),
        "applies tanh to hs[t] again: hs[t] is already a tanh, so the derivative is 1 - hs[t]**2":
            _backward(*a, k=k, deriv="tanh_h_t"),
    }


def check_rnn_backward(rnn_backward) -> None:
    """``rnn_backward(dhs, x, h0, hs, W_xh, W_hh)`` returns ``(dx, dh0, dW_xh, dW_hh, db_h)``."""
    __tracebackhide__ = True
    args = _sequence_inputs(12)
    got = _unpack("rnn_backward", _call(rnn_backward, "rnn_backward", args), SEQ_NAMES)
    expected = _backward(*args.values())
    mistakes = _sequence_mistakes(args)
    mistakes["returns dh0 = 0: the gradient that reaches step 0 goes on into h0, dh0 = da_0 @ W_hh"] = (
        expected[:1] + (np.zeros((N, H)),) + expected[2:]
    )
    _compare(got, expected, SEQ_NAMES, SEQ_SHAPES, mistakes)
    passed("rnn_backward")


def check_rnn_backward_truncated(rnn_backward_truncated) -> None:
    """``rnn_backward_truncated(dhs, x, h0, hs, W_xh, W_hh, k)``: BPTT inside chunks [0, k), [k, 2k), ... only."""
    __tracebackhide__ = True
    args = _sequence_inputs(13)
    args["k"] = K
    a = list(args.values())[:-1]
    got = _unpack("rnn_backward_truncated", _call(rnn_backward_truncated, "rnn_backward_truncated", args), SEQ_NAMES)
    expected = _backward(*a, k=K)
    mistakes = {
        "does not truncate: the gradient must stop at each chunk start t = k, 2k, ... (it is full BPTT)":
            _backward(*a),
        "cuts the gradient one step off: chunks are [0, k), [k, 2k), ..., so cut after processing t = k, 2k, ...":
            _backward(*a, k=K, align="off_by_one"),
        "counts the chunks from the end of the sequence; they start at t = 0, k, 2k, ...":
            _backward(*a, k=K, align="end"),
        "returns dh0 = 0: the first chunk starts from h0, so the gradient reaches it":
            _backward(*a, k=K)[:1] + (np.zeros((N, H)),) + _backward(*a, k=K)[2:],
        **_sequence_mistakes(dict(zip(list(args)[:-1], a, strict=True)), k=K),
    }
    _compare(got, expected, SEQ_NAMES, SEQ_SHAPES, mistakes)
    # a second k, to catch code that only works for one chunk length
    got2 = _unpack("rnn_backward_truncated", _call(rnn_backward_truncated, "rnn_backward_truncated",
                                                   {**args, "k": 2}), SEQ_NAMES)
    for name, g, e in zip(SEQ_NAMES, got2, _backward(*a, k=2), strict=True):
        assert_shape(name, g, e.shape, "the same shape as for k = 3")
        assert_close(f"{name} (with k = 2)", g, e)
    passed("rnn_backward_truncated")


# ----------------------------------------------------------------------------------------- numerical gradient
def _test_function():
    rng = np.random.default_rng(14)
    A = rng.normal(size=(3, 4))

    def f(x):
        x = np.asarray(x, dtype=float)
        return float(np.sum(A * np.sin(x)) + np.sum(x**3) / 3 + np.sum(x) ** 2)

    x = rng.uniform(-1.0, 1.0, size=(3, 4))
    return f, x




def check_numerical_gradient(numerical_gradient) -> None:
    """``numerical_gradient(f, x, eps)`` returns the centred-difference gradient of the scalar ``f`` at ``x``."""
    __tracebackhide__ = True
    f, x = _test_function()
    step = 1e-4
    x_given = x.copy()
    if not callable(numerical_gradient):
        fail(f"expected a function, got {type(numerical_gradient).__name__}")
    result = numerical_gradient(f, x_given, step)
    if not np.allclose(x_given, x, rtol=0.0, atol=1e-12):
        moved = int(np.sum(~np.isclose(x_given, x, rtol=0.0, atol=1e-12)))
        fail(f"numerical_gradient does not restore x: {moved} entries of x differ after the call; "
             "put x[i] back to its old value after evaluating f(x + eps) and f(x - eps)")
    got = as_array("grad", result)
    assert_shape("grad", got, x.shape, "x.shape")
    expected = _numeric(f, x, step)
    all_at_once = (f(x + step) - f(x - step)) / (2 * step)
    hint_if_matches("grad", got, {
        "uses a forward difference (f(x + eps) - f(x)) / eps; use the centred (f(x + eps) - f(x - eps)) / (2 eps)":
            _numeric(f, x, step, "forward"),
        "divides by the wrong step: the centred difference f(x + eps) - f(x - eps) spans 2 eps, not eps":
            _numeric(f, x, step, "divisor"),
        "perturbs every entry at once; perturb one entry x[i] at a time": np.full(x.shape, all_at_once),
        "perturbs a whole row x[i] at a time (`for i in range(len(x))` walks only the first axis); perturb one "
        "entry at a time with `for i in np.ndindex(x.shape)`": _numeric(f, x, step, kind="rows"),
    }, rtol=1e-7, atol=1e-10)
    assert_close("grad", got, expected, rtol=1e-7, atol=1e-9)
    passed("numerical_gradient")
