"""Checks for Chapter 8b's exercises: an absolute-discounting bigram's bits per character, an honestly
scored linear probe, and nucleus (top-p) sampling checked statistically.

Every call of a student's function goes through :func:`_call`: an exception raised inside it becomes one line
(``NotImplementedError``, an exercise not done yet, propagates unchanged), and numpy's warnings are silenced.
"""

from __future__ import annotations

import numpy as np

from .core import as_array, as_float, assert_shape, fail, is_close, passed
from .safe import call_with_hint as _call
from .safe import quiet as _quiet

__all__ = ["check_discounted_bigram_bits", "check_probe_accuracy", "check_sample_nucleus"]




def _softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


# ---------------------------------------------------------------------------------------------------------------
# Exercise 1: interpolated absolute discounting, bigram, bits per character
# ---------------------------------------------------------------------------------------------------------------


def _discounted(train, test, V, D, *, log=np.log2, vocab=None, counts_from=None, weight="types",
                transpose=False, reduce=np.mean):
    """The reference and its named variants (the variants are the mistakes the hints name)."""
    src = np.asarray(counts_from if counts_from is not None else train)
    test = np.asarray(test)
    Vu = V if vocab is None else vocab
    uni = (np.bincount(src, minlength=V)[:V] + 1.0) / (len(src) + Vu)
    n = np.zeros((V, V))
    prev, nxt = (src[1:], src[:-1]) if transpose else (src[:-1], src[1:])
    np.add.at(n, (prev, nxt), 1.0)
    n_j = n.sum(axis=1, keepdims=True)
    types = (n > 0).sum(axis=1, keepdims=True)
    back = {"types": types, "V": np.full_like(types, V), "one": np.ones_like(types)}[weight]
    with np.errstate(all="ignore"):
        p = (np.maximum(n - D, 0) + D * back * uni[None, :]) / n_j
    p = np.where(n_j > 0, p, uni[None, :])
    return float(reduce(-log(p[test[:-1], test[1:]])))


def _bigram_cases():
    rng = np.random.default_rng(81)
    V = 7
    # training text over the first 5 characters only, with structure (a biased Markov chain)
    T = rng.dirichlet(np.full(5, 0.4), size=5)
    train = [0]
    for _ in range(400):
        train.append(int(rng.choice(5, p=T[train[-1]])))
    test = np.concatenate([rng.integers(0, 5, 60), [5, 2, 6, 6, 1, 5, 0], rng.integers(0, 7, 30)])
    train = np.array(train)
    # a second, different case
    train2 = np.array([1, 2, 3, 1, 2, 3, 1, 2, 4, 1, 2, 3, 3, 3, 2, 1, 0, 1, 2, 3] * 4)
    test2 = np.array([1, 2, 3, 0, 0, 5, 1, 2, 4, 4, 6, 3, 2, 1])
    return [(train, test, V, 0.75), (train2, test2, V, 0.5)]


@_quiet
def check_discounted_bigram_bits(discounted_bigram_bits):
    """``discounted_bigram_bits(train, test, V, D)`` -> held-out bits per character (a float)."""
    for train, test, V, D in _bigram_cases():
        name = f"discounted_bigram_bits(train, test, V={V}, D={D})"
        raw = _call(discounted_bigram_bits, train.copy(), test.copy(), V, D,
                    fn_name="discounted_bigram_bits")
        arr = as_array(name, raw, allow_nan=True)
        if arr.size != 1:
            fail(f"{name} should return one number (the mean bits per character), got shape {arr.shape}")
        got = float(arr.reshape(()))
        if np.isnan(got):
            fail(f"{name} is NaN: some probability was negative or 0/0. Subtract the discount only from pairs "
                 "that were seen (max(n_jk - D, 0)), and let a context never seen in training (n_j = 0) "
                 "fall back to the unigram")
        if np.isinf(got):
            fail(f"{name} is infinite: some test character got probability 0. The unigram at the bottom must "
                 "be add-one over all V characters, and an unseen context must fall back to it")
        expected = _discounted(train, test, V, D)
        if is_close(got, expected):
            continue
        observed = len(np.unique(train))
        wrong = {
            "uses the natural logarithm: bits need log2 (divide nats by ln 2)":
                _discounted(train, test, V, D, log=np.log),
            f"smooths the unigram over the {observed} characters seen in training instead of all V = {V}":
                _discounted(train, test, V, D, vocab=observed),
            "takes its counts from the test split: every count must come from the training text only":
                _discounted(train, test, V, D, counts_from=test),
            "gives the lower order the weight D * V / n_j: the mass freed by discounting is D times the "
            "number of *different* characters seen after j, N1+(j), not V":
                _discounted(train, test, V, D, weight="V"),
            "gives the lower order the weight D / n_j: the discount is taken from every seen pair, so the "
            "freed mass is D * N1+(j) / n_j":
                _discounted(train, test, V, D, weight="one"),
            "counts pairs the wrong way round (next character, then previous): n[j, k] must count j "
            "followed by k":
                _discounted(train, test, V, D, transpose=True),
            "sums the bits over the text: the score is the mean per predicted character":
                _discounted(train, test, V, D, reduce=np.sum),
            "uses the add-one unigram alone: the bigram's discounted counts are missing":
                float(np.mean(-np.log2(((np.bincount(train, minlength=V) + 1.0)
                                        / (len(train) + V))[test[1:]]))),
        }
        for hint, value in wrong.items():
            if is_close(got, value):
                fail(f"{name} is wrong: your code {hint}")
        fail(f"{name} = {got:.6g}, expected {expected:.6g}. Check each term of the formula on a tiny "
             "example by hand")
    passed("discounted_bigram_bits")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 2: a linear probe for "inside a string", scored honestly
# ---------------------------------------------------------------------------------------------------------------


def _probe_cases():
    out = []
    # case 1: majority 0 in both parts; case 2: majority 0 in training, 1 in test
    for seed, (Ta, Tb, H), cut_a, cut_b in ((5, (300, 200, 6), 1.2, 0.5), (6, (250, 240, 9), 2.3, -1.5)):
        rng = np.random.default_rng(seed)
        w = rng.normal(size=H)
        Ha = rng.normal(size=(Ta, H)) + 0.3
        Hb = rng.normal(size=(Tb, H)) + 0.3
        ya = (Ha @ w + rng.normal(scale=1.5, size=Ta) > cut_a).astype(float)
        yb = (Hb @ w + rng.normal(scale=1.5, size=Tb) > cut_b).astype(float)
        out.append((Ha, ya, Hb, yb))
    return out


def _probe(Ha, ya, Hb, yb, *, bias=True, thr=0.5, fit_on="train", score_on="test"):
    A = np.hstack([Ha, np.ones((len(Ha), 1))]) if bias else Ha
    B = np.hstack([Hb, np.ones((len(Hb), 1))]) if bias else Hb
    X, y = (A, ya) if fit_on == "train" else (B, yb)
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    Z, z = (B, yb) if score_on == "test" else (A, ya)
    return float(np.mean(((Z @ w) > thr) == z))


@_quiet
def check_probe_accuracy(probe_accuracy):
    """``probe_accuracy(H_train, y_train, H_test, y_test)`` -> (probe accuracy, majority accuracy) on test."""
    for Ha, ya, Hb, yb in _probe_cases():
        name = f"probe_accuracy(H_train {Ha.shape}, y_train, H_test {Hb.shape}, y_test)"
        raw = _call(probe_accuracy, Ha.copy(), ya.copy(), Hb.copy(), yb.copy(), fn_name="probe_accuracy")
        if not isinstance(raw, (tuple, list)) or len(raw) != 2:
            fail(f"{name} should return a tuple of two numbers (probe_acc, baseline_acc), got "
                 f"{type(raw).__name__}" + (f" of length {len(raw)}" if isinstance(raw, (tuple, list)) else ""))
        probe = as_float("probe_acc", raw[0])
        base = as_float("baseline_acc", raw[1])
        if probe > 1 or base > 1 or probe < 0 or base < 0:
            fail(f"{name}: accuracies are fractions in [0, 1], got ({probe:.4g}, {base:.4g})")
        # the baseline
        majority = float(np.round(np.mean(ya)))  # the most common training label (0 or 1)
        exp_base = float(np.mean(yb == majority))
        if not is_close(base, exp_base):
            hints = {
                "takes the majority class from the test labels: the baseline, like the probe, may only be "
                "fitted on the training part": max(np.mean(yb), 1 - np.mean(yb)),
                "returns the fraction of ones in the test labels: the baseline is the accuracy of always "
                "answering the training majority class": float(np.mean(yb)),
                "scores the majority baseline on the training labels: score it on the test part":
                    max(np.mean(ya), 1 - np.mean(ya)),
            }
            for hint, value in hints.items():
                if is_close(base, value):
                    fail(f"baseline_acc is wrong: your code {hint}")
            fail(f"baseline_acc = {base:.4f}, expected {exp_base:.4f}: the accuracy on the test part of "
                 "always predicting the most common training label")
        expected = _probe(Ha, ya, Hb, yb)
        if is_close(probe, expected):
            continue
        hints = {
            "scores the probe on the data it was fitted on: fit on the training part, score on the test "
            "part": _probe(Ha, ya, Hb, yb, score_on="train"),
            "fits the probe on the test part: the test labels may only be used to score":
                _probe(Ha, ya, Hb, yb, fit_on="test"),
            "has no bias: append a column of ones to the hidden states (for fitting and for predicting)":
                _probe(Ha, ya, Hb, yb, bias=False),
            "thresholds the output at 0: the labels are 0/1, so the least-squares output is compared "
            "with 0.5": _probe(Ha, ya, Hb, yb, thr=0.0),
        }
        for hint, value in hints.items():
            if is_close(probe, value) and not is_close(value, expected):
                fail(f"probe_acc is wrong: your code {hint}")
        fail(f"probe_acc = {probe:.4f}, expected {expected:.4f}: least squares of y_train on [H_train, 1], "
             "then predict 1 where [H_test, 1] @ w > 0.5")
    passed("probe_accuracy")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 3: nucleus (top-p) sampling, checked statistically
# ---------------------------------------------------------------------------------------------------------------

_NUC_LOGITS = np.array([1.2, -0.4, 2.5, 0.3, -1.5, 1.9, 0.0, -0.8])


def _nucleus(p, top_p, inclusive=True, largest=True):
    order = np.argsort(-p) if largest else np.argsort(p)
    cum = np.cumsum(p[order])
    if inclusive:
        m = int(np.searchsorted(cum, top_p - 1e-12)) + 1  # smallest set with mass >= top_p
    else:
        m = max(int(np.sum(cum < top_p)), 0)  # mass strictly below top_p
    m = min(m, len(p))
    q = np.zeros_like(p)
    if m == 0:
        return q
    q[order[:m]] = p[order[:m]]
    return q / q.sum()


def _sampling_error(exc):
    msg = str(exc)
    if "do not sum to 1" in msg:
        return ("the probabilities passed to rng.choice do not sum to 1: after keeping the nucleus, divide "
                "the kept probabilities by their sum (renormalise)")
    if "non-negative" in msg:
        return "a probability passed to rng.choice is negative: pass probabilities (after the softmax), not logits"
    if "zero" in msg.lower() or "nan" in msg.lower():
        return "the nucleus is empty or the probabilities are NaN: keep at least the most probable character"
    return None


@_quiet
def check_sample_nucleus(sample_nucleus):
    """``sample_nucleus(logits, top_p, tau, n, rng)``: n draws from the renormalised top-p nucleus."""
    logits = _NUC_LOGITS
    K, n = len(logits), 20_000
    results = []  # (name, freq, tau, top_p) of every case
    for top_p, tau in ((0.6, 1.0), (0.9, 0.7), (0.5, 2.0), (0.3, 1.0)):
        name = f"sample_nucleus(logits, top_p={top_p}, tau={tau}, n={n}, rng)"
        raw = _call(sample_nucleus, logits.copy(), top_p, tau, n, np.random.default_rng(0),
                    fn_name="sample_nucleus", on_error=_sampling_error)
        got = as_array(name, raw)
        assert_shape(name, got, (n,), "(n,)")
        if not np.all(got == np.round(got)) or got.min() < 0 or got.max() >= K:
            fail(f"{name} should contain integer character indices 0 ... K-1 = {K - 1}")
        results.append((name, np.bincount(got.astype(int), minlength=K) / n, tau, top_p))

    def looks_like(q, freq):
        sigma = np.sqrt(q * (1 - q) / n)
        return bool(q.sum() > 0 and np.all(np.abs(freq - q) <= 5 * sigma + 2e-3))

    def variants(tau, top_p):
        p = _softmax(logits / tau)
        return {
            "always returns the most probable character (greedy): sample from the nucleus with rng":
                np.eye(K)[np.argmax(p)],
            "samples from the full softmax(logits / tau): the top-p truncation is missing": p,
            "ignores the temperature (or applies it after the softmax without effect): divide the logits "
            "by tau": _nucleus(_softmax(logits), top_p),
            "multiplies the logits by tau: divide them by tau": _nucleus(_softmax(logits * tau), top_p),
            "keeps the *least* probable characters: sort the probabilities in decreasing order "
            "(np.argsort(-p))": _nucleus(p, top_p, largest=False),
            "keeps only the characters whose cumulative probability is *below* top_p: the nucleus is the "
            "smallest set whose mass reaches top_p, so it includes the character that crosses the "
            "threshold": _nucleus(p, top_p, inclusive=False),
        }

    bad = [(name, freq, tau, top_p) for name, freq, tau, top_p in results
           if not looks_like(_nucleus(_softmax(logits / tau), top_p), freq)]
    if bad:
        for hint in variants(1.0, 0.5):
            if all(looks_like(variants(tau, top_p)[hint], freq) for _, freq, tau, top_p in results):
                fail(f"{bad[0][0]}: the sample frequencies show that your code {hint}")
        name, freq, tau, top_p = bad[0]
        expected = _nucleus(_softmax(logits / tau), top_p)
        worst = int(np.argmax(np.abs(freq - expected)))
        fail(f"{name}: character {worst} was drawn with frequency {freq[worst]:.3f}, expected "
             f"{expected[worst]:.3f} (the nucleus, renormalised). Check which characters you keep and "
             "that their probabilities are renormalised")
    passed("sample_nucleus")
