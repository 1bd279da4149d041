"""Each Chapter 5 check accepts the reference solution (and another correct variant) and names each known
mistake.  The wrong answers are hand-written here, not built from the checks' own variants."""

import numpy as np
import pytest

from rnnbook.checks.ch05 import (
    check_adding_baselines,
    check_cliff_dE_dw,
    check_clip_gradients,
    check_critical_gain,
    check_jacobian_norms,
    check_predict_regime,
)
from rnnbook.checks.core import CheckFailed


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------- jacobian_norms

def jacobian_norms(hs, W_hh):
    T = hs.shape[0] - 1
    J = np.eye(W_hh.shape[0])
    norms = np.zeros(T)
    for k in range(1, T + 1):
        t = T - k + 1
        J = J @ (np.diag(1 - hs[t] ** 2) @ W_hh)
        norms[k - 1] = np.linalg.norm(J, 2)
    return norms


def _jn_variant(order="right", factor="h_t", transpose=False, norm=2):
    def f(hs, W_hh):
        W = W_hh.T if transpose else W_hh
        T = hs.shape[0] - 1
        J = np.eye(W.shape[0])
        out = []
        for k in range(1, T + 1):
            t = T - k + 1
            d = {"h_t": 1 - hs[t] ** 2, "h_prev": 1 - hs[t - 1] ** 2, "none": np.ones(W.shape[0])}[factor]
            step = d[:, None] * W
            J = J @ step if order == "right" else step @ J
            out.append(np.linalg.norm(J, norm))
        return np.array(out)

    return f


def test_jacobian_norms_accepts_reference(capsys):
    check_jacobian_norms(jacobian_norms)
    assert "all checks passed" in capsys.readouterr().out


def test_jacobian_norms_also_accepts_the_transposed_gradient_form():
    # W_hh^T D_{k+1} ... W_hh^T D_T is the transpose of the Jacobian: same spectral norm, so it is right.
    def gradient_form(hs, W_hh):
        T = hs.shape[0] - 1
        G = np.eye(W_hh.shape[0])
        out = []
        for k in range(1, T + 1):
            G = (W_hh.T * (1 - hs[T - k + 1] ** 2)) @ G  # W_hh^T diag(1 - h_t^2), newest on the right
            out.append(np.linalg.norm(G, 2))
        return np.array(out)

    check_jacobian_norms(gradient_form)


def _jn_columns_scaled(hs, W_hh):
    T = hs.shape[0] - 1
    J = np.eye(W_hh.shape[0])
    norms = []
    for k in range(1, T + 1):
        J = J @ ((1 - hs[T - k + 1] ** 2) * W_hh)  # broadcasts along rows: scales the columns
        norms.append(np.linalg.norm(J, 2))
    return np.array(norms)


def _jn_spectral_radius(hs, W_hh):
    T = hs.shape[0] - 1
    J = np.eye(W_hh.shape[0])
    norms = []
    for k in range(1, T + 1):
        J = J @ (np.diag(1 - hs[T - k + 1] ** 2) @ W_hh)
        norms.append(np.max(np.abs(np.linalg.eigvals(J))))
    return np.array(norms)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_jn_variant(order="left"), "wrong order"),
        (_jn_variant(factor="none"), "missing the tanh' factor"),
        (_jn_variant(factor="h_prev"), "tanh' of the wrong step"),
        (_jn_variant(transpose=True), "W_hh transposed"),
        (_jn_variant(norm="fro"), "Frobenius"),
        (lambda hs, W: jacobian_norms(hs, W)[::-1], "reverse order"),
        (_jn_columns_scaled, r"scales the columns of W_hh.*\(1 - h_t\*\*2\)\[:, None\] \* W_hh"),
        (_jn_spectral_radius, r"spectral radius\) instead of the spectral norm"),
        (lambda hs, W: np.concatenate([[1.0], jacobian_norms(hs, W)]), r"shape \(7,\); expected \(T,\)"),
        (lambda hs, W: jacobian_norms(hs, W)[:, None], r"expected \(T,\)"),
        (lambda hs, W: None, "None"),
        (lambda hs, W: jacobian_norms(hs, W) * np.nan, "NaN"),
        (lambda hs, W: 1.1 * jacobian_norms(hs, W), "wrong values"),
    ],
)
def test_jacobian_norms_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_jacobian_norms(wrong)


def test_jacobian_norms_in_place_mutation():
    def mutating(hs, W_hh):
        hs **= 1  # harmless
        hs[0] = 0.0
        return jacobian_norms(hs, W_hh)

    with pytest.raises(CheckFailed, match="in place"):
        check_jacobian_norms(mutating)


# ---------------------------------------------------------------- clip_gradients

def _global(flat, p):
    return np.max(np.abs(flat)) if p == np.inf else np.sum(np.abs(flat) ** p) ** (1 / p)


def clip_gradients(grads, max_norm=None, clip_value=None, norm_type=2.0):
    out = [np.array(g, dtype=float) for g in grads]
    if clip_value is not None:
        out = [np.clip(g, -clip_value, clip_value) for g in out]
    if max_norm is not None:
        total = _global(np.concatenate([g.ravel() for g in out]), norm_type)
        if total > max_norm:
            out = [g * (max_norm / total) for g in out]
    return out


def test_clip_gradients_accepts_reference(capsys):
    check_clip_gradients(clip_gradients)
    assert "all checks passed" in capsys.readouterr().out


def test_clip_gradients_accepts_torch_epsilon_and_linalg_norm():
    def torch_like(grads, max_norm=None, clip_value=None, norm_type=2.0):
        gs = list(grads)
        if clip_value is not None:
            gs = [np.maximum(np.minimum(g, clip_value), -clip_value) for g in gs]
        if max_norm is not None:
            per = [np.linalg.norm(g.ravel(), norm_type) for g in gs]
            total = np.linalg.norm(np.array(per), norm_type)  # the norm of the per-array norms
            coef = min(1.0, max_norm / (total + 1e-6))
            gs = [g * coef for g in gs]
        else:
            gs = [g.copy() for g in gs]
        return gs

    check_clip_gradients(torch_like)


def _wrong_clip(value=None, total=None, per_array=False, order="value_first", scale_up=False):
    """A clipper with one hand-written mistake in the named place."""

    def f(grads, max_norm=None, clip_value=None, norm_type=2.0):
        gs = [g.copy() for g in grads]
        if clip_value is not None and order == "value_first":
            gs = (value or (lambda gs, c: [np.clip(g, -c, c) for g in gs]))(gs, clip_value)
        if max_norm is not None:
            flat = np.concatenate([g.ravel() for g in gs])
            if per_array:
                gs = [g * min(1.0, max_norm / _global(g.ravel(), norm_type)) for g in gs]
            else:
                t = (total or (lambda fl, p: _global(fl, p)))(flat, norm_type)
                if t > max_norm or scale_up:
                    gs = [g * (max_norm / t) for g in gs]
        if clip_value is not None and order == "norm_first":
            gs = [np.clip(g, -clip_value, clip_value) for g in gs]
        return gs

    return f


def _in_place_clip(grads, max_norm=None, clip_value=None, norm_type=2.0):
    if clip_value is not None:
        for g in grads:
            np.clip(g, -clip_value, clip_value, out=g)
    if max_norm is not None:
        total = _global(np.concatenate([g.ravel() for g in grads]), norm_type)
        if total > max_norm:
            for g in grads:
                g *= max_norm / total
    return grads


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_wrong_clip(total=lambda fl, p: np.sum(np.abs(fl))), "L1 norm"),
        (_wrong_clip(total=lambda fl, p: np.sum(fl**2)), r"squared norm sum\(g\*\*2\)"),
        (_wrong_clip(total=lambda fl, p: np.sqrt(np.sum(fl**2))), "ignores norm_type"),
        (_wrong_clip(total=lambda fl, p: np.max(fl) if p == np.inf else _global(fl, p)), r"max\(\|g\|\)"),
        (_wrong_clip(total=lambda fl, p: np.sum(np.abs(fl) ** p) if p != np.inf else np.max(np.abs(fl))),
         "1/p-th root"),
        (_wrong_clip(per_array=True), "by its own norm instead of one global norm"),
        (_wrong_clip(scale_up=True), "scales small gradients up"),
        (_wrong_clip(order="norm_first"), "norm clip before the value clip"),
        (_wrong_clip(value=lambda gs, c: [np.clip(g, c, -c) for g in gs]), "swaps the bounds"),
        (_wrong_clip(value=lambda gs, c: [np.clip(np.abs(g), 0, c) for g in gs]), "loses the sign"),
        (_wrong_clip(value=lambda gs, c: [np.minimum(g, c) for g in gs]), "only from above"),
        (_wrong_clip(value=lambda gs, c: [np.clip(g, 0, c) for g in gs]), "negative entries to 0"),
        (_in_place_clip, "in place"),
        (lambda grads, **kw: None, "None"),
        (lambda grads, **kw: np.concatenate([g.ravel() for g in clip_gradients(grads, **kw)]), "list of 3"),
        (lambda grads, **kw: clip_gradients(grads, **kw)[:2], "returned 2 arrays"),
        (lambda grads, **kw: [g.ravel() for g in clip_gradients(grads, **kw)], "shape"),
        (lambda grads, **kw: [g * np.nan for g in grads], "NaN"),
        (lambda grads, **kw: [1.5 * g for g in clip_gradients(grads, **kw)], "wrong values"),
        (lambda grads, max_norm=None: grads, "TypeError"),
    ],
)
def test_clip_gradients_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_clip_gradients(wrong)


def test_clip_gradients_inverted_factor():
    def inverted(grads, max_norm=None, clip_value=None, norm_type=2.0):
        gs = [np.clip(g, -clip_value, clip_value) if clip_value is not None else g.copy() for g in grads]
        if max_norm is not None:
            t = _global(np.concatenate([g.ravel() for g in gs]), norm_type)
            if t > max_norm:
                gs = [g * t / max_norm for g in gs]
        return gs

    with pytest.raises(CheckFailed, match="inverts the factor"):
        check_clip_gradients(inverted)


# ---------------------------------------------------------------- predict_regime

def predict_regime(W_hh, unit):
    if unit == "linear":
        return "vanishes" if np.max(np.abs(np.linalg.eigvals(W_hh))) < 1 else "explodes"
    gamma = 1.0 if unit == "tanh" else 0.25
    return "vanishes" if gamma * np.linalg.svd(W_hh, compute_uv=False)[0] < 1 else "undecided"


def test_predict_regime_accepts_reference(capsys):
    check_predict_regime(predict_regime)
    assert "all checks passed" in capsys.readouterr().out


def test_predict_regime_accepts_other_spelling():
    def shouty(W, unit):
        return predict_regime(W, unit).upper() + " "

    check_predict_regime(shouty)


def _sigma_linear(W, unit):
    if unit == "linear":
        return "vanishes" if np.linalg.norm(W, 2) < 1 else "explodes"
    return predict_regime(W, unit)


def _rho_tanh(W, unit):
    if unit == "linear":
        return predict_regime(W, unit)
    gamma = 1.0 if unit == "tanh" else 0.25
    return "vanishes" if gamma * np.max(np.abs(np.linalg.eigvals(W))) < 1 else "undecided"


def _no_gamma(W, unit):
    if unit == "linear":
        return predict_regime(W, unit)
    return "vanishes" if np.linalg.norm(W, 2) < 1 else "undecided"


def _sufficient(W, unit):
    ans = predict_regime(W, unit)
    return "explodes" if ans == "undecided" else ans


def _frobenius(W, unit):
    if unit == "linear":
        return predict_regime(W, unit)
    gamma = 1.0 if unit == "tanh" else 0.25
    return "vanishes" if gamma * np.linalg.norm(W) < 1 else "undecided"


def _no_abs(W, unit):
    if unit == "linear":
        return "vanishes" if np.max(np.linalg.eigvals(W).real) < 1 else "explodes"
    return predict_regime(W, unit)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_sigma_linear, "linear recurrence by the largest singular value"),
        (_rho_tanh, "spectral radius for a tanh/sigmoid unit"),
        (_no_gamma, "forgets gamma"),
        (_sufficient, "necessary, not sufficient"),
        (_frobenius, "Frobenius"),
        (_no_abs, "without its modulus"),
        (lambda W, unit: None, "NoneType"),
        (lambda W, unit: "explode", "expected one of"),
        (lambda W, unit: "vanishes", "predictions are wrong"),
        (lambda W, unit: W.sum() > 1, "strings"),
    ],
)
def test_predict_regime_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_predict_regime(wrong)


# ---------------------------------------------------------------- cliff_dE_dw

def cliff_dE_dw(w, b, T):
    x, r = 0.5, 0.0
    for _ in range(T):
        s = sigmoid(x)
        r = s + w * s * (1 - s) * r
        x = w * s + b
    y_hat = sigmoid(x)
    return 2 * (y_hat - 0.7) * y_hat * (1 - y_hat) * r


def test_cliff_dE_dw_reference_matches_finite_differences():
    for w, b, T in ((5.0, -3.0, 10), (3.0, -1.0, 7), (-2.0, 0.5, 6)):
        def E(w_, b=b, T=T):
            x = 0.5
            for _ in range(T):
                x = w_ * sigmoid(x) + b
            return (sigmoid(x) - 0.7) ** 2

        fd = (E(w + 1e-6) - E(w - 1e-6)) / 2e-6
        assert abs(fd - cliff_dE_dw(w, b, T)) <= 1e-7 * max(1.0, abs(fd))


def test_cliff_dE_dw_accepts_reference(capsys):
    check_cliff_dE_dw(cliff_dE_dw)
    assert "all checks passed" in capsys.readouterr().out


def test_cliff_dE_dw_accepts_a_list_of_states():
    def with_history(w, b, T):
        xs, rs = [0.5], [0.0]
        for t in range(1, T + 1):
            s = sigmoid(xs[t - 1])
            xs.append(w * s + b)
            rs.append(s + w * s * (1 - s) * rs[t - 1])
        y_hat = sigmoid(xs[-1])
        return np.float32(2 * (y_hat - 0.7) * y_hat * (1 - y_hat) * rs[-1]).astype(np.float64)

    check_cliff_dE_dw(with_history)


def _cliff_w(step="right", output_prime=True, steps=0, r0=0.0, dE=lambda y: 2 * (y - 0.7)):
    def f(w, b, T):
        x, r = 0.5, r0
        for _ in range(T + steps):
            s = sigmoid(x)
            if step == "plus_one":
                r = w * s * (1 - s) * r + 1.0
            elif step == "no_direct":
                r = w * s * (1 - s) * r
            elif step == "no_prime":
                r = s + w * r
            elif step == "const":
                r = s
            elif step == "new_x":
                x = w * s + b
                r = sigmoid(x) + w * sigmoid(x) * (1 - sigmoid(x)) * r
                continue
            else:
                r = s + w * s * (1 - s) * r
            x = w * s + b
        y = sigmoid(x)
        return dE(y) * (y * (1 - y) if output_prime else 1.0) * r

    return f


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_cliff_w(step="plus_one"), "adds 1 in the recursion, as for dx_t/db"),
        (_cliff_w(step="no_direct"), "drops the direct term"),
        (_cliff_w(step="no_prime"), r"drops sigmoid'\(x_\{t-1\}\)"),
        (_cliff_w(step="const"), r"treats x_\{T-1\} as a constant"),
        (_cliff_w(step="new_x"), "at the new x_t"),
        (_cliff_w(output_prime=False), r"forgets sigmoid'\(x_T\)"),
        (_cliff_w(r0=1.0), "starts from dx_0/dw = 1"),
        (_cliff_w(dE=lambda y: 2 * (0.7 - y)), "sign of dE/dŷ flipped"),
        (_cliff_w(dE=lambda y: y - 0.7), "drops the factor 2"),
        (_cliff_w(steps=-1), "one step too few"),
        (_cliff_w(steps=1), "one step too many"),
        (lambda w, b, T: None, "None"),
        (lambda w, b, T: float("nan"), "NaN"),
        (lambda w, b, T: np.array([1.0, 2.0]), "single number"),
        (lambda w, b, T: 1.01 * cliff_dE_dw(w, b, T), "wrong values"),
        (lambda w, b, T: [][0], "IndexError"),
    ],
)
def test_cliff_dE_dw_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_cliff_dE_dw(wrong)


# ---------------------------------------------------------------- adding_baselines

def adding_baselines(x, y):
    T = x.shape[0]
    second = np.sum((x[..., 0] * x[..., 1])[T // 2:], axis=0)
    return float(np.mean((1.0 - y) ** 2)), float(np.mean((0.5 + second - y) ** 2))


def test_adding_baselines_accepts_reference(capsys):
    check_adding_baselines(adding_baselines)
    assert "all checks passed" in capsys.readouterr().out


def test_adding_baselines_accepts_last_marker_and_numpy_scalars():
    def last_marker(x, y):
        T, N, _ = x.shape
        pos = np.array([np.flatnonzero(x[:, n, 1])[-1] for n in range(N)])
        second = x[pos, np.arange(N), 0]
        return np.mean((y - 1) ** 2), np.mean((y - second - 0.5) ** 2)

    check_adding_baselines(last_marker)


def _first_marker(x, y):
    pos = np.argmax(x[:, :, 1], axis=0)
    v = x[pos, np.arange(x.shape[1]), 0]
    return float(np.mean((1 - y) ** 2)), float(np.mean((0.5 + v - y) ** 2))


def _no_half(x, y):
    T = x.shape[0]
    second = np.sum((x[..., 0] * x[..., 1])[T // 2:], axis=0)
    return float(np.mean((1 - y) ** 2)), float(np.mean((second - y) ** 2))


def _rmse(x, y):
    m1, m2 = adding_baselines(x, y)
    return np.sqrt(m1), np.sqrt(m2)


def _channels(x, y):
    T, N, _ = x.shape
    values, markers = x[..., 1], x[..., 0]  # the channels swapped
    pos = T - 1 - np.argmax(markers[::-1], axis=0)  # the last marker
    second = values[pos, np.arange(N)]
    return float(np.mean((1 - y) ** 2)), float(np.mean((0.5 + second - y) ** 2))


def _sum(x, y):
    T = x.shape[0]
    second = np.sum((x[..., 0] * x[..., 1])[T // 2:], axis=0)
    return float(np.sum((1 - y) ** 2)), float(np.sum((0.5 + second - y) ** 2))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda x, y: (1 / 6, 1 / 12), "population values 1/6 and 1/12"),
        (_first_marker, "remembers the \\*first\\* marked value"),
        (_no_half, "predicts U_2 alone"),
        (lambda x, y: (float(np.var(y)), adding_baselines(x, y)[1]), "sample mean of y"),
        (_rmse, "root of the mean squared error"),
        (_sum, "sums the squared errors"),
        (_channels, "swaps the channels"),
        (lambda x, y: adding_baselines(x, y)[::-1], "wrong order"),
        (lambda x, y: None, "None"),
        (lambda x, y: np.mean((1 - y) ** 2), "pair"),
        (lambda x, y: (0.2, float("nan")), "NaN"),
        (lambda x, y: (adding_baselines(x, y)[0], 0.1), "wrong values"),
    ],
)
def test_adding_baselines_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_adding_baselines(wrong)


# ---------------------------------------------------------------- critical_gain

def _norms(g, Qs, us, factor="h_t", norm=2, skip_last=False, transpose=False):
    out = []
    for Q, u in zip(Qs, us, strict=True):
        W = g * (Q.T if transpose else Q)
        hs = [np.zeros(len(W))]
        for u_t in u:
            hs.append(np.tanh(W @ hs[-1] + u_t))
        J = np.eye(len(W))
        for t in range(len(u), 1 if skip_last else 0, -1):
            d = {"h_t": 1 - hs[t] ** 2, "h_prev": 1 - hs[t - 1] ** 2, "none": np.ones(len(W))}[factor]
            J = J @ (d[:, None] * W)
        out.append(np.linalg.norm(J, norm))
    return np.array(out)


def _bisect(stat, lo=1.0, hi=4.0):
    while hi - lo > 1e-7:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if stat(mid) < 1 else (lo, mid)
    return 0.5 * (lo + hi)


def critical_gain(Qs, us):
    return _bisect(lambda g: np.median(_norms(g, Qs, us)))


def test_critical_gain_accepts_reference(capsys):
    check_critical_gain(critical_gain)
    assert "all checks passed" in capsys.readouterr().out


def test_critical_gain_accepts_a_log_rate_and_brent_style_search():
    def log_rate(Qs, us):
        T = us[0].shape[0]

        def stat(g):  # median per-step rate: crosses 1 where the median norm does (odd number of draws)
            return np.median(_norms(g, Qs, us) ** (1 / T))

        grid = np.linspace(1.0, 4.0, 61)
        i = int(np.argmax([stat(g) >= 1 for g in grid]))
        return _bisect(stat, grid[i - 1], grid[i])

    check_critical_gain(log_rate)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda Qs, us: _bisect(lambda g: np.mean(_norms(g, Qs, us))), "median"),
        (lambda Qs, us: _bisect(lambda g: np.median(_norms(g, Qs, us, norm="fro"))), "Frobenius"),
        (lambda Qs, us: _bisect(lambda g: np.median(_norms(g, Qs, us, factor="none"))), "leaves out tanh'"),
        (lambda Qs, us: _bisect(lambda g: np.median(_norms(g, Qs, us, factor="h_prev"))), "wrong step"),
        (lambda Qs, us: _bisect(lambda g: np.median(_norms(g, Qs, us, skip_last=True))), "T - 1 Jacobian"),
        (lambda Qs, us: _bisect(lambda g: np.median(_norms(g, Qs, us, transpose=True))), "Q transposed"),
        (lambda Qs, us: 1.49, "off by more than"),
        (lambda Qs, us: 7.0, "outside the search interval"),
        (lambda Qs, us: round(critical_gain(Qs, us), 2), "off by more than"),
        (lambda Qs, us: None, "None"),
        (lambda Qs, us: Qs[0] @ us[0], "raised a shape mismatch"),
        (lambda Qs, us: float(us), "raised TypeError"),
    ],
)
def test_critical_gain_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_critical_gain(wrong)


def test_checks_print_no_warnings(recwarn):
    with pytest.raises(CheckFailed):
        check_cliff_dE_dw(lambda w, b, T: np.exp(1000.0) * 0 + np.float64(1e308) * 10)
    with pytest.raises(CheckFailed):
        check_critical_gain(lambda Qs, us: np.exp(np.float64(800)))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
