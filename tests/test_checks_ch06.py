"""Chapter 6's checks accept the reference solutions and reject each named mistake with a message that names it."""

import numpy as np
import pytest

from rnnbook.checks import ch06
from rnnbook.checks.core import CheckFailed


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# ---------------------------------------------------------------- lstm_cell_forward


def make_cell(*, concat="hx", cand=np.tanh, keep_c=True, squash=np.tanh, swap_fi=False, read_prev=False, ret="hc",
              gate=sigmoid, write="i*c", o_inside=False, axis=1):
    def lstm_cell_forward(x_t, h_prev, c_prev, p):
        z = np.concatenate([h_prev, x_t] if concat == "hx" else [x_t, h_prev], axis=axis)
        f_t = gate(z @ p["W_f"].T + p["b_f"])
        i_t = gate(z @ p["W_i"].T + p["b_i"])
        if swap_fi:
            f_t, i_t = i_t, f_t
        c_tilde = cand(z @ p["W_c"].T + p["b_c"])
        o_t = gate(z @ p["W_o"].T + p["b_o"])
        written = {"i*c": i_t * c_tilde, "i+c": i_t + c_tilde, "c": c_tilde}[write]
        c_t = (f_t * c_prev if keep_c else 0.0) + written
        c_read = c_prev if read_prev else c_t
        h_t = squash(o_t * c_read) if o_inside else o_t * squash(c_read)
        return {"hc": (h_t, c_t), "ch": (c_t, h_t), "h": h_t, "T": (h_t.T, c_t.T)}[ret]

    return lstm_cell_forward


def test_cell_accepts_reference(capsys):
    ch06.check_lstm_cell_forward(make_cell())
    assert "lstm_cell_forward: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (make_cell(concat="xh"), r"concatenates \[x_t, h_prev\]"),
        (make_cell(cand=sigmoid), "applies a sigmoid to the candidate"),
        (make_cell(keep_c=False), "forgets c_prev"),
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


def test_cell_none_nan_and_mutation():
    with pytest.raises(CheckFailed, match="returned None"):
        ch06.check_lstm_cell_forward(lambda x_t, h_prev, c_prev, p: None)
    with pytest.raises(CheckFailed, match="NaN"):
        ch06.check_lstm_cell_forward(lambda x_t, h_prev, c_prev, p: (h_prev * np.nan, c_prev))

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


# ---------------------------------------------------------------- lstm_forward


def make_forward(cell=None, *, carry_h=True, carry_c=True, zero_c0=False, zero_h0=False, layout="TNH", ret="hc"):
    cell = cell or make_cell()

    def lstm_forward(x, h0, c0, p):
        h0 = 0 * h0 if zero_h0 else h0
        c0 = 0 * c0 if zero_c0 else c0
        h, c, hs, cs = h0, c0, [], []
        for x_t in x:
            h, c = cell(x_t, h if carry_h else h0, c if carry_c else c0, p)
            hs.append(h)
            cs.append(c)
        hs, cs = np.stack(hs), np.stack(cs)
        if layout == "NTH":
            hs, cs = hs.transpose(1, 0, 2), cs.transpose(1, 0, 2)
        if layout == "last":
            hs, cs = hs[-1], cs[-1]
        if layout == "with_initial":
            hs, cs = np.concatenate([h0[None], hs]), np.concatenate([c0[None], cs])
        return (hs, cs) if ret == "hc" else (cs, hs)

    return lstm_forward


def test_forward_accepts_reference(capsys):
    ch06.check_lstm_forward(make_forward())
    assert "lstm_forward: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (make_forward(carry_h=False), "does not carry the hidden state across steps"),
        (make_forward(carry_c=False), "does not carry the cell state across steps"),
        (make_forward(zero_c0=True), "starts from a zero cell state"),
        (make_forward(zero_h0=True), "starts from a zero hidden state"),
        (make_forward(layout="NTH"), r"hs has shape \(N, T, H\)"),
        (make_forward(layout="last"), r"hs has shape \(N, H\): return the state of \*every\* step"),
        (make_forward(layout="with_initial"), "hs has T \\+ 1 steps: it includes the initial state"),
        (make_forward(ret="ch"), r"returns \(cs, hs\)"),
        (make_forward(make_cell(keep_c=False)), "the first step.*check lstm_cell_forward first"),
    ],
)
def test_forward_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        ch06.check_lstm_forward(wrong)


def test_forward_none_and_nan():
    with pytest.raises(CheckFailed, match="returned None"):
        ch06.check_lstm_forward(lambda x, h0, c0, p: None)
    with pytest.raises(CheckFailed, match="NaN"):
        ch06.check_lstm_forward(lambda x, h0, c0, p: (np.full((5, 2, 4), np.nan), np.zeros((5, 2, 4))))


# ---------------------------------------------------------------- params_from_torch


def make_loader(order=("i", "f", "c", "o"), *, glue="hx", bias="both", bias_shape=None):
    def params_from_torch(weight_ih, weight_hh, bias_ih, bias_hh):
        H = weight_hh.shape[1]
        p = {}
        for k, gate in enumerate(order):
            rows = slice(k * H, (k + 1) * H)
            parts = [weight_hh[rows], weight_ih[rows]]
            p[f"W_{gate}"] = np.concatenate(parts if glue == "hx" else parts[::-1], axis=1)
            b = {"both": bias_ih[rows] + bias_hh[rows], "ih": bias_ih[rows], "hh": bias_hh[rows]}[bias]
            p[f"b_{gate}"] = b.reshape(bias_shape) if bias_shape else b
        return p

    return params_from_torch


def test_loader_accepts_reference(capsys):
    ch06.check_params_from_torch(make_loader())
    assert "params_from_torch: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (make_loader(("i", "f", "o", "c")), r"reads the stacked rows in the order \[i \| f \| o \| g\]"),
        (make_loader(("f", "i", "c", "o")), r"reads the stacked rows in the order \[f \| i \| g \| o\]"),
        (make_loader(("i", "f", "o", "c"), glue="xh"), r"order \[i \| f \| o \| g\]"),
        (make_loader(glue="xh"), r"glues \[weight_ih block, weight_hh block\]"),
        (make_loader(bias="ih"), "uses only bias_ih"),
        (make_loader(bias="hh"), "uses only bias_hh"),
        (make_loader(bias_shape=(-1, 1)), r"b_f has shape \(4, 1\).*one-dimensional"),
    ],
)
def test_loader_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        ch06.check_params_from_torch(wrong)


def test_loader_wrong_types():
    with pytest.raises(CheckFailed, match="returned None"):
        ch06.check_params_from_torch(lambda *w: None)
    with pytest.raises(CheckFailed, match="should return a dict"):
        ch06.check_params_from_torch(lambda *w: [1, 2])
    with pytest.raises(CheckFailed, match="lacks the key"):
        ch06.check_params_from_torch(lambda *w: {"W_f": 0})

    def transposed(*w):
        return {k: (v.T if k.startswith("W") else v) for k, v in make_loader()(*w).items()}

    with pytest.raises(CheckFailed, match="looks transposed"):
        ch06.check_params_from_torch(transposed)

    def nan(*w):
        p = make_loader()(*w)
        p["b_o"] = p["b_o"] * np.nan
        return p

    with pytest.raises(CheckFailed, match="b_o contains 4 NaN"):
        ch06.check_params_from_torch(nan)


def test_loader_matches_torch():
    # The reference loader, fed a real nn.LSTM's weights, reproduces torch's forward pass (float64).
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4).double()
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    with torch.no_grad():
        out, (h_n, c_n) = lstm(x)
    p = make_loader()(*(getattr(lstm, f"{n}_l0").detach().numpy() for n in ("weight_ih", "weight_hh", "bias_ih",
                                                                              "bias_hh")))
    hs, cs = make_forward()(x.numpy(), np.zeros((2, 4)), np.zeros((2, 4)), p)
    assert np.max(np.abs(hs - out.numpy())) <= 1e-12
    assert np.max(np.abs(cs[-1] - c_n[0].numpy())) <= 1e-12


# ---------------------------------------------------------------- lstm_num_params


def count(D, H, L, gates=4, biases=2, deep="H"):
    return gates * (H * D + H * H + biases * H) + (L - 1) * gates * (H * (H if deep == "H" else D) + H * H + biases * H)


def test_num_params_accepts_reference(capsys):
    ch06.check_lstm_num_params(lambda D, H, num_layers=1: count(D, H, num_layers))
    assert "lstm_num_params: all checks passed" in capsys.readouterr().out


def test_num_params_reference_matches_torch():
    torch = pytest.importorskip("torch")
    for D, H, L in ch06._SIZES:
        assert sum(t.numel() for t in torch.nn.LSTM(D, H, num_layers=L).parameters()) == count(D, H, L)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda D, H, L=1: count(D, H, L, gates=1), "counts an RNN, not an LSTM"),
        (lambda D, H, L=1: count(D, H, L, biases=1), "counts one bias per gate"),
        (lambda D, H, L=1: count(D, H, L, deep="D"), "uses D as the input size of every layer"),
        (lambda D, H, L=1: count(D, H, 1), "ignores num_layers"),
        (lambda D, H, L=1: count(D, H, L, gates=3), "counts three gates, as in a GRU"),
        (lambda D, H, L=1: count(D, H, L, biases=0), "counts no biases"),
        (lambda D, H, L=1: count(D, H, L) + 1, r"lstm_num_params\(1, 1, 1\) = 17; nn.LSTM\(1, 1, num_layers=1\) has 16"),
        (lambda D, H, L=1: None, "is None"),
        (lambda D, H, L=1: [count(D, H, L)] * 2, "should be a single number"),
    ],
)
def test_num_params_names_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        ch06.check_lstm_num_params(wrong)


def test_cell_candidate_and_output_weights_swapped_is_named():
    from rnnbook.checks.ch06 import check_lstm_cell_forward

    def swapped(x_t, h_prev, c_prev, p):
        z = np.concatenate([h_prev, x_t], axis=1)
        sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
        f_t = sig(z @ p["W_f"].T + p["b_f"])
        i_t = sig(z @ p["W_i"].T + p["b_i"])
        c_tilde = np.tanh(z @ p["W_o"].T + p["b_o"])
        o_t = sig(z @ p["W_c"].T + p["b_c"])
        c_next = f_t * c_prev + i_t * c_tilde
        return o_t * np.tanh(c_next), c_next

    with pytest.raises(CheckFailed, match="swaps the weights of the candidate and the output gate"):
        check_lstm_cell_forward(swapped)
