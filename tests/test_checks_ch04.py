"""Chapter 4's checks accept the reference solutions and reject each named mistake with a message that names it."""

import numpy as np
import pytest

from rnnbook.checks import ch04
from rnnbook.checks.core import CheckFailed

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


def step_db_mean(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    da = (1 - h_t**2) * dh_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.mean(axis=0)


def test_step_bias_averaged_is_named():
    with pytest.raises(CheckFailed, match="averages the bias gradient over the batch instead of summing"):
        ch04.check_rnn_step_backward(step_db_mean)


def test_step_error_inside_student_code_is_one_line():
    def broken(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
        return dh_t[99]

    with pytest.raises(CheckFailed, match="rnn_step_backward raised IndexError"):
        ch04.check_rnn_step_backward(broken)


# ------------------------------------------------------------------------------------ embedding_backward


def emb_ok(tokens, d_emb, V):
    dE = np.zeros((V, d_emb.shape[-1]))
    np.add.at(dE, tokens, d_emb)
    return dE


def emb_one_hot(tokens, d_emb, V):
    one_hot = np.eye(V)[tokens.reshape(-1)]  # (T*N, V)
    return one_hot.T @ d_emb.reshape(-1, d_emb.shape[-1])


def emb_loops(tokens, d_emb, V):
    dE = np.zeros((V, d_emb.shape[-1]))
    for t in range(tokens.shape[0]):
        for n in range(tokens.shape[1]):
            dE[tokens[t, n]] += d_emb[t, n]
    return dE


def emb_buffered(tokens, d_emb, V):
    dE = np.zeros((V, d_emb.shape[-1]))
    dE[tokens] += d_emb
    return dE


def emb_assign(tokens, d_emb, V):
    dE = np.zeros((V, d_emb.shape[-1]))
    dE[tokens] = d_emb
    return dE


def emb_per_step(tokens, d_emb, V):
    dE = np.zeros((V, d_emb.shape[-1]))
    for t in range(len(tokens)):
        dE[tokens[t]] += d_emb[t]
    return dE


def emb_mean(tokens, d_emb, V):
    dE = np.zeros((V, d_emb.shape[-1]))
    np.add.at(dE, tokens, d_emb)
    counts = np.bincount(tokens.ravel(), minlength=V)
    counts[counts == 0] = 1
    return dE / counts[:, None]


def emb_over_N(tokens, d_emb, V):
    dE = np.zeros((V, d_emb.shape[-1]))
    np.add.at(dE, tokens, d_emb)
    return dE / tokens.shape[1]


def emb_transposed(tokens, d_emb, V):
    dE = np.zeros((d_emb.shape[-1], V))
    np.add.at(dE.T, tokens, d_emb)
    return dE


def emb_flat(tokens, d_emb, V):
    return d_emb.reshape(-1, d_emb.shape[-1])


def emb_in_place(tokens, d_emb, V):
    d_emb *= 1.0 / 1.0
    d_emb[0] = 0.0
    dE = np.zeros((V, d_emb.shape[-1]))
    np.add.at(dE, tokens, d_emb)
    return dE


def emb_float_index(tokens, d_emb, V):
    dE = np.zeros((V, d_emb.shape[-1]))
    np.add.at(dE, tokens * 1.0, d_emb)
    return dE


def test_embedding_accepts_correct_variants(capsys):
    for fn in (emb_ok, emb_one_hot, emb_loops):
        ch04.check_embedding_backward(fn)
    assert capsys.readouterr().out.count("embedding_backward: all checks passed") == 3


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (emb_buffered, r"keeps only one occurrence of each repeated token.*np.add.at"),
        (emb_assign, r"keeps only one occurrence of each repeated token"),
        (emb_per_step, r"drops repeated tokens within one time step"),
        (emb_mean, r"averages the gradient over the occurrences of a token"),
        (emb_over_N, r"divides by the batch size N"),
        (emb_transposed, r"dE has shape \(D, V\)"),
        (emb_flat, r"one row per \*occurrence\*"),
        (emb_in_place, r"mutates the upstream gradient in place.*d_emb"),
        (emb_float_index, r"embedding_backward raised IndexError"),
        (lambda tokens, d_emb, V: None, "dE is None"),
    ],
)
def test_embedding_rejects_mistake(fn, message):
    with pytest.raises(CheckFailed, match=message):
        ch04.check_embedding_backward(fn)


# ------------------------------------------------------------------------------------ jordan_backward


def make_jordan(feedback=True, o_prev="ok", scale=1.0, fb_into="o", local_out=False, accumulate=True,
                transpose_feedback=False, deriv=True):
    """A student's jordan_backward; the keyword selects one mistake, written the way a student would."""

    def jordan_backward(x, o0, hs, os, ys, W_xh, W_oh, W_hy):
        T, N = x.shape[:2]
        dW_xh, dW_oh, db_h = np.zeros_like(W_xh), np.zeros_like(W_oh), np.zeros(W_oh.shape[0])
        dW_hy, db_y = np.zeros_like(W_hy), np.zeros(W_hy.shape[0])
        do_next = np.zeros_like(o0)
        for t in reversed(range(T)):
            do_loss = scale * (os[t] - ys[t]) / N
            do = do_loss + do_next if (feedback and fb_into == "o") else do_loss
            dh = do @ W_hy
            if fb_into == "h":
                dh = dh + do_next @ W_hy
            da = (1 - hs[t] ** 2) * dh if deriv else dh
            if o_prev == "ok":
                prev = os[t - 1] if t > 0 else o0
            elif o_prev == "wrap":
                prev = os[t - 1]
            else:
                prev = os[t]
            if accumulate:
                dW_xh += da.T @ x[t]
                dW_oh += da.T @ prev
                db_h += da.sum(axis=0)
                dW_hy += (do_loss if local_out else do).T @ hs[t]
                db_y += (do_loss if local_out else do).sum(axis=0)
            else:
                dW_xh, dW_oh, db_h = da.T @ x[t], da.T @ prev, da.sum(axis=0)
                dW_hy, db_y = do.T @ hs[t], do.sum(axis=0)
            do_next = da @ (W_oh.T if transpose_feedback else W_oh)
        return dW_xh, dW_oh, db_h, dW_hy, db_y, do_next

    return jordan_backward


def jordan_two_pass(x, o0, hs, os, ys, W_xh, W_oh, W_hy):
    # another correct answer: first the total gradients of every o_t, then all parameter sums at once
    T, N = x.shape[:2]
    dos = np.zeros_like(os)
    das = np.zeros_like(hs)
    do_next = np.zeros_like(o0)
    for t in range(T - 1, -1, -1):
        dos[t] = (os[t] - ys[t]) / N + do_next
        das[t] = (1 - hs[t] ** 2) * (dos[t] @ W_hy)
        do_next = das[t] @ W_oh
    o_prev = np.concatenate([o0[None], os[:-1]])
    return (np.einsum("tnh,tnd->hd", das, x), np.einsum("tnh,tno->ho", das, o_prev), das.sum(axis=(0, 1)),
            np.einsum("tno,tnh->oh", dos, hs), dos.sum(axis=(0, 1)), do_next)


def test_jordan_accepts_correct_variants(capsys):
    ch04.check_jordan_backward(make_jordan())
    ch04.check_jordan_backward(jordan_two_pass)
    assert capsys.readouterr().out.count("jordan_backward: all checks passed") == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"feedback": False}, r"treats o_\{t-1\} as a constant"),
        ({"fb_into": "h"}, r"gives W_hy and b_y only the local loss gradient.*arrives at o_t"),
        ({"local_out": True}, r"gives W_hy and b_y only the local loss gradient"),
        ({"o_prev": "same"}, r"pairs da_t with o_t"),
        ({"o_prev": "wrap"}, r"uses os\[t - 1\] at t = 0"),
        ({"scale": 3.0}, r"forgets the 1/N"),
        ({"scale": 2.0}, r"drops the 1/2 of the loss"),
        ({"scale": -1.0}, r"sign of the loss gradient flipped"),
        ({"accumulate": False}, r"does not accumulate the gradients over time"),
        ({"transpose_feedback": True}, r"jordan_backward raised a shape mismatch"),
        ({"deriv": False}, r"forgets the tanh derivative"),
    ],
)
def test_jordan_rejects_mistake(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        ch04.check_jordan_backward(make_jordan(**kwargs))


# ------------------------------------------------------------------------------------ rnn_backward_k1k2


def make_k1k2(reset=False, extra=0, from_start=False, old_losses=False, h_first="h0", carry=False, swap=False,
              no_dh0=False, in_place=False, ignore_k2=False):
    """A student's BPTT(k1, k2), block by block; the keyword selects one mistake."""

    def rnn_backward_k1k2(dhs, x, h0, hs, W_xh, W_hh, k1, k2):
        if swap:
            k1, k2 = k2, k1
        if ignore_k2:
            k2 = k1
        T = x.shape[0]
        dW_xh, dW_hh, db_h = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(W_hh.shape[0])
        dh0 = np.zeros_like(h0)
        dh_next = np.zeros_like(h0)
        for s in range(0, T, k1):
            e = min(s + k1, T)
            if reset:
                dW_xh, dW_hh, db_h = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(W_hh.shape[0])
            first = max((s if from_start else e) - k2 - extra, 0)
            if not carry:
                dh_next = np.zeros_like(h0)
            for t in range(e - 1, first - 1, -1):
                if in_place:
                    dhs[t] += dh_next
                    dh = dhs[t]
                else:
                    dh = (dhs[t] if (t >= s or old_losses) else 0) + dh_next
                if t > 0:
                    h_prev = hs[t - 1]
                else:
                    h_prev = {"h0": h0, "zeros": np.zeros_like(h0), "wrap": hs[-1]}[h_first]
                da = (1 - hs[t] ** 2) * dh
                dW_xh += da.T @ x[t]
                dW_hh += da.T @ h_prev
                db_h += da.sum(axis=0)
                dh_next = da @ W_hh
            if first == 0 and not no_dh0:
                dh0 += dh_next
        return dW_xh, dW_hh, db_h, dh0

    return rnn_backward_k1k2


def k1k2_windows(dhs, x, h0, hs, W_xh, W_hh, k1, k2):
    # another correct answer: loss by loss, each sent back through the window of its block
    T = x.shape[0]
    grads = [np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(W_hh.shape[0]), np.zeros_like(h0)]
    for t_loss in range(T):
        e = min((t_loss // k1 + 1) * k1, T)
        first = max(e - k2, 0)
        dh = dhs[t_loss]
        for t in range(t_loss, first - 1, -1):
            h_prev = hs[t - 1] if t > 0 else h0
            da = (1 - hs[t] ** 2) * dh
            grads[0] += da.T @ x[t]
            grads[1] += da.T @ h_prev
            grads[2] += da.sum(axis=0)
            dh = da @ W_hh
        if first == 0:
            grads[3] += dh
    return tuple(grads)


def test_k1k2_accepts_correct_variants(capsys):
    ch04.check_rnn_backward_k1k2(make_k1k2())
    ch04.check_rnn_backward_k1k2(k1k2_windows)
    assert capsys.readouterr().out.count("rnn_backward_k1k2: all checks passed") == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reset": True}, r"resets dW_xh, dW_hh, db_h at every block"),
        ({"extra": 1}, r"backpropagates k2 \+ 1 steps per block"),
        ({"from_start": True}, r"counts the k2 steps back from the \*start\* of the block"),
        ({"old_losses": True}, r"adds the losses of steps before the block"),
        ({"h_first": "zeros"}, r"does not start the first block from h0"),
        ({"h_first": "wrap"}, r"uses hs\[t - 1\] at t = 0.*the first block starts from h0"),
        ({"carry": True}, r"carries dh_next from one block into the next"),
        ({"swap": True}, r"swaps k1 and k2"),
        ({"ignore_k2": True}, r"ignores k2"),
        ({"no_dh0": True}, r"returns dh0 = 0"),
        ({"in_place": True}, r"mutates the upstream gradient in place.*dhs"),
    ],
)
def test_k1k2_rejects_mistake(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        ch04.check_rnn_backward_k1k2(make_k1k2(**kwargs))


def test_k1k2_rejects_bad_returns():
    with pytest.raises(CheckFailed, match="returned None"):
        ch04.check_rnn_backward_k1k2(lambda *a: None)
    with pytest.raises(CheckFailed, match="tuple of 4 arrays"):
        ch04.check_rnn_backward_k1k2(lambda *a: make_k1k2()(*a)[:3])
