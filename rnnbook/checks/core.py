"""The building blocks every exercise check uses.

A chapter's check module looks like this::

    from .core import CheckFailed, as_array, assert_shape, assert_close, hint_if_matches, passed, call

    def check_rnn_cell_forward(rnn_cell_forward):
        x, h_prev, W_xh, W_hh, b = _inputs()
        got = call(rnn_cell_forward, x, h_prev, W_xh, W_hh, b)       # refuses in-place mutation
        got = as_array("h_next", got)                                 # None, lists of junk, NaN -> one line
        assert_shape("h_next", got, (N, H), "(N, H)")                # symbolic shape
        hint_if_matches("h_next", got, {"ignores the bias b": ...})  # targeted hints
        assert_close("h_next", got, expected)                         # assert_allclose, first bad index
        passed("rnn_cell_forward")

Only numpy is used here, so the checks run wherever a student runs the notebook.
"""

from __future__ import annotations

import copy
import sys

import numpy as np

__all__ = [
    "CheckFailed",
    "fail",
    "as_array",
    "as_float",
    "assert_shape",
    "assert_close",
    "is_close",
    "hint_if_matches",
    "call",
    "passed",
    "rel_error",
]


class CheckFailed(AssertionError):
    """A check found a problem. The message is the feedback for the student."""

    def _render_traceback_(self):
        # IPython calls this instead of printing a traceback: the student sees one line.
        return [f"\x1b[31mCheckFailed\x1b[0m: {self}"]


def fail(message: str):
    """Stop the check with ``message`` as the student's feedback."""
    __tracebackhide__ = True
    raise CheckFailed(message)


def as_array(name: str, value, *, allow_nan: bool = False) -> np.ndarray:
    """Turn a student's answer into a float ndarray, or fail with one clear line."""
    __tracebackhide__ = True
    if value is None:
        fail(f"{name} is None: did you forget a `return` statement?")
    if isinstance(value, tuple) and len(value) > 1:
        fail(f"{name} is a tuple of {len(value)} items; expected a single numpy array")
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fail(f"{name} should be a numpy array of numbers, got {type(value).__name__}")
    if not allow_nan and not np.all(np.isfinite(arr)):
        n_bad = int(np.sum(~np.isfinite(arr)))
        fail(f"{name} contains {n_bad} NaN or infinite value(s)")
    return arr


def as_float(name: str, value) -> float:
    """Turn a student's scalar answer into a float, or fail with one clear line."""
    __tracebackhide__ = True
    arr = as_array(name, value)
    if arr.size != 1:
        fail(f"{name} should be a single number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def assert_shape(name: str, arr: np.ndarray, shape: tuple, symbolic: str) -> None:
    """Fail unless ``arr.shape == shape``; name the expected shape symbolically."""
    __tracebackhide__ = True
    if tuple(arr.shape) != tuple(shape):
        hint = ""
        if tuple(arr.shape) == tuple(reversed(shape)) and len(shape) == 2 and shape[0] != shape[1]:
            hint = " (it looks transposed)"
        fail(f"{name} has shape {tuple(arr.shape)}; expected {symbolic} = {tuple(shape)}{hint}")


def rel_error(x, y) -> float:
    """CS231n's relative error: max |x - y| / max(1e-8, |x| + |y|)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def is_close(got, expected, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """Elementwise closeness of two arrays *of the same shape* (never broadcasts)."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return False
    try:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    except AssertionError:
        return False
    return True


def assert_close(name: str, got, expected, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Compare values with ``np.testing.assert_allclose``; report the first difference."""
    __tracebackhide__ = True
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:  # callers check shapes first; this is a safety net
        fail(f"{name} has shape {got.shape}; expected {expected.shape}")
    try:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    except AssertionError:
        bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if got.ndim else ()
        where = f" at index {idx}" if idx else ""
        n_bad, n = int(bad.sum()), max(got.size, 1)
        fail(
            f"{name} has wrong values: {n_bad} of {n} differ; first{where}: "
            f"got {got[idx]:.6g}, expected {expected[idx]:.6g}"
        )


def hint_if_matches(name: str, got, wrong_answers: dict, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Fail with a targeted hint when ``got`` equals a known wrong answer.

    ``wrong_answers`` maps a hint ("ignores the bias b") to the value a student
    with that mistake would produce.  Call this *after* the shape check and
    *before* :func:`assert_close`, with wrong answers that differ from the
    right one on the inputs used.
    """
    __tracebackhide__ = True
    for hint, wrong in wrong_answers.items():
        if is_close(got, wrong, rtol=rtol, atol=atol):
            fail(f"{name} is wrong: it looks like your code {hint}")


def call(fn, *args, fn_name: str | None = None, **kwargs):
    """Call a student's function on copies of ``args``; fail if it mutates an input in place.

    ``NotImplementedError`` (an exercise not done yet) and the student's own
    exceptions propagate unchanged: their traceback points at the student's code.
    """
    __tracebackhide__ = True
    fn_name = fn_name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        fail(f"expected a function, got {type(fn).__name__}")
    originals = copy.deepcopy(args), copy.deepcopy(kwargs)
    try:
        result = fn(*args, **kwargs)
    except ValueError as exc:
        # numpy's matmul/broadcast errors are cryptic; name the likely cause in one line.
        msg = str(exc)
        if "matmul" in msg or "not aligned" in msg or "could not be broadcast" in msg:
            shapes = ", ".join(f"{type(a).__name__}{tuple(a.shape)}" for a in args if isinstance(a, np.ndarray))
            fail(
                f"{fn_name} raised a shape mismatch ({msg.splitlines()[0]}). The inputs have shapes {shapes}: "
                "the batch is in rows, so a weight W of shape (out, in) is applied as `x @ W.T`"
            )
        raise
    for i, (before, after) in enumerate(zip(originals[0], args, strict=True)):
        if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True):
            fail(f"{fn_name} modified its argument #{i + 1} in place; work on a copy (e.g. `x = x.copy()`)")
    for key, before in originals[1].items():
        if isinstance(before, np.ndarray) and not np.array_equal(before, kwargs[key], equal_nan=True):
            fail(f"{fn_name} modified its argument `{key}` in place; work on a copy (e.g. `x = x.copy()`)")
    return result


def passed(what: str) -> None:
    """Print the one-line success message."""
    print(f"✔ {what}: all checks passed.")
    sys.stdout.flush()
