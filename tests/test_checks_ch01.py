"""The Chapter 1 checks accept the reference solutions and reject each named mistake with a message naming it."""

import math

import numpy as np
import pytest

from rnnbook.checks.ch01 import check_backward_graph, check_grad_check, check_value_mul, check_value_tanh
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


# ---------------------------------------------------------------- Exercise 3: grad_check


def grad_check(f, x, h=1e-5):
    """Reference centred finite differences."""
    return finite_difference(f, x, h)


def test_grad_check_accepts_reference(capsys):
    check_grad_check(grad_check)
    assert capsys.readouterr().out.strip() == "✔ grad_check: all checks passed."


def test_grad_check_accepts_arithmetic_restore_and_copies():
    def restore_by_arithmetic(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += h
            f_plus = f(x)
            x[i] -= 2 * h
            f_minus = f(x)
            x[i] += h  # may differ from the original by one rounding error
            grad[i] = (f_plus - f_minus) / (2 * h)
        return grad

    def with_copies(f, x, h=1e-5):
        grad = np.zeros(x.shape)
        for i in range(x.size):
            e = np.zeros(x.size)
            e[i] = h
            e = e.reshape(x.shape)
            grad.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
        return grad

    check_grad_check(restore_by_arithmetic)
    check_grad_check(with_copies)


def _forward_difference(f, x, h=1e-5):
    grad = np.zeros_like(x)
    f_0 = f(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += h
        grad[i] = (f(xp) - f_0) / h
    return grad


def _forward_difference_half_step(f, x, h=1e-5):
    # one-sided with a different step: the exact forward-difference answer does not match, the error size does
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += h / 2
        grad[i] = (f(xp) - f(x)) / (h / 2)
    return grad


def _backward_difference(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xm = x.copy()
        xm[i] -= h
        grad[i] = (f(x) - f(xm)) / h
    return grad


def _divides_by_h(f, x, h=1e-5):
    return grad_check(f, x, h) * 2


def _no_restore(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _flat(f, x, h=1e-5):
    return grad_check(f, x, h).ravel()


def _transposed(f, x, h=1e-5):
    return grad_check(f, x, h).T


def _row_at_a_time(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):  # walks the first axis only: x[i] is a whole row
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += h
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad


def _fixed_step(f, x, h=1e-5):
    return grad_check(f, x)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_forward_difference, r"one-sided \(forward\) difference"),
        (_forward_difference_half_step, r"off by .*about the size of h.*one-sided difference"),
        (_backward_difference, r"one-sided \(backward\) difference"),
        (_divides_by_h, "divides by h instead of 2h"),
        (_no_restore, "changed x in place and did not restore it"),
        (_flat, r"shape \(6,\); expected x.shape = \(2, 3\) \(it has the right number of entries"),
        (_transposed, r"shape \(3, 2\); expected x.shape = \(2, 3\)"),
        (lambda f, x, h=1e-5: np.zeros((2, 2)), r"shape \(2, 2\); expected x.shape = \(2, 3\)"),
        (_fixed_step, "ignores its argument h"),
        (_row_at_a_time, r"perturbs a whole row x\[i\] at a time.*np.ndindex"),
        (lambda f, x, h=1e-5: grad_check(f, x, h) + 1e-3, "wrong values"),
    ],
    ids=["forward", "forward-half-step", "backward", "divides-by-h", "no-restore", "flat", "transposed",
         "wrong-shape", "fixed-step", "row-at-a-time", "slightly-off"],
)
def test_grad_check_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_grad_check(wrong)
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
def test_grad_check_bad_types_give_one_line(answer, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_grad_check(lambda f, x, h=1e-5: answer)
    assert "\n" not in str(info.value)


def test_grad_check_not_callable():
    with pytest.raises(CheckFailed, match="expected a function"):
        check_grad_check("grad_check")
