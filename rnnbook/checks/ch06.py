"""Checks for Chapter 6's exercises (LSTM gates).

Conventions (the course's): a batch lives in rows, ``x_t`` is (N, D), ``h_prev`` and ``c_prev`` are (N, H).  The
parameters are a dict ``p`` with ``W_f, W_i, W_c, W_o`` of shape (H, H + D), acting on the concatenation
``z = [h_prev, x_t]`` (the first H columns multiply ``h_prev``), and ``b_f, b_i, b_c, b_o`` of shape (H,)::

    f_t = sigmoid(z @ W_f.T + b_f)      i_t = sigmoid(z @ W_i.T + b_i)
    c_tilde = tanh(z @ W_c.T + b_c)     o_t = sigmoid(z @ W_o.T + b_o)
    c_t = f_t * c_prev + i_t * c_tilde  h_t = o_t * tanh(c_t)

The inputs use N, D, H all different and non-zero initial states, so that every named mistake gives its own answer.
Every call of a student's function goes through ``_run``: an exception inside it becomes one line, numpy warnings
are silenced, and mutating an input is named.
"""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np

from .core import CheckFailed, as_array, assert_close, assert_shape, call, fail, hint_if_matches, is_close, passed

__all__ = [
    "check_lstm_cell_forward",
    "check_peephole_cell_forward",
    "check_params_from_keras",
    "check_counter_weights",
]

N, D, H = 2, 3, 4
GATES = ("f", "i", "c", "o")
KEYS = ("W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o")
NAMES = {"f": "forget gate", "i": "input gate", "c": "candidate", "o": "output gate"}
KERAS_ORDER = ("i", "f", "c", "o")  # Keras stacks the columns [i | f | c | o]


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _params(seed: int = 0):
    rng = np.random.default_rng(seed)
    p = {}
    for gate in GATES:
        p[f"W_{gate}"] = rng.normal(0.0, 0.6, size=(H, H + D))
        p[f"b_{gate}"] = rng.normal(0.0, 0.5, size=H)
    return p


def _run(fn, *args, fn_name):
    """``call`` with every exception in the student's code turned into one line (NotImplementedError passes)."""
    __tracebackhide__ = True
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return call(fn, *args, fn_name=fn_name)
    except (NotImplementedError, CheckFailed):
        raise
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        msg = str(exc).splitlines()[0] if str(exc) else ""
        if "concatenation axis" in msg:
            fail(
                f"{fn_name} raised a shape mismatch in np.concatenate ({msg}): z = [h_prev, x_t] joins the "
                "features, `np.concatenate([h_prev, x_t], axis=1)`, giving (N, H + D)"
            )
        fail(f"{fn_name} raised {type(exc).__name__}: {msg}")


def _pair(name: str, got, first: str, second: str):
    """Unpack a function's answer into two arrays, or fail with one line."""
    __tracebackhide__ = True
    if got is None:
        fail(f"{name} returned None: did you forget `return {first}, {second}`?")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = f"a {type(got).__name__} of {len(got)} items" if isinstance(got, (tuple, list)) else type(got).__name__
        fail(f"{name} should return a pair ({first}, {second}); got {kind}")
    return as_array(first, got[0]), as_array(second, got[1])


# ------------------------------------------------------------------------------ the cell and its mistakes
def _cell(x_t, h_prev, c_prev, p, *, x_first=False, cand=np.tanh, forget="f", squash=np.tanh, swap_fi=False,
          read_prev=False, gate=_sigmoid, write="i*c", o_inside=False, no_o=False, no_bias="",
          peep=None, peep_o_prev=False, peep_after=False, peep_from_h=False, peep_skip="", peep_swap_fi=False,
          peep_matmul=False):
    """The reference cell (with peepholes if ``peep`` holds v_f, v_i, v_o), with switches for the mistakes."""
    z = np.concatenate([x_t, h_prev] if x_first else [h_prev, x_t], axis=1)

    def pre(g):
        return z @ p[f"W_{g}"].T + (0.0 if no_bias == g else p[f"b_{g}"])

    def peek(g, c):
        if peep is None or peep_skip == g:
            return 0.0
        v = peep["v_i" if (peep_swap_fi and g == "f") else "v_f" if (peep_swap_fi and g == "i") else f"v_{g}"]
        seen = h_prev if peep_from_h else c
        if peep_matmul:  # c @ diag(v) summed into one number per example: a matrix product, not elementwise
            return (seen * v).sum(axis=1, keepdims=True)
        return v * seen

    def gated(g, c):
        if peep_after:
            return gate(pre(g)) + peek(g, c)
        return gate(pre(g) + peek(g, c))

    f_t, i_t = gated("f", c_prev), gated("i", c_prev)
    if swap_fi:
        f_t, i_t = i_t, f_t
    c_tilde = cand(pre("c"))
    kept = {"f": f_t * c_prev, "none": c_prev, "1-f": (1 - f_t) * c_prev, "drop": 0.0}[forget]
    written = {"i*c": i_t * c_tilde, "i+c": i_t + c_tilde, "c": c_tilde, "i*c_prev": i_t * c_prev}[write]
    c_t = kept + written
    o_t = gated("o", c_prev if peep_o_prev else c_t)
    if no_o:
        o_t = 1.0
    c_read = c_prev if read_prev else c_t
    h_t = squash(o_t * c_read) if o_inside else o_t * squash(c_read)
    return h_t, c_t


def _cell_mistakes(x_t, h_prev, c_prev, p, **kw):
    """hint -> (h_t, c_t) for the mistakes a student makes in any LSTM cell (kw: the peephole setting)."""
    args = (x_t, h_prev, c_prev, p)
    m = {
        "concatenates [x_t, h_prev]; the weights expect z = [h_prev, x_t] (their first H columns multiply "
        "h_prev)": _cell(*args, x_first=True, **kw),
        "applies a sigmoid to the candidate; c_tilde = tanh(z @ W_c.T + b_c) (it is data, not a gate)":
            _cell(*args, cand=_sigmoid, **kw),
        "forgets c_prev: c_next = f_t * c_prev + i_t * c_tilde, not i_t * c_tilde": _cell(*args, forget="drop", **kw),
        "has no forget gate: c_next = f_t * c_prev + i_t * c_tilde, not c_prev + i_t * c_tilde":
            _cell(*args, forget="none", **kw),
        "multiplies c_prev by 1 - f_t; the forget gate's value is the fraction *kept*: f_t * c_prev":
            _cell(*args, forget="1-f", **kw),
        "mixes up the forget and input gates (f_t uses W_f, b_f; i_t uses W_i, b_i)": _cell(*args, swap_fi=True, **kw),
        "uses tanh for the gates; the gates f_t, i_t, o_t use the sigmoid, so that they lie in (0, 1)":
            _cell(*args, gate=np.tanh, **kw),
        "adds i_t and c_tilde; the input gate multiplies the candidate: c_next = f_t * c_prev + i_t * c_tilde":
            _cell(*args, write="i+c", **kw),
        "forgets the input gate: c_next = f_t * c_prev + i_t * c_tilde, not f_t * c_prev + c_tilde":
            _cell(*args, write="c", **kw),
        "multiplies the input gate with c_prev (i_t * c_prev); the input gate scales the candidate, "
        "i_t * c_tilde": _cell(*args, write="i*c_prev", **kw),
        "is missing the output gate: h_next = o_t * tanh(c_next), not tanh(c_next)": _cell(*args, no_o=True, **kw),
        "is missing the tanh on c_next before the output gate: h_next = o_t * tanh(c_next)":
            _cell(*args, squash=lambda c: c, **kw),
        "uses tanh(c_prev) instead of tanh(c_next)": _cell(*args, read_prev=True, **kw),
        "puts the output gate inside the tanh; h_next = o_t * tanh(c_next), not tanh(o_t * c_next)":
            _cell(*args, o_inside=True, **kw),
    }
    for g in GATES:
        m[f"leaves out the bias of the {NAMES[g]}: add b_{g} to its pre-activation"] = _cell(*args, no_bias=g, **kw)
    for perm in itertools.permutations(GATES):
        uses = dict(zip(GATES, perm, strict=True))  # gate -> the gate whose weights it reads
        moved = [g for g in GATES if uses[g] != g]
        if not moved:
            continue
        q = dict(p)
        for g in GATES:
            q[f"W_{g}"], q[f"b_{g}"] = p[f"W_{uses[g]}"], p[f"b_{uses[g]}"]
        if len(moved) == 2:
            a, b = moved
            hint = (f"swaps the weights of the {NAMES[a]} and the {NAMES[b]} (a gate-order mistake: W_{a}, b_{a} "
                    f"belong to the {NAMES[a]})")
        else:
            reads = ", ".join(f"the {NAMES[g]} W_{uses[g]}" for g in moved)
            hint = f"reads the gates' weights in the wrong order (a gate-order mistake): it gives {reads}"
        m[hint] = _cell(x_t, h_prev, c_prev, q, **kw)
    return m


def _judge_cell(fn_name, got, expected, mistakes):
    """Shapes, then hints on (h, c) together, then on c alone and h alone, then values."""
    __tracebackhide__ = True
    h_next, c_next = _pair(fn_name, got, "h_next", "c_next")
    assert_shape("h_next", h_next, (N, H), "(N, H)")
    assert_shape("c_next", c_next, (N, H), "(N, H)")
    h_ref, c_ref = expected
    if is_close(h_next, c_ref) and is_close(c_next, h_ref):
        fail(f"{fn_name} returns (c_next, h_next): return them in the order (h_next, c_next)")
    for hint, (h_w, c_w) in mistakes.items():
        if is_close(h_next, h_w) and is_close(c_next, c_w):
            fail(f"{fn_name} is wrong: it looks like your code {hint}")
    hint_if_matches("c_next", c_next, {k: v[1] for k, v in mistakes.items() if not is_close(v[1], c_ref)})
    assert_close("c_next", c_next, c_ref)
    hint_if_matches("h_next", h_next, {k: v[0] for k, v in mistakes.items() if not is_close(v[0], h_ref)})
    assert_close("h_next", h_next, h_ref)


def _cell_inputs(seed=1):
    rng = np.random.default_rng(seed)
    x_t = rng.normal(size=(N, D))
    h_prev = rng.uniform(-0.9, 0.9, size=(N, H))
    c_prev = rng.uniform(-2.0, 2.0, size=(N, H))
    return x_t, h_prev, c_prev


def check_lstm_cell_forward(lstm_cell_forward) -> None:
    """``lstm_cell_forward(x_t, h_prev, c_prev, p)`` returns ``(h_next, c_next)``, each (N, H)."""
    __tracebackhide__ = True
    p = _params()
    x_t, h_prev, c_prev = _cell_inputs()
    got = _run(lstm_cell_forward, x_t, h_prev, c_prev, p, fn_name="lstm_cell_forward")
    _judge_cell("lstm_cell_forward", got, _cell(x_t, h_prev, c_prev, p), _cell_mistakes(x_t, h_prev, c_prev, p))
    passed("lstm_cell_forward")


# ------------------------------------------------------------------------------------------- peepholes
def _peepholes(seed=5):
    rng = np.random.default_rng(seed)
    return {f"v_{g}": rng.normal(0.0, 0.8, size=H) for g in ("f", "i", "o")}


def check_peephole_cell_forward(peephole_cell_forward) -> None:
    """``peephole_cell_forward(x_t, h_prev, c_prev, p)``: p also holds the peephole weights v_f, v_i, v_o (H,)."""
    __tracebackhide__ = True
    p = {**_params(4), **_peepholes()}
    peep = {k: p[k] for k in ("v_f", "v_i", "v_o")}
    x_t, h_prev, c_prev = _cell_inputs(6)
    got = _run(peephole_cell_forward, x_t, h_prev, c_prev, p, fn_name="peephole_cell_forward")
    args = (x_t, h_prev, c_prev, p)
    mistakes = {
        "lets the output gate look at c_prev; it is computed after the update and looks at the new cell "
        "state c_t (Gers & Schmidhuber 2000)": _cell(*args, peep=peep, peep_o_prev=True),
        "adds the peephole term after the sigmoid; it belongs inside, with the pre-activation: "
        "sigmoid(z @ W.T + v * c + b)": _cell(*args, peep=peep, peep_after=True),
        "lets the gates look at h_prev instead of the cell state; a peephole reads c (c_prev for f and i, "
        "c_t for o)": _cell(*args, peep=peep, peep_from_h=True),
        "swaps the peephole weights of the forget and input gates (v_f belongs to f_t)":
            _cell(*args, peep=peep, peep_swap_fi=True),
        "has no peepholes at all: it is the chapter's cell": _cell(*args),
        "turns the peephole into a matrix product that sums over the units; a peephole is one weight per unit, "
        "applied elementwise: v_f * c_prev": _cell(*args, peep=peep, peep_matmul=True),
    }
    for g in ("f", "i", "o"):
        mistakes[f"leaves out the peephole of the {NAMES[g]} (v_{g} * c)"] = _cell(*args, peep=peep, peep_skip=g)
    mistakes.update(_cell_mistakes(*args, peep=peep))
    _judge_cell("peephole_cell_forward", got, _cell(*args, peep=peep), mistakes)
    passed("peephole_cell_forward")


# --------------------------------------------------------------------------------------- Keras's layout
def _keras_weights(seed: int = 3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(D, 4 * H)), rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)


def _keras_reference(kernel, recurrent_kernel, bias, *, order=KERAS_ORDER, x_first=False, rec_T=True):
    p = {}
    for k, g in enumerate(order):
        cols = slice(k * H, (k + 1) * H)
        h_part = recurrent_kernel[:, cols].T if rec_T else recurrent_kernel[:, cols]
        x_part = kernel[:, cols].T
        p[f"W_{g}"] = np.concatenate([x_part, h_part] if x_first else [h_part, x_part], axis=1)
        p[f"b_{g}"] = bias[cols]
    return p


def check_params_from_keras(params_from_keras) -> None:
    """``params_from_keras(kernel, recurrent_kernel, bias)`` returns our dict ``p``."""
    __tracebackhide__ = True
    weights = _keras_weights()
    try:
        got = _run(params_from_keras, *weights, fn_name="params_from_keras")
    except CheckFailed as exc:
        msg = str(exc)
        dim = re.search(r"along dimension (\d)", msg)
        if "np.concatenate" in msg and dim:
            if dim.group(1) == "1":
                fail("params_from_keras concatenates along the wrong axis: np.concatenate(..., axis=0) stacks "
                     "rows, but z = [h_prev, x_t] puts the h-part and the x-part side by side in the columns "
                     "of W: use axis=1")
            fail("params_from_keras glues blocks with different numbers of rows: Keras stores a kernel as "
                 "(inputs, 4H), one *column* block per gate, so take a gate's columns and transpose them to "
                 "(H, inputs) before gluing")
        raise
    if got is None:
        fail("params_from_keras returned None: did you forget `return p`?")
    if not isinstance(got, dict):
        fail(f"params_from_keras should return a dict with keys {', '.join(KEYS)}; got {type(got).__name__}")
    missing = [k for k in KEYS if k not in got]
    if missing:
        fail(f"params_from_keras's dict lacks the key(s) {', '.join(missing)}; expected {', '.join(KEYS)}")
    arrays = {k: as_array(k, got[k]) for k in KEYS}
    for g in GATES:
        W = arrays[f"W_{g}"]
        if W.shape == (H + D, H):
            fail(f"W_{g} has shape (H + D, H) = {W.shape}; expected (H, H + D): Keras's blocks are (inputs, H), "
                 "so transpose them (our W acts as z @ W.T)")
        assert_shape(f"W_{g}", W, (H, H + D), "(H, H + D)")
        b = arrays[f"b_{g}"]
        if b.shape in {(H, 1), (1, H)}:
            fail(f"b_{g} has shape {b.shape}; expected (H,) = ({H},): keep the biases one-dimensional")
        assert_shape(f"b_{g}", b, (H,), "(H,)")
    expected = _keras_reference(*weights)
    # Which of Keras's column blocks did each gate read?  Accept either glue for this question.
    read = {}
    for g in GATES:
        for k, g_k in enumerate(KERAS_ORDER):
            cands = [expected[f"W_{g_k}"], _keras_reference(*weights, x_first=True)[f"W_{g_k}"],
                     _keras_reference(*weights, rec_T=False)[f"W_{g_k}"]]
            if any(is_close(arrays[f"W_{g}"], c) for c in cands):
                read[g] = k
    if len(read) == 4 and [read[g] for g in KERAS_ORDER] != [0, 1, 2, 3]:
        storage = ["?"] * 4
        for g, k in read.items():
            storage[k] = g
        fail(f"params_from_keras reads the gates in the order [{' | '.join(storage)}]; the column blocks are "
             "stacked [i | f | c | o]: columns 0:H are the input gate, H:2H the forget gate, 2H:3H the "
             "candidate, 3H:4H the output gate")
    for g in KERAS_ORDER:
        name = f"W_{g}"
        hint_if_matches(name, arrays[name], {
            "glues [x-part, h-part]; our z is [h_prev, x_t], so the recurrent_kernel block must come first":
                _keras_reference(*weights, x_first=True)[name],
            "uses the recurrent_kernel block without transposing it; it is square (H, H), so the shape hides "
            "the mistake, but z @ W.T needs its transpose like the kernel's block":
                _keras_reference(*weights, rec_T=False)[name],
        })
        assert_close(name, arrays[name], expected[name])
    for k, g in enumerate(KERAS_ORDER):
        name = f"b_{g}"
        others = {f"takes b_{g} from the block of the {NAMES[KERAS_ORDER[j]]} (columns {j}H:{j + 1}H); "
                  f"the {NAMES[g]}'s bias is bias[{k}H:{k + 1}H]": weights[2][j * H:(j + 1) * H]
                  for j in range(4) if j != k}
        hint_if_matches(name, arrays[name], others)
        assert_close(name, arrays[name], expected[name])
    passed("params_from_keras")


# ------------------------------------------------------------------------------------ the counting cell
def run_linear_cell(weights, xs):
    """Li Hongyi's linear one-cell LSTM: returns memory c_t and output y_t for each input row (x1, x2, x3)."""
    xs = np.asarray(xs, dtype=float)
    part = {k: (np.asarray(w, dtype=float), float(b)) for k, (w, b) in weights.items()}
    c, mem, out = 0.0, [], []
    for x in xs:
        z = x @ part["z"][0] + part["z"][1]
        i = _sigmoid(x @ part["i"][0] + part["i"][1])
        f = _sigmoid(x @ part["f"][0] + part["f"][1])
        o = _sigmoid(x @ part["o"][0] + part["o"][1])
        c = f * c + i * z
        mem.append(c)
        out.append(o * c)
    return np.array(mem), np.array(out)


def _counter_rules(xs):
    c, mem, out = 0.0, [], []
    for _, x2, x3 in xs:
        if x3 == -1:
            c = 0.0
        if x2 == 1:
            c += 1.0
        mem.append(c)
        out.append(c if x3 == 1 else 0.0)
    return np.array(mem), np.array(out)


def _hidden_sequences(seed=61, n_seq=6, length=40):
    rng = np.random.default_rng(seed)
    seqs = []
    for _ in range(n_seq):
        x1 = rng.uniform(-5.0, 5.0, size=length)
        x2 = (rng.random(length) < 0.45).astype(float)
        x3 = rng.choice([-1.0, 0.0, 1.0], p=[0.05, 0.75, 0.2], size=length)
        x2[x3 == -1] = 0.0  # never a reset and a count at the same step
        seqs.append(np.stack([x1, x2, x3], axis=1))
    return seqs


def _as_weights(got):
    __tracebackhide__ = True
    if got is None:
        fail("counter_weights returned None: did you forget `return weights`?")
    if not isinstance(got, dict):
        fail(f"counter_weights should return a dict with keys 'z', 'i', 'f', 'o'; got {type(got).__name__}")
    missing = [k for k in ("z", "i", "f", "o") if k not in got]
    if missing:
        fail(f"counter_weights's dict lacks the key(s) {', '.join(missing)}; expected 'z', 'i', 'f', 'o'")
    out = {}
    for k in ("z", "i", "f", "o"):
        pair = got[k]
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            fail(f"weights['{k}'] should be a pair (w, b) with w of length 3 and b a number")
        w = pair[0]
        if isinstance(w, (tuple, list)):
            w = np.asarray(w, dtype=object)
            if w.ndim != 1:
                fail(f"weights['{k}'][0] should be 3 numbers, one weight for each of x1, x2, x3")
            w = list(w)
        w = as_array(f"weights['{k}'][0]", w)
        if w.shape != (3,):
            fail(f"weights['{k}'][0] has shape {w.shape}; expected (3,): one weight for each of x1, x2, x3")
        b = as_array(f"weights['{k}'][1]", pair[1])
        if b.size != 1:
            fail(f"weights['{k}'][1] should be one number, the bias; got shape {b.shape}")
        out[k] = (w, float(b.reshape(())))
    return out


def check_counter_weights(counter_weights) -> None:
    """``counter_weights()`` returns {'z': (w, b), 'i': ..., 'f': ..., 'o': ...} for the counting cell."""
    __tracebackhide__ = True
    weights = _as_weights(_run(counter_weights, fn_name="counter_weights"))
    sig = {k: (lambda x, k=k: _sigmoid(np.asarray(x, float) @ weights[k][0] + weights[k][1])) for k in "ifo"}

    def z(x):
        return np.asarray(x, float) @ weights["z"][0] + weights["z"][1]

    x1s = (-5.0, -1.0, 0.0, 2.0, 5.0)

    def probe(x2, x3):
        return np.array([[x1, x2, x3] for x1 in x1s])

    with np.errstate(all="ignore"):
        # --- what one step writes: i * z
        for x3 in (0.0, 1.0):
            written = sig["i"](probe(1.0, x3)) * z(probe(1.0, x3))
            if np.ptp(written) > 0.05:
                if np.allclose(written, np.array(x1s), atol=0.05):
                    fail("counter_weights is wrong: a write adds x1 (the lecture's cell input); the counter adds 1 "
                         "per write whatever x1 is: the cell input z must not read x1")
                fail("counter_weights is wrong: what a write adds depends on x1 (it ranges from "
                     f"{written.min():.3g} to {written.max():.3g}); the cell input must not read x1")
            if abs(written.mean() - 1.0) > 0.02:
                fail(f"counter_weights is wrong: a step with x2 = 1 adds {written.mean():.3g} to the memory, not 1 "
                     "(check the cell input z and that the input gate is fully open)")
        for x3 in (-1.0, 0.0, 1.0):
            leak = sig["i"](probe(0.0, x3)) * z(probe(0.0, x3))
            if np.max(np.abs(leak)) > 0.01:
                fail(f"counter_weights is wrong: the input gate is not shut when x2 = 0 (x3 = {x3:g}): the memory "
                     f"gains up to {np.max(np.abs(leak)):.3g} at a step that should not count")
        # --- the forget gate
        for x2, x3 in ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)):
            f = sig["f"](probe(x2, x3))
            if np.min(f) < 0.999:
                what = "is a dimmer, not a switch (its pre-activation is too small): the memory leaks" if np.min(
                    f) > 0.02 else "is closed: the memory is erased"
                extra = " Releasing (x3 = 1) must not empty the memory." if x3 == 1.0 else ""
                fail(f"counter_weights is wrong: at x2 = {x2:g}, x3 = {x3:g} the forget gate {what} "
                     f"(f = {np.min(f):.3g}); it must stay open (f close to 1) unless x3 = -1.{extra}")
        f_reset = sig["f"](probe(0.0, -1.0))
        if np.max(f_reset) > 0.01:
            reads_x2 = sig["f"](probe(-1.0, 0.0)).max() < 0.01
            why = " (it reacts to x2 = -1, as in the lecture; this cell resets on x3 = -1)" if reads_x2 else ""
            fail(f"counter_weights is wrong: the forget gate does not close when x3 = -1 (f = {np.max(f_reset):.3g})"
                 f", so the reset does not erase the count{why}")
        # --- the output gate
        for x2 in (0.0, 1.0):
            o_on = sig["o"](probe(x2, 1.0))
            if np.min(o_on) < 0.999:
                fail(f"counter_weights is wrong: the output gate does not open fully when x3 = 1 "
                     f"(o = {np.min(o_on):.3g}), so the count is not released")
            for x3 in (0.0, -1.0):
                o_off = sig["o"](probe(x2, x3))
                if np.max(o_off) > 0.001:
                    fail(f"counter_weights is wrong: the output gate is open when x3 = {x3:g} (o = "
                         f"{np.max(o_off):.3g}); the count must show only when x3 = 1")
        # --- end to end, on sequences the student has not seen
        for xs in _hidden_sequences():
            mem, out = run_linear_cell(weights, xs)
            mem_ref, out_ref = _counter_rules(xs)
            if not np.all(np.isfinite(mem)):
                fail("counter_weights is wrong: the memory overflows on a test sequence")
            err = max(np.max(np.abs(mem - mem_ref)), np.max(np.abs(out - out_ref)))
            if err > 0.05:
                t = int(np.argmax(np.maximum(np.abs(mem - mem_ref), np.abs(out - out_ref))))
                fail(f"counter_weights is wrong: on a test sequence the cell gives memory {mem[t]:.3g} and output "
                     f"{out[t]:.3g} at step {t + 1}, where the rules give {mem_ref[t]:g} and {out_ref[t]:g}")
    passed("counter_weights")
