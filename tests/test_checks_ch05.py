"""Each Chapter 5 check accepts the reference solution and names each known mistake."""

import numpy as np
import pytest

from rnnbook.checks.ch05 import check_cliff_dE_db, check_clip_grad_norm, check_clip_grad_value, check_jacobian_norms
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


# ---------------------------------------------------------------- clip_grad_norm

def clip_grad_norm(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads]


def test_clip_grad_norm_accepts_reference(capsys):
    check_clip_grad_norm(clip_grad_norm)
    assert "all checks passed" in capsys.readouterr().out


def test_clip_grad_norm_accepts_without_epsilon():
    def no_eps(grads, max_norm):
        total = np.sqrt(sum(np.sum(g**2) for g in grads))
        return [g * min(1.0, max_norm / total) for g in grads]

    check_clip_grad_norm(no_eps)


def _per_element(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads]


def _per_array(grads, max_norm):
    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]


def _always_scale(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * (max_norm / total) for g in grads]


def _in_place(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    for g in grads:
        g *= min(1.0, max_norm / total)
    return grads


def _global_norm(grads):
    return np.sqrt(sum(np.sum(g**2) for g in grads))


def _inverted_factor(grads, max_norm):
    total = _global_norm(grads)
    return [g * (total / max_norm) for g in grads] if total > max_norm else [g.copy() for g in grads]


def _unit_norm(grads, max_norm):
    total = _global_norm(grads)
    return [g / total for g in grads] if total > max_norm else [g.copy() for g in grads]


def _squared_norm(grads, max_norm):
    total = sum(np.sum(g**2) for g in grads)
    return [g * (max_norm / total) for g in grads] if total > max_norm else [g.copy() for g in grads]


def _summed_norms(grads, max_norm):
    total = sum(np.linalg.norm(g) for g in grads)
    return [g * (max_norm / total) for g in grads] if total > max_norm else [g.copy() for g in grads]


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_per_element, "clips each element"),
        (_per_array, "each array's own norm instead of the global norm"),
        (_always_scale, "scales up small gradients"),
        (_in_place, "in place"),
        (_inverted_factor, r"inverts the factor: scale by max_norm / norm"),
        (_unit_norm, "divides by the norm only, which makes the norm 1"),
        (_squared_norm, r"uses the squared norm sum\(g\*\*2\)"),
        (_summed_norms, "adds the arrays' norms"),
        (lambda grads, c: None, "None"),
        (lambda grads, c: np.concatenate([g.ravel() for g in grads]), "list of 3 arrays"),
        (lambda grads, c: clip_grad_norm(grads, c)[:2], "returned 2 arrays"),
        (lambda grads, c: [g.ravel() for g in clip_grad_norm(grads, c)], "shape"),
        (lambda grads, c: [g * np.nan for g in grads], "NaN"),
        (lambda grads, c: [0.5 * g for g in clip_grad_norm(grads, c)], "wrong values"),
    ],
)
def test_clip_grad_norm_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_clip_grad_norm(wrong)


# ---------------------------------------------------------------- clip_grad_value

def clip_grad_value(grads, clip_value):
    return [np.clip(g, -clip_value, clip_value) for g in grads]


def test_clip_grad_value_accepts_reference(capsys):
    check_clip_grad_value(clip_grad_value)
    assert "all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda grads, c: [np.minimum(g, c) for g in grads], "only from above"),
        (clip_grad_norm, "rescales by the global norm"),
        (lambda grads, c: [np.clip(g, 0.0, c) for g in grads], r"clips negative elements to 0"),
        (lambda grads, c: [np.sign(g) * c for g in grads], r"sets every element to ±clip_value"),
        (lambda grads, c: [np.clip(g, -c, c, out=g) for g in grads], "in place"),
        (lambda grads, c: None, "None"),
        (lambda grads, c: [g.T for g in clip_grad_value(grads, c)], "shape"),
    ],
)
def test_clip_grad_value_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_clip_grad_value(wrong)


# ---------------------------------------------------------------- cliff_dE_db

def cliff_dE_db(w, b, T):
    x, dx_db = 0.5, 0.0
    for _ in range(T):
        s = sigmoid(x)
        dx_db = w * s * (1 - s) * dx_db + 1.0
        x = w * s + b
    y = sigmoid(x)
    return 2 * (y - 0.7) * y * (1 - y) * dx_db


def _cliff(update="right", output_prime=True, steps=0, d0=0.0, dE_dy=lambda y: 2 * (y - 0.7)):
    def f(w, b, T):
        x, d = 0.5, d0
        for _ in range(T + steps):
            s = sigmoid(x)
            if update == "no_prime":
                d = w * d + 1.0
            elif update == "const":
                d = 1.0
            elif update == "new_x":
                x = w * s + b
                d = w * sigmoid(x) * (1 - sigmoid(x)) * d + 1.0
                continue
            else:
                d = w * s * (1 - s) * d + 1.0
            x = w * s + b
        y = sigmoid(x)
        return dE_dy(y) * (y * (1 - y) if output_prime else 1.0) * d

    return f


def test_cliff_accepts_reference(capsys):
    check_cliff_dE_db(cliff_dE_db)
    assert "all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_cliff(update="no_prime"), r"drops sigmoid'\(x_\{t-1\}\)"),
        (_cliff(update="const"), "treats x_\\{T-1\\} as a constant"),
        (_cliff(update="new_x"), "at the new x_t"),
        (_cliff(output_prime=False), "forgets sigmoid'\\(x_T\\)"),
        (_cliff(steps=-1), "one step too few"),
        (_cliff(steps=1), "one step too many"),
        (lambda w, b, T: None, "None"),
        (lambda w, b, T: float("nan"), "NaN"),
        (lambda w, b, T: np.array([1.0, 2.0]), "single number"),
        (_cliff(d0=1.0), r"starts from dx_0/db = 1; x_0 = 0.5 is a constant"),
        (_cliff(dE_dy=lambda y: 2 * (0.7 - y)), r"sign of dE/dy flipped"),
        (_cliff(dE_dy=lambda y: y - 0.7), r"drops the factor 2"),
        (lambda w, b, T: 1.01 * cliff_dE_db(w, b, T), "wrong values"),
    ],
)
def test_cliff_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_cliff_dE_db(wrong)
