"""Chapter 8's checks accept the reference solutions and reject each named mistake with a message that names it."""

import numpy as np
import pytest

from rnnbook import reber
from rnnbook.charlm import tempered_probs as ref_tempered_probs
from rnnbook.checks import CheckFailed
from rnnbook.checks.ch08 import (
    check_bits_per_char,
    check_is_embedded_reber,
    check_perplexity,
    check_plain_reber_rate,
    check_sample_with_temperature,
    check_tempered_probs,
)


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------- tempered_probs


def test_tempered_probs_accepts_reference(capsys):
    check_tempered_probs(ref_tempered_probs)
    assert "tempered_probs: all checks passed" in capsys.readouterr().out


def test_tempered_probs_accepts_power_then_renormalise():
    # p ** (1/tau) renormalised is the same distribution: temperature after the softmax is fine *if* renormalised.
    def power(logits, tau):
        p = softmax(logits) ** (1 / tau)
        return p / p.sum(axis=-1, keepdims=True)

    check_tempered_probs(power)


def _row_sum_without_keepdims(logits, tau):
    e = np.exp(logits / tau - (logits / tau).max(axis=1, keepdims=True))
    return e / e.sum(axis=1)  # (N, K) / (N,): a broadcast error


def _whole_array_sum(logits, tau):
    e = np.exp(logits / tau - (logits / tau).max(axis=1, keepdims=True))
    return e / e.sum()


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda l, tau: softmax(l) ** (1 / tau), "after the softmax, as p\\*\\*\\(1/tau\\), without renormalising"),
        (lambda l, tau: softmax(l) / tau, "divides the softmax's output by tau"),
        (lambda l, tau: softmax(l * tau), "multiplies the logits by tau"),
        (lambda l, tau: np.exp(l / tau), "forgets to renormalise"),
        (lambda l, tau: np.exp(l / tau - (l / tau).max(axis=-1, keepdims=True)), "forgets to renormalise"),
        (lambda l, tau: softmax(l / tau, axis=0), "wrong axis"),
        (lambda l, tau: softmax(l), "ignores the temperature"),
        (lambda l, tau: softmax(l / tau)[:, :, None], r"shape \(3, 5, 1\); expected \(N, K\)"),
        (lambda l, tau: softmax(l / tau).T, "looks transposed"),
        (lambda l, tau: None, "is None"),
        (lambda l, tau: softmax(l / tau) * np.nan, "NaN"),
        (lambda l, tau: np.exp(l / tau) / np.exp(l / tau).sum(axis=-1, keepdims=True), "exp overflowed"),
        (lambda l, tau: softmax(l / tau) * 1.5, "do not sum to 1"),
        (_row_sum_without_keepdims, r"shape mismatch .*keepdims=True"),
        (_whole_array_sum, "divides by the sum of the whole array"),
        (lambda l, tau: np.log(softmax(l / tau)), r"returns log-probabilities \(a log-softmax\)"),
    ],
)
def test_tempered_probs_rejects_mistakes(wrong, message):
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(CheckFailed, match=message):
            check_tempered_probs(wrong)


def test_tempered_probs_rejects_in_place_mutation():
    def mutating(logits, tau):
        logits /= tau
        return softmax(logits)

    with pytest.raises(CheckFailed, match="in place"):
        check_tempered_probs(mutating)


# ---------------------------------------------------------------- sample_with_temperature


def ref_sample(logits, tau, n, rng):
    p = ref_tempered_probs(logits, tau)
    return rng.choice(len(p), size=n, p=p)


def test_sample_accepts_reference(capsys):
    check_sample_with_temperature(ref_sample)
    assert "sample_with_temperature: all checks passed" in capsys.readouterr().out


def test_sample_accepts_inverse_cdf():
    def inverse_cdf(logits, tau, n, rng):
        p = ref_tempered_probs(logits, tau)
        return np.minimum(np.searchsorted(np.cumsum(p), rng.random(n), side="right"), len(p) - 1)

    check_sample_with_temperature(inverse_cdf)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda l, tau, n, rng: rng.choice(len(l), size=n, p=softmax(l)), "tau is ignored"),
        (lambda l, tau, n, rng: rng.choice(len(l), size=n, p=softmax(l * tau)), "divide the logits by tau"),
        (lambda l, tau, n, rng: np.random.choice(len(l), size=n, p=softmax(l / tau)), "global generator"),
        (lambda l, tau, n, rng: rng.choice(len(l), size=n), "the frequencies are uniform"),
        (lambda l, tau, n, rng: np.full(n, np.argmax(l)), "every draw is character 0"),
        (lambda l, tau, n, rng: rng.choice(len(l), size=n, p=softmax(l / tau))[::-1] % 2 * 3, "do not match"),
        (lambda l, tau, n, rng: rng.choice(len(l), size=(n, 1), p=softmax(l / tau)), r"expected \(n,\)"),
        (lambda l, tau, n, rng: rng.choice(len(l), size=n, p=softmax(l / tau)) + 1, "integer character indices"),
        (lambda l, tau, n, rng: None, "is None"),
    ],
)
def test_sample_rejects_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_sample_with_temperature(wrong)


# ---------------------------------------------------------------- perplexity and bits per character


def test_perplexity_accepts_reference(capsys):
    check_perplexity(lambda losses: np.exp(np.mean(losses)))
    assert "perplexity: all checks passed" in capsys.readouterr().out


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
    ],
)
def test_perplexity_rejects_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_perplexity(wrong)


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
    with pytest.raises(CheckFailed, match=message):
        check_bits_per_char(wrong)


# ---------------------------------------------------------------- is_embedded_reber


def test_is_embedded_reber_accepts_reference(capsys):
    check_is_embedded_reber(reber.is_embedded_reber)
    assert "is_embedded_reber: all checks passed" in capsys.readouterr().out


def _no_long_range(s):
    return len(s) >= 4 and s[0] == "B" and s[-1] == "E" and s[1] in "TP" and s[-2] in "TP" and reber.is_reber(s[2:-2])


def _prefix_only(s):
    # Accepts any string that *starts* with a valid embedded string.
    return any(reber.is_embedded_reber(s[:k]) for k in range(len(s) + 1))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_no_long_range, "ignores the long-range rule"),
        (_prefix_only, "the string must end"),
        (lambda s: reber.is_reber(s) or reber.is_embedded_reber(s), "plain \\(not embedded\\) Reber string"),
        (lambda s: True, "ignores the long-range rule"),
        (lambda s: None, "returned None"),
        (lambda s: int(reber.is_embedded_reber(s)), "returned int; expected True or False"),
        (lambda s: False, "expected True"),
        (lambda s: s[1] in "TP" and reber.is_embedded_reber(s), r"is_embedded_reber\(''\) raised IndexError"),
    ],
)
def test_is_embedded_reber_rejects_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_is_embedded_reber(wrong)


# ---------------------------------------------------------------- plain_reber_rate


def test_plain_reber_rate_accepts_reference(capsys):
    check_plain_reber_rate(lambda: 6 / 8 * np.log(2))
    assert "plain_reber_rate: all checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda: 6 / 8, "bits per character: log base confusion"),
        (lambda: 7 / 12 * np.log(2), "embedded grammar's rate"),
        (lambda: 7 / 8 * np.log(2), "coin flip"),
        (lambda: np.log(2), "divides by E\\[L\\] = 6"),
        (lambda: 6 / 7 * np.log(2), "E\\[L\\] \\+ 1"),
        (lambda: None, "is None"),
        (lambda: np.array([0.5, 0.5]), "single number"),
        (lambda: 0.3, "wrong values"),
    ],
)
def test_plain_reber_rate_rejects_mistakes(wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check_plain_reber_rate(wrong)


def test_plain_reber_rate_matches_the_ideal_predictor():
    # The reference value agrees with the ideal predictor run over a long plain-Reber stream.
    rng = np.random.default_rng(0)
    text = "".join(reber.reber_string(rng) for _ in range(20_000))
    # In a plain stream every symbol after B and before E is a fair coin given the node; B and E are certain.
    n_choices = len(text) - 2 * 20_000
    rate = n_choices * np.log(2) / len(text)
    assert abs(rate - 6 / 8 * np.log(2)) < 5e-3
