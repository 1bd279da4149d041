"""Chapter 8's claims, re-run on 3 seeds with the code the notebook runs (rnnbook.charlm, rnnbook.reber)."""

import numpy as np
import pytest

from rnnbook import charlm, reber

SEEDS = [0, 1, 2]

# The bounds the chapter asserts.
MAX_EXCESS_LOSS = 0.01  # LSTM's held-out loss minus the ideal loss on the same text, nats per character
MIN_VALID_FRACTION = 0.95  # LSTM's sampled strings that are valid, at temperature 1
SAMPLE_CHARS = 3000


@pytest.fixture(scope="module", params=SEEDS)
def run(request):
    seed = request.param
    train, valid = charlm.reber_corpora(seed)
    results = {kind: charlm.train_charlm(kind, train, valid, seed=seed, **charlm.DEMO) for kind in ("rnn", "lstm")}
    return seed, valid, results


def test_grammar_facts():
    assert reber.expected_inner_length() == pytest.approx(6.0, abs=1e-12)
    assert reber.entropy_rate() == pytest.approx(7 / 12 * np.log(2), abs=1e-12)
    assert reber.memoryless_entropy_rate() == pytest.approx(8 / 12 * np.log(2), abs=1e-12)
    text = reber.make_corpus(2000, np.random.default_rng(3))
    assert all(reber.is_embedded_reber(s) for s in reber.split_strings(text + "B"))
    probs = reber.optimal_next_probs(text)
    codes = reber.encode(text)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.all(probs[np.arange(len(codes) - 1), codes[1:]] > 0)  # the oracle never rules out what happens


@pytest.mark.slow
def test_lstm_approaches_the_ideal_loss(run):
    seed, valid, results = run
    codes = reber.encode(valid)
    ideal = charlm.mean_loss(reber.optimal_next_probs(valid), codes)
    lstm = results["lstm"].final_valid_loss
    assert lstm - ideal < MAX_EXCESS_LOSS, f"seed {seed}: LSTM loss {lstm:.4f}, ideal {ideal:.4f}"
    assert lstm < reber.memoryless_entropy_rate(), f"seed {seed}: LSTM has not learned the long-range symbol"


@pytest.mark.slow
def test_lstm_samples_are_valid(run):
    seed, _, results = run
    frac, n = reber.fraction_valid(charlm.sample(results["lstm"].model, SAMPLE_CHARS, tau=1.0, seed=seed))
    assert n > 100 and frac >= MIN_VALID_FRACTION, f"seed {seed}: {frac:.3f} of {n} sampled strings valid"
    hot, _ = reber.fraction_valid(charlm.sample(results["lstm"].model, SAMPLE_CHARS, tau=2.0, seed=seed))
    assert hot < frac, f"seed {seed}: temperature 2 should give fewer valid strings ({hot:.3f} vs {frac:.3f})"


@pytest.mark.slow
def test_lstm_beats_rnn_on_the_long_range_symbol(run):
    seed, _, results = run
    rnn, lstm = results["rnn"], results["lstm"]
    reach_rnn, reach_lstm = charlm.steps_to_reach(rnn, 0.9), charlm.steps_to_reach(lstm, 0.9)
    assert reach_lstm is not None, f"seed {seed}: the LSTM never put 0.9 on the long-range symbol"
    assert reach_rnn is None or reach_lstm < reach_rnn, f"seed {seed}: LSTM {reach_lstm} vs RNN {reach_rnn} steps"
    assert lstm.valid_long_range[-1] > rnn.valid_long_range[-1], (
        f"seed {seed}: final P(long-range) LSTM {lstm.valid_long_range[-1]:.4f} vs RNN {rnn.valid_long_range[-1]:.4f}"
    )


@pytest.mark.slow
def test_lstm_goes_below_the_memoryless_loss_first(run):
    # A held-out loss below the memoryless loss proves a model uses the long-range symbol.
    seed, _, results = run
    first_below = {
        kind: next((s for s, L in zip(r.steps, r.valid_loss, strict=True) if L < reber.memoryless_entropy_rate()), None)
        for kind, r in results.items()
    }
    assert first_below["lstm"] is not None, f"seed {seed}: the LSTM never went below the memoryless loss"
    assert first_below["rnn"] is None or first_below["lstm"] < first_below["rnn"], f"seed {seed}: {first_below}"
