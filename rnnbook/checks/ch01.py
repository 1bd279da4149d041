"""Checks for the exercises of Chapter 1 (computation graphs and backpropagation).

    check_value_mul(Value)                           # your Value class: the backward pass of `*`
    check_value_tanh(Value)                          # your Value class: the backward pass of `tanh`
    check_backward_graph(backward_graph)             # gradients of f = y * tanh(x*y + z) by hand
    check_numerical_gradient(numerical_gradient)     # a centred finite-difference gradient, step eps
    check_linear_backward(linear_backward)           # the backward pass of Y = X W^T + b on a batch
    check_shared_weight_backward(shared_weight_backward)  # y = tanh(W tanh(W x)): W used twice

The two ``Value`` checks take the student's *class* and build small graphs with it.  Each
graph is chosen so that one typical mistake gives a wrong number on it while the others
do not, so the feedback can name the mistake.  Only numpy is used.
"""

from __future__ import annotations

import numpy as np

from .core import as_array, as_float, assert_close, assert_shape, fail, hint_if_matches, is_close, passed
from .reference import finite_difference as _difference
from .safe import one_line_errors, student_call

__all__ = [
    "check_backward_graph",
    "check_value_mul",
    "check_value_tanh",
    "check_numerical_gradient",
    "check_linear_backward",
    "check_shared_weight_backward",
]


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


@one_line_errors
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


@one_line_errors
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


@one_line_errors
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
# Exercise 3: a centred finite-difference gradient, numerical_gradient(f, x, eps=1e-5).
# --------------------------------------------------------------------------------------------

_X = np.array([[0.3, -1.2, 0.7], [1.5, -0.4, 0.9]])


def _wavy(x):
    """A curved test function: f(x) = sum(sin(x) * x**2)."""
    return float(np.sum(np.sin(x) * x**2))


def _wavy_grad(x):
    return np.cos(x) * x**2 + 2.0 * x * np.sin(x)


def _cube(x):
    return float(np.sum(x**3))


def _run_numerical_gradient(numerical_gradient, f, x, *args):
    __tracebackhide__ = True
    x_before = x.copy()
    # called through a closure: restoring x[i] by arithmetic may leave a rounding error, which is fine
    raw = student_call(lambda: numerical_gradient(f, x, *args), what="numerical_gradient")
    if x.shape != x_before.shape or np.max(np.abs(x - x_before)) > 1e-9:
        fail(
            "numerical_gradient changed x in place and did not restore it: after evaluating f at x[i] + eps and "
            "x[i] - eps, put the old value back (old = x[i]; ...; x[i] = old), or work on x.copy()"
        )
    if isinstance(raw, np.ndarray) and raw.dtype == np.float32:
        fail("the numerical gradient is float32: it computes in single precision, whose 7 digits drown a "
             "difference quotient; keep float64 (np.zeros_like(x, dtype=float))")
    got = as_array("the numerical gradient", raw)
    if got.shape != x.shape and got.size == x.size:
        fail(
            f"the numerical gradient has shape {got.shape}; expected x.shape = {x.shape} "
            "(it has the right number of entries: build it with np.zeros_like(x))"
        )
    assert_shape("the numerical gradient", got, x.shape, "x.shape")
    return got


def check_numerical_gradient(numerical_gradient) -> None:
    """Exercise 3: ``numerical_gradient(f, x, eps=1e-5)`` returns the centred-difference gradient of f at x."""
    __tracebackhide__ = True
    if not callable(numerical_gradient):
        fail(f"expected a function, got {type(numerical_gradient).__name__}")
    eps = 1e-5
    got = _run_numerical_gradient(numerical_gradient, _wavy, _X.copy())
    centred = _difference(_wavy, _X, eps, "centred")
    forward = _difference(_wavy, _X, eps, "forward")
    wrong = {
        "flips the sign: the centred difference is (f(x + eps) - f(x - eps)) / (2 eps), "
        "the point above minus the point below": -centred,
        "divides by eps instead of 2 eps: the centred difference spans x - eps to x + eps, a width of 2 eps": (
            2.0 * centred
        ),
        "evaluates its second point at x instead of x - eps, (f(x + eps) - f(x)) / (2 eps): a one-sided "
        "difference in disguise, and half its size": forward / 2.0,
        "uses a one-sided (forward) difference (f(x + eps) - f(x)) / eps, whose error is of order eps; "
        "use the centred difference (f(x + eps) - f(x - eps)) / (2 eps)": forward,
        "uses a one-sided (backward) difference (f(x) - f(x - eps)) / eps, whose error is of order eps; "
        "use the centred difference (f(x + eps) - f(x - eps)) / (2 eps)": _difference(_wavy, _X, eps, "backward"),
        "perturbs a whole row x[i] at a time (`for i in range(len(x))` walks only the first axis); "
        "perturb one entry at a time with `for i in np.ndindex(x.shape)`": _difference(_wavy, _X, eps, kind="rows"),
    }
    hint_if_matches("the numerical gradient", got, wrong, rtol=1e-7, atol=1e-9)
    exact = _wavy_grad(_X)
    err = float(np.max(np.abs(got - exact)))
    if 1e-7 < err < 100 * eps and not is_close(got, exact, rtol=1e-6, atol=1e-8):
        fail(
            f"the numerical gradient is off by {err:.1e}, about the size of eps = {eps:g}: that is the error of a "
            "one-sided difference; the centred difference (f(x + eps) - f(x - eps)) / (2 eps) is accurate to "
            "order eps²"
        )
    assert_close("the numerical gradient of sum(sin(x) * x**2)", got, exact, rtol=1e-6, atol=1e-8)

    # The step must be the argument eps: for sum(x**3) the centred difference is exactly 3x² + eps², so two
    # large steps tell every fixed step apart from the one passed in.
    for big in (1e-3, 1e-2):
        got = _run_numerical_gradient(numerical_gradient, _cube, _X.copy(), big)
        expected = 3 * _X**2 + big**2
        if not is_close(got, expected, rtol=1e-9, atol=1e-9):
            step_sq = float(np.mean(got - 3 * _X**2))
            if is_close(got, 3 * _X**2 + step_sq, rtol=1e-7, atol=1e-9) and abs(step_sq - big**2) > 0.5 * big**2:
                fail(f"the numerical gradient with eps = {big:g} ignores the argument eps: it used a different, "
                     "fixed step; use the eps it is given")
        assert_close(f"the numerical gradient of sum(x**3) with eps = {big:g}", got, expected, rtol=1e-8, atol=1e-9)
    passed("numerical_gradient")


# --------------------------------------------------------------------------------------------
# Exercise 4: the backward pass of a linear layer on a batch, Y = X W^T + b.
# --------------------------------------------------------------------------------------------


def _linear_case(N, D_in, D_out, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D_out)), rng.normal(size=(N, D_in)), rng.normal(size=(D_out, D_in))


def _three(name, result, names):
    __tracebackhide__ = True
    if result is None:
        fail(f"{name} returned None: did you forget a `return` statement?")
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        fail(f"{name} should return the tuple ({', '.join(names)})")
    return [as_array(n, r) for n, r in zip(names, result, strict=True)]


def _linear_wrong(dY, X, W):
    N = X.shape[0]
    return {
        "dX": {"uses W.T: X-bar = Y-bar W (the forward pass multiplies by W.T, the backward by W)": dY @ W.T
               if dY.shape[1] == W.shape[1] else None,
               "multiplies elementwise (*) where a matrix product (@) is needed": dY * W
               if dY.shape == W.shape else None},
        "dW": {"divides dW by the batch size: the loss is a sum over the batch, so the N outer products add":
               dY.T @ X / N,
               "multiplies elementwise (*) where a matrix product (@) is needed": dY * X if dY.shape == X.shape
               else None,
               "uses only the first example: W is shared by all N examples, so their outer products add (case 2)":
               np.outer(dY[0], X[0])},
        "db": {"averages db over the batch instead of summing: each example adds its own Y-bar row (case 2)":
               dY.mean(axis=0)},
    }


def check_linear_backward(linear_backward) -> None:
    """Exercise 4: ``linear_backward(dY, X, W)`` returns ``(dX, dW, db)`` for ``Y = X @ W.T + b``."""
    __tracebackhide__ = True
    if not callable(linear_backward):
        fail(f"expected a function, got {type(linear_backward).__name__}")
    N, D_in, D_out = 5, 3, 4
    for seed in (0, 1):
        dY, X, W = _linear_case(N, D_in, D_out, seed)
        try:
            result = student_call(linear_backward, dY, X, W, what="linear_backward")
        except AssertionError as exc:
            _linear_probe(linear_backward, exc)
            raise
        dX, dW, db = _three("linear_backward", result, ("dX", "dW", "db"))
        assert_shape("dX", dX, (N, D_in), "(N, D_in), the shape of X")
        if dW.shape == (D_in, D_out):
            fail(f"dW has shape {dW.shape} = (D_in, D_out): it is transposed. W is (D_out, D_in), and W-bar has the "
                 "shape of W: dY.T @ X")
        assert_shape("dW", dW, (D_out, D_in), "(D_out, D_in), the shape of W")
        if db.shape == (N, D_out):
            fail(f"db has shape {db.shape} = (N, D_out): sum it over the batch axis; b is shared by the N examples")
        if db.shape == ():
            fail("db is a single number: sum dY over the batch axis only (axis=0), giving (D_out,)")
        assert_shape("db", db, (D_out,), "(D_out,), the shape of b")
        wrong = _linear_wrong(dY, X, W)
        for name, got, expected in (("dX", dX, dY @ W), ("dW", dW, dY.T @ X), ("db", db, dY.sum(axis=0))):
            hint_if_matches(name, got, {k: v for k, v in wrong[name].items() if v is not None})
            assert_close(name, got, expected)
    passed("linear_backward")


def _linear_probe(linear_backward, original) -> None:
    """The main case raised (often a shape mismatch). Re-run with square sizes, where the usual slips run, and
    name the slip if it is a known one; otherwise let the original message stand."""
    __tracebackhide__ = True
    dY, X, W = _linear_case(4, 4, 4, 7)
    try:
        result = student_call(linear_backward, dY, X, W, what="linear_backward")
        dX, dW, db = _three("linear_backward", result, ("dX", "dW", "db"))
    except AssertionError:
        return
    if dX.shape != (4, 4) or dW.shape != (4, 4):
        return
    wrong = _linear_wrong(dY, X, W)
    hint_if_matches("dX", dX, {k: v for k, v in wrong["dX"].items() if v is not None})
    hint_if_matches("dW", dW, {k: v for k, v in wrong["dW"].items() if v is not None})
    if is_close(dW, X.T @ dY) and not is_close(dW, dY.T @ X):
        fail("dW is wrong: it looks like your code computes X.T @ dY, the transpose of W-bar = dY.T @ X "
             "(it only had the right shape because the sizes were equal)")


# --------------------------------------------------------------------------------------------
# Exercise 5: a weight used twice, y = tanh(W tanh(W x)).
# --------------------------------------------------------------------------------------------


def shared_weight_reference(W, x, dy, *, outer=True, inner=True, d_outer=True, d_inner=True, h1_for_outer=True,
                            transpose_back=True, transposed_outer=False):
    """dW and dx of y = tanh(W tanh(W x)) (column vectors), or a known wrong variant."""
    h1 = np.tanh(W @ x)
    y = np.tanh(W @ h1)
    da2 = dy * (1 - y**2) if d_outer else dy
    h_in = h1 if h1_for_outer else x
    dW = np.zeros_like(W)
    if outer:
        dW = dW + (np.outer(h_in, da2) if transposed_outer else np.outer(da2, h_in))
    dh1 = (W.T if transpose_back else W) @ da2
    da1 = dh1 * (1 - h1**2) if d_inner else dh1
    if inner:
        dW = dW + (np.outer(x, da1) if transposed_outer else np.outer(da1, x))
    dx = (W.T if transpose_back else W) @ da1
    return dW, dx


def check_shared_weight_backward(shared_weight_backward) -> None:
    """Exercise 5: ``shared_weight_backward(W, x, dy)`` returns ``(dW, dx)`` for y = tanh(W tanh(W x))."""
    __tracebackhide__ = True
    if not callable(shared_weight_backward):
        fail(f"expected a function, got {type(shared_weight_backward).__name__}")
    n = 4
    for seed in (3, 4):
        rng = np.random.default_rng(seed)
        W = rng.normal(0.0, 0.7, size=(n, n))
        x, dy = rng.normal(size=n), rng.normal(size=n)
        result = student_call(shared_weight_backward, W, x, dy, what="shared_weight_backward")
        dW, dx = _three("shared_weight_backward", result, ("dW", "dx"))
        if dW.shape == (n, 1) or dW.shape == (n,):
            fail(f"dW has shape {dW.shape}; expected (n, n), the shape of W: each use adds an outer product")
        assert_shape("dW", dW, (n, n), "(n, n), the shape of W")
        assert_shape("dx", dx, (n,), "(n,), the shape of x")
        right_dW, right_dx = shared_weight_reference(W, x, dy)
        ref = shared_weight_reference
        hint_if_matches("dW", dW, {
            "keeps only the contribution of the outer use (W h1): W is used twice, and the two contributions add "
            "(case 2; did you overwrite dW with `=`?)": ref(W, x, dy, inner=False)[0],
            "keeps only the contribution of the inner use (W x): W is used twice, and the two contributions add "
            "(case 2; did you overwrite dW with `=`?)": ref(W, x, dy, outer=False)[0],
            "forgets the tanh derivative (1 - y²) of the outer tanh": ref(W, x, dy, d_outer=False)[0],
            "forgets the tanh derivative (1 - h1²) of the inner tanh": ref(W, x, dy, d_inner=False)[0],
            "uses x instead of h1 = tanh(W x) in the outer use's outer product: the outer W multiplies h1":
                ref(W, x, dy, h1_for_outer=False)[0],
            "sends the gradient back through W instead of W.T: h1-bar = W.T a2-bar": ref(W, x, dy,
                                                                                    transpose_back=False)[0],
            "writes the outer products the wrong way round, outer(x, a-bar): W-bar = a-bar xᵀ, an (out, in) "
            "matrix like W": ref(W, x, dy, transposed_outer=True)[0],
        })
        assert_close("dW", dW, right_dW)
        hint_if_matches("dx", dx, {
            "sends the gradient back through W instead of W.T: x-bar = W.T a1-bar": ref(W, x, dy,
                                                                                  transpose_back=False)[1],
            "forgets the tanh derivative (1 - h1²) of the inner tanh": ref(W, x, dy, d_inner=False)[1],
        })
        assert_close("dx", dx, right_dx)
    passed("shared_weight_backward")
