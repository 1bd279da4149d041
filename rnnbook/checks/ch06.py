"""Checks for Chapter 6's exercises (LSTM gates).

Conventions (the course's): a batch lives in rows, ``x_t`` is (N, D), ``h_prev`` and ``c_prev`` are (N, H), a
sequence ``x`` is (T, N, D).  The parameters are a dict ``p`` with ``W_f, W_i, W_c, W_o`` of shape (H, H + D), acting
on the concatenation ``z = [h_prev, x_t]`` (the first H columns multiply ``h_prev``), and ``b_f, b_i, b_c, b_o`` of
shape (H,)::

    f_t = sigmoid(z @ W_f.T + b_f)      i_t = sigmoid(z @ W_i.T + b_i)
    c_tilde = tanh(z @ W_c.T + b_c)     o_t = sigmoid(z @ W_o.T + b_o)
    c_t = f_t * c_prev + i_t * c_tilde  h_t = o_t * tanh(c_t)

PyTorch's ``nn.LSTM`` stacks the gates' rows in the order [i | f | g | o] (g is our candidate c) and keeps two
biases.  The inputs use N, D, H all different and non-zero initial states, so that every named mistake gives its
own answer.
"""

from __future__ import annotations

import numpy as np

from .core import as_array, as_float, assert_close, assert_shape, call, fail, hint_if_matches, is_close, passed

__all__ = [
    "check_lstm_cell_forward",
    "check_lstm_forward",
    "check_params_from_torch",
    "check_lstm_num_params",
]

N, D, H, T = 2, 3, 4, 5
GATES = ("f", "i", "c", "o")
KEYS = ("W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o")
TORCH_ORDER = ("i", "f", "c", "o")  # [i | f | g | o]; g is our candidate c


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _params(seed: int = 0):
    rng = np.random.default_rng(seed)
    p = {}
    for gate in GATES:
        p[f"W_{gate}"] = rng.normal(0.0, 0.6, size=(H, H + D))
        p[f"b_{gate}"] = rng.normal(0.0, 0.5, size=H)
    return p


def _cell(
    x_t, h_prev, c_prev, p, *, x_first=False, cand=np.tanh, keep_c=True, squash=np.tanh, swap_fi=False, read_prev=False,
    gate=_sigmoid, write="i*c", o_inside=False,
):
    """The reference cell, with switches that reproduce the named mistakes."""
    z = np.concatenate([x_t, h_prev] if x_first else [h_prev, x_t], axis=1)
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
    return h_t, c_t


def _call_cell(fn, *args, fn_name):
    """``call``, plus one line for np.concatenate along the batch axis (z must be [h_prev, x_t] along axis 1)."""
    __tracebackhide__ = True
    try:
        return call(fn, *args, fn_name=fn_name)
    except ValueError as exc:
        if "concatenation axis" in str(exc):
            fail(
                f"{fn_name} raised a shape mismatch in np.concatenate ({str(exc).splitlines()[0]}): z = [h_prev, x_t] "
                "joins the features, `np.concatenate([h_prev, x_t], axis=1)`, giving (N, H + D)"
            )
        raise


def _pair(name: str, got, first: str, second: str):
    """Unpack a function's answer into two arrays, or fail with one line."""
    __tracebackhide__ = True
    if got is None:
        fail(f"{name} returned None: did you forget `return {first}, {second}`?")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = f"a {type(got).__name__} of {len(got)} items" if isinstance(got, (tuple, list)) else type(got).__name__
        fail(f"{name} should return a pair ({first}, {second}); got {kind}")
    return as_array(first, got[0]), as_array(second, got[1])


def check_lstm_cell_forward(lstm_cell_forward) -> None:
    """``lstm_cell_forward(x_t, h_prev, c_prev, p)`` returns ``(h_next, c_next)``, each (N, H)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(1)
    p = _params()
    x_t = rng.normal(size=(N, D))
    h_prev = rng.uniform(-0.9, 0.9, size=(N, H))
    c_prev = rng.uniform(-2.0, 2.0, size=(N, H))
    got = _call_cell(lstm_cell_forward, x_t, h_prev, c_prev, p, fn_name="lstm_cell_forward")
    h_next, c_next = _pair("lstm_cell_forward", got, "h_next", "c_next")
    assert_shape("h_next", h_next, (N, H), "(N, H)")
    assert_shape("c_next", c_next, (N, H), "(N, H)")
    h_ref, c_ref = _cell(x_t, h_prev, c_prev, p)
    if is_close(h_next, c_ref) and is_close(c_next, h_ref):
        fail("lstm_cell_forward returns (c_next, h_next): return them in the order (h_next, c_next)")
    hint_if_matches(
        "c_next",
        c_next,
        {
            "concatenates [x_t, h_prev]; the weights expect z = [h_prev, x_t] (their first H columns multiply "
            "h_prev)": _cell(x_t, h_prev, c_prev, p, x_first=True)[1],
            "applies a sigmoid to the candidate; c_tilde = tanh(z @ W_c.T + b_c) (it is data, not a gate)": _cell(
                x_t, h_prev, c_prev, p, cand=_sigmoid
            )[1],
            "forgets c_prev: c_next = f_t * c_prev + i_t * c_tilde, not i_t * c_tilde": _cell(
                x_t, h_prev, c_prev, p, keep_c=False
            )[1],
            "mixes up the forget and input gates (f_t uses W_f, b_f; i_t uses W_i, b_i)": _cell(
                x_t, h_prev, c_prev, p, swap_fi=True
            )[1],
            "uses tanh for the gates; the gates f_t, i_t, o_t use the sigmoid, so that they lie in (0, 1)": _cell(
                x_t, h_prev, c_prev, p, gate=np.tanh
            )[1],
            "adds i_t and c_tilde; the input gate multiplies the candidate: c_next = f_t * c_prev + i_t * c_tilde": (
                _cell(x_t, h_prev, c_prev, p, write="i+c")[1]
            ),
            "forgets the input gate: c_next = f_t * c_prev + i_t * c_tilde, not f_t * c_prev + c_tilde": _cell(
                x_t, h_prev, c_prev, p, write="c"
            )[1],
        },
    )
    # Any other pair of gates read with each other's weights (e.g. the candidate with W_o and the output
    # gate with W_c): say which two.
    names = {"f": "forget gate", "i": "input gate", "c": "candidate", "o": "output gate"}
    swaps = {}
    for a, b in [("f", "c"), ("f", "o"), ("i", "c"), ("i", "o"), ("c", "o")]:
        q = dict(p)
        q[f"W_{a}"], q[f"W_{b}"], q[f"b_{a}"], q[f"b_{b}"] = p[f"W_{b}"], p[f"W_{a}"], p[f"b_{b}"], p[f"b_{a}"]
        hint = f"swaps the weights of the {names[a]} and the {names[b]} (W_{a}, b_{a} belong to the {names[a]})"
        swaps[hint] = _cell(x_t, h_prev, c_prev, q)
    hint_if_matches("c_next", c_next, {k: v[1] for k, v in swaps.items()})
    assert_close("c_next", c_next, c_ref)
    hint_if_matches("h_next", h_next, {k: v[0] for k, v in swaps.items()})
    hint_if_matches(
        "h_next",
        h_next,
        {
            "is missing the tanh on c_next before the output gate: h_next = o_t * tanh(c_next)": _cell(
                x_t, h_prev, c_prev, p, squash=lambda c: c
            )[0],
            "uses tanh(c_prev) instead of tanh(c_next)": _cell(x_t, h_prev, c_prev, p, read_prev=True)[0],
            "puts the output gate inside the tanh; h_next = o_t * tanh(c_next), not tanh(o_t * c_next)": _cell(
                x_t, h_prev, c_prev, p, o_inside=True
            )[0],
        },
    )
    assert_close("h_next", h_next, h_ref)
    passed("lstm_cell_forward")


def _forward(x, h0, c0, p, *, carry_h=True, carry_c=True):
    h, c, hs, cs = h0, c0, [], []
    for x_t in x:
        h, c = _cell(x_t, h if carry_h else h0, c if carry_c else c0, p)
        hs.append(h)
        cs.append(c)
    return np.stack(hs), np.stack(cs)


def check_lstm_forward(lstm_forward) -> None:
    """``lstm_forward(x, h0, c0, p)`` returns ``(hs, cs)``, each (T, N, H): the states of every step."""
    __tracebackhide__ = True
    rng = np.random.default_rng(2)
    p = _params()
    x = rng.normal(size=(T, N, D))
    h0 = rng.uniform(-0.9, 0.9, size=(N, H))
    c0 = rng.uniform(-2.0, 2.0, size=(N, H))
    got = _call_cell(lstm_forward, x, h0, c0, p, fn_name="lstm_forward")
    hs, cs = _pair("lstm_forward", got, "hs", "cs")
    for name, arr in (("hs", hs), ("cs", cs)):
        if arr.shape == (N, H):
            fail(f"{name} has shape (N, H): return the state of *every* step, stacked to (T, N, H)")
        if arr.shape == (N, T, H):
            fail(f"{name} has shape (N, T, H); expected (T, N, H): stack the steps along the first axis")
        if arr.shape == (T + 1, N, H):
            fail(f"{name} has T + 1 steps: it includes the initial state; keep only the states after each x[t]")
        assert_shape(name, arr, (T, N, H), "(T, N, H)")
    hs_ref, cs_ref = _forward(x, h0, c0, p)
    if is_close(hs, cs_ref) and is_close(cs, hs_ref):
        fail("lstm_forward returns (cs, hs): return them in the order (hs, cs)")
    wrong = {
        "does not carry the hidden state across steps: each step must receive the previous step's h_next "
        "(starting from h0)": _forward(x, h0, c0, p, carry_h=False),
        "does not carry the cell state across steps: each step must receive the previous step's c_next "
        "(starting from c0)": _forward(x, h0, c0, p, carry_c=False),
        "starts from a zero cell state (as seed 004's code does) instead of c0": _forward(x, h0, 0 * c0, p),
        "starts from a zero hidden state instead of h0": _forward(x, 0 * h0, c0, p),
    }
    for hint, (hs_wrong, cs_wrong) in wrong.items():
        if is_close(hs, hs_wrong) and is_close(cs, cs_wrong):
            fail(f"lstm_forward is wrong: it looks like your code {hint}")
    h1, c1 = _cell(x[0], h0, c0, p)
    if not (is_close(hs[0], h1) and is_close(cs[0], c1)):
        fail("hs[0] or cs[0] (the first step) is wrong: check lstm_cell_forward first (its check names the mistake)")
    assert_close("cs", cs, cs_ref)
    assert_close("hs", hs, hs_ref)
    passed("lstm_forward")


def _torch_weights(seed: int = 3):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(4 * H, D)),  # weight_ih
        rng.normal(size=(4 * H, H)),  # weight_hh
        rng.normal(size=4 * H),  # bias_ih
        rng.normal(size=4 * H),  # bias_hh
    )


def _gate_blocks(weight_ih, weight_hh, bias_ih, bias_hh):
    """PyTorch's four stacked blocks in storage order [i, f, g, o]: (W_hh block, W_ih block, b_ih, b_hh)."""
    return [
        (weight_hh[k * H : (k + 1) * H], weight_ih[k * H : (k + 1) * H], bias_ih[k * H : (k + 1) * H],
         bias_hh[k * H : (k + 1) * H])
        for k in range(4)
    ]


def check_params_from_torch(params_from_torch) -> None:
    """``params_from_torch(weight_ih, weight_hh, bias_ih, bias_hh)`` returns our dict ``p`` (see the module doc)."""
    __tracebackhide__ = True
    weights = _torch_weights()
    got = call(params_from_torch, *weights)
    if got is None:
        fail("params_from_torch returned None: did you forget `return p`?")
    if not isinstance(got, dict):
        fail(f"params_from_torch should return a dict with keys {', '.join(KEYS)}; got {type(got).__name__}")
    missing = [k for k in KEYS if k not in got]
    if missing:
        fail(f"params_from_torch's dict lacks the key(s) {', '.join(missing)}; expected {', '.join(KEYS)}")
    arrays = {k: as_array(k, got[k]) for k in KEYS}
    for gate in GATES:
        assert_shape(f"W_{gate}", arrays[f"W_{gate}"], (H, H + D), "(H, H + D)")
        b = arrays[f"b_{gate}"]
        if b.shape == (H, 1) or b.shape == (1, H):
            fail(f"b_{gate} has shape {b.shape}; expected (H,) = ({H},): keep the biases one-dimensional")
        assert_shape(f"b_{gate}", b, (H,), "(H,)")
    blocks = _gate_blocks(*weights)
    # Which of PyTorch's stacked blocks did each of the student's gates read?  Accept either glue order here,
    # so that a wrong gate order is reported as such even if the glue is also wrong.
    read = {}
    for gate in GATES:
        W = arrays[f"W_{gate}"]
        for k, (w_hh, w_ih, _, _) in enumerate(blocks):
            if is_close(W, np.concatenate([w_hh, w_ih], axis=1)) or is_close(W, np.concatenate([w_ih, w_hh], axis=1)):
                read[gate] = k
    if len(read) == 4 and [read[g] for g in TORCH_ORDER] != [0, 1, 2, 3]:
        storage = ["?"] * 4
        for gate, k in read.items():
            storage[k] = "g" if gate == "c" else gate
        fail(
            f"params_from_torch reads the stacked rows in the order [{' | '.join(storage)}]; PyTorch stacks "
            "[i | f | g | o]: rows 0:H are i, H:2H are f, 2H:3H are g (our candidate c), 3H:4H are o"
        )
    for k, gate in enumerate(TORCH_ORDER):
        w_hh, w_ih, b_ih, b_hh = blocks[k]
        name = f"W_{gate}"
        hint_if_matches(
            name,
            arrays[name],
            {
                "glues [weight_ih block, weight_hh block]; our z is [h_prev, x_t], so the h-part (weight_hh) must "
                "come first": np.concatenate([w_ih, w_hh], axis=1),
            },
        )
        assert_close(name, arrays[name], np.concatenate([w_hh, w_ih], axis=1))
        name = f"b_{gate}"
        hint_if_matches(
            name,
            arrays[name],
            {
                "uses only bias_ih: PyTorch adds two biases, b = bias_ih + bias_hh": b_ih,
                "uses only bias_hh: PyTorch adds two biases, b = bias_ih + bias_hh": b_hh,
            },
        )
        assert_close(name, arrays[name], b_ih + b_hh)
    passed("params_from_torch")


_SIZES = [(1, 1, 1), (3, 5, 1), (10, 20, 1), (50, 100, 1), (5, 10, 2), (50, 100, 2), (7, 3, 3)]


def _count(D_, H_, L_, *, gates=4, biases=2, deep_input="H"):
    first = gates * (H_ * D_ + H_ * H_ + biases * H_)
    inp = H_ if deep_input == "H" else D_
    return first + (L_ - 1) * gates * (H_ * inp + H_ * H_ + biases * H_)


def check_lstm_num_params(lstm_num_params) -> None:
    """``lstm_num_params(D, H, num_layers)`` returns the number of parameters of ``nn.LSTM(D, H, num_layers)``."""
    __tracebackhide__ = True
    got = []
    for D_, H_, L_ in _SIZES:
        value = as_float(f"lstm_num_params({D_}, {H_}, {L_})", call(lstm_num_params, D_, H_, L_))
        got.append(value)
    got = np.array(got)
    expected = np.array([_count(*s) for s in _SIZES], dtype=float)
    wrong = {
        "counts an RNN, not an LSTM: each of the four gates (i, f, g, o) has its own weights and biases": [
            _count(*s, gates=1) for s in _SIZES
        ],
        "counts one bias per gate; PyTorch has two (bias_ih and bias_hh), so 4(HD + H*H + 2H)": [
            _count(*s, biases=1) for s in _SIZES
        ],
        "uses D as the input size of every layer; layers 2, 3, ... read the H outputs of the layer below": [
            _count(*s, deep_input="D") for s in _SIZES
        ],
        "ignores num_layers (counts one layer)": [_count(D_, H_, 1) for D_, H_, _ in _SIZES],
        "counts three gates, as in a GRU; an LSTM has four (i, f, g, o)": [_count(*s, gates=3) for s in _SIZES],
        "counts no biases; each gate has two, bias_ih and bias_hh, of H entries each": [
            _count(*s, biases=0) for s in _SIZES
        ],
    }
    for hint, values in wrong.items():
        if np.array_equal(got, np.array(values, dtype=float)):
            fail(f"lstm_num_params is wrong: it looks like your code {hint}")
    for (D_, H_, L_), g, e in zip(_SIZES, got, expected, strict=True):
        if g != e:
            fail(f"lstm_num_params({D_}, {H_}, {L_}) = {g:g}; nn.LSTM({D_}, {H_}, num_layers={L_}) has {e:g}")
    passed("lstm_num_params")
