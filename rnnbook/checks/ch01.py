"""Checks for the exercises of Chapter 1 (computation graphs and backpropagation).

    from rnnbook.checks.ch01 import check_backward_graph, check_value_mul, check_value_tanh, check_grad_check

    check_backward_graph(backward_graph)   # gradients of f = y * tanh(x*y + z) by hand
    check_value_mul(Value)                 # your Value class: the backward pass of `*`
    check_value_tanh(Value)                # your Value class: the backward pass of `tanh`
    check_grad_check(grad_check)           # a centred finite-difference gradient

The two ``Value`` checks take the student's *class* and build small graphs with it.  Each
graph is chosen so that one typical mistake gives a wrong number on it while the others
do not, so the feedback can name the mistake.  Only numpy is used.
"""

from __future__ import annotations

import numpy as np

from .core import as_array, as_float, assert_close, assert_shape, fail, hint_if_matches, is_close, passed
from .reference import finite_difference as _difference

__all__ = ["check_backward_graph", "check_value_mul", "check_value_tanh", "check_grad_check"]


# --------------------------------------------------------------------------------------------
# Exercise 1: the backward pass of f(x, y, z) = y * tanh(x*y + z) by hand.
#   u = x*y,  s = u + z,  t = tanh(s),  f = y * t.   y reaches f along two paths.
# --------------------------------------------------------------------------------------------

_GRAPH_POINTS = [(0.5, -1.2, 0.3), (-0.8, 0.9, -0.4), (1.3, 0.6, -1.1)]
_GRAD_NAME = "the gradient (df_dx, df_dy, df_dz)"


def graph_gradients(x: float, y: float, z: float, *, dtanh=None, upstream=None, dy_paths="both"):
    """The reference gradients of f = y*tanh(x*y + z), or a known wrong variant of them."""
    t = np.tanh(x * y + z)
    local = (1.0 - t**2) if dtanh is None else dtanh(t, x * y + z)
    df_dt = y if upstream is None else upstream
    df_ds = df_dt * local
    through_tanh, direct = df_ds * x, t
    df_dy = {"both": through_tanh + direct, "tanh": through_tanh, "direct": direct}[dy_paths]
    return np.array([df_ds * y, df_dy, df_ds])


def _graph_wrong_answers(x, y, z):
    right = graph_gradients(x, y, z)
    return {
        "counts only one path for y (the one through tanh): y reaches f along two paths, "
        "f = y·t and t = tanh(x·y + z); contributions from every path add": graph_gradients(x, y, z, dy_paths="tanh"),
        "counts only one path for y (the direct one, f = y·t): y also reaches f through t = tanh(x·y + z); "
        "contributions from every path add": graph_gradients(x, y, z, dy_paths="direct"),
        "multiplies the two paths' contributions to df_dy; contributions from every path add": np.array(
            [right[0], (right[1] - np.tanh(x * y + z)) * np.tanh(x * y + z), right[2]]
        ),
        "uses tanh(s) as the local derivative of tanh; d tanh(s)/ds = 1 − tanh²(s)": graph_gradients(
            x, y, z, dtanh=lambda t, s: t
        ),
        "uses 1 − s² as the local derivative of tanh; d tanh(s)/ds = 1 − tanh²(s)": graph_gradients(
            x, y, z, dtanh=lambda t, s: 1.0 - s**2
        ),
        "uses sech(s) = 1/cosh(s) as the local derivative of tanh; it is sech²(s) = 1 − tanh²(s)": graph_gradients(
            x, y, z, dtanh=lambda t, s: 1.0 / np.cosh(s)
        ),
        "forgets the upstream gradient df/dt = y on the way into tanh (chain rule, case 1)": graph_gradients(
            x, y, z, upstream=1.0
        ),
        "forgets the local derivative ∂u/∂x = y of u = x·y (df_dx = df_ds · y)": np.array(
            [right[2], right[1], right[2]]
        ),
        "forgets the local derivative ∂u/∂y = x of u = x·y on y's path through tanh (df_dy = t + df_ds · x)": np.array(
            [right[0], right[2] + np.tanh(x * y + z), right[2]]
        ),
        "returns (df_dz, df_dy, df_dx); return them in the order (df_dx, df_dy, df_dz)": right[[2, 1, 0]],
        "returns (df_dy, df_dx, df_dz); return them in the order (df_dx, df_dy, df_dz)": right[[1, 0, 2]],
        "returns (df_dx, df_dz, df_dy); return them in the order (df_dx, df_dy, df_dz)": right[[0, 2, 1]],
    }


def _as_three_numbers(got) -> np.ndarray:
    __tracebackhide__ = True
    if got is None:
        fail(f"{_GRAD_NAME} is None: did you forget a `return` statement?")
    if not isinstance(got, (tuple, list, np.ndarray)):
        fail(f"backward_graph should return three numbers (df_dx, df_dy, df_dz), got {type(got).__name__}")
    if len(got) != 3:
        fail(f"backward_graph should return three numbers (df_dx, df_dy, df_dz), got {len(got)} item(s)")
    return np.array([as_float(name, g) for name, g in zip(("df_dx", "df_dy", "df_dz"), got, strict=True)])


def check_backward_graph(backward_graph) -> None:
    """Exercise 1: ``backward_graph(x, y, z)`` returns (df/dx, df/dy, df/dz) of f = y*tanh(x*y + z)."""
    __tracebackhide__ = True
    if not callable(backward_graph):
        fail(f"expected a function, got {type(backward_graph).__name__}")
    for x, y, z in _GRAPH_POINTS:
        got = _as_three_numbers(backward_graph(x, y, z))
        hint_if_matches(_GRAD_NAME, got, _graph_wrong_answers(x, y, z))
        assert_close(f"{_GRAD_NAME} at (x, y, z) = ({x}, {y}, {z})", got, graph_gradients(x, y, z))
    passed("backward_graph")


# --------------------------------------------------------------------------------------------
# Exercise 2: the backward pass of `*` and `tanh` in the tiny autodiff.
# --------------------------------------------------------------------------------------------


def _value_result(what: str, out, Value):
    __tracebackhide__ = True
    if out is None:
        fail(f"{what} returned None: did you forget `return out`?")
    if not isinstance(out, Value):
        fail(f"{what} should return a new Value, got {type(out).__name__}")
    return out


def _number(what: str, value) -> float:
    __tracebackhide__ = True
    if value is None:
        fail(f"{what} is None; it should be a number")
    return as_float(what, value)


def _expect(what: str, got: float, expected: float, wrong: dict) -> None:
    __tracebackhide__ = True
    hint_if_matches(what, got, wrong)
    assert_close(what, got, expected)


def _backward_never_reached(name: str) -> dict:
    return {
        f"never sends a gradient to {name}: give the new Value its inputs as children and set `out._backward`": 0.0
    }


def check_value_mul(Value) -> None:
    """Exercise 2a: ``Value.__mul__`` computes a*b and its backward pass accumulates b·out.grad into a.grad."""
    __tracebackhide__ = True
    if not isinstance(Value, type):
        fail(f"check_value_mul expects your Value class itself, got {type(Value).__name__}")

    # 1. a*b with a != b: the forward value, and which operand gets which gradient.
    a, b = Value(2.0), Value(-3.0)
    out = _value_result("a * b", a * b, Value)
    _expect("(a * b).data", _number("(a * b).data", out.data), -6.0, {"adds instead of multiplying": -1.0})
    out.backward()
    swapped = "swaps the operands' gradients: ∂(a·b)/∂a = b, so a.grad gets b.data * out.grad (and b.grad gets a.data)"
    _expect("a.grad for out = a * b", _number("a.grad", a.grad), -3.0, {swapped: 2.0, **_backward_never_reached("a")})
    _expect("b.grad for out = a * b", _number("b.grad", b.grad), 2.0, {swapped: -3.0, **_backward_never_reached("b")})

    # 2. (a*b)*c: the gradient arriving from above is c, not 1.
    a, b, c = Value(2.0), Value(-3.0), Value(4.0)
    out = _value_result("(a * b) * c", (a * b) * c, Value)
    out.backward()
    ignores = "ignores out.grad: multiply the local derivative by the gradient arriving from above (chain rule, case 1)"
    _expect("a.grad for out = (a * b) * c", _number("a.grad", a.grad), -12.0, {ignores: -3.0})
    _expect("b.grad for out = (a * b) * c", _number("b.grad", b.grad), 8.0, {ignores: 2.0})
    _expect("c.grad for out = (a * b) * c", _number("c.grad", c.grad), -6.0, {})

    # 3. a*a: one node used twice, so its two contributions must add.
    a = Value(3.0)
    out = _value_result("a * a", a * a, Value)
    out.backward()
    overwrite = (
        "overwrites .grad with `=` instead of accumulating with `+=`: in a * a the node a is used twice, "
        "and the contributions of both uses add"
    )
    _expect("a.grad for out = a * a", _number("a.grad", a.grad), 6.0, {overwrite: 3.0})
    passed("Value.__mul__")


def check_value_tanh(Value) -> None:
    """Exercise 2b: ``Value.tanh`` and its backward pass, local derivative 1 − tanh²(x)."""
    __tracebackhide__ = True
    if not isinstance(Value, type):
        fail(f"check_value_tanh expects your Value class itself, got {type(Value).__name__}")
    x = 0.8
    t = float(np.tanh(x))
    dt = 1.0 - t**2

    # 1. tanh alone: the forward value and the local derivative.
    a = Value(x)
    out = _value_result("a.tanh()", a.tanh(), Value)
    _expect(
        "a.tanh().data",
        _number("a.tanh().data", out.data),
        t,
        {"returns the input unchanged": x, "computes the sigmoid instead of tanh": 1.0 / (1.0 + np.exp(-x))},
    )
    out.backward()
    wrong = {
        "uses tanh(x) as the local derivative; d tanh(x)/dx = 1 − tanh²(x)": t,
        "uses 1 − x² (the input) as the local derivative; d tanh(x)/dx = 1 − tanh²(x), computed from the output": (
            1.0 - x**2
        ),
        "uses 1 − tanh(x) as the local derivative; d tanh(x)/dx = 1 − tanh²(x)": 1.0 - t,
        **_backward_never_reached("a"),
    }
    _expect("a.grad for out = a.tanh()", _number("a.grad", a.grad), dt, wrong)

    # 2. tanh(a) + a: a is used twice; the `+` sends its share first, then tanh's backward must add to it.
    a = Value(x)
    out = a.tanh() + a
    out.backward()
    overwrite = (
        "overwrites .grad with `=` instead of accumulating with `+=`: in a.tanh() + a the node a is used twice, "
        "and the contributions of both uses add"
    )
    _expect("a.grad for out = a.tanh() + a", _number("a.grad", a.grad), dt + 1.0, {overwrite: dt})

    # 3. t + t with t = tanh(a): the gradient arriving at t is 2, not 1.
    a = Value(x)
    th = a.tanh()
    out = th + th
    out.backward()
    ignores = "ignores out.grad: multiply the local derivative by the gradient arriving from above (chain rule, case 1)"
    _expect("a.grad for t = a.tanh(); out = t + t", _number("a.grad", a.grad), 2.0 * dt, {ignores: dt})

    # 4. (a + b).tanh(): the gradient must go on past tanh's input, which needs tanh's input among its children
    #    (backward() only visits nodes it reaches through the children).
    a, b = Value(0.3), Value(0.5)
    out = (a + b).tanh()
    out.backward()
    children = (
        "does not pass tanh's input as a child of the new Value (`Value(t, (self,), 'tanh')`): backward() "
        "reaches a node only through the children, so the gradient stops at a + b"
    )
    _expect("a.grad for out = (a + b).tanh()", _number("a.grad", a.grad), dt, {children: 0.0})
    passed("Value.tanh")


# --------------------------------------------------------------------------------------------
# Exercise 3: a centred finite-difference gradient, grad_check(f, x, h=1e-5).
# --------------------------------------------------------------------------------------------

_X = np.array([[0.3, -1.2, 0.7], [1.5, -0.4, 0.9]])


def _wavy(x):
    """A curved test function: f(x) = sum(sin(x) * x**2)."""
    return float(np.sum(np.sin(x) * x**2))


def _wavy_grad(x):
    return np.cos(x) * x**2 + 2.0 * x * np.sin(x)


def _run_grad_check(grad_check, f, x, *args):
    __tracebackhide__ = True
    x_before = x.copy()
    got = grad_check(f, x, *args)
    if x.shape != x_before.shape or np.max(np.abs(x - x_before)) > 1e-9:
        fail(
            "grad_check changed x in place and did not restore it: after evaluating f at x[i] + h and x[i] - h, "
            "put the old value back (old = x[i]; ...; x[i] = old), or work on x.copy()"
        )
    got = as_array("the numerical gradient", got)
    if got.shape != x.shape and got.size == x.size:
        fail(
            f"the numerical gradient has shape {got.shape}; expected x.shape = {x.shape} "
            "(it has the right number of entries: build it with np.zeros_like(x))"
        )
    assert_shape("the numerical gradient", got, x.shape, "x.shape")
    return got


def check_grad_check(grad_check) -> None:
    """Exercise 3: ``grad_check(f, x, h=1e-5)`` returns the centred-difference gradient of f at x."""
    __tracebackhide__ = True
    if not callable(grad_check):
        fail(f"expected a function, got {type(grad_check).__name__}")
    h = 1e-5
    x = _X.copy()
    got = _run_grad_check(grad_check, _wavy, x)
    centred = _difference(_wavy, _X, h, "centred")
    wrong = {
        "divides by h instead of 2h: the centred difference spans x - h to x + h, a width of 2h": 2.0 * centred,
        "uses a one-sided (forward) difference (f(x + h) - f(x)) / h, whose error is of order h; "
        "use the centred difference (f(x + h) - f(x - h)) / (2h)": _difference(_wavy, _X, h, "forward"),
        "uses a one-sided (backward) difference (f(x) - f(x - h)) / h, whose error is of order h; "
        "use the centred difference (f(x + h) - f(x - h)) / (2h)": _difference(_wavy, _X, h, "backward"),
        "perturbs a whole row x[i] at a time (`for i in range(len(x))` walks only the first axis); "
        "perturb one entry at a time with `for i in np.ndindex(x.shape)`": _difference(_wavy, _X, h, kind="rows"),
    }
    hint_if_matches("the numerical gradient", got, wrong, rtol=1e-7, atol=1e-9)
    exact = _wavy_grad(_X)
    err = float(np.max(np.abs(got - exact)))
    if 1e-7 < err < 100 * h and not is_close(got, exact, rtol=1e-6, atol=1e-8):
        fail(
            f"the numerical gradient is off by {err:.1e}, about the size of h = {h:g}: that is the error of a "
            "one-sided difference; the centred difference (f(x + h) - f(x - h)) / (2h) is accurate to order h²"
        )
    assert_close("the numerical gradient of sum(sin(x) * x**2)", got, exact, rtol=1e-6, atol=1e-8)

    # The step h must be the argument, not a constant: for sum(x**3) the centred difference is 3x² + h² exactly.
    x = _X.copy()
    big_h = 1e-3
    got = _run_grad_check(grad_check, lambda v: float(np.sum(v**3)), x, big_h)
    hint_if_matches(
        "the numerical gradient with h = 1e-3",
        got,
        {"ignores its argument h (it used a fixed step instead)": 3 * _X**2 + h**2},
        rtol=1e-9,
        atol=1e-9,
    )
    assert_close("the numerical gradient of sum(x**3) with h = 1e-3", got, 3 * _X**2 + big_h**2, rtol=1e-8, atol=1e-9)
    passed("grad_check")
