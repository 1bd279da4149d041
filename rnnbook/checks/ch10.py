"""Checks for Chapter 10: masked softmax, attention, beam search, exposure bias.

Conventions: rows are examples; an encoder's states are (N, T, H), a decoder's (N, L, H);
a mask is a boolean (N, T) array, True at real input positions and False at padding.
"""

from __future__ import annotations

import numpy as np

from .core import as_array, assert_close, assert_shape, call, fail, hint_if_matches, is_close, passed

__all__ = [
    "masked_softmax_reference",
    "luong_attention_reference",
    "beam_step_reference",
    "ToyDecoder",
    "exposure_gap_reference",
    "beam_search_reference",
    "toy_next_logp",
    "check_masked_softmax",
    "check_luong_attention",
    "check_beam_step",
    "check_exposure_gap",
    "check_beam_search",
]


def _softmax(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 1: masked softmax
# ---------------------------------------------------------------------------------------------------------------


def masked_softmax_reference(scores, mask):
    z = np.where(mask, scores, -np.inf)
    return _softmax(z, axis=-1)


def _softmax_inputs():
    rng = np.random.default_rng(10)
    N, T = 3, 5
    scores = rng.normal(size=(N, T)) * 2.0
    scores[1] += 800.0  # large scores: exp overflows unless the row maximum is subtracted
    mask = np.ones((N, T), dtype=bool)
    mask[0, 3:] = False
    mask[1, 2:] = False
    mask[2, 4:] = False
    return scores, mask


def check_masked_softmax(masked_softmax):
    """``masked_softmax(scores (N, T), mask (N, T) bool) -> weights (N, T)``."""
    __tracebackhide__ = True
    scores, mask = _softmax_inputs()
    with np.errstate(all="ignore"):
        got = call(masked_softmax, scores, mask)
        got = as_array("weights", got, allow_nan=True)
        assert_shape("weights", got, scores.shape, "(N, T)")
        if not np.all(np.isfinite(got)):
            fail("weights contain NaN or inf: np.exp overflowed on large scores. Subtract each row's "
                 "maximum (over its real positions) before np.exp")
        expected = masked_softmax_reference(scores, mask)
        wrong = {
            "normalises over the batch axis (axis 0) instead of over the positions T (axis 1)":
                _softmax(np.where(mask, scores, -1e300), axis=0),
            "ignores the mask: padded positions get weight": _softmax(scores, axis=1),
            "inverts the mask: the weight goes to the padded positions and none to the real ones":
                _softmax(np.where(mask, -np.inf, scores), axis=1),
            "zeroes the padded weights after the softmax without renormalising: rows no longer sum to 1":
                _softmax(scores, axis=1) * mask,
            "sets padded scores to 0 (e.g. scores * mask): exp(0) = 1 still gives padding weight; use -inf":
                _softmax(scores * mask, axis=1),
        }
        hint_if_matches("weights", got, wrong)
        if np.any(got[~mask] > 1e-12):
            fail("weights are not 0 at padded positions (mask False): padding must get no weight")
        if not is_close(got.sum(axis=1), np.ones(len(got))):
            fail("each row of weights must sum to 1 over the positions T (axis 1)")
        assert_close("weights", got, expected)
    passed("masked_softmax")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 2: Luong's "general" attention over a whole decoder sequence
# ---------------------------------------------------------------------------------------------------------------


def luong_attention_reference(S_dec, H_enc, mask, W_a):
    e = np.einsum("nlh,hk,ntk->nlt", S_dec, W_a, H_enc)
    e = np.where(mask[:, None, :], e, -np.inf)
    alpha = _softmax(e, axis=2)
    return alpha, alpha @ H_enc


def _attention_inputs(N, L, T, H, seed):
    rng = np.random.default_rng(seed)
    S_dec = rng.normal(size=(N, L, H))
    H_enc = rng.normal(size=(N, T, H))
    W_a = rng.normal(size=(H, H))
    mask = np.ones((N, T), dtype=bool)
    mask[0, T - 2:] = False
    H_enc[0, T - 2:] = rng.normal(size=(2, H))  # padded states are not zero (the GRU ran over them)
    return S_dec, H_enc, mask, W_a


def _attention_wrong(S_dec, H_enc, mask, W_a):
    m = mask[:, None, :]
    e = np.einsum("nlh,hk,ntk->nlt", S_dec, W_a, H_enc)
    alpha = _softmax(np.where(m, e, -np.inf), axis=2)
    out = {
        "normalises over the decoder steps (axis 1) instead of over the encoder positions T":
            _softmax(np.where(m, e, -1e300), axis=1),
        "ignores the mask: padded encoder positions get weight": _softmax(e, axis=2),
        "uses W_a transposed: the score is s^T W_a h, with W_a of shape (H_dec, H_enc)":
            _softmax(np.where(m, np.einsum("nlh,kh,ntk->nlt", S_dec, W_a, H_enc), -np.inf), axis=2),
        "leaves out W_a (plain dot product s . h)":
            _softmax(np.where(m, np.einsum("nlh,nth->nlt", S_dec, H_enc), -np.inf), axis=2),
        "divides the scores by sqrt(H), which this (Luong) score does not do":
            _softmax(np.where(m, e / np.sqrt(W_a.shape[0]), -np.inf), axis=2),
    }
    ctx = {
        "computes the context from the decoder states: it is a weighted mean of the ENCODER states H_enc":
            alpha @ S_dec if S_dec.shape[1] == H_enc.shape[1] else None,
        "weights the encoder states by the raw scores, not by the softmax weights alpha":
            np.where(m, e, 0.0) @ H_enc,
        "weights the encoder states by exp(scores) without normalising":
            np.where(m, np.exp(e - e.max()), 0.0) @ H_enc,
    }
    return out, {k: v for k, v in ctx.items() if v is not None}


def _unpack_pair(result, names):
    __tracebackhide__ = True
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"return a tuple ({names[0]}, {names[1]}); got {type(result).__name__}")
    return as_array(names[0], result[0]), as_array(names[1], result[1])


def check_luong_attention(luong_attention):
    """``luong_attention(S_dec (N, L, H), H_enc (N, T, H), mask (N, T), W_a (H, H))
    -> (alpha (N, L, T), context (N, L, H))``."""
    __tracebackhide__ = True
    with np.errstate(all="ignore"):
        # 1) L = T: a context computed from the decoder states has the right shape; name it
        args = _attention_inputs(2, 5, 5, 3, seed=21)
        alpha, ctx = _unpack_pair(call(luong_attention, *args), ("alpha", "context"))
        if ctx.shape == (2, 5, 3):
            _, wrong_ctx = _attention_wrong(*args)
            key = next(k for k in wrong_ctx if "DECODER" in k or "decoder states" in k)
            hint_if_matches("context", ctx, {key: wrong_ctx[key]})
        # 2) all sizes different
        N, L, T, H = 2, 4, 6, 3
        args = _attention_inputs(N, L, T, H, seed=22)
        alpha, ctx = _unpack_pair(call(luong_attention, *args), ("alpha", "context"))
        assert_shape("alpha", alpha, (N, L, T), "(N, L, T)")
        assert_shape("context", ctx, (N, L, H), "(N, L, H)")
        exp_alpha, exp_ctx = luong_attention_reference(*args)
        wrong_alpha, wrong_ctx = _attention_wrong(*args)
        hint_if_matches("alpha", alpha, wrong_alpha)
        assert_close("alpha", alpha, exp_alpha)
        hint_if_matches("context", ctx, wrong_ctx)
        assert_close("context", ctx, exp_ctx)
    passed("luong_attention")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 3: one step of beam search
# ---------------------------------------------------------------------------------------------------------------


def beam_step_reference(scores, logp, k):
    B, V = logp.shape
    cand = (scores[:, None] + logp).reshape(-1)
    idx = np.argsort(-cand, kind="stable")[:k]
    return idx // V, idx % V, cand[idx]


def _beam_inputs():
    rng = np.random.default_rng(30)
    B, V, k = 4, 7, 3
    logits = rng.normal(size=(B, V)) * 1.5
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    # beam 0 has the best score so far, beam 1 nearly as good, but beam 2 has the single most
    # likely next token: a few mistakes rank differently only because of this.
    scores = np.array([-1.0, -1.2, -3.0, -4.5])
    logp[2, 5] = np.log(0.9)
    logp[0, 1] = np.log(0.5)
    logp[0, 2] = np.log(0.4)
    return scores, logp, k


def _beam_step_wrong(scores, logp, k):
    B, V = logp.shape

    def top(cand, flat_div=V):
        cand = cand.reshape(-1)
        idx = np.argsort(-cand, kind="stable")[:k]
        return idx // flat_div, idx % V, cand[idx]

    per_beam_best = [(b, int(np.argmax(logp[b])), scores[b] + logp[b].max()) for b in range(B)]
    per_beam_best.sort(key=lambda t: -t[2])
    pb = per_beam_best[:k]
    right = top(scores[:, None] + logp)
    return {
        "adds probabilities (exp(logp)) to the scores: log-probabilities add, probabilities multiply":
            top(scores[:, None] + np.exp(logp)),
        "multiplies the log-probabilities: along a sequence log-probabilities ADD":
            top(scores[:, None] * logp),
        "ignores the beams' scores so far: rank by score[b] + logp[b, v]": top(logp.copy()),
        "keeps only the best continuation of each beam: two children of one beam may both survive":
            (np.array([t[0] for t in pb]), np.array([t[1] for t in pb]), np.array([t[2] for t in pb])),
        "returns the candidates worst first: sort best first (highest score)":
            tuple(a[::-1] for a in right),
        "splits the flat index with B instead of V: parent = idx // V, token = idx % V":
            (lambda c: (np.argsort(-c)[:k] // B, np.argsort(-c)[:k] % B, np.sort(c)[::-1][:k]))(
                (scores[:, None] + logp).reshape(-1)),
    }, right


def check_beam_step(beam_step):
    """``beam_step(scores (B,), logp (B, V), k) -> (parents (k,), tokens (k,), new_scores (k,))``."""
    __tracebackhide__ = True
    scores, logp, k = _beam_inputs()
    with np.errstate(all="ignore"):
        res = call(beam_step, scores, logp, k)
        if not isinstance(res, tuple) or len(res) != 3:
            fail(f"return a tuple (parents, tokens, new_scores); got {type(res).__name__}")
        parents, tokens, new = (as_array(n, r) for n, r in zip(("parents", "tokens", "new_scores"), res, strict=True))
        for name, arr in (("parents", parents), ("tokens", tokens), ("new_scores", new)):
            assert_shape(name, arr, (k,), "(k,)")
        got = np.concatenate([parents, tokens, new])
        wrong, right = _beam_step_wrong(scores, logp, k)
        for hint, w in wrong.items():
            if is_close(got, np.concatenate([np.asarray(a, float) for a in w])):
                fail(f"beam_step is wrong: it looks like your code {hint}")
        if is_close(np.sort(new), np.sort(right[2])) and not is_close(new, right[2]):
            fail("new_scores hold the right candidates in the wrong order: sort best first")
        assert_close("new_scores", new, right[2])
        assert_close("parents", parents, right[0])
        assert_close("tokens", tokens, right[1])
    passed("beam_step")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 4: the exposure-bias gap of a given model
# ---------------------------------------------------------------------------------------------------------------


class ToyDecoder:
    """A small numpy decoder.  ``start(src)`` -> state; ``step(y_prev (N,), state)`` ->
    ``(logp (N, V), state)``.  It mostly outputs ``src[:, t]`` but its choice also depends
    on the previous token *and* on a running state, so feeding its own mistakes back in changes
    what follows."""

    BOS = 0

    def __init__(self, V=6, seed=0, strength=2.0):
        rng = np.random.default_rng(seed)
        self.V = V
        self.M = rng.normal(size=(V, V)) * strength
        self.R = rng.normal(size=(V, V)) * 0.5
        self.strength = strength

    def start(self, src):
        src = np.asarray(src)
        return (src, 0, np.zeros((src.shape[0], self.V)))

    def step(self, y_prev, state):
        src, t, run = state
        y_prev = np.asarray(y_prev, dtype=int)
        run = 0.5 * run + self.R[y_prev]
        logits = 3.0 * np.eye(self.V)[src[:, t]] + self.M[y_prev] + run
        logp = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) \
            - logits.max(1, keepdims=True)
        return logp, (src, t + 1, run)


def exposure_gap_reference(model, src, targets):
    N, L = targets.shape
    acc = {}
    for mode in ("forced", "free"):
        state = model.start(src)
        y = np.full(N, model.BOS)
        hits = np.zeros((N, L), dtype=bool)
        for t in range(L):
            logp, state = model.step(y, state)
            pred = logp.argmax(1)
            hits[:, t] = pred == targets[:, t]
            y = targets[:, t] if mode == "forced" else pred
        acc[mode] = hits.mean()
    return acc["forced"], acc["free"]


def _exposure_wrong(model, src, targets):
    N, L = targets.shape

    def run(feed, reset=False, start_tok=None, exact=False):
        state = model.start(src)
        y = np.full(N, model.BOS) if start_tok is None else start_tok
        hits = np.zeros((N, L), dtype=bool)
        for t in range(L):
            if reset:
                state = (state[0], state[1], np.zeros_like(state[2]))
            logp, state = model.step(y, state)
            pred = logp.argmax(1)
            hits[:, t] = pred == targets[:, t]
            y = feed(t, pred)
        return hits.all(1).mean() if exact else hits.mean()

    tgt = lambda t, p: targets[:, t]  # noqa: E731
    own = lambda t, p: p  # noqa: E731
    return {
        "feeds the targets in BOTH runs: free running must feed back the model's own predictions":
            (run(tgt), run(tgt)),
        "feeds the model's predictions in BOTH runs: teacher forcing feeds the target y_{t-1}":
            (run(own), run(own)),
        "returns (free, forced): the first value is the teacher-forced accuracy": (run(own), run(tgt)),
        "feeds y_t instead of y_{t-1} under teacher forcing (the answer leaks in, off by one)":
            (run(lambda t, p: targets[:, min(t + 1, L - 1)], start_tok=targets[:, 0]), run(own)),
        "starts from targets[:, 0] instead of the start token BOS":
            (run(tgt, start_tok=targets[:, 0]), run(own, start_tok=targets[:, 0])),
        "measures exact match per sequence; the statement asks for per-character accuracy":
            (run(tgt, exact=True), run(own, exact=True)),
        "does not carry the state from step to step (call start once, then pass each step's new state)":
            (run(tgt, reset=True), run(own, reset=True)),
    }


def check_exposure_gap(exposure_gap):
    """``exposure_gap(model, src (N, L), targets (N, L)) -> (forced_acc, free_acc)``, per character."""
    __tracebackhide__ = True
    rng = np.random.default_rng(40)
    model = ToyDecoder(V=6, seed=41)
    N, L = 300, 7
    src = rng.integers(1, model.V, size=(N, L))
    targets = src.copy()
    with np.errstate(all="ignore"):
        res = call(exposure_gap, model, src, targets)
        if not isinstance(res, tuple) or len(res) != 2:
            fail(f"return a tuple (forced_acc, free_acc); got {type(res).__name__}")
        got = np.array([float(np.asarray(as_array("accuracy", r)).reshape(-1)[0])
                        if np.asarray(r).size == 1 else np.nan for r in res])
        if not np.all(np.isfinite(got)):
            fail("each of forced_acc and free_acc must be a single number (a mean over all characters)")
        expected = np.array(exposure_gap_reference(model, src, targets))
        wrong = {k: np.array(v, dtype=float) for k, v in _exposure_wrong(model, src, targets).items()}
        hint_if_matches("(forced_acc, free_acc)", got, wrong)
        assert_close("(forced_acc, free_acc)", got, expected)
    passed("exposure_gap")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 5: beam search with an end token and length normalisation
# ---------------------------------------------------------------------------------------------------------------


def toy_next_logp(seed, V=4, sharp=1.5):
    """A toy "model": a function of the prefix (a tuple of ints) -> log-probabilities (V,)."""

    def next_logp(prefix):
        h = hash((seed,) + tuple(int(p) for p in prefix)) % (2**32)
        logits = np.random.default_rng(h).normal(size=V) * sharp
        return logits - np.log(np.exp(logits).sum())

    return next_logp


def beam_search_reference(next_logp, k, max_len, eos, alpha, *, mistake=None):
    live = [((), 0.0)]
    finished = []
    for _ in range(max_len):
        cand = []
        for seq, sc in live:
            lp = next_logp(seq)
            for v, l in enumerate(lp):
                if mistake == "probs":
                    cand.append((seq + (v,), sc + float(np.exp(l))))
                else:
                    cand.append((seq + (v,), sc + float(l)))
        cand.sort(key=lambda c: -c[1])
        width = 1 if mistake == "greedy" else k
        top = cand[:width]
        live = []
        for seq, sc in top:
            if seq[-1] == eos and mistake != "expand_finished":
                finished.append((seq, sc))
            else:
                live.append((seq, sc))
        if not live:
            break
    finished += live  # unfinished at max_len
    if mistake == "drop_unfinished":
        finished = [f for f in finished if f[0][-1] == eos] or finished

    def norm(seq, sc):
        if mistake in ("no_norm", "probs"):
            return sc
        n = len(seq) - (1 if (mistake == "len_without_eos" and seq[-1] == eos) else 0)
        return sc / max(n, 1) ** alpha

    best = max(finished, key=lambda f: norm(*f))
    return list(best[0]), norm(*best)


_BEAM_CASES = [(11, 3, 6, 0, 1.0), (12, 2, 7, 0, 0.7), (5, 3, 6, 0, 1.0), (7, 4, 5, 0, 1.0),
               (3, 2, 6, 0, 1.0), (19, 3, 8, 0, 0.8), (23, 3, 6, 0, 1.0), (29, 2, 6, 0, 1.0)]


def check_beam_search(beam_search):
    """``beam_search(next_logp, k, max_len, eos, alpha) -> (best_sequence list, normalised score)``."""
    __tracebackhide__ = True
    hints = {
        "greedy": "keeps only one hypothesis (greedy): keep the k best candidates at every step",
        "no_norm": "ranks the finished hypotheses by their summed log-probability: divide by length**alpha",
        "probs": "adds probabilities, not log-probabilities",
        "len_without_eos": "does not count the end token in the length: len(seq) includes eos",
        "expand_finished": "keeps expanding hypotheses that already ended with eos: set them aside",
    }
    with np.errstate(all="ignore"):
        results = []
        for seed, k, max_len, eos, alpha in _BEAM_CASES:
            f = toy_next_logp(seed)
            res = call(beam_search, f, k, max_len, eos, alpha)
            if not isinstance(res, tuple) or len(res) != 2:
                fail(f"return a tuple (best_sequence, score); got {type(res).__name__}")
            seq, score = res
            try:
                seq = [int(s) for s in seq]
            except (TypeError, ValueError):
                fail(f"best_sequence should be a list of token ids, got {type(seq).__name__}")
            score = float(np.asarray(as_array("score", score)).reshape(-1)[0])
            results.append((seq, score))

        def same(a, b):
            return a[0] == b[0] and abs(a[1] - b[1]) < 1e-9

        expected = [beam_search_reference(toy_next_logp(c[0]), *c[1:]) for c in _BEAM_CASES]
        if all(same(r, e) for r, e in zip(results, expected, strict=True)):
            passed("beam_search")
            return
        # a known mistake: the student's answers equal that mistake's on every case
        for mistake, hint in hints.items():
            wrong = [beam_search_reference(toy_next_logp(c[0]), *c[1:], mistake=mistake)
                     for c in _BEAM_CASES]
            if all(same(r, w) for r, w in zip(results, wrong, strict=True)):
                fail(f"beam_search is wrong: it looks like your code {hint}")
        for (seq, score), (exp_seq, exp_score), case in zip(results, expected, _BEAM_CASES, strict=True):
            if same((seq, score), (exp_seq, exp_score)):
                continue
            _, k, max_len, _, alpha = case
            if seq == exp_seq:
                fail(f"the best sequence is right but its score is {score:.6f}, expected {exp_score:.6f}: "
                     "the score is the summed log-probability divided by len(seq)**alpha")
            fail(f"beam_search(k={k}, max_len={max_len}, alpha={alpha}) returned {seq} with score "
                 f"{score:.4f}; expected {exp_seq} with score {exp_score:.4f}")
    passed("beam_search")
