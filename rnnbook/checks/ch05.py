"""Checks for Chapter 5: vanishing and exploding gradients.

Exercises: ``jacobian_norms``, ``clip_grad_norm``, ``clip_grad_value`` and ``cliff_dE_db``.
"""

from __future__ import annotations

import copy

import numpy as np

from ..gradients import cliff_loss_and_grad, sigmoid
from .core import as_array, as_float, assert_close, assert_shape, fail, hint_if_matches, passed

__all__ = ["check_jacobian_norms", "check_clip_grad_norm", "check_clip_grad_value", "check_cliff_dE_db"]


# ---------------------------------------------------------------- Jacobian norms

def _tanh_trajectory(T: int = 6, H: int = 5, seed: int = 5):
    """A short driven tanh RNN trajectory hs of shape (T+1, H) and its (non-symmetric) W_hh."""
    rng = np.random.default_rng(seed)
    W_hh = 0.9 * rng.standard_normal((H, H)) / np.sqrt(H)
    hs = np.zeros((T + 1, H))
    hs[0] = 0.5 * rng.standard_normal(H)
    for t in range(1, T + 1):
        hs[t] = np.tanh(W_hh @ hs[t - 1] + 0.8 * rng.standard_normal(H))
    return hs, W_hh


def _jacobian_norms(hs, W_hh, *, order="right", factor="h_t", weight="W", norm=2):
    """The reference (defaults) and the named mistakes (other keyword values)."""
    T = hs.shape[0] - 1
    H = W_hh.shape[0]
    W = W_hh.T if weight == "W.T" else W_hh
    J = np.eye(H)
    out = []
    for k in range(1, T + 1):
        t = T - k + 1  # the factor dh_t/dh_{t-1} joins the product
        if factor == "h_t":
            D = np.diag(1.0 - hs[t] ** 2)
        elif factor == "h_prev":
            D = np.diag(1.0 - hs[t - 1] ** 2)
        elif factor == "cols":  # (1 - h_t**2) * W_hh broadcasts along rows: it scales the *columns*, W diag(d)
            D = np.eye(H)
            W = W_hh * (1.0 - hs[t] ** 2)
        else:  # no tanh' at all: the linear RNN's Jacobian
            D = np.eye(H)
        J = J @ (D @ W) if order == "right" else (D @ W) @ J
        if norm == "radius":
            out.append(np.max(np.abs(np.linalg.eigvals(J))))
        else:
            out.append(np.linalg.norm(J, norm))
    return np.array(out)


def check_jacobian_norms(jacobian_norms):
    """``jacobian_norms(hs, W_hh)`` -> array (T,) with entry k-1 = ||dh_T/dh_{T-k}||_2, k = 1..T."""
    hs, W_hh = _tanh_trajectory()
    T = hs.shape[0] - 1
    got = _call_checked(jacobian_norms, "jacobian_norms", hs, W_hh)
    got = as_array("norms", got)
    assert_shape("norms", got, (T,), "(T,)")
    expected = _jacobian_norms(hs, W_hh)
    hint_if_matches("norms", got, {
        "multiplies the Jacobian factors in the wrong order: dh_T/dh_{T-k} = D_T W_hh D_{T-1} W_hh ... "
        "(the newest factor on the left; extend the product on the right)": _jacobian_norms(hs, W_hh, order="left"),
        "is missing the tanh' factor diag(1 - h_t^2) in each Jacobian factor": _jacobian_norms(hs, W_hh, factor="none"),
        "uses tanh' of the wrong step: dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh uses h_t, not h_{t-1}":
            _jacobian_norms(hs, W_hh, factor="h_prev"),
        "uses W_hh transposed: with column vectors dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh":
            _jacobian_norms(hs, W_hh, weight="W.T"),
        "uses the Frobenius norm (np.linalg.norm's default for matrices) instead of the spectral norm (ord=2)":
            _jacobian_norms(hs, W_hh, norm="fro"),
        "returns the norms in reverse order: entry 0 should be k = 1": expected[::-1],
        "scales the columns of W_hh: `(1 - h_t**2) * W_hh` broadcasts along the rows and gives W_hh diag(1 - h_t^2); "
        "diag(1 - h_t^2) W_hh scales the rows, `(1 - h_t**2)[:, None] * W_hh`": _jacobian_norms(hs, W_hh, factor="cols"),
        "uses the largest |eigenvalue| (the spectral radius) instead of the spectral norm, the largest singular "
        "value: np.linalg.norm(J, 2)": _jacobian_norms(hs, W_hh, norm="radius"),
    })
    assert_close("norms", got, expected)
    passed("jacobian_norms")


# ---------------------------------------------------------------- clipping

def _grads(scale: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal((3, 2)), rng.standard_normal((3, 3)), rng.standard_normal(3)]
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * (scale / total) for g in grads]


def _call_checked(fn, name, *args):
    """Call ``fn``; fail if it mutates an array argument or an array inside a list argument."""
    __tracebackhide__ = True
    if not callable(fn):
        fail(f"expected a function, got {type(fn).__name__}")
    before = copy.deepcopy(args)
    result = fn(*args)
    for b, a in zip(before, args, strict=True):
        pairs = zip(b, a, strict=True) if isinstance(b, list) else [(b, a)]
        for x, y in pairs:
            if isinstance(x, np.ndarray) and not np.array_equal(x, y, equal_nan=True):
                fail(f"{name} modified the gradients in place; return new arrays (e.g. `g * scale`, not `g *= scale`)")
    return result


def _as_grad_list(name, got, like):
    __tracebackhide__ = True
    if got is None:
        fail(f"{name} returned None: did you forget a `return` statement?")
    if isinstance(got, np.ndarray) or not isinstance(got, (list, tuple)):
        fail(f"{name} should return a list of {len(like)} arrays (one per parameter), got {type(got).__name__}")
    if len(got) != len(like):
        fail(f"{name} returned {len(got)} arrays; expected {len(like)} (one per parameter)")
    out = []
    for i, (g, ref) in enumerate(zip(got, like, strict=True)):
        arr = as_array(f"clipped gradient #{i}", g)
        assert_shape(f"clipped gradient #{i}", arr, ref.shape, f"the shape of grads[{i}]")
        out.append(arr)
    return out


def _flat(arrays):
    return np.concatenate([np.ravel(a) for a in arrays])


def _clip_norm(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads]


def _clip_with_total(grads, max_norm, total):
    """Clipping by norm with a wrongly computed ``total`` (a named mistake)."""
    return [g * (max_norm / total) for g in grads] if total > max_norm else [g.copy() for g in grads]


def check_clip_grad_norm(clip_grad_norm):
    """``clip_grad_norm(grads, max_norm)`` -> new list: all arrays scaled by one factor if the global norm > max_norm."""
    for scale, max_norm in ((5.0, 1.0), (0.5, 1.0), (3.0, 2.5)):
        grads = _grads(scale, seed=int(10 * scale))
        got = _call_checked(clip_grad_norm, "clip_grad_norm", grads, max_norm)
        got = _as_grad_list("clip_grad_norm", got, grads)
        expected = _clip_norm(grads, max_norm)
        wrong = {
            "clips each element to [-max_norm, max_norm] instead of rescaling by the global norm "
            "(that is clipping by value, which changes the direction)": [np.clip(g, -max_norm, max_norm) for g in grads],
            "uses each array's own norm instead of the global norm over all arrays together":
                [_clip_norm([g], max_norm)[0] for g in grads],
        }
        total = np.sqrt(sum(np.sum(g**2) for g in grads))
        if total > max_norm:
            wrong["inverts the factor: scale by max_norm / norm (< 1), not norm / max_norm"] = [
                g * (total / max_norm) for g in grads
            ]
            wrong["divides by the norm only, which makes the norm 1; multiply by max_norm / norm"] = [
                g / total for g in grads
            ]
            wrong["uses the squared norm sum(g**2); the global norm is its square root"] = _clip_with_total(
                grads, max_norm, sum(np.sum(g**2) for g in grads)
            )
            wrong["adds the arrays' norms; the global norm is sqrt of the sum of *all* squared entries"] = (
                _clip_with_total(grads, max_norm, sum(np.linalg.norm(g) for g in grads))
            )
        if scale < max_norm:
            total = np.sqrt(sum(np.sum(g**2) for g in grads))
            wrong["scales up small gradients: when the global norm is below max_norm, return them unchanged"] = [
                g * (max_norm / total) for g in grads
            ]
        wrong = {k: _flat(v) for k, v in wrong.items() if not np.allclose(_flat(v), _flat(expected), rtol=1e-5)}
        hint_if_matches("clipped gradients", _flat(got), wrong, rtol=1e-5)
        assert_close("clipped gradients", _flat(got), _flat(expected), rtol=1e-5)
    passed("clip_grad_norm")


def check_clip_grad_value(clip_grad_value):
    """``clip_grad_value(grads, clip_value)`` -> new list with every element clipped to [-clip_value, clip_value]."""
    grads = _grads(6.0, seed=3)
    clip_value = 0.5
    got = _call_checked(clip_grad_value, "clip_grad_value", grads, clip_value)
    got = _as_grad_list("clip_grad_value", got, grads)
    expected = [np.clip(g, -clip_value, clip_value) for g in grads]
    hint_if_matches("clipped gradients", _flat(got), {
        "clips only from above: large negative elements must become -clip_value too": _flat(
            [np.minimum(g, clip_value) for g in grads]),
        "rescales by the global norm: clipping by value treats each element on its own": _flat(
            _clip_norm(grads, clip_value)),
        "clips negative elements to 0; the range is [-clip_value, clip_value]": _flat(
            [np.clip(g, 0.0, clip_value) for g in grads]),
        "sets every element to ±clip_value; elements already inside [-clip_value, clip_value] stay as they are": _flat(
            [np.sign(g) * clip_value for g in grads]),
    })
    assert_close("clipped gradients", _flat(got), _flat(expected))
    passed("clip_grad_value")


# ---------------------------------------------------------------- the cliff

_CLIFF_CASES = ((5.0, -3.0, 10), (5.0, -2.0, 25), (3.0, -1.0, 7), (5.0, -2.615, 25), (-2.0, 0.5, 6))


def _cliff_variant(w, b, T, mistake):
    x, s = 0.5, (1.0 if mistake == "s0_one" else 0.0)
    for _ in range(T):
        sig = sigmoid(x)
        if mistake == "no_sigma_prime":
            s = w * s + 1.0
        elif mistake == "last_step_only":
            s = 1.0
        elif mistake == "new_x":
            x_new = w * sig + b
            s = w * sigmoid(x_new) * (1 - sigmoid(x_new)) * s + 1.0
        else:
            s = w * sig * (1.0 - sig) * s + 1.0
        x = w * sig + b
    y = sigmoid(x)
    if mistake == "no_output_sigma_prime":
        return 2.0 * (y - 0.7) * s
    if mistake == "sign":
        return 2.0 * (0.7 - y) * y * (1.0 - y) * s
    if mistake == "no_two":
        return (y - 0.7) * y * (1.0 - y) * s
    return 2.0 * (y - 0.7) * y * (1.0 - y) * s


def check_cliff_dE_db(cliff_dE_db):
    """``cliff_dE_db(w, b, T)`` -> dE/db for x_t = w*sigmoid(x_{t-1}) + b, x_0 = 0.5, E = (sigmoid(x_T) - 0.7)^2."""
    got = []
    for w, b, T in _CLIFF_CASES:
        val = cliff_dE_db(w, b, T)
        got.append(as_float(f"cliff_dE_db({w}, {b}, {T})", val))
    got = np.array(got)
    expected = np.array([float(cliff_loss_and_grad(w, b, T)[1]) for w, b, T in _CLIFF_CASES])

    def variant(m):
        return np.array([_cliff_variant(w, b, T, m) for w, b, T in _CLIFF_CASES])

    hint_if_matches("dE/db", got, {
        "drops sigmoid'(x_{t-1}) in the recursion: dx_t/db = w * sigmoid'(x_{t-1}) * dx_{t-1}/db + 1":
            variant("no_sigma_prime"),
        "treats x_{T-1} as a constant: b also reaches x_T through every earlier step, "
        "so dx_t/db = w * sigmoid'(x_{t-1}) * dx_{t-1}/db + 1 must be carried through time": variant("last_step_only"),
        "evaluates sigmoid' at the new x_t instead of x_{t-1} (update the derivative before x)": variant("new_x"),
        "forgets sigmoid'(x_T) in dE/dx_T = 2 (sigmoid(x_T) - 0.7) sigmoid'(x_T)": variant("no_output_sigma_prime"),
        "starts from dx_0/db = 1; x_0 = 0.5 is a constant, so s_0 = 0": variant("s0_one"),
        "has the sign of dE/dy flipped: dE/dy = 2 (y - 0.7), not 2 (0.7 - y)": variant("sign"),
        "drops the factor 2 of d(y - 0.7)^2/dy = 2 (y - 0.7)": variant("no_two"),
        "runs one step too few (T - 1 updates; x_T needs T)": np.array(
            [float(cliff_loss_and_grad(w, b, T - 1)[1]) for w, b, T in _CLIFF_CASES]),
        "runs one step too many (T + 1 updates; x_T needs T)": np.array(
            [float(cliff_loss_and_grad(w, b, T + 1)[1]) for w, b, T in _CLIFF_CASES]),
    })
    assert_close("dE/db", got, expected)
    passed("cliff_dE_db")
