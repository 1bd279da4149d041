"""Chapter 6's checks accept correct answers and reject each named mistake with a message that names it."""

import numpy as np
import pytest

from rnnbook.checks import ch06
from rnnbook.checks.core import CheckFailed


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# ---------------------------------------------------------------- lstm_cell_forward


def make_cell(*, concat="hx", cand=np.tanh, keep="f", squash=np.tanh, swap_fi=False, read_prev=False, ret="hc",
              gate=sigmoid, write="i*c", o_inside=False, axis=1, no_o=False, no_bias="", order="fico"):
    """A student's cell, written out; each keyword reproduces one mistake."""

    def lstm_cell_forward(x_t, h_prev, c_prev, p):
        z = np.concatenate([h_prev, x_t] if concat == "hx" else [x_t, h_prev], axis=axis)
        names = dict(zip("fico", order, strict=True))  # which weights each part reads

        def pre(g):
            w = names[g]
            return z @ p[f"W_{w}"].T + (0 if no_bias == g else p[f"b_{w}"])

        f_t = gate(pre("f"))
        i_t = gate(pre("i"))
        if swap_fi:
            f_t, i_t = i_t, f_t
        c_tilde = cand(pre("c"))
        o_t = gate(pre("o"))
        new = {"i*c": i_t * c_tilde, "i+c": i_t + c_tilde, "c": c_tilde, "i*c_prev": i_t * c_prev}[write]
        old = {"f": f_t * c_prev, "none": c_prev, "1-f": (1 - f_t) * c_prev, "drop": 0.0}[keep]
        c_t = old + new
        c_read = c_prev if read_prev else c_t
        if no_o:
            h_t = np.tanh(c_read)
        else:
            h_t = squash(o_t * c_read) if o_inside else o_t * squash(c_read)
        return {"hc": (h_t, c_t), "ch": (c_t, h_t), "h": h_t, "T": (h_t.T, c_t.T)}[ret]

    return lstm_cell_forward


def cell_stacked(x_t, h_prev, c_prev, p):
    # another correct answer: one stacked matrix product, as PyTorch does
    z = np.concatenate([h_prev, x_t], axis=1)
    W = np.concatenate([p["W_f"], p["W_i"], p["W_c"], p["W_o"]])
    b = np.concatenate([p["b_f"], p["b_i"], p["b_c"], p["b_o"]])
    a = z @ W.T + b
    H = h_prev.shape[1]
    f, i, g, o = (a[:, k * H:(k + 1) * H] for k in range(4))
    c = sigmoid(f) * c_prev + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def cell_split_weights(x_t, h_prev, c_prev, p):
    # another correct answer: the h-part and x-part of each W applied separately
    H = h_prev.shape[1]

    def a(g):
        return h_prev @ p[f"W_{g}"][:, :H].T + x_t @ p[f"W_{g}"][:, H:].T + p[f"b_{g}"]

    c = sigmoid(a("f")) * c_prev + sigmoid(a("i")) * np.tanh(a("c"))
    return sigmoid(a("o")) * np.tanh(c), c


def test_cell_accepts_correct_variants(capsys):
    for fn in (make_cell(), cell_stacked, cell_split_weights):
        ch06.check_lstm_cell_forward(fn)
    assert capsys.readouterr().out.count("lstm_cell_forward: all checks passed") == 3


@pytest.mark.parametrize(
    "wrong, message",
    [
        (make_cell(keep="none"), "has no forget gate"),
        (make_cell(keep="1-f"), r"multiplies c_prev by 1 - f_t"),
        (make_cell(no_o=True), "is missing the output gate"),
        (make_cell(write="i*c_prev"), r"multiplies the input gate with c_prev"),
        (make_cell(no_bias="f"), "leaves out the bias of the forget gate"),
        (make_cell(no_bias="i"), "leaves out the bias of the input gate"),
        (make_cell(no_bias="c"), "leaves out the bias of the candidate"),
        (make_cell(no_bias="o"), "leaves out the bias of the output gate"),
        (make_cell(order="ifoc"), "gate-order mistake"),
        (make_cell(order="fioc"), "swaps the weights of the candidate and the output gate"),
        (make_cell(concat="xh"), r"concatenates \[x_t, h_prev\]"),
        (make_cell(cand=sigmoid), "applies a sigmoid to the candidate"),
        (make_cell(keep="drop"), "forgets c_prev"),
        (make_cell(squash=lambda c: c), "missing the tanh on c_next before the output gate"),
        (make_cell(swap_fi=True), "mixes up the forget and input gates"),
        (make_cell(read_prev=True), r"uses tanh\(c_prev\)"),
        (make_cell(ret="ch"), r"returns \(c_next, h_next\)"),
        (make_cell(gate=np.tanh), r"uses tanh for the gates"),
        (make_cell(write="i+c"), r"adds i_t and c_tilde"),
        (make_cell(write="c"), r"forgets the input gate"),
        (make_cell(o_inside=True), r"puts the output gate inside the tanh"),
        (make_cell(axis=0), r"shape mismatch in np.concatenate .*axis=1\)`, giving \(N, H \+ D\)"),
        (make_cell(ret="h"), r"should return a pair \(h_next, c_next\)"),
        (make_cell(ret="T"), r"h_next has shape \(4, 2\); expected \(N, H\) = \(2, 4\) \(it looks transposed\)"),
    ],
)
def test_cell_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        ch06.check_lstm_cell_forward(wrong)


def test_cell_none_nan_mutation_and_errors():
    with pytest.raises(CheckFailed, match="returned None"):
        ch06.check_lstm_cell_forward(lambda x_t, h_prev, c_prev, p: None)
    with pytest.raises(CheckFailed, match="NaN"):
        ch06.check_lstm_cell_forward(lambda x_t, h_prev, c_prev, p: (h_prev * np.nan, c_prev))
    with pytest.raises(CheckFailed, match="lstm_cell_forward raised KeyError: 'W_g'"):
        ch06.check_lstm_cell_forward(lambda x_t, h_prev, c_prev, p: p["W_g"])

    def mutating(x_t, h_prev, c_prev, p):
        h, c = make_cell()(x_t, h_prev, c_prev, p)
        c_prev *= 0.0
        return h, c

    with pytest.raises(CheckFailed, match="modified its argument #3 in place"):
        ch06.check_lstm_cell_forward(mutating)


def test_cell_unfinished_exercise_raises_not_implemented():
    def stub(x_t, h_prev, c_prev, p):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        ch06.check_lstm_cell_forward(stub)


# ---------------------------------------------------------------- peephole_cell_forward


def make_peephole(*, o_sees="c_t", after=False, from_h=False, skip="", swap_fi=False, matmul=False, keep="f",
                  no_o=False):
    def peephole_cell_forward(x_t, h_prev, c_prev, p):
        z = np.concatenate([h_prev, x_t], axis=1)
        v_f, v_i = (p["v_i"], p["v_f"]) if swap_fi else (p["v_f"], p["v_i"])
        seen = h_prev if from_h else c_prev

        def gate(g, v, c):
            peek = 0.0 if skip == g else (c @ np.diag(v) @ np.ones((len(v), 1)) if matmul else v * c)
            a = z @ p[f"W_{g}"].T + p[f"b_{g}"]
            return sigmoid(a) + peek if after else sigmoid(a + peek)

        f_t = gate("f", v_f, seen)
        i_t = gate("i", v_i, seen)
        c_tilde = np.tanh(z @ p["W_c"].T + p["b_c"])
        c_t = (f_t * c_prev if keep == "f" else c_prev) + i_t * c_tilde
        o_t = gate("o", p["v_o"], c_t if o_sees == "c_t" else (h_prev if from_h else c_prev))
        h_t = np.tanh(c_t) if no_o else o_t * np.tanh(c_t)
        return h_t, c_t

    return peephole_cell_forward


def test_peephole_accepts_correct_variants(capsys):
    def with_einsum(x_t, h_prev, c_prev, p):
        H = h_prev.shape[1]
        W = {g: p[f"W_{g}"] for g in "fico"}

        def a(g):
            return np.einsum("nk,hk->nh", h_prev, W[g][:, :H]) + x_t @ W[g][:, H:].T + p[f"b_{g}"]

        f = sigmoid(a("f") + p["v_f"] * c_prev)
        i = sigmoid(a("i") + p["v_i"] * c_prev)
        c = f * c_prev + i * np.tanh(a("c"))
        return sigmoid(a("o") + p["v_o"] * c) * np.tanh(c), c

    ch06.check_peephole_cell_forward(make_peephole())
    ch06.check_peephole_cell_forward(with_einsum)
    assert capsys.readouterr().out.count("peephole_cell_forward: all checks passed") == 2


@pytest.mark.parametrize(
    "wrong, message",
    [
        (make_peephole(o_sees="c_prev"), "lets the output gate look at c_prev"),
        (make_peephole(after=True), "adds the peephole term after the sigmoid"),
        (make_peephole(from_h=True), "lets the gates look at h_prev instead of the cell state"),
        (make_peephole(skip="f"), "leaves out the peephole of the forget gate"),
        (make_peephole(skip="i"), "leaves out the peephole of the input gate"),
        (make_peephole(skip="o"), "leaves out the peephole of the output gate"),
        (make_peephole(swap_fi=True), "swaps the peephole weights of the forget and input gates"),
        (make_peephole(matmul=True), "turns the peephole into a matrix product"),
        (make_peephole(keep="none"), "has no forget gate"),
        (make_peephole(no_o=True), "is missing the output gate"),
        (make_cell(), "has no peepholes at all"),
    ],
)
def test_peephole_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        ch06.check_peephole_cell_forward(wrong)


# ---------------------------------------------------------------- params_from_keras


def make_keras(*, order="ifco", x_first=False, transpose=True, rec_transpose=True, axis=1, bias_shift=0,
               rows=False, ret="dict"):
    def params_from_keras(kernel, recurrent_kernel, bias):
        H = recurrent_kernel.shape[0]
        p = {}
        for k, g in enumerate(order):
            cols = slice(k * H, (k + 1) * H)
            if rows:
                x_part, h_part = kernel[cols], recurrent_kernel[cols]
            else:
                x_part = kernel[:, cols].T if transpose else kernel[:, cols]
                h_part = recurrent_kernel[:, cols].T if (transpose and rec_transpose) else recurrent_kernel[:, cols]
            parts = [x_part, h_part] if x_first else [h_part, x_part]
            p[f"W_{g}"] = np.concatenate(parts, axis=axis)
            j = (k + bias_shift) % 4
            p[f"b_{g}"] = bias[j * H:(j + 1) * H]
        return p if ret == "dict" else None

    return params_from_keras


def keras_with_split(kernel, recurrent_kernel, bias):
    # another correct answer: np.split into four column blocks, then np.hstack
    ks, rs, bs = np.split(kernel, 4, axis=1), np.split(recurrent_kernel, 4, axis=1), np.split(bias, 4)
    p = {}
    for g, kx, kh, b in zip("ifco", ks, rs, bs, strict=True):
        p[f"W_{g}"] = np.hstack([kh.T, kx.T])
        p[f"b_{g}"] = b.copy()
    return p


def test_keras_accepts_correct_variants(capsys):
    ch06.check_params_from_keras(make_keras())
    ch06.check_params_from_keras(keras_with_split)
    assert capsys.readouterr().out.count("params_from_keras: all checks passed") == 2


@pytest.mark.parametrize(
    "wrong, message",
    [
        (make_keras(axis=0), "concatenates along the wrong axis.*use axis=1"),
        (make_keras(transpose=False), "glues blocks with different numbers of rows.*transpose"),
        (make_keras(order="ifoc"), r"reads the gates in the order \[i \| f \| o \| c\]"),
        (make_keras(order="fico"), r"reads the gates in the order \[f \| i \| c \| o\]"),
        (make_keras(x_first=True), r"glues \[x-part, h-part\]"),
        (make_keras(rec_transpose=False), "uses the recurrent_kernel block without transposing it"),
        (make_keras(bias_shift=1), "takes b_i from the block of the forget gate"),
        (make_keras(rows=True), "glues blocks with different numbers of rows"),
        (make_keras(ret=None), "returned None"),
    ],
)
def test_keras_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        ch06.check_params_from_keras(wrong)


def test_keras_transposed_output_is_named():
    def transposed(kernel, recurrent_kernel, bias):
        p = make_keras()(kernel, recurrent_kernel, bias)
        return {k: (v.T if k.startswith("W") else v) for k, v in p.items()}

    with pytest.raises(CheckFailed, match=r"W_f has shape \(H \+ D, H\)"):
        ch06.check_params_from_keras(transposed)


# ---------------------------------------------------------------- counter_weights

RIGHT = {"z": ([0, 0, 0], 1.0), "i": ([0, 100, 0], -10.0), "f": ([0, 0, 100], 10.0), "o": ([0, 0, 100], -10.0)}


def weights_fn(**changes):
    w = {**RIGHT, **changes}
    return lambda: w


def test_counter_accepts_correct_variants(capsys):
    ch06.check_counter_weights(weights_fn())
    # the write can also come from x2 itself, and larger weights are fine
    ch06.check_counter_weights(weights_fn(z=([0, 1, 0], 0.0)))
    ch06.check_counter_weights(weights_fn(i=([0, 200, 0], -20.0), f=([0, 0, 60], 30.0), o=((0, 0, 50), -25)))
    assert capsys.readouterr().out.count("counter_weights: all checks passed") == 3


LECTURE = {"z": ([1, 0, 0], 0.0), "i": ([0, 100, 0], -10.0), "f": ([0, 100, 0], 10.0), "o": ([0, 0, 100], -10.0)}


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda: LECTURE, r"a write adds x1 \(the lecture's cell input\)"),
        (weights_fn(z=([0.5, 0, 0], 1.0)), "what a write adds depends on x1"),
        (weights_fn(z=([0, 0, 0], 0.0)), r"a step with x2 = 1 adds 0 to the memory, not 1"),
        (weights_fn(f=([0, 100, 0], 10.0)), r"forget gate does not close when x3 = -1 .*reacts to x2 = -1"),
        (weights_fn(i=([0, 10, 0], -1.0), f=([0, 0, 10], 1.0), o=([0, 0, 10], -1.0)), "input gate is not shut"),
        (weights_fn(f=([0, 0, 10], 1.0)), "forget gate is a dimmer, not a switch"),
        (weights_fn(f=([0, 0, 100], -10.0)), "forget gate is closed"),
        (weights_fn(f=([0, 0, -100], 10.0)), r"at x2 = 0, x3 = 1 the forget gate is closed.*must not empty"),
        (weights_fn(o=([0, 0, 100], 10.0)), "output gate is open when x3 = 0"),
        (weights_fn(o=([0, 100, 0], -10.0)), "output gate does not open fully when x3 = 1"),
        (weights_fn(i=([0, 100, 0], 0.0)), "input gate is not shut when x2 = 0"),
        (lambda: {"z": ([0, 0], 1.0)}, "lacks the key"),
        (weights_fn(z=([0, 0], 1.0)), r"weights\['z'\]\[0\] has shape \(2,\)"),
        (lambda: None, "returned None"),
    ],
)
def test_counter_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        ch06.check_counter_weights(wrong)


def test_counter_end_to_end_catches_a_slow_leak():
    # gates that pass the probes' thresholds barely, but leak enough over 40 steps to break a count
    leaky = weights_fn(f=([0, 0, 100], 7.0))
    with pytest.raises(CheckFailed, match="forget gate is a dimmer|on a test sequence"):
        ch06.check_counter_weights(leaky)
