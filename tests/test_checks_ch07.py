"""Each Chapter 7 check accepts the reference and rejects each named mistake with a message that names it."""

import numpy as np
import pytest

from rnnbook.checks import CheckFailed
from rnnbook.checks import ch07 as C
from rnnbook.checks.ch07 import sigmoid

# ---------------------------------------------------------------------------------------------------------------
# lstm_step_backward
# ---------------------------------------------------------------------------------------------------------------


def _backward(dh_next, dc_next, cache, *, dc_mode="ok", slices="ok", inplace=False, d_tanh="ok", da_mode="ok",
              dc_prev_mode="ok"):
    x_t, h_prev, c_prev, i_t, f_t, c_tilde, o_t, c_t, W = cache
    H = h_prev.shape[1]
    tanh_c = np.tanh(c_t)
    dtanh = 1 - c_t**2 if d_tanh == "c" else 1 - tanh_c**2
    do = dh_next * (c_t if da_mode == "do_c" else tanh_c)
    if inplace:
        dc = dc_next
        dc += dh_next * o_t * dtanh  # mutates the caller's upstream gradient
    elif dc_mode == "no_dc_next":
        dc = dh_next * o_t * dtanh
    elif dc_mode == "no_tanh_path":
        dc = dc_next
    else:
        dc = dc_next + dh_next * o_t * dtanh
    di, df, dg = dc * c_tilde, dc * c_prev, dc * i_t
    if da_mode == "no_sigmoid":
        blocks = [di, df, dg * (1 - c_tilde**2), do]
    elif da_mode == "no_tanh_g":
        blocks = [di * i_t * (1 - i_t), df * f_t * (1 - f_t), dg, do * o_t * (1 - o_t)]
    elif da_mode == "fi":
        blocks = [df * f_t * (1 - f_t), di * i_t * (1 - i_t), dg * (1 - c_tilde**2), do * o_t * (1 - o_t)]
    elif da_mode == "g_plus":  # an unnamed slip in one block: 1 + c_tilde**2
        blocks = [di * i_t * (1 - i_t), df * f_t * (1 - f_t), dg * (1 + c_tilde**2), do * o_t * (1 - o_t)]
    else:
        blocks = [di * i_t * (1 - i_t), df * f_t * (1 - f_t), dg * (1 - c_tilde**2), do * o_t * (1 - o_t)]
    da = np.concatenate(blocks, axis=1)
    z = np.concatenate([h_prev, x_t], axis=1)
    dz = da @ W
    if slices == "swapped":
        dh_prev, dx = da @ W[:, H:], da @ W[:, :H]
    elif slices == "from_the_end":  # right shapes when D != H, the swap when D == H
        dh_prev, dx = dz[:, -H:], dz[:, : dz.shape[1] - H]
    else:
        dh_prev, dx = dz[:, :H], dz[:, H:]
    dc_prev = dc.copy() if dc_prev_mode == "no_f" else dc * f_t
    return dx, dh_prev, dc_prev, da.T @ z, da.sum(axis=0)


def test_backward_accepts_reference(capsys):
    C.check_lstm_step_backward(_backward)
    assert "passed" in capsys.readouterr().out


def test_backward_accepts_the_chapter_reference():
    C.check_lstm_step_backward(C.lstm_step_backward_reference)


def test_backward_rejects_swapped_weight_slices():
    with pytest.raises(CheckFailed, match="swapped the h-part and the x-part of W"):
        C.check_lstm_step_backward(lambda *a: _backward(*a, slices="swapped"))


def test_backward_rejects_swapped_slices_with_the_right_shapes():
    with pytest.raises(CheckFailed, match="swapped the h-part and the x-part of W"):
        C.check_lstm_step_backward(lambda *a: _backward(*a, slices="from_the_end"))


def test_backward_rejects_missing_dc_next():
    with pytest.raises(CheckFailed, match="does not add dc_next"):
        C.check_lstm_step_backward(lambda *a: _backward(*a, dc_mode="no_dc_next"))


def test_backward_rejects_missing_tanh_path():
    with pytest.raises(CheckFailed, match=r"misses the term in dc that flows through h_t = o_t \* tanh"):
        C.check_lstm_step_backward(lambda *a: _backward(*a, dc_mode="no_tanh_path"))


def test_backward_rejects_tanh_derivative_of_c():
    with pytest.raises(CheckFailed, match=r"1 - c_t\*\*2"):
        C.check_lstm_step_backward(lambda *a: _backward(*a, d_tanh="c"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"da_mode": "no_sigmoid"}, r"forgets the sigmoid derivative of the gates: da_i = di \* i_t \* \(1 - i_t\)"),
        ({"da_mode": "no_tanh_g"}, r"forgets the tanh derivative of the candidate"),
        ({"da_mode": "fi"}, r"stacks the gate gradients as \[f \| i \| g \| o\]"),
        ({"da_mode": "do_c"}, r"uses c_t in the output gate's gradient"),
        ({"da_mode": "g_plus"}, r"db is wrong in rows 2H:3H, the gradient of the g gate's pre-activation"),
        ({"dc_prev_mode": "no_f"}, r"does not multiply by f_t.*dc_prev = dc \* f_t"),
    ],
)
def test_backward_names_gate_mistakes(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        C.check_lstm_step_backward(lambda *a: _backward(*a, **kwargs))


def test_backward_shape_mismatch_is_one_line_about_the_backward_products():
    def transposed_slice(dh_next, dc_next, cache):
        dx, dh_prev, dc_prev, dW, db = _backward(dh_next, dc_next, cache)
        H = cache[1].shape[1]
        da = np.concatenate([np.ones_like(dh_next)] * 4, axis=1)
        return dx, da @ cache[-1][:, :H].T, dc_prev, dW, db  # (N, 4H) @ (H, 4H): a shape mismatch

    with pytest.raises(CheckFailed, match=r"raised a shape mismatch .*dh_prev = da @ W\[:, :H\]") as info:
        C.check_lstm_step_backward(transposed_slice)
    assert "\n" not in str(info.value)


def test_backward_rejects_in_place_mutation_of_upstream_gradient():
    with pytest.raises(CheckFailed, match=r"modified its argument #2 in place"):
        C.check_lstm_step_backward(lambda *a: _backward(*a, inplace=True))


def test_backward_rejects_mutating_the_cache():
    def mutating(dh_next, dc_next, cache):
        out = _backward(dh_next, dc_next, cache)
        cache[7][...] = np.tanh(cache[7])
        return out

    with pytest.raises(CheckFailed, match="modified an array of the cache"):
        C.check_lstm_step_backward(mutating)


def test_backward_rejects_wrong_shapes():
    def transposed_dW(*a):
        dx, dh_prev, dc_prev, dW, db = _backward(*a)
        return dx, dh_prev, dc_prev, dW.T, db

    with pytest.raises(CheckFailed, match=r"dW has shape .*expected \(4H, H \+ D\)"):
        C.check_lstm_step_backward(transposed_dW)

    def db_keepdims(*a):
        dx, dh_prev, dc_prev, dW, db = _backward(*a)
        return dx, dh_prev, dc_prev, dW, db[None, :]

    with pytest.raises(CheckFailed, match=r"db has shape .*expected \(4H,\)"):
        C.check_lstm_step_backward(db_keepdims)


def test_backward_rejects_none_nan_and_wrong_arity():
    with pytest.raises(CheckFailed, match="returned None"):
        C.check_lstm_step_backward(lambda *a: None)
    with pytest.raises(CheckFailed, match="tuple of 5 arrays"):
        C.check_lstm_step_backward(lambda *a: _backward(*a)[:3])

    def nan_dx(*a):
        dx, *rest = _backward(*a)
        return (dx * np.nan, *rest)

    with pytest.raises(CheckFailed, match="dx contains .* NaN"):
        C.check_lstm_step_backward(nan_dx)
    with pytest.raises(CheckFailed, match="dW is None"):
        C.check_lstm_step_backward(lambda *a: (*_backward(*a)[:3], None, _backward(*a)[4]))


def test_backward_not_implemented_propagates():
    def stub(*a):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        C.check_lstm_step_backward(stub)


# ---------------------------------------------------------------------------------------------------------------
# gru_cell_forward
# ---------------------------------------------------------------------------------------------------------------


def _gru(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, *, reset="after", update="ok"):
    H = h_prev.shape[1]
    W_ir, W_iz, W_in = W_ih[:H], W_ih[H : 2 * H], W_ih[2 * H :]
    W_hr, W_hz, W_hn = W_hh[:H], W_hh[H : 2 * H], W_hh[2 * H :]
    b_ir, b_iz, b_in = b_ih[:H], b_ih[H : 2 * H], b_ih[2 * H :]
    b_hr, b_hz, b_hn = b_hh[:H], b_hh[H : 2 * H], b_hh[2 * H :]
    r = sigmoid(x_t @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
    z = sigmoid(x_t @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
    if reset == "before":
        n = np.tanh(x_t @ W_in.T + b_in + (r * h_prev) @ W_hn.T + b_hn)
    else:
        n = np.tanh(x_t @ W_in.T + b_in + r * (h_prev @ W_hn.T + b_hn))
    if update == "swapped":
        return z * n + (1 - z) * h_prev
    return (1 - z) * n + z * h_prev


def test_gru_accepts_reference(capsys):
    C.check_gru_cell_forward(_gru)
    assert "passed" in capsys.readouterr().out


def test_gru_rejects_paper_reset_before_matmul():
    with pytest.raises(CheckFailed, match="applies the reset gate before the hidden matmul"):
        C.check_gru_cell_forward(lambda *a: _gru(*a, reset="before"))


def test_gru_rejects_swapped_update():
    with pytest.raises(CheckFailed, match=r"swaps z and \(1 - z\)"):
        C.check_gru_cell_forward(lambda *a: _gru(*a, update="swapped"))


def test_gru_rejects_gate_order():
    def zr_order(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        H = h_prev.shape[1]
        perm = np.r_[H : 2 * H, 0:H, 2 * H : 3 * H]  # reads [z | r | n]
        return _gru(x_t, h_prev, W_ih[perm], W_hh[perm], b_ih[perm], b_hh[perm])

    with pytest.raises(CheckFailed, match=r"wrong order; PyTorch stacks \[r \| z \| n\]"):
        C.check_gru_cell_forward(zr_order)


def test_gru_rejects_bias_outside_reset():
    def outside(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        H = h_prev.shape[1]
        b_hh2 = b_hh.copy()
        b_hh2[2 * H :] = 0.0
        b_ih2 = b_ih.copy()
        b_ih2[2 * H :] += b_hh[2 * H :]
        return _gru(x_t, h_prev, W_ih, W_hh, b_ih2, b_hh2)

    with pytest.raises(CheckFailed, match="adds b_hn outside the reset product"):
        C.check_gru_cell_forward(outside)


def test_gru_rejects_missing_reset_r_n_z_order_and_missing_bias_hh():
    def no_reset(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        H = h_prev.shape[1]
        gi, gh = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
        z = sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
        n = np.tanh(gi[:, 2 * H :] + gh[:, 2 * H :])
        return (1 - z) * n + z * h_prev

    def r_n_z(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        H = h_prev.shape[1]
        perm = np.r_[0:H, 2 * H : 3 * H, H : 2 * H]  # reads [r | n | z]
        return _gru(x_t, h_prev, W_ih[perm], W_hh[perm], b_ih[perm], b_hh[perm])

    with pytest.raises(CheckFailed, match="never applies the reset gate"):
        C.check_gru_cell_forward(no_reset)
    with pytest.raises(CheckFailed, match=r"reads the blocks as \[r \| n \| z\]"):
        C.check_gru_cell_forward(r_n_z)
    with pytest.raises(CheckFailed, match="uses only bias_ih"):
        C.check_gru_cell_forward(lambda *a: _gru(*a[:5], np.zeros_like(a[5])))


def test_gru_rejects_shape_none_nan():
    with pytest.raises(CheckFailed, match=r"h_next has shape \(4, 3\); expected \(N, H\) = \(3, 4\)"):
        C.check_gru_cell_forward(lambda *a: _gru(*a).T)
    with pytest.raises(CheckFailed, match="h_next is None"):
        C.check_gru_cell_forward(lambda *a: None)
    with pytest.raises(CheckFailed, match="NaN"):
        C.check_gru_cell_forward(lambda *a: _gru(*a) * np.nan)


# ---------------------------------------------------------------------------------------------------------------
# the forget-bias experiment
# ---------------------------------------------------------------------------------------------------------------


def test_gain_accepts_reference(capsys):
    C.check_direct_path_gain(lambda f: np.prod(f, axis=0))
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda f: f.sum(axis=0), "adds the forget gates"),
        (lambda f: np.prod(1 - f, axis=0), "multiplies 1 - f_t"),
        (lambda f: f[-1].copy(), "returns the last forget gate only"),
        (lambda f: np.cumprod(f, axis=0), "not the running product"),
        (lambda f: np.prod(f, axis=1), r"expected \(N, H\)"),
        (lambda f: None, "gain is None"),
        (lambda f: np.full(f.shape[1:], np.nan), "NaN"),
    ],
)
def test_gain_rejects(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        C.check_direct_path_gain(wrong)


def test_smallest_bias():
    C.check_smallest_forget_bias(4.0)
    C.check_smallest_forget_bias(4)
    with pytest.raises(CheckFailed, match="below 0.01"):
        C.check_smallest_forget_bias(3.0)
    with pytest.raises(CheckFailed, match="a smaller bias"):
        C.check_smallest_forget_bias(5.0)
    with pytest.raises(CheckFailed, match="one of the biases tried"):
        C.check_smallest_forget_bias(3.5)
    with pytest.raises(CheckFailed, match="is None"):
        C.check_smallest_forget_bias(None)


def test_forget_gates_follow_the_bias():
    assert C.forget_gates_for_bias(0.0).mean() == pytest.approx(0.5, abs=0.02)
    assert C.forget_gates_for_bias(3.0).mean() == pytest.approx(sigmoid(3.0), abs=0.01)


# ---------------------------------------------------------------------------------------------------------------
# last_valid_hidden
# ---------------------------------------------------------------------------------------------------------------


def test_last_valid_accepts_reference(capsys):
    C.check_last_valid_hidden(lambda hs, lengths: hs[lengths - 1, np.arange(hs.shape[1])])
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda hs, L: hs[-1], r"takes hs\[-1\]"),
        (lambda hs, L: hs[L, np.arange(hs.shape[1])], "off by one"),
        (lambda hs, L: hs[0], r"takes the first step"),
        (lambda hs, L: hs[L - 1, np.arange(hs.shape[1])].T, r"expected \(N, H\)"),
        (lambda hs, L: None, "is None"),
        (lambda hs, L: hs[L - 1], r"\(N, N, H\): hs\[lengths - 1\] picks whole time steps"),
        (lambda hs, L: hs[:, L - 1], r"raised IndexError .*hs is \(T, N, H\), time first"),
    ],
)
def test_last_valid_rejects(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        C.check_last_valid_hidden(wrong)
