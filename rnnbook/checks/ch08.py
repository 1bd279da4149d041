"""Checks for Chapter 8's exercises: temperature, sampling, perplexity, the embedded Reber grammar."""

from __future__ import annotations

import numpy as np

from .core import as_array, as_float, assert_close, assert_shape, call, fail, hint_if_matches, passed

__all__ = [
    "check_tempered_probs",
    "check_sample_with_temperature",
    "check_perplexity",
    "check_bits_per_char",
    "check_is_embedded_reber",
    "check_plain_reber_rate",
]


def _softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# A fixed batch of N = 3 rows of logits over K = 5 characters.
_LOGITS = np.array(
    [
        [2.0, 1.0, 0.1, -1.0, 0.5],
        [0.3, -0.2, 1.7, 0.0, -2.0],
        [-1.0, 0.4, 0.4, 2.5, 1.1],
    ]
)


def _tempered_wrong_answers(logits, tau):
    p = _softmax(logits)
    shifted = np.exp(logits / tau - (logits / tau).max(axis=-1, keepdims=True))
    return {
        "applies the temperature after the softmax, as p**(1/tau), without renormalising "
        "(raise p to 1/tau, then divide by the row's sum)": p ** (1 / tau),
        "divides the softmax's output by tau: the temperature divides the logits, before the softmax": p / tau,
        "multiplies the logits by tau; divide them by tau": _softmax(logits * tau),
        "forgets to renormalise: exp(logits / tau) must be divided by its row's sum": np.exp(logits / tau),
        "forgets to renormalise after subtracting the max: divide exp(...) by its row's sum": np.exp(
            logits / tau - (logits / tau).max(axis=-1, keepdims=True)
        ),
        "normalises over the wrong axis: each row (one distribution over the K characters) must sum to 1": _softmax(
            logits / tau, axis=0
        ),
        "ignores the temperature tau": p,
        "divides by the sum of the whole array; divide each row by its own sum, `e.sum(axis=1, keepdims=True)`": (
            shifted / shifted.sum()
        ),
        "divides exp(logits / tau) by the sum of the whole array; divide each row by its own sum, "
        "`e.sum(axis=1, keepdims=True)`": (
            np.exp(logits / tau) / np.exp(logits / tau).sum()
        ),
        "returns log-probabilities (a log-softmax); return the probabilities themselves, exp(...) / row sum": np.log(
            _softmax(logits / tau)
        ),
    }


def _call_rowwise(fn, *args, fn_name):
    """``call``, but a broadcast error gets the softmax's usual cause (a row max or sum without keepdims)."""
    __tracebackhide__ = True

    def wrapped(*a):
        try:
            return fn(*a)
        except ValueError as exc:
            if "could not be broadcast" in str(exc):
                fail(
                    f"{fn_name} raised a shape mismatch ({str(exc).splitlines()[0].strip()}): a row's max or sum "
                    "has shape (N,); keep it (N, 1) with keepdims=True, e.g. `y.max(axis=1, keepdims=True)`, so "
                    "that it broadcasts across the K columns"
                )
            raise

    return call(wrapped, *args, fn_name=fn_name)


def check_tempered_probs(tempered_probs):
    """``tempered_probs(logits, tau)``: softmax(logits / tau) along the last axis, shape (N, K)."""
    N, K = _LOGITS.shape
    for tau in (0.5, 2.0, 1.0):
        got = as_array(f"tempered_probs(logits, tau={tau})",
                       _call_rowwise(tempered_probs, _LOGITS.copy(), tau, fn_name="tempered_probs"))
        assert_shape(f"tempered_probs(logits, tau={tau})", got, (N, K), "(N, K)")
        expected = _softmax(_LOGITS / tau)
        if tau != 1.0:
            hint_if_matches(f"tempered_probs(logits, tau={tau})", got, _tempered_wrong_answers(_LOGITS, tau))
        if not np.allclose(got.sum(axis=-1), 1.0):
            fail(f"the rows of tempered_probs(logits, tau={tau}) do not sum to 1: did you forget to renormalise?")
        assert_close(f"tempered_probs(logits, tau={tau})", got, expected)
    # Large logits: exp(1000) overflows unless the row's max is subtracted first.
    big = np.array([[1000.0, 999.0, 990.0]])
    got = np.asarray(_call_rowwise(tempered_probs, big.copy(), 0.5, fn_name="tempered_probs"), dtype=float)
    if got.shape == big.shape and not np.all(np.isfinite(got)):
        fail(
            "tempered_probs([[1000, 999, 990]], 0.5) contains NaN or inf: exp overflowed. "
            "Subtract each row's max from logits / tau before np.exp (it does not change the softmax)"
        )
    got = as_array("tempered_probs(large logits)", got)
    assert_shape("tempered_probs(large logits)", got, big.shape, "(N, K)")
    assert_close("tempered_probs(large logits)", got, _softmax(big / 0.5))
    passed("tempered_probs")


# A fixed distribution over K = 4 characters, given as logits.
_P0 = np.array([0.5, 0.3, 0.15, 0.05])


def check_sample_with_temperature(sample_with_temperature):
    """``sample_with_temperature(logits, tau, n, rng)``: n draws from softmax(logits / tau), an int array of shape (n,)."""
    logits = np.log(_P0)
    K, n = len(_P0), 20_000
    for tau in (0.5, 2.0):
        name = f"sample_with_temperature(logits, tau={tau}, n={n}, rng)"
        raw = call(sample_with_temperature, logits.copy(), tau, n, np.random.default_rng(0))
        got = as_array(name, raw)
        assert_shape(name, got, (n,), "(n,)")
        if not np.all(got == np.round(got)) or got.min() < 0 or got.max() >= K:
            fail(f"{name} should contain integer character indices 0 ... K-1 = {K - 1}")
        freq = np.bincount(got.astype(int), minlength=K) / n
        expected = _softmax(logits / tau)
        sigma = np.sqrt(expected * (1 - expected) / n)
        tol = 5 * sigma + 1e-12

        def looks_like(p, freq=freq, tol=tol):
            return bool(np.all(np.abs(freq - p) <= tol))

        if not looks_like(expected):
            if freq.max() == 1.0:
                fail(
                    f"{name}: every draw is character {int(np.argmax(freq))}: draw n independent characters, "
                    "e.g. rng.choice(K, size=n, p=p), instead of taking the most likely one or repeating one draw"
                )
            if looks_like(np.full(K, 1.0 / K)):
                fail(f"{name}: the frequencies are uniform: pass the probabilities to the draw, rng.choice(K, size=n, p=p)")
            if looks_like(_P0):
                fail(f"{name}: the frequencies match softmax(logits), not softmax(logits / tau): tau is ignored")
            if looks_like(_softmax(logits * tau)):
                fail(f"{name}: the frequencies match softmax(logits * tau): divide the logits by tau")
            fail(
                f"{name}: the character frequencies {np.round(freq, 3).tolist()} do not match "
                f"softmax(logits / tau) = {np.round(expected, 3).tolist()}"
            )
    # The same seeded generator must give the same draws, whatever numpy's global state.
    np.random.seed(1)
    a = np.asarray(call(sample_with_temperature, logits.copy(), 1.0, 50, np.random.default_rng(7)))
    np.random.seed(2)
    b = np.asarray(call(sample_with_temperature, logits.copy(), 1.0, 50, np.random.default_rng(7)))
    if not np.array_equal(a, b):
        fail(
            "two calls with the same seeded rng gave different draws: "
            "draw with the `rng` argument (rng.choice or rng.random), not np.random's global generator"
        )
    passed("sample_with_temperature")


# Per-character losses in nats (natural log), as a cross-entropy loss reports them.
_LOSSES = np.array([0.1, 0.7, 1.5, 0.3, 2.2, 0.05])


def check_perplexity(perplexity):
    """``perplexity(char_losses)``: exp of the mean per-character loss in nats."""
    got = as_float("perplexity(char_losses)", call(perplexity, _LOSSES.copy()))
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
    got0 = as_float("perplexity([0.0, 0.0])", call(perplexity, np.zeros(2)))
    assert_close("perplexity([0.0, 0.0]) (a perfect predictor)", got0, 1.0)
    passed("perplexity")


def check_bits_per_char(bits_per_char):
    """``bits_per_char(char_losses)``: the mean loss converted from nats to bits (divide by ln 2)."""
    got = as_float("bits_per_char(char_losses)", call(bits_per_char, _LOSSES.copy()))
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
    ("BTBTXSE", False, "a string without the closing outer symbol and E"),
    ("BTXSE", False, "a plain (not embedded) Reber string"),
    ("BTBTXSETEB", False, "a valid string followed by an extra symbol"),
    ("BTBTXSETETE", False, "a valid string followed by extra symbols"),
    ("BTBTSPXSETE", False, "an inner walk that breaks the grammar (P cannot follow TS)"),
    ("BTBTXXETE", False, "an inner walk that stops before reaching the exit"),
    ("BTBTSSETE", False, "an inner walk that stops before reaching the exit"),
    ("BXBTXSEXE", False, "an outer symbol other than T or P"),
    ("TBTXSETE", False, "a string that does not start with B"),
    ("", False, "the empty string"),
]


def check_is_embedded_reber(is_embedded_reber):
    """``is_embedded_reber(s)``: True exactly for the strings of the embedded Reber grammar."""
    for s, expected, why in _REBER_CASES:
        try:
            got = call(is_embedded_reber, s)
        except IndexError as exc:
            fail(
                f"is_embedded_reber({s!r}) raised IndexError ({str(exc).splitlines()[0]}): check a string's length "
                "before you index it; a string too short for the grammar is simply not in it (return False)"
            )
        if got is None:
            fail(f"is_embedded_reber({s!r}) returned None: did you forget a `return` statement?")
        if not isinstance(got, (bool, np.bool_)):
            fail(f"is_embedded_reber({s!r}) returned {type(got).__name__}; expected True or False")
        if bool(got) != expected:
            if not expected and "does not repeat" in why:
                fail(
                    f"is_embedded_reber({s!r}) is True, but {why}: your code ignores the long-range rule "
                    "(the second-to-last symbol must equal the second)"
                )
            if not expected and "followed by" in why:
                fail(
                    f"is_embedded_reber({s!r}) is True, but it is {why}: after the walk reaches the exit, "
                    "the string must end"
                )
            fail(f"is_embedded_reber({s!r}) is {bool(got)}; expected {expected} ({why})")
    passed("is_embedded_reber")


def check_plain_reber_rate(plain_reber_rate):
    """``plain_reber_rate()``: the ideal loss, in nats per character, of a stream of plain Reber strings."""
    got = as_float("plain_reber_rate()", call(plain_reber_rate))
    ln2 = np.log(2)
    hint_if_matches(
        "plain_reber_rate()",
        got,
        {
            "gives bits per character: log base confusion. Multiply by ln 2 for nats": 6 / 8,
            "gives the embedded grammar's rate, 7/12 ln 2; the plain string has no outer B, T/P, T/P, E": 7 / 12 * ln2,
            "counts B or E as a coin flip: both are certain (B follows the previous string's E, "
            "and E follows as soon as the walk reaches the exit)": 7 / 8 * ln2,
            "divides by E[L] = 6 characters: a string also has its B and its E, E[L] + 2 characters": ln2,
            "divides by E[L] + 1 characters: a string has its B and its E, E[L] + 2 characters": 6 / 7 * ln2,
        },
    )
    assert_close("plain_reber_rate()", got, 6 / 8 * ln2)
    passed("plain_reber_rate")
