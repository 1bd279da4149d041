"""Chapter 8b's checks accept correct solutions and reject each named mistake with a message that names it.

The wrong answers are written by hand, the way a student would write them; none is built from the check's own
reference code.
"""

import numpy as np
import pytest

from rnnbook.checks import CheckFailed
from rnnbook.checks.ch08b import check_discounted_bigram_bits, check_probe_accuracy, check_sample_nucleus

# --------------------------------------------------------------------------------------------- Exercise 1


def bigram_ok(train, test, V, D):
    uni = (np.bincount(train, minlength=V) + 1) / (len(train) + V)
    n = np.zeros((V, V))
    for j, k in zip(train[:-1], train[1:], strict=True):
        n[j, k] += 1
    bits = []
    for j, k in zip(test[:-1], test[1:], strict=True):
        nj = n[j].sum()
        if nj == 0:
            p = uni[k]
        else:
            p = max(n[j, k] - D, 0) / nj + D * np.count_nonzero(n[j]) / nj * uni[k]
        bits.append(-np.log2(p))
    return np.mean(bits)


def bigram_ok_vectorised(train, test, V, D):
    uni = (np.bincount(train, minlength=V) + 1.0) / (len(train) + V)
    n = np.zeros((V, V))
    np.add.at(n, (train[:-1], train[1:]), 1)
    nj = n.sum(1)
    safe = np.where(nj > 0, nj, 1)[:, None]
    P = (np.clip(n - D, 0, None) + D * (n > 0).sum(1)[:, None] * uni) / safe
    P[nj == 0] = uni
    return float(-np.log2(P[test[:-1], test[1:]]).mean())


def test_bigram_accepts_correct():
    check_discounted_bigram_bits(bigram_ok)
    check_discounted_bigram_bits(bigram_ok_vectorised)


def _variant(log=np.log2, vocab=None, from_test=False, weight="types", flip=False, total=False,
             no_max=False, unigram_only=False, unseen_zero=False, plain_unigram=False):
    def f(train, test, V, D):
        src = test if from_test else train
        Vu = len(set(src.tolist())) if vocab == "observed" else V
        counts = np.bincount(src, minlength=V)
        uni = counts / len(src) if plain_unigram else (counts + 1) / (len(src) + Vu)
        n = np.zeros((V, V))
        for j, k in zip(src[:-1], src[1:], strict=True):
            if flip:
                n[k, j] += 1
            else:
                n[j, k] += 1
        out = []
        for j, k in zip(test[:-1], test[1:], strict=True):
            nj = n[j].sum()
            if unigram_only:
                p = uni[k]
            elif nj == 0 and not unseen_zero:
                p = uni[k]
            else:
                w = {"types": np.count_nonzero(n[j]), "V": V, "one": 1}[weight]
                num = (n[j, k] - D) if no_max else max(n[j, k] - D, 0)
                p = (num + D * w * uni[k]) / nj if nj else np.nan
            out.append(-log(p))
        return np.sum(out) if total else np.mean(out)
    return f


@pytest.mark.parametrize("wrong, match", [
    (_variant(log=np.log), "natural logarithm"),
    (_variant(vocab="observed"), "characters seen in training instead of all V"),
    (_variant(from_test=True), "counts from the test split"),
    (_variant(weight="V"), r"D \* V / n_j"),
    (_variant(weight="one"), r"weight D / n_j"),
    (_variant(flip=True), "wrong way round"),
    (_variant(total=True), "sums the bits"),
    (_variant(unigram_only=True), "unigram alone"),
    (_variant(no_max=True), "Subtract the discount only from pairs"),
    (_variant(unseen_zero=True), "fall back to the unigram"),
    (_variant(plain_unigram=True), "add-one over all V"),
])
def test_bigram_rejects(wrong, match):
    with pytest.raises(CheckFailed, match=match):
        check_discounted_bigram_bits(wrong)


def test_bigram_rejects_none():
    with pytest.raises(CheckFailed, match="None"):
        check_discounted_bigram_bits(lambda *a: None)


# --------------------------------------------------------------------------------------------- Exercise 2


def probe_ok(Ha, ya, Hb, yb):
    A = np.hstack([Ha, np.ones((len(Ha), 1))])
    w, *_ = np.linalg.lstsq(A, ya, rcond=None)
    pred = np.hstack([Hb, np.ones((len(Hb), 1))]) @ w > 0.5
    majority = 1.0 if ya.mean() > 0.5 else 0.0
    return float((pred == yb).mean()), float((yb == majority).mean())


def probe_ok_normal_equations(Ha, ya, Hb, yb):
    A = np.c_[Ha, np.ones(len(Ha))]
    w = np.linalg.solve(A.T @ A, A.T @ ya)
    values, counts = np.unique(ya, return_counts=True)
    majority = values[np.argmax(counts)]
    return np.mean((np.c_[Hb, np.ones(len(Hb))] @ w > 0.5) == yb), np.mean(yb == majority)


def test_probe_accepts_correct():
    check_probe_accuracy(probe_ok)
    check_probe_accuracy(probe_ok_normal_equations)


def _probe_variant(bias=True, thr=0.5, score_train=False, fit_test=False, base="ok"):
    def f(Ha, ya, Hb, yb):
        def aug(H):
            return np.hstack([H, np.ones((len(H), 1))]) if bias else H
        X, y = (aug(Hb), yb) if fit_test else (aug(Ha), ya)
        w = np.linalg.pinv(X) @ y
        Z, z = (aug(Ha), ya) if score_train else (aug(Hb), yb)
        acc = np.mean((Z @ w > thr) == z)
        if base == "ok":
            b = np.mean(yb == round(ya.mean()))
        elif base == "test_majority":
            b = np.mean(yb == round(yb.mean()))
        elif base == "fraction":
            b = yb.mean()
        else:  # scored on training labels
            b = np.mean(ya == round(ya.mean()))
        return acc, b
    return f


@pytest.mark.parametrize("wrong, match", [
    (_probe_variant(score_train=True), "scores the probe on the data it was fitted on"),
    (_probe_variant(fit_test=True), "fits the probe on the test part"),
    (_probe_variant(bias=False), "has no bias"),
    (_probe_variant(thr=0.0), "thresholds the output at 0"),
    (_probe_variant(base="test_majority"), "majority class from the test labels"),
    (_probe_variant(base="fraction"), "fraction of ones"),
    (_probe_variant(base="train"), "baseline on the training labels"),
])
def test_probe_rejects(wrong, match):
    with pytest.raises(CheckFailed, match=match):
        check_probe_accuracy(wrong)


def test_probe_rejects_single_number():
    with pytest.raises(CheckFailed, match="tuple of two numbers"):
        check_probe_accuracy(lambda Ha, ya, Hb, yb: 0.5)


# --------------------------------------------------------------------------------------------- Exercise 3


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def nucleus_ok(logits, top_p, tau, n, rng):
    p = softmax(np.asarray(logits) / tau)
    order = np.argsort(p)[::-1]
    cum = np.cumsum(p[order])
    m = int(np.argmax(cum >= top_p)) + 1
    keep = order[:m]
    q = p[keep] / p[keep].sum()
    return rng.choice(keep, size=n, p=q)


def nucleus_ok_loop(logits, top_p, tau, n, rng):
    p = softmax(np.asarray(logits) / tau)
    kept, mass = [], 0.0
    for k in sorted(range(len(p)), key=lambda i: -p[i]):
        kept.append(k)
        mass += p[k]
        if mass >= top_p:
            break
    q = np.zeros_like(p)
    q[kept] = p[kept]
    cdf = np.cumsum(q / q.sum())
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(p) - 1)


def test_nucleus_accepts_correct():
    check_sample_nucleus(nucleus_ok)
    check_sample_nucleus(nucleus_ok_loop)


def _nuc_variant(exclusive=False, ascending=False, temp="div", truncate=True, renorm=True, greedy=False):
    def f(logits, top_p, tau, n, rng):
        z = np.asarray(logits, float)
        z = {"div": z / tau, "mul": z * tau, "none": z}[temp]
        p = softmax(z)
        if greedy:
            return np.full(n, int(np.argmax(p)))
        if not truncate:
            return rng.choice(len(p), size=n, p=p)
        order = np.argsort(p) if ascending else np.argsort(-p)
        cum = np.cumsum(p[order])
        keep = order[cum < top_p] if exclusive else order[: int(np.argmax(cum >= top_p)) + 1]
        q = np.zeros_like(p)
        q[keep] = p[keep]
        if renorm:
            q = q / q.sum()
        return rng.choice(len(p), size=n, p=q)
    return f


@pytest.mark.parametrize("wrong, match", [
    (_nuc_variant(exclusive=True), r"cumulative probability is \*below\* top_p|nucleus is empty"),
    (_nuc_variant(ascending=True), r"\*least\* probable"),
    (_nuc_variant(temp="none"), "ignores the temperature"),
    (_nuc_variant(temp="mul"), "multiplies the logits by tau"),
    (_nuc_variant(truncate=False), "truncation is missing"),
    (_nuc_variant(renorm=False), "renormalise"),
    (_nuc_variant(greedy=True), "greedy"),
])
def test_nucleus_rejects(wrong, match):
    with pytest.raises(CheckFailed, match=match):
        check_sample_nucleus(wrong)


def test_nucleus_rejects_wrong_shape():
    with pytest.raises(CheckFailed, match=r"expected \(n,\)"):
        check_sample_nucleus(lambda logits, top_p, tau, n, rng: np.zeros((n, 1)))
