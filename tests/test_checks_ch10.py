"""Each Chapter 10 check accepts correct answers and rejects each named mistake with a message naming it.

The wrong answers are written by hand, the way a student would write them (not built from the checks' own
reference code)."""

import numpy as np
import pytest

from rnnbook.checks import CheckFailed
from rnnbook.checks import ch10 as C

# ---------------------------------------------------------------------------------------------------------------
# Exercise 1: masked_softmax
# ---------------------------------------------------------------------------------------------------------------


def softmax_ok(scores, mask):
    z = np.where(mask, scores, -np.inf)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_ok_big_negative(scores, mask):  # another correct answer: a huge negative number instead of -inf
    z = scores - np.where(mask, 0.0, 1e9)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z) * mask
    return e / e.sum(axis=-1, keepdims=True)


def softmax_axis0(scores, mask):
    z = np.where(mask, scores, -1e300)
    z = z - z.max(axis=0, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=0, keepdims=True)


def softmax_no_mask(scores, mask):
    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_zero_after(scores, mask):
    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True) * mask


def softmax_times_mask(scores, mask):
    z = scores * mask
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_inverted(scores, mask):
    z = np.where(~mask, scores, -np.inf)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_overflow(scores, mask):
    e = np.exp(scores) * mask
    return e / e.sum(axis=1, keepdims=True)


def softmax_inplace(scores, mask):
    scores[~mask] = -np.inf
    scores -= scores.max(axis=1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("fn", [softmax_ok, softmax_ok_big_negative])
def test_masked_softmax_accepts(fn, capsys):
    C.check_masked_softmax(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (softmax_axis0, "batch axis"),
    (softmax_no_mask, "ignores the mask"),
    (softmax_zero_after, "without renormalising"),
    (softmax_times_mask, "padded scores to 0"),
    (softmax_inverted, "inverts the mask"),
    (softmax_overflow, "overflow"),
    (softmax_inplace, "in place"),
])
def test_masked_softmax_names_the_mistake(fn, words):
    with pytest.raises(CheckFailed, match=words):
        C.check_masked_softmax(fn)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 2: luong_attention
# ---------------------------------------------------------------------------------------------------------------


def _sm(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def luong_ok(S_dec, H_enc, mask, W_a):
    e = S_dec @ W_a @ H_enc.transpose(0, 2, 1)
    alpha = _sm(np.where(mask[:, None, :], e, -np.inf), 2)
    return alpha, alpha @ H_enc


def luong_ok_loops(S_dec, H_enc, mask, W_a):
    N, L, _ = S_dec.shape
    T = H_enc.shape[1]
    alpha = np.zeros((N, L, T))
    ctx = np.zeros((N, L, H_enc.shape[2]))
    for n in range(N):
        keys = H_enc[n] @ W_a.T  # (T, H): W_a h_j
        for l in range(L):  # noqa: E741
            e = keys @ S_dec[n, l]
            e[~mask[n]] = -np.inf
            a = np.exp(e - e.max())
            alpha[n, l] = a / a.sum()
            ctx[n, l] = alpha[n, l] @ H_enc[n]
    return alpha, ctx


def luong_axis1(S_dec, H_enc, mask, W_a):
    e = S_dec @ W_a @ H_enc.transpose(0, 2, 1)
    alpha = _sm(np.where(mask[:, None, :], e, -1e300), 1)
    return alpha, alpha @ H_enc


def luong_no_mask(S_dec, H_enc, mask, W_a):
    alpha = _sm(S_dec @ W_a @ H_enc.transpose(0, 2, 1), 2)
    return alpha, alpha @ H_enc


def luong_decoder_context(S_dec, H_enc, mask, W_a):
    e = S_dec @ W_a @ H_enc.transpose(0, 2, 1)
    alpha = _sm(np.where(mask[:, None, :], e, -np.inf), 2)
    return alpha, alpha @ S_dec


def luong_transposed(S_dec, H_enc, mask, W_a):
    e = S_dec @ W_a.T @ H_enc.transpose(0, 2, 1)
    alpha = _sm(np.where(mask[:, None, :], e, -np.inf), 2)
    return alpha, alpha @ H_enc


def luong_dot(S_dec, H_enc, mask, W_a):
    e = S_dec @ H_enc.transpose(0, 2, 1)
    alpha = _sm(np.where(mask[:, None, :], e, -np.inf), 2)
    return alpha, alpha @ H_enc


def luong_scaled(S_dec, H_enc, mask, W_a):
    e = S_dec @ W_a @ H_enc.transpose(0, 2, 1) / np.sqrt(S_dec.shape[2])
    alpha = _sm(np.where(mask[:, None, :], e, -np.inf), 2)
    return alpha, alpha @ H_enc


def luong_scores_as_weights(S_dec, H_enc, mask, W_a):
    e = S_dec @ W_a @ H_enc.transpose(0, 2, 1)
    alpha = _sm(np.where(mask[:, None, :], e, -np.inf), 2)
    return alpha, np.where(mask[:, None, :], e, 0.0) @ H_enc


@pytest.mark.parametrize("fn", [luong_ok, luong_ok_loops])
def test_luong_accepts(fn, capsys):
    C.check_luong_attention(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (luong_axis1, "over the decoder steps"),
    (luong_no_mask, "ignores the mask"),
    (luong_decoder_context, "context from the decoder states"),
    (luong_transposed, "W_a transposed"),
    (luong_dot, "leaves out W_a"),
    (luong_scaled, "sqrt"),
    (luong_scores_as_weights, "raw scores"),
])
def test_luong_names_the_mistake(fn, words):
    with pytest.raises(CheckFailed, match=words):
        C.check_luong_attention(fn)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 3: beam_step
# ---------------------------------------------------------------------------------------------------------------


def beam_ok(scores, logp, k):
    V = logp.shape[1]
    cand = (scores[:, None] + logp).ravel()
    best = np.argsort(-cand)[:k]
    return best // V, best % V, cand[best]


def beam_ok_unravel(scores, logp, k):
    cand = scores[:, None] + logp
    flat = np.argpartition(-cand.ravel(), k)[:k]
    flat = flat[np.argsort(-cand.ravel()[flat])]
    parents, tokens = np.unravel_index(flat, cand.shape)
    return parents, tokens, cand[parents, tokens]


def beam_probs(scores, logp, k):
    V = logp.shape[1]
    cand = (scores[:, None] + np.exp(logp)).ravel()
    best = np.argsort(-cand)[:k]
    return best // V, best % V, cand[best]


def beam_multiply(scores, logp, k):
    V = logp.shape[1]
    cand = (scores[:, None] * logp).ravel()
    best = np.argsort(-cand)[:k]
    return best // V, best % V, cand[best]


def beam_no_parent_score(scores, logp, k):
    V = logp.shape[1]
    cand = logp.ravel()
    best = np.argsort(-cand)[:k]
    return best // V, best % V, cand[best]


def beam_one_per_parent(scores, logp, k):
    tok = logp.argmax(axis=1)
    new = scores + logp.max(axis=1)
    order = np.argsort(-new)[:k]
    return order, tok[order], new[order]


def beam_ascending(scores, logp, k):
    V = logp.shape[1]
    cand = (scores[:, None] + logp).ravel()
    best = np.argsort(cand)[-k:]
    return best // V, best % V, cand[best]


def beam_wrong_divisor(scores, logp, k):
    B = logp.shape[0]
    cand = (scores[:, None] + logp).ravel()
    best = np.argsort(-cand)[:k]
    return best // B, best % B, cand[best]


@pytest.mark.parametrize("fn", [beam_ok, beam_ok_unravel])
def test_beam_step_accepts(fn, capsys):
    C.check_beam_step(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (beam_probs, "adds probabilities"),
    (beam_multiply, "multiplies the log-probabilities"),
    (beam_no_parent_score, "ignores the beams' scores"),
    (beam_one_per_parent, "only the best continuation of each beam"),
    (beam_ascending, "worst first"),
    (beam_wrong_divisor, "with B instead of V"),
])
def test_beam_step_names_the_mistake(fn, words):
    with pytest.raises(CheckFailed, match=words):
        C.check_beam_step(fn)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 4: exposure_gap
# ---------------------------------------------------------------------------------------------------------------


def _run(model, src, targets, feed, first=None, reset=False, exact=False):
    N, L = targets.shape
    state = model.start(src)
    y = np.full(N, model.BOS) if first is None else first
    hits = np.zeros((N, L), dtype=bool)
    for t in range(L):
        if reset:
            state = model.start(src)
            state = (state[0], t, state[2])
        logp, state = model.step(y, state)
        pred = logp.argmax(axis=1)
        hits[:, t] = pred == targets[:, t]
        y = feed(t, pred)
    return hits.all(axis=1).mean() if exact else hits.mean()


def gap_ok(model, src, targets):
    return (_run(model, src, targets, lambda t, p: targets[:, t]),
            _run(model, src, targets, lambda t, p: p))


def gap_ok_interleaved(model, src, targets):  # both runs advanced together, numpy floats returned
    N, L = targets.shape
    sf, sr = model.start(src), model.start(src)
    yf = yr = np.full(N, model.BOS)
    hf = hr = 0
    for t in range(L):
        lf, sf = model.step(yf, sf)
        lr, sr = model.step(yr, sr)
        hf += np.sum(lf.argmax(1) == targets[:, t])
        hr += np.sum(lr.argmax(1) == targets[:, t])
        yf, yr = targets[:, t], lr.argmax(1)
    return np.float64(hf / (N * L)), np.float64(hr / (N * L))


def gap_both_targets(model, src, targets):
    return (_run(model, src, targets, lambda t, p: targets[:, t]),
            _run(model, src, targets, lambda t, p: targets[:, t]))


def gap_both_own(model, src, targets):
    return (_run(model, src, targets, lambda t, p: p), _run(model, src, targets, lambda t, p: p))


def gap_swapped(model, src, targets):
    forced, free = gap_ok(model, src, targets)
    return free, forced


def gap_off_by_one(model, src, targets):
    L = targets.shape[1]
    return (_run(model, src, targets, lambda t, p: targets[:, min(t + 1, L - 1)], first=targets[:, 0]),
            _run(model, src, targets, lambda t, p: p))


def gap_no_bos(model, src, targets):
    return (_run(model, src, targets, lambda t, p: targets[:, t], first=targets[:, 0]),
            _run(model, src, targets, lambda t, p: p, first=targets[:, 0]))


def gap_exact(model, src, targets):
    return (_run(model, src, targets, lambda t, p: targets[:, t], exact=True),
            _run(model, src, targets, lambda t, p: p, exact=True))


def gap_restart_state(model, src, targets):
    return (_run(model, src, targets, lambda t, p: targets[:, t], reset=True),
            _run(model, src, targets, lambda t, p: p, reset=True))


@pytest.mark.parametrize("fn", [gap_ok, gap_ok_interleaved])
def test_exposure_gap_accepts(fn, capsys):
    C.check_exposure_gap(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (gap_both_targets, "targets in BOTH runs"),
    (gap_both_own, "predictions in BOTH runs"),
    (gap_swapped, r"returns \(free, forced\)"),
    (gap_off_by_one, "off by one"),
    (gap_no_bos, "start token BOS"),
    (gap_exact, "exact match"),
    (gap_restart_state, "does not carry the state"),
])
def test_exposure_gap_names_the_mistake(fn, words):
    with pytest.raises(CheckFailed, match=words):
        C.check_exposure_gap(fn)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 5: beam_search
# ---------------------------------------------------------------------------------------------------------------


def search(next_logp, k, max_len, eos, alpha, *, width=None, add=lambda s, lp: s + lp, norm=True,
           eos_in_len=True, set_aside=True):
    live, finished = [((), 0.0)], []
    for _ in range(max_len):
        cand = [(seq + (v,), add(sc, float(lp))) for seq, sc in live for v, lp in enumerate(next_logp(seq))]
        cand.sort(key=lambda c: -c[1])
        live = []
        for seq, sc in cand[: (width or k)]:
            if seq[-1] == eos and set_aside:
                finished.append((seq, sc))
            else:
                live.append((seq, sc))
        if not live:
            break
    finished += live

    def score(seq, sc):
        if not norm:
            return sc
        n = len(seq) - (0 if eos_in_len or seq[-1] != eos else 1)
        return sc / max(n, 1) ** alpha

    best = max(finished, key=lambda f: score(*f))
    return list(best[0]), score(*best)


def search_ok(next_logp, k, max_len, eos, alpha):
    return search(next_logp, k, max_len, eos, alpha)


def search_ok_heap(next_logp, k, max_len, eos, alpha):  # another correct answer, with heapq
    import heapq

    live, done = [(0.0, ())], []
    for _ in range(max_len):
        cand = []
        for sc, seq in live:
            lp = next_logp(seq)
            cand += [(sc + float(lp[v]), seq + (v,)) for v in range(len(lp))]
        top = heapq.nlargest(k, cand)
        done += [(s, q) for s, q in top if q[-1] == eos]
        live = [(s, q) for s, q in top if q[-1] != eos]
        if not live:
            break
    done += live
    s, q = max(done, key=lambda d: d[0] / len(d[1]) ** alpha)
    return list(q), s / len(q) ** alpha


def search_greedy(next_logp, k, max_len, eos, alpha):
    return search(next_logp, k, max_len, eos, alpha, width=1)


def search_no_norm(next_logp, k, max_len, eos, alpha):
    return search(next_logp, k, max_len, eos, alpha, norm=False)


def search_probs(next_logp, k, max_len, eos, alpha):
    return search(next_logp, k, max_len, eos, alpha, add=lambda s, lp: s + np.exp(lp), norm=False)


def search_len_without_eos(next_logp, k, max_len, eos, alpha):
    return search(next_logp, k, max_len, eos, alpha, eos_in_len=False)


def search_keeps_expanding(next_logp, k, max_len, eos, alpha):
    return search(next_logp, k, max_len, eos, alpha, set_aside=False)


@pytest.mark.parametrize("fn", [search_ok, search_ok_heap])
def test_beam_search_accepts(fn, capsys):
    C.check_beam_search(fn)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (search_greedy, "greedy"),
    (search_no_norm, "divide by length"),
    (search_probs, "adds probabilities"),
    (search_len_without_eos, "does not count the end token"),
    (search_keeps_expanding, "keeps expanding"),
])
def test_beam_search_names_the_mistake(fn, words):
    with pytest.raises(CheckFailed, match=words):
        C.check_beam_search(fn)


def test_checks_turn_exceptions_and_none_into_one_line():
    with pytest.raises(CheckFailed, match="None"):
        C.check_masked_softmax(lambda scores, mask: None)
    with pytest.raises(CheckFailed, match="tuple"):
        C.check_luong_attention(lambda S, H, m, W: None)
    with pytest.raises(CheckFailed, match="tuple"):
        C.check_beam_step(lambda s, lp, k: [1, 2, 3])
