"""The Chapter 1 checks accept the reference solutions and reject each named mistake with a message naming it."""

import math

import numpy as np
import pytest

from rnnbook.checks.ch01 import (
    check_backward_graph,
    check_linear_backward,
    check_numerical_gradient,
    check_shared_weight_backward,
    check_value_mul,
    check_value_tanh,
)
from rnnbook.checks.core import CheckFailed
from rnnbook.checks.reference import finite_difference

# ---------------------------------------------------------------- Exercise 1: backward_graph


def backward_graph(x, y, z):
    """Reference: f = y * tanh(x*y + z)."""
    t = math.tanh(x * y + z)
    df_ds = y * (1 - t**2)
    return df_ds * y, df_ds * x + t, df_ds


def test_backward_graph_accepts_reference(capsys):
    check_backward_graph(backward_graph)
    assert capsys.readouterr().out.strip() == "✔ backward_graph: all checks passed."


def test_backward_graph_accepts_numpy_scalars_and_arrays():
    check_backward_graph(lambda x, y, z: np.array(backward_graph(x, y, z)))
    check_backward_graph(lambda x, y, z: [np.float64(g) for g in backward_graph(x, y, z)])


def _only_tanh_path(x, y, z):
    t = math.tanh(x * y + z)
    df_ds = y * (1 - t**2)
    return df_ds * y, df_ds * x, df_ds


def _only_direct_path(x, y, z):
    t = math.tanh(x * y + z)
    df_ds = y * (1 - t**2)
    return df_ds * y, t, df_ds


def _paths_multiplied(x, y, z):
    t = math.tanh(x * y + z)
    df_ds = y * (1 - t**2)
    return df_ds * y, (df_ds * x) * t, df_ds


def _tanh_as_derivative(x, y, z):
    t = math.tanh(x * y + z)
    df_ds = y * t
    return df_ds * y, df_ds * x + t, df_ds


def _one_minus_s_squared(x, y, z):
    s = x * y + z
    t = math.tanh(s)
    df_ds = y * (1 - s**2)
    return df_ds * y, df_ds * x + t, df_ds


def _no_upstream(x, y, z):
    t = math.tanh(x * y + z)
    df_ds = 1 - t**2
    return df_ds * y, df_ds * x + t, df_ds


def _forgets_du_dx(x, y, z):
    t = math.tanh(x * y + z)
    df_ds = y * (1 - t**2)
    return df_ds, df_ds * x + t, df_ds


def _forgets_du_dy(x, y, z):
    t = math.tanh(x * y + z)
    df_ds = y * (1 - t**2)
    return df_ds * y, df_ds + t, df_ds


def _sech_not_squared(x, y, z):
    t = math.tanh(x * y + z)
    df_ds = y / math.cosh(x * y + z)
    return df_ds * y, df_ds * x + t, df_ds


def _wrong_order(x, y, z):
    dx, dy, dz = backward_graph(x, y, z)
    return dz, dy, dx


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_only_tanh_path, r"only one path for y \(the one through tanh\).*contributions from every path add"),
        (_only_direct_path, r"only one path for y \(the direct one.*contributions from every path add"),
        (_paths_multiplied, "multiplies the two paths' contributions"),
        (_tanh_as_derivative, r"uses tanh\(s\) as the local derivative of tanh"),
        (_one_minus_s_squared, "uses 1 − s² as the local derivative"),
        (_no_upstream, r"forgets the upstream gradient df/dt = y"),
        (_wrong_order, r"returns \(df_dz, df_dy, df_dx\)"),
        (_forgets_du_dx, r"forgets the local derivative ∂u/∂x = y"),
        (_sech_not_squared, r"uses sech\(s\) = 1/cosh\(s\) as the local derivative of tanh"),
        (_forgets_du_dy, r"forgets the local derivative ∂u/∂y = x .* path through tanh"),
        (lambda x, y, z: tuple(g + 0.01 for g in backward_graph(x, y, z)), "wrong values"),
    ],
    ids=["only-tanh-path", "only-direct-path", "paths-multiplied", "tanh-as-derivative", "1-s2", "no-upstream",
         "wrong-order", "forgets-du-dx", "sech-not-squared", "forgets-du-dy", "slightly-off"],
)
def test_backward_graph_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_backward_graph(wrong)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, r"is None: did you forget a `return`"),
        (float("nan"), "got float"),
        ((float("nan"), 1.0, 2.0), "df_dx contains 1 NaN"),
        ("abc", "got str"),
        ((1.0, 2.0), "got 2 item"),
        ((1.0, "b", 2.0), "df_dy should be a numpy array of numbers, got str"),
    ],
    ids=["none", "bare-nan", "nan-item", "string", "two-items", "string-item"],
)
def test_backward_graph_bad_types_give_one_line(answer, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_backward_graph(lambda x, y, z: answer)
    assert "\n" not in str(info.value)


def test_backward_graph_not_callable():
    with pytest.raises(CheckFailed, match="expected a function"):
        check_backward_graph(None)


# ---------------------------------------------------------------- Exercise 2: the Value class


class Value:
    """Reference tiny autodiff (as in the notebook)."""

    def __init__(self, data, children=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = children
        self._op = op

    def __add__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, seen = [], set()

        def build(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def test_value_checks_accept_reference(capsys):
    check_value_mul(Value)
    check_value_tanh(Value)
    assert capsys.readouterr().out.splitlines() == [
        "✔ Value.__mul__: all checks passed.",
        "✔ Value.tanh: all checks passed.",
    ]


def _with_mul(backward):
    """A Value class whose `*` uses ``backward(self, other, out)`` as its backward pass."""

    class WrongMul(Value):
        def __mul__(self, other):
            other = other if isinstance(other, Value) else type(self)(other)
            out = type(self)(self.data * other.data, (self, other), "*")
            out._backward = lambda: backward(self, other, out)
            return out

    return WrongMul


def _mul_overwrite(a, b, out):
    a.grad = b.data * out.grad
    b.grad = a.data * out.grad


def _mul_swapped(a, b, out):
    a.grad += a.data * out.grad
    b.grad += b.data * out.grad


def _mul_no_upstream(a, b, out):
    a.grad += b.data
    b.grad += a.data


class _MulAdds(Value):
    def __mul__(self, other):
        return Value.__add__(self, other)


class _MulNoChildren(Value):
    def __mul__(self, other):
        return type(self)(self.data * other.data)


class _MulReturnsNone(Value):
    def __mul__(self, other):
        Value.__mul__(self, other)


class _MulReturnsFloat(Value):
    def __mul__(self, other):
        return self.data * other.data


class _MulGradNone(Value):
    def __mul__(self, other):
        out = Value.__mul__(self, other)

        def _backward():
            self.grad = None

        out._backward = _backward
        return out


class _MulGradNan(Value):
    def __mul__(self, other):
        out = Value.__mul__(self, other)

        def _backward():
            self.grad += float("nan")

        out._backward = _backward
        return out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_with_mul(_mul_overwrite), r"overwrites \.grad with `=` instead of accumulating with `\+=`.*a \* a"),
        (_with_mul(_mul_swapped), "swaps the operands' gradients"),
        (_with_mul(_mul_no_upstream), "ignores out.grad.*chain rule, case 1"),
        (_MulAdds, "adds instead of multiplying"),
        (_MulNoChildren, "never sends a gradient to a: give the new Value its inputs as children"),
        (_MulReturnsNone, r"a \* b returned None: did you forget `return out`"),
        (_MulReturnsFloat, r"a \* b should return a new Value, got float"),
        (_MulGradNone, r"a.grad is None"),
        (_MulGradNan, r"a.grad contains 1 NaN"),
    ],
    ids=["overwrite", "swapped", "no-upstream", "adds", "no-children", "returns-none", "returns-float", "grad-none",
         "grad-nan"],
)
def test_value_mul_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_value_mul(wrong)
    assert "\n" not in str(info.value)


def _with_tanh(forward, local):
    """A Value class whose tanh computes ``forward(x)`` with local derivative ``local(x, t)`` (+= into .grad)."""

    class WrongTanh(Value):
        def tanh(self):
            t = forward(self.data)
            out = type(self)(t, (self,), "tanh")

            def _backward():
                self.grad += local(self.data, t, out.grad)

            out._backward = _backward
            return out

    return WrongTanh


class _TanhOverwrite(Value):
    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad = (1 - t**2) * out.grad

        out._backward = _backward
        return out


class _TanhNoChildren(Value):
    def tanh(self):
        return type(self)(math.tanh(self.data))


class _TanhBackwardButNoChildren(Value):
    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t)  # _backward is set, but the input is not a child: backward() never goes past out

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out


class _TanhReturnsNone(Value):
    def tanh(self):
        Value.tanh(self)


class _TanhReturnsFloat(Value):
    def tanh(self):
        return math.tanh(self.data)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_with_tanh(math.tanh, lambda x, t, g: t * g), r"uses tanh\(x\) as the local derivative.*1 − tanh²\(x\)"),
        (_with_tanh(math.tanh, lambda x, t, g: (1 - x**2) * g), r"uses 1 − x² \(the input\) as the local derivative"),
        (_with_tanh(math.tanh, lambda x, t, g: (1 - t) * g), r"uses 1 − tanh\(x\) as the local derivative"),
        (_with_tanh(math.tanh, lambda x, t, g: 1 - t**2), "ignores out.grad.*chain rule, case 1"),
        (_with_tanh(lambda x: 1 / (1 + math.exp(-x)), lambda x, t, g: t * (1 - t) * g), "computes the sigmoid"),
        (_with_tanh(lambda x: x, lambda x, t, g: g), "returns the input unchanged"),
        (_TanhOverwrite, r"overwrites \.grad with `=` instead of accumulating with `\+=`.*a.tanh\(\) \+ a"),
        (_TanhNoChildren, "never sends a gradient to a"),
        (_TanhBackwardButNoChildren, r"\(a \+ b\)\.tanh\(\).*does not pass tanh's input as a child"),
        (_TanhReturnsNone, r"a.tanh\(\) returned None"),
        (_TanhReturnsFloat, r"a.tanh\(\) should return a new Value, got float"),
    ],
    ids=["tanh-as-derivative", "1-x2", "1-t", "no-upstream", "sigmoid", "identity", "overwrite", "no-children",
         "backward-but-no-children", "returns-none", "returns-float"],
)
def test_value_tanh_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_value_tanh(wrong)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("check", [check_value_mul, check_value_tanh])
def test_value_checks_want_the_class(check):
    with pytest.raises(CheckFailed, match="expects your Value class itself"):
        check(Value(1.0))


def test_unfinished_value_class_raises_not_implemented():
    class Unfinished(Value):
        def __mul__(self, other):
            raise NotImplementedError()

        def tanh(self):
            raise NotImplementedError()

    for check in (check_value_mul, check_value_tanh):
        with pytest.raises(NotImplementedError):
            check(Unfinished)


# ---------------------------------------------------------------- Exercise 3: numerical_gradient


def numerical_gradient(f, x, eps=1e-5):
    """Reference centred finite differences."""
    return finite_difference(f, x, eps)


def test_numerical_gradient_accepts_reference(capsys):
    check_numerical_gradient(numerical_gradient)
    assert capsys.readouterr().out.strip() == "✔ numerical_gradient: all checks passed."


def test_numerical_gradient_accepts_arithmetic_restore_and_copies():
    def restore_by_arithmetic(f, x, eps=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += eps
            f_plus = f(x)
            x[i] -= 2 * eps
            f_minus = f(x)
            x[i] += eps  # may differ from the original by one rounding error
            grad[i] = (f_plus - f_minus) / (2 * eps)
        return grad

    def with_copies(f, x, eps=1e-5):
        grad = np.zeros(x.shape)
        for i in range(x.size):
            e = np.zeros(x.size)
            e[i] = eps
            e = e.reshape(x.shape)
            grad.flat[i] = (f(x + e) - f(x - e)) / (2 * eps)
        return grad

    check_numerical_gradient(restore_by_arithmetic)
    check_numerical_gradient(with_copies)


def _forward_difference(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    f_0 = f(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += eps
        grad[i] = (f(xp) - f_0) / eps
    return grad


def _forward_difference_half_step(f, x, eps=1e-5):
    # one-sided with a different step: the exact forward-difference answer does not match, the error size does
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += eps / 2
        grad[i] = (f(xp) - f(x)) / (eps / 2)
    return grad


def _backward_difference(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xm = x.copy()
        xm[i] -= eps
        grad[i] = (f(x) - f(xm)) / eps
    return grad


def _sign_flip(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (f(xm) - f(xp)) / (2 * eps)
    return grad


def _second_point_at_x(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += eps
        grad[i] = (f(xp) - f(x)) / (2 * eps)
    return grad


def _divides_by_eps(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (f(xp) - f(xm)) / eps
    return grad


def _no_restore(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += eps
        f_plus = f(x)
        x[i] -= 2 * eps
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _flat(f, x, eps=1e-5):
    return numerical_gradient(f, x, eps).ravel()


def _transposed(f, x, eps=1e-5):
    return numerical_gradient(f, x, eps).T


def _row_at_a_time(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):  # walks the first axis only: x[i] is a whole row
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += eps
        x_minus[i] -= eps
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * eps)
    return grad


def _fixed_step(f, x, eps=1e-5):
    h = 1e-5  # ignores eps
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


def _fixed_other_step(f, x, eps=1e-5):
    h = 1e-4  # ignores eps, and a different constant
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


def _float32(f, x, eps=1e-5):
    x32 = x.astype(np.float32)
    grad = np.zeros_like(x32)
    for i in np.ndindex(x.shape):
        xp, xm = x32.copy(), x32.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (f(xp) - f(xm)) / (2 * eps)
    return grad


def _typo_raises(f, x, eps=1e-5):
    return np.zeros_like(x) + f(x, eps)  # f takes one argument: TypeError inside the student's code


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_forward_difference, r"one-sided \(forward\) difference"),
        (_forward_difference_half_step, r"off by .*about the size of eps.*one-sided difference"),
        (_backward_difference, r"one-sided \(backward\) difference"),
        (_sign_flip, "flips the sign"),
        (_second_point_at_x, "evaluates its second point at x instead of x - eps"),
        (_divides_by_eps, "divides by eps instead of 2 eps"),
        (_no_restore, "changed x in place and did not restore it"),
        (_flat, r"shape \(6,\); expected x.shape = \(2, 3\) \(it has the right number of entries"),
        (_transposed, r"shape \(3, 2\); expected x.shape = \(2, 3\)"),
        (lambda f, x, eps=1e-5: np.zeros((2, 2)), r"shape \(2, 2\); expected x.shape = \(2, 3\)"),
        (_fixed_step, "ignores the argument eps"),
        (_fixed_other_step, "ignores the argument eps"),
        (_row_at_a_time, r"perturbs a whole row x\[i\] at a time.*np.ndindex"),
        (_float32, "float32"),
        (_typo_raises, "raised TypeError"),
        (lambda f, x, eps=1e-5: numerical_gradient(f, x, eps) + 1e-3, "wrong values"),
    ],
    ids=["forward", "forward-half-step", "backward", "sign-flip", "second-point-at-x", "divides-by-eps",
         "no-restore", "flat", "transposed", "wrong-shape", "fixed-step", "fixed-other-step", "row-at-a-time",
         "float32", "raises", "slightly-off"],
)
def test_numerical_gradient_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_numerical_gradient(wrong)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, r"is None: did you forget a `return`"),
        ("abc", "should be a numpy array of numbers, got str"),
        (np.full((2, 3), np.nan), "contains 6 NaN"),
    ],
    ids=["none", "string", "nan"],
)
def test_numerical_gradient_bad_types_give_one_line(answer, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_numerical_gradient(lambda f, x, eps=1e-5: answer)
    assert "\n" not in str(info.value)


def test_numerical_gradient_not_callable():
    with pytest.raises(CheckFailed, match="expected a function"):
        check_numerical_gradient("numerical_gradient")


# ---------------------------------------------------------------- Exercise 4: linear_backward


def linear_backward(dY, X, W):
    return dY @ W, dY.T @ X, dY.sum(axis=0)


def test_linear_backward_accepts_reference_and_einsum(capsys):
    check_linear_backward(linear_backward)
    assert capsys.readouterr().out.strip() == "✔ linear_backward: all checks passed."
    check_linear_backward(lambda dY, X, W: (np.einsum("ni,ij->nj", dY, W), np.einsum("ni,nj->ij", dY, X),
                                            np.einsum("ni->i", dY)))
    check_linear_backward(lambda dY, X, W: [dY @ W, sum(np.outer(dY[n], X[n]) for n in range(len(X))),
                                            np.add.reduce(dY)])


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda dY, X, W: (dY @ W, dY.T @ X, dY.mean(axis=0)), "averages db over the batch instead of summing"),
        (lambda dY, X, W: (dY @ W, dY.T @ X, dY), r"db has shape \(5, 4\) = \(N, D_out\): sum it over the batch"),
        (lambda dY, X, W: (dY @ W, dY.T @ X, dY.sum()), "db is a single number"),
        (lambda dY, X, W: (dY @ W, X.T @ dY, dY.sum(axis=0)), r"dW has shape \(3, 4\) = \(D_in, D_out\): it is "
                                                              "transposed"),
        (lambda dY, X, W: (dY @ W, dY.T @ X / len(X), dY.sum(axis=0)), "divides dW by the batch size"),
        (lambda dY, X, W: (dY @ W, np.outer(dY[0], X[0]), dY.sum(axis=0)), "uses only the first example"),
        (lambda dY, X, W: (dY @ W.T, dY.T @ X, dY.sum(axis=0)), "uses W.T: X-bar = Y-bar W"),
        (lambda dY, X, W: (dY * W, dY.T @ X, dY.sum(axis=0)), r"multiplies elementwise \(\*\) where a matrix "
                                                              r"product \(@\) is needed"),
        (lambda dY, X, W: (dY @ W, dY.T @ X), r"should return the tuple \(dX, dW, db\)"),
        (lambda dY, X, W: None, "returned None"),
        (lambda dY, X, W: (dY @ W + 1e-3, dY.T @ X, dY.sum(axis=0)), "dX has wrong values"),
    ],
    ids=["db-mean", "db-not-summed", "db-scalar", "dW-transposed", "dW-over-N", "first-example-only",
         "dX-uses-W-T", "dX-star", "two-items", "none", "slightly-off"],
)
def test_linear_backward_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_linear_backward(wrong)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------- Exercise 5: shared_weight_backward


def shared_weight_backward(W, x, dy):
    h1 = np.tanh(W @ x)
    y = np.tanh(W @ h1)
    da2 = dy * (1 - y**2)
    dh1 = W.T @ da2
    da1 = dh1 * (1 - h1**2)
    return np.outer(da2, h1) + np.outer(da1, x), W.T @ da1


def test_shared_weight_accepts_reference_and_row_form(capsys):
    check_shared_weight_backward(shared_weight_backward)
    assert capsys.readouterr().out.strip() == "✔ shared_weight_backward: all checks passed."

    def row_form(W, x, dy):  # the same maths with row vectors, as code usually writes it
        h1 = np.tanh(x[None] @ W.T)
        y = np.tanh(h1 @ W.T)
        da2 = dy[None] * (1 - y**2)
        da1 = (da2 @ W) * (1 - h1**2)
        return da2.T @ h1 + da1.T @ x[None], (da1 @ W)[0]

    check_shared_weight_backward(row_form)


def _sw(W, x, dy, outer=True, inner=True, d2=True, d1=True, h_for_outer=True, back=None, flip=False):
    back = W.T if back is None else back
    h1 = np.tanh(W @ x)
    y = np.tanh(W @ h1)
    da2 = dy * (1 - y**2) if d2 else dy
    dh1 = back @ da2
    da1 = dh1 * (1 - h1**2) if d1 else dh1
    dW = np.zeros_like(W)
    if outer:
        dW = dW + (np.outer(h1 if h_for_outer else x, da2) if flip else np.outer(da2, h1 if h_for_outer else x))
    if inner:
        dW = dW + (np.outer(x, da1) if flip else np.outer(da1, x))
    return dW, back @ da1


def _overwrites(W, x, dy):
    h1 = np.tanh(W @ x)
    y = np.tanh(W @ h1)
    da2 = dy * (1 - y**2)
    dW = np.outer(da2, h1)
    da1 = (W.T @ da2) * (1 - h1**2)
    dW = np.outer(da1, x)  # BUG: `=` instead of `+=`
    return dW, W.T @ da1


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_overwrites, r"keeps only the contribution of the inner use .*did you overwrite dW"),
        (lambda W, x, dy: _sw(W, x, dy, inner=False), "keeps only the contribution of the outer use"),
        (lambda W, x, dy: _sw(W, x, dy, d2=False), r"forgets the tanh derivative \(1 - y²\) of the outer tanh"),
        (lambda W, x, dy: _sw(W, x, dy, d1=False), r"forgets the tanh derivative \(1 - h1²\) of the inner tanh"),
        (lambda W, x, dy: _sw(W, x, dy, h_for_outer=False), "uses x instead of h1"),
        (lambda W, x, dy: _sw(W, x, dy, back=W), "through W instead of W.T"),
        (lambda W, x, dy: _sw(W, x, dy, flip=True), "outer products the wrong way round"),
        (lambda W, x, dy: (_sw(W, x, dy)[0], W @ (shared_weight_backward(W, x, dy)[1] * 0 + 1)), "dx has wrong"),
        (lambda W, x, dy: (_sw(W, x, dy)[0][:, :1], _sw(W, x, dy)[1]), r"dW has shape \(4, 1\)"),
        (lambda W, x, dy: _sw(W, x, dy)[0], r"should return the tuple \(dW, dx\)"),
        (lambda W, x, dy: (W @ x).reshape(2, 2), r"should return the tuple \(dW, dx\)"),
    ],
    ids=["overwrites", "outer-only", "no-outer-dtanh", "no-inner-dtanh", "x-for-h1", "W-not-transposed",
         "outer-flipped", "dx-wrong", "dW-column", "dW-only", "junk"],
)
def test_shared_weight_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_shared_weight_backward(wrong)
    assert "\n" not in str(info.value)


def test_shared_weight_error_inside_student_code_is_one_line():
    def typo(W, x, dy):
        return W @ x @ dy @ np.ones((3, 3)), x  # a shape error inside the student's code

    with pytest.raises(CheckFailed) as info:
        check_shared_weight_backward(typo)
    assert "\n" not in str(info.value)
