"""Chapter 4's checks accept the reference solutions and reject each named mistake with a message that names it."""

import numpy as np
import pytest

from rnnbook.checks import ch04
from rnnbook.checks.core import CheckFailed
from rnnbook.checks.reference import finite_difference

# ------------------------------------------------------------------------------------ rnn_step_backward


def step_ok(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_t**2) * dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def step_no_tanh_derivative(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def step_derivative_at_h_prev(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_prev**2) * dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def step_in_place(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    dh_t *= 1 - h_t**2  # mutates the caller's upstream gradient
    da = dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def step_transposed_W_hh(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_t**2) * dh_t
    return da @ W_xh, da @ W_hh.T, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def step_transposed_dW_hh(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_t**2) * dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, h_prev.T @ da, da.sum(axis=0)


def step_transposed_dW_xh(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_t**2) * dh_t
    return da @ W_xh, da @ W_hh, x_t.T @ da, da.T @ h_prev, da.sum(axis=0)


def step_db_not_summed(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_t**2) * dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_prev, da


def step_returns_none(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    (1 - h_t**2) * dh_t  # noqa: B018


def step_returns_four(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    return step_ok(dh_t, x_t, h_prev, h_t, W_xh, W_hh)[:4]


def step_nan(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    dx, dh_prev, dW_xh, dW_hh, db_h = step_ok(dh_t, x_t, h_prev, h_t, W_xh, W_hh)
    return dx * np.nan, dh_prev, dW_xh, dW_hh, db_h


def step_tanh_of_h_t(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - np.tanh(h_t) ** 2) * dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def step_pairs_h_t(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_t**2) * dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_t, da.sum(axis=0)


def step_mean_over_batch(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_t**2) * dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t / len(x_t), da.T @ h_prev / len(x_t), da.mean(axis=0)


def step_dx_uses_W_xh_T(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_t**2) * dh_t
    return da @ W_xh.T, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def test_step_accepts_reference(capsys):
    ch04.check_rnn_step_backward(step_ok)
    assert "rnn_step_backward: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (step_no_tanh_derivative, r"missing \(1 - h\^2\) factor"),
        (step_derivative_at_h_prev, "derivative at h_prev"),
        (step_in_place, "mutates the upstream gradient in place.*dh_t"),
        (step_transposed_W_hh, r"transposed weight: dh_prev = da @ W_hh"),
        (step_transposed_dW_hh, "transposed weight gradient"),
        (step_transposed_dW_xh, r"dW_xh has shape \(4, 5\); expected \(H, D\) = \(5, 4\) \(it looks transposed\)"),
        (step_db_not_summed, r"db_h has shape \(3, 5\); expected \(H,\)"),
        (step_returns_none, "returned None"),
        (step_returns_four, "tuple of 5 arrays"),
        (step_nan, "dx_t contains 12 NaN"),
        (step_tanh_of_h_t, r"applies tanh to h_t again.*1 - h_t\*\*2"),
        (step_pairs_h_t, r"pairs da with h_t; dW_hh needs the state that W_hh multiplied"),
        (step_mean_over_batch, "averages the weight gradients over the batch"),
        (step_dx_uses_W_xh_T, r"rnn_step_backward raised a shape mismatch \(matmul.*sends back `da @ W_xh`"),
    ],
)
def test_step_rejects_mistake(fn, message):
    with pytest.raises(CheckFailed, match=message):
        ch04.check_rnn_step_backward(fn)


def test_step_not_implemented_propagates():
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        ch04.check_rnn_step_backward(stub)


# ----------------------------------------------------------------------------------------- rnn_backward


def make_backward(upstream="both", keep="all", deriv=True, W_hh_T=False, h_prev_of="ok", in_place=False, k=None,
                  align="start", zero_dh0=False, forward_in_time=False):
    """A student's rnn_backward, with the selected mistake written the way a student would write it."""

    def rnn_backward(dhs, x, h0, hs, W_xh, W_hh, *maybe_k):
        kk = maybe_k[0] if maybe_k else k
        T = x.shape[0]
        dx = np.zeros_like(x)
        dW_xh, dW_hh, db_h = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(W_hh.shape[0])
        dh_next = np.zeros_like(h0)
        for t in range(T) if forward_in_time else reversed(range(T)):
            if in_place:
                dhs[t] += dh_next
                dh = dhs[t]
            elif upstream == "both":
                dh = dhs[t] + dh_next
            elif upstream == "no_next":
                dh = dhs[t]
            else:
                dh = dh_next if t < T - 1 else dhs[t]
            if h_prev_of == "ok":
                h_prev = hs[t - 1] if t > 0 else h0
            elif h_prev_of == "wrap":
                h_prev = hs[t - 1]
            else:
                h_prev = hs[t]
            if deriv == "tanh_h":
                da = (1 - np.tanh(hs[t]) ** 2) * dh
            else:
                da = (1 - hs[t] ** 2) * dh if deriv else dh
            dx[t] = da @ W_xh
            if keep == "all":
                dW_xh += da.T @ x[t]
                dW_hh += da.T @ h_prev
                db_h += da.sum(axis=0)
            elif keep == "assign":
                dW_xh = da.T @ x[t]
                dW_hh = da.T @ h_prev
                db_h = da.sum(axis=0)
            dh_next = da @ (W_hh.T if W_hh_T else W_hh)
            if kk is not None and t > 0:
                cut = {"start": t % kk == 0, "off_by_one": (t + 1) % kk == 0, "end": (T - t) % kk == 0}[align]
                if cut:
                    dh_next = np.zeros_like(dh_next)
        if zero_dh0:
            dh_next = np.zeros_like(dh_next)
        return dx, dh_next, dW_xh, dW_hh, db_h

    return rnn_backward


def test_backward_accepts_reference(capsys):
    ch04.check_rnn_backward(make_backward())
    assert "rnn_backward: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"upstream": "no_next"}, r"drops the upstream gradient.*must be dhs\[t\] \+ dh_next"),
        ({"upstream": "no_local"}, r"ignores dhs\[t\].*must be dhs\[t\] \+ dh_next"),
        ({"in_place": True}, r"mutates the upstream gradient in place.*`dhs`"),
        ({"deriv": False}, r"missing \(1 - h\^2\) factor"),
        ({"keep": "assign"}, "does not accumulate the weight gradients over time"),
        ({"W_hh_T": True}, "transposed weight"),
        ({"h_prev_of": "wrap"}, r"hs\[-1\]"),
        ({"h_prev_of": "same"}, "pairs da_t with h_t"),
        ({"forward_in_time": True}, "runs t forwards from 0; backpropagation runs t from T - 1 down to 0"),
        ({"deriv": "tanh_h"}, r"applies tanh to hs\[t\] again"),
        ({"zero_dh0": True}, r"returns dh0 = 0: the gradient that reaches step 0 goes on into h0"),
    ],
)
def test_backward_rejects_mistake(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        ch04.check_rnn_backward(make_backward(**kwargs))


def test_backward_keeps_only_last_time_step():
    def only_last(dhs, x, h0, hs, W_xh, W_hh):
        dx, dh0, dW_xh, dW_hh, db_h = make_backward()(dhs, x, h0, hs, W_xh, W_hh)
        # the weight gradients of step T-1 only (computed correctly), others dropped
        T = x.shape[0]
        dh = dhs[T - 1]
        da = (1 - hs[T - 1] ** 2) * dh
        return dx, dh0, da.T @ x[T - 1], da.T @ hs[T - 2], da.sum(axis=0)

    with pytest.raises(CheckFailed, match="does not accumulate the weight gradients over time"):
        ch04.check_rnn_backward(only_last)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda *a: None, "returned None"),
        (lambda *a: make_backward()(*a)[:3], "tuple of 5 arrays"),
        (lambda *a: (make_backward()(*a)[0][:, :, :2],) + make_backward()(*a)[1:], r"dx has shape .*expected \(T, N, D\)"),
        (lambda *a: (make_backward()(*a)[0] * np.nan,) + make_backward()(*a)[1:], "dx contains 84 NaN"),
        (lambda *a: ("oops",) + make_backward()(*a)[1:], "dx should be a numpy array of numbers"),
    ],
)
def test_backward_rejects_bad_types(fn, message):
    with pytest.raises(CheckFailed, match=message):
        ch04.check_rnn_backward(fn)


# ------------------------------------------------------------------------------- rnn_backward_truncated


def test_truncated_accepts_reference(capsys):
    ch04.check_rnn_backward_truncated(make_backward())
    assert "rnn_backward_truncated: all checks passed" in capsys.readouterr().out


def full_bptt(dhs, x, h0, hs, W_xh, W_hh, k):
    return make_backward()(dhs, x, h0, hs, W_xh, W_hh)


def only_works_for_k3(dhs, x, h0, hs, W_xh, W_hh, k):
    return make_backward(k=3)(dhs, x, h0, hs, W_xh, W_hh)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (full_bptt, "does not truncate"),
        (make_backward(align="off_by_one"), "cuts the gradient one step off"),
        (make_backward(align="end"), "counts the chunks from the end"),
        (make_backward(zero_dh0=True), "returns dh0 = 0"),
        (make_backward(upstream="no_next"), r"drops the upstream gradient.*must be dhs\[t\] \+ dh_next"),
        (make_backward(in_place=True), "mutates the upstream gradient in place"),
        (make_backward(deriv=False), r"missing \(1 - h\^2\) factor"),
        (make_backward(keep="assign"), "does not accumulate"),
        (only_works_for_k3, r"with k = 2"),
        (lambda *a: None, "returned None"),
    ],
)
def test_truncated_rejects_mistake(fn, message):
    with pytest.raises(CheckFailed, match=message):
        ch04.check_rnn_backward_truncated(fn)


# ----------------------------------------------------------------------------------- numerical_gradient


def numgrad_ok(f, x, h=1e-5):
    return finite_difference(f, x, h)


def numgrad_ok_add_subtract(f, x, h=1e-5):
    # restores x by arithmetic (x += h; x -= 2h; x += h): off by an ulp at most, which is fine
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numgrad_forward(f, x, h=1e-5):
    grad = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - f0) / h
        x[i] = old
    return grad


def numgrad_wrong_divisor(f, x, h=1e-5):
    return 2 * numgrad_ok(f, x, h)


def numgrad_not_restoring(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numgrad_all_at_once(f, x, h=1e-5):
    return np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))


def numgrad_flat(f, x, h=1e-5):
    return numgrad_ok(f, x, h).ravel()


def numgrad_row_at_a_time(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):  # walks the first axis only: x[i] is a whole row
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += h
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad


def test_numerical_gradient_accepts_reference(capsys):
    ch04.check_numerical_gradient(numgrad_ok)
    ch04.check_numerical_gradient(numgrad_ok_add_subtract)
    assert capsys.readouterr().out.count("numerical_gradient: all checks passed") == 2


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (numgrad_forward, "forward difference"),
        (numgrad_wrong_divisor, "divides by the wrong step"),
        (numgrad_not_restoring, "does not restore x"),
        (numgrad_all_at_once, "perturbs every entry at once"),
        (numgrad_row_at_a_time, r"perturbs a whole row x\[i\] at a time.*np.ndindex"),
        (numgrad_flat, r"grad has shape \(12,\); expected x.shape = \(3, 4\)"),
        (lambda f, x, h: None, "grad is None"),
        (lambda f, x, h: np.full(x.shape, np.nan), "grad contains 12 NaN"),
        ("not a function", "expected a function"),
    ],
)
def test_numerical_gradient_rejects_mistake(fn, message):
    with pytest.raises(CheckFailed, match=message):
        ch04.check_numerical_gradient(fn)
