"""Checks for Chapter 8's exercises: loss units, top-k sampling with a temperature, the embedded Reber
grammar's checker, a bigram model's bits per character, and the ideal loss of any probabilistic grammar.

Every call of a student's function goes through :func:`_call`: an exception raised inside it becomes one line
(``NotImplementedError``, an exercise not done yet, propagates unchanged), and numpy's warnings are silenced.
"""

from __future__ import annotations

import numpy as np

from .core import (
    as_array,
    as_float,
    assert_close,
    assert_shape,
    fail,
    hint_if_matches,
    passed,
)
from .safe import call_with_hint as _call
from .safe import quiet as _quiet

__all__ = [
    "check_perplexity",
    "check_bits_per_char",
    "check_sample_top_k",
    "check_is_embedded_reber",
    "check_bigram_bits_per_char",
    "check_grammar_rate",
    "REBER_GRAPH",
]






def _softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------------------------------------------------
# Exercise 1 (warm-up): perplexity and bits per character
# ---------------------------------------------------------------------------------------------------------------

# Per-character losses in nats (natural log), as a cross-entropy loss reports them.
_LOSSES = np.array([0.1, 0.7, 1.5, 0.3, 2.2, 0.05])


@_quiet
def check_perplexity(perplexity):
    """``perplexity(char_losses)``: exp of the mean per-character loss in nats."""
    got = as_float("perplexity(char_losses)", _call(perplexity, _LOSSES.copy(), fn_name="perplexity"))
    m = _LOSSES.mean()
    hint_if_matches(
        "perplexity(char_losses)",
        got,
        {
            "uses 2 ** loss: log base confusion. The loss is in nats (natural log), so perplexity = exp(loss); "
            "2 ** x is for a loss in bits": 2**m,
            "uses 10 ** loss: log base confusion. The loss is in nats (natural log), so perplexity = exp(loss)": 10**m,
            "averages exp(loss) over the characters: exponentiate the mean loss instead": np.mean(np.exp(_LOSSES)),
            "exponentiates the summed loss: average the per-character losses first": np.exp(_LOSSES.sum()),
            "returns the mean loss itself: perplexity is its exponential": m,
            "uses exp(-loss): the loss is already a negative log-probability, so perplexity = exp(+loss)": np.exp(-m),
            "inverts the mean probability, 1 / mean(exp(-loss)); perplexity is exp(mean loss), the inverse of the "
            "*geometric* mean probability": 1.0 / np.mean(np.exp(-_LOSSES)),
        },
    )
    assert_close("perplexity(char_losses)", got, np.exp(m))
    got0 = as_float("perplexity([0.0, 0.0])", _call(perplexity, np.zeros(2), fn_name="perplexity"))
    assert_close("perplexity([0.0, 0.0]) (a perfect predictor)", got0, 1.0)
    passed("perplexity")


@_quiet
def check_bits_per_char(bits_per_char):
    """``bits_per_char(char_losses)``: the mean loss converted from nats to bits (divide by ln 2)."""
    got = as_float("bits_per_char(char_losses)", _call(bits_per_char, _LOSSES.copy(), fn_name="bits_per_char"))
    m = _LOSSES.mean()
    hint_if_matches(
        "bits_per_char(char_losses)",
        got,
        {
            "multiplies by ln 2: log base confusion. log2(x) = ln(x) / ln(2), so divide the nats by ln 2": m * np.log(2),
            "takes log2 of the loss: log base confusion. The loss is already a logarithm; "
            "change its base by dividing by ln 2": np.log2(m),
            "divides by ln 10: log base confusion. Bits are base 2, so divide the nats by ln 2": m / np.log(10),
            "returns the loss in nats: convert it to bits by dividing by ln 2": m,
            "sums the per-character losses instead of averaging them": _LOSSES.sum() / np.log(2),
            "takes log2 of each loss: log base confusion. The loss is already a logarithm; "
            "change its base by dividing by ln 2": np.mean(np.log2(_LOSSES)),
            "returns the perplexity exp(mean loss); bits per character is the mean loss divided by ln 2": np.exp(m),
            "computes 2 ** (mean loss); bits per character is the mean loss divided by ln 2, no exponential": 2**m,
        },
    )
    assert_close("bits_per_char(char_losses)", got, m / np.log(2))
    passed("bits_per_char")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 2: top-k sampling with a temperature
# ---------------------------------------------------------------------------------------------------------------

# One distribution over K = 6 characters, given as logits (all different, so "the k largest" is well defined).
_TOPK_LOGITS = np.array([1.2, -0.3, 2.0, 0.4, -1.5, 0.9])


def _top_k(p, k, largest=True):
    order = np.argsort(p)
    keep = order[-k:] if largest else order[:k]
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q / q.sum()


def _sampling_error(exc):
    msg = str(exc)
    if "do not sum to 1" in msg:
        return (
            "the probabilities passed to rng.choice do not sum to 1. Something was not renormalised: "
            "a temperature applied after the softmax (p ** (1/tau) or p / tau), or the top-k truncation "
            "(zeroing the others). Divide by the sum after the last change"
        )
    if "non-negative" in msg:
        return "a probability passed to rng.choice is negative: pass probabilities (after the softmax), not logits"
    if "same size" in msg or "must be 1-dimensional" in msg:
        return "p must have one entry per character, the same length as the first argument of rng.choice"
    return None


@_quiet
def check_sample_top_k(sample_top_k):
    """``sample_top_k(logits, tau, k, n, rng)``: n draws from softmax(logits / tau) cut to its k largest."""
    logits = _TOPK_LOGITS
    K, n = len(logits), 20_000
    for tau, k in ((0.5, 3), (2.0, 4), (1.0, K), (1.0, 1)):
        name = f"sample_top_k(logits, tau={tau}, k={k}, n={n}, rng)"
        raw = _call(sample_top_k, logits.copy(), tau, k, n, np.random.default_rng(0), fn_name="sample_top_k",
                    on_error=_sampling_error)
        got = as_array(name, raw)
        assert_shape(name, got, (n,), "(n,)")
        if not np.all(got == np.round(got)) or got.min() < 0 or got.max() >= K:
            fail(f"{name} should contain integer character indices 0 ... K-1 = {K - 1}")
        freq = np.bincount(got.astype(int), minlength=K) / n
        p = _softmax(logits / tau)
        expected = _top_k(p, k)

        def looks_like(q, freq=freq):
            sigma = np.sqrt(q * (1 - q) / n)
            return bool(np.all(np.abs(freq - q) <= 5 * sigma + 2e-3))

        if looks_like(expected):
            continue
        kept = np.argsort(p)[-k:]
        wrong = {
            "the frequencies match the top k of softmax(logits), without the temperature: tau is ignored, or it "
            "divides the probabilities after the softmax (p / tau, renormalised, is p again). Divide the logits "
            "by tau": _top_k(_softmax(logits), k),
            "the frequencies match the top k of softmax(logits * tau): divide the logits by tau": _top_k(
                _softmax(logits * tau), k
            ),
            "the frequencies match the full softmax(logits / tau): the top-k truncation is missing; keep only "
            "the k most probable characters": p,
            "the k *least* probable characters are kept: np.argsort sorts in increasing order, so the k largest "
            "are argsort(p)[-k:]": _top_k(p, k, largest=False),
            "k + 1 characters are kept: an off-by-one in the truncation": _top_k(p, min(k + 1, K)),
            "k - 1 characters are kept: an off-by-one in the truncation": _top_k(p, max(k - 1, 1)),
            "the draws are uniform over the top k: pass their probabilities to the draw (p=...)": _top_k(
                np.where(np.isin(np.arange(K), kept), 1.0, 1e-300), k
            ),
            "the frequencies are uniform over all K characters: pass the probabilities to the draw, "
            "rng.choice(K, size=n, p=p)": np.full(K, 1.0 / K),
            "the other characters' logits were set to 0 instead of -inf, so they keep some probability: "
            "set their probability to exactly 0": _softmax(np.where(np.isin(np.arange(K), kept), logits / tau, 0.0)),
        }
        for message, q in wrong.items():
            if looks_like(q):
                fail(f"{name}: {message}")
        # Positions within the top k returned instead of the characters' own indices (kept in any order).
        for arrangement in (np.sort(kept), kept, kept[::-1]):
            q = np.zeros(K)
            q[:k] = expected[arrangement]
            if k < K and looks_like(q):
                fail(
                    f"{name}: the draws are positions 0 ... k-1 within the top k, not character indices: map "
                    "them back through the kept indices, e.g. `kept[rng.choice(k, size=n, p=q)]`"
                )
        for message, q in wrong.items():
            if looks_like(q):
                fail(f"{name}: {message}")
        if freq.max() == 1.0:
            fail(
                f"{name}: every draw is character {int(np.argmax(freq))}: draw n independent characters, "
                "e.g. rng.choice(K, size=n, p=q), instead of taking the most likely one or repeating one draw"
            )
        fail(
            f"{name}: the character frequencies {np.round(freq, 3).tolist()} do not match the expected "
            f"{np.round(expected, 3).tolist()}"
        )
    # The same seeded generator must give the same draws, whatever numpy's global state.
    draws = []
    for global_seed in (1, 2):
        np.random.seed(global_seed)
        draws.append(np.asarray(_call(sample_top_k, logits.copy(), 1.0, 3, 50, np.random.default_rng(7),
                                      fn_name="sample_top_k")))
    if not np.array_equal(*draws):
        fail(
            "two calls with the same seeded rng gave different draws: "
            "draw with the `rng` argument (rng.choice or rng.random), not np.random's global generator"
        )
    passed("sample_top_k")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 3: the embedded Reber grammar's checker
# ---------------------------------------------------------------------------------------------------------------

# Strings and whether they belong to the embedded Reber grammar, with the reason.
_REBER_CASES = [
    ("BTBTXSETE", True, "a short valid string"),
    ("BPBPVVEPE", True, "a short valid string"),
    ("BTBTSSXXTVVETE", True, "a valid string with loops"),
    ("BPBPTTTVPXVVEPE", True, "a valid string with loops"),
    ("BPBTSXXTTVPSEPE", True, "a valid string with loops"),
    ("BTBPVPXVPSETE", True, "a valid string"),
    ("BTBTXSEPE", False, "the second-to-last symbol does not repeat the second (T ... P)"),
    ("BPBPVVETE", False, "the second-to-last symbol does not repeat the second (P ... T)"),
    ("BTTTXSETE", False, "the inner string does not start with B (its first symbol is T)"),
    ("BPPPVVEPE", False, "the inner string does not start with B (its first symbol is P)"),
    ("BTBTXSXTE", False, "the inner string does not end with E (its last symbol is X)"),
    ("BPBPVVVPE", False, "the inner string does not end with E (its last symbol is V)"),
    ("BTBTXSE", False, "a string without the closing outer symbol and E"),
    ("BTXSE", False, "a plain (not embedded) Reber string"),
    ("BTBTXSETEB", False, "a valid string followed by an extra symbol"),
    ("BTBTXSETETE", False, "a valid string followed by extra symbols"),
    ("BTBTSPXSETE", False, "an inner walk that breaks the grammar (P cannot follow TS)"),
    ("BTBTXXETE", False, "an inner walk that stops before reaching the exit"),
    ("BTBTSSETE", False, "an inner walk that stops before reaching the exit"),
    ("BXBTXSEXE", False, "an outer symbol other than T or P"),
    ("TBTXSETE", False, "a string that does not start with B"),
    ("BTBTXSETB", False, "a string that does not end with E"),
    ("", False, "the empty string"),
]


def _reber_error(exc):
    if isinstance(exc, IndexError):
        return (
            "check a string's length before you index it; a string too short for the grammar is simply not in it "
            "(return False)"
        )
    if isinstance(exc, KeyError):
        return (
            "a symbol or node is missing from a dictionary lookup: a symbol that no edge of the current node "
            "emits makes the string invalid (return False), and the exit has no edges"
        )
    return None


@_quiet
def check_is_embedded_reber(is_embedded_reber):
    """``is_embedded_reber(s)``: True exactly for the strings of the embedded Reber grammar."""
    for s, expected, why in _REBER_CASES:
        got = _call(is_embedded_reber, s, fn_name=f"is_embedded_reber({s!r})", on_error=_reber_error)
        if got is None:
            fail(f"is_embedded_reber({s!r}) returned None: did you forget a `return` statement?")
        if not isinstance(got, (bool, np.bool_)):
            fail(f"is_embedded_reber({s!r}) returned {type(got).__name__}; expected True or False")
        if bool(got) == expected:
            continue
        if not expected and "does not repeat" in why:
            fail(
                f"is_embedded_reber({s!r}) is True, but {why}: your code ignores the long-range rule "
                "(the second-to-last symbol must equal the second)"
            )
        if not expected and "inner string does not start" in why:
            fail(
                f"is_embedded_reber({s!r}) is True, but {why}: your code never reads the inner B. "
                "The embedded string is B, T or P, then a whole Reber string *with its own B and E*"
            )
        if not expected and "inner string does not end" in why:
            fail(
                f"is_embedded_reber({s!r}) is True, but {why}: your code never reads the inner E. "
                "The embedded string is B, T or P, then a whole Reber string *with its own B and E*"
            )
        if not expected and "followed by" in why:
            fail(
                f"is_embedded_reber({s!r}) is True, but it is {why}: after the walk reaches the exit, "
                "the string must end"
            )
        if not expected and "stops before" in why:
            fail(
                f"is_embedded_reber({s!r}) is True, but it is {why}: the walk must end at the exit node, "
                "so check the node you end on"
            )
        if not expected and "breaks the grammar" in why:
            fail(
                f"is_embedded_reber({s!r}) is True, but it has {why}: each symbol must be one the current "
                "node emits, and it moves the walk to that edge's node"
            )
        fail(f"is_embedded_reber({s!r}) is {bool(got)}; expected {expected} ({why})")
    passed("is_embedded_reber")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 4: a bigram model's bits per character on held-out text, with add-one smoothing
# ---------------------------------------------------------------------------------------------------------------


def _bigram_reference(train, test, alphabet, *, prior_counts="pairs", add=1.0, V=None, transpose=False,
                      bits=True, divide_by="pairs", unigram=False, smooth_total_only=False, fit_on=None):
    """The reference and, with its switches, the wrong answers a student would write."""
    index = {c: i for i, c in enumerate(alphabet)}
    V = len(alphabet) if V is None else V
    fit = train if fit_on is None else fit_on
    a = np.array([index[c] for c in fit])
    counts = np.zeros((len(alphabet), len(alphabet)))
    np.add.at(counts, (a[:-1], a[1:]), 1.0)
    if transpose:
        counts = counts.T
    t = np.array([index[c] for c in test])
    if unigram:
        uni = np.bincount(a, minlength=len(alphabet)).astype(float)
        p = (uni[t[1:]] + add) / (uni.sum() + add * V)
    else:
        if prior_counts == "pairs":
            rows = counts.sum(axis=1)
        elif prior_counts == "all":  # counts a in the whole text, its last character included
            rows = np.bincount(a, minlength=len(alphabet)).astype(float)
        else:  # "columns": normalises each column
            rows = counts.sum(axis=0)
        num = counts[t[:-1], t[1:]] + add
        den = rows[t[:-1] if prior_counts != "columns" else t[1:]] + (add if smooth_total_only else add * V)
        p = num / den
    nll = -np.log(p)
    if bits:
        nll = nll / np.log(2)
    n = {"pairs": len(t) - 1, "chars": len(t)}[divide_by]
    return float(nll.sum() / n)


def _bigram_cases():
    rng = np.random.default_rng(2026)
    cases = []
    # A Markov source over 5 symbols with a sticky, skewed transition matrix.
    alphabet = "abcde"
    P = rng.dirichlet(np.full(5, 0.4), size=5) * 0.7 + 0.3 * np.eye(5)
    P = P / P.sum(axis=1, keepdims=True)

    def walk(n, start):
        out, s = [start], start
        for _ in range(n - 1):
            s = int(rng.choice(5, p=P[s]))
            out.append(s)
        return "".join(alphabet[i] for i in out)

    train = walk(400, 0)
    train = train[:-1] + "c"  # the last character of the text starts no pair
    test = walk(120, 1)
    cases.append((train, test, alphabet))
    # A smaller alphabet of 4 letters, one of which ("z") never occurs in the training text.
    cases.append(("xyyxwxyxxwyyyxwxyyxw" * 3 + "y", "xyzwxxyzy", "wxyz"))
    return cases


@_quiet
def check_bigram_bits_per_char(bigram_bits_per_char):
    """``bigram_bits_per_char(train, test, alphabet)``: held-out bits per character of an add-one bigram model."""
    for train, test, alphabet in _bigram_cases():
        name = f"bigram_bits_per_char(train of {len(train)} chars, test of {len(test)} chars, alphabet={alphabet!r})"
        raw = _call(bigram_bits_per_char, train, test, alphabet, fn_name="bigram_bits_per_char")
        arr = as_array(name, raw, allow_nan=True)
        if arr.size == 1 and not np.isfinite(float(arr.reshape(()))):
            fail(
                f"{name} is {float(arr.reshape(())):.4g}: a pair that never occurs in the training text got "
                "probability 0. Add one to every count (add-one smoothing) and V to every row total"
            )
        got = as_float(name, raw)
        ref = _bigram_reference
        wrong = {
            "returns nats: log base confusion. Bits per character use log2 (or divide the nats by ln 2)": ref(
                train, test, alphabet, bits=False
            ),
            "divides by the number of characters of the test text; there are len(test) - 1 predictions "
            "(the first character has no previous one)": ref(train, test, alphabet, divide_by="chars"),
            "adds 1 to the row total instead of V = len(alphabet): add-one smoothing adds 1 to each of the V "
            "counts in the row, so the total grows by V": ref(train, test, alphabet, smooth_total_only=True),
            "uses V = the number of distinct characters in the training text; V is the size of the alphabet, "
            "len(alphabet)": ref(train, test, alphabet, V=len(set(train))),
            "normalises each column instead of each row: P(b | a) divides count(a, b) by the number of pairs that "
            "start with a": ref(train, test, alphabet, prior_counts="columns"),
            "uses the transposed counts, P(a | b) for the pair (a, b): the row is the previous character, "
            "the column the next one": ref(train, test, alphabet, transpose=True),
            "is a unigram model: P(b) ignores the previous character a": ref(train, test, alphabet, unigram=True),
            "fits the counts on the test text: count the pairs of the training text only": ref(
                train, test, alphabet, fit_on=test
            ),
            "divides count(a, b) by the number of times a occurs in the whole training text; the row total is "
            "the number of pairs that start with a (the text's last character starts none)": ref(
                train, test, alphabet, prior_counts="all"
            ),
        }
        if got == ref(train, test, alphabet) * (len(test) - 1) or np.isclose(
            got, ref(train, test, alphabet) * (len(test) - 1)
        ):
            fail(f"{name} is wrong: it looks like your code sums the bits instead of averaging them")
        right = ref(train, test, alphabet)
        # A mistake that changes nothing on this case (every letter occurs, say) is left to the other case.
        hint_if_matches(name, got, {k: v for k, v in wrong.items() if not np.isclose(v, right)})
        assert_close(name, got, right)
    passed("bigram_bits_per_char")


# ---------------------------------------------------------------------------------------------------------------
# Exercise 5: the ideal loss of any probabilistic grammar
# ---------------------------------------------------------------------------------------------------------------

#: Reber's grammar in the exercise's format: node -> [(symbol, next node, probability), ...]; exit node 5.
REBER_GRAPH = {
    0: [("T", 1, 0.5), ("P", 2, 0.5)],
    1: [("S", 1, 0.5), ("X", 3, 0.5)],
    2: [("T", 2, 0.5), ("V", 4, 0.5)],
    3: [("X", 2, 0.5), ("S", 5, 0.5)],
    4: [("P", 3, 0.5), ("V", 5, 0.5)],
}


def _visits(edges, start, exit_, transpose=False):
    nodes = sorted(edges)
    pos = {k: i for i, k in enumerate(nodes)}
    Q = np.zeros((len(nodes), len(nodes)))
    for k, out in edges.items():
        for _, nxt, p in out:
            if nxt != exit_:
                Q[pos[k], pos[nxt]] += p
    e = np.zeros(len(nodes))
    e[pos[start]] = 1.0
    A = np.eye(len(nodes)) - (Q if transpose else Q.T)
    return nodes, np.linalg.solve(A, e)


def _rate_variants(edges, start, exit_):
    nodes, v = _visits(edges, start, exit_)
    H = np.array([-sum(p * np.log(p) for _, _, p in edges[k]) for k in nodes])
    deg = np.array([np.log(len(edges[k])) for k in nodes])
    EL = v.sum()
    _, v_t = _visits(edges, start, exit_, transpose=True)
    right = float(v @ H / (EL + 2))
    wrong = {
        "gives bits per character: log base confusion. Use the natural log for nats": right / np.log(2),
        "divides by E[L]: a string also has its B and its E, E[L] + 2 characters": float(v @ H / EL),
        "divides by E[L] + 1: a string has its B and its E, E[L] + 2 characters": float(v @ H / (EL + 1)),
        "charges ln 2 per symbol: the edges are not fair coins here; a visit to node k costs its entropy "
        "-sum p ln p": float(np.log(2) * EL / (EL + 2)),
        "charges ln(number of edges) per visit: that is the entropy only when the edges are equally likely; "
        "a visit to node k costs -sum p ln p": float(v @ deg / (EL + 2)),
        "averages the nodes' entropies without weighting them by how often the walk visits each node": float(
            H.mean() * EL / (EL + 2)
        ),
        "solves the visit equations with the transposed matrix: expected visits satisfy v = e_start + Q^T v "
        "(a node is entered from its predecessors)": float(v_t @ H / (v_t.sum() + 2)),
        "counts B or E as uncertain: both are certain to a predictor that knows the state": float(
            (v @ H + np.log(2)) / (EL + 2)
        ),
    }
    return right, wrong


def _grammar_cases():
    # (edges, start, exit): the plain Reber grammar, then graphs the student has not seen.
    lopsided = {
        2: [("a", 2, 0.7), ("b", 7, 0.2), ("c", 4, 0.1)],
        4: [("a", 2, 0.25), ("d", 4, 0.6), ("b", 7, 0.15)],
    }
    chain = {
        0: [("x", 1, 0.9), ("y", 2, 0.1)],
        1: [("x", 1, 0.5), ("z", 2, 0.3), ("y", 3, 0.2)],
        2: [("z", 0, 0.4), ("x", 3, 0.6)],
    }
    return [(REBER_GRAPH, 0, 5), (lopsided, 2, 7), (chain, 0, 3)]


def _copy_graph(edges):
    return {k: [tuple(e) for e in out] for k, out in edges.items()}


@_quiet
def check_grammar_rate(grammar_rate):
    """``grammar_rate(edges, start, exit)``: the ideal loss, in nats per character, of a stream of the grammar's
    strings, each ``B`` + walk + ``E``."""
    for edges, start, exit_ in _grammar_cases():
        name = f"grammar_rate(edges with {len(edges)} nodes, start={start}, exit={exit_})"
        got = as_float(name, _call(grammar_rate, _copy_graph(edges), start, exit_, fn_name="grammar_rate"))
        right, wrong = _rate_variants(edges, start, exit_)
        if edges is not REBER_GRAPH:
            # On fair coins several mistakes coincide with the right answer; only unseen graphs tell them apart.
            hint_if_matches(name, got, wrong)
        else:
            hint_if_matches(name, got, {k: v for k, v in wrong.items() if not np.isclose(v, right)})
        if edges is not REBER_GRAPH and np.isclose(got, 6 / 8 * np.log(2)):
            fail(f"{name} is 6/8 ln 2, the plain Reber grammar's rate, on another graph: compute the rate from "
                 "the arguments, not from the chapter's numbers")
        assert_close(name, got, right)
    passed("grammar_rate")
