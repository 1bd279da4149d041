"""Chapter 3's checks accept the reference and reject each named mistake with a message that names it."""

import numpy as np
import pytest

from rnnbook.checks import CheckFailed
from rnnbook.checks.ch03 import (
    check_bidirectional_rnn_forward,
    check_birnn_batch_first,
    check_jordan_forward,
    check_rnn_param_count,
    check_rnn_shapes,
    check_stacked_birnn_forward,
    check_stacked_rnn_forward,
)


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    h, hs = h0, []
    for t in range(len(x)):
        h = np.tanh(x[t] @ W_xh.T + h @ W_hh.T + b_h)
        hs.append(h)
    return np.stack(hs)


# ----------------------------------------------------------------------------- Jordan
def make_jordan(feed="y", carry=True, transpose=False, use_b_h=True, use_b_y=True, use_y0=True):
    def jordan_forward(x, y0, W_xh, W_yh, b_h, W_hy, b_y):
        y = y0 if use_y0 else np.zeros_like(y0)
        h = np.zeros((x.shape[1], W_xh.shape[0]))
        W = W_yh.T if transpose else W_yh
        ys = []
        for t in range(len(x)):
            context = (y if carry else y0) if feed == "y" else h
            h = np.tanh(x[t] @ W_xh.T + context @ W.T + (b_h if use_b_h else 0))
            y = h @ W_hy.T + (b_y if use_b_y else 0)
            ys.append(y)
        return np.stack(ys)

    return jordan_forward


def jordan_variant(squash_y=False, keep="y"):
    def jordan_forward(x, y0, W_xh, W_yh, b_h, W_hy, b_y):
        y, out = y0, []
        for t in range(len(x)):
            h = np.tanh(x[t] @ W_xh.T + y @ W_yh.T + b_h)
            y_prev, y = y, h @ W_hy.T + b_y
            if squash_y:
                y = np.tanh(y)
            out.append({"y": y, "h": h, "y_prev": y_prev}[keep])
        return np.stack(out)

    return jordan_forward


def test_jordan_accepts_reference(capsys):
    check_jordan_forward(make_jordan())
    assert "jordan_forward: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (make_jordan(feed="h"), "feeds back the hidden state h"),
        (make_jordan(carry=False), "does not carry the output"),
        (make_jordan(transpose=True), "W_yh transposed"),
        (make_jordan(use_b_h=False), "ignores the bias b_h"),
        (make_jordan(use_b_y=False), "ignores the output bias b_y"),
        (make_jordan(use_y0=False), "ignores y0"),
        (jordan_variant(squash_y=True), "applies a tanh to the output"),
        (jordan_variant(keep="h"), "returns the hidden states h_t"),
        (jordan_variant(keep="y_prev"), r"ys\[0\] should be y_1, not y0"),
        (lambda *a: make_jordan()(*a)[-1], r"expected \(T, N, O\)"),
        (lambda *a: make_jordan()(*a) * 1.001, "wrong values"),
    ],
)
def test_jordan_rejects(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_jordan_forward(wrong)


# ----------------------------------------------------------------------------- bidirectional
def make_bidir(rereverse=True, reverse_input=True, order="fb", same_weights=False):
    def bidirectional_rnn_forward(x, W_xh_f, W_hh_f, b_f, W_xh_b, W_hh_b, b_b):
        z = np.zeros((x.shape[1], W_hh_f.shape[0]))
        fwd = rnn_forward(x, z, W_xh_f, W_hh_f, b_f)
        params_b = (W_xh_f, W_hh_f, b_f) if same_weights else (W_xh_b, W_hh_b, b_b)
        bwd = rnn_forward(x[::-1] if reverse_input else x, z, *params_b)
        if rereverse and reverse_input:
            bwd = bwd[::-1]
        pair = [fwd, bwd] if order == "fb" else [bwd, fwd]
        return np.concatenate(pair, axis=-1)

    return bidirectional_rnn_forward


def test_bidir_accepts_reference(capsys):
    check_bidirectional_rnn_forward(make_bidir())
    assert "bidirectional_rnn_forward: all checks passed" in capsys.readouterr().out


def bidir_stacked(*args):
    out = make_bidir()(*args)
    H = out.shape[-1] // 2
    return np.stack([out[..., :H], out[..., H:]])


def bidir_flips_outputs_only(x, W_xh_f, W_hh_f, b_f, W_xh_b, W_hh_b, b_b):
    z = np.zeros((x.shape[1], W_hh_f.shape[0]))
    fwd = rnn_forward(x, z, W_xh_f, W_hh_f, b_f)
    bwd = rnn_forward(x, z, W_xh_b, W_hh_b, b_b)[::-1]  # runs over x forwards, then flips the states
    return np.concatenate([fwd, bwd], axis=-1)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (make_bidir(rereverse=False), "does not re-reverse the backward outputs"),
        (make_bidir(reverse_input=False), "never reverses the input"),
        (make_bidir(order="bf"), "backward direction first"),
        (make_bidir(same_weights=True), "forward weights for both"),
        (lambda *a: make_bidir()(*a)[..., :5], "one direction only"),
        (bidir_stacked, "along the last axis"),
        (lambda *a: np.stack(np.split(make_bidir()(*a), 2, axis=-1), axis=2), "along the last axis"),
        (bidir_flips_outputs_only, "reverses the backward RNN's outputs but not its input"),
        (lambda *a: make_bidir()(*a)[:, 0], r"expected \(T, N, 2H\)"),
    ],
)
def test_bidir_rejects(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_bidirectional_rnn_forward(wrong)


# ----------------------------------------------------------------------------- stacked
def stacked_ok(x, layers):
    inp, finals = x, []
    for W_xh, W_hh, b_h in layers:
        inp = rnn_forward(inp, np.zeros((x.shape[1], W_hh.shape[0])), W_xh, W_hh, b_h)
        finals.append(inp[-1])
    return inp, np.stack(finals)


def stacked_first_layer(x, layers):
    out, h_n = stacked_ok(x, layers)
    first, _ = stacked_ok(x, layers[:1])
    return first, h_n


def stacked_top_only(x, layers):
    out, h_n = stacked_ok(x, layers)
    return out, h_n[-1]


def stacked_reversed_hn(x, layers):
    out, h_n = stacked_ok(x, layers)
    return out, h_n[::-1]


def stacked_first_steps(x, layers):
    inp, firsts = x, []
    for W_xh, W_hh, b_h in layers:
        inp = rnn_forward(inp, np.zeros((x.shape[1], W_hh.shape[0])), W_xh, W_hh, b_h)
        firsts.append(inp[0])
    return inp, np.stack(firsts)


def stacked_all_read_x(x, layers):
    finals = []
    for W_xh, W_hh, b_h in layers:
        out = rnn_forward(x, np.zeros((x.shape[1], W_hh.shape[0])), W_xh, W_hh, b_h)
        finals.append(out[-1])
    return out, np.stack(finals)


def test_stacked_accepts_reference(capsys):
    check_stacked_rnn_forward(stacked_ok)
    assert "stacked_rnn_forward: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (stacked_first_layer, "first layer's outputs"),
        (stacked_top_only, r"final state of \*every\* layer"),
        (stacked_reversed_hn, "reverse order"),
        (stacked_first_steps, r"\*first\* step"),
        (stacked_all_read_x, r"every layer of your code reads x.*\(T, N, H\) of layer ℓ - 1"),
        (lambda x, layers: stacked_ok(x, layers)[0], "pair"),
        (lambda x, layers: (stacked_ok(x, layers)[0][-1], stacked_ok(x, layers)[1]), r"expected \(T, N, H\)"),
    ],
)
def test_stacked_rejects(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_stacked_rnn_forward(wrong)


# ----------------------------------------------------------------------------- nn.RNN shapes
def shapes_ok(L, N, H_in, H_out, num_layers, bidirectional, batch_first):
    D = 2 if bidirectional else 1
    out = (N, L, D * H_out) if batch_first else (L, N, D * H_out)
    return out, (D * num_layers, N, H_out)


def test_shapes_accept_reference(capsys):
    check_rnn_shapes(shapes_ok)
    assert "rnn_shapes: all checks passed" in capsys.readouterr().out


def shapes_batch_first_hn(L, N, H_in, H_out, num_layers, bidirectional, batch_first):
    out, h = shapes_ok(L, N, H_in, H_out, num_layers, bidirectional, batch_first)
    return out, (h[1], h[0], h[2]) if batch_first else h


def shapes_no_D_out(L, N, H_in, H_out, num_layers, bidirectional, batch_first):
    out, h = shapes_ok(L, N, H_in, H_out, num_layers, bidirectional, batch_first)
    return out[:-1] + (H_out,), h


def shapes_no_D_hn(L, N, H_in, H_out, num_layers, bidirectional, batch_first):
    out, h = shapes_ok(L, N, H_in, H_out, num_layers, bidirectional, batch_first)
    return out, (num_layers, N, H_out)


def shapes_no_layers_hn(L, N, H_in, H_out, num_layers, bidirectional, batch_first):
    out, h = shapes_ok(L, N, H_in, H_out, num_layers, bidirectional, batch_first)
    return out, ((2 if bidirectional else 1), N, H_out)


def shapes_ignore_batch_first(L, N, H_in, H_out, num_layers, bidirectional, batch_first):
    return shapes_ok(L, N, H_in, H_out, num_layers, bidirectional, False)


def shapes_seed_erratum(L, N, H_in, H_out, num_layers, bidirectional, batch_first):
    return (H_out, N, 10 * H_out), (num_layers, N, H_out)  # seed 003 prints out as (10, 3, 100)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (shapes_batch_first_hn, "batch_first does not apply to h_n"),
        (shapes_no_D_out, "concatenates both directions"),
        (shapes_no_D_hn, "D = 2 directions"),
        (shapes_no_layers_hn, "final state of every layer"),
        (shapes_ignore_batch_first, r"with batch_first=True, out is \(N, L, D\*H_out\)"),
        (lambda *c: ((c[0], c[1], c[2]), shapes_ok(*c)[1]), "not H_in"),
        (shapes_seed_erratum, r"expected \(6, 3, 10\)"),
        (lambda *c: None, "forget a `return`"),
        (lambda *c: shapes_ok(*c)[0], "pair"),
    ],
)
def test_shapes_reject(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_rnn_shapes(wrong)


def test_shapes_reference_matches_torch():
    torch = pytest.importorskip("torch")
    from rnnbook.checks.ch03 import _CASES

    for L, N, H_in, H_out, num_layers, bidirectional, batch_first in _CASES:
        rnn = torch.nn.RNN(H_in, H_out, num_layers, bidirectional=bidirectional, batch_first=batch_first)
        x = torch.zeros((N, L, H_in) if batch_first else (L, N, H_in))
        out, h_n = rnn(x)
        assert (tuple(out.shape), tuple(h_n.shape)) == shapes_ok(
            L, N, H_in, H_out, num_layers, bidirectional, batch_first
        )


def test_jordan_transposed_output_weight_is_named():
    # With O == H a transposed W_hy runs and gets its own hint (with O != H numpy would raise a shape error,
    # which core.call also turns into one line).
    from rnnbook.checks.ch03 import check_jordan_forward

    def transposed_W_hy(x, y0, W_xh, W_yh, b_h, W_hy, b_y):
        y, ys = y0, []
        for t in range(x.shape[0]):
            h = np.tanh(x[t] @ W_xh.T + y @ W_yh.T + b_h)
            y = h @ W_hy + b_y
            ys.append(y)
        return np.stack(ys)

    with pytest.raises(CheckFailed, match=r"uses W_hy transposed") as info:
        check_jordan_forward(transposed_W_hy)
    assert "\n" not in str(info.value)



# ----------------------------------------------------------------------------- Jordan: more slips
def jordan_act(act=np.tanh, reverse=False, dtype=np.float64, stack_axis=0):
    def jordan_forward(x, y0, W_xh, W_yh, b_h, W_hy, b_y):
        x, y, W_xh, W_yh, b_h, W_hy, b_y = (a.astype(dtype) for a in (x, y0, W_xh, W_yh, b_h, W_hy, b_y))
        ys = []
        steps = range(len(x) - 1, -1, -1) if reverse else range(len(x))
        for t in steps:
            h = act(x[t] @ W_xh.T + y @ W_yh.T + b_h)
            y = h @ W_hy.T + b_y
            ys.append(y)
        return np.stack(ys, axis=stack_axis)

    return jordan_forward


def test_jordan_accepts_einsum_variant():
    def einsum_jordan(x, y0, W_xh, W_yh, b_h, W_hy, b_y):
        y, ys = y0, np.empty((x.shape[0], y0.shape[0], W_hy.shape[0]))
        for t in range(x.shape[0]):
            h = np.tanh(np.einsum("nd,hd->nh", x[t], W_xh) + np.einsum("no,ho->nh", y, W_yh) + b_h)
            y = np.einsum("nh,oh->no", h, W_hy) + b_y
            ys[t] = y
        return ys

    check_jordan_forward(einsum_jordan)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (jordan_act(act=lambda z: np.maximum(z, 0)), "uses ReLU instead of tanh"),
        (jordan_act(act=lambda z: z), "forgets the tanh"),
        (jordan_act(reverse=True), "runs time backwards"),
        (jordan_act(dtype=np.float32), "float32"),
        (jordan_act(stack_axis=1), r"\(N, T, O\): stack the steps along axis 0"),
    ],
    ids=["relu", "identity", "backwards", "float32", "stack-axis-1"],
)
def test_jordan_names_more_slips(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_jordan_forward(wrong)
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------------------- parameter count
def count_ok(H_in, H_out, num_layers, bidirectional, bias=True):
    D = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        d_in = H_in if layer == 0 else D * H_out
        total += D * (H_out * d_in + H_out * H_out + (2 * H_out if bias else 0))
    return total


def test_count_accepts_reference_and_closed_form(capsys):
    check_rnn_param_count(count_ok)
    assert "rnn_param_count: all checks passed" in capsys.readouterr().out

    def closed_form(H_in, H_out, num_layers, bidirectional, bias=True):
        D = 1 + int(bidirectional)
        b = 2 * H_out * bias
        first = D * (H_out * H_in + H_out**2 + b)
        rest = (num_layers - 1) * D * (H_out * D * H_out + H_out**2 + b)
        return np.int64(first + rest)

    check_rnn_param_count(closed_form)


def test_count_matches_torch():
    torch = pytest.importorskip("torch")
    from rnnbook.checks.ch03 import _COUNT_CASES, param_count_reference

    for case in _COUNT_CASES:
        H_in, H_out, num_layers, bidirectional, bias = case
        rnn = torch.nn.RNN(H_in, H_out, num_layers, bidirectional=bidirectional, bias=bias)
        assert param_count_reference(*case) == sum(p.numel() for p in rnn.parameters())


def _count(one_bias=False, upper=None, dirs=True, layers=True, bias_always=False):
    def rnn_param_count(H_in, H_out, num_layers, bidirectional, bias=True):
        D = 2 if (bidirectional and dirs) else 1
        total = 0
        for layer in range(num_layers if layers else 1):
            if layer == 0:
                d_in = H_in
            elif upper == "H":
                d_in = H_out
            elif upper == "H_in":
                d_in = H_in
            else:
                d_in = (2 if bidirectional else 1) * H_out
            nb = (H_out if one_bias else 2 * H_out) if (bias or bias_always) else 0
            total += D * (H_out * d_in + H_out * H_out + nb)
        return total

    return rnn_param_count


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_count(one_bias=True), "counts one bias per layer and direction"),
        (_count(upper="H"), "gives the upper layers of a bidirectional RNN an input of H_out"),
        (_count(upper="H_in"), "gives every layer an input of H_in"),
        (_count(dirs=False), "ignores bidirectional"),
        (_count(layers=False), "ignores num_layers"),
        (_count(bias_always=True), "counts the biases even when bias=False"),
        (lambda *a, **k: 240, r"rnn_param_count is wrong for nn.RNN\("),
        (lambda *a, **k: None, "returned None"),
        (lambda *a, **k: [240], "whole number"),
        (lambda *a, **k: 2.5, "whole number"),
    ],
    ids=["one-bias", "upper-H", "upper-H_in", "no-directions", "no-layers", "bias-always", "hard-coded", "none",
         "list", "fraction"],
)
def test_count_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_rnn_param_count(wrong)
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------------------- find the bug: batch first
def rnn_bf(x, h0, W_xh, W_hh, b_h):
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W_xh.T + h @ W_hh.T + b_h)
        hs.append(h)
    return np.stack(hs, axis=1)


def birnn_bf_ok(x, W_xh_f, W_hh_f, b_f, W_xh_b, W_hh_b, b_b):
    h0 = np.zeros((x.shape[0], W_hh_f.shape[0]))
    fwd = rnn_bf(x, h0, W_xh_f, W_hh_f, b_f)
    bwd = rnn_bf(x[:, ::-1], h0, W_xh_b, W_hh_b, b_b)[:, ::-1]
    return np.concatenate([fwd, bwd], axis=-1)


def birnn_bf_via_time_major(x, *p):
    # transpose to time first, run, transpose back: also right
    xt = x.transpose(1, 0, 2)
    z = np.zeros((x.shape[0], p[1].shape[0]))
    fwd = rnn_forward(xt, z, *p[:3])
    bwd = rnn_forward(xt[::-1], z, *p[3:])[::-1]
    return np.concatenate([fwd, bwd], axis=-1).transpose(1, 0, 2)


def test_birnn_bf_accepts_reference_and_time_major(capsys):
    check_birnn_batch_first(birnn_bf_ok)
    assert "birnn_batch_first: all checks passed" in capsys.readouterr().out
    check_birnn_batch_first(birnn_bf_via_time_major)


def _bf(flip_in, flip_out, order="fb", time_major_out=False):
    def birnn_batch_first(x, W_xh_f, W_hh_f, b_f, W_xh_b, W_hh_b, b_b):
        h0 = np.zeros((x.shape[0], W_hh_f.shape[0]))
        fwd = rnn_bf(x, h0, W_xh_f, W_hh_f, b_f)
        bwd = rnn_bf(flip_in(x), h0, W_xh_b, W_hh_b, b_b)
        bwd = flip_out(bwd)
        out = np.concatenate([fwd, bwd] if order == "fb" else [bwd, fwd], axis=-1)
        return out.transpose(1, 0, 2) if time_major_out else out

    return birnn_batch_first


def _same(a):
    return a


def _batch(a):
    return a[::-1]


def _time(a):
    return a[:, ::-1]


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_bf(_batch, _batch), "x\\[::-1\\] reverses axis 0, which in a batch-first array is the batch"),
        (_bf(_time, _same), "never flips the backward states back"),
        (_bf(_time, _batch), r"flips the backward states back along axis 0 \(the batch\)"),
        (_bf(_time, _time, order="bf"), "puts the backward direction first"),
        (_bf(np.flip, _time), r"np.flip\(x\), which flips every axis"),
        (_bf(_time, _time, time_major_out=True), r"\(T, N, 2H\): the input is batch first"),
        (_bf(_same, _same), "runs the backward direction forwards in time"),
    ],
    ids=["the-given-bug", "not-reflipped", "reflipped-batch", "order", "np-flip", "time-major-out",
         "no-reversal"],
)
def test_birnn_bf_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_birnn_batch_first(wrong)
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------------------- stacked bidirectional
def stacked_bi_ok(x, layers):
    inp, finals = x, []
    for fwd, bwd in layers:
        z = np.zeros((x.shape[1], fwd[1].shape[0]))
        hf = rnn_forward(inp, z, *fwd)
        hb = rnn_forward(inp[::-1], z, *bwd)[::-1]
        finals += [hf[-1], hb[0]]
        inp = np.concatenate([hf, hb], axis=-1)
    return inp, np.stack(finals)


def test_stacked_bi_accepts_reference_and_variant(capsys):
    check_stacked_birnn_forward(stacked_bi_ok)
    assert "stacked_birnn_forward: all checks passed" in capsys.readouterr().out

    def collect_then_order(x, layers):
        inp, fw, bw = x, [], []
        for fwd, bwd in layers:
            z = np.zeros((x.shape[1], fwd[1].shape[0]))
            hf = rnn_forward(inp, z, *fwd)
            hb = np.flip(rnn_forward(np.flip(inp, axis=0), z, *bwd), axis=0)
            fw.append(hf[-1])
            bw.append(hb[0])
            inp = np.dstack([hf, hb])
        return inp, np.stack([h for pair in zip(fw, bw, strict=True) for h in pair])

    check_stacked_birnn_forward(collect_then_order)


def _stacked_bi(reread="both", order="layer", last=False, reflip=True, top_only=False, axis=0, first_out=False):
    def stacked_birnn_forward(x, layers):
        inp, finals, outs = x, [], []
        for fwd, bwd in layers:
            z = np.zeros((x.shape[1], fwd[1].shape[0]))
            hf = rnn_forward(inp, z, *fwd)
            hb = rnn_forward(inp[::-1], z, *bwd)
            if reflip:
                hb = hb[::-1]
            finals.append((hf[-1], hb[-1] if last else hb[0]))
            out = np.concatenate([hf, hb], axis=-1)
            outs.append(out)
            inp = out if reread == "both" else hf
        if top_only:
            h_n = np.stack(finals[-1])
        elif order == "layer":
            h_n = np.stack([h for pair in finals for h in pair], axis=axis)
        else:
            h_n = np.stack([f for f, _ in finals] + [b for _, b in finals])
        return (outs[0] if first_out else outs[-1]), h_n

    return stacked_birnn_forward


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_stacked_bi(reread="forward"), r"shape mismatch: layer ℓ ≥ 1 reads the concatenated"),
        (_stacked_bi(order="direction"), "orders h_n by direction"),
        (_stacked_bi(last=True), "takes the backward direction's state at the last time step"),
        (_stacked_bi(reflip=False), "does not flip the backward states back"),
        (_stacked_bi(top_only=True), r"h_n has shape \(2, N, H\): it holds the top layer only"),
        (_stacked_bi(axis=1), r"\(N, 2·num_layers, H\): stack the final states along axis 0"),
        (_stacked_bi(first_out=True), "returns the first layer's outputs"),
        (lambda x, layers: stacked_bi_ok(x, layers)[0], r"should return the pair \(out, h_n\)"),
        (lambda x, layers: (stacked_bi_ok(x, layers)[0], stacked_bi_ok(x, layers)[1] + 0.01), "h_n has wrong"),
    ],
    ids=["reads-forward-only", "h_n-by-direction", "backward-last-step", "not-reflipped", "top-only",
         "h_n-axis-1", "first-layer-out", "out-only", "slightly-off"],
)
def test_stacked_bi_names_the_mistake(wrong, message):
    with pytest.raises(CheckFailed, match=message) as info:
        check_stacked_birnn_forward(wrong)
    assert "\n" not in str(info.value)
