"""Checks for Chapter 5: vanishing and exploding gradients.

Exercises: ``jacobian_norms`` (warm-up), ``clip_gradients``, ``predict_regime``,
``cliff_dE_dw``, ``adding_baselines`` and ``critical_gain``.  Every student call goes
through :func:`_call` (``core.call`` plus: lists of arrays checked for in-place
mutation, any exception turned into one line, numpy warnings silenced).
"""

from __future__ import annotations

import copy

import numpy as np

from ..cliff import sigmoid
from .core import (
    CheckFailed,
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
from .safe import quiet as _quiet

__all__ = [
    "check_jacobian_norms",
    "check_clip_gradients",
    "check_predict_regime",
    "check_cliff_dE_dw",
    "check_adding_baselines",
    "check_critical_gain",
]




def _call(fn, name, *args):
    """Call the student's ``fn`` through ``core.call``; one line for any error or in-place change."""
    __tracebackhide__ = True
    if not callable(fn):
        fail(f"expected a function for {name}, got {type(fn).__name__}")
    before = copy.deepcopy(args)
    try:
        result = call(fn, *args, fn_name=name)
    except (CheckFailed, NotImplementedError):
        raise
    except Exception as exc:  # the student's own error: one line, no traceback
        msg = str(exc).splitlines()[0] if str(exc) else ""
        fail(f"{name} raised {type(exc).__name__}: {msg}")
    for b, a in zip(before, args, strict=True):
        pairs = zip(b, a, strict=False) if isinstance(b, (list, tuple)) else [(b, a)]
        for x, y in pairs:
            if isinstance(x, np.ndarray) and not np.array_equal(x, y, equal_nan=True):
                fail(f"{name} modified its input arrays in place; return new arrays "
                     "(e.g. `g * scale`, not `g *= scale`; `np.clip(g, ...)`, not `np.clip(g, ..., out=g)`)")
    return result


# ---------------------------------------------------------------- 1. Jacobian norms (warm-up)

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


@_quiet
def check_jacobian_norms(jacobian_norms):
    """``jacobian_norms(hs, W_hh)`` -> array (T,) with entry k-1 = ||dh_T/dh_{T-k}||_2, k = 1..T."""
    hs, W_hh = _tanh_trajectory()
    T = hs.shape[0] - 1
    got = _call(jacobian_norms, "jacobian_norms", hs, W_hh)
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


# ---------------------------------------------------------------- 2. clip_gradients

def _grads(total: float, seed: int):
    """Three gradient arrays of different shapes, scaled so that their global 2-norm is ``total``."""
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal(5)]
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * (total / norm) for g in grads]


def _pnorm(grads, p):
    flat = np.concatenate([np.ravel(g) for g in grads])
    if p == np.inf:
        return float(np.max(np.abs(flat)))
    return float(np.sum(np.abs(flat) ** p) ** (1.0 / p))


def _clip(grads, max_norm=None, clip_value=None, norm_type=2.0, *, mistake=None):
    """The reference clipper (mistake=None) and the named mistakes."""
    gs = [np.array(g, dtype=float) for g in grads]
    if clip_value is not None and mistake != "norm_first":
        gs = _value_clip(gs, clip_value, mistake)
    if max_norm is not None:
        p = {"l1": 1.0, "ignore_p": 2.0}.get(mistake, norm_type)
        if mistake == "squared":
            total = _pnorm(gs, 2.0) ** 2
        elif mistake == "no_root":
            total = float(np.sum(np.abs(np.concatenate([g.ravel() for g in gs])) ** norm_type))
        elif mistake == "inf_no_abs":
            total = float(np.max(np.concatenate([g.ravel() for g in gs]))) if p == np.inf else _pnorm(gs, p)
        elif mistake == "summed":
            total = sum(_pnorm([g], p) for g in gs)
        else:
            total = _pnorm(gs, p)
        if mistake == "per_array":
            gs = [g * min(1.0, max_norm / _pnorm([g], p)) for g in gs]
        elif mistake == "always_scale":
            gs = [g * (max_norm / total) for g in gs]
        elif mistake == "inverted":
            gs = [g * (total / max_norm) for g in gs] if total > max_norm else gs
        elif total > max_norm:
            gs = [g * (max_norm / total) for g in gs]
    if clip_value is not None and mistake == "norm_first":
        gs = _value_clip(gs, clip_value, None)
    return gs


def _value_clip(gs, c, mistake):
    if mistake == "swapped":
        return [np.minimum(-c, np.maximum(g, c)) for g in gs]  # np.clip(g, c, -c)
    if mistake == "lost_sign":
        return [np.minimum(np.abs(g), c) for g in gs]
    if mistake == "upper_only":
        return [np.minimum(g, c) for g in gs]
    if mistake == "zero_lower":
        return [np.clip(g, 0.0, c) for g in gs]
    return [np.clip(g, -c, c) for g in gs]


#: (total 2-norm of the input, seed, keyword arguments).  Case 2 has a norm between sqrt(max_norm) and
#: max_norm, where comparing the *squared* norm with the threshold clips although it must not.
_CLIP_CASES = (
    (6.0, 8, {"max_norm": 2.0, "norm_type": 3.0}),
    (5.0, 1, {"max_norm": 1.0}),
    (3.0, 2, {"max_norm": 4.0}),
    (6.0, 3, {"max_norm": 2.0, "norm_type": 1.0}),
    (6.0, 10, {"max_norm": 0.5, "norm_type": np.inf}),
    (4.0, 5, {"clip_value": 0.3}),
    (8.0, 6, {"max_norm": 1.5, "clip_value": 1.0}),
    (0.5, 7, {"max_norm": 1.0}),
)

_CLIP_HINTS = {
    "l1": "uses the L1 norm (sum of |g|) where norm_type=2 asks for the square root of the sum of squares",
    "squared": "compares the squared norm sum(g**2) with max_norm; the 2-norm is its square root (a norm of 3 "
               "is below max_norm=4 although its square 9 is above)",
    "no_root": "forgets the 1/p-th root: the p-norm is (sum |g|**p) ** (1/p)",
    "ignore_p": "ignores norm_type and always uses the 2-norm",
    "inf_no_abs": "takes max(g) for norm_type=inf; the infinity norm is max(|g|)",
    "per_array": "clips each gradient array by its own norm instead of one global norm over all arrays",
    "summed": "adds the arrays' separate norms; the global norm is the norm of all entries together",
    "always_scale": "scales small gradients up: when the global norm is below max_norm, leave them unchanged",
    "inverted": "inverts the factor: multiply by max_norm / norm (< 1), not norm / max_norm",
    "swapped": "swaps the bounds of the value clip: np.clip(g, -clip_value, clip_value), lower bound first",
    "lost_sign": "loses the sign in the value clip (|g| clipped to clip_value); negative entries must stay negative",
    "upper_only": "clips only from above: entries below -clip_value must become -clip_value",
    "zero_lower": "clips negative entries to 0; the value clip's range is [-clip_value, clip_value]",
    "norm_first": "applies the norm clip before the value clip; clip by value first, then measure the norm",
}


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


@_quiet
def check_clip_gradients(clip_gradients):
    """``clip_gradients(grads, max_norm=None, clip_value=None, norm_type=2.0)`` -> new list of arrays."""
    for total, seed, kw in _CLIP_CASES:
        grads = _grads(total, seed)
        got = _call(lambda g, kw=kw: clip_gradients(g, **kw), "clip_gradients", grads)
        got = _flat(_as_grad_list("clip_gradients", got, grads))
        expected = _flat(_clip(grads, **kw))
        wrong = {}
        for key, hint in _CLIP_HINTS.items():
            w = _flat(_clip(grads, **kw, mistake=key))
            if not is_close(w, expected, rtol=1e-5, atol=1e-8):
                wrong[hint] = w
        args = ", ".join(f"{k}={v}" for k, v in kw.items())
        hint_if_matches(f"clip_gradients(grads, {args})", got, wrong, rtol=1e-5, atol=1e-8)
        assert_close(f"clip_gradients(grads, {args})", got, expected, rtol=1e-5, atol=1e-8)
    passed("clip_gradients")


# ---------------------------------------------------------------- 3. predict_regime

_GAMMA = {"linear": None, "tanh": 1.0, "sigmoid": 0.25}
_REGIMES = ("vanishes", "explodes", "undecided")


def _regime(W, unit, mistake=None):
    """The reference prediction (mistake=None) and the named mistakes."""
    eig = np.linalg.eigvals(W)
    rho = float(np.max(np.abs(eig)))
    if mistake == "no_abs":
        rho = float(np.max(eig.real))
    s_max = float(np.linalg.norm(W, "fro" if mistake == "fro" else 2))
    if unit == "linear":
        r = s_max if mistake == "sigma_linear" else rho
        return "vanishes" if r < 1 else "explodes"
    gamma = 1.0 if mistake == "no_gamma" else _GAMMA[unit]
    s = rho if mistake == "rho_nonlinear" else s_max
    if gamma * s < 1:
        return "vanishes"
    if mistake == "sufficient":
        return "explodes"
    return "undecided"


def _regime_cases():
    """Hidden test matrices: every named mistake changes at least one answer."""
    rng = np.random.default_rng(2013)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    D = np.diag([0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    non_normal = np.array([[0.8, 3.0, 0.0], [0.0, 0.7, 0.0], [0.0, 0.0, 0.5]])  # rho 0.8, sigma_max > 3
    negative = np.diag([-1.3, 0.5, 0.2, 0.4])  # rho = 1.3 from a negative eigenvalue
    c, s = np.cos(1.0), np.sin(1.0)
    rotation = 1.1 * np.array([[c, -s], [s, c]])  # complex pair, |lambda| = 1.1, real part 0.59
    diffuse = 0.3 * np.ones((5, 5)) + 0.05 * np.eye(5)  # sigma_max = 1.55 = rho; Frobenius > sigma_max
    small = Q @ D @ Q.T  # symmetric, sigma_max = 0.6, Frobenius 0.95
    spread = Q @ np.diag([0.95, 0.9, 0.5, 0.5, 0.3, 0.3]) @ Q.T  # sigma_max 0.95, Frobenius 1.63
    return [
        (non_normal, "linear"),
        (non_normal, "tanh"),
        (negative, "linear"),
        (rotation, "linear"),
        (1.2 * Q, "tanh"),
        (3.0 * Q, "sigmoid"),
        (spread, "tanh"),
        (5.0 * Q, "sigmoid"),
        (small, "linear"),
        (diffuse, "linear"),
        (2.0 * small, "sigmoid"),
    ]


_REGIME_HINTS = {
    "sigma_linear": "decides a linear recurrence by the largest singular value; its long run is decided by the "
                    "spectral radius max|lambda_i| (a non-normal matrix can have sigma_max > 1 > rho)",
    "rho_nonlinear": "uses the spectral radius for a tanh/sigmoid unit; the sufficient condition for vanishing is "
                     "gamma * sigma_max < 1, with the largest singular value",
    "no_gamma": "forgets gamma: the sigmoid's derivative is at most 1/4, so the condition is sigma_max < 4",
    "sufficient": "predicts 'explodes' for a tanh/sigmoid unit with gamma * sigma_max > 1; that condition is "
                  "necessary, not sufficient: saturation can still make the product vanish ('undecided')",
    "fro": "uses the Frobenius norm (np.linalg.norm's default for a matrix) instead of the largest singular "
           "value np.linalg.norm(W, 2)",
    "no_abs": "takes the largest eigenvalue without its modulus: a negative or complex eigenvalue counts by |lambda|",
}


def _codes(answers):
    return np.array([_REGIMES.index(a) for a in answers], dtype=float)


@_quiet
def check_predict_regime(predict_regime):
    """``predict_regime(W_hh, unit)`` -> "vanishes", "explodes" or "undecided"."""
    cases = _regime_cases()
    got = []
    for W, unit in cases:
        ans = _call(predict_regime, "predict_regime", W.copy(), unit)
        if not isinstance(ans, str):
            fail(f"predict_regime should return one of the strings {_REGIMES}, got {type(ans).__name__}")
        if ans.strip().lower() not in _REGIMES:
            fail(f"predict_regime returned {ans!r}; expected one of {_REGIMES}")
        got.append(ans.strip().lower())
    expected = [_regime(W, unit) for W, unit in cases]
    if got == expected:
        passed("predict_regime")
        return
    wrong = {}
    for key, hint in _REGIME_HINTS.items():
        w = [_regime(W, unit, key) for W, unit in cases]
        if w != expected:
            wrong[hint] = _codes(w)
    hint_if_matches("the predictions", _codes(got), wrong)
    i = next(k for k, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b)
    W, unit = cases[i]
    rho, s_max = np.max(np.abs(np.linalg.eigvals(W))), np.linalg.norm(W, 2)
    fail(f"{sum(a != b for a, b in zip(got, expected, strict=True))} of {len(cases)} predictions are wrong; "
         f"first: a {unit} unit with a {W.shape[0]}x{W.shape[0]} W_hh (spectral radius {rho:.2f}, "
         f"sigma_max {s_max:.2f}): you said {got[i]!r}, expected {expected[i]!r}")


# ---------------------------------------------------------------- 4. the cliff's dE/dw

_CLIFF_CASES = ((5.0, -3.0, 10), (5.0, -2.0, 25), (3.0, -1.0, 7), (5.0, -2.615, 25), (-2.0, 0.5, 6), (4.0, -1.5, 1))


def _cliff_dE_dw(w, b, T, mistake=None):
    """dE/dw of x_t = w sigmoid(x_{t-1}) + b, x_0 = 0.5, E = (sigmoid(x_T) - 0.7)^2 (and named mistakes)."""
    x, r = 0.5, (1.0 if mistake == "r0_one" else 0.0)
    steps = T + {"too_few": -1, "too_many": 1}.get(mistake, 0)
    for _ in range(steps):
        sig = sigmoid(x)
        slope = w * sig * (1.0 - sig)
        if mistake == "plus_one":
            r = slope * r + 1.0
        elif mistake == "no_direct":
            r = slope * r
        elif mistake == "no_sigma_prime":
            r = sig + w * r
        elif mistake == "last_step_only":
            r = sig
        elif mistake == "new_x":
            x_new = w * sig + b
            r = sigmoid(x_new) + w * sigmoid(x_new) * (1 - sigmoid(x_new)) * r
        else:
            r = sig + slope * r
        x = w * sig + b
    y_hat = sigmoid(x)
    dE_dyhat = 2.0 * (0.7 - y_hat) if mistake == "sign" else (y_hat - 0.7) if mistake == "no_two" else 2.0 * (
        y_hat - 0.7)
    if mistake == "no_output_sigma_prime":
        return dE_dyhat * r
    return dE_dyhat * y_hat * (1.0 - y_hat) * r


_CLIFF_HINTS = {
    "plus_one": "adds 1 in the recursion, as for dx_t/db; w enters through w * sigmoid(x_{t-1}), so the direct "
                "term of dx_t/dw is sigmoid(x_{t-1})",
    "no_direct": "drops the direct term: dx_t/dw = sigmoid(x_{t-1}) + w sigmoid'(x_{t-1}) dx_{t-1}/dw",
    "no_sigma_prime": "drops sigmoid'(x_{t-1}) in the recursion: the path through x_{t-1} is "
                      "w * sigmoid'(x_{t-1}) * dx_{t-1}/dw",
    "last_step_only": "treats x_{T-1} as a constant: w also reaches x_T through every earlier step, so dx_t/dw "
                      "must be carried through time",
    "new_x": "evaluates sigmoid and sigmoid' at the new x_t instead of x_{t-1} (update the derivative before x)",
    "no_output_sigma_prime": "forgets sigmoid'(x_T) in dE/dx_T = 2 (sigmoid(x_T) - 0.7) sigmoid'(x_T)",
    "r0_one": "starts from dx_0/dw = 1; x_0 = 0.5 is a constant, so it starts at 0",
    "sign": "has the sign of dE/dŷ flipped: dE/dŷ = 2 (ŷ - 0.7) with ŷ = sigmoid(x_T)",
    "no_two": "drops the factor 2 of d(ŷ - 0.7)^2/dŷ = 2 (ŷ - 0.7)",
    "too_few": "runs one step too few (T - 1 updates; x_T needs T)",
    "too_many": "runs one step too many (T + 1 updates; x_T needs T)",
}


@_quiet
def check_cliff_dE_dw(cliff_dE_dw):
    """``cliff_dE_dw(w, b, T)`` -> dE/dw for x_t = w*sigmoid(x_{t-1}) + b, x_0 = 0.5, E = (sigmoid(x_T) - 0.7)^2."""
    got = np.array([as_float(f"cliff_dE_dw({w}, {b}, {T})", _call(cliff_dE_dw, "cliff_dE_dw", w, b, T))
                    for w, b, T in _CLIFF_CASES])
    expected = np.array([_cliff_dE_dw(w, b, T) for w, b, T in _CLIFF_CASES])
    wrong = {hint: np.array([_cliff_dE_dw(w, b, T, key) for w, b, T in _CLIFF_CASES])
             for key, hint in _CLIFF_HINTS.items()}
    hint_if_matches("dE/dw", got, wrong)
    assert_close("dE/dw", got, expected)
    passed("cliff_dE_dw")


# ---------------------------------------------------------------- 5. adding-problem baselines

def _adding_data(n: int, T: int, seed: int):
    """Adding-problem data in the course's layout: x (T, N, 2) = (value, marker), y (N,)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(T, n))
    markers = np.zeros((T, n))
    half = T // 2
    first, second = rng.integers(0, half, size=n), rng.integers(half, T, size=n)
    cols = np.arange(n)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    return np.stack([values, markers], axis=-1), values[first, cols] + values[second, cols]


def _baselines(x, y, mistake=None):
    """(MSE of predicting 1, MSE of predicting 0.5 + second marked value) and named mistakes."""
    if mistake == "constants":
        return 1.0 / 6.0, 1.0 / 12.0
    T, n = x.shape[0], x.shape[1]
    values, markers = (x[..., 1], x[..., 0]) if mistake == "channels" else (x[..., 0], x[..., 1])
    cols = np.arange(n)
    if mistake == "first":
        pos = np.argmax(markers, axis=0)
    else:
        pos = T - 1 - np.argmax(markers[::-1], axis=0)
    remembered = values[pos, cols]
    offset = 0.0 if mistake == "no_half" else 0.5
    const = float(np.mean(y)) if mistake == "sample_mean" else 1.0
    e1, e2 = (const - y) ** 2, (offset + remembered - y) ** 2
    if mistake == "sum":
        return float(np.sum(e1)), float(np.sum(e2))
    m1, m2 = float(np.mean(e1)), float(np.mean(e2))
    if mistake == "rmse":
        return float(np.sqrt(m1)), float(np.sqrt(m2))
    if mistake == "swapped":
        return m2, m1
    return m1, m2


_ADDING_HINTS = {
    "constants": "returns the population values 1/6 and 1/12; measure the two MSEs on the x and y you are given",
    "first": "remembers the *first* marked value (np.argmax finds the first 1); the second marker is the one in "
             "the second half of the sequence",
    "no_half": "predicts U_2 alone; the best guess for the forgotten U_1 is its mean, so predict 0.5 + U_2",
    "sample_mean": "predicts the sample mean of y; the first baseline is the constant prediction 1",
    "rmse": "returns the root of the mean squared error; return the MSE itself",
    "sum": "sums the squared errors; the MSE is their mean over the N sequences",
    "channels": "swaps the channels: x[..., 0] is the value and x[..., 1] the marker",
    "swapped": "returns the two MSEs in the wrong order: (predict 1, predict 0.5 + U_2)",
}


@_quiet
def check_adding_baselines(adding_baselines):
    """``adding_baselines(x, y)`` -> (MSE of predicting 1, MSE of predicting 0.5 + second marked value)."""
    for n, T, seed in ((400, 9, 11), (300, 20, 12), (64, 3, 13)):
        x, y = _adding_data(n, T, seed)
        res = _call(adding_baselines, "adding_baselines", x, y)
        if res is None:
            fail("adding_baselines returned None: did you forget a `return` statement?")
        if not isinstance(res, (tuple, list)) or len(res) != 2:
            fail(f"adding_baselines should return a pair (mse_mean, mse_second), got {type(res).__name__}")
        got = np.array([as_float("mse_mean", res[0]), as_float("mse_second", res[1])])
        expected = np.array(_baselines(x, y))
        wrong = {hint: np.array(_baselines(x, y, key)) for key, hint in _ADDING_HINTS.items()}
        wrong = {h: v for h, v in wrong.items() if not is_close(v, expected, rtol=1e-9)}
        hint_if_matches(f"the baselines on data with T = {T}, N = {n}", got, wrong, rtol=1e-9)
        assert_close(f"the baselines on data with T = {T}, N = {n}", got, expected, rtol=1e-9)
    passed("adding_baselines")


# ---------------------------------------------------------------- 6. the critical gain (challenge)

def _median_norm(g, Qs, us, mistake=None):
    norms = []
    for Q, u in zip(Qs, us, strict=True):
        W = g * (Q.T if mistake == "transposed" else Q)
        H = W.shape[0]
        hs = [np.zeros(H)]
        for u_t in u:
            hs.append(np.tanh(W @ hs[-1] + u_t))
        T = len(u)
        J = np.eye(H)
        last = 1 if mistake == "one_short" else 0
        for t in range(T, last, -1):
            if mistake == "linear":
                d = np.ones(H)
            elif mistake == "h_prev":
                d = 1.0 - hs[t - 1] ** 2
            else:
                d = 1.0 - hs[t] ** 2
            J = J @ (d[:, None] * W)
        norms.append(np.linalg.norm(J, "fro" if mistake == "fro" else 2))
    return float(np.mean(norms)) if mistake == "mean" else float(np.median(norms))


def _critical_gain(Qs, us, mistake=None, lo=1.0, hi=4.0, tol=1e-6):
    if _median_norm(lo, Qs, us, mistake) >= 1.0:
        return lo
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if _median_norm(mid, Qs, us, mistake) < 1.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _gain_data(n_draws: int, H: int, T: int, std: float, seed: int):
    rng = np.random.default_rng(seed)
    Qs, us = [], []
    for _ in range(n_draws):
        Q, R = np.linalg.qr(rng.standard_normal((H, H)))
        Qs.append(Q * np.sign(np.diag(R)))
        us.append(std * rng.standard_normal((T, H)))
    return Qs, us


_GAIN_HINTS = {
    "mean": "averages the norms over the draws; the measurement asks for the median, which one extreme draw "
            "cannot move",
    "fro": "uses the Frobenius norm instead of the spectral norm np.linalg.norm(J, 2)",
    "linear": "leaves out tanh' = 1 - h_t^2 in the Jacobian factors: without it the critical gain is 1",
    "h_prev": "uses tanh' of the wrong step: dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh uses h_t, not h_{t-1}",
    "one_short": "multiplies T - 1 Jacobian factors; dh_T/dh_0 has T of them (t = T, ..., 1)",
    "transposed": "uses Q transposed: W_hh = g * Qs[i]",
}


@_quiet
def check_critical_gain(critical_gain):
    """``critical_gain(Qs, us)`` -> the gain g in [1, 4] where the median ||dh_T/dh_0||_2 over the draws is 1."""
    for n_draws, H, T, std, seed in ((5, 10, 30, 0.7, 21), (7, 8, 40, 0.3, 22)):
        Qs, us = _gain_data(n_draws, H, T, std, seed)
        got = as_float("critical gain", _call(critical_gain, "critical_gain", Qs, us))
        expected = _critical_gain(Qs, us)
        where = f"on {n_draws} draws with H = {H}, T = {T}, input std {std}"
        if abs(got - expected) <= 3e-4:
            continue
        for key, hint in _GAIN_HINTS.items():
            if abs(got - _critical_gain(Qs, us, key)) <= 3e-4:
                fail(f"critical gain {where} is wrong: it looks like your code {hint}")
        if not 1.0 <= got <= 4.0:
            fail(f"critical gain {where}: got {got:.4f}, outside the search interval [1, 4]")
        m = _median_norm(got, Qs, us)
        side = "below" if m < 1 else "above"
        fail(f"critical gain {where} is off by more than 3e-4: at your g = {got:.4f} the median norm is "
             f"{m:.3g}, {side} 1 (bisect until the interval is shorter than tol)")
    passed("critical_gain")
