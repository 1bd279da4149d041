"""Chapter 8's checks accept the reference solutions and reject each named mistake with a message that names it.

The wrong answers are written by hand, the way a student would write them; none is built from the check's own
reference code.
"""

import warnings

import numpy as np
import pytest

from rnnbook import reber
from rnnbook.checks import CheckFailed
from rnnbook.checks.ch08 import (
    REBER_GRAPH,
    check_bigram_bits_per_char,
    check_bits_per_char,
    check_grammar_rate,
    check_is_embedded_reber,
    check_perplexity,
    check_sample_top_k,
)


def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


def rejects(check, wrong, message):
    """The check fails with one line matching ``message``, and no warning escapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(CheckFailed, match=message):
            check(wrong)


# ---------------------------------------------------------------- Exercise 1: perplexity and bits per character


def test_perplexity_accepts_reference(capsys):
    check_perplexity(lambda losses: np.exp(np.mean(losses)))
    assert "perplexity: all checks passed" in capsys.readouterr().out


def test_perplexity_accepts_a_variant():
    check_perplexity(lambda losses: float(np.exp(sum(losses) / len(losses))))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda losses: 2 ** np.mean(losses), "uses 2 \\*\\* loss: log base confusion"),
        (lambda losses: 10 ** np.mean(losses), "uses 10 \\*\\* loss: log base confusion"),
        (lambda losses: np.mean(np.exp(losses)), "averages exp\\(loss\\)"),
        (lambda losses: np.exp(np.sum(losses)), "summed loss"),
        (lambda losses: np.mean(losses), "returns the mean loss itself"),
        (lambda losses: np.exp(-np.mean(losses)), "exp\\(-loss\\)"),
        (lambda losses: 1 / np.mean(np.exp(-losses)), "inverts the mean probability"),
        (lambda losses: np.exp(losses), "single number"),
        (lambda losses: None, "is None"),
        (lambda losses: float("nan"), "NaN"),
        (lambda losses: np.exp(np.mean(losses)) + 0.1, "wrong values"),
        (lambda losses: np.exp(np.mean(losses["loss"])), r"raised IndexError"),
    ],
)
def test_perplexity_rejects_mistakes(wrong, message):
    rejects(check_perplexity, wrong, message)


def test_bits_per_char_accepts_reference(capsys):
    check_bits_per_char(lambda losses: np.mean(losses) / np.log(2))
    assert "bits_per_char: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda losses: np.mean(losses) * np.log(2), "multiplies by ln 2: log base confusion"),
        (lambda losses: np.log2(np.mean(losses)), "takes log2 of the loss: log base confusion"),
        (lambda losses: np.mean(losses) / np.log(10), "divides by ln 10: log base confusion"),
        (lambda losses: np.mean(losses), "returns the loss in nats"),
        (lambda losses: np.sum(losses) / np.log(2), "sums the per-character losses"),
        (lambda losses: np.mean(np.log2(losses)), "takes log2 of each loss: log base confusion"),
        (lambda losses: np.exp(np.mean(losses)), r"returns the perplexity exp\(mean loss\)"),
        (lambda losses: 2 ** np.mean(losses), r"computes 2 \*\* \(mean loss\)"),
        (lambda losses: None, "is None"),
        (lambda losses: losses / np.log(2), "single number"),
    ],
)
def test_bits_per_char_rejects_mistakes(wrong, message):
    rejects(check_bits_per_char, wrong, message)


# ---------------------------------------------------------------- Exercise 2: top-k sampling with a temperature


def ref_sample_top_k(logits, tau, k, n, rng):
    z = np.asarray(logits, dtype=float) / tau
    p = np.exp(z - z.max())
    p /= p.sum()
    kept = np.argsort(p)[-k:]
    q = np.zeros_like(p)
    q[kept] = p[kept]
    return rng.choice(len(q), size=n, p=q / q.sum())


def test_sample_top_k_accepts_reference(capsys):
    check_sample_top_k(ref_sample_top_k)
    assert "sample_top_k: all checks passed" in capsys.readouterr().out


def test_sample_top_k_accepts_variants():
    def masked_logits_inverse_cdf(logits, tau, k, n, rng):
        # -inf on the logits outside the top k, a softmax, then inverse-CDF sampling with rng.random.
        z = np.array(logits, dtype=float)
        threshold = np.sort(z)[-k]
        z = np.where(z >= threshold, z / tau, -np.inf)
        q = np.exp(z - z.max())
        q /= q.sum()
        return np.minimum(np.searchsorted(np.cumsum(q), rng.random(n), side="right"), len(q) - 1)

    def power_then_renormalise(logits, tau, k, n, rng):
        # The temperature after the softmax, done right: p ** (1/tau), renormalised.
        p = softmax(logits) ** (1 / tau)
        kept = np.argsort(-p)[:k]
        return kept[rng.choice(k, size=n, p=p[kept] / p[kept].sum())]

    check_sample_top_k(masked_logits_inverse_cdf)
    check_sample_top_k(power_then_renormalise)


def _power_not_renormalised(logits, tau, k, n, rng):
    p = softmax(logits) ** (1 / tau)  # temperature after the softmax, never renormalised
    kept = np.argsort(p)[-k:]
    q = np.zeros_like(p)
    q[kept] = p[kept]
    return rng.choice(len(q), size=n, p=q)


def _divide_probs_by_tau(logits, tau, k, n, rng):
    p = softmax(logits) / tau  # temperature after the softmax
    kept = np.argsort(p)[-k:]
    q = np.zeros_like(p)
    q[kept] = p[kept]
    return rng.choice(len(q), size=n, p=q / q.sum())


def _truncated_not_renormalised(logits, tau, k, n, rng):
    p = softmax(np.asarray(logits) / tau)
    p[np.argsort(p)[:-k]] = 0.0
    return rng.choice(len(p), size=n, p=p)


def _k_smallest(logits, tau, k, n, rng):
    p = softmax(np.asarray(logits) / tau)
    kept = np.argsort(p)[:k]
    return kept[rng.choice(k, size=n, p=p[kept] / p[kept].sum())]


def _no_truncation(logits, tau, k, n, rng):
    return rng.choice(len(logits), size=n, p=softmax(np.asarray(logits) / tau))


def _positions_not_indices(logits, tau, k, n, rng):
    p = softmax(np.asarray(logits) / tau)
    kept = np.argsort(p)[-k:]
    return rng.choice(k, size=n, p=p[kept] / p[kept].sum())


def _zero_logits_outside(logits, tau, k, n, rng):
    z = np.asarray(logits, dtype=float) / tau
    z[np.argsort(z)[:-k]] = 0.0  # should be -inf
    return rng.choice(len(z), size=n, p=softmax(z))


def _uniform_over_top_k(logits, tau, k, n, rng):
    return np.argsort(logits)[-k:][rng.integers(k, size=n)]


def _off_by_one(logits, tau, k, n, rng):
    p = softmax(np.asarray(logits) / tau)
    kept = np.argsort(p)[-(k + 1) :]
    return kept[rng.choice(len(kept), size=n, p=p[kept] / p[kept].sum())]


def _multiply_by_tau(logits, tau, k, n, rng):
    return ref_sample_top_k(np.asarray(logits) * tau * tau, tau, k, n, rng)


def _global_rng(logits, tau, k, n, rng):
    return ref_sample_top_k(logits, tau, k, n, np.random)


def _logits_as_probs(logits, tau, k, n, rng):
    z = np.asarray(logits, dtype=float) / tau  # the logits, normalised as if they were probabilities
    return rng.choice(len(z), size=n, p=z / z.sum())


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_power_not_renormalised, r"do not sum to 1.*temperature applied after the softmax"),
        (_divide_probs_by_tau, r"without the temperature.*p / tau"),
        (_truncated_not_renormalised, r"do not sum to 1.*top-k truncation"),
        (_k_smallest, r"least\* probable characters are kept"),
        (_no_truncation, "top-k truncation is missing"),
        (_positions_not_indices, "positions 0 ... k-1 within the top k"),
        (_zero_logits_outside, "set to 0 instead of -inf"),
        (_uniform_over_top_k, "uniform over the top k"),
        (_off_by_one, r"k \+ 1 characters are kept"),
        (_multiply_by_tau, r"softmax\(logits \* tau\)"),
        (_global_rng, "global generator"),
        (_logits_as_probs, "negative: pass probabilities"),
        (lambda logits, tau, k, n, rng: np.full(n, np.argmax(logits)), "every draw is character 2"),
        (lambda logits, tau, k, n, rng: ref_sample_top_k(logits, tau, k, n, rng)[:, None], r"expected \(n,\)"),
        (lambda logits, tau, k, n, rng: None, "is None"),
    ],
)
def test_sample_top_k_rejects_mistakes(wrong, message):
    rejects(check_sample_top_k, wrong, message)


# ---------------------------------------------------------------- Exercise 3: is_embedded_reber

EDGES = {node: dict(edges) for node, edges in reber.REBER_EDGES.items()}


def _walk_ok(symbols):
    node = 0
    for c in symbols:
        if node == 5 or c not in EDGES[node]:
            return False
        node = EDGES[node][c]
    return node == 5


def test_is_embedded_reber_accepts_reference(capsys):
    check_is_embedded_reber(reber.is_embedded_reber)
    assert "is_embedded_reber: all checks passed" in capsys.readouterr().out


def test_is_embedded_reber_accepts_a_regex():
    import re

    inner = r"B(?:T(?:S*X(?:(?:T*V(?:PS*X)*)*|X))*)*"  # not a full regex of the grammar: use the walk instead

    def with_regex_shell(s):
        m = re.fullmatch(r"B([TP])(B[TPSXV]+E)\1E", s)
        return bool(m) and _walk_ok(m.group(2)[1:-1])

    assert inner  # the shell regex plus a walk is a correct answer
    check_is_embedded_reber(with_regex_shell)


def _no_long_range(s):
    return len(s) >= 6 and s[0] == "B" and s[-1] == "E" and s[1] in "TP" and s[-2] in "TP" and reber.is_reber(s[2:-2])


def _skips_inner_b_and_e(s):
    # Reads s[3:-3] as the walk and never looks at s[2] or s[-3].
    return len(s) >= 6 and s[0] == "B" and s[-1] == "E" and s[1] in "TP" and s[-2] == s[1] and _walk_ok(s[3:-3])


def _skips_inner_e(s):
    return (
        len(s) >= 6 and s[0] == "B" and s[-1] == "E" and s[1] in "TP" and s[-2] == s[1] and s[2] == "B"
        and _walk_ok(s[3:-3])
    )


def _prefix_only(s):
    return any(reber.is_embedded_reber(s[:k]) for k in range(len(s) + 1))


def _no_exit_check(s):
    if len(s) < 6 or s[:1] != "B" or s[-1] != "E" or s[1] not in "TP" or s[-2] != s[1] or s[2] != "B" or s[-3] != "E":
        return False
    node = 0
    for c in s[3:-3]:
        if node == 5 or c not in EDGES[node]:
            return False
        node = EDGES[node][c]
    return True  # forgets to check that the walk ended at the exit


def _dict_lookup(s):
    if len(s) < 6 or s[0] != "B" or s[-1] != "E" or s[1] not in "TP" or s[-2] != s[1] or s[2] != "B" or s[-3] != "E":
        return False
    node = 0
    for c in s[3:-3]:
        node = EDGES[node][c]  # KeyError on a symbol the node does not emit
    return node == 5


def _no_edge_check(s):
    if len(s) < 6 or s[0] != "B" or s[-1] != "E" or s[1] not in "TP" or s[-2] != s[1] or s[2] != "B" or s[-3] != "E":
        return False
    return all(c in "TPSXV" for c in s[3:-3]) and s[-4] in "SV"  # only checks the alphabet and the last edge


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_no_long_range, "ignores the long-range rule"),
        (_skips_inner_b_and_e, "never reads the inner B"),
        (_skips_inner_e, "never reads the inner E"),
        (_prefix_only, "the string must end"),
        (_no_exit_check, "walk must end at the exit node"),
        (_dict_lookup, r"raised KeyError.*missing from a dictionary lookup"),
        (_no_edge_check, "each symbol must be one the current node emits"),
        (lambda s: reber.is_reber(s) or reber.is_embedded_reber(s), "plain \\(not embedded\\) Reber string"),
        (lambda s: True, "ignores the long-range rule"),
        (lambda s: None, "returned None"),
        (lambda s: int(reber.is_embedded_reber(s)), "returned int; expected True or False"),
        (lambda s: False, "expected True"),
        (lambda s: s[1] in "TP" and reber.is_embedded_reber(s), r"is_embedded_reber\(''\) raised IndexError"),
    ],
)
def test_is_embedded_reber_rejects_mistakes(wrong, message):
    rejects(check_is_embedded_reber, wrong, message)


# ---------------------------------------------------------------- Exercise 4: bigram bits per character


def ref_bigram(train, test, alphabet):
    idx = {c: i for i, c in enumerate(alphabet)}
    V = len(alphabet)
    counts = np.ones((V, V))
    for a, b in zip(train[:-1], train[1:], strict=True):
        counts[idx[a], idx[b]] += 1
    P = counts / counts.sum(axis=1, keepdims=True)
    return float(np.mean([-np.log2(P[idx[a], idx[b]]) for a, b in zip(test[:-1], test[1:], strict=True)]))


def test_bigram_accepts_reference(capsys):
    check_bigram_bits_per_char(ref_bigram)
    assert "bigram_bits_per_char: all checks passed" in capsys.readouterr().out


def test_bigram_accepts_a_dictionary_variant():
    from collections import Counter

    def with_counters(train, test, alphabet):
        pairs = Counter(zip(train, train[1:], strict=False))
        firsts = Counter(train[:-1])
        V = len(alphabet)
        bits = [-np.log2((pairs[a, b] + 1) / (firsts[a] + V)) for a, b in zip(test, test[1:], strict=False)]
        return sum(bits) / len(bits)

    check_bigram_bits_per_char(with_counters)


def _bigram(train, test, alphabet, *, add=1, V_add=None, log=np.log2, fit=None, n=None, transpose=False,
            whole_text=False, columns=False):
    """A student's bigram code with one switch per mistake (written independently of the check)."""
    fit = train if fit is None else fit
    idx = {c: i for i, c in enumerate(alphabet)}
    V = len(alphabet)
    C = np.zeros((V, V))
    for a, b in zip(fit[:-1], fit[1:], strict=False):
        C[idx[a], idx[b]] += 1
    if transpose:
        C = C.T
    if whole_text:
        totals = np.array([fit.count(c) for c in alphabet], dtype=float)
    elif columns:
        totals = C.sum(axis=0)
    else:
        totals = C.sum(axis=1)
    V_add = V * add if V_add is None else V_add
    losses = []
    for a, b in zip(test[:-1], test[1:], strict=False):
        total = totals[idx[b]] if columns else totals[idx[a]]
        losses.append(-log((C[idx[a], idx[b]] + add) / (total + V_add)))
    return float(np.sum(losses) / (len(losses) if n is None else n(test)))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda tr, te, al: _bigram(tr, te, al, add=0), "got probability 0.*add-one smoothing"),
        (lambda tr, te, al: _bigram(tr, te, al, log=np.log), "returns nats: log base confusion"),
        (lambda tr, te, al: _bigram(tr, te, al, n=len), r"len\(test\) - 1 predictions"),
        (lambda tr, te, al: _bigram(tr, te, al, V_add=1), "adds 1 to the row total instead of V"),
        (lambda tr, te, al: _bigram(tr, te, al, V_add=len(set(tr))), "distinct characters in the training text"),
        (lambda tr, te, al: _bigram(tr, te, al, columns=True), "normalises each column"),
        (lambda tr, te, al: _bigram(tr, te, al, transpose=True), "transposed counts"),
        (lambda tr, te, al: _bigram(tr, te, al, fit=te), "fits the counts on the test text"),
        (lambda tr, te, al: _bigram(tr, te, al, whole_text=True), "occurs in the whole training text"),
        (lambda tr, te, al: _bigram(tr, te, al, n=lambda te: 1), "sums the bits instead of averaging"),
        (
            lambda tr, te, al: float(
                np.mean([-np.log2((tr.count(b) + 1) / (len(tr) + len(al))) for b in te[1:]])
            ),
            "is a unigram model",
        ),
        (lambda tr, te, al: ref_bigram(tr, te, al.upper()), "raised KeyError"),
        (lambda tr, te, al: None, "is None"),
    ],
)
def test_bigram_rejects_mistakes(wrong, message):
    rejects(check_bigram_bits_per_char, wrong, message)


# ---------------------------------------------------------------- Exercise 5: the ideal loss of a grammar


def ref_grammar_rate(edges, start, exit):
    # The reference is the mistake generator below with every switch at its correct setting, so the check's
    # acceptance of the reference also proves that each wrong answer differs from it by one mistake only.
    return _grammar(edges, start, exit)


def test_grammar_rate_accepts_reference(capsys):
    check_grammar_rate(ref_grammar_rate)
    assert "grammar_rate: all checks passed" in capsys.readouterr().out


def test_grammar_rate_accepts_remaining_cost_equations():
    # The chapter's form: m_k = 1 + sum p m_next (remaining length), c_k = H_k + sum p c_next (remaining cost).
    def remaining(edges, start, exit):
        nodes = sorted(edges)
        pos = {k: i for i, k in enumerate(nodes)}
        A = np.eye(len(nodes))
        H = np.zeros(len(nodes))
        for k, out in edges.items():
            for _, nxt, p in out:
                H[pos[k]] -= p * np.log(p)
                if nxt != exit:
                    A[pos[k], pos[nxt]] -= p
        m = np.linalg.solve(A, np.ones(len(nodes)))
        c = np.linalg.solve(A, H)
        return c[pos[start]] / (m[pos[start]] + 2)

    check_grammar_rate(remaining)


def test_reber_graph_matches_the_grammar():
    assert {k: [(s, n) for s, n, _ in v] for k, v in REBER_GRAPH.items()} == reber.REBER_EDGES
    assert ref_grammar_rate(REBER_GRAPH, 0, 5) == pytest.approx(6 / 8 * np.log(2), abs=1e-12)


def _grammar(edges, start, exit, *, log=np.log, extra=2, cost=None, transpose=False, weigh=True, add_b=0.0):
    """A student's grammar-rate code with one switch per mistake."""
    nodes = sorted(edges)
    pos = {k: i for i, k in enumerate(nodes)}
    Q = np.zeros((len(nodes), len(nodes)))
    for k, out in edges.items():
        for _, nxt, p in out:
            if nxt != exit:
                Q[pos[k], pos[nxt]] += p
    e = np.zeros(len(nodes))
    e[pos[start]] = 1.0
    v = np.linalg.solve(np.eye(len(nodes)) - (Q if transpose else Q.T), e)
    if cost == "ln2":
        H = np.full(len(nodes), np.log(2))
    elif cost == "degree":
        H = np.array([np.log(len(edges[k])) for k in nodes])
    else:
        H = np.array([-sum(p * log(p) for _, _, p in edges[k]) for k in nodes])
    total = v @ H if weigh else np.mean(H) * v.sum()
    return float((total + add_b) / (v.sum() + extra))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda ed, s, x: _grammar(ed, s, x, log=np.log2), "bits per character: log base confusion"),
        (lambda ed, s, x: _grammar(ed, s, x, extra=0), r"divides by E\[L\]: a string also has its B and its E"),
        (lambda ed, s, x: _grammar(ed, s, x, extra=1), r"divides by E\[L\] \+ 1"),
        (lambda ed, s, x: _grammar(ed, s, x, cost="ln2"), "charges ln 2 per symbol"),
        (lambda ed, s, x: _grammar(ed, s, x, cost="degree"), r"charges ln\(number of edges\)"),
        (lambda ed, s, x: _grammar(ed, s, x, weigh=False), "without weighting them"),
        (lambda ed, s, x: _grammar(ed, s, x, transpose=True), "transposed matrix"),
        (lambda ed, s, x: _grammar(ed, s, x, add_b=np.log(2)), "counts B or E as uncertain"),
        (lambda ed, s, x: 6 / 8 * np.log(2), "compute the rate from the arguments"),
        (lambda ed, s, x: ed[s][0][2], "wrong values"),
        (lambda ed, s, x: ref_grammar_rate(ed, 0, x), r"raised KeyError"),
        (lambda ed, s, x: None, "is None"),
    ],
)
def test_grammar_rate_rejects_mistakes(wrong, message):
    rejects(check_grammar_rate, wrong, message)
