"""Call a student's function so that whatever goes wrong inside it becomes one line of feedback.

``student_call`` wraps :func:`core.call` (which refuses in-place mutation and explains numpy's matmul errors):
numpy warnings (overflow, invalid values) are silenced, and any exception raised inside the student's code,
other than ``NotImplementedError`` (an exercise not done yet), becomes one ``CheckFailed`` line.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from .core import CheckFailed, call, fail

__all__ = ["call_with_hint", "one_line_errors", "quiet", "student_call"]


def student_call(fn, *args, what: str | None = None, **kwargs):
    """``fn(*args, **kwargs)`` through :func:`core.call`; errors in the student's code become one line."""
    __tracebackhide__ = True
    name = what or getattr(fn, "__name__", "your function")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call(fn, *args, fn_name=name, **kwargs)
        except (NotImplementedError, CheckFailed):
            raise
        except Exception as exc:  # noqa: BLE001 - any error in the student's code becomes feedback
            first = (str(exc).splitlines() or [""])[0]
            fail(f"{name} raised {type(exc).__name__}: {first}")


def one_line_errors(check):
    """Decorate a check that runs student code directly (a class, an operator): any exception from that code
    becomes one ``CheckFailed`` line, and numpy warnings are silenced."""

    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        __tracebackhide__ = True
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return check(*args, **kwargs)
            except (NotImplementedError, CheckFailed):
                raise
            except Exception as exc:  # noqa: BLE001
                first = (str(exc).splitlines() or [""])[0]
                fail(f"your code raised {type(exc).__name__}: {first}")

    return wrapper


def quiet(check):
    """Decorate a check so that numpy's floating-point warnings and Python warnings raised by a wrong answer
    (overflow, invalid values) stay silent: the student sees the check's one line, nothing else."""

    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        __tracebackhide__ = True
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return check(*args, **kwargs)

    return wrapper


def call_with_hint(fn, *args, fn_name: str, on_error=None):
    """``core.call``; any exception raised in the student's code becomes one line, which ``on_error(exc)`` may
    complete with a targeted hint for a known exception (it returns a message, or None)."""
    __tracebackhide__ = True
    try:
        return call(fn, *args, fn_name=fn_name)
    except (NotImplementedError, CheckFailed):
        raise
    except Exception as exc:  # noqa: BLE001 -- the student's code may raise anything
        first = str(exc).splitlines()[0] if str(exc) else ""
        if on_error is not None:
            message = on_error(exc)
            if message:
                fail(f"{fn_name} raised {type(exc).__name__} ({first[:120]}): {message}")
        fail(f"{fn_name} raised {type(exc).__name__} ({first[:160]})")
