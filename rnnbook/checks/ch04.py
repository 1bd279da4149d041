"""Checks for Chapter 4's exercises (backpropagation through time).

Conventions (the course's): a batch lives in rows, ``x_t`` is (N, D), ``h_t`` (N, H), a sequence ``x`` is
(T, N, D) and its hidden states ``hs`` (T, N, H); weights have PyTorch's shapes, ``W_xh`` (H, D), ``W_hh`` (H, H),
``b_h`` (H,), so the forward step is ``h_t = tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)``.

The inputs use T, N, D, H (and O) all different, T not a multiple of the chunk lengths, and a non-symmetric
``W_hh``, so that every named mistake gives its own answer.  Each check hands the student's function fresh arrays,
fails with a named message if one of them (the upstream gradient, say) is modified in place, and turns any
exception raised inside the student's code into one line.
"""

from __future__ import annotations

import warnings

import numpy as np

from .core import as_array, assert_close, assert_shape, fail, hint_if_matches, is_close, passed
from .reference import rnn_forward as _forward

__all__ = [
    "check_rnn_step_backward",
    "check_embedding_backward",
    "check_jordan_backward",
    "check_rnn_backward_k1k2",
]

N, D, H, T, O, V = 3, 4, 5, 7, 2, 6

_IN_PLACE_HINT = {
    "dh_t": "the upstream gradient; write `da = (1 - h_t**2) * dh_t`, not `dh_t *= ...`",
    "dhs": "the upstream gradients; write `dh = dhs[t] + dh_next`, not `dhs[t] += dh_next`",
    "d_emb": "the upstream gradient; accumulate into a new array dE",
}


# ------------------------------------------------------------------------------------------------ helpers
def _weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    W_xh = rng.normal(0.0, 0.6, size=(H, D))
    W_hh = rng.normal(0.0, 0.6, size=(H, H))
    b_h = rng.normal(0.0, 0.3, size=H)
    return W_xh, W_hh, b_h


def _call(fn, fn_name, args: dict):
    """Call ``fn`` with fresh copies of ``args`` (positionally); every problem becomes one line."""
    __tracebackhide__ = True
    if not callable(fn):
        fail(f"expected a function, got {type(fn).__name__}")
    passed_in = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = fn(*passed_in.values())
    except NotImplementedError:
        raise
    except ValueError as exc:
        msg = str(exc).splitlines()[0] if str(exc) else ""
        if "matmul" in msg or "not aligned" in msg or "could not be broadcast" in msg:
            shapes = ", ".join(f"{name} {v.shape}" for name, v in args.items() if isinstance(v, np.ndarray))
            fail(
                f"{fn_name} raised a shape mismatch ({msg}). The inputs have shapes {shapes}: "
                "in the row layout the forward `x_t @ W_xh.T` sends back `da @ W_xh` (not W_xh.T) to x_t and "
                "`da.T @ x_t` to W_xh; write down each result's shape before you multiply"
            )
        fail(f"{fn_name} raised ValueError: {msg}")
    except Exception as exc:  # noqa: BLE001 - any error in the student's code becomes one line
        msg = str(exc).splitlines()[0] if str(exc) else ""
        fail(f"{fn_name} raised {type(exc).__name__}: {msg}")
    for name, before in args.items():
        if isinstance(before, np.ndarray) and not np.array_equal(before, passed_in[name]):
            extra = _IN_PLACE_HINT.get(name, "work on a copy (e.g. `a = a.copy()`)")
            what = "mutates the upstream gradient in place" if name in _IN_PLACE_HINT else "modifies an input in place"
            fail(f"{fn_name} {what}: it changed its argument `{name}`; {extra}")
    return result


def _unpack(fn_name, result, names):
    __tracebackhide__ = True
    if result is None:
        fail(f"{fn_name} returned None: did you forget a `return` statement?")
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = f"a {type(result).__name__} of {len(result)} items" if isinstance(result, (tuple, list)) else (
            f"a {type(result).__name__}")
        fail(f"{fn_name} should return a tuple of {len(names)} arrays ({', '.join(names)}); got {got}")
    return [as_array(name, value) for name, value in zip(names, result, strict=True)]


def _compare(got, expected, names, shapes, mistakes, rtol=1e-6, atol=1e-8):
    """Shapes first, then whole-answer hints, then hints output by output, then values."""
    __tracebackhide__ = True
    for arr, name, (shape, symbolic) in zip(got, names, shapes, strict=True):
        assert_shape(name, arr, shape, symbolic)
    # a mistake that reproduces *every* output is the most specific diagnosis
    for hint, ans in mistakes.items():
        if all(is_close(g, a, rtol, atol) for g, a in zip(got, ans, strict=True)) and not all(
            is_close(a, e, rtol, atol) for a, e in zip(ans, expected, strict=True)
        ):
            fail(f"{names[0]}, ... are wrong: it looks like your code {hint}")
    for i, name in enumerate(names):
        wrong = {hint: ans[i] for hint, ans in mistakes.items() if not is_close(ans[i], expected[i], rtol, atol)}
        hint_if_matches(name, got[i], wrong, rtol, atol)
        assert_close(name, got[i], expected[i], rtol, atol)


# ------------------------------------------------------------------------------- Exercise 1: one step back
def _step_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh, deriv="h_t", W_hh_T=False, dW_hh_T=False):
    """The reference step (and its named mistakes, selected by the keyword arguments)."""
    local = {"h_t": 1 - h_t**2, "h_prev": 1 - h_prev**2, "none": 1.0, "tanh_h_t": 1 - np.tanh(h_t) ** 2}[deriv]
    da = local * dh_t
    dx_t = da @ W_xh
    dh_prev = da @ (W_hh.T if W_hh_T else W_hh)
    dW_xh = da.T @ x_t
    dW_hh = h_prev.T @ da if dW_hh_T else da.T @ h_prev
    db_h = da.sum(axis=0)
    return dx_t, dh_prev, dW_xh, dW_hh, db_h


STEP_NAMES = ("dx_t", "dh_prev", "dW_xh", "dW_hh", "db_h")


def check_rnn_step_backward(rnn_step_backward) -> None:
    """``rnn_step_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh)`` returns ``(dx_t, dh_prev, dW_xh, dW_hh, db_h)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(11)
    W_xh, W_hh, b_h = _weights()
    x_t = rng.normal(size=(N, D))
    h_prev = rng.uniform(-0.9, 0.9, size=(N, H))
    h_t = np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)
    dh_t = rng.normal(size=(N, H))
    args = {"dh_t": dh_t, "x_t": x_t, "h_prev": h_prev, "h_t": h_t, "W_xh": W_xh, "W_hh": W_hh}
    got = _unpack("rnn_step_backward", _call(rnn_step_backward, "rnn_step_backward", args), STEP_NAMES)
    shapes = [((N, D), "(N, D)"), ((N, H), "(N, H)"), ((H, D), "(H, D)"), ((H, H), "(H, H)"), ((H,), "(H,)")]
    expected = _step_backward(*args.values())
    mistakes = {
        "forgets the tanh derivative: da = (1 - h_t**2) * dh_t (a missing (1 - h^2) factor)":
            _step_backward(*args.values(), deriv="none"),
        "takes the tanh derivative at h_prev; it is (1 - h_t**2), at this step's output":
            _step_backward(*args.values(), deriv="h_prev"),
        "uses a transposed weight: dh_prev = da @ W_hh (not da @ W_hh.T) in the row layout":
            _step_backward(*args.values(), W_hh_T=True),
        "computes a transposed weight gradient: dW_hh = da.T @ h_prev (not h_prev.T @ da)":
            _step_backward(*args.values(), dW_hh_T=True),
        "applies tanh to h_t again: h_t is already tanh(a_t), so the derivative is 1 - h_t**2, not "
        "1 - tanh(h_t)**2": _step_backward(*args.values(), deriv="tanh_h_t"),
        "pairs da with h_t; dW_hh needs the state that W_hh multiplied, dW_hh = da.T @ h_prev":
            _step_backward(dh_t, x_t, h_t, h_t, W_xh, W_hh),
        "averages the weight gradients over the batch; sum them (no division by N)":
            expected[:2] + tuple(g / N for g in expected[2:]),
        "averages the bias gradient over the batch instead of summing it: db_h = da.sum(axis=0), "
        "not da.mean(axis=0)": expected[:4] + (expected[4] / N,),
    }
    _compare(got, expected, STEP_NAMES, shapes, mistakes)
    passed("rnn_step_backward")


# ----------------------------------------------------------------------- Exercise 2: embedding backward
def _embedding_inputs():
    rng = np.random.default_rng(21)
    # repeats inside one step (tokens[0] has 2 twice), across steps, and rows that never occur (4)
    tokens = np.array([[2, 2, 0], [1, 2, 5], [0, 3, 3], [5, 1, 2], [2, 0, 1], [3, 3, 3], [1, 5, 0]])
    d_emb = rng.normal(size=(T, N, D))
    return tokens, d_emb


def _embedding(tokens, d_emb, kind="ok"):
    dE = np.zeros((V, D))
    if kind == "ok":
        np.add.at(dE, tokens, d_emb)
    elif kind == "buffered":  # dE[tokens] += d_emb: the last occurrence wins
        dE[tokens] += d_emb
    elif kind == "per_step":  # loop over t with a buffered += inside one step
        for t in range(tokens.shape[0]):
            dE[tokens[t]] += d_emb[t]
    elif kind == "first":  # the first occurrence wins
        for t in reversed(range(tokens.shape[0])):
            for n in reversed(range(tokens.shape[1])):
                dE[tokens[t, n]] = d_emb[t, n]
    elif kind == "mean":
        np.add.at(dE, tokens, d_emb)
        counts = np.bincount(tokens.ravel(), minlength=V)
        dE = dE / np.maximum(counts, 1)[:, None]
    elif kind == "over_N":
        np.add.at(dE, tokens, d_emb)
        dE = dE / tokens.shape[1]
    elif kind == "over_TN":
        np.add.at(dE, tokens, d_emb)
        dE = dE / tokens.size
    elif kind == "sum_time":  # sums the upstream over time, then scatters once per batch column
        for n in range(tokens.shape[1]):
            dE[tokens[-1, n]] += d_emb[:, n].sum(axis=0)
    return dE


def check_embedding_backward(embedding_backward) -> None:
    """``embedding_backward(tokens, d_emb, V)`` returns ``dE`` (V, D), the gradient of the embedding table."""
    __tracebackhide__ = True
    tokens, d_emb = _embedding_inputs()
    args = {"tokens": tokens, "d_emb": d_emb, "V": V}
    got = _call(embedding_backward, "embedding_backward", args)
    if isinstance(got, tuple):
        fail(f"embedding_backward should return one array dE of shape (V, D); got a tuple of {len(got)} items")
    dE = as_array("dE", got)
    if dE.shape == (D, V):
        fail(f"dE has shape (D, V) = {(D, V)}; expected (V, D) = {(V, D)}: one row per token of the vocabulary, "
             "like E itself")
    if dE.shape in {(T, N, D), (T * N, D)}:
        fail(f"dE has shape {dE.shape}: that is one row per *occurrence*; the table E has one row per token of "
             "the vocabulary, (V, D): add the rows of d_emb into the row of their token")
    assert_shape("dE", dE, (V, D), "(V, D)")
    expected = _embedding(tokens, d_emb)
    hint_if_matches("dE", dE, {
        "keeps only one occurrence of each repeated token: `dE[tokens] += d_emb` does not add repeated indices "
        "(numpy buffers fancy-index assignment; the last write wins); use `np.add.at(dE, tokens, d_emb)`":
            _embedding(tokens, d_emb, "buffered"),
        "drops repeated tokens within one time step: inside a step, `dE[tokens[t]] += d_emb[t]` keeps only one of "
        "two sequences that read the same token; use `np.add.at`": _embedding(tokens, d_emb, "per_step"),
        "keeps only the first occurrence of each repeated token; every occurrence adds its gradient":
            _embedding(tokens, d_emb, "first"),
        "averages the gradient over the occurrences of a token; a token read k times gets the *sum* of its k "
        "gradients (the same row of E was used k times)": _embedding(tokens, d_emb, "mean"),
        "divides by the batch size N: d_emb already is the gradient of the loss, so just add it up":
            _embedding(tokens, d_emb, "over_N"),
        "divides by T * N: d_emb already is the gradient of the loss, so just add it up":
            _embedding(tokens, d_emb, "over_TN"),
        "sums d_emb over time before scattering it: every step has its own token, so scatter each (t, n) "
        "into the row tokens[t, n]": _embedding(tokens, d_emb, "sum_time"),
    })
    unused = [v for v in range(V) if v not in set(tokens.ravel().tolist())]
    if not np.allclose(dE[unused], 0.0):
        fail(f"dE is wrong: row(s) {unused} belong to tokens that never occur, so their gradient must be 0")
    assert_close("dE", dE, expected)
    passed("embedding_backward")


# -------------------------------------------------------------------------- Exercise 3: Jordan network BPTT
JORDAN_NAMES = ("dW_xh", "dW_oh", "db_h", "dW_hy", "db_y", "do0")


def _jordan_inputs(seed=31):
    rng = np.random.default_rng(seed)
    W_xh = rng.normal(0.0, 0.6, size=(H, D))
    W_oh = rng.normal(0.0, 0.8, size=(H, O))
    b_h = rng.normal(0.0, 0.3, size=H)
    W_hy = rng.normal(0.0, 0.8, size=(O, H))
    b_y = rng.normal(0.0, 0.3, size=O)
    x = rng.normal(size=(T, N, D))
    o0 = rng.normal(size=(N, O))
    ys = rng.normal(size=(T, N, O))
    hs, os_ = [], []
    o = o0
    for t in range(T):
        h = np.tanh(x[t] @ W_xh.T + o @ W_oh.T + b_h)
        o = h @ W_hy.T + b_y
        hs.append(h)
        os_.append(o)
    return {"x": x, "o0": o0, "hs": np.stack(hs), "os": np.stack(os_), "ys": ys,
            "W_xh": W_xh, "W_oh": W_oh, "W_hy": W_hy}


def _jordan(x, o0, hs, os_, ys, W_xh, W_oh, W_hy, feedback=True, o_prev="ok", scale="1/N", sign=1.0,
            keep="all", fb_into="o", deriv=True):
    n_steps, n = x.shape[:2]
    factor = {"1/N": 1.0 / n, "1": 1.0, "2/N": 2.0 / n, "1/TN": 1.0 / (n * n_steps)}[scale]
    dW_xh, dW_oh, db_h = np.zeros_like(W_xh), np.zeros_like(W_oh), np.zeros(W_oh.shape[0])
    dW_hy, db_y = np.zeros_like(W_hy), np.zeros(W_hy.shape[0])
    do_next = np.zeros_like(o0)
    for t in reversed(range(n_steps)):
        do_local = sign * factor * (os_[t] - ys[t])
        do = do_local + (do_next if (feedback and fb_into == "o") else 0.0)
        dh = do @ W_hy
        if fb_into == "h":  # the future's gradient skips the output layer
            dh = dh + do_next @ W_hy
        da = (1 - hs[t] ** 2) * dh if deriv else dh
        if o_prev == "ok":
            prev = os_[t - 1] if t > 0 else o0
        elif o_prev == "wrap":
            prev = os_[t - 1]
        else:  # "same"
            prev = os_[t]
        gW_xh, gW_oh, gb_h = da.T @ x[t], da.T @ prev, da.sum(axis=0)
        gW_hy, gb_y = do.T @ hs[t], do.sum(axis=0)
        if keep == "all":
            dW_xh, dW_oh, db_h, dW_hy, db_y = dW_xh + gW_xh, dW_oh + gW_oh, db_h + gb_h, dW_hy + gW_hy, db_y + gb_y
        elif keep == "local_out":  # output layer gets only the local loss gradient
            gW_hy, gb_y = do_local.T @ hs[t], do_local.sum(axis=0)
            dW_xh, dW_oh, db_h, dW_hy, db_y = dW_xh + gW_xh, dW_oh + gW_oh, db_h + gb_h, dW_hy + gW_hy, db_y + gb_y
        elif t == 0:  # "last": only step 0 kept
            dW_xh, dW_oh, db_h, dW_hy, db_y = gW_xh, gW_oh, gb_h, gW_hy, gb_y
        do_next = da @ W_oh
    return dW_xh, dW_oh, db_h, dW_hy, db_y, do_next


def check_jordan_backward(jordan_backward) -> None:
    """``jordan_backward(x, o0, hs, os, ys, W_xh, W_oh, W_hy)`` returns ``(dW_xh, dW_oh, db_h, dW_hy, db_y, do0)``."""
    __tracebackhide__ = True
    args = _jordan_inputs()
    got = _unpack("jordan_backward", _call(jordan_backward, "jordan_backward", args), JORDAN_NAMES)
    shapes = [((H, D), "(H, D)"), ((H, O), "(H, O)"), ((H,), "(H,)"), ((O, H), "(O, H)"), ((O,), "(O,)"),
              ((N, O), "(N, O)")]
    a = list(args.values())
    expected = _jordan(*a)
    mistakes = {
        "treats o_{t-1} as a constant: the output o_t also feeds a_{t+1}, so its gradient is "
        "(o_t - y_t)/N + da_{t+1} @ W_oh": _jordan(*a, feedback=False),
        "gives W_hy and b_y only the local loss gradient (o_t - y_t)/N: the gradient from step t+1 arrives at "
        "o_t, so add it to do_t *before* the output layer, so that W_hy and b_y see it too":
            _jordan(*a, fb_into="h"),
        "pairs da_t with o_t; W_oh multiplied the *previous* output, so dW_oh += da.T @ o_{t-1}":
            _jordan(*a, o_prev="same"),
        "uses os[t - 1] at t = 0, which is os[-1] (the last output); the output before step 0 is o0":
            _jordan(*a, o_prev="wrap"),
        "forgets the 1/N: the loss is averaged over the batch, so dL/do_t = (o_t - y_t) / N":
            _jordan(*a, scale="1"),
        "drops the 1/2 of the loss: d(1/2 |o - y|^2)/do = o - y, not 2 (o - y)": _jordan(*a, scale="2/N"),
        "divides by T * N; the loss is summed over time and averaged over the batch only":
            _jordan(*a, scale="1/TN"),
        "has the sign of the loss gradient flipped: dL/do_t = +(o_t - y_t) / N": _jordan(*a, sign=-1.0),
        "does not accumulate the gradients over time (only step 0 is kept): use `+=`": _jordan(*a, keep="last"),
        "forgets the tanh derivative: a missing (1 - h^2) factor, da = (1 - hs[t]**2) * dh":
            _jordan(*a, deriv=False),
    }
    _compare(got, expected, JORDAN_NAMES, shapes, mistakes)
    passed("jordan_backward")


# ------------------------------------------------------------------------------------ Exercise 4: BPTT(k1, k2)
K12_NAMES = ("dW_xh", "dW_hh", "db_h", "dh0")


def _sequence_inputs(seed):
    rng = np.random.default_rng(seed)
    W_xh, W_hh, b_h = _weights()
    x = rng.normal(size=(T, N, D))
    h0 = rng.uniform(-0.9, 0.9, size=(N, H))
    hs = _forward(x, h0, W_xh, W_hh, b_h)
    dhs = rng.normal(size=(T, N, H))
    return {"dhs": dhs, "x": x, "h0": h0, "hs": hs, "W_xh": W_xh, "W_hh": W_hh}


def _k1k2(dhs, x, h0, hs, W_xh, W_hh, k1, k2, *, reset_dW=False, extra=0, from_start=False, old_losses=False,
          h_first="ok", carry=False, zero_dh0=False, W_hh_T=False, deriv=True, upstream="both"):
    """BPTT(k1, k2) summed over the blocks (and its named mistakes)."""
    n_steps = x.shape[0]
    dW_xh, dW_hh, db_h, dh0 = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(W_hh.shape[0]), np.zeros_like(h0)
    dh_next = np.zeros_like(h0)
    for s in range(0, n_steps, k1):
        e = min(s + k1, n_steps)
        if reset_dW:
            dW_xh, dW_hh, db_h = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(W_hh.shape[0])
        stop = max((s if from_start else e) - k2 - extra, 0)
        if not carry:
            dh_next = np.zeros_like(h0)
        for t in range(e - 1, stop - 1, -1):
            local = dhs[t] if (t >= s or old_losses) else 0.0
            if upstream == "no_next":
                dh = local + 0.0 * dh_next
            else:
                dh = local + dh_next
            if t > 0:
                h_prev = hs[t - 1]
            else:
                h_prev = {"ok": h0, "zeros": np.zeros_like(h0), "wrap": hs[-1]}[h_first]
            da = (1 - hs[t] ** 2) * dh if deriv else dh
            dW_xh = dW_xh + da.T @ x[t]
            dW_hh = dW_hh + da.T @ h_prev
            db_h = db_h + da.sum(axis=0)
            dh_next = da @ (W_hh.T if W_hh_T else W_hh)
        if stop == 0 and not zero_dh0:
            dh0 = dh0 + dh_next
    return dW_xh, dW_hh, db_h, dh0


def _k1k2_mistakes(a, k1, k2):
    return {
        "resets dW_xh, dW_hh, db_h at every block: the weight gradients of all blocks add up "
        "(only the last block is kept)": _k1k2(*a, k1, k2, reset_dW=True),
        "backpropagates k2 + 1 steps per block; the window is the k2 steps e - k2, ..., e - 1 that end "
        "with the block": _k1k2(*a, k1, k2, extra=1),
        "counts the k2 steps back from the *start* of the block; the window ends with the block's last step "
        "and reaches back k2 steps from there": _k1k2(*a, k1, k2, from_start=True),
        "swaps k1 and k2: k1 is how often (the block length), k2 how far back": _k1k2(*a, k2, k1),
        "ignores k2 (it is chunked BPTT(k1, k1)): each block backpropagates k2 steps, reaching into the "
        "previous block": _k1k2(*a, k1, k1),
        "ignores k1 (it is chunked BPTT(k2, k2))": _k1k2(*a, k2, k2),
        "does not truncate (it is full BPTT)": _k1k2(*a, x_len(a), x_len(a)),
        "adds the losses of steps before the block (t < s) while backpropagating through them: each loss "
        "belongs to its own block and is counted once": _k1k2(*a, k1, k2, old_losses=True),
        "does not start the first block from h0: at t = 0 the previous state is h0 (not zeros)":
            _k1k2(*a, k1, k2, h_first="zeros"),
        "uses hs[t - 1] at t = 0, which is hs[-1] (the last state); the first block starts from h0":
            _k1k2(*a, k1, k2, h_first="wrap"),
        "carries dh_next from one block into the next; each block starts a fresh backward pass (dh_next = 0)":
            _k1k2(*a, k1, k2, carry=True),
        "returns dh0 = 0: a block whose window reaches t = 0 sends its gradient into h0 (the first block "
        "starts from h0)": _k1k2(*a, k1, k2, zero_dh0=True),
        "uses a transposed weight: dh_next = da @ W_hh (not da @ W_hh.T) in the row layout":
            _k1k2(*a, k1, k2, W_hh_T=True),
        "forgets the tanh derivative: a missing (1 - h^2) factor": _k1k2(*a, k1, k2, deriv=False),
        "drops the gradient from step t+1 (dh = dhs[t] + dh_next)": _k1k2(*a, k1, k2, upstream="no_next"),
    }


def x_len(a):
    return a[1].shape[0]


def check_rnn_backward_k1k2(rnn_backward_k1k2) -> None:
    """``rnn_backward_k1k2(dhs, x, h0, hs, W_xh, W_hh, k1, k2)`` returns ``(dW_xh, dW_hh, db_h, dh0)``."""
    __tracebackhide__ = True
    args = _sequence_inputs(13)
    a = list(args.values())
    shapes = [((H, D), "(H, D)"), ((H, H), "(H, H)"), ((H,), "(H,)"), ((N, H), "(N, H)")]
    for k1, k2 in ((2, 3), (3, 5), (1, 2), (3, 3)):
        got = _unpack("rnn_backward_k1k2",
                      _call(rnn_backward_k1k2, "rnn_backward_k1k2", {**args, "k1": k1, "k2": k2}), K12_NAMES)
        expected = _k1k2(*a, k1, k2)
        names = tuple(f"{n} (k1={k1}, k2={k2})" for n in K12_NAMES)
        _compare(got, expected, names, shapes, _k1k2_mistakes(a, k1, k2))
    passed("rnn_backward_k1k2")
