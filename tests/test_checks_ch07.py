"""Each Chapter 7 check accepts correct answers and rejects each plausible mistake with a message naming it.

The wrong answers are written by hand here, as a student would write them (not built from the check's own
reference).  Independent oracles (torch.autograd, finite differences, torch modules) confirm the references.
"""

import math

import numpy as np
import pytest
import torch

from rnnbook.checks import CheckFailed
from rnnbook.checks import ch07 as C
from rnnbook.checks.ch07 import sigmoid

# ---------------------------------------------------------------------------------------------------------------
# Exercise 1 (warm-up): lstm_step_backward
# ---------------------------------------------------------------------------------------------------------------


def _backward(dh_next, dc_next, cache, *, dc_mode="ok", slices="ok", inplace=False, d_tanh="ok", da_mode="ok",
              dc_prev_mode="ok", locals_mode="ok", reduce="sum", z_order="hx"):
    x_t, h_prev, c_prev, i_t, f_t, c_tilde, o_t, c_t, W = cache
    N, H = h_prev.shape
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
    if locals_mode == "di_df_swapped":
        di, df = dc * c_prev, dc * c_tilde
    elif locals_mode == "df_without_c_prev":
        df = dc
    sig_i, sig_f, sig_o = i_t * (1 - i_t), f_t * (1 - f_t), o_t * (1 - o_t)
    if locals_mode == "sigmoid_i_f_swapped":
        sig_i, sig_f = f_t * (1 - f_t), i_t * (1 - i_t)
    if da_mode == "no_sigmoid":
        blocks = [di, df, dg * (1 - c_tilde**2), do]
    elif da_mode == "no_sigmoid_o":
        blocks = [di * sig_i, df * sig_f, dg * (1 - c_tilde**2), do]
    elif da_mode == "no_sigmoid_f":
        blocks = [di * sig_i, df, dg * (1 - c_tilde**2), do * sig_o]
    elif da_mode == "no_tanh_g":
        blocks = [di * sig_i, df * sig_f, dg, do * sig_o]
    elif da_mode == "fi":
        blocks = [df * sig_f, di * sig_i, dg * (1 - c_tilde**2), do * sig_o]
    elif da_mode == "g_plus":  # an unnamed slip in one block: 1 + c_tilde**2
        blocks = [di * sig_i, df * sig_f, dg * (1 + c_tilde**2), do * sig_o]
    else:
        blocks = [di * sig_i, df * sig_f, dg * (1 - c_tilde**2), do * sig_o]
    da = np.concatenate(blocks, axis=1)
    z = np.concatenate([x_t, h_prev] if z_order == "xh" else [h_prev, x_t], axis=1)
    dz = da @ W
    if slices == "swapped":
        dh_prev, dx = da @ W[:, H:], da @ W[:, :H]
    elif slices == "from_the_end":  # right shapes when D != H, the swap when D == H
        dh_prev, dx = dz[:, -H:], dz[:, : dz.shape[1] - H]
    else:
        dh_prev, dx = dz[:, :H], dz[:, H:]
    dc_prev = dc.copy() if dc_prev_mode == "no_f" else dc * f_t
    dW, db = da.T @ z, da.sum(axis=0)
    if reduce == "mean_b":
        db = da.mean(axis=0)
    elif reduce == "mean_both":
        dW, db = dW / N, da.mean(axis=0)
    return dx, dh_prev, dc_prev, dW, db


def _backward_loop_order(dh_next, dc_next, cache):
    """A correct variant: gate by gate, dW built from outer products summed over the batch."""
    x_t, h_prev, c_prev, i_t, f_t, c_tilde, o_t, c_t, W = cache
    N, H = h_prev.shape
    tc = np.tanh(c_t)
    dc = dc_next + dh_next * o_t * (1.0 - tc * tc)
    grads = {
        "i": dc * c_tilde * i_t * (1 - i_t),
        "f": dc * c_prev * f_t * (1 - f_t),
        "g": dc * i_t * (1 - c_tilde * c_tilde),
        "o": dh_next * tc * o_t * (1 - o_t),
    }
    da = np.hstack([grads[k] for k in "ifgo"])
    z = np.hstack([h_prev, x_t])
    dW = sum(np.outer(da[n], z[n]) for n in range(N))
    return da @ W[:, H:], da @ W[:, :H], f_t * dc, dW, np.einsum("nk->k", da)


def test_backward_accepts_reference_and_a_variant(capsys):
    C.check_lstm_step_backward(_backward)
    C.check_lstm_step_backward(_backward_loop_order)
    C.check_lstm_step_backward(C.lstm_step_backward_reference)
    assert capsys.readouterr().out.count("passed") == 3


def test_backward_reference_matches_torch_autograd():
    dh_next, dc_next, cache = C._lstm_case(3, 5, 4, seed=7)
    x_t, h_prev, c_prev, *_, W = cache
    H = h_prev.shape[1]
    rng = np.random.default_rng(7)  # rebuild the same case for torch
    x, h0, c0 = rng.standard_normal((3, 5)), rng.standard_normal((3, 4)), 2.0 * rng.standard_normal((3, 4))
    W_, b_ = rng.standard_normal((16, 9)) * 0.7, rng.standard_normal(16) * 0.5
    assert np.array_equal(W_, W) and np.array_equal(x, x_t)
    cell = torch.nn.LSTMCell(5, 4).double()
    with torch.no_grad():
        cell.weight_hh.copy_(torch.from_numpy(W_[:, :H]))
        cell.weight_ih.copy_(torch.from_numpy(W_[:, H:]))
        cell.bias_ih.copy_(torch.from_numpy(b_))
        cell.bias_hh.zero_()
    x_pt, h_pt, c_pt = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    h1, c1 = cell(x_pt, (h_pt, c_pt))
    ((h1 * torch.from_numpy(dh_next)).sum() + (c1 * torch.from_numpy(dc_next)).sum()).backward()
    dx, dh_prev, dc_prev, dW, db = C.lstm_step_backward_reference(dh_next, dc_next, cache)
    assert np.abs(dx - x_pt.grad.numpy()).max() < 1e-12
    assert np.abs(dh_prev - h_pt.grad.numpy()).max() < 1e-12
    assert np.abs(dc_prev - c_pt.grad.numpy()).max() < 1e-12
    dW_torch = np.concatenate([cell.weight_hh.grad.numpy(), cell.weight_ih.grad.numpy()], axis=1)
    assert np.abs(dW - dW_torch).max() < 1e-12
    assert np.abs(db - cell.bias_ih.grad.numpy()).max() < 1e-12


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"slices": "swapped"}, "swapped the h-part and the x-part of W"),
        ({"slices": "from_the_end"}, "swapped the h-part and the x-part of W"),
        ({"dc_mode": "no_dc_next"}, "does not add dc_next"),
        ({"dc_mode": "no_tanh_path"}, r"misses the term in dc that flows through h_t = o_t \* tanh"),
        ({"d_tanh": "c"}, r"1 - c_t\*\*2"),
        ({"da_mode": "no_sigmoid"}, r"forgets the sigmoid derivative of all three gates"),
        ({"da_mode": "no_sigmoid_o"}, r"forgets the sigmoid derivative of the o gate"),
        ({"da_mode": "no_sigmoid_f"}, r"forgets the sigmoid derivative of the f gate"),
        ({"da_mode": "no_tanh_g"}, r"forgets the tanh derivative of the candidate"),
        ({"da_mode": "fi"}, r"stacks the gate gradients as \[f \| i \| g \| o\]"),
        ({"da_mode": "do_c"}, r"uses c_t in the output gate's gradient"),
        ({"da_mode": "g_plus"}, r"db is wrong in rows 2H:3H, the gradient of the g gate's pre-activation"),
        ({"dc_prev_mode": "no_f"}, r"does not multiply by f_t.*dc_prev = dc \* f_t"),
        ({"locals_mode": "di_df_swapped"}, r"swaps the i and f gradients \(the i/f locals are swapped\)"),
        ({"locals_mode": "sigmoid_i_f_swapped"}, r"uses the f gate's sigmoid derivative for the i gate"),
        ({"locals_mode": "df_without_c_prev"}, r"forgets c_prev in the f gate's gradient"),
        ({"reduce": "mean_b"}, r"averages db over the batch"),
        ({"reduce": "mean_both"}, r"averages db over the batch"),
        ({"z_order": "xh"}, r"builds z as \[x_t, h_prev\]"),
        ({"inplace": True}, r"modified its argument #2 in place"),
    ],
)
def test_backward_names_the_mistake(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        C.check_lstm_step_backward(lambda *a: _backward(*a, **kwargs))


def test_backward_averaged_dW_only_is_named():
    def mean_dW(*a):
        dx, dh_prev, dc_prev, dW, db = _backward(*a)
        return dx, dh_prev, dc_prev, dW / a[0].shape[0], db

    with pytest.raises(CheckFailed, match="averages dW over the batch"):
        C.check_lstm_step_backward(mean_dW)


def test_backward_exceptions_are_one_line():
    def transposed_slice(dh_next, dc_next, cache):
        dx, dh_prev, dc_prev, dW, db = _backward(dh_next, dc_next, cache)
        H = cache[1].shape[1]
        da = np.concatenate([np.ones_like(dh_next)] * 4, axis=1)
        return dx, da @ cache[-1][:, :H].T, dc_prev, dW, db  # (N, 4H) @ (H, 4H): a shape mismatch

    with pytest.raises(CheckFailed, match=r"raised ValueError .*dh_prev = da @ W\[:, :H\]") as info:
        C.check_lstm_step_backward(transposed_slice)
    assert "\n" not in str(info.value)

    def unpacks_wrongly(dh_next, dc_next, cache):
        x_t, h_prev, c_prev, i_t, f_t, o_t, c_t, W = cache  # forgets c_tilde: 8 names for 9 items
        return None

    with pytest.raises(CheckFailed, match=r"raised ValueError \(too many values to unpack") as info:
        C.check_lstm_step_backward(unpacks_wrongly)
    assert "\n" not in str(info.value)

    with pytest.raises(CheckFailed, match=r"raised TypeError"):
        C.check_lstm_step_backward(lambda dh, dc, cache: cache + 1)


def test_backward_rejects_mutating_the_cache():
    def mutating(dh_next, dc_next, cache):
        out = _backward(dh_next, dc_next, cache)
        cache[7][...] = np.tanh(cache[7])
        return out

    with pytest.raises(CheckFailed, match="modified an array of the cache"):
        C.check_lstm_step_backward(mutating)


def test_backward_rejects_wrong_shapes_none_nan_and_arity():
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
    with pytest.raises(CheckFailed, match="returned None"):
        C.check_lstm_step_backward(lambda *a: None)
    with pytest.raises(CheckFailed, match="tuple of 5 arrays"):
        C.check_lstm_step_backward(lambda *a: _backward(*a)[:3])

    def nan_dx(*a):
        dx, *rest = _backward(*a)
        return (dx * np.nan, *rest)

    with pytest.raises(CheckFailed, match="dx contains .* NaN"):
        C.check_lstm_step_backward(nan_dx)


def test_not_implemented_propagates_from_every_check():
    def stub(*a):
        raise NotImplementedError()

    for check in (C.check_lstm_step_backward, C.check_last_valid_hidden, C.check_n_params,
                  C.check_gru_step_backward):
        with pytest.raises(NotImplementedError):
            check(stub)
    with pytest.raises(NotImplementedError):
        C.check_forget_bias_experiment(stub, stub)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 2: last_valid_hidden
# ---------------------------------------------------------------------------------------------------------------


def test_last_valid_accepts_reference_and_a_loop(capsys):
    C.check_last_valid_hidden(lambda hs, lengths: hs[lengths - 1, np.arange(hs.shape[1])])
    C.check_last_valid_hidden(lambda hs, lengths: np.stack([hs[L - 1, n] for n, L in enumerate(lengths)]))
    assert capsys.readouterr().out.count("passed") == 2


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


# ---------------------------------------------------------------------------------------------------------------
# Exercise 3: n_params
# ---------------------------------------------------------------------------------------------------------------


def _count(kind, D, H, num_layers=1, bidirectional=False, proj_size=0, *, inputs="ok", biases=2, dirs="ok",
           hh="ok", hr=True, gates=None):
    G = gates or {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    nd = 2 if bidirectional and dirs != "ignored" else 1
    P = proj_size or H
    total = 0
    for layer in range(num_layers):
        if layer == 0 or inputs == "D":
            d_in = D
        elif inputs == "H":
            d_in = H
        else:
            d_in = nd * P
        n = G * H * d_in + G * H * (H if hh == "H" else P) + biases * G * H
        if proj_size and hr:
            n += P * H
        if dirs == "ignored":
            total += n
        elif dirs == "first_only":
            total += n * (nd if layer == 0 else 1)
        else:
            total += n * nd
    return total


def _count_with_loops(kind, D, H, num_layers=1, bidirectional=False, proj_size=0):
    """A correct variant: list every tensor's shape, as PyTorch names them, and multiply out."""
    G = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    out = proj_size if proj_size > 0 else H
    shapes = []
    for layer in range(num_layers):
        for _ in range(2 if bidirectional else 1):
            d_in = D if layer == 0 else out * (2 if bidirectional else 1)
            shapes += [(G * H, d_in), (G * H, out), (G * H,), (G * H,)]
            if proj_size > 0:
                shapes.append((proj_size, H))
    return sum(math.prod(s) for s in shapes)


def test_n_params_reference_matches_torch():
    cases = C._n_params_cases()[0] + [("lstm", 3, 6, 2, True, 4), ("gru", 2, 3, 4, False, 0)]
    for kind, D, H, L, bi, P in cases:
        kwargs = {"num_layers": L, "bidirectional": bi, **({"proj_size": P} if P else {})}
        module = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind](D, H, **kwargs)
        assert sum(p.numel() for p in module.parameters()) == C.n_params_reference(kind, D, H, L, bi, P)


def test_n_params_accepts_correct_answers(capsys):
    C.check_n_params(_count)
    C.check_n_params(_count_with_loops)
    assert capsys.readouterr().out.count("passed") == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"inputs": "D"}, r"gives every layer D inputs"),
        ({"inputs": "H"}, r"gives an upper layer of a bidirectional stack H inputs"),
        ({"biases": 1}, r"counts one bias vector per gate; PyTorch keeps two"),
        ({"dirs": "ignored"}, r"ignores bidirectional"),
        ({"dirs": "first_only"}, r"doubles only the first layer"),
        ({"hh": "H"}, r"gives weight_hh H columns with a projection"),
        ({"hr": False}, r"forgets weight_hr"),
    ],
)
def test_n_params_names_the_mistake(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        C.check_n_params(lambda *a: _count(*a, **kwargs))


def test_n_params_names_gate_counts_and_partial_mistakes():
    def lstm_three_gates(kind, *a):
        return _count(kind, *a, gates={"rnn": 1, "gru": 3, "lstm": 3}[kind])

    with pytest.raises(CheckFailed, match=r"wrong number of gate blocks: an LSTM stacks 4"):
        C.check_n_params(lstm_three_gates)

    def upper_reads_proj_only(kind, D, H, num_layers=1, bidirectional=False, proj_size=0):
        # right everywhere except: an upper layer reads proj_size, forgetting the second direction
        n = _count(kind, D, H, num_layers, bidirectional, proj_size)
        if proj_size and bidirectional and num_layers > 1:
            n -= 2 * (num_layers - 1) * 4 * H * proj_size
        return n

    with pytest.raises(CheckFailed, match=r"gives an upper layer of a bidirectional stack proj_size inputs"):
        C.check_n_params(upper_reads_proj_only)


def test_n_params_rejects_building_the_module_and_hard_coding():
    def by_torch(kind, D, H, num_layers=1, bidirectional=False, proj_size=0):
        kwargs = {"num_layers": num_layers, "bidirectional": bidirectional}
        if proj_size:
            kwargs["proj_size"] = proj_size
        module = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind](D, H, **kwargs)
        return sum(p.numel() for p in module.parameters())

    with pytest.raises(CheckFailed, match=r"raised RuntimeError .*derive the count from the shapes") as info:
        C.check_n_params(by_torch)
    assert "\n" not in str(info.value)
    with pytest.raises(CheckFailed, match=r"n_params\('lstm', 7, 5, 1, False, 0\) = 4608, expected 280"):
        C.check_n_params(lambda *a: 4608)

    def int32_count(kind, D, H, num_layers=1, bidirectional=False, proj_size=0):
        return int(np.int32(_count(kind, D, H, num_layers, bidirectional, proj_size) % 2**31) * np.int32(1))

    with pytest.raises(CheckFailed, match=r"int32 arithmetic overflows"):
        C.check_n_params(int32_count)
    with pytest.raises(CheckFailed, match="is None"):
        C.check_n_params(lambda *a: None)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 4: the forget-bias experiment
# ---------------------------------------------------------------------------------------------------------------


def _predict(T, keep):
    q = keep ** (1 / T)
    return math.log(q / (1 - q))


def _predict_by_bisection(T, keep):
    """A correct variant: solve sigmoid(b)**T = keep numerically."""
    lo, hi = -50.0, 50.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sigmoid(mid) ** T < keep else (lo, mid)
    return (lo + hi) / 2


def _smallest(gates_for_bias, biases, keep, *, stat="median", compare=">=", pick="smallest", gain="prod"):
    chosen = []
    for b in biases:
        f = gates_for_bias(b)
        if gain == "prod":
            g = np.prod(f, axis=0)
        elif gain == "mean_f_power":
            g = np.mean(f) ** len(f)
        else:  # over the batch axis
            g = np.prod(f, axis=1)
        s = np.median(g) if stat == "median" else np.mean(g)
        if (s >= keep) if compare == ">=" else (s > keep):
            if pick == "first":
                return b
            chosen.append(b)
    if not chosen:
        return None
    return min(chosen) if pick == "smallest" else max(chosen)


def _smallest_log_space(gates_for_bias, biases, keep):
    """A correct variant: sums of logs, a sorted loop, an early exit."""
    for b in sorted(biases):
        if np.median(np.exp(np.log(gates_for_bias(b)).sum(axis=0))) >= keep:
            return b
    return None


def test_forget_bias_accepts_correct_answers(capsys):
    C.check_forget_bias_experiment(_predict, _smallest)
    C.check_forget_bias_experiment(_predict_by_bisection, _smallest_log_space)
    assert capsys.readouterr().out.count("passed") == 2


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda T, keep: math.log(keep / (1 - keep)), r"takes the logit of keep itself"),
        (lambda T, keep: math.log(keep ** (1 / T)), r"takes log\(keep\*\*\(1/T\)\), not the logit"),
        (lambda T, keep: -_predict(T, keep), r"has the sign flipped"),
        (lambda T, keep: math.log((keep / T) / (1 - keep / T)), r"uses keep / T per step"),
        (lambda T, keep: math.log((1 - (1 - keep) / T) / ((1 - keep) / T)), r"a linear guess"),
        (lambda T, keep: 3.05, r"predicted_forget_bias\(100, 0.01\) = 3.05 is wrong"),
        (lambda T, keep: None, r"is None"),
    ],
)
def test_prediction_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        C.check_forget_bias_experiment(wrong, _smallest)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"stat": "mean"}, r"uses the mean gain .*asks for the median"),
        ({"compare": ">"}, r"compares with > keep"),
        ({"pick": "largest"}, r"returns the largest bias"),
        ({"pick": "first"}, r"returns the first qualifying bias in the order given"),
        ({"gain": "mean_f_power"}, r"raises the mean forget gate to the power T"),
        ({"gain": "batch_axis"}, r"multiplies over the wrong axis"),
    ],
)
def test_measurement_names_the_mistake(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        C.check_forget_bias_experiment(_predict, lambda *a: _smallest(*a, **kwargs))


def test_measurement_rejects_hard_coded_and_broken_answers():
    with pytest.raises(CheckFailed, match=r"returned 4 on two experiments whose answers differ"):
        C.check_forget_bias_experiment(_predict, lambda *a: 4.0)

    def no_none(gates_for_bias, biases, keep):
        return min(b for b in biases if np.median(np.prod(gates_for_bias(b), axis=0)) >= keep)

    with pytest.raises(CheckFailed, match=r"raised ValueError .*empty"):
        C.check_forget_bias_experiment(_predict, no_none)

    def zero_when_none(gates_for_bias, biases, keep):
        return _smallest(gates_for_bias, biases, keep) or 0.0

    with pytest.raises(CheckFailed, match=r"return None when no bias qualifies"):
        C.check_forget_bias_experiment(_predict, zero_when_none)

    def returns_the_gain(gates_for_bias, biases, keep):
        b = _smallest(gates_for_bias, biases, keep)
        return None if b is None else float(np.median(np.prod(gates_for_bias(b), axis=0)))

    with pytest.raises(CheckFailed, match=r"not one of the biases of the experiment"):
        C.check_forget_bias_experiment(_predict, returns_the_gain)


def test_the_given_experiment_keeps_its_story():
    # The solutions page's numbers: bias 4 is the smallest grid bias that keeps 1 % along the direct path,
    # the prediction from sigmoid(b)**100 says about 3.05, and bias 3 keeps less than sigmoid(3)**100.
    assert _smallest(C.forget_gates_for_bias, C.FORGET_BIASES, C.KEEP) == 4.0
    assert _predict(100, C.KEEP) == pytest.approx(3.05, abs=0.01)
    assert np.median(np.prod(C.forget_gates_for_bias(3.0), axis=0)) < sigmoid(3.0) ** 100
    assert C.forget_gates_for_bias(0.0).mean() == pytest.approx(0.5, abs=0.02)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 5: gru_step_backward
# ---------------------------------------------------------------------------------------------------------------


def _gru_backward(dh_next, cache, *, z_role="pytorch", reset="after", b_hn="ok", order="rzn", direct=True,
                  deriv="ok", reduce="sum", dz_sign=1.0):
    x_t, h_prev, r, z, n, hn, W_ih, W_hh = cache
    N, H = h_prev.shape
    if z_role == "colah":
        dn, dz, d_direct = dh_next * z, dh_next * (n - h_prev), dh_next * (1 - z)
    else:
        dn, dz, d_direct = dh_next * (1 - z), dh_next * (h_prev - n), dh_next * z
    dz = dz_sign * dz
    da_n = dn if deriv == "no_tanh" else dn * (1 - n**2)
    W_hr, W_hz, W_hn = W_hh[:H], W_hh[H : 2 * H], W_hh[2 * H :]
    if reset == "before":  # differentiates n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn)
        d_rh = da_n @ W_hn
        dr = d_rh * h_prev
        dW_hn, db_hn = da_n.T @ (r * h_prev), da_n.sum(axis=0)
        dh_from_n = d_rh * r
    else:
        dr = da_n * hn
        dW_hn = (da_n * r).T @ h_prev
        db_hn = da_n.sum(axis=0) if b_hn == "no_r" else (da_n * r).sum(axis=0)
        dh_from_n = (da_n * r) @ W_hn
    da_r = dr if deriv == "no_sigmoid_r" else dr * r * (1 - r)
    da_z = dz if deriv == "no_sigmoid_z" else dz * z * (1 - z)
    first, second = (da_z, da_r) if order == "zrn" else (da_r, da_z)
    dgi = np.concatenate([first, second, da_n], axis=1)
    dW_ih, db_ih = dgi.T @ x_t, dgi.sum(axis=0)
    dx = dgi @ W_ih
    W_first, W_second = (W_hz, W_hr) if order == "zrn" else (W_hr, W_hz)
    dW_hh = np.concatenate([first.T @ h_prev, second.T @ h_prev, dW_hn], axis=0)
    db_hh = np.concatenate([first.sum(axis=0), second.sum(axis=0), db_hn])
    dh_prev = first @ W_first + second @ W_second + dh_from_n
    if direct:
        dh_prev = dh_prev + d_direct
    if reduce == "mean":
        dW_ih, dW_hh, db_ih, db_hh = dW_ih / N, dW_hh / N, db_ih / N, db_hh / N
    return dx, dh_prev, dW_ih, dW_hh, db_ih, db_hh


def _gru_backward_autograd_free_variant(dh_next, cache):
    """A correct variant: the three hidden matmuls as one stacked product, einsum for the weights."""
    x_t, h_prev, r, z, n, hn, W_ih, W_hh = cache
    da_n = dh_next * (1 - z) * (1 - n * n)
    dgi = np.hstack([da_n * hn * r * (1 - r), dh_next * (h_prev - n) * z * (1 - z), da_n])
    dgh = np.hstack([dgi[:, : 2 * h_prev.shape[1]], da_n * r])
    return (dgi @ W_ih, dh_next * z + dgh @ W_hh, np.einsum("nk,nd->kd", dgi, x_t),
            np.einsum("nk,nh->kh", dgh, h_prev), dgi.sum(0), dgh.sum(0))


def test_gru_reference_matches_torch_and_finite_differences():
    N, D, H = 3, 5, 4
    rng = np.random.default_rng(0)
    x, h0 = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    params = [rng.standard_normal((3 * H, D)), rng.standard_normal((3 * H, H)),
              rng.standard_normal(3 * H), rng.standard_normal(3 * H)]
    dh = rng.standard_normal((N, H))
    cell = torch.nn.GRUCell(D, H).double()
    with torch.no_grad():
        for p, v in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), params, strict=True):
            p.copy_(torch.from_numpy(v))
    x_pt, h_pt = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    (cell(x_pt, h_pt) * torch.from_numpy(dh)).sum().backward()
    h1, cache = C.gru_step_forward(x, h0, *params)
    ref = C.gru_step_backward_reference(dh, cache)
    torch_grads = [x_pt.grad, h_pt.grad, cell.weight_ih.grad, cell.weight_hh.grad, cell.bias_ih.grad,
                   cell.bias_hh.grad]
    for mine, theirs in zip(ref, torch_grads, strict=True):
        assert np.abs(mine - theirs.numpy()).max() < 1e-12
    # centred finite differences on b_hh (its n block is the subtle one)
    eps, b_hh = 1e-6, params[3]
    fd = np.zeros_like(b_hh)
    for k in range(b_hh.size):
        plus, minus = b_hh.copy(), b_hh.copy()
        plus[k] += eps
        minus[k] -= eps
        fp = np.sum(dh * C.gru_step_forward(x, h0, *params[:3], plus)[0])
        fm = np.sum(dh * C.gru_step_forward(x, h0, *params[:3], minus)[0])
        fd[k] = (fp - fm) / (2 * eps)
    assert np.abs(fd - ref[5]).max() / np.abs(fd).max() < 1e-7


def test_gru_backward_accepts_correct_answers(capsys):
    C.check_gru_step_backward(_gru_backward)
    C.check_gru_step_backward(_gru_backward_autograd_free_variant)
    C.check_gru_step_backward(C.gru_step_backward_reference)
    assert capsys.readouterr().out.count("passed") == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"z_role": "colah"}, r"reverses z's role \(colah's convention"),
        ({"reset": "before"}, r"differentiates Cho et al.'s paper form W_hn \(r \* h_prev\)"),
        ({"b_hn": "no_r"}, r"forgets r in the gradient of b_hn"),
        ({"order": "zrn"}, r"stacks the gate gradients as \[z \| r \| n\]; PyTorch's rows are \[r \| z \| n\]"),
        ({"direct": False}, r"misses the direct path"),
        ({"deriv": "no_sigmoid_r"}, r"forgets the sigmoid derivative of the reset gate"),
        ({"deriv": "no_sigmoid_z"}, r"forgets the sigmoid derivative of the update gate"),
        ({"deriv": "no_tanh"}, r"forgets the tanh derivative of the candidate"),
        ({"reduce": "mean"}, r"averages the weight and bias gradients over the batch"),
        ({"dz_sign": -1.0}, r"sign of dz flipped"),
    ],
)
def test_gru_backward_names_the_mistake(kwargs, message):
    with pytest.raises(CheckFailed, match=message):
        C.check_gru_step_backward(lambda *a: _gru_backward(*a, **kwargs))


def test_gru_backward_partial_mistakes_are_named_on_the_output():
    def direct_path_colah_only(dh_next, cache):
        # right everywhere except the direct path, which uses (1 - z) as in colah's picture
        dx, dh_prev, *rest = _gru_backward(dh_next, cache)
        z = cache[3]
        return (dx, dh_prev - dh_next * z + dh_next * (1 - z), *rest)

    with pytest.raises(CheckFailed, match=r"dh_prev is wrong: .*uses \(1 - z\) on the direct path"):
        C.check_gru_step_backward(direct_path_colah_only)

    def dh_prev_without_r(dh_next, cache):
        x_t, h_prev, r, z, n, hn, W_ih, W_hh = cache
        H = h_prev.shape[1]
        dx, dh_prev, *rest = _gru_backward(dh_next, cache)
        da_n = dh_next * (1 - z) * (1 - n**2)
        return (dx, dh_prev - (da_n * r) @ W_hh[2 * H :] + da_n @ W_hh[2 * H :], *rest)

    with pytest.raises(CheckFailed, match=r"dh_prev is wrong: .*forgets r on the path through the candidate"):
        C.check_gru_step_backward(dh_prev_without_r)

    def unnamed_slip_in_n(dh_next, cache):
        dx, dh_prev, dW_ih, dW_hh, db_ih, db_hh = _gru_backward(dh_next, cache)
        db_hh = db_hh.copy()
        db_hh[-1] += 1.0
        return dx, dh_prev, dW_ih, dW_hh, db_ih, db_hh

    with pytest.raises(CheckFailed, match=r"db_hh is wrong in rows 2H:3H, the n \(candidate\) block"):
        C.check_gru_step_backward(unnamed_slip_in_n)


def test_gru_backward_shapes_none_exceptions():
    with pytest.raises(CheckFailed, match=r"dW_ih has shape \(5, 12\); expected \(3H, D\)"):
        C.check_gru_step_backward(lambda *a: (lambda g: (g[0], g[1], g[2].T, *g[3:]))(_gru_backward(*a)))
    with pytest.raises(CheckFailed, match="returned None"):
        C.check_gru_step_backward(lambda *a: None)
    with pytest.raises(CheckFailed, match="tuple of 6 arrays"):
        C.check_gru_step_backward(lambda *a: _gru_backward(*a)[:5])

    def x_times_W(dh_next, cache):
        x_t, h_prev, r, z, n, hn, W_ih, W_hh = cache
        return x_t @ W_ih  # (N, D) @ (3H, D): a shape mismatch

    with pytest.raises(CheckFailed, match=r"raised ValueError .*dx = dgi @ W_ih") as info:
        C.check_gru_step_backward(x_times_W)
    assert "\n" not in str(info.value)

    def mutates(dh_next, cache):
        out = _gru_backward(dh_next, cache)
        cache[4][...] = 0.0
        return out

    with pytest.raises(CheckFailed, match="modified an array of the cache"):
        C.check_gru_step_backward(mutates)
