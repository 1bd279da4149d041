"""Checks for Chapter 3's exercises (RNN structures: Jordan, bidirectional, deep, and nn.RNN's shapes).

Conventions (the course's): a sequence ``x`` is (T, N, D); weights have PyTorch's shapes (``W_xh`` (H, D),
``W_hh`` (H, H), ``W_yh`` (H, O), ``W_hy`` (O, H)); rows are batch items.
"""

from __future__ import annotations

import numpy as np

from .core import as_array, assert_close, assert_shape, call, fail, hint_if_matches, is_close, passed
from .reference import rnn_forward as _rnn
from .safe import one_line_errors, student_call

__all__ = [
    "check_jordan_forward",
    "check_bidirectional_rnn_forward",
    "check_stacked_rnn_forward",
    "check_rnn_shapes",
    "check_rnn_param_count",
    "check_birnn_batch_first",
    "check_stacked_birnn_forward",
]

N, D, H, T = 3, 4, 5, 6




# ----------------------------------------------------------------------------- Jordan
def _jordan(x, y0, W_xh, W_yh, b_h, W_hy, b_y, feed="y", carry=True, squash_y=False, keep="y", act=np.tanh,
            reverse=False):
    y, h, ys = y0, np.zeros((x.shape[1], W_xh.shape[0])), []
    for t in (range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])):
        context = {"y": y if carry else y0, "h": h}[feed]
        y_prev = y
        h = act(x[t] @ W_xh.T + context @ W_yh.T + b_h)
        y = h @ W_hy.T + b_y
        if squash_y:  # the mistake of putting a tanh on the (linear) output
            y = np.tanh(y)
        ys.append({"y": y, "h": h, "y_prev": y_prev}[keep])
    return np.stack(ys)


def _jordan_inputs(O, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, N, D))
    y0 = rng.normal(0.0, 0.5, size=(N, O))
    W_xh = rng.normal(0.0, 0.5, size=(H, D))
    W_yh = rng.normal(0.0, 0.5, size=(H, O))
    b_h = rng.normal(0.0, 0.5, size=H)
    W_hy = rng.normal(0.0, 0.5, size=(O, H))
    b_y = rng.normal(0.0, 0.5, size=O)
    return x, y0, W_xh, W_yh, b_h, W_hy, b_y


@one_line_errors
def check_jordan_forward(jordan_forward) -> None:
    """``jordan_forward(x, y0, W_xh, W_yh, b_h, W_hy, b_y)`` returns the outputs ``ys`` of shape (T, N, O).

    The first case uses O == H so that feeding back h instead of y runs (and gets its own hint); the second
    uses O != H.
    """
    __tracebackhide__ = True
    for O, seed in [(H, 3), (2, 4)]:
        args = _jordan_inputs(O, seed)
        x, y0, W_xh, W_yh, b_h, W_hy, b_y = args
        raw = student_call(jordan_forward, *args, what="jordan_forward")
        dtype = getattr(raw, "dtype", None)
        if dtype is not None and str(dtype) in ("float32", "torch.float32"):
            fail("ys is float32: your code computes in single precision; the inputs are float64, keep them so")
        got = as_array("ys", raw)
        if got.shape == (N, T, O):
            fail(f"ys has shape {got.shape} = (N, T, O): stack the steps along axis 0, giving (T, N, O)")
        assert_shape("ys", got, (T, N, O), "(T, N, O)")
        wrong = {
            "uses W_yh transposed (y @ W_yh instead of y @ W_yh.T)": (
                _jordan(x, y0, W_xh, W_yh.T, b_h, W_hy, b_y) if O == H else None
            ),
            "uses W_hy transposed (h @ W_hy instead of h @ W_hy.T)": (
                _jordan(x, y0, W_xh, W_yh, b_h, W_hy.T, b_y) if O == H else None
            ),
            "ignores the bias b_h": _jordan(x, y0, W_xh, W_yh, 0 * b_h, W_hy, b_y),
            "ignores the output bias b_y": _jordan(x, y0, W_xh, W_yh, b_h, W_hy, 0 * b_y),
            "does not carry the output to the next step (it feeds back y0 at every step)": _jordan(
                *args, carry=False
            ),
            "feeds back the hidden state h (an Elman network); a Jordan network feeds back the output y": (
                _jordan(*args, feed="h") if O == H else None
            ),
            "ignores y0 (it starts from zeros)": _jordan(x, 0 * y0, W_xh, W_yh, b_h, W_hy, b_y),
            "applies a tanh to the output; y_t = W_hy h_t + b_y is linear": _jordan(*args, squash_y=True),
            "returns the hidden states h_t; return the outputs y_t = W_hy h_t + b_y": (
                _jordan(*args, keep="h") if O == H else None
            ),
            "stores the output fed back at each step (ys[0] should be y_1, not y0)": _jordan(*args, keep="y_prev"),
            "uses ReLU instead of tanh in the hidden layer": _jordan(*args, act=lambda z: np.maximum(z, 0.0)),
            "forgets the tanh in the hidden layer": _jordan(*args, act=lambda z: z),
            "runs time backwards (from x[T-1] down to x[0]); the network reads x[0] first": _jordan(*args,
                                                                                                 reverse=True),
        }
        hint_if_matches("ys", got, {k: v for k, v in wrong.items() if v is not None})
        assert_close("ys", got, _jordan(*args))
    passed("jordan_forward")


# ----------------------------------------------------------------------------- bidirectional
def _bidir_inputs(seed=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, N, D))
    params = []
    for _ in range(2):
        params += [rng.normal(0.0, 0.5, size=(H, D)), rng.normal(0.0, 0.5, size=(H, H)), rng.normal(0.0, 0.5, size=H)]
    return x, params


@one_line_errors
def check_bidirectional_rnn_forward(bidirectional_rnn_forward) -> None:
    """``bidirectional_rnn_forward(x, W_xh_f, W_hh_f, b_f, W_xh_b, W_hh_b, b_b)`` returns ``out`` (T, N, 2H).

    ``out[t]`` is the forward state at t next to the backward state at t, as in ``nn.RNN(bidirectional=True)``.
    Both directions start from zeros.
    """
    __tracebackhide__ = True
    x, (W_xh_f, W_hh_f, b_f, W_xh_b, W_hh_b, b_b) = _bidir_inputs()
    got = as_array("out", call(bidirectional_rnn_forward, x, W_xh_f, W_hh_f, b_f, W_xh_b, W_hh_b, b_b))
    if got.shape in ((2, T, N, H), (T, 2, N, H), (T, N, 2, H)):
        fail(f"out has shape {got.shape}: concatenate the two directions along the last axis, giving (T, N, 2H)")
    if got.shape == (T, N, H):
        fail(f"out has shape {got.shape}: it holds one direction only; expected (T, N, 2H) = {(T, N, 2 * H)}")
    assert_shape("out", got, (T, N, 2 * H), "(T, N, 2H)")
    z = np.zeros((N, H))
    fwd = _rnn(x, z, W_xh_f, W_hh_f, b_f)
    bwd_rev = _rnn(x[::-1], z, W_xh_b, W_hh_b, b_b)  # backward states in reversed time order
    bwd = bwd_rev[::-1]
    hint_if_matches(
        "out",
        got,
        {
            "does not re-reverse the backward outputs before concatenating (out[t] must hold the backward "
            "state at time t, not at time T-1-t)": np.concatenate([fwd, bwd_rev], axis=-1),
            "never reverses the input for the backward direction (it runs forward twice)": np.concatenate(
                [fwd, _rnn(x, z, W_xh_b, W_hh_b, b_b)], axis=-1
            ),
            "reverses the backward RNN's outputs but not its input: run it on x[::-1], then flip its states "
            "back": np.concatenate([fwd, _rnn(x, z, W_xh_b, W_hh_b, b_b)[::-1]], axis=-1),
            "puts the backward direction first; PyTorch's order is [forward | backward]": np.concatenate(
                [bwd, fwd], axis=-1
            ),
            "uses the forward weights for both directions": np.concatenate(
                [fwd, _rnn(x[::-1], z, W_xh_f, W_hh_f, b_f)[::-1]], axis=-1
            ),
        },
    )
    assert_close("out", got, np.concatenate([fwd, bwd], axis=-1))
    passed("bidirectional_rnn_forward")


# ----------------------------------------------------------------------------- stacked
def _check_layers_read_below(stacked_rnn_forward, rng) -> None:
    """Feeding x to every layer crashes when D != H (layer 1's W_xh is (H, H)) with a message about transposes.

    With D == H it runs, so a first case with square weights names that mistake instead.
    """
    __tracebackhide__ = True
    x = rng.normal(size=(T, N, H))
    layers = [tuple(rng.normal(0.0, 0.6, size=shape) for shape in [(H, H), (H, H), (H,)]) for _ in range(3)]
    result = call(stacked_rnn_forward, x, layers)
    if not isinstance(result, tuple) or len(result) != 2:
        return  # the main case reports it
    out = as_array("out", result[0])
    z = np.zeros((N, H))
    if is_close(out, _rnn(x, z, *layers[-1])) and not is_close(out, _rnn(_rnn(_rnn(x, z, *layers[0]), z, *layers[1]),
                                                                    z, *layers[2])):
        fail(
            "out is wrong: it looks like every layer of your code reads x; layer ℓ ≥ 1 reads the hidden states "
            "(T, N, H) of layer ℓ - 1 (so its W_xh is (H, H))"
        )


@one_line_errors
def check_stacked_rnn_forward(stacked_rnn_forward) -> None:
    """``stacked_rnn_forward(x, layers)`` returns ``(out, h_n)``: out (T, N, H) of the top layer, h_n (layers, N, H).

    ``layers`` is a list of ``(W_xh, W_hh, b_h)``; layer 0's ``W_xh`` is (H, D), the others' (H, H).
    Every layer starts from zeros.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(6)
    x = rng.normal(size=(T, N, D))
    layers = []
    for i in range(3):
        d_in = D if i == 0 else H
        layers.append((rng.normal(0.0, 0.6, size=(H, d_in)), rng.normal(0.0, 0.6, size=(H, H)),
                       rng.normal(0.0, 0.6, size=H)))
    _check_layers_read_below(stacked_rnn_forward, np.random.default_rng(16))
    result = call(stacked_rnn_forward, x, layers)
    if not isinstance(result, tuple) or len(result) != 2:
        fail("return a pair (out, h_n)")
    out = as_array("out", result[0])
    h_n = as_array("h_n", result[1])
    assert_shape("out", out, (T, N, H), "(T, N, H)")
    if h_n.shape == (N, H):
        fail("h_n has shape (N, H): it should stack the final state of *every* layer, (num_layers, N, H)")
    assert_shape("h_n", h_n, (len(layers), N, H), "(num_layers, N, H)")
    z = np.zeros((N, H))
    seqs, inp = [], x
    for W_xh, W_hh, b_h in layers:
        inp = _rnn(inp, z, W_xh, W_hh, b_h)
        seqs.append(inp)
    hint_if_matches(
        "out",
        out,
        {
            "returns the first layer's outputs; out is the *top* layer's": seqs[0],
            "returns the middle layer's outputs; out is the *top* layer's": seqs[1],
        },
    )
    assert_close("out", out, seqs[-1])
    last_only = np.stack([s[-1] for s in seqs])
    first_steps = np.stack([s[0] for s in seqs])
    hint_if_matches(
        "h_n",
        h_n,
        {
            "takes each layer's *first* step; h_n holds each layer's state at the last step": first_steps,
            "stacks the layers in reverse order; h_n[0] is the bottom layer": last_only[::-1],
        },
    )
    assert_close("h_n", h_n, last_only)
    passed("stacked_rnn_forward")


# ----------------------------------------------------------------------------- nn.RNN shapes
_CASES = [
    # (L, N, H_in, H_out, num_layers, bidirectional, batch_first)
    (6, 3, 5, 10, 2, False, False),
    (7, 4, 5, 9, 1, True, False),
    (7, 4, 5, 9, 3, True, True),
    (8, 2, 3, 6, 2, False, True),
]


def _true_shapes(L, N_, H_in, H_out, num_layers, bidirectional, batch_first):
    Dn = 2 if bidirectional else 1
    out = (N_, L, Dn * H_out) if batch_first else (L, N_, Dn * H_out)
    return out, (Dn * num_layers, N_, H_out)


@one_line_errors
def check_rnn_shapes(rnn_shapes) -> None:
    """``rnn_shapes(L, N, H_in, H_out, num_layers, bidirectional, batch_first)`` returns ``(out_shape, h_n_shape)``.

    The shapes are those of ``nn.RNN(H_in, H_out, num_layers, bidirectional=..., batch_first=...)`` applied to an
    input of L steps and N sequences.
    """
    __tracebackhide__ = True
    for case in _CASES:
        L, N_, H_in, H_out, num_layers, bidirectional, batch_first = case
        result = rnn_shapes(*case)
        if result is None:
            fail("rnn_shapes returned None: did you forget a `return` statement?")
        if not isinstance(result, tuple) or len(result) != 2:
            fail("return a pair (out_shape, h_n_shape)")
        try:
            out_shape = tuple(int(v) for v in result[0])
            h_shape = tuple(int(v) for v in result[1])
        except (TypeError, ValueError):
            fail(f"out_shape and h_n_shape should be tuples of ints, got {result!r}")
        out, h_n = _true_shapes(*case)
        Dn = 2 if bidirectional else 1
        where = (f"for nn.RNN({H_in}, {H_out}, num_layers={num_layers}, bidirectional={bidirectional}, "
                 f"batch_first={batch_first}) on {L} steps of {N_} sequences")
        if out_shape != out:
            if bidirectional and out_shape == (out[:-1] + (H_out,)):
                fail(f"out_shape {where} is {out_shape}: a bidirectional RNN concatenates both directions, "
                     f"so the last axis is D*H_out = {Dn * H_out}")
            if batch_first and out_shape == (L, N_, Dn * H_out):
                fail(f"out_shape {where} is {out_shape}: with batch_first=True, out is (N, L, D*H_out)")
            if out_shape[-1] == H_in:
                fail(f"out_shape {where} is {out_shape}: the last axis holds hidden features (H_out), not H_in")
            fail(f"out_shape {where} is {out_shape}; expected {out}")
        if h_shape != h_n:
            if batch_first and h_shape == (N_, Dn * num_layers, H_out):
                fail(f"h_n_shape {where} is {h_shape}: batch_first does not apply to h_n, "
                     f"which is always (D*num_layers, N, H_out)")
            if h_shape == (num_layers, N_, H_out) and Dn == 2:
                fail(f"h_n_shape {where} is {h_shape}: each layer has D = 2 directions, "
                     f"so the first axis is D*num_layers = {Dn * num_layers}")
            if h_shape == (Dn, N_, H_out) and num_layers > 1:
                fail(f"h_n_shape {where} is {h_shape}: h_n holds the final state of every layer, "
                     f"so the first axis is D*num_layers = {Dn * num_layers}")
            fail(f"h_n_shape {where} is {h_shape}; expected {h_n}")
    passed("rnn_shapes")


# ----------------------------------------------------------------------------- nn.RNN's parameter count
def param_count_reference(H_in, H_out, num_layers, bidirectional, bias=True, *, one_bias=False, upper_in="D*H",
                          directions=True, layers=True, bias_always=False):
    """nn.RNN's number of parameters, or a known wrong count."""
    Dn = 2 if (bidirectional and directions) else 1
    total = 0
    for layer in range(num_layers if layers else 1):
        if layer == 0:
            d_in = H_in
        else:
            d_in = {"D*H": (2 if bidirectional else 1) * H_out, "H": H_out, "H_in": H_in}[upper_in]
        n_bias = (1 if one_bias else 2) * H_out if (bias or bias_always) else 0
        total += Dn * (H_out * d_in + H_out * H_out + n_bias)
    return total


_COUNT_CASES = [
    # (H_in, H_out, num_layers, bidirectional, bias)
    (5, 10, 2, False, True),
    (7, 4, 3, True, True),
    (3, 6, 2, True, False),
    (4, 9, 1, False, True),
    (6, 5, 2, True, True),
]


@one_line_errors
def check_rnn_param_count(rnn_param_count) -> None:
    """``rnn_param_count(H_in, H_out, num_layers, bidirectional, bias=True)``: nn.RNN's number of parameters."""
    __tracebackhide__ = True
    got = []
    for case in _COUNT_CASES:
        value = student_call(rnn_param_count, *case, what="rnn_param_count")
        if value is None:
            fail("rnn_param_count returned None: did you forget a `return` statement?")
        try:
            number = float(value)
        except (TypeError, ValueError):
            fail(f"rnn_param_count should return a whole number, got {type(value).__name__}")
        if number != int(number):
            fail(f"rnn_param_count should return a whole number, got {number}")
        got.append(int(number))
    ref = param_count_reference
    truth = [ref(*c) for c in _COUNT_CASES]
    if got == truth:
        passed("rnn_param_count")
        return
    wrong = {
        "counts one bias per layer and direction; nn.RNN keeps two, bias_ih and bias_hh (2·H_out numbers)":
            {"one_bias": True},
        "gives the upper layers of a bidirectional RNN an input of H_out; they read both directions' states, "
        "D·H_out numbers": {"upper_in": "H"},
        "gives every layer an input of H_in; layers above the first read the states below (D·H_out numbers)":
            {"upper_in": "H_in"},
        "ignores bidirectional for the weight count; each direction has its own weights (×2)":
            {"directions": False},
        "ignores num_layers; every layer has its own weights": {"layers": False},
        "counts the biases even when bias=False": {"bias_always": True},
    }
    for hint, kwargs in wrong.items():
        values = [ref(*c, **kwargs) for c in _COUNT_CASES]
        if values == got and values != truth:
            fail(f"rnn_param_count is wrong: it looks like your code {hint}")
    bad = next(i for i, (g, t) in enumerate(zip(got, truth, strict=True)) if g != t)
    H_in, H_out, num_layers, bidirectional, bias = _COUNT_CASES[bad]
    fail(f"rnn_param_count is wrong for nn.RNN({H_in}, {H_out}, num_layers={num_layers}, "
         f"bidirectional={bidirectional}, bias={bias}); count weight_ih, weight_hh, bias_ih and bias_hh of every "
         "layer and direction")


# ----------------------------------------------------------------------------- find the bug: batch first
def _rnn_bf(x, h0, W_xh, W_hh, b_h):
    """A forward RNN on batch-first x (N, T, D): returns (N, T, H)."""
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W_xh.T + h @ W_hh.T + b_h)
        hs.append(h)
    return np.stack(hs, axis=1)


@one_line_errors
def check_birnn_batch_first(birnn_batch_first) -> None:
    """``birnn_batch_first(x, W_xh_f, W_hh_f, b_f, W_xh_b, W_hh_b, b_b)``: x (N, T, D) -> out (N, T, 2H)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(31)
    Nb, Tb, Db, Hb = 3, 6, 4, 5
    x = rng.normal(size=(Nb, Tb, Db))
    p = [rng.normal(0.0, 0.5, size=s) for s in [(Hb, Db), (Hb, Hb), (Hb,)] * 2]
    got = as_array("out", student_call(birnn_batch_first, x, *p, what="birnn_batch_first"))
    if got.shape == (Tb, Nb, 2 * Hb):
        fail(f"out has shape {got.shape} = (T, N, 2H): the input is batch first, and so is the output, "
             "(N, T, 2H)")
    assert_shape("out", got, (Nb, Tb, 2 * Hb), "(N, T, 2H)")
    z = np.zeros((Nb, Hb))
    fwd = _rnn_bf(x, z, *p[:3])
    bwd = _rnn_bf(x[:, ::-1], z, *p[3:])[:, ::-1]
    hint_if_matches("out", got, {
        "runs the backward direction forwards in time: x[::-1] reverses axis 0, which in a batch-first array "
        "is the batch, not time (or nothing reverses time at all). Reverse the time axis, x[:, ::-1], and flip "
        "its states back the same way": np.concatenate([fwd, _rnn_bf(x[::-1], z, *p[3:])[::-1]], axis=-1),
        "reverses time for the input but never flips the backward states back: out[:, t] must hold the "
        "backward state at time t": np.concatenate([fwd, _rnn_bf(x[:, ::-1], z, *p[3:])], axis=-1),
        "flips the backward states back along axis 0 (the batch); flip them along the time axis, [:, ::-1]":
            np.concatenate([fwd, _rnn_bf(x[:, ::-1], z, *p[3:])[::-1]], axis=-1),
        "puts the backward direction first; the layout is [forward | backward]": np.concatenate([bwd, fwd],
                                                                                                  axis=-1),
    })
    flipped_all = np.flip(x)
    if is_close(got, np.concatenate([fwd, _rnn_bf(flipped_all, z, *p[3:])[:, ::-1]], axis=-1)):
        fail("out is wrong: it looks like your code uses np.flip(x), which flips every axis (batch, time and "
             "features); flip only the time axis, x[:, ::-1]")
    assert_close("out", got, np.concatenate([fwd, bwd], axis=-1))
    passed("birnn_batch_first")


# ----------------------------------------------------------------------------- a stacked bidirectional RNN
def stacked_birnn_reference(x, layers, *, reread="both", order="layer", h_n_bwd="first", reflip=True):
    """out (T, N, 2H) and h_n (2·num_layers, N, H) of nn.RNN(num_layers, bidirectional=True); or a wrong variant."""
    N_ = x.shape[1]
    inp, finals = x, []
    outs = []
    for fwd, bwd in layers:
        z = np.zeros((N_, fwd[1].shape[0]))
        hf = _rnn(inp, z, *fwd)
        hb_rev = _rnn(inp[::-1], z, *bwd)
        hb = hb_rev[::-1] if reflip else hb_rev
        finals.append((hf[-1], hb[0] if h_n_bwd == "first" else hb[-1]))
        out = np.concatenate([hf, hb], axis=-1)
        outs.append(out)
        inp = out if reread == "both" else hf
    if order == "layer":
        h_n = np.stack([h for pair in finals for h in pair])
    else:
        h_n = np.stack([f for f, _ in finals] + [b for _, b in finals])
    return outs[-1], h_n, outs[0]


def _stacked_birnn_inputs(seed=41):
    rng = np.random.default_rng(seed)
    Ts, Ns, Ds, Hs, Ls = 5, 3, 4, 6, 2
    x = rng.normal(size=(Ts, Ns, Ds))
    layers = []
    for layer in range(Ls):
        d_in = Ds if layer == 0 else 2 * Hs
        layers.append(tuple(tuple(rng.normal(0.0, 0.5, size=s) for s in [(Hs, d_in), (Hs, Hs), (Hs,)])
                            for _ in range(2)))
    return x, layers, (Ts, Ns, Ds, Hs, Ls)


@one_line_errors
def check_stacked_birnn_forward(stacked_birnn_forward) -> None:
    """``stacked_birnn_forward(x, layers)`` returns ``(out, h_n)`` as nn.RNN(num_layers, bidirectional=True).

    ``layers[l] = (fwd, bwd)``, each ``(W_xh, W_hh, b_h)``; out (T, N, 2H), h_n (2·num_layers, N, H).
    """
    __tracebackhide__ = True
    x, layers, (Ts, Ns, Ds, Hs, Ls) = _stacked_birnn_inputs()
    try:
        result = student_call(stacked_birnn_forward, x, layers, what="stacked_birnn_forward")
    except AssertionError as exc:
        if "shape mismatch" in str(exc):
            fail("stacked_birnn_forward raised a shape mismatch: layer ℓ ≥ 1 reads the concatenated "
                 "[forward | backward] states of the layer below, (T, N, 2H), so its W_xh is (H, 2H)")
        raise
    if result is None:
        fail("stacked_birnn_forward returned None: did you forget a `return` statement?")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        fail("stacked_birnn_forward should return the pair (out, h_n)")
    out, h_n = as_array("out", result[0]), as_array("h_n", result[1])
    assert_shape("out", out, (Ts, Ns, 2 * Hs), "(T, N, 2H)")
    if h_n.shape == (2, Ns, Hs):
        fail("h_n has shape (2, N, H): it holds the top layer only; nn.RNN stacks every layer's two directions, "
             "(2·num_layers, N, H)")
    if h_n.shape == (Ns, 2 * Ls, Hs):
        fail(f"h_n has shape {h_n.shape} = (N, 2·num_layers, H): stack the final states along axis 0")
    if h_n.shape == (Ls, Ns, 2 * Hs):
        fail(f"h_n has shape {h_n.shape} = (num_layers, N, 2H): each direction's final state is its own entry, "
             "(2·num_layers, N, H)")
    assert_shape("h_n", h_n, (2 * Ls, Ns, Hs), "(2·num_layers, N, H)")
    ref = stacked_birnn_reference
    right_out, right_h_n, first_out = ref(x, layers)
    hint_if_matches("out", out, {
        "returns the first layer's outputs; out holds the top layer's": first_out,
        "does not flip the backward states back before concatenating: out[t] must hold the backward state at "
        "time t": ref(x, layers, reflip=False)[0],
    })
    assert_close("out", out, right_out)
    hint_if_matches("h_n", h_n, {
        "orders h_n by direction (all forward layers, then all backward); nn.RNN's order is layer 0 forward, "
        "layer 0 backward, layer 1 forward, ...": ref(x, layers, order="direction")[1],
        "takes the backward direction's state at the last time step; its final state is at t = 0, where the "
        "backward pass ends": ref(x, layers, h_n_bwd="last")[1],
    })
    assert_close("h_n", h_n, right_h_n)
    passed("stacked_birnn_forward")
